"""Acceptance attacks on the 信息公开目录 (content/catalog.yaml, content/catalog/*.yaml), the calendar:
block and `build.py ledger` / `check --strict`, through the real command line on throwaway projects.

One test per class of hostile or unusual input. A class that found a defect is marked xfail(strict=True)
with the reason; a class that holds is a normal test. Each project here is small and self-made (its own
catalog and a policy and an interpretation), so the tests do not depend on the example portal's content."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import BUILD_PY, REPO, Project, policy, tree_digest

from gongkai.workdays import Calendar

AS_OF = "2026-11-25"
NEXT_UNKNOWN = Calendar().last_known().year + 1  # the first year no calendar knows (2027 with chinesecalendar 1.11)

CATALOG = """\
defaults:
  owner: 市政府办公室
  rule: 20个工作日
categories:
  - code: zcwj
    name: 政策文件
    children:
      - code: zcwj-gfxwj
        name: 规范性文件
  - code: zcjd
    name: 政策解读
    rule: 每月
"""
SETTINGS = "catalog:\n  defaults:\n    interpretation: zcjd\n"
INTERPRETATION = """\
---
title: {title}
interprets: [a]
published: {published}
agency: 聊城市人民政府办公室
form: 文字
{extra}
---

解读正文。
"""
_DROPPED = {"gazette", "catalog", "guide", "calendar"}  # top-level blocks these tests write themselves


# -- helpers ----------------------------------------------------------------------------------------


def base_config() -> str:
    """The repo's site_config.yaml without the blocks above, so each test states its own."""
    kept, skip = [], False
    for line in (REPO / "site_config.yaml").read_text(encoding="utf-8").splitlines(keepends=True):
        if line[:1] not in (" ", "\t", "#", "\n", "\r", ""):
            skip = line.split(":", 1)[0].strip() in _DROPPED
        if not skip:
            kept.append(line)
    return "".join(kept).rstrip("\n") + "\n"


def interpretation(title: str = "解读", published: str = "2026-11-06", extra: str = "") -> str:
    return INTERPRETATION.format(title=title, published=published, extra=extra)


def site(tmp_path: Path, catalog: str | bytes | None = CATALOG, config: str = SETTINGS,
         files: dict[str, str | bytes] | None = None) -> Project:
    """A project with the repo's layouts, one policy (a) and one interpretation (b, 2026-11-06, under the
    default category zcjd), the given catalog and config blocks."""
    project = Project(tmp_path / "site", with_example=False)
    (project.root / "site_config.yaml").write_text(base_config() + config, encoding="utf-8")
    project.write("policies/a.md", policy("测试文件", 1, 2))
    project.write("interpretations/b.md", interpretation())
    if catalog is not None:
        path = project.root / "content/catalog.yaml"
        path.write_bytes(catalog) if isinstance(catalog, bytes) else path.write_text(catalog, encoding="utf-8")
    for rel, text in (files or {}).items():
        path = project.root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    return project


def cli(project: Project, *args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILD_PY), *args, "--root", str(project.root)],
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def check(project: Project, date_: str = AS_OF, *more: str) -> subprocess.CompletedProcess:
    return cli(project, "--build-date", date_, "check", *more)


def ledger_rows(project: Project, as_of: str = AS_OF) -> dict[str, dict[str, str]]:
    done = cli(project, "ledger", "--as-of", as_of, "--format", "csv")
    assert "Traceback" not in done.stderr, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout.lstrip("\ufeff"), newline="")))
    return {row["代码"]: row for row in rows}


def report_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.startswith("  ")]


def clean(done: subprocess.CompletedProcess) -> None:
    """No traceback, no Python exception name: the editor only ever reads plain Chinese."""
    text = done.stdout + done.stderr
    assert "Traceback" not in text and not re.search(r"\b\w+(Error|Exception)\b", text), text


class _Page(HTMLParser):
    """Scripts, inline styles and event-handler attributes of a page."""

    def __init__(self):
        super().__init__()
        self.handlers, self.inline_scripts, self.styles, self.links = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [k for k in attrs if k.startswith("on")]
        self.styles += tag == "style" or "style" in attrs
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/ld+json":
            self.inline_scripts.append(attrs)
        self.links += [v for k, v in attrs.items() if k in ("href", "src") and v]


# == classes that hold ==============================================================================


@pytest.mark.parametrize("raw, ok", [
    (b"- a\n- b\n", False),  # a list
    (b"hello\n", False),  # a scalar
    (b"", False),  # empty
    (b"# only\n# comments\n", False),
    ("\ufeff".encode() + CATALOG.encode(), True),  # a byte-order mark is read as UTF-8
    (CATALOG.encode("gbk"), False),
    (CATALOG.replace("政策解读", "政策\x00解读").encode(), False),
    (CATALOG.replace("政策解读", "政策\x1b[31m解读").encode(), False),
    (CATALOG.replace("政策解读", "政策\u2028解读").encode(), False),
    (b"\xff\xfe" + CATALOG.encode("utf-16-le"), False),
])
def test_odd_catalog_files_are_named_at_their_line_and_nothing_is_written(tmp_path, raw, ok):
    project = site(tmp_path, raw)
    done = project.build()
    clean(done)
    if ok:
        assert done.returncode == 0, done.stderr
        assert "政策解读" in project.html("/catalog/zcjd/")
        return
    assert done.returncode == 1
    assert any(line.startswith("content/catalog.yaml:") for line in report_lines(done.stderr)), done.stderr
    assert not project.output.exists()


@pytest.mark.parametrize("text, where", [
    ("categories: abc\n", "content/catalog.yaml:1: 字段 categories"),
    ("categories:\n  a: 1\n", "content/catalog.yaml:1: 字段 categories"),
    ("categories:\n  - zcjd\n", "content/catalog.yaml:2: 字段 categories"),
    ("categories: []\n", "content/catalog.yaml:1: 字段 categories"),
    ("defaults:\n  owner: x\n", "content/catalog.yaml:1: 字段 categories"),
    ("defaults: [x]\ncategories:\n  - {code: zcjd, name: A, owner: x, rule: 长期}\n", "content/catalog.yaml:1: 字段 defaults"),
    ("categories:\n  - code: zcjd\n    name: A\n    owner: x\n    rule: 长期\n    children:\n      code: b\n",
     "content/catalog.yaml:6: 字段 categories.0.children"),
    ("categories:\n  - code: zcjd\n    name: A\n    children: [1, 2]\n", "content/catalog.yaml:4: 字段 categories.0.children"),
    ("categories:\n  - code: zcjd\n    name: A\n    children: []\n", "content/catalog.yaml:2: 字段 categories.0.owner"),
    ("categories:\n  - code: zcjd\n    name: A\n    owner: x\n    rule: 长期\n    colour: red\n",
     "content/catalog.yaml:6: 字段 categories.0.colour"),
    ("categories:\n  - code: zcjd\n    owner: x\n    rule: 长期\n", "content/catalog.yaml:2: 字段 categories.0.name"),
    ("categories:\n  - code: zcjd\n    name: A\n    owner: x\n    rule: 长期\n    inspection: 每天\n",
     "content/catalog.yaml:6: 字段 categories.0.inspection"),
    ("defaults: &d\n  owner: x\n  rule: 长期\ncategories:\n  - code: zcjd\n    name: A\n    <<: *d\n",
     "content/catalog.yaml:1: 字段 defaults"),
    ("categories:\n  - code: zcjd\n    name: !!python/object/apply:os.system [touch PWNED]\n    owner: x\n    rule: 长期\n",
     "content/catalog.yaml:3: 字段 categories.0.name"),
])
def test_wrong_shapes_are_reported_at_their_field(tmp_path, text, where):
    """Categories not a list, a category that is a string, children a mapping, anchors, tags …"""
    project = site(tmp_path, text)
    done = check(project)
    clean(done)
    assert done.returncode == 1
    assert any(line.startswith(where) for line in report_lines(done.stderr)), (where, done.stderr)
    assert not (project.root / "PWNED").exists()


@pytest.mark.parametrize("code", ["ABC", "机构", "../x", "a/b", "-a", "a b", "x\ty", "index.html", "a\u202eb",
                                  "ｚｃｊｄ", "page", "table", "ledger"])
def test_bad_and_reserved_codes_are_refused_at_the_code_line(tmp_path, code):
    text = CATALOG + f'  - code: "{code}"\n    name: 另一项\n    rule: 长期\n'.replace("\t", "\\t")
    done = check(site(tmp_path, text))
    clean(done)
    assert done.returncode == 1
    assert report_lines(done.stderr)[0].startswith("content/catalog.yaml:13: 字段 categories.2.code："), done.stderr


@pytest.mark.parametrize("code", ["123", '"123"', "a-", "a--b"])
def test_numeric_and_hyphenated_codes_make_their_page(tmp_path, code):
    project = site(tmp_path, CATALOG + f"  - code: {code}\n    name: 数字代码\n    rule: 长期\n")
    done = project.build()
    assert done.returncode == 0, done.stderr
    assert "数字代码" in project.html(f"/catalog/{code.strip(chr(34))}/")


def test_duplicate_codes_across_files_name_both_places(tmp_path):
    more = "categories:\n  - code: zcjd\n    name: 又一个解读\n    rule: 长期\n    owner: x\n"
    done = check(site(tmp_path, files={"catalog/more.yaml": more}))
    assert done.returncode == 1
    assert "content/catalog/more.yaml:2: 字段 code" in done.stderr and "content/catalog.yaml 第 10 行" in done.stderr


def test_a_yml_file_in_the_catalog_folder_is_told_to_be_renamed(tmp_path):
    more = "categories:\n  - code: extra\n    name: 额外\n    rule: 长期\n    owner: x\n"
    done = check(site(tmp_path, files={"catalog/more.yml": more}))
    assert done.returncode == 1
    assert "content/catalog/more.yml: 扩展名应为 .yaml" in done.stderr


def test_hostile_text_is_escaped_on_pages_in_the_html_report_and_neutralised_in_the_csv(tmp_path):
    """<script>, event handlers, quotes, </style>, formulas (=HYPERLINK, +, -, @, tab) in names, content,
    owner, basis, channel, publisher and the rule's own words; no inline style or script on any site page;
    the standalone report's <style> stays out of output/."""
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)> "引号" \'单引号\' & </style></title>'
    text = f"""\
defaults:
  owner: '=HYPERLINK("http://evil.example/","点我")'
  rule: 20个工作日
categories:
  - code: zcwj
    name: '{evil.replace("'", "''")}'
    content: '{evil.replace("'", "''")}'
    basis: "+SUM(1,2)"
    channel: "@cmd"
    children:
      - code: zcwj-gfxwj
        name: "-2+3"
        publisher: '{evil.replace("'", "''")}'
  - code: zcjd
    name: "@SUM(A1)"
    rule: "=1+1日起20个工作日"
    owner: "\\t=cmd|' /C calc'!A0"
"""
    project = site(tmp_path, text, SETTINGS + "  ledger_page: linked\n")
    done = project.build()
    assert done.returncode == 0, done.stderr
    for page in project.output.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        parser = _Page()
        parser.feed(html)
        assert not parser.handlers and not parser.inline_scripts and not parser.styles, page
        assert "<img src=x" not in html and "<script>alert" not in html, page
    assert not list(project.output.rglob("ledger_report*"))
    report = tmp_path / "ledger.html"
    done = cli(project, "ledger", "--as-of", AS_OF, "--format", "html", "--output", str(report))
    assert done.returncode == 0, done.stderr
    parser = _Page()
    parser.feed(report.read_text(encoding="utf-8"))
    assert not parser.handlers and not parser.inline_scripts and parser.styles == 1  # its own <style>, nothing else
    assert "<script>alert" not in report.read_text(encoding="utf-8")
    done = cli(project, "ledger", "--as-of", AS_OF, "--format", "csv")
    cells = [cell for row in csv.reader(io.StringIO(done.stdout.lstrip("\ufeff"), newline="")) for cell in row]
    assert any("HYPERLINK" in c for c in cells) and any("SUM(A1)" in c for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells


def test_ten_thousand_categories_are_checked_and_ledgered(tmp_path):
    lines = ["defaults:", "  owner: 市政府办公室", "  rule: 长期", "categories:"]
    for i in range(10_000):
        lines += [f"  - code: c{i}", f"    name: 事项{i}"]
    lines += ["  - code: zcjd", "    name: 政策解读"]
    project = site(tmp_path, "\n".join(lines) + "\n")
    start = time.monotonic()
    done = cli(project, "--build-date", AS_OF, "check", timeout=600)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    print(f"check of 10,000 categories: {seconds:.1f} s")  # a figure, not a limit: the machine may be busy
    start = time.monotonic()
    rows = ledger_rows(project)
    print(f"ledger of 10,000 categories: {time.monotonic() - start:.1f} s")
    assert len(rows) == 10_001


@pytest.mark.parametrize("depth, words", [(4, "最多 3 级"), (50, "嵌套层级过深"), (300, "嵌套层级过深")])
def test_deep_nesting_is_refused_with_a_message(tmp_path, depth, words):
    lines, indent = ["defaults:", "  owner: x", "  rule: 长期", "categories:"], "  "
    for d in range(depth):
        lines += [f"{indent}- code: d{d}", f"{indent}  name: 层{d}"] + ([f"{indent}  children:"] if d < depth - 1 else [])
        indent += "    "
    lines += ["  - code: zcjd", "    name: 解读"]
    done = check(site(tmp_path, "\n".join(lines) + "\n"))  # a runaway walk would hit the subprocess timeout
    clean(done)
    assert done.returncode == 1 and words in done.stderr, done.stderr


def test_a_deep_flow_nesting_is_refused_with_a_message(tmp_path):
    text = "categories: " + "[{code: a, name: b, children: " * 3000 + "[]" + "}]" * 3000 + "\n"
    done = check(site(tmp_path, text))
    clean(done)
    assert done.returncode == 1 and "content/catalog.yaml:1:" in done.stderr


@pytest.mark.parametrize("rule", ["999999个工作日", "1000个工作日", "0个工作日", "-5个工作日", "每月99日前", "每月0日前",
                                  "每年13月1日前", "每年2月30日前", "每季度10日前", "每周", "20个自然日", "每月结束后-3日内", "=1+1"])
def test_unreadable_rules_are_reported_at_the_rule_line(tmp_path, rule):
    done = check(site(tmp_path, CATALOG.replace("rule: 每月", f'rule: "{rule}"')))
    clean(done)
    assert done.returncode == 1
    assert report_lines(done.stderr)[0].startswith("content/catalog.yaml:12: 字段 categories.1.rule：公开时限无法识别"), \
        done.stderr


@pytest.mark.parametrize("rule, due", [("２０个工作日", "—"), ("二十个工作日", "—"), ("每月１０日前", "2026年12月10日"),
                                       ("每月十日前", "2026年12月10日"), ("每 月", "2026年12月31日"),
                                       ("每年十二月三十一日前", "2027年12月31日"), ("每年2月29日前", "2027年2月28日"),
                                       ("每季度结束后999日内", "2029年9月25日"), ("长期", "—")])
def test_full_width_and_chinese_numbers_are_read(tmp_path, rule, due):
    rows = ledger_rows(site(tmp_path, CATALOG.replace("rule: 每月", f"rule: {rule}")))
    assert rows["zcjd"]["下次截止"] == due, rows["zcjd"]


@pytest.mark.parametrize("block, needle, field", [
    ('"2026":\n    holidays: [2026-02-30]', "holidays", "calendar.2026.holidays"),
    ('"0000":\n    notice: x\n    holidays: [0000-01-01]', '"0000"', "calendar.0000"),
    ('"9999":\n    notice: x\n    holidays: [9999-01-01]', '"9999"', "calendar.9999"),
    ('"2026":\n    holidays: [2026-12-30 至 2027-01-02]', "holidays", "calendar.2026.holidays"),
    ('"2026":\n    holidays: [2026-01-01 至 2299-12-31]', "holidays", "calendar.2026.holidays"),
    ('"2026":\n    holidays: [2026-05-06 至 2026-05-01]', "holidays", "calendar.2026.holidays"),
    ('"2026":\n    holidays: [2026-05-06]\n    workdays: [2026-05-06]', "workdays", "calendar.2026.workdays"),
    ('"2026":\n    holidays: [２０２６-０５-０６]', "holidays", "calendar.2026.holidays"),
    ('"2026":\n    holidays: [20260506]', "holidays", "calendar.2026.holidays"),
    ('"2026":\n    holidays:\n      - 2026-05-06\n      - 2026-5-7', "2026-5-7", "calendar.2026.holidays"),
    ('"2026": abc', '"2026"', "calendar.2026"),
    ('"2026":\n    holiday: [2026-05-06]', "holiday:", "calendar.2026.holiday"),
    (f'"{NEXT_UNKNOWN}":\n    holidays: [{NEXT_UNKNOWN}-01-01]', f'"{NEXT_UNKNOWN}"', f"calendar.{NEXT_UNKNOWN}"),
    ("[2026-05-06]", "calendar:", "calendar"),
])
def test_calendar_mistakes_are_reported_at_their_line(tmp_path, block, needle, field):
    """Impossible dates, years 0000 and 9999, ranges over the year's end or two centuries, reversed, a day
    both off and on, full-width digits, a number, a year not known without its notice."""
    project = site(tmp_path, config=SETTINGS + "calendar:" + ("\n  " if not block.startswith("[") else " ") + block + "\n")
    text = (project.root / "site_config.yaml").read_text(encoding="utf-8").splitlines()
    calendar = text.index("calendar:" if not block.startswith("[") else f"calendar: {block}")
    line = next(n for n, row in enumerate(text[calendar:], calendar + 1) if needle in row)
    done = check(project)
    clean(done)
    assert done.returncode == 1
    assert report_lines(done.stderr)[0].startswith(f"site_config.yaml:{line}: 字段 {field}："), (line, done.stderr)


def test_calendar_overrides_count_in_the_ledger(tmp_path):
    """A local holiday in a year the package knows moves a deadline; an unquoted year key is a year."""
    text = CATALOG.replace("rule: 每月", "rule: 每月结束后3个工作日内")
    plain = ledger_rows(site(tmp_path / "a", text))["zcjd"]
    config = SETTINGS + "calendar:\n  2026:\n    holidays: [2026-12-01 至 2026-12-02]\n"
    moved = ledger_rows(site(tmp_path / "b", text, config))["zcjd"]
    assert (plain["下次截止"], moved["下次截止"]) == ("2026年12月3日", "2026年12月7日")


@pytest.mark.parametrize("args, code, words", [
    (["--as-of", "2026-13-01"], 2, "日期应为 YYYY-MM-DD"),
    (["--as-of", "明天"], 2, "日期应为 YYYY-MM-DD"),
    (["--format", "xml"], 2, "无效的取值"),
    (["--as-of", "1900-01-01"], 0, "空栏目 2"),
    (["--as-of", "0001-01-01"], 0, "空栏目 2"),
    (["--as-of", "9999-12-31"], 0, "[已逾期] 政策解读（zcjd）"),
])
def test_ledger_arguments_and_far_dates(tmp_path, args, code, words):
    """Invalid dates and formats are argparse's Chinese usage errors; 1900, year 1 and 9999 give a ledger."""
    done = cli(site(tmp_path), "ledger", *args)
    clean(done)
    assert done.returncode == code and words in done.stdout + done.stderr, done.stdout + done.stderr


def test_ledger_and_strict_without_a_catalog(tmp_path):
    project = site(tmp_path, None)
    done = cli(project, "ledger")
    clean(done)
    assert done.returncode == 1 and "网站还没有信息公开目录" in done.stderr
    assert check(project, AS_OF, "--strict").returncode == 0


def test_a_catalog_only_in_the_folder_is_a_catalog(tmp_path):
    project = site(tmp_path, None, files={"catalog/main.yaml": CATALOG})
    assert project.build().returncode == 0
    assert ledger_rows(project)["zcjd"]["状态"] == "按期"


def test_check_strict_with_catalog_errors_exits_1_with_each_error_once(tmp_path):
    done = check(site(tmp_path, CATALOG.replace("rule: 每月", "rule: 每周")), AS_OF, "--strict")
    assert done.returncode == 1
    assert done.stderr.count("每周") == 1 and "台账" not in done.stdout + done.stderr


def test_check_strict_fails_on_an_empty_category_with_its_line(tmp_path):
    done = check(site(tmp_path), AS_OF, "--strict")
    assert done.returncode == 4
    assert "[空栏目] content/catalog.yaml:8: 政策文件 › 规范性文件（zcwj-gfxwj，市政府办公室）" in done.stderr


@pytest.mark.parametrize("value, words", [
    ('"zcjd "', None), ("ZCJD", "content/interpretations/c.md:7: 字段 catalog"), ("[zcjd, zcjd]", "content/interpretations/c.md:7"),
    ("zcwj", "下设子事项，请填写其中一个：zcwj-gfxwj"), ("zcjdd", "是否想写“zcjd”"),
])
def test_an_item_naming_its_category(tmp_path, value, words):
    """Trailing spaces are the code; uppercase, a list, a parent and a near miss are reported."""
    project = site(tmp_path, files={"interpretations/c.md": interpretation("第二篇", extra=f"catalog: {value}")})
    done = check(project)
    if words is None:
        assert done.returncode == 0, done.stderr
        assert ledger_rows(project)["zcjd"]["条目数"] == "2"
    else:
        assert done.returncode == 1 and words in done.stderr, done.stderr


def test_a_code_equal_to_a_page_id_keeps_both_links(tmp_path):
    """Page guide and category guide: the section navigation links /guide/ and /catalog/guide/; page id
    catalog is refused (it is the catalog's own)."""
    config = SETTINGS + "  columns:\n    guide: doc:guide\n    reports: catalog:guide\n"
    files = {"pages/guide.md": "---\ntitle: 公开指南\n---\n\n指南。\n"}
    project = site(tmp_path, CATALOG + "  - code: guide\n    name: 年报\n    rule: 每年\n", config, files)
    done = project.build()
    assert done.returncode == 0, done.stderr
    html = project.html("/catalog/")
    assert 'href="../guide/"' in html and 'href="guide/"' in html
    project.write("pages/catalog.md", "---\ntitle: 目录\n---\n\n正文。\n")
    done = check(project)
    assert done.returncode == 1 and "content/pages/catalog.md:1: 字段 id" in done.stderr


def test_a_broken_catalog_leaves_output_and_the_ledger_leaves_output_alone(tmp_path):
    project = site(tmp_path)
    assert project.build().returncode == 0
    before = tree_digest(project.output)
    assert cli(project, "ledger", "--as-of", AS_OF, "--format", "csv").returncode == 0
    (project.root / "content/catalog.yaml").write_text(CATALOG.replace("code: zcjd", "code: ZCJD"), encoding="utf-8")
    done = project.build()
    assert done.returncode == 1 and "output/ 保持上一次成功生成的内容" in done.stderr
    assert tree_digest(project.output) == before


def test_ledger_into_a_broken_pipe_is_quiet(tmp_path):
    lines = ["defaults:", "  owner: 市政府办公室", "  rule: 长期", "categories:"]
    lines += [f"  - code: c{i}\n    name: 事项{i}" for i in range(2000)] + ["  - code: zcjd\n    name: 解读"]
    project = site(tmp_path, "\n".join(lines) + "\n")
    pipe = subprocess.Popen([sys.executable, str(BUILD_PY), "ledger", "--as-of", AS_OF, "--root", str(project.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pipe.stdout.read(10)
    pipe.stdout.close()
    _, err = pipe.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()


def dated_policy(written: str, published: str, extra: str = "catalog: zcwj-gfxwj") -> str:
    year = written[:4]
    return (policy("测试文件", 1, 2, extra).replace("written: 2024-01-02", f"written: {written}")
            .replace("published: 2024-01-02", f"published: {published}").replace("2024", year))


@pytest.mark.parametrize("value, words", [
    ("catalog: zcwj-gfxwj", None), ('catalog: "zcwj-gfxwj "', None), ("catalog: nope", "没有代码为“nope”"),
    ("catalog: zcwj", "下设子事项"), ("catalog: ZCJD", "无效"), ("catalog: ../x", "无效"), ("catalog: [a, b]", "列表"),
])
def test_a_policy_is_an_item_of_its_category(tmp_path, value, words):
    """A policy published 2026-03-01, written 2026-01-05 (more than 20 working days before): counted, and late."""
    project = site(tmp_path, files={"policies/a.md": dated_policy("2026-01-05", "2026-03-01", value)})
    done = check(project)
    if words is None:
        assert done.returncode == 0, done.stderr
        row = ledger_rows(project)["zcwj-gfxwj"]
        assert (row["条目数"], row["逾期发布"]) == ("1", "1"), row
    else:
        assert done.returncode == 1 and report_lines(done.stderr)[0].startswith("content/policies/a.md:10: 字段 catalog："), \
            done.stderr
        assert words in done.stderr


@pytest.mark.parametrize("code, words", [("BAD", "不能作文件名"), ("../x", "不能作文件名"), ("a" * 70, "过长")])
def test_new_catalog_refuses_a_bad_name(tmp_path, code, words):
    project = site(tmp_path)
    done = cli(project, "new", "catalog", code)
    assert done.returncode == 1 and words in done.stderr, done.stderr
    assert not (project.root / "content/catalog").exists() and not (tmp_path / "site/content/x.yaml").exists()


def test_a_paginated_category_and_every_catalog_link_resolve(tmp_path):
    """25 items in one category (three pages), a three-level tree, the ledger page linked: no broken link."""
    text = CATALOG + "  - code: jg\n    name: 机构\n    rule: 长期\n    children:\n      - code: jg-a\n        name: 二级\n" \
                     "        children:\n          - code: jg-a-b\n            name: 三级\n"
    files = {f"interpretations/c{i:02d}.md": interpretation(f"第{i}篇", f"2026-10-{i + 1:02d}") for i in range(25)}
    project = site(tmp_path, text, SETTINGS + "  ledger_page: linked\n", files)
    done = project.build()
    assert done.returncode == 0, done.stderr
    assert (project.output / "catalog/zcjd/page/3/index.html").is_file()
    bad = []
    for page in project.output.rglob("*.html"):
        rel = page.relative_to(project.output).as_posix()
        if rel == "404.html":
            continue
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            url = urlsplit(urljoin("http://h/" + rel.removesuffix("index.html"), link))
            target = project.output / unquote(url.path).lstrip("/")
            if url.netloc == "h" and not (target / "index.html" if url.path.endswith("/") else target).is_file():
                bad.append((rel, link))
    assert bad == []


# == defects ========================================================================================


MORE = "categories:\n  - code: extra\n    name: 额外\n    owner: x\n    rule: 每周\n"  # its rule is unreadable
MORE_OK = MORE.replace("每周", "长期")


@pytest.mark.parametrize("broken", ["folder", "root"])
def test_a_failed_catalog_file_is_the_one_error(tmp_path, broken):
    """An item, a default and a column naming a code of a catalog file that failed are not errors again."""
    config = SETTINGS + "  columns:\n    reports: catalog:extra\n"
    files = {"catalog/more.yaml": MORE if broken == "folder" else MORE_OK,
             "interpretations/c.md": interpretation("第二篇", extra="catalog: extra")}
    catalog = CATALOG if broken == "folder" else CATALOG.replace("rule: 每月", "rule: 每周")
    done = check(site(tmp_path, catalog, config, files))
    assert done.returncode == 1
    assert "发现 1 个内容错误" in done.stderr and "每周" in done.stderr and "没有代码为" not in done.stderr, done.stderr


@pytest.mark.parametrize("value", ["ZZ", "zcwj", "nope", "FAILED"])
def test_an_unusable_default_category_is_one_report(tmp_path, value):
    files = {f"interpretations/c{i}.md": interpretation(f"第{i}篇") for i in range(3)}
    catalog = CATALOG.replace("rule: 每月", "rule: 每周") if value == "FAILED" else CATALOG
    config = SETTINGS if value == "FAILED" else SETTINGS.replace("interpretation: zcjd", f"interpretation: {value}")
    done = check(site(tmp_path, catalog, config, files))
    assert done.returncode == 1
    assert not re.search(r"interpretations/\S+: 字段 catalog：未归入", done.stderr), done.stderr  # the default's own error says it


@pytest.mark.parametrize("code", ["a" * 65, "zcwj-" + "x" * 200])
def test_a_too_long_code_is_called_too_long(tmp_path, code):
    done = check(site(tmp_path, CATALOG + f"  - code: {code}\n    name: 长\n    rule: 长期\n"))
    assert done.returncode == 1
    assert "过长" in done.stderr and "64" in done.stderr, done.stderr


@pytest.mark.parametrize("rel", ["catalog.yml", "catalog.YAML", "catalog/more.YAML"])
def test_a_catalog_file_with_the_wrong_extension_is_an_error(tmp_path, rel):
    project = site(tmp_path, None if "/" not in rel else CATALOG, files={rel: CATALOG if "/" not in rel else MORE_OK})
    done = check(project)
    assert done.returncode == 1
    assert f"content/{rel}" in done.stderr and "扩展名应为 .yaml" in done.stderr, done.stderr


@pytest.mark.parametrize("text", ["# 说明\n\n本目录放信息公开目录。\n", "---\ntitle: 说明\n---\n\n说明。\n"])
def test_a_markdown_file_in_the_catalog_folder_is_told_where_it_belongs(tmp_path, text):
    done = check(site(tmp_path, files={"catalog/readme.md": text}))
    assert done.returncode == 1
    lines = [line for line in report_lines(done.stderr) if line.startswith("content/catalog/readme.md")]
    assert len(lines) == 1 and ".yaml" in lines[0], done.stderr


@pytest.mark.parametrize("period", ["每季度", "每月"])
def test_a_periodic_rule_in_other_words_is_still_periodic(tmp_path, period):
    text = CATALOG + f"  - code: qa\n    name: 甲\n    rule: {period}结束之日起5个工作日内\n" \
                     f"  - code: qb\n    name: 乙\n    rule: {period}结束后5个工作日内\n"
    files = {"interpretations/qa.md": interpretation("甲", "2026-07-10", "catalog: qa"),
             "interpretations/qb.md": interpretation("乙", "2026-07-10", "catalog: qb")}
    rows = ledger_rows(site(tmp_path, text, files=files), "2026-08-01")
    assert rows["qb"]["下次截止"] != "—"
    assert rows["qa"]["下次截止"] == rows["qb"]["下次截止"], (rows["qa"], rows["qb"])


@pytest.mark.parametrize("rule, published", [("每月", "11-06"), ("每季度", "08-06"), ("每月10日前", "12-06"),
                                           ("每年", "06-01")])
def test_a_deadline_past_beyond_the_calendar_reads_overdue(tmp_path, rule, published):
    year = NEXT_UNKNOWN - (2 if rule == "每年" else 1)
    files = {"interpretations/b.md": interpretation(published=f"{year}-{published}")}
    project = site(tmp_path, CATALOG.replace("rule: 每月", f"rule: {rule}"), files=files)
    row = ledger_rows(project, f"{NEXT_UNKNOWN}-01-15")["zcjd"]
    assert row["状态"] == "已逾期" and row["下次截止"] != "—", row
    assert not re.match(r"\d+ 个工作日", row["剩余工作日"]), row  # not “0 个工作日以上”, which reads as days left


@pytest.mark.parametrize("command, published, when, extra", [
    ("ledger", "9999-12-01", "9999-12-31", ""),
    ("build", "9999-12-01", "9999-12-31", ""),
    ("ledger", "9999-10-01", "9999-12-31", "每季度结束后30日内"),
    ("ledger", "0001-02-01", "0001-03-01", "通知公告政策文件"),
    ("ledger", "0001-01-02", "0001-01-05", "动态要闻"),
])
def test_items_at_the_ends_of_the_calendar(tmp_path, command, published, when, extra):
    catalog = CATALOG
    if extra in ("通知公告政策文件", "动态要闻"):
        catalog = CATALOG.replace("rule: 每月", f"rule: 每月\n    inspection: {extra}")
    elif extra:
        catalog = CATALOG.replace("rule: 每月", f"rule: {extra}")
    project = site(tmp_path, catalog, files={"interpretations/b.md": interpretation(published=published)})
    args = ("ledger", "--as-of", when) if command == "ledger" else ("--build-date", when, "build")
    done = cli(project, *args)
    clean(done)
    assert done.returncode in (0, 1)


def test_adding_working_days_from_the_first_unknown_new_year_does_not_hang():
    code = ("from datetime import date\nfrom gongkai.workdays import Calendar, UnknownYear\n"
            f"try:\n    Calendar().add(date({NEXT_UNKNOWN}, 1, 1), 5)\nexcept UnknownYear:\n    print('unknown')\n")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail("Calendar.add did not return within 120 s (a hang, not a slow machine)")
    assert done.stdout.strip() == "unknown", done.stderr


@pytest.mark.parametrize("command", ["ledger", "check"])
def test_a_pending_policy_from_the_first_unknown_new_year_does_not_hang(tmp_path, command):
    project = site(tmp_path, files={"policies/h.md": dated_policy(f"{NEXT_UNKNOWN}-01-01", f"{NEXT_UNKNOWN}-02-01")})
    when = f"{NEXT_UNKNOWN}-01-01"
    args = ("ledger", "--as-of", when) if command == "ledger" else ("--build-date", when, "check")
    try:
        done = cli(project, *args, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command} did not finish within 300 s (a hang, not a slow machine)")
    clean(done)


def test_a_wrong_holiday_range_is_one_report(tmp_path):
    config = SETTINGS + (f'calendar:\n  "{NEXT_UNKNOWN}":\n    notice: 国办发明电〔{NEXT_UNKNOWN - 1}〕1号\n'
                         f"    holidays: [{NEXT_UNKNOWN}-01-01 至 {NEXT_UNKNOWN + 100}-12-31]\n")
    done = check(site(tmp_path, config=config))
    assert done.returncode == 1
    assert report_lines(done.stderr) == [next(x for x in report_lines(done.stderr) if "不在" in x)], done.stderr


def test_a_column_naming_a_category_as_a_page_is_told_the_fix(tmp_path):
    done = check(site(tmp_path, config=SETTINGS + "  columns:\n    reports: doc:zcjd\n"))
    assert done.returncode == 1 and "catalog:zcjd" in done.stderr, done.stderr


@pytest.mark.parametrize("target, words", [("/dev/full", "磁盘空间不足"), ("DIR", "目录"), ("MISSING/x.csv", "不存在")])
def test_ledger_output_errors_are_in_chinese(tmp_path, target, words):
    if target == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    target = target.replace("DIR", str(tmp_path)).replace("MISSING", str(tmp_path / "missing"))
    done = cli(site(tmp_path), "ledger", "--as-of", AS_OF, "--format", "csv", "--output", target)
    clean(done)
    assert done.returncode == 3
    assert words in done.stderr and not re.search(r"[A-Za-z]{3,} [a-z]{2,}", done.stderr), done.stderr


@pytest.mark.parametrize("rel", ["site_config.yaml", "content/catalog.yaml", "layouts/base.html"])
def test_ledger_output_does_not_overwrite_the_project(tmp_path, rel):
    project = site(tmp_path)
    before = (project.root / rel).read_bytes()
    done = cli(project, "ledger", "--as-of", AS_OF, "--format", "csv", "--output", str(project.root / rel))
    assert (project.root / rel).read_bytes() == before
    assert done.returncode != 0 and rel.split("/")[-1] in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_ledger_output_failing_half_way_keeps_the_old_file(tmp_path):
    import resource
    import signal

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (120, 120))

    project = site(tmp_path)
    old = tmp_path / "ledger.csv"
    old.write_text("上一次的台账\n" * 200, encoding="utf-8")
    before = old.read_bytes()
    done = cli(project, "ledger", "--as-of", AS_OF, "--format", "csv", "--output", str(old), preexec_fn=limit,
               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 3, done.stderr
    assert old.read_bytes() == before


@pytest.mark.skipif(sys.platform == "win32", reason="closing fd 1 in the child")
@pytest.mark.parametrize("form", ["text", "csv"])
def test_ledger_with_stdout_closed(tmp_path, form):
    project = site(tmp_path)
    done = subprocess.run([sys.executable, str(BUILD_PY), "ledger", "--as-of", AS_OF, "--format", form,
                           "--root", str(project.root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          preexec_fn=lambda: os.close(1), timeout=120)
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("rel", ["ledger_report.html", "partials/ledger_table.html"])
def test_a_missing_report_layout_is_named_in_chinese(tmp_path, rel):
    project = site(tmp_path)
    (project.root / "layouts" / rel).unlink()
    done = cli(project, "ledger", "--as-of", AS_OF, "--format", "html")
    assert done.returncode == 1
    assert f"layouts/{rel}" in done.stderr and "找不到" in done.stderr and "not found" not in done.stderr, done.stderr


@pytest.mark.parametrize("code", ["page", "table", "ledger", "zcjd", "zcwj-gfxwj"])
def test_new_catalog_refuses_a_code_it_cannot_use(tmp_path, code):
    project = site(tmp_path)
    done = cli(project, "new", "catalog", code)
    assert done.returncode == 1 and code in done.stderr, done.stdout + done.stderr
    assert not (project.root / f"content/catalog/{code}.yaml").exists()
