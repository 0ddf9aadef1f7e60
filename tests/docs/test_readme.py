"""The README's landing formats are generated from the contract and must be current."""

from __future__ import annotations

import csv
import io
import json

from core.contract import TABLES
from core.contract_doc import replace_block
from core.settings import PROJECT_ROOT


def test_readme_landing_formats_match_the_contract():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert readme == replace_block(readme), "run: python -m core.contract_doc --write"


def test_every_example_has_exactly_the_contract_columns():
    for t in TABLES:
        assert t.example, f"{t.name} has no example"
        if t.example.lstrip().startswith("{"):
            keys = [list(json.loads(line)) for line in t.example.splitlines()]
        else:
            keys = [next(csv.reader(io.StringIO(t.example)))]
        assert all(k == t.column_names for k in keys), t.name


def test_readme_shows_both_commands():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_docs_stand_alone():
    """Users have the repository and nothing beside it: no document points outside it."""
    docs = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "dbt" / "METHODOLOGY.md",
            *PROJECT_ROOT.glob("seeds/**/README.md"), *PROJECT_ROOT.glob("docs/**/*.md")]
    for doc in docs:
        assert "../shared" not in doc.read_text(), doc
