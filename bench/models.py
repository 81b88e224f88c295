"""
The benchmark's data set: one six-column table shaped like typical reference data.

The cold-start child imports this module, so it holds only what an application's models
module would: the base, the model and its store.

"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from microcosm_sqlite import DataSet, Store

DATASET = "bench"

Base: Any = DataSet.create(DATASET)


class Item(Base):
    """A row of reference data: a key, an indexed code shared by ~2,000 rows, and payload."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, index=True)
    name: Mapped[str] = mapped_column(String)
    value: Mapped[float]
    count: Mapped[int]
    flag: Mapped[bool] = mapped_column(Boolean)


class ItemStore(Store[Item]):
    """The store the benchmark reads through, filtering by code like an application would."""

    model_class = Item
    auto_filter_fields = (Item.code, Item.flag)
