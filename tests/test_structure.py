"""The structure the README promises: one module per content type, stages that name
none, and the README's tables printed from the same declarations the code uses."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from gongkai.types import REGISTRY
from gongkai.urls import routes

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start: end if end > 0 else None]


def table_rows(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[1:]]


def test_the_readme_url_table_is_the_route_table():
    rows = table_rows(section("## URL scheme"))
    assert [(url.strip("`"), page) for url, page in rows] == list(routes())


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda t: t.name)
def test_the_readme_content_model_lists_each_type_s_fields(kind):
    heading = next(line for line in README.splitlines() if line.startswith("### ") and f"`content/{kind.folder}/" in line)
    rows = table_rows(section(heading))
    assert [(name.strip("`"), label) for name, label, *_ in rows] == [(s.name, s.label) for s in kind.specs]
    required = {name.strip("`") for name, _, need, *_ in rows if need == "yes"}
    assert required == {s.name for s in kind.specs if s.required}


STAGES = sorted(p for p in (REPO / "gongkai").glob("*.py"))
TYPE_NAMES = re.compile(r"(?<!Security-)\b(Policy|Interpretation|Page)\b")


@pytest.mark.parametrize("module", STAGES, ids=lambda p: p.name)
def test_stage_modules_name_no_content_type(module):
    found = [f"{module.name}:{n}: {line.strip()}" for n, line in enumerate(module.read_text(encoding="utf-8").splitlines(), 1)
             if TYPE_NAMES.search(line)]
    assert not found, "\n".join(found)


def test_every_registered_type_has_a_unique_name_and_folder():
    assert len({t.name for t in REGISTRY}) == len({t.folder for t in REGISTRY}) == len(REGISTRY)


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda t: t.name)
def test_new_works_for_every_registered_type(empty, kind):
    slug = "2026-12" if kind.name == "gazette" else "x-2026-1"  # a gazette issue is named by year and number
    result = empty.cli("new", kind.name, slug)
    assert result.returncode == 0, result.stderr
    written = re.search(r"已新建 (\S+)，", result.stdout)[1]
    assert written.startswith(f"content/{kind.folder}/") and (empty.root / written).is_file()
