"""信息公开目录 (issue 9): the catalog file's fields and every mistake in it reported once
at its file, line and field; 公开时限 parsing as a class of texts; the pages (/catalog/,
each category paginated, /catalog/table/, the 公开指南, the 政府信息公开 section
navigation, the ledger page and sitemap.xml); byte-identical builds.

The projects are small and written here: the repo's layouts and site settings (minus
their catalog, guide and calendar blocks), the catalog and content each test needs,
and the real command line. test_ledger.py builds its projects with Portal too.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import textwrap
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from bs4 import BeautifulSoup

from gongkai import cli
from gongkai.types.catalog import rule as rules
from gongkai.types.catalog.rule import Period

REPO = Path(__file__).resolve().parent.parent
BUILD_PY = REPO / "build.py"
BUILD_DATE = "2024-03-01"
SECTION = "政府信息公开"

GUIDE = """\
guide:
  office: 聊城市人民政府办公室政务公开科
  address: 山东省聊城市东昌府区东昌路1号
  hours: 工作日 9:00—12:00，13:30—17:00
  phone: 0635-8888888
  fax: 0635-8888889
  email: zwgk@example.gov.cn
  postcode: "252000"
  procedure: [提出申请, 登记受理, 答复]
"""


def site_config(settings: str, page_size: int | None = None) -> str:
    """The repo's site settings without the blocks the tests write themselves, then those."""
    data = yaml.safe_load((REPO / "site_config.yaml").read_text(encoding="utf-8"))
    for key in ("catalog", "guide", "calendar"):
        data.pop(key, None)
    if page_size:
        data["page_size"] = page_size
    head = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return head + "\n" + textwrap.dedent(settings).strip() + "\n"


@dataclass(frozen=True)
class Ran:
    """What a command returned and printed."""

    returncode: int
    output: bytes  # stdout as written (the ledger's CSV keeps its byte-order mark)
    stderr: str

    @property
    def stdout(self) -> str:
        return self.output.decode("utf-8")


class Portal:
    """A throwaway project: layouts, settings, a catalog and the content a test writes."""

    def __init__(self, root: Path, catalog: str | None, settings: str = "catalog:\n  due_soon: 5\n",
                 page_size: int | None = None):
        self.root = root
        shutil.copytree(REPO / "layouts", root / "layouts")
        (root / "content").mkdir(parents=True)
        self.settings(settings, page_size)
        if catalog is not None:
            self.write("catalog.yaml", catalog)

    def settings(self, text: str, page_size: int | None = None) -> None:
        (self.root / "site_config.yaml").write_text(site_config(text, page_size), encoding="utf-8")

    def config_line(self, needle: str) -> int:
        """The line of site_config.yaml that holds needle (1-based)."""
        lines = (self.root / "site_config.yaml").read_text(encoding="utf-8").splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def cli(self, *args: str) -> Ran:
        """build.py in this process (gongkai.cli.main), with its output captured as bytes."""
        out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            code = cli.main([*args, "--root", str(self.root)])
        except SystemExit as stop:  # argparse refusing an argument
            code = stop.code
        finally:
            out.flush()
            err.flush()
            sys.stdout, sys.stderr = saved
        return Ran(code, out.buffer.getvalue(), err.buffer.getvalue().decode("utf-8"))

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """build.py as an editor runs it, in its own process."""
        return subprocess.run([sys.executable, str(BUILD_PY), *args, "--root", str(self.root)],
                              capture_output=True, text=True, timeout=300)

    def build(self, date_: str = BUILD_DATE, *args: str) -> Ran:
        return self.cli("--build-date", date_, *args)

    def html(self, url: str) -> str:
        return (self.root / "output" / url.strip("/") / "index.html").read_text(encoding="utf-8")

    def soup(self, url: str) -> BeautifulSoup:
        return BeautifulSoup(self.html(url), "html.parser")

    def targets(self, url: str, selector: str = "main a[href]") -> list[tuple[str, str]]:
        """(text, site URL) of the links on the page at url; relative links resolved."""
        return [(a.get_text(strip=True), target(url, a["href"])) for a in self.soup(url).select(selector)]


def target(here: str, href: str) -> str:
    """A link's site URL (/catalog/x/) from the page it is on."""
    return urljoin(f"https://site.test{here}", href).removeprefix("https://site.test")


def policy(doc_id: str, written: str, published: str, catalog: str | None = None, title: str | None = None) -> tuple:
    """(path, text) of a policy document formed (成文) on written and published on published."""
    n = zlib.crc32(doc_id.encode()) % 99999 + 1  # the same document number in every build
    year = written[:4]
    field = f"catalog: {catalog}\n" if catalog else ""
    return f"policies/{doc_id}.md", (
        f"---\ntitle: {title or '文件' + doc_id}\ndoc_number: 聊政发〔{year}〕{n}号\n"
        f"index_number: 11371500004314023F/{year}-{n:05d}\nagency: 聊城市人民政府\nwritten: {written}\n"
        f"published: {published}\ntopic: 综合政务\nkind: 通知\n{field}---\n\n正文。\n")


def interpretation(doc_id: str, published: str, catalog: str | None = None, interprets: str = "base",
                   title: str | None = None) -> tuple:
    field = f"catalog: {catalog}\n" if catalog else ""
    return f"interpretations/{doc_id}.md", (
        f"---\ntitle: {title or '解读' + doc_id}\ninterprets: {interprets}\npublished: {published}\n"
        f"agency: 聊城市人民政府办公室\nform: 文字\n{field}---\n\n解读正文。\n")


def page(doc_id: str, title: str, template: str | None = None) -> tuple:
    field = f"template: {template}\n" if template else ""
    return f"pages/{doc_id}.md", f"---\ntitle: {title}\nupdated: 2024-01-02\n{field}---\n\n{title}正文。\n"


def write_all(portal: Portal, *files: tuple) -> None:
    for rel, text in files:
        portal.write(rel, text)


BASE = policy("base", "2018-01-02", "2018-01-04", "zcwj")  # the document interpretations interpret


# -- 5. validation: one message each, at its file, line and field -----------------------------

SMALL = """\
categories:
  - code: zcwj
    name: 政策文件
    owner: 市政府办公室
    rule: 20个工作日
  - code: zcjd
    name: 政策解读
    owner: 市政府办公室
    rule: 每月
    children:
      - code: zcjd-wz
        name: 文字解读
      - code: zcjd-tj
        name: 图解
"""


def errors(result: subprocess.CompletedProcess) -> list[str]:
    """The error lines of a failed check (file:line: 字段 …), without the summary and warnings."""
    lines = result.stderr.split("个提醒")[0].splitlines()
    return [line.strip() for line in lines if re.match(r"\s+\S+:\d+: ", line)]


def check_fails(portal: Portal) -> list[str]:
    """The error lines of a check that failed on content (exit 1), never with a traceback."""
    result = portal.cli("check", "--build-date", BUILD_DATE)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return errors(result)


def at(message: str, rel: str, line: int, field: str) -> bool:
    """The message is reported at rel:line for field (written as its path in the file, e.g. categories.0.rule)."""
    return re.match(rf"{re.escape(rel)}:{line}: 字段 (?:[\w.]+\.)?{re.escape(field)}：", message) is not None


def line_of(path: Path, needle: str, after: str | None = None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)


@pytest.fixture
def small(tmp_path) -> Portal:
    portal = Portal(tmp_path / "site", SMALL)
    write_all(portal, BASE)
    return portal


def test_the_small_catalog_is_valid(small):
    write_all(small, interpretation("jd", "2024-02-20", "zcjd-wz"))
    result = small.cli("check", "--build-date", BUILD_DATE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("code, hint", [("zcjd-wx", "zcjd-wz"), ("zcjdwz", "zcjd-wz"), ("zcwi", "zcwj")])
def test_an_item_naming_an_unknown_category_gets_the_near_miss(small, code, hint):
    path = small.write(*interpretation("jd", "2024-02-20", code))
    [message] = check_fails(small)
    assert message.startswith(f"content/interpretations/jd.md:{line_of(path, 'catalog:')}: 字段 catalog：")
    assert f"“{code}”" in message and f"“{hint}”" in message


def test_an_unknown_category_far_from_any_code_points_to_the_catalog(small):
    write_all(small, interpretation("jd", "2024-02-20", "xyz-abc-123"))
    [message] = check_fails(small)
    assert "content/interpretations/jd.md:" in message and "catalog.yaml" in message


def test_an_item_naming_a_parent_category_is_told_its_children(small):
    path = small.write(*interpretation("jd", "2024-02-20", "zcjd"))
    [message] = check_fails(small)
    assert message.startswith(f"content/interpretations/jd.md:{line_of(path, 'catalog:')}: 字段 catalog：")
    assert "zcjd-wz" in message and "zcjd-tj" in message and "子事项" in message


def test_a_policy_naming_an_unknown_category_is_reported(small):
    path = small.write(*policy("p2", "2024-02-01", "2024-02-02", "zcwi"))
    [message] = check_fails(small)
    assert message.startswith(f"content/policies/p2.md:{line_of(path, 'catalog:')}: 字段 catalog：")
    assert "“zcwj”" in message


def test_duplicate_code_within_a_file(tmp_path):
    portal = Portal(tmp_path / "site", SMALL + "  - code: zcjd-tj\n    name: 重复\n    owner: 甲\n    rule: 长期\n")
    write_all(portal, BASE)
    [message] = check_fails(portal)
    path = portal.root / "content/catalog.yaml"
    first = line_of(path, "code: zcjd-tj")
    second = line_of(path, "code: zcjd-tj", after="name: 图解")
    assert message.startswith(f"content/catalog.yaml:{second}: 字段 code：")
    assert "zcjd-tj" in message and "重复" in message and f"第 {first} 行" in message


def test_duplicate_code_across_catalog_files(small):
    small.write("catalog/more.yaml", """
        categories:
          - code: ndbg
            name: 年报
            owner: 市政府办公室
            rule: 每年3月31日前
          - code: zcwj
            name: 又一个政策文件
            owner: 市政府办公室
            rule: 长期
    """)
    [message] = check_fails(small)
    assert message.startswith("content/catalog/more.yaml:6: 字段 code：")
    assert "content/catalog.yaml 第 2 行" in message


def test_a_broken_catalog_file_brings_no_follow_on_messages(small):
    small.settings("catalog:\n  columns:\n    reports: catalog:ndbg\n")
    small.write("catalog/more.yaml", "categories:\n  - code: ndbg\n    name: 年报\n    owner: 市政府办公室\n"
                "    rule: 每逢佳节\n  - code: tjgb\n    name: 统计公报\n    owner: 市统计局\n    rule: 每年\n")
    write_all(small, interpretation("jd", "2024-02-20", "ndbg"), interpretation("jd2", "2024-02-20", "tjgb"))
    [message] = check_fails(small)
    assert at(message, "content/catalog/more.yaml", 5, "rule"), message


def test_a_category_file_in_the_folder_adds_to_the_tree(small):
    small.write("catalog/more.yaml", "categories:\n  - code: ndbg\n    name: 年报\n    owner: 市政府办公室\n"
                "    rule: 每年3月31日前\n")
    write_all(small, interpretation("jd", "2024-02-20", "ndbg"))
    assert small.build().returncode == 0
    assert ("年报", "/catalog/ndbg/") in small.targets("/catalog/")


@pytest.mark.parametrize("field, label", [("owner", "责任单位"), ("rule", "公开时限")])
def test_a_leaf_without_owner_or_rule(tmp_path, field, label):
    text = "categories:\n  - code: a\n    name: 甲\n    owner: 市政府办公室\n    rule: 每月\n"
    text = text.replace(f"    {field}:", f"    #{field}:")
    portal = Portal(tmp_path / "site", text)
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 2, field), message
    assert label in message and "defaults" in message


def test_owner_and_rule_inherited_from_parent_or_defaults(tmp_path):
    portal = Portal(tmp_path / "site", """
        defaults:
          rule: 长期
        categories:
          - code: a
            name: 甲
            owner: 市政府办公室
            children:
              - code: a-b
                name: 乙
                children:
                  - {code: a-b-c, name: 丙}
          - code: d
            name: 丁
            owner: 市财政局
            rule: 每年
    """)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"))
    result = portal.cli("check", "--build-date", BUILD_DATE)
    assert result.returncode == 0, result.stderr
    assert portal.build().returncode == 0
    shown = facts(portal.soup("/catalog/a-b-c/"))
    assert shown["责任单位"] == "市政府办公室" and shown["公开时限"] == "长期"
    assert shown["公开渠道和载体"] == "政府网站" and shown["公开对象"] == "全社会" and shown["公开方式"] == "主动公开"


def test_an_unparseable_rule_is_one_message_not_also_missing_rules_below(tmp_path):
    portal = Portal(tmp_path / "site", """
        categories:
          - code: a
            name: 甲
            owner: 市政府办公室
            rule: 每逢佳节
            children:
              - {code: a-b, name: 乙}
              - {code: a-c, name: 丙}
    """)
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 5, "rule"), message
    assert "每逢佳节" in message and "每月10日前" in message  # says what can be written


def test_an_unparseable_rule_in_defaults_is_one_message(tmp_path):
    portal = Portal(tmp_path / "site", """
        defaults:
          owner: 市政府办公室
          rule: 随时
        categories:
          - {code: a, name: 甲}
          - {code: b, name: 乙}
    """)
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 3, "rule"), message
    assert "随时" in message


@pytest.mark.parametrize("code", ["table", "ledger", "page"])
def test_reserved_codes(tmp_path, code):
    portal = Portal(tmp_path / "site", f"categories:\n  - code: {code}\n    name: 甲\n    owner: 乙\n    rule: 长期\n")
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 2, "code"), message
    assert f"/catalog/{code}/" in message


def test_a_fourth_level(tmp_path):
    portal = Portal(tmp_path / "site", """
        categories:
          - code: a
            name: 一级
            owner: 乙
            rule: 长期
            children:
              - code: a-b
                name: 二级
                children:
                  - code: a-b-c
                    name: 三级
                    children:
                      - {code: a-b-c-d, name: 四级}
    """)
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 12, "children"), message
    assert "3 级" in message


def test_an_unknown_inspection_kind(tmp_path):
    portal = Portal(tmp_path / "site", "categories:\n  - code: a\n    name: 甲\n    owner: 乙\n    rule: 长期\n"
                    "    inspection: 要闻\n")
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 6, "inspection"), message
    assert "动态要闻" in message and "通知公告政策文件" in message


@pytest.mark.parametrize("code", ["Zcwj", "zc_wj", "政策"])
def test_a_code_that_cannot_be_a_url(tmp_path, code):
    portal = Portal(tmp_path / "site", f"categories:\n  - code: {code}\n    name: 甲\n    owner: 乙\n    rule: 长期\n")
    [message] = check_fails(portal)
    assert at(message, "content/catalog.yaml", 2, "code") and "小写" in message, message


def test_catalog_defaults_naming_an_unknown_type(small):
    small.settings("catalog:\n  defaults:\n    interpretations: zcjd-wz\n")
    write_all(small, interpretation("jd", "2024-02-20", "zcjd-wz"))
    [message] = check_fails(small)
    line = small.config_line("interpretations: zcjd-wz")
    assert message.startswith(f"site_config.yaml:{line}: 字段 catalog.defaults.interpretations：")
    assert "interpretation" in message.split("：", 2)[2]  # the names it could be


@pytest.mark.parametrize("code, words", [("zcjd-wx", "“zcjd-wz”"), ("zcjd", "zcjd-tj")])
def test_catalog_defaults_naming_an_unknown_or_parent_code(small, code, words):
    small.settings(f"catalog:\n  defaults:\n    interpretation: {code}\n")
    write_all(small, interpretation("jd", "2024-02-20"))
    [message] = check_fails(small)
    line = small.config_line(f"interpretation: {code}")
    assert message.startswith(f"site_config.yaml:{line}: 字段 catalog.defaults.interpretation：")
    assert words in message


def test_catalog_defaults_place_items_without_a_catalog_field(small):
    small.settings("catalog:\n  defaults:\n    interpretation: zcjd-tj\n")
    write_all(small, interpretation("jd", "2024-02-20", title="默认归类的解读"))
    result = small.build()
    assert result.returncode == 0, result.stderr
    assert "默认归类的解读" in small.html("/catalog/zcjd-tj/")
    assert "未归入信息公开目录" not in result.stderr


def test_an_item_without_a_category_or_default_is_warned(small):
    write_all(small, interpretation("jd", "2024-02-20"))
    result = small.build()
    assert result.returncode == 0
    assert "content/interpretations/jd.md" in result.stderr and "catalog.defaults" in result.stderr


@pytest.mark.parametrize("target, why", [
    ("doc:nowhere", "nowhere"), ("catalog:nowhere", "nowhere"), ("page:guide", "doc:"), ("doc:Guide!", "doc:"),
])
def test_catalog_columns_with_a_bad_target(small, target, why):
    small.settings(f"catalog:\n  columns:\n    guide: {target}\n")
    [message] = check_fails(small)
    line = small.config_line(f"guide: {target}")
    assert message.startswith(f"site_config.yaml:{line}: 字段 catalog.columns.guide："), message
    assert why in message


def test_catalog_columns_with_an_unknown_key(small):
    small.settings("catalog:\n  columns:\n    guides: doc:guide\n")
    [message] = check_fails(small)
    assert f"site_config.yaml:{small.config_line('guides: doc:guide')}: " in message


def test_a_guide_page_without_the_guide_block(small):
    path = small.write(*page("guide", "政府信息公开指南", "guide"))
    [message] = check_fails(small)
    assert message.startswith(f"content/pages/guide.md:{line_of(path, 'template:')}: 字段 template：")
    assert "guide" in message and "site_config.yaml" in message


@pytest.mark.parametrize("settings, key", [
    ("catalog:\n  due_soon: 五\n", "catalog.due_soon"), ("catalog:\n  due_soon: -1\n", "catalog.due_soon"),
    ("catalog:\n  ledger_page: shown\n", "catalog.ledger_page"), ("catalog:\n  colums: {}\n", "catalog.colums"),
])
def test_catalog_settings_mistakes(small, settings, key):
    small.settings(settings)
    [message] = check_fails(small)
    assert message.startswith("site_config.yaml:") and f"字段 {key}：" in message, message


def test_many_mistakes_are_reported_together_without_follow_on_noise(tmp_path):
    portal = Portal(tmp_path / "site", """
        categories:
          - code: a
            name: 甲
            owner: 乙
            rule: 每季度10日前
          - code: table
            name: 表
            owner: 乙
            rule: 长期
          - code: c
            name: 丙
            rule: 每月
    """)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"), interpretation("jd", "2024-01-02", "a"))
    found = check_fails(portal)
    assert [m.split(": 字段 ")[0] for m in found] == ["content/catalog.yaml:5", "content/catalog.yaml:6",
                                                     "content/catalog.yaml:10"], found


# -- 6. 公开时限 as a class of texts --------------------------------------------------------

ACCEPTED = [
    ("长期", {"standing": True}),
    ("长期公开", {"standing": True}),
    ("20个工作日", {"workdays": 20}),
    ("20个工作日内", {"workdays": 20}),
    ("信息形成或者变更之日起20个工作日内", {"workdays": 20}),
    ("自信息形成之日起15个工作日内公开", {"workdays": 15}),
    ("２０个工作日", {"workdays": 20}),
    ("二十个工作日", {"workdays": 20}),
    ("十个工作日内", {"workdays": 10}),
    ("十五个工作日", {"workdays": 15}),
    ("五个工作日", {"workdays": 5}),
    (" 20 个工作日 ", {"workdays": 20}),
    ("20\u3000个工作日", {"workdays": 20}),
    ("1个工作日", {"workdays": 1}),
    ("每月", {"period": Period.MONTH}),
    ("每季度", {"period": Period.QUARTER}),
    ("每季", {"period": Period.QUARTER}),
    ("每半年", {"period": Period.HALF}),
    ("每年", {"period": Period.YEAR}),
    ("每月更新", {"period": Period.MONTH}),
    ("每月10日前", {"period": Period.MONTH, "day": 10}),
    ("每月１０日前", {"period": Period.MONTH, "day": 10}),
    ("每月十日前", {"period": Period.MONTH, "day": 10}),
    ("每月10号前", {"period": Period.MONTH, "day": 10}),
    ("每月 10 日以前", {"period": Period.MONTH, "day": 10}),
    ("每月31日前", {"period": Period.MONTH, "day": 31}),
    ("每年3月31日前", {"period": Period.YEAR, "month_day": (3, 31)}),
    ("每年三月三十一日前", {"period": Period.YEAR, "month_day": (3, 31)}),
    ("每年２月２９日前", {"period": Period.YEAR, "month_day": (2, 29)}),
    ("每季度结束后15日内", {"period": Period.QUARTER, "lag": 15, "lag_workdays": False}),
    ("每季度结束后十五日内", {"period": Period.QUARTER, "lag": 15, "lag_workdays": False}),
    ("每季度结束后15天内", {"period": Period.QUARTER, "lag": 15, "lag_workdays": False}),
    ("每月结束后5个工作日内", {"period": Period.MONTH, "lag": 5, "lag_workdays": True}),
    ("每年结束后20个工作日内", {"period": Period.YEAR, "lag": 20, "lag_workdays": True}),
    ("每半年结束后30日内", {"period": Period.HALF, "lag": 30, "lag_workdays": False}),
]


@pytest.mark.parametrize("text, expected", ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepted_rules(text, expected):
    parsed = rules.parse(text)
    assert not isinstance(parsed, str), parsed
    assert parsed.text == text  # shown as the office wrote it
    fields = {"standing": False, "workdays": None, "period": None, "day": None, "month_day": None, "lag": None,
              "lag_workdays": False}
    fields.update(expected)
    assert {key: getattr(parsed, key) for key in fields} == fields


REJECTED = [
    ("每季度10日前", "每年3月31日前"),  # only 每月 takes a day
    ("每年10日前", "每年3月31日前"),
    ("每月3月31日前", "每年"),
    ("每年13月1日前", "13月1日"),
    ("每年2月30日前", "2月30日"),
    ("每年4月31日前", "4月31日"),
    ("每月32日前", "32"),
    ("每月0日前", "0"),
    ("0个工作日", "至少为 1"),
    ("零个工作日", "无法识别"),
    ("尽快", "无法识别"),
    ("及时公开", "无法识别"),
    ("", "无法识别"),
    ("每周", "无法识别"),
    ("20个自然日", "无法识别"),
    ("每月10日前后", "无法识别"),
    ("一百个工作日", "无法识别"),
]


@pytest.mark.parametrize("text, words", REJECTED, ids=[t or "empty" for t, _ in REJECTED])
def test_rejected_rules(text, words):
    why = rules.parse(text)
    assert isinstance(why, str), why
    assert words in why


def test_a_rejection_lists_what_can_be_written():
    why = rules.parse("尽快")
    for form in ("长期", "20个工作日", "每月", "每季度", "每半年", "每年", "每月10日前", "每年3月31日前",
                 "每季度结束后15日内", "每月结束后5个工作日内"):
        assert form in why


@pytest.mark.parametrize("text, newest, due", [
    ("每月", date(2023, 11, 20), date(2023, 12, 31)),
    ("每月", date(2024, 1, 31), date(2024, 2, 29)),
    ("每月", date(2023, 12, 1), date(2024, 1, 31)),
    ("每季度", date(2024, 1, 15), date(2024, 6, 30)),
    ("每季度", date(2023, 12, 31), date(2024, 3, 31)),
    ("每半年", date(2024, 6, 30), date(2024, 12, 31)),
    ("每半年", date(2024, 7, 1), date(2025, 6, 30)),
    ("每年", date(2023, 1, 1), date(2024, 12, 31)),
    ("每月10日前", date(2024, 1, 31), date(2024, 2, 10)),
    ("每月31日前", date(2024, 1, 5), date(2024, 2, 29)),  # clamped to the month's last day
    ("每月31日前", date(2023, 12, 5), date(2024, 1, 31)),
    ("每年3月31日前", date(2023, 5, 1), date(2024, 3, 31)),
    ("每年2月29日前", date(2024, 5, 1), date(2025, 2, 28)),
    ("每季度结束后15日内", date(2024, 1, 10), date(2024, 4, 15)),
    ("每季度结束后15日内", date(2023, 12, 20), date(2024, 1, 15)),
    ("每月结束后5个工作日内", date(2024, 1, 10), date(2024, 2, 6)),  # 2月4日（星期日）上班
    ("每月结束后5个工作日内", date(2019, 9, 10), date(2019, 10, 12)),  # 国庆后，10月12日（星期六）上班
])
def test_next_due_of_periodic_rules(text, newest, due):
    from gongkai.workdays import Calendar

    assert rules.parse(text).next_due(newest, Calendar()) == due


# -- 7. pages ---------------------------------------------------------------------------------

TREE = """\
defaults:
  owner: 市政府办公室
  rule: 长期
categories:
  - code: jgzn
    name: 机构职能
    content: 机构设置、职能和联系方式。
    children:
      - code: jgzn-jgxx
        name: 机构信息
        owner: 市委编办
        rule: 每年
        basis: 《条例》第二十条第（二）项
      - code: jgzn-ldxx
        name: 领导信息
  - code: zcjd
    name: 政策解读
    rule: 20个工作日
    children:
      - code: zcjd-wz
        name: 文字解读
        children:
          - code: zcjd-wz-sj
            name: 市级解读
            content: 市政府文件的文字解读。
          - code: zcjd-wz-bm
            name: 部门解读
      - code: zcjd-tj
        name: 图解
  - code: ndbg
    name: 政府信息公开年报
    rule: 每年3月31日前
"""
COLUMNS = """\
catalog:
  due_soon: 5
  ledger_page: {ledger}
  columns:
    guide: doc:guide
    rules: doc:rules
    reports: catalog:ndbg
    apply: doc:apply
"""
CITY = [interpretation(f"sj{i:02d}", f"2024-01-{i + 1:02d}", "zcjd-wz-sj", title=f"市级解读第{i:02d}号")
        for i in range(1, 13)]


def pages_portal(root: Path, ledger: str = "hidden") -> Portal:
    portal = Portal(root, TREE, COLUMNS.format(ledger=ledger) + GUIDE, page_size=5)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"), *CITY, interpretation("bm1", "2023-06-01", "zcjd-wz-bm", title="部门解读一号"),
              interpretation("jg1", "2023-03-01", "jgzn-jgxx", title="机构信息一号"),
              page("guide", "政府信息公开指南", "guide"), page("rules", "政府信息公开制度"),
              page("apply", "依申请公开"), page("about", "关于本站"))
    result = portal.build()
    assert result.returncode == 0, result.stderr
    return portal


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Portal:
    return pages_portal(tmp_path_factory.mktemp("pages") / "site")


def tree_counts(soup: BeautifulSoup) -> dict[str, int]:
    counts = {}
    for item in soup.select("main ul.catalog-tree li"):
        name = item.find("a").get_text(strip=True)
        counts[name] = int(re.search(r"（(\d+) 条）", item.find("span", class_="count").get_text()).group(1))
    return counts


def test_catalog_root_lists_the_whole_tree_with_counts(site):
    counts = tree_counts(site.soup("/catalog/"))
    assert counts == {"机构职能": 1, "机构信息": 1, "领导信息": 0, "政策解读": 13, "文字解读": 13, "市级解读": 12,
                      "部门解读": 1, "图解": 0, "政府信息公开年报": 0}
    root = site.soup("/catalog/")
    nested = root.select_one("main ul.catalog-tree > li > ul > li > ul > li a")
    assert nested.get_text(strip=True) in ("市级解读", "部门解读")  # the third level sits inside the second
    assert "主动公开基本目录" in root.select_one("main").get_text()


def entry_titles(soup: BeautifulSoup) -> list[str]:
    main = soup.select_one("main")
    return [a.get_text(strip=True) for a in main.select("a[href*='/interpretations/']")]


def test_a_category_page_lists_its_items_newest_first_and_paginates(site):
    first, second, third = (site.soup(u) for u in ("/catalog/zcjd-wz-sj/", "/catalog/zcjd-wz-sj/page/2/",
                                                   "/catalog/zcjd-wz-sj/page/3/"))
    assert entry_titles(first) == [f"市级解读第{i:02d}号" for i in (12, 11, 10, 9, 8)]
    assert entry_titles(second) == [f"市级解读第{i:02d}号" for i in (7, 6, 5, 4, 3)]
    assert entry_titles(third) == [f"市级解读第{i:02d}号" for i in (2, 1)]
    assert not (site.root / "output/catalog/zcjd-wz-sj/page/4").exists()


def test_a_parent_category_lists_its_childrens_items(site):
    titles = entry_titles(site.soup("/catalog/zcjd-wz/"))
    assert titles[0] == "市级解读第12号" and len(titles) == 5
    last = entry_titles(site.soup("/catalog/zcjd-wz/page/3/"))
    assert last == ["市级解读第02号", "市级解读第01号", "部门解读一号"]  # 5 + 5 + 3; 2023-06-01 is the oldest
    assert [a.get_text(strip=True) for a in site.soup("/catalog/zcjd-wz/").select("main ul.catalog-tree a")] == \
        ["市级解读", "部门解读"]


def facts(soup: BeautifulSoup) -> dict[str, str]:
    return {dt.get_text(strip=True): dt.find_next("dd").get_text(strip=True) for dt in soup.select("main .metadata dt")}


def test_a_category_page_shows_owner_rule_and_last_update(site):
    shown = facts(site.soup("/catalog/zcjd-wz-sj/"))
    assert shown["责任单位"] == "市政府办公室" and shown["公开时限"] == "20个工作日"
    assert shown["公开内容"] == "市政府文件的文字解读。" and shown["最近更新"] == "2024年1月13日"
    own = facts(site.soup("/catalog/jgzn-jgxx/"))
    assert own["责任单位"] == "市委编办" and own["公开时限"] == "每年" and own["公开依据"] == "《条例》第二十条第（二）项"
    assert own["最近更新"] == "2023年3月1日"
    assert facts(site.soup("/catalog/ndbg/"))["最近更新"] == "暂无信息"
    later = site.soup("/catalog/zcjd-wz-sj/page/2/")
    assert "（第 2 页）" in later.select_one("h1").get_text()


def test_category_pages_have_breadcrumbs_through_their_parents(site):
    crumbs = [a.get_text(strip=True) for a in site.soup("/catalog/zcjd-wz-sj/").select("nav.breadcrumbs a")]
    assert crumbs[-3:] == ["信息公开目录", "政策解读", "文字解读"]


def test_the_table_has_a_row_per_leaf(site):
    soup = site.soup("/catalog/table/")
    groups = [th.get_text(strip=True) for th in soup.select("tr.catalog-group th")]
    assert groups == ["机构职能", "政策解读", "政府信息公开年报"]
    rows = [th.get_text(strip=True) for th in soup.select("tbody th[scope=row]")]
    assert rows == ["机构信息", "领导信息", "文字解读／市级解读", "文字解读／部门解读", "图解", "政府信息公开年报"]
    cells = {th.get_text(strip=True): {td["data-label"]: td.get_text(strip=True) for td in th.find_next_siblings("td")}
             for th in soup.select("tbody th[scope=row]")}
    assert cells["机构信息"]["公开时限"] == "每年" and cells["机构信息"]["公开依据"] == "《条例》第二十条第（二）项"
    assert cells["领导信息"]["公开内容"] == "—" and cells["政府信息公开年报"]["公开时限"] == "每年3月31日前"
    assert cells["图解"]["公开主体"] == yaml.safe_load((REPO / "site_config.yaml").read_text(encoding="utf-8"))["site"]["owner"]
    assert "共 6 项" in soup.select_one("caption").get_text()


def test_the_guide_shows_the_office_block_and_the_catalog_tree(site):
    soup = site.soup("/guide/")
    office = {dt.get_text(strip=True): dt.find_next("dd").get_text(strip=True) for dt in soup.select(".guide-office dt")}
    assert office["机构名称"] == "聊城市人民政府办公室政务公开科" and office["邮政编码"] == "252000"
    assert office["传真"] == "0635-8888889" and office["电子邮箱"] == "zwgk@example.gov.cn"
    assert [li.get_text(strip=True) for li in soup.select(".guide-office ol li")] == ["提出申请", "登记受理", "答复"]
    assert tree_counts(soup) == tree_counts(site.soup("/catalog/"))
    assert "主动公开基本目录" in soup.select_one(".guide-catalog").get_text()


def section_nav(portal: Portal, url: str) -> list[tuple[str, str, str | None]] | None:
    """(title, site URL, aria-current) of the 政府信息公开 navigation on the page, None without one."""
    nav = portal.soup(url).find("nav", attrs={"aria-label": SECTION})
    if nav is None:
        return None
    return [(a.get_text(strip=True), target(url, a["href"]), a.get("aria-current")) for a in nav.find_all("a")]


COLUMN_LINKS = [("政府信息公开指南", "/guide/"), ("政府信息公开制度", "/rules/"), ("法定主动公开内容", "/catalog/"),
                ("政府信息公开年报", "/catalog/ndbg/"), ("依申请公开", "/apply/")]


@pytest.mark.parametrize("url, current", [
    ("/catalog/", "法定主动公开内容"), ("/catalog/zcjd-wz-sj/", "法定主动公开内容"),
    ("/catalog/zcjd-wz-sj/page/2/", "法定主动公开内容"), ("/catalog/table/", "法定主动公开内容"),
    ("/catalog/ndbg/", "政府信息公开年报"), ("/guide/", "政府信息公开指南"), ("/rules/", "政府信息公开制度"),
    ("/apply/", "依申请公开"),
])
def test_the_section_navigation_on_catalog_pages_and_the_columns(site, url, current):
    nav = section_nav(site, url)
    assert nav is not None, url
    assert [(title, href) for title, href, _ in nav] == COLUMN_LINKS
    marked = {title: mark for title, _, mark in nav if mark}
    assert current in marked
    assert marked[current] == ("page" if dict(COLUMN_LINKS)[current] == url else "true")


@pytest.mark.parametrize("url", ["/policies/base/", "/interpretations/sj01/", "/about/", "/policies/", "/"])
def test_no_section_navigation_elsewhere(site, url):
    assert section_nav(site, url) is None


def sitemap_urls(portal: Portal) -> list[str]:
    text = (portal.root / "output/sitemap.xml").read_text(encoding="utf-8")
    return re.findall(r"<loc>([^<]+)</loc>", text)


def pages_linking_to(portal: Portal, url: str) -> list[str]:
    """The pages of the site (but url itself) with a link to url."""
    output = portal.root / "output"
    found = []
    for path in sorted(output.rglob("index.html")):
        here = "/" + path.parent.relative_to(output).as_posix().strip(".") + "/"
        here = here.replace("//", "/")
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        if here != url and any(target(here, a["href"]) == url for a in soup.find_all("a", href=True)):
            found.append(here)
    return found


def test_the_hidden_ledger_page_is_written_noindex_and_not_linked(site):
    soup = site.soup("/catalog/ledger/")
    assert soup.find("meta", attrs={"name": "robots", "content": "noindex"}) is not None
    assert "信息公开任务分工台账" in soup.select_one("h1").get_text()
    assert not any(u.endswith("/catalog/ledger/") for u in sitemap_urls(site))
    assert pages_linking_to(site, "/catalog/ledger/") == []
    assert pages_linking_to(site, "/catalog/table/")  # what the check can see
    assert any(u.endswith("/catalog/") for u in sitemap_urls(site)) and any(u.endswith("/catalog/table/")
                                                                            for u in sitemap_urls(site))


def test_a_linked_ledger_page_is_in_the_sitemap_and_indexable(tmp_path):
    portal = pages_portal(tmp_path / "site", "linked")
    assert any(u.endswith("/catalog/ledger/") for u in sitemap_urls(portal))
    soup = portal.soup("/catalog/ledger/")
    assert soup.find("meta", attrs={"name": "robots", "content": "noindex"}) is None


def test_a_linked_ledger_page_is_linked_from_the_site(tmp_path):
    portal = pages_portal(tmp_path / "site", "linked")
    assert "/catalog/" in pages_linking_to(portal, "/catalog/ledger/")


def test_no_ledger_page_with_none(tmp_path):
    portal = pages_portal(tmp_path / "site", "none")
    assert not (portal.root / "output/catalog/ledger").exists()
    assert not any("ledger" in u for u in sitemap_urls(portal))


def test_the_site_map_page_and_main_navigation_name_the_catalog(site):
    home = BeautifulSoup((site.root / "output/index.html").read_text(encoding="utf-8"), "html.parser")
    nav = [a.get_text(strip=True) for a in home.select("nav.site-nav a")]
    assert "信息公开目录" in nav
    assert not any("台账" in t for t in nav)


def test_the_ledger_page_follows_the_build_date(site):
    soup = site.soup("/catalog/ledger/")
    assert "截至 2024年3月1日" in soup.select_one("main").get_text()
    paths = [th.get_text(strip=True) for th in soup.select("tbody th[scope=row]")]
    assert sorted(paths) == sorted(["机构职能 › 机构信息", "机构职能 › 领导信息", "政策解读 › 文字解读 › 市级解读",
                                    "政策解读 › 文字解读 › 部门解读", "政策解读 › 图解", "政府信息公开年报"])


# -- 8. determinism -------------------------------------------------------------------------------

def test_two_builds_are_byte_identical(site, tmp_path):
    again = pages_portal(tmp_path / "again")
    ours = {p.relative_to(site.root / "output"): p.read_bytes() for p in (site.root / "output").rglob("*") if p.is_file()}
    theirs = {p.relative_to(again.root / "output"): p.read_bytes()
              for p in (again.root / "output").rglob("*") if p.is_file()}
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []
