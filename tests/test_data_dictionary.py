"""The committed data dictionary is generated from the schema and documents every column."""

from __future__ import annotations

import re

import pytest

from complaints import cards, paths
from complaints.outputs.dictionary import render_data_dictionary

DICTIONARY = paths.DOCS_DIR / "data_dictionary.md"
DTYPES = {"string", "integer", "number"}


def _sections(markdown: str) -> dict[str, str]:
    """Table id -> the text of its section."""
    parts = re.split(r"^## `([a-z0-9_]+)`", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_committed_dictionary_is_the_rendered_schema():
    committed = DICTIONARY.read_text(encoding="utf-8")
    assert committed == render_data_dictionary(), (
        "docs/data_dictionary.md is out of date: run `make docs`"
    )


def test_every_table_has_a_section_in_schema_order():
    sections = _sections(DICTIONARY.read_text(encoding="utf-8"))
    assert list(sections) == list(cards.CARDS)


@pytest.mark.parametrize("table_id", list(cards.CARDS))
def test_every_column_is_documented_with_type_and_description(table_id):
    section = _sections(DICTIONARY.read_text(encoding="utf-8"))[table_id]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([a-z]+) \| ([^|]*) \| (.*) \|$", section, re.M)
    table = cards.CARDS[table_id]
    assert [r[0] for r in rows] == table.column_names
    for (name, dtype, _unit, description), column in zip(rows, table.columns, strict=True):
        assert dtype == column.dtype, name
        assert dtype in DTYPES, name
        assert len(description.strip()) >= 10, f"{table_id}.{name} has no real description"
    assert table.title and table.grain and table.source
    assert table.title in section and table.source in section


def test_schema_declares_only_known_types_and_unique_columns():
    for table in cards.CARDS.values():
        assert len(set(table.column_names)) == len(table.column_names), table.id
        for column in table.columns:
            assert column.dtype in DTYPES, f"{table.id}.{column.name}: {column.dtype}"
            assert column.description.strip(), f"{table.id}.{column.name}"
