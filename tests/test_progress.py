"""Progress on long work: bars on a terminal (real pseudo-terminal, the real CLI), plain
lines in a log, and a closing summary that says what was rendered, reused and written."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios

from conftest import BUILD_PY

from gongkai import progress

STAGES = ("读取内容", "生成页面", "搜索索引：读取页面", "搜索索引：排列词元", "写入")


def _on_a_terminal(project, *args: str) -> tuple[int, str]:
    """Run build.py with stdout and stderr on a pseudo-terminal: (exit code, all it showed)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal window's size
    process = subprocess.Popen([sys.executable, str(BUILD_PY), *args, "--root", str(project.root),
                                "--build-date", "2026-11-25"], stdin=subprocess.DEVNULL, stdout=follower,
                               stderr=follower)
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the build exited and the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.wait(timeout=120), shown.decode("utf-8", "replace")


def test_a_log_gets_one_line_per_stage_with_its_count(example):
    done = example.build()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    said = {line.split("：")[0] if not line.startswith("搜索索引") else "：".join(line.split("：")[:2]) for line in lines}
    assert set(STAGES) <= said, done.stdout
    written = next(line for line in lines if line.startswith("写入："))
    total = re.search(r"共 (\d+) 个文件", lines[-1]).group(1)
    assert re.match(rf"写入：{int(total):,} 个文件，[\d.]+ 秒$", written), (written, lines[-1])
    files = sum(1 for p in (example.root / "content").rglob("*") if p.suffix in (".md", ".yaml") and p.parent.name != "data")
    read = next(line for line in lines if line.startswith("读取内容："))
    assert read.startswith(f"读取内容：{files:,} 个文件"), (read, files)
    assert not any(stage in done.stderr for stage in STAGES), "problems alone go to stderr"


def test_a_terminal_gets_bars_that_clear_and_the_summary(example):
    code, shown = _on_a_terminal(example)
    assert code == 0, shown
    assert "%|" in shown and "读取内容" in shown, "a bar with its share done"
    last = shown.replace("\r", "\n").split("\n")
    assert [line for line in last if line.strip()][-1].startswith("生成完成："), shown[-500:]
    assert "写入：" not in shown.replace("写入 ", ""), "no log lines on a terminal"


def test_a_failed_build_on_a_terminal_shows_its_errors_after_the_bars(example):
    (example.root / "content/policies/bad.md").write_text("---\ntitle: [\n---\n正文\n", encoding="utf-8")
    code, shown = _on_a_terminal(example)
    assert code == 1 and "Traceback" not in shown
    assert "content/policies/bad.md" in shown and "生成失败" in shown


def test_a_long_stage_says_where_it_is_every_so_often(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    with progress.Progress("lines", out).stage("写入", 3, "个文件") as step:
        for _ in range(3):
            step.advance()
    assert out.getvalue().splitlines()[:3] == [f"写入：已完成 {n} / 3 个文件……" for n in (1, 2, 3)]
    assert re.fullmatch(r"写入：3 个文件，[\d.]+ 秒", out.getvalue().splitlines()[-1])


def test_a_stage_that_fails_gets_no_closing_line():
    out = io.StringIO()
    try:
        with progress.Progress("lines", out).stage("写入", 3) as step:
            step.advance()
            raise OSError("disk full")
    except OSError:
        pass
    assert out.getvalue() == ""


def test_quiet_progress_says_nothing(capsys):
    with progress.QUIET.stage("写入", 3) as step:
        step.advance()
    assert capsys.readouterr() == ("", "")
