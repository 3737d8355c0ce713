"""The build cache (.cache/gongkai/): a build that reuses it gives the same bytes and
reports the same problems as a clean one, whatever was edited in between; a damaged,
foreign or misplaced cache is passed over."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import zlib
from pathlib import Path

import pytest
from conftest import tree_digest

from gongkai import cache

POLICIES = "content/policies"
UP_TO_DATE = "都与上次生成时相同"  # what a build with nothing changed says


def _read(project, rel: str) -> str:
    return (project.root / rel).read_text(encoding="utf-8")


def _write(project, rel: str, text: str) -> None:
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _body_end(text: str) -> int:
    return text.index("\n---\n", 4) + 5


def _policies(project) -> list[str]:
    return sorted(p.relative_to(project.root).as_posix() for p in (project.root / POLICIES).glob("*.md"))


# Edits an editor or the IT contractor makes, each on a random file. Several of them
# change what other bodies' links resolve to, which no key of a body names.
def _edit_body(project, rng):
    rel = rng.choice(_policies(project))
    text = _read(project, rel)
    end = _body_end(text)
    _write(project, rel, text[:end] + f"\n第{rng.randint(1, 99)}条补充规定。\n" + text[end:])


def _link_a_policy(project, rng):
    rel, target = rng.sample(_policies(project), 2)
    _write(project, rel, _read(project, rel) + f"\n参见[另一文件](doc:{Path(target).stem})。\n")


def _link_a_file(project, rng):
    rel = rng.choice(_policies(project))
    _write(project, rel, _read(project, rel) + "\n附件：[任务分解](../files/2024/zwgk-2024-rwfg.txt)。\n")


def _retitle(project, rng):
    rel = rng.choice(_policies(project))
    _write(project, rel, re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)}（修订）", _read(project, rel), count=1,
                                flags=re.M))


def _repeal(project, rng):
    rel = rng.choice(_policies(project))
    text = _read(project, rel)
    if "\nstatus:" not in text:
        _write(project, rel, text.replace("\n---\n", "\nstatus: 已废止\nstatus_date: 2026-01-01\n---\n", 1))


def _add(project, rng):
    n = rng.randint(100, 999)
    target = Path(rng.choice(_policies(project))).stem
    _write(project, f"{POLICIES}/cache-{n}.md", (
        f"---\ntitle: 缓存测试文件{n}\ndoc_number: 聊政字〔2026〕{n}号\nindex_number: 11371500004314023F/2026-{n:05d}\n"
        f"agency: 聊城市人民政府\nwritten: 2026-01-05\npublished: 2026-01-06\ntopic: 综合政务\nkind: 通知\n---\n\n"
        f"正文{n}，依据[上位文件](doc:{target})。\n"))


def _remove(project, rng):
    """Removing a document others link to is an error in their bodies, cached or not."""
    (project.root / rng.choice(_policies(project))).unlink()


def _move_file(project, rng):
    path = project.root / "content/files/2024/zwgk-2024-rwfg.txt"
    if path.exists():
        path.rename(path.with_name("moved.txt"))
    else:
        path.with_name("moved.txt").rename(path)


def _edit_table(project, rng):
    rel = "content/data/lc-2019-key-tasks.yaml"
    _write(project, rel, _read(project, rel).replace("责任单位", "牵头单位", 1) + f"# 第{rng.randint(1, 99)}次修改\n")


LAYOUT_ID = "一工作目标"  # the slug of a heading (## 一、工作目标) in two example bodies


def _layout_id(project, rng):
    """A layout that takes an id a heading's slug has, moves the heading to -1."""
    rel = "layouts/base.html"
    _write(project, rel, _read(project, rel).replace("<main", f'<div id="{LAYOUT_ID}" hidden></div><main', 1))


def _config(project, rng):
    rel = "site_config.yaml"
    _write(project, rel, re.sub(r"^(\s*name: )(.*)$", lambda m: f"{m.group(1)}{m.group(2)}{rng.randint(1, 9)}",
                                _read(project, rel), count=1, flags=re.M))


def _nothing(project, rng):
    """A build with nothing changed: it writes nothing, and the site is still the clean one."""


EDITS = [_nothing, _edit_body, _link_a_policy, _link_a_file, _retitle, _repeal, _add, _remove, _move_file, _edit_table,
         _layout_id, _config]


def _outcome(result) -> tuple[int, str]:
    """Exit code and what the build reported, less timings, progress lines (a build that
    writes nothing has no stages) and the cache's own count."""
    said = re.sub(r"（\d+ 篇正文取自生成缓存）|（\d+ 个与上次相同，未重写）|用时 [\d.]+ 秒|写入 \S+；", "",
                  result.stdout + result.stderr)
    said = re.sub(r"(?m)^[^：\n]+(?:：[^：\n]+)?：[\d,]+ \S+，[\d.]+ 秒\n", "", said)
    said = re.sub(rf"内容、版式、配置和日期{UP_TO_DATE}，\S+ 已是最新，未写入任何文件；", "", said)
    return result.returncode, said


@pytest.mark.parametrize("seed,jobs", [(0, ("1", "2")), (1, ("2", "1")), (2, ("3", "1"))])
def test_every_incremental_build_equals_a_clean_one(example, seed, jobs):
    """Each seed's edits built with the cache and without, on one core and on several
    (jobs: the cached build's and the clean one's --jobs)."""
    rng = random.Random(seed)
    clean = example.root / "clean"
    first = example.build("--jobs", jobs[0])
    assert first.returncode == 0, first.stderr
    for step in range(8):
        edit = rng.choice(EDITS)
        edit(example, rng)
        cached = example.build("--jobs", jobs[0])
        fresh = example.build("--no-cache", "--output", str(clean), "--jobs", jobs[1])
        assert _outcome(cached) == _outcome(fresh), f"step {step}: {edit.__name__}"
        if cached.returncode == 0:
            assert tree_digest(example.output) == tree_digest(clean), f"step {step}: {edit.__name__}"


@pytest.mark.parametrize("edit", [_layout_id, _edit_table, _move_file, _remove, _config])
def test_an_edit_outside_a_body_reaches_the_bodies_it_changes(example, edit):
    """What no body's key names: a layout's ids, a data table, a linked file, a linked
    document, the configuration."""
    clean = example.root / "clean"
    assert example.build().returncode == 0
    edit(example, random.Random(7))
    cached, fresh = example.build(), example.build("--no-cache", "--output", str(clean))
    assert _outcome(cached) == _outcome(fresh)
    if cached.returncode == 0:
        assert tree_digest(example.output) == tree_digest(clean)
    if edit is _layout_id:
        assert f'id="{LAYOUT_ID}-1"' in (example.output / "policies/lzbf-2022-7/index.html").read_text(encoding="utf-8")


def _reused(result) -> int:
    found = re.search(r"（(\d+) 篇正文取自生成缓存）", result.stdout)
    return int(found.group(1)) if found else 0


def _rebuild(project, day: int = 26):
    """A build that cannot be skipped as unchanged (another build date), bodies the same."""
    return project.cli("--build-date", f"2026-11-{day}")


def test_a_rebuild_reuses_every_body_but_the_edited_one(example):
    assert example.build().returncode == 0
    again = _rebuild(example)
    bodies = _reused(again)
    assert bodies > 20, again.stdout
    _edit_body(example, random.Random(1))
    assert _reused(example.build()) == bodies - 1
    assert _reused(example.build("--no-cache")) == 0


def test_check_reads_the_cache_and_writes_nothing(example):
    assert example.build().returncode == 0
    before = tree_digest(example.root)
    result = example.cli("check")
    assert result.returncode == 0 and _reused(result) > 20, result.stdout
    assert tree_digest(example.root) == before


def _database(project) -> Path:
    return project.root / cache.FOLDER / cache.NAME


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "a folder", "another generator", "bad entries",
                                    "entries of another shape"])
def test_a_damaged_or_foreign_cache_is_passed_over(example, damage):
    assert example.build().returncode == 0
    expected = tree_digest(example.output)
    path = _database(example)
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not a database " * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "a folder":
        path.unlink()
        path.mkdir()
    else:
        with sqlite3.connect(path) as db:
            if damage == "another generator":
                db.execute("UPDATE meta SET value = 'an older version'")
            elif damage == "bad entries":
                db.execute("UPDATE entries SET value = X'00ff00'")
            else:
                shapes = [{"html": 1, "calls": []}, {"calls": [["link", "x"]]}, {"html": "<p>x</p>", "calls": [["run", "x", 1]]},
                          [1, 2], "text", {"html": "<p>x</p>", "calls": 7},
                          *({"fields": fields, "body": "x", "card": card, "passages": "x", "cited": cited}  # a search page's
                            for fields, card, cited in (({"title": 5, "number": "", "agency": ""}, {}, []),
                                                        ({"number": "", "agency": ""}, {}, []),
                                                        ({"title": "x", "number": "", "agency": "", "body": "x"}, {}, []),
                                                        (["title"], {}, []), ({"title": "", "number": "", "agency": ""}, [], []),
                                                        ({"title": "", "number": "", "agency": ""}, {}, "x")))]
                rows = db.execute("SELECT kind, key FROM entries").fetchall()
                for n, (kind, name) in enumerate(rows):
                    value = zlib.compress(json.dumps(shapes[n % len(shapes)]).encode())
                    db.execute("UPDATE entries SET value = ? WHERE kind = ? AND key = ?", (value, kind, name))
    result = example.build()
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert _reused(result) == 0
    assert tree_digest(example.output) == expected
    if damage != "a folder":
        assert _reused(_rebuild(example)) > 20, "the cache is made afresh"


def test_a_cache_folder_that_leads_out_of_the_project_is_not_used(example, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (example.root / ".cache").symlink_to(outside, target_is_directory=True)
    assert example.build().returncode == 0
    result = _rebuild(example)
    assert result.returncode == 0 and _reused(result) == 0 and UP_TO_DATE not in result.stdout
    assert list(outside.iterdir()) == [], "nothing is written outside the project"


# -- a rebuild with nothing changed ------------------------------------------------------------


def test_a_rebuild_with_nothing_changed_writes_nothing_and_says_so(example):
    (example.root / "content/files/stray.txt").write_text("没有页面链接它", encoding="utf-8")  # a warning
    first = example.build()
    assert first.returncode == 0 and "此文件没有发布" in first.stderr, first.stderr
    before = _state(example.output)
    again = example.build()
    assert again.returncode == 0 and UP_TO_DATE in again.stdout, again.stdout
    assert again.stderr == first.stderr, "the last build's warnings are said again"
    assert _state(example.output) == before


def _state(output: Path) -> dict:
    return {p.relative_to(output).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(output.rglob("*"))}


def _touch_published(project):
    page = project.output / "index.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<!-- edited on the server --></body>"))


def _delete_published(project):
    (project.output / "sitemap.xml").unlink()


def _add_to_published(project):
    (project.output / "stray.html").write_text("<p>放错了地方</p>", encoding="utf-8")


def _symlink_input(project):
    (project.root / "content/files/link.txt").symlink_to(project.root / "content/files/2024/zwgk-2024-rwfg.txt")


@pytest.mark.parametrize("change", [_touch_published, _delete_published, _add_to_published, _symlink_input,
                                    _edit_body, _layout_id, _config, _edit_table, _move_file])
def test_anything_changed_builds_as_usual(example, change):
    clean = example.root / "clean"
    assert example.build().returncode == 0
    change(example, random.Random(3)) if change in EDITS else change(example)
    cached, fresh = example.build(), example.build("--no-cache", "--output", str(clean))
    assert UP_TO_DATE not in cached.stdout
    assert _outcome(cached) == _outcome(fresh)
    if cached.returncode == 0:
        assert tree_digest(example.output) == tree_digest(clean)


def test_another_build_date_builds_as_usual(example):
    assert example.build().returncode == 0
    later = example.cli("--build-date", "2027-06-30")
    assert later.returncode == 0 and UP_TO_DATE not in later.stdout
