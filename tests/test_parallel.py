"""--jobs: pages rendered by several processes give the bytes and the problems of one
process, for sound content and for broken content of every stage; a worker that dies
leaves the build to one process; what workers convert is cached for the next build."""

from __future__ import annotations

import os
import re
from datetime import date

import pytest
from conftest import tree_digest

from gongkai import parallel
from gongkai.build import build_site


def _said(result) -> str:
    """What a build reported, less timings and progress lines (a parallel build has one more)."""
    text = re.sub(r"用时 [\d.]+ 秒|写入 \S+；", "", result.stdout + result.stderr)
    return re.sub(r"(?m)^[^：\n]+(?:：[^：\n]+)?：[\d,]+ \S+，[\d.]+ 秒\n", "", text)


def _both(project, tmp_path, jobs: str = "3"):
    one = project.build("--no-cache", "--jobs", "1", "--output", str(tmp_path / "one"), "--force")
    many = project.build("--no-cache", "--jobs", jobs, "--output", str(tmp_path / "many"), "--force")
    return one, many


def test_several_processes_build_the_same_site(example, tmp_path):
    one, many = _both(example, tmp_path)
    assert one.returncode == many.returncode == 0, many.stderr
    assert "生成页面（3 个进程）" in many.stdout
    assert _said(one) == _said(many)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "many")


BROKEN = {  # one of each kind of mistake a render pass finds, in bodies and around them
    "content/policies/zz-links.md": "---\ntitle: 坏链接\ndoc_number: 聊政办发〔2030〕1号\nindex_number: X-1\n"
                                    "agency: 聊城市人民政府办公室\nkind: 通知\ntopic: 综合政务\nwritten: 2020-01-01\n"
                                    "published: 2020-01-02\n---\n见[不存在](doc:no-such-doc)与![图](../files/none.png)。\n\n"
                                    "<script>alert(1)</script>\n\n# 第二个一级标题\n",
    "content/pages/zz-page.md": "---\ntitle: 页面\n---\n[空链接]()\n\n| a |\n|---|\n| b |\n",
}


@pytest.mark.parametrize("jobs", ["2", "5"])
def test_several_processes_report_the_same_problems(example, tmp_path, jobs):
    for rel, text in BROKEN.items():
        (example.root / rel).write_text(text, encoding="utf-8")
    layout = example.root / "layouts/interpretation.html"
    lines = layout.read_text(encoding="utf-8").splitlines(keepends=True)
    layout.write_text("".join([*lines[:2], "{{ item.nothing() }}\n", *lines[2:]]), encoding="utf-8")
    one, many = _both(example, tmp_path, jobs)
    assert one.returncode == many.returncode == 1
    assert "zz-links.md" in one.stderr and "layouts/interpretation.html" in one.stderr, one.stderr
    assert _said(one) == _said(many)


def test_warnings_alone_are_the_same_too(example, tmp_path):
    (example.root / "content/files/stray.txt").write_text("没有页面链接它", encoding="utf-8")
    one, many = _both(example, tmp_path)
    assert one.returncode == many.returncode == 0 and "此文件没有发布" in many.stderr
    assert _said(one) == _said(many)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "many")


_WORK = parallel._work


def _dying(number: int, jobs: int):
    if number == 1:
        os._exit(9)  # as the kernel's out-of-memory killer would end it
    return _WORK(number, jobs)


def test_a_worker_that_dies_leaves_the_build_to_one_process(example, monkeypatch):
    serial = build_site(example.root, date(2026, 11, 25), jobs=1)
    monkeypatch.setattr(parallel, "_work", _dying)
    again = build_site(example.root, date(2026, 11, 25), jobs=2)
    assert again.outputs.pages == serial.outputs.pages and again.problems == serial.problems


def test_what_workers_convert_is_cached(example):
    first = example.build("--jobs", "2")
    assert first.returncode == 0, first.stderr
    edited = example.root / "content/policies/lzbf-2019-5.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一段。\n", encoding="utf-8")
    second = example.build("--jobs", "1")
    reused = int(re.search(r"（(\d+) 篇正文取自生成缓存）", second.stdout).group(1))
    assert reused >= 30, second.stdout


def test_what_a_worker_made_for_another_place_is_made_again_here(example, monkeypatch):
    """Should a worker's pass ever go otherwise than the parent's, each place whose URL
    or kind differs is made in the parent: slower, never wrong."""
    serial = build_site(example.root, date(2026, 11, 25), jobs=1)
    run = parallel.run

    def shifted(renderer, jobs):
        replay = run(renderer, jobs)
        replay.made = {place + 1: made for place, made in replay.made.items()}
        return replay

    monkeypatch.setattr(parallel, "run", shifted)
    again = build_site(example.root, date(2026, 11, 25), jobs=2)
    assert again.outputs.pages == serial.outputs.pages and again.problems == serial.problems
