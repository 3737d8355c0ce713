"""Acceptance attacks on 政府公报 through the real command line, on copies of the example portal.

One test per class of hostile or unusual input. Each class that found a defect (all since fixed) keeps
its test; the classes that already held are kept brief. Timings of
1000 / 3000 issues belong to the tester's report, not here (this file builds at most 200 issues)."""

from __future__ import annotations

import contextlib
import csv
import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import BUILD_PY, Project, policy, run_cli, tree_digest

ARTICLE = "---\ntitle: {title}\nagency: 聊城市人民政府\n---\n\n正文。\n"
HEADER = "年份,期号,总期号,出版日期,栏目,标题,文号,发文机关,页码,PDF\n"


# -- helpers ----------------------------------------------------------------------------------------


def issue(year: int, number: int, total: int, published: str, items: str = "      - article: a\n", head: str = "") -> str:
    return (f"{head}year: {year}\nnumber: {number}\ntotal_number: {total}\npublished: {published}\n"
            f"sections:\n  - name: 其他\n    items:\n{items}")


def add_issue(project: Project, year: int, number: int, text: str, article: str | None = "a") -> None:
    project.write(f"gazettes/{year}/{number:02d}.yaml", text)
    if article:
        project.write(f"gazettes/{year}/{number:02d}/{article}.md", ARTICLE.format(title="测试文章"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def lines_of(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("  ")]


def line_no(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Project:
    """The example portal, built once; tests work on copies of it."""
    project = Project(tmp_path_factory.mktemp("example") / "site", with_example=True)
    done = project.build()
    assert done.returncode == 0, done.stderr
    return project


@pytest.fixture
def built(example_site, tmp_path) -> Project:
    """A copy of the built example: project and output/."""
    project = Project.__new__(Project)
    project.root = tmp_path / "site"
    shutil.copytree(example_site.root, project.root, symlinks=True)
    return project


def verify(project: Project, target, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILD_PY), "verify-gazette", str(target), *args, "--root", str(project.root)],
                          capture_output=True, text=True, timeout=timeout)


def catalog_csv_rows(project: Project) -> list[list[str]]:
    text = (project.output / "gazette/catalog.csv").read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.attrs, self.scripts, self._script = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.attrs += [(tag, k) for k, _ in attrs if k.startswith("on")]
        self.links += [v for k, v in attrs if k in ("href", "src") and v]
        if tag == "script":
            self._script = ""

    def handle_data(self, data):
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None


def broken_links(out: Path) -> list[tuple[str, str]]:
    """Every same-site href/src of every page (404.html excepted: its links are absolute by design)."""
    bad = []
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        if rel == "404.html":
            continue
        base = "http://h/" + rel.removesuffix("index.html")
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            url = urlsplit(urljoin(base, link))
            if url.scheme != "http" or url.netloc != "h":
                continue
            target = out / unquote(url.path).lstrip("/")
            if not (target / "index.html" if url.path.endswith("/") else target).is_file():
                bad.append((rel, link))
    return bad


@contextlib.contextmanager
def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# == classes that hold ==============================================================================


def test_hostile_issue_and_article_files_are_all_reported_together(built, tmp_path):
    """Odd numbers, pages, PDF paths, encodings, control characters, hostile YAML, article names and
    id: lines, orphan articles, a document carried twice: one build, each at file:line:field, nothing written."""
    project = built
    before = tree_digest(project.output)
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4\n%%EOF\n")
    cases = {  # year/number: (issue text, what must be reported)
        (2010, 1): (issue(2010, 1, 1, "2010-01-05").replace("number: 1", "number: -1"), "2010/01.yaml:2: 字段 number"),
        (2010, 2): (issue(2010, 2, 2, "2010-02-05").replace("year: 2010", "year: 2010.0"), "2010/02.yaml:1: 字段 year"),
        (2010, 3): (issue(2010, 3, 3, "2010-03-05").replace("total_number: 3", "total_number: ３"),
                    "2010/03.yaml:3: 字段 total_number"),
        (2010, 4): (issue(2010, 4, 4, "2010-02-30"), "2010/04.yaml:4: 字段 published"),
        (2010, 5): (issue(2010, 5, 5, "2010-05-05", "      - article: a\n        pages: 8-3\n"),
                    "2010/05.yaml:9: 字段 sections.0.items.0.pages"),
        (2010, 6): (issue(2010, 6, 6, "2010-06-05", head="pdf: ../../../site_config.yaml\n"), "2010/06.yaml:1: 字段 pdf"),
        (2010, 7): (issue(2010, 7, 7, "2010-07-05", head="pdf: /etc/passwd\n"), "2010/07.yaml:1: 字段 pdf"),
        (2010, 8): (issue(2010, 8, 8, "2010-08-05", head="pdf: dir.pdf\n"), "2010/08.yaml:1: 字段 pdf"),
        (2010, 9): (issue(2010, 9, 9, "2010-09-05", head="pdf: out.pdf\n"), "2010/09.yaml:1: 字段 pdf"),
        (2010, 10): (issue(2010, 10, 10, "2010-10-05", head="# 注释\n"), "2010/10.yaml"),
        (2010, 11): (issue(2010, 11, 11, "2010-11-05").replace("total_number: 11", "total_number: 1\x001"),
                     "2010/11.yaml:3: 字段 total_number"),
        (2010, 12): (issue(2010, 12, 12, "2010-12-05").replace("name: 其他", "name: 其\x1b他"),
                     "2010/12.yaml:6: 字段 sections.0.name"),
        (2011, 1): (issue(2011, 1, 13, "2011-01-05").replace("year: 2011", "year: !!python/object/apply:os.system [touch PWNED]"),
                    "2011/01.yaml:1: 字段 year"),
        (2011, 2): (issue(2011, 2, 14, "2011-02-05", head="x: &a [1, 2]\ny: *a\n"), "2011/02.yaml:1: 字段 x"),
        (2011, 3): (issue(2011, 3, 15, "2011-03-05", head="x: " + "[" * 5000 + "]" * 5000 + "\n"), "2011/03.yaml:1: 字段 x"),
        (2025, 7): (issue(2025, 7, 500, "2025-07-01", "      - doc: lzbf-2019-5\n"), "2025/07.yaml:8: 字段 sections.0.items.0.doc"),
    }
    for (year, number), (text, _) in cases.items():
        add_issue(project, year, number, text, article=None if (year, number) == (2025, 7) else "a")
    gb = project.root / "content/gazettes/2010/10.yaml"
    gb.write_bytes(gb.read_text(encoding="utf-8").encode("gb18030"))
    (project.root / "content/gazettes/2010/dir.pdf").mkdir()
    (project.root / "content/gazettes/2010/out.pdf").symlink_to(outside)
    add_issue(project, 2011, 4, issue(2011, 4, 16, "2011-04-05"), article=None)
    project.write("gazettes/2011/04/a.md", "---\nid: mine\ntitle: 文章\nagency: 机关\n---\n正文\n")
    project.write("gazettes/2011/04/Upper.md", ARTICLE.format(title="大写"))
    project.write("gazettes/2011/04/人事.md", ARTICLE.format(title="中文名"))
    project.write("gazettes/2011/05/orphan.md", ARTICLE.format(title="孤儿"))
    done = project.build()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    reported = [want for _, want in cases.values()] + [
        "2011/04/a.md:2: 字段 id", "2011/04/Upper.md:1:", "2011/04/人事.md:1:", "2011/05/orphan.md:1:"]
    for want in reported:
        assert any(line.startswith("content/gazettes/" + want) for line in lines_of(done.stderr)), (want, done.stderr)
    assert "不是 UTF-8" in done.stderr and "已刊登于 2019年第6期" in done.stderr
    assert not (project.root / "PWNED").exists() and not Path("PWNED").exists()  # the tag ran nothing
    assert tree_digest(project.output) == before


def test_page_spellings_are_read_as_one_range(tmp_path):
    """Full-width digits and every dash the README allows, in issues without a PDF: one range each."""
    project = Project(tmp_path / "site", with_example=True)
    spellings = {("2020/04", "3"): "３０-３１", ("2020/04", "4"): "40 — 41", ("2020/04", "5"): "50～51",
                 ("2019/09", "3"): "60至61", ("2019/09", "4"): "70–71", ("2019/09", "5"): "80~81"}
    for (name, old), new in spellings.items():
        edit(project.root / f"content/gazettes/{name}.yaml", f'pages: "{old}"', f'pages: "{new}"')
    done = project.build()
    assert done.returncode == 0, done.stderr
    pages = {r[9] for r in catalog_csv_rows(project)[1:] if r[0] in ("2019", "2020") and r[1] in ("4", "9")}
    assert pages == {"30-31", "40-41", "50-51", "60-61", "70-71", "80-81"}


def test_hostile_text_in_config_and_content_is_escaped_and_still_verifies(tmp_path):
    """<script>, quotes, </code>, comments and 64 zeros in the gazette's name, frequency, a section and
    article fields: no element, attribute or script comes from content; JSON-LD, feed and JSON parse."""
    project = Project(tmp_path / "site", with_example=True)
    evil = '</script><script>alert(1)</script>"\'&<img src=x onerror=alert(2)></code><!--' + "0" * 64
    quoted = "'" + evil.replace("'", "''") + "'"
    config = project.root / "site_config.yaml"
    edit(config, "name: 聊城市人民政府公报", f"name: {quoted}")
    edit(config, "frequency: 每月出版一期", f"frequency: {quoted}")
    edit(config, "人事任免, 其他]", "人事任免, '其他<b onmouseover=alert(3)>'] ")
    for path in (project.root / "content/gazettes").glob("*/*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("- name: 其他\n", "- name: '其他<b onmouseover=alert(3)>'\n"),
                        encoding="utf-8")
    article = project.root / "content/gazettes/2019/06/dsj.md"
    edit(article, "title: 聊城市人民政府2019年5月大事记", f"title: {quoted}")
    edit(article, "agency: 聊城市人民政府办公室", f"agency: {quoted}")
    done = project.build()
    assert done.returncode == 0, done.stderr
    for page in project.output.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert not parser.attrs, (page, parser.attrs)
        assert not any("alert(" in s and "application/ld+json" not in s and "<" in s for s in parser.scripts)
        assert "<img src=x" not in page.read_text(encoding="utf-8")
    ld = re.findall(r'<script type="application/ld\+json">(.*?)</script>',
                    (project.output / "gazette/2019/06/dsj/index.html").read_text(encoding="utf-8"), re.S)
    assert json.loads(ld[0])["headline"] == evil
    ET.parse(project.output / "gazette/feed.xml")
    assert json.loads((project.output / "gazette/catalog.json").read_bytes())["gazette"] == evil
    done = verify(project, project.output)
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_hundred_issues_build_link_and_verify(tmp_path):
    project = Project(tmp_path / "site", with_example=False)
    for n in range(200):
        year, number = 1990 + n // 12, n % 12 + 1
        add_issue(project, year, number, issue(year, number, n + 1, f"{year}-{number:02d}-10",
                                               "      - article: a\n        pages: 1-2\n      - article: b\n"))
        project.write(f"gazettes/{year}/{number:02d}/b.md", ARTICLE.format(title=f"第{n}期之二"))
    done = project.build()
    assert done.returncode == 0, done.stderr
    assert len(json.loads((project.output / "gazette/catalog.json").read_bytes())["issues"]) == 200
    assert broken_links(project.output) == []
    done = verify(project, project.output)
    assert done.returncode == 0 and "已核对 200 期公报" in done.stdout, done.stdout


def test_rebuild_with_another_hash_seed_timezone_and_file_order_is_byte_identical(tmp_path):
    first = Project(tmp_path / "a", with_example=True)
    second = tmp_path / "deeper/b"
    second.mkdir(parents=True)
    shutil.copytree(first.root / "layouts", second / "layouts")
    shutil.copy(first.root / "site_config.yaml", second / "site_config.yaml")
    for path in sorted((first.root / "content").rglob("*"), reverse=True):  # created in the other order
        target = second / path.relative_to(first.root)
        target.mkdir(parents=True, exist_ok=True) if path.is_dir() else (
            target.parent.mkdir(parents=True, exist_ok=True), shutil.copy(path, target))
    env = dict(os.environ, PYTHONHASHSEED="7", TZ="Pacific/Kiritimati")
    assert first.build().returncode == 0
    assert run_cli("--build-date", "2026-11-25", root=second, env=env).returncode == 0
    assert tree_digest(first.output) == tree_digest(second / "output")


def test_hostile_import_listings_are_refused_or_round_trip(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    before = tree_digest(project.root / "content")
    listing = tmp_path / "l.csv"

    def run(raw: bytes) -> subprocess.CompletedProcess:
        listing.write_bytes(raw)
        return project.cli("import-gazette", str(listing))

    row = "2012,3,50,2012-03-25,其他,{title},,机关,5,{pdf}\n"
    bad = {
        "BOM then GB18030": b"\xef\xbb\xbf" + HEADER.encode() + row.format(title="标题", pdf="").encode("gb18030"),
        "UTF-8 then GB18030": (HEADER + row.format(title="一", pdf="")).encode() + row.format(title="二", pdf="").encode("gb18030"),
        "PDF path leaving": (HEADER + row.format(title="t", pdf="../../../../etc/passwd.pdf")).encode(),
        "issue already there": (HEADER + "2019,6,118,2019-06-28,其他,t,,机关,5,\n").encode(),
        "quote unclosed": (HEADER + '2012,3,50,2012-03-25,其他,"t,,机关,5,\n').encode(),
    }
    for what, raw in bad.items():
        done = run(raw)
        assert done.returncode == 1 and "Traceback" not in done.stderr, what
        assert re.search(r"l\.csv:?\d*", done.stderr), (what, done.stderr)
    assert tree_digest(project.root / "content") == before
    title = '标题"引号"\\反斜杠: #注释 \'单\' {a: b} [x] &a *b !t %x @y `z --- \\n'
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["2012", "3", "50", "2012-03-25", "其他", title, "", "机关", "5", ""])
    assert run((HEADER + out.getvalue()).encode()).returncode == 0
    assert project.build().returncode == 0
    issues = json.loads((project.output / "gazette/catalog.json").read_bytes())["issues"]
    assert [a["title"] for i in issues if i["year"] == 2012 for a in i["articles"]] == [title]


@pytest.mark.parametrize("target, words", [
    ("ftp://example.gov.cn/", "只能核对 http"), ("file:///etc/", "只能核对 http"), ("http://[::1/", "不是有效的网址"),
    ("http://localhost:99999/", "不是有效的网址"), ("/etc/passwd", "不是目录"),
])
def test_verify_refuses_targets_that_are_no_site(tmp_path, target, words):
    project = Project(tmp_path / "site", with_example=False)
    done = verify(project, target)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_verify_names_hostile_trees_and_manifests(built, tmp_path):
    project = built
    out = project.output
    manifest = out / "gazette/2019/06/manifest.json"
    data = json.loads(manifest.read_bytes())
    data["files"][1]["path"] = "gazette/../../../../etc/passwd"
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    moved = tmp_path / "moved"
    shutil.move(out / "gazette/2020/04", moved)
    (out / "gazette/2020/04").symlink_to(moved)
    (out / "gazette/2021/02/loop").symlink_to("loop")
    done = verify(project, out)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "files[1].path 不是网站目录中的相对路径" in done.stdout
    assert "gazette/2020/04/manifest.json：缺失（指向网站目录之外" in done.stdout
    assert "gazette/2021/02/loop：多出" in done.stdout


# == classes that found defects ====================================================================


@pytest.mark.parametrize("file", ["gazette/catalog.json", "gazette/2019/06/manifest.json"])
def test_verify_survives_a_huge_json_integer(built, file):
    project = built
    path = project.output / file
    edit(path, '"year": 2019', '"year": ' + "9" * 5000)
    done = verify(project, project.output)
    assert "Traceback" not in done.stderr, done.stderr[-300:]
    assert done.returncode in (1, 2)


def test_verify_does_not_hang_on_a_fifo_in_the_tree(built, tmp_path):
    project = built
    page = project.output / "gazette/2019/06/rsrm/index.html"
    page.unlink()
    os.mkfifo(page)
    done = verify(project, project.output, timeout=3)  # TimeoutExpired is the defect
    assert done.returncode == 1


def test_verify_of_a_site_notices_an_issue_dropped_from_the_catalogue(built, tmp_path):
    project = built
    catalog = project.output / "gazette/catalog.json"
    data = json.loads(catalog.read_bytes())
    data["issues"] = [i for i in data["issues"] if i["url"] != "/gazette/2019/06/"]
    catalog.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edit(project.output / "gazette/2019/06/rsrm/index.html", "张某某", "李四")
    with serve(functools.partial(_Quiet, directory=str(project.output))) as root:
        done = verify(project, root + "/")
    assert done.returncode == 1, done.stdout


class _Odd(http.server.BaseHTTPRequestHandler):
    """/html/…: a portal's HTML page with 200; /loop/…: a redirect to itself; /up/…: to https on the same host."""

    def do_GET(self):  # noqa: N802
        kind = self.path.split("/")[1]
        if kind == "html":
            body = "<!doctype html><html><body>欢迎访问</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        host = self.headers["Host"]
        self.send_response(302)
        self.send_header("Location", self.path if kind == "loop" else f"https://{host}{self.path}")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("kind, words", [("html", ("HTML", "网页")), ("loop", ("重定向",)), ("up", ("HTTPS", "证书", "加密"))])
def test_verify_explains_odd_site_answers(tmp_path, kind, words):
    project = Project(tmp_path / "site", with_example=False)
    with serve(_Odd) as root:
        done = verify(project, f"{root}/{kind}/")
    assert done.returncode == 2
    assert "其他网站" not in done.stderr and "被截断" not in done.stderr
    assert any(w in done.stderr for w in words), done.stderr


def test_import_does_not_write_through_a_symlink_out_of_the_project(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project.root / "content/gazettes/2012").symlink_to(outside)
    listing = tmp_path / "l.csv"
    listing.write_text(HEADER + "2012,3,50,2012-03-25,其他,标题,,机关,5,\n", encoding="utf-8")
    done = project.cli("import-gazette", str(listing))
    assert list(outside.iterdir()) == [], done.stdout
    assert done.returncode == 1


def test_catalog_csv_neutralises_formula_cells(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    article = project.root / "content/gazettes/2019/06/dsj.md"
    edit(article, "title: 聊城市人民政府2019年5月大事记", "title: '=HYPERLINK(\"http://evil.example\",\"点击\")'")
    edit(article, "kind: 大事记", "kind: '=cmd|\"/c calc\"!A1'\ndoc_number: '+1+1'")
    edit(article, "agency: 聊城市人民政府办公室", "agency: '@SUM(1+1)'")
    done = project.build()
    if done.returncode == 0:
        cells = [cell for row in catalog_csv_rows(project) for cell in row]
        assert not [c for c in cells if c and c[0] in "=+-@\t\r"]


@pytest.mark.parametrize("case", ["empty-sections", "two-bad-sections", "issue-004", "folder-004", "policy-takes-issue-id"])
def test_one_mistake_is_one_report_at_the_file_that_has_it(tmp_path, case):
    project = Project(tmp_path / "site", with_example=True)
    content = project.root / "content"
    if case == "empty-sections":
        edit(project.root / "site_config.yaml", "sections: [市政府文件, 市政府办公室文件, 部门文件, 人事任免, 其他]", "sections: []")
        wrong = "site_config.yaml"
    elif case == "two-bad-sections":
        path = content / "gazettes/2019/06.yaml"
        edit(path, "- name: 部门文件", "- name: 部门文件X")
        edit(path, "- name: 人事任免", "- name: 人事任免X")
        wrong = "content/gazettes/2019/06.yaml"
    elif case == "issue-004":
        shutil.copy(content / "gazettes/2020/04.yaml", content / "gazettes/2020/004.yaml")
        wrong = "content/gazettes/2020/004.yaml"
    elif case == "folder-004":
        project.write("gazettes/2020/004/rsrm.md", ARTICLE.format(title="放错文件夹"))
        wrong = "content/gazettes/2020/004/rsrm.md"
    else:
        project.write("policies/gazette-2019-06.md", policy("与期号同名", n=99))
        wrong = "content/policies/gazette-2019-06.md"
    done = project.build()
    assert done.returncode == 1
    reports = lines_of(done.stderr.split("个提醒")[0])
    assert reports and all(line.startswith(wrong) for line in reports), done.stderr
    assert "None" not in done.stderr and "应为：。" not in done.stderr and "未刊登公报" not in done.stderr


@pytest.mark.parametrize("where, old, new, field", [
    ("content/gazettes/2019/06.yaml", "total_number: 118", "total_number: 1000000000000", "total_number"),
    ("site_config.yaml", "normative_days: 90", "normative_days: 99999999999999", "gazette.normative_days"),
    ("content/gazettes/2019/06.yaml", 'pages: "13"', 'pages: "13-99999"', "sections.3.items.0.pages"),
])
def test_a_number_too_large_is_told_its_upper_limit(tmp_path, where, old, new, field):
    project = Project(tmp_path / "site", with_example=True)
    edit(project.root / where, old, new)
    done = project.build()
    assert done.returncode == 1
    line = next(line for line in lines_of(done.stderr) if f"字段 {field}：" in line)
    assert any(w in line for w in ("超过", "过大", "太大", "上限", "最多")), line


def test_a_too_long_article_name_is_called_too_long(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    project.write(f"gazettes/2020/04/{'a' * 60}.md", ARTICLE.format(title="长文件名"))
    done = project.build()
    assert done.returncode == 1
    assert any(w in done.stderr for w in ("太长", "过长", "超过", "64")), done.stderr


@pytest.mark.parametrize("year, published, total", [(9999, "2026-01-05", 300), (2022, "2019-08-05", 120)])
def test_an_issue_published_far_from_its_year_is_reported(tmp_path, year, published, total):
    project = Project(tmp_path / "site", with_example=True)
    add_issue(project, year, 1, issue(year, 1, total, published))
    done = project.build()
    assert done.returncode == 1
    assert f"content/gazettes/{year}/01.yaml:4: 字段 published" in done.stderr


def test_an_empty_print_pdf_is_reported(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    (project.root / "content/gazettes/2019/06.pdf").write_bytes(b"")
    done = project.build()
    assert re.search(r"content/gazettes/2019/06\.yaml:\d+: 字段 pdf", done.stderr), done.stderr


@pytest.mark.parametrize("new", ['pages: "5"', 'pages: "99"'])
def test_page_rules_point_at_the_pages_line(tmp_path, new):
    project = Project(tmp_path / "site", with_example=True)
    path = project.root / "content/gazettes/2019/06.yaml"
    edit(path, 'pages: "11"', new)
    done = project.build()
    assert done.returncode == 1
    assert f"06.yaml:{line_no(path, new)}: 字段 sections.1.items.0.pages" in done.stderr, done.stderr


@pytest.mark.parametrize("old, new, field", [
    ("name: 聊城市人民政府公报", 'name: "聊城\\n公报"', "gazette.name"),
    ("sections: [市政府文件,", "sections: [市政府文件, 市政府文件,", "gazette.sections"),
])
def test_the_gazette_block_is_checked_like_the_site_block(tmp_path, old, new, field):
    project = Project(tmp_path / "site", with_example=True)
    edit(project.root / "site_config.yaml", old, new)
    done = project.build()
    assert done.returncode == 1 and f"字段 {field}" in done.stderr, done.stderr


def test_the_catalogue_a_build_accepts_imports_again(tmp_path):
    site = Project(tmp_path / "site", with_example=True)
    edit(site.root / "content/gazettes/2019/06/dsj.md", "title: 聊城市人民政府2019年5月大事记", 'title: "大事记\\n第二行\\t附"')
    done = site.build()
    if done.returncode == 0:
        other = Project(tmp_path / "other", with_example=True)
        shutil.rmtree(other.root / "content/gazettes")
        imported = other.cli("import-gazette", str(site.output / "gazette/catalog.csv"))
        assert imported.returncode == 0, imported.stderr

