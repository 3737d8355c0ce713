"""The command line: help, output safety, scaffolding, the build date, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import BUILD_PY, policy, tree_digest


def test_help_documents_every_command(empty):
    result = empty.cli("--help")
    assert result.returncode == 0
    for word in ("check", "new", "serve", "--build-date", "--output", "SOURCE_DATE_EPOCH",
                 "python3 build.py", "退出码", "3 网站无法写入"):
        assert word in result.stdout
    assert "python build.py" not in result.stdout, "the command is python3 everywhere"
    serve = empty.cli("serve", "--help")
    assert "--host" in serve.stdout and "--port" in serve.stdout and "任何人都能看到" in serve.stdout


@pytest.mark.parametrize("target", [".", "content", "layouts", "content/x", ".."])
def test_refuses_to_write_over_sources(empty, target):
    before = tree_digest(empty.root)
    result = empty.cli("--output", str(empty.root / target))
    assert result.returncode == 2
    assert "拒绝" in result.stderr and "Traceback" not in result.stderr
    assert tree_digest(empty.root) == before


def test_output_outside_the_project_needs_force(empty, tmp_path):
    empty.write("policies/a.md", policy())
    elsewhere = tmp_path / "elsewhere"
    assert empty.build("--output", str(elsewhere)).returncode == 2
    assert not elsewhere.exists()
    assert empty.build("--output", str(elsewhere), "--force").returncode == 0
    assert (elsewhere / "policies/a/index.html").is_file()


def test_new_scaffolds_a_file_that_must_be_filled_in(empty):
    result = empty.cli("new", "policy", "lzf-2026-1", "--build-date", "2026-11-25")
    assert result.returncode == 0, result.stderr
    text = (empty.root / "content/policies/lzf-2026-1.md").read_text(encoding="utf-8")
    assert "published: 2026-11-25" in text
    check = empty.cli("check")
    assert check.returncode == 1
    assert "content/policies/lzf-2026-1.md:2: 字段 title：缺少必填字段 title（标题）" in check.stderr
    again = empty.cli("new", "policy", "lzf-2026-1")
    assert again.returncode == 1 and "已存在" in again.stderr
    assert empty.cli("new", "page", "关于").returncode == 1


@pytest.mark.parametrize("kind", ["interpretation", "page"])
def test_new_other_types(empty, kind):
    assert empty.cli("new", kind, f"new-{kind}").returncode == 0
    folder = {"interpretation": "interpretations", "page": "pages"}[kind]
    assert (empty.root / f"content/{folder}/new-{kind}.md").is_file()


def test_source_date_epoch_sets_the_build_date(example):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1685577600"}  # 2023-06-01
    assert example.cli(env=env).returncode == 0
    assert "已失效" not in example.html("/policies/lzbf-2021-27/").split("<main", 1)[1].split("</dl>")[0]
    env["SOURCE_DATE_EPOCH"] = "1735689600"  # 2025-01-01
    assert example.cli(env=env).returncode == 0
    assert "已失效" in example.html("/policies/lzbf-2021-27/")


def test_serve_builds_and_serves_on_localhost(empty):
    empty.write("policies/a.md", policy("预览文件"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(BUILD_PY), "serve", "--port", str(port), "--root", str(empty.root)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, body = time.monotonic() + 30, ""
        while time.monotonic() < deadline and "预览文件" not in body:
            try:
                # "/" redirects to the path of base_url, where the site is served as in production.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert "预览文件" in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_options_work_before_or_after_the_command(empty, tmp_path):
    empty.write("policies/a.md", policy())
    elsewhere = tmp_path / "out"
    before = subprocess.run([sys.executable, str(BUILD_PY), "--root", str(empty.root), "--build-date", "2026-11-25",
                             "--output", str(elsewhere), "--force", "build"], capture_output=True, text=True)
    assert before.returncode == 0, before.stderr
    assert (elsewhere / "policies/a/index.html").is_file()
    check = subprocess.run([sys.executable, str(BUILD_PY), "--root", str(empty.root), "check"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 0 and "检查通过：" in check.stdout, check.stderr


@pytest.mark.parametrize("target", [".git", "site_config.yaml", "notes"])
def test_refuses_an_output_that_is_not_a_previous_build(empty, target):
    (empty.root / ".git").mkdir()
    (empty.root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (empty.root / "notes").mkdir()
    (empty.root / "notes/plan.txt").write_text("计划")
    before = tree_digest(empty.root)
    result = empty.cli("--output", str(empty.root / target))
    assert result.returncode == 2 and "拒绝" in result.stderr
    assert tree_digest(empty.root) == before


def test_an_empty_site_says_so(empty):
    assert empty.build().returncode == 0
    home = (empty.output / "index.html").read_text(encoding="utf-8")
    assert home.count("暂无。") == 7  # newest documents, interpretations, gazette; by 文种, by year, by 主题分类, by 发文机关


@pytest.mark.parametrize("args,words", [
    (("new",), "缺少参数"), (("--nope",), "无法识别的参数"), (("serve", "--port", "abc"), "端口应为"),
    (("--build-date", "2026-02-30"), "日期应为"), (("--help",), "显示本帮助并退出"), (("new", "--help"), "SLUG"),
])
def test_the_command_line_itself_speaks_chinese(empty, args, words):
    result = empty.cli(*args)
    output = result.stdout + result.stderr
    assert words in output and "Traceback" not in output
    for english in ("the following arguments", "unrecognized arguments", "positional arguments", "show this help",
                    "usage:", "error:", "comes from"):
        assert english not in output, (english, output)


class _Serving:
    """build.py serve on a project, its output read line by line as it comes."""

    def __init__(self, project):
        import queue
        import threading

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, str(BUILD_PY), "serve", "--port", str(self.port), "--root", str(project.root),
             "--build-date", "2026-11-25"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def said(self, words: str, within: float = 90) -> str:
        """The next line holding words (waiting at most `within` seconds for it)."""
        import queue

        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if words in line:
                return line
        pytest.fail(f"serve did not say {words!r} within {within} s", pytrace=False)

    def shows(self, path: str, text: str, within: float = 90) -> bool:
        """Whether the page at path comes to hold text within `within` seconds (rebuilds
        may follow one another while files are copied)."""
        deadline = time.monotonic() + within
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/xxgk{path}", timeout=10) as response:
                if text in response.read().decode("utf-8"):
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_serve_rebuilds_on_file_events_from_the_first_moment(empty):
    """A save right after the preview is announced is seen; so are a layout folder taken
    away and put back (then watched again), and the site configuration."""
    import shutil

    from conftest import REPO

    source = empty.write("policies/a.md", policy("预览文件"))
    serving = _Serving(empty)
    try:
        serving.said("本地预览：")
        source.write_text(source.read_text(encoding="utf-8") + "\n第一次保存的文字。\n", encoding="utf-8")
        serving.said("已更新 content/policies/a.md：重写 1 个页面")  # this very save's, from the model in memory
        assert serving.shows("/policies/a/", "第一次保存的文字", within=0)
        serving.said("搜索索引已更新")  # then the search index, no save waiting
        shutil.rmtree(empty.root / "layouts")
        assert serving.shows("/policies/a/", "生成失败")
        shutil.copytree(REPO / "layouts", empty.root / "layouts")
        assert serving.shows("/policies/a/", "第一次保存的文字")
        base = empty.root / "layouts/base.html"
        base.write_text(base.read_text(encoding="utf-8").replace("</main>", "<p>版式里新加的一句</p></main>", 1),
                        encoding="utf-8")
        assert serving.shows("/policies/a/", "版式里新加的一句"), "the folder put back is watched"
        config = empty.root / "site_config.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("聊城市人民政府 政府信息公开", "预览市 政府信息公开", 1),
                          encoding="utf-8")
        assert serving.shows("/policies/a/", "预览市 政府信息公开")
    finally:
        serving.stop()
