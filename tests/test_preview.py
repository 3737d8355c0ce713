"""serve's quick path (gongkai/preview.py): after an edit that changed only bodies, the
pages showing them are rewritten from the model kept in memory, and the search index
once no save waits. Whatever was edited, the site on disk is then byte for byte a clean
build's, and the problems are a clean build's."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import tree_digest
from test_cache import EDITS, _body_end, _move_file, _read, _remove, _write

from gongkai.cli import preview_build, run_build
from gongkai.preview import WHOLE, Preview

AS_OF = date(2026, 11, 25)
QUICK = "搜索索引稍后更新"  # what the quick path says
WHOLE_BUILD = "生成"  # what a whole build says: 生成完成 or 生成失败


def _preview(project) -> Preview:
    preview = Preview(project.root.resolve(), (project.root / "output").resolve(), AS_OF, "write", preview_build)
    preview.full(shortcut=False)
    return preview


def _state(project) -> dict[Path, str]:
    """What serve's watchers would see change: each watched file's hash."""
    root = project.root.resolve()
    files = [root / "site_config.yaml", *(p for d in ("content", "layouts") for p in (root / d).rglob("*"))]
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def _saved(before: dict, after: dict, root: Path) -> set[Path] | None:
    """The paths saved, as serve's watchers report them: the config is WHOLE."""
    paths = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    return WHOLE if root.resolve() / "site_config.yaml" in paths else paths


def _clean(project, capsys) -> tuple[set[str], dict | None]:
    """A clean build's problems (their lines) and its output (None when it failed)."""
    out = project.root / "clean"
    problems, _ = run_build(project.root.resolve(), out.resolve(), AS_OF, "", shortcut=False)
    capsys.readouterr()
    return _lines(problems), None if problems else tree_digest(out)


def _lines(problems) -> set[str]:
    return set(problems.report().splitlines()) if problems or problems.warnings else set()


def _settled(preview: Preview) -> None:
    while not preview.settle():
        pass


# Body edits of every content type, some of them bad, beside test_cache's edits of all else.
def _any_body(project, rng):
    folder = rng.choice(["content/policies", "content/interpretations", "content/pages", "content/gazettes"])
    rel = rng.choice(sorted(p.relative_to(project.root).as_posix() for p in (project.root / folder).rglob("*.md")))
    text = _read(project, rel)
    end = _body_end(text)
    sound = [f"第{rng.randint(1, 99)}条补充规定。", "## 新增一节\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |"]
    bad = ["<script>alert(1)</script>", "参见[不存在的文件](doc:no-such-document)。", "![](../files/no-such.png)"]
    line = rng.choice(sound if rng.random() < 0.7 else bad)
    _write(project, rel, text[:end] + f"\n{line}\n" + text[end:])


LASTING = [e for e in EDITS if e not in (_remove, _move_file)]  # the others leave an error no later edit undoes


def _undo_bad_bodies(project, rng):
    """Back to sound bodies: the quick path must come back after a failed build."""
    for path in (project.root / "content").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        good = re.sub(r"\n(<script>alert\(1\)</script>|参见\[不存在的文件\]\(doc:no-such-document\)。|!\[\]\(\.\./files/no-such\.png\))\n",
                      "\n", text)
        if good != text:
            path.write_text(good, encoding="utf-8")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_after_any_edits_the_preview_equals_a_clean_build(example, capsys, seed):
    rng = random.Random(seed)
    preview = _preview(example)
    quick = 0
    for step in range(12):
        edit = rng.choice([_any_body] * 6 + [_undo_bad_bodies] * 2 + LASTING)
        before = _state(example)
        edit(example, rng)
        capsys.readouterr()
        problems = preview.edited(_saved(before, _state(example), example.root))
        _settled(preview)
        said = capsys.readouterr().out
        quick += QUICK in said
        lines, clean = _clean(example, capsys)
        assert _lines(problems) == lines, f"step {step}: {edit.__name__}"
        if clean is not None:
            assert tree_digest(example.output) == clean, f"step {step}: {edit.__name__}"
    assert quick >= 2, "the quick path was hardly taken"


def _edit(project, rel: str, words: str) -> Path:
    text = _read(project, rel)
    _write(project, rel, text + f"\n{words}\n")
    return (project.root / rel).resolve()


@pytest.mark.parametrize("rel", ["content/policies/lzbf-2024-3.md", "content/interpretations/jd-lzbf-2019-5.md",
                                 "content/pages/about.md"])
def test_a_body_edit_rewrites_only_its_page(example, capsys, rel):
    preview = _preview(example)
    before = {p: p.stat().st_mtime_ns for p in example.output.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert not preview.edited({_edit(example, rel, "预览新增的一句话。")})
    said = capsys.readouterr().out
    assert "重写 1 个页面" in said and QUICK in said, said
    changed = [p for p in example.output.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns]
    assert len(changed) == 1 and "预览新增的一句话" in changed[0].read_text(encoding="utf-8")
    assert preview.search_stale


@pytest.mark.parametrize("rel", ["a gazette article", "content/policies/lzbf-2019-5.md"])
def test_a_page_whose_bytes_a_manifest_digests_builds_everything(example, capsys, rel):
    """The pages of a gazette's articles, and of the policies it carries, are digested
    in the issue's manifest: a whole build."""
    preview = _preview(example)
    if not rel.startswith("content/"):
        rel = next(p for p in sorted((example.root / "content/gazettes").rglob("*.md"))).relative_to(example.root).as_posix()
    capsys.readouterr()
    assert not preview.edited({_edit(example, rel, "公报正文新增。")})
    said = capsys.readouterr().out
    assert QUICK not in said and "生成完成" in said


def test_front_matter_an_added_file_or_a_layout_builds_everything(example, capsys):
    preview = _preview(example)
    rel = "content/policies/lzbf-2019-5.md"
    text = _read(example, rel)
    _write(example, rel, text.replace("\ntitle: ", "\ntitle: 修订 ", 1))
    for paths in ({(example.root / rel).resolve()}, {_edit(example, "layouts/base.html", "<!-- x -->")},
                  {(example.root / "content/policies/new.md").resolve()}, WHOLE):
        if paths and next(iter(paths)).name == "new.md":
            _write(example, "content/policies/new.md", text)
        capsys.readouterr()
        preview.edited(paths)
        said = capsys.readouterr()
        assert QUICK not in said.out and WHOLE_BUILD in said.out + said.err


def test_an_editors_swap_file_is_passed_over(example, capsys):
    preview = _preview(example)
    swap = example.root / "content/policies/.lzbf-2024-3.md.swp"
    swap.write_bytes(b"\0swap")
    capsys.readouterr()
    preview.edited({_edit(example, "content/policies/lzbf-2024-3.md", "又一句。"), swap.resolve()})
    assert QUICK in capsys.readouterr().out


def test_the_search_index_gives_way_to_a_waiting_save_and_comes_after(example, capsys):
    preview = _preview(example)
    preview.edited({_edit(example, "content/policies/lzbf-2024-3.md", "检索用的独特词语甲乙丙。")})
    before = dict(preview.renderer.outputs.pages)
    preview.waiting.set()
    assert preview.settle() is False
    assert preview.renderer.outputs.pages == before and preview.search_stale
    preview.waiting.clear()
    assert preview.settle() is True and not preview.search_stale
    _, clean = _clean(example, capsys)
    assert tree_digest(example.output) == clean


def test_a_site_already_up_to_date_gets_its_model_without_writing(example, capsys):
    """serve on a site built before: the no-change shortcut publishes nothing new, then
    the model is made without writing, and the first save is quick."""
    assert example.build().returncode == 0
    preview = Preview(example.root.resolve(), example.output.resolve(), AS_OF, "write", preview_build)
    preview.full()
    assert preview.cold and preview.renderer is None
    before = tree_digest(example.output)
    preview.warm()
    assert not preview.cold and preview.renderer is not None and tree_digest(example.output) == before
    capsys.readouterr()
    preview.edited({_edit(example, "content/policies/lzbf-2024-3.md", "暖好之后的一句。")})
    assert "重写 1 个页面" in capsys.readouterr().out


def test_touching_a_document_rewrites_nothing(example, capsys):
    preview = _preview(example)
    path = (example.root / "content/policies/lzbf-2024-3.md").resolve()
    path.write_bytes(path.read_bytes())
    capsys.readouterr()
    preview.edited({path})
    assert "重写 0 个页面" in capsys.readouterr().out and not preview.search_stale
