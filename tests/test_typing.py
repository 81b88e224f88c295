"""
Store is generic over its model: a type checker sees `get` return the model, not Any.

"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TYPED_USE = """
from collections.abc import Iterator
from typing import assert_type

from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microcosm_sqlite import Store
from microcosm_sqlite.dataset import DataSetBase


class Base(DataSetBase, DeclarativeBase, dataset="typed"):
    pass


class Thing(Base):
    __tablename__ = "thing"

    id: Mapped[int] = mapped_column(primary_key=True)


class ThingStore(Store[Thing]):
    model_class = Thing


store = ThingStore()
assert_type(store.get(1), Thing)
assert_type(store.get_many([1, 2]), list[Thing])
assert_type(store.search(limit=2), list[Thing])
assert_type(store.first(), Thing | None)
assert_type(store.one(), Thing)
assert_type(store.iterate(), Iterator[Thing])
"""


def mypy(source: str, folder: Path) -> subprocess.CompletedProcess[str]:
    module = folder / "typed_use.py"
    module.write_text(source)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            # what the library's own modules get from the installed SQLAlchemy and aiohttp
            # stubs is `make lint`'s business, not a user's file's
            "--follow-imports=silent",
            str(module),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_store_methods_return_the_model_type(tmp_path: Path) -> None:
    """Strict mypy accepts every assert_type on a Store's results."""
    result = mypy(TYPED_USE, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_type_is_caught(tmp_path: Path) -> None:
    """The check above has teeth: claiming `get` returns a str fails."""
    result = mypy(TYPED_USE + "assert_type(store.get(1), str)\n", tmp_path)
    assert result.returncode == 1
    assert "[assert-type]" in result.stdout
