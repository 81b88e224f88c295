"""
2.x's CSV dumper: `dump(fileobj, items=..., field_names=..., custom_header=...,
extras_action=...)`, `csv(store, model_cls=...)` and `CSVDumper` write as 2.x did, with a
warning; `dump(fileobj)` stays 3.x's.

"""

from __future__ import annotations

import io
import warnings
from typing import Any

import pytest
from fixtures.runtime import CITY_COUNT, CityStore, Country

CITY_FIELDS = ["id", "name", "country_code", "population"]


def test_dumper_writes_chosen_fields_with_2x_line_ends(graph: Any) -> None:
    """`dump(fileobj, field_names=[...])`: every row, those columns, `\\r\\n` as in 2.x."""
    out = io.StringIO()
    with pytest.warns(DeprecationWarning, match="csv.DictWriter"):
        count = graph.sqlite_dumper.csv(CityStore(graph)).dump(out, field_names=CITY_FIELDS)
    lines = out.getvalue().split("\r\n")
    assert count == CITY_COUNT and len(lines) == CITY_COUNT + 2 and lines[-1] == ""
    assert lines[:2] == ["id,name,country_code,population", "1,city-001,DE,1000"]


def test_dumper_custom_header_and_chosen_items(graph: Any) -> None:
    """`custom_header` labels the columns; `items` picks the rows, in the order given."""
    store = CityStore(graph)
    out = io.StringIO()
    with pytest.warns(DeprecationWarning, match=r"items=\.\.\., field_names=.*custom_header="):
        graph.sqlite_dumper.csv(store).dump(
            out,
            field_names=CITY_FIELDS,
            custom_header=dict(id="ID", name="Name", country_code="Country", population="Pop"),
            items=[store.get(3), store.get(2)],
        )
    assert out.getvalue() == "ID,Name,Country,Pop\r\n3,city-003,JP,3000\r\n2,city-002,FR,2000\r\n"


def test_dumper_extra_columns_raise_unless_ignored(graph: Any) -> None:
    """As 2.x's DictWriter: columns left out of `field_names` raise, unless extras_action says."""
    store = CityStore(graph)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="population"):
        graph.sqlite_dumper.csv(store).dump(io.StringIO(), field_names=["id", "name"])
    out = io.StringIO()
    with pytest.warns(DeprecationWarning):
        graph.sqlite_dumper.csv(store).dump(
            out, field_names=["id", "name"], extras_action="ignore", items=[store.get(1)]
        )
    assert out.getvalue() == "id,name\r\n1,city-001\r\n"


def test_dumper_model_cls_and_csv_dumper_module(graph: Any) -> None:
    """`csv(store, model_cls=...)` and `dumpers.csv.CSVDumper(graph, store)` dump as 2.x did."""
    from microcosm_sqlite.dumpers.csv import CSVDumper

    out = io.StringIO()
    with pytest.warns(DeprecationWarning, match="model_cls"):
        dump = graph.sqlite_dumper.csv(CityStore(graph), model_cls=Country)
    with pytest.warns(DeprecationWarning):
        assert dump.dump(out, field_names=["code", "name", "continent", "landlocked"]) == 6
    assert out.getvalue().splitlines()[1] == "CH,Switzerland,Continent.EUROPE,True"
    with pytest.warns(DeprecationWarning, match="graph.sqlite_dumper.csv"):
        dumper = CSVDumper(graph, CityStore(graph))
    with pytest.warns(DeprecationWarning):
        assert dumper.dump(io.StringIO(), items=[]) == 0
    with pytest.warns(DeprecationWarning, match="graph.sqlite_dumper"):
        from microcosm_sqlite.dumpers import SQLiteDumper
    assert isinstance(graph.sqlite_dumper, SQLiteDumper)


def test_dumper_3x_call_is_quiet_and_keeps_newlines(graph: Any) -> None:
    """`dump(fileobj)`, the call both versions share, writes 3.x's source, lines ending `\\n`."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert graph.sqlite_dumper.csv(CityStore(graph)).dump(out) == CITY_COUNT
    assert "\r" not in out.getvalue()
    assert out.getvalue().startswith("id,name,country_code,population\n1,city-001,DE,1000\n")
