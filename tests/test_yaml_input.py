"""YAML and front matter as editors (and attackers) write them, and characters that
must never reach an output: every case through the real command line, with a
Chinese message at the file, line and field of the mistake, and no PyYAML English."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import policy

# Words of PyYAML's English messages and Python's tracebacks, none of which may reach an editor.
ENGLISH = re.compile(r"Traceback|Error\b|\b(?:expected|found|while (?:scanning|parsing)|mapping values|could not|"
                     r"cannot|token|line \d|column \d|alias|anchor|document|scalar)\b")

PAGE = "---\ntitle: 页面\n{extra}---\n\n正文\n"
TABLE = "title: 表\ncolumns:\n  - {key: a, label: 甲, group: true}\n  - {key: b, label: 乙}\nrows:\n  - {a: 一, b: 二}\n"


def failed(result) -> str:
    """The report of a build that refused its content cleanly."""
    report = result.stderr + result.stdout
    assert result.returncode == 1, report
    assert not ENGLISH.search(report), report
    return result.stderr


def assert_reported(report: str, where: str, field: str, phrase: str) -> None:
    """A problem line at `where` (file:line), for `field` ("" for none), saying `phrase`."""
    lines = [ln.strip() for ln in report.splitlines() if ln.strip().startswith(where + ":")]
    match = [ln for ln in lines if phrase in ln and (not field or f"字段 {field}：" in ln)]
    assert match, f"expected {where} {field} … {phrase} in:\n{report}"


def with_table(text: str) -> str:
    return policy(n=90).replace("正文测试文件。", f"正文。\n\n[[table:{text}]]\n")


def config_with(p, old: str, new: str) -> None:
    path = p.root / "site_config.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- mistakes editors make ---------------------------------------------------------------

# (file, text, line, field, phrase): each in its own file of one site, built once.
MISTAKES = [
    # full-width colon, first / middle / last line, English and Chinese keys
    ("policies/fw1.md", policy(n=1).replace("title: 测试文件", "title：测试文件"), 2, "title", "全角冒号“：”改为半角冒号加空格"),
    ("policies/fw2.md", policy(n=2).replace("agency: ", "agency："), 5, "agency", "全角冒号"),
    ("policies/fw3.md", policy(n=3, extra="catalog：0101"), 10, "catalog", "全角冒号"),
    ("policies/fw4.md", policy(n=4).replace("title: 测试文件", "标题：测试文件"), 2, "标题", "英文名（如 title、agency），不能写中文名"),
    ("policies/fw5.md", "---\n标题：测试\n发文机关：聊城市人民政府\n---\n\n正文\n", 3, "发文机关", "全角冒号"),
    ("policies/fw6.md", policy(n=6, extra="attachments:\n  - title：附件一\n    file: files/a.pdf"), 11, "title", "全角冒号"),
    ("pages/fw7.md", PAGE.format(extra="menu： true\n"), 3, "menu", "全角冒号"),
    # missing space after the colon (URLs in values are fine)
    ("policies/sp1.md", policy(n=11).replace("agency: ", "agency:"), 5, "agency", "冒号后要加一个空格"),
    ("policies/sp2.md", policy(n=12).replace("title: 测试文件", "title:测试文件"), 2, "title", "冒号后要加一个空格"),
    ("policies/sp3.md", policy(n=13, extra="summary: 见 https://www.gov.cn/a\ncatalog:0101"), 11, "catalog", "冒号后要加一个空格"),
    ("policies/sp4.md", policy(n=14).replace("title: 测试文件", "标题:测试文件"), 2, "标题", "英文名"),
    ("interpretations/sp5.md", "---\ntitle: 解读\ninterprets: [a]\npublished: 2024-01-03\nagency:办公室\nform: 文字\n---\n\n正文\n",
     5, "agency", "冒号后要加一个空格"),
    # tab or full-width space as indentation, full-width space after the colon
    ("policies/tab1.md", policy(n=21, extra="attachments:\n\t- title: 附件\n\t  file: files/a.pdf"), 11, "", "Tab"),
    ("policies/tab2.md", policy(n=22).replace("agency: ", "\tagency: "), 5, "agency", "Tab"),
    ("policies/tab3.md", policy(n=23, extra="attachments:\n  - title: 附件\n\t  file: files/a.pdf"), 12, "file", "Tab"),
    ("policies/ws1.md", policy(n=24).replace("agency: ", "agency:\u3000"), 5, "agency", "全角空格"),
    ("policies/ws2.md", policy(n=25, extra="attachments:\n\u3000\u3000- title: 附件\n    file: files/a.pdf"), 11, "title", "全角空格"),
    ("policies/ws3.md", "---\ntitle:\u3000标题\n---\n\n正文\n", 2, "title", "全角空格"),
    # colon and space inside an unquoted value
    ("policies/cv1.md", policy(n=31, extra="summary: 工作目标: 做好政务公开"), 10, "summary", "请给整段值加引号"),
    ("policies/cv2.md", policy(n=32).replace("title: 测试文件", "title: 通知: 第二号"), 2, "title", "请给整段值加引号"),
    ("policies/cv3.md", policy(n=33, extra="attachments:\n  - title: 附件: 名单\n    file: files/a.pdf"), 11, "title", "全角“：”"),
    ("policies/cv4.md", policy(n=34, extra="summary: 第一段\n  工作目标: 做好"), 11, "", "请给整段值加引号"),
    # unclosed quotes and brackets: the line that opened them
    ("policies/uq1.md", policy(n=41).replace("title: 测试文件", 'title: "测试文件'), 2, "", "引号没有闭合"),
    ("policies/uq2.md", policy(n=42, extra="summary: '没有结束"), 10, "", "引号没有闭合"),
    ("policies/ub1.md", policy(n=43, extra="amended_by: [a, b"), 10, "", "“[”没有对应的“]”"),
    ("policies/ub2.md", policy(n=44, extra="attachments:\n  - {title: 附件, file: files/a.pdf"), 11, "", "“{”没有对应的“}”"),
    # other values YAML reads as syntax
    ("policies/ot1.md", policy(n=51).replace("title: 测试文件", "title: *重要*通知"), 2, "", "请给整段值加引号"),
    ("policies/ot2.md", policy(n=52).replace("title: 测试文件", "title: @通知"), 2, "", "请给整段值加引号"),
    ("policies/ot3.md", policy(n=53).replace("title: 测试文件", 'title: "关于" 的通知'), 2, "", "引号要包住整段值"),
    ("policies/ot4.md", policy(n=54, extra='attachments:\n  - title: 附件\n    file: "files\\2024\\a.pdf"'), 12, "", "反斜杠"),
    ("policies/ot5.md", policy(n=55, extra="summary: !重要"), 10, "", "请给整段值加引号"),
]


def test_editor_mistakes_are_explained_at_their_line(empty):
    for rel, text, *_ in MISTAKES:
        empty.write(rel, text)
    report = failed(empty.build())
    for rel, _, line, field, phrase in MISTAKES:
        assert_reported(report, f"content/{rel}:{line}", field, phrase)
    assert "YAML 无法识别" not in report  # every case above is recognised, not just translated


# Every mistake on every line of a policy's front matter: one message, at that line, for that field.
SLIPS = {
    "全角冒号": lambda line, key: line.replace(f"{key}: ", f"{key}：", 1),
    "全角冒号+空格": lambda line, key: line.replace(f"{key}: ", f"{key}： ", 1),
    "冒号后要加一个空格": lambda line, key: line.replace(f"{key}: ", f"{key}:", 1),
    "Tab": lambda line, key: "\t" + line,
    "空格+Tab": lambda line, key: "  \t" + line,
    "全角空格": lambda line, key: "\u3000" + line,
    "冒号后的全角空格": lambda line, key: line.replace(f"{key}: ", f"{key}:\u3000", 1),
    "值末的冒号": lambda line, key: line + ": 补充",
    "值中的冒号": lambda line, key: line.replace(f"{key}: ", f"{key}: 甲: ", 1),
}
POLICY_KEYS = ["title", "doc_number", "index_number", "agency", "written", "published", "topic", "kind", "summary", "catalog"]


def test_each_slip_on_each_line_gives_one_message_at_that_line(empty):
    expected = {}
    for s, (slip, change) in enumerate(SLIPS.items()):
        for k, key in enumerate(POLICY_KEYS):
            lines = policy(n=s * 20 + k + 1, extra="summary: 摘要\ncatalog: 0101").split("\n")
            index = next(i for i, line in enumerate(lines) if line.startswith(key + ":"))
            lines[index] = change(lines[index], key)
            rel = f"content/policies/s{s}-{k}.md"
            empty.write(rel.removeprefix("content/"), "\n".join(lines))
            expected[rel] = (index + 1, key, slip)
    report = failed(empty.build())
    for rel, (line, key, slip) in expected.items():
        mine = [ln for ln in report.splitlines() if ln.strip().startswith(rel + ":")]
        assert len(mine) == 1 and mine[0].strip().startswith(f"{rel}:{line}: 字段 {key}："), (slip, mine)


def test_each_slip_in_attachments_and_data_tables(empty):
    attachments = "attachments:\n  - title: 附件一\n    file: files/a.pdf\n  - title: 附件二\n    file: files/b.pdf"
    table = TABLE + "  - a: 三\n    b: 四\n"
    expected = {}
    for s, (slip, change) in enumerate(SLIPS.items()):
        for index in (10, 11, 12, 14):  # attachments: / - title / file / the last file
            lines = policy(n=s * 20 + index, extra=attachments).split("\n")
            key = lines[index - 1].strip(" -").split(":")[0]
            if change(lines[index - 1], key) == lines[index - 1]:
                continue  # "attachments:" has no value to slip on
            lines[index - 1] = change(lines[index - 1], key)
            expected[f"content/policies/a{s}-{index}.md"] = (index, key, slip)
            empty.write(f"policies/a{s}-{index}.md", "\n".join(lines))
        for index in (1, 2, 6, 8):  # title / columns / a row's first key / the last line
            lines = table.split("\n")
            key = lines[index - 1].strip(" -").split(":")[0]
            if change(lines[index - 1], key) == lines[index - 1]:
                continue
            lines[index - 1] = change(lines[index - 1], key)
            expected[f"content/data/t{s}-{index}.yaml"] = (index, key, slip)
            empty.write(f"data/t{s}-{index}.yaml", "\n".join(lines))
    for name in ("a.pdf", "b.pdf"):
        empty.write(f"files/{name}", "%PDF-1.4\n")
    report = failed(empty.build())
    assert len(expected) > 50
    for rel, (line, _key, slip) in expected.items():
        mine = [ln for ln in report.splitlines() if ln.strip().startswith(rel + ":")]
        assert mine and mine[0].strip().startswith(f"{rel}:{line}:"), (slip, mine)
        assert all(f"{rel}:{line}:" in ln for ln in mine), (slip, mine)


@pytest.mark.parametrize("slip", SLIPS)
@pytest.mark.parametrize("key, line", [("name", 3), ("phone", 12), ("page_size", 18)])
def test_each_slip_in_the_site_config(empty, slip, key, line):
    path = empty.root / "site_config.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].strip().startswith(key + ":")
    lines[line - 1] = SLIPS[slip](lines[line - 1].split(" #")[0].rstrip(), key)
    path.write_text("\n".join(lines), encoding="utf-8")
    report = failed(empty.build())
    assert [ln for ln in report.splitlines() if ln.startswith("  site_config.yaml:")] \
        and all(ln.startswith(f"  site_config.yaml:{line}: 字段 ") for ln in report.splitlines() if ln.startswith("  site_config")), report


@pytest.mark.parametrize("old, new, line, field, phrase", [
    ("  name: 聊城市", "  name：聊城市", 3, "name", "全角冒号"),
    ("  owner: ", "  owner:", 6, "owner", "冒号后要加一个空格"),
    ("  contact:\n    phone:", "  contact:\n\tphone:", 12, "phone", "Tab"),
    ("page_size: 10", "page_size:\u300010", 18, "page_size", "全角空格"),
    ("  example_notice: 本站", "  example_notice: 说明: 本站", 16, "example_notice", "请给整段值加引号"),
    ("interpretation_forms: [文字,", "interpretation_forms: [文字, [", 59, "", "没有对应的“]”"),
    ("# 主题分类", "主题分类：其他\n# 主题分类", 39, "主题分类", "英文名"),
])
def test_editor_mistakes_in_the_site_config(empty, old, new, line, field, phrase):
    config_with(empty, old, new)
    assert_reported(failed(empty.build()), f"site_config.yaml:{line}", field, phrase)


@pytest.mark.parametrize("text, line, field, phrase", [
    (TABLE.replace("title: 表", "title：表"), 1, "title", "全角冒号"),
    (TABLE.replace("rows:\n  - {a: 一, b: 二}", "rows:\n  - a: 一\n    b:二"), 7, "b", "冒号后要加一个空格"),
    (TABLE.replace("  - {key: b", "\t- {key: b"), 4, "", "Tab"),
    (TABLE + "  - {a: 三, b: 四\n", 7, "", "没有对应的“}”"),
    (TABLE + "  - a: 五\n    b: 说明: 六\n", 8, "b", "请给整段值加引号"),
])
def test_editor_mistakes_in_a_data_table(empty, text, line, field, phrase):
    empty.write("data/t.yaml", text)
    empty.write("policies/p.md", with_table("t"))
    assert_reported(failed(empty.build()), f"content/data/t.yaml:{line}", field, phrase)


def test_keys_written_with_their_value_in_a_flow_mapping(empty):
    empty.write("policies/a.md", policy(n=1, extra="attachments: [{title：附件, file: files/a.pdf}]"))
    empty.write("policies/b.md", policy(n=2, extra="attachments: [{title:附件, file: files/a.pdf}]"))
    empty.write("policies/c.md", "---\n\u3000title: 标题\n---\n\n正文\n")
    empty.write("files/a.pdf", "%PDF-1.4\n")
    report = failed(empty.build())
    assert_reported(report, "content/policies/a.md:10", "attachments.0.title", "全角冒号")
    assert_reported(report, "content/policies/b.md:10", "attachments.0.title", "冒号后要加一个空格")
    assert_reported(report, "content/policies/c.md:2", "title", "全角空格")
    assert report.count("\n  content/") == 3, report  # nothing that follows from them


# -- values are text ------------------------------------------------------------------------


def test_yes_no_words_are_text_in_text_fields_and_yes_no_in_yes_no_fields(empty):
    for n, word in enumerate(["true", "on", "yes", "no", "False", "OFF"], 1):
        empty.write(f"policies/p{n}.md", policy(word, n=n, extra=f"summary: {word}\nnormative: {word}"))
    empty.write("policies/cn.md", policy("是", n=9, extra="normative: 是"))
    empty.write("pages/about.md", PAGE.format(extra="menu: yes\n").replace("title: 页面", "title: on"))
    empty.write("data/t.yaml", TABLE.replace("{key: a, label: 甲, group: true}", "{key: a, label: yes, group: on}"))
    empty.write("pages/t.md", PAGE.format(extra="").replace("正文", "[[table:t]]"))
    result = empty.build()
    assert result.returncode == 0, result.stderr
    assert "<h1>true</h1>" in empty.html("/policies/p1/")
    assert "聊政发〔2024〕2号　on" in (empty.output / "feed.xml").read_text(encoding="utf-8")  # the summary, as text
    normative = empty.html("/policies/normative/")
    for slug, is_normative in [("p1", True), ("p2", True), ("p3", True), ("p4", False), ("p5", False), ("p6", False), ("cn", True)]:
        assert (f"href=\"../{slug}/\"" in normative) == is_normative, slug
    assert "<h1>on</h1>" in empty.html("/about/")
    assert ">yes</th>" in empty.html("/t/")


@pytest.mark.parametrize("word", ["maybe", "1", "真", "[true]"])
def test_a_yes_no_field_names_the_words_it_accepts(empty, word):
    empty.write("policies/a.md", policy(n=1, extra=f"normative: {word}"))
    assert_reported(failed(empty.build()), "content/policies/a.md:10", "normative", "也可写 yes/no、on/off、是/否")


@pytest.mark.parametrize("text, line, phrase", [
    ("? [a, b]\n: c\n", 10, "字段名是列表或映射"),
    ("~: x\n", 10, "字段名为空"),
    ("null: x\n", 10, "字段名为空"),
    ("title: !!binary aGVsbG8=\n", 10, "类型标签"),
    ("summary: !!python/object:os.system x\n", 10, "类型标签"),
    ("catalog: !!int 5\n", 10, "类型标签"),
])
def test_keys_and_tags_yaml_would_read_as_other_than_text(empty, text, line, phrase):
    empty.write("policies/a.md", policy(n=1, extra=text.rstrip("\n")))
    assert_reported(failed(empty.build()), f"content/policies/a.md:{line}", "", phrase)


MORE = [  # (front-matter lines after kind:, line, field, phrase)
    ('summary: "\\U00110000"', 10, "", "不超出 Unicode 范围"),
    ('summary: "\\UFFFFFFFF"', 10, "", "十六进制"),
    ('summary: "\\x4"', 10, "", "十六进制"),
    ('"": 空字段名', 10, "", "字段名为空"),
    ("' ': 空字段名", 10, "", "字段名为空"),
    ("summary\u3000: 摘要", 10, "summary", "字段名后有全角空格"),
    ('summary: "第一段\ncatalog: "0101"', 10, "summary", "引号“\"”没有在行内闭合"),
    ("summary: x\n...\ncatalog: 1", 12, "", "多出了内容"),
    ("summary: x\n%YAML 1.1", 11, "", "YAML 指令"),
    ("summary: !!str 摘要", 10, "summary", "类型标签“!!str”"),
    ("<<: {catalog: 1}", 10, "<<", "未知字段"),
    ("summary: |x\n  摘要", 10, "", "“|”或“>”后面"),
    ("summary: 摘要\n  - 列表: 项", 11, "", "冒号"),
]


def test_other_yaml_syntax_is_explained(empty):
    for n, (extra, *_) in enumerate(MORE):
        empty.write(f"policies/m{n}.md", policy(n=n + 1, extra=extra))
    report = failed(empty.build())
    for n, (_, line, field, phrase) in enumerate(MORE):
        assert_reported(report, f"content/policies/m{n}.md:{line}", field, phrase)


def test_a_data_table_is_one_yaml_document(empty):
    empty.write("data/t.yaml", TABLE + "---\ntitle: 第二份\n")
    empty.write("policies/p.md", with_table("t"))
    assert_reported(failed(empty.build()), "content/data/t.yaml:7", "", "只能有一份 YAML 内容")


# -- aliases, anchors and depth ----------------------------------------------------------------


def billion_laughs(indent: str = "") -> str:
    lines = [f'{indent}a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        name, prev = chr(97 + i), chr(96 + i)
        lines.append(f"{indent}{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines)


def test_alias_bombs_are_refused_without_expanding(empty):
    # Expanding any of these would take hours and gigabytes: the build would time out.
    empty.write("policies/a.md", policy(n=1, extra="summary: x\n" + billion_laughs().replace("a: &a", "catalog: &a", 1)))
    empty.write("data/t.yaml", TABLE + billion_laughs())
    empty.write("policies/b.md", with_table("t"))
    empty.write("policies/c.md", policy(n=3, extra="catalog: &x 甲\nsummary: *x"))
    report = failed(empty.build())
    assert_reported(report, "content/policies/a.md:11", "catalog", "不支持 YAML 锚点（&）和别名（*），请把内容直接写出来")
    assert_reported(report, "content/policies/a.md:20", "j", "不支持 YAML 锚点")
    assert_reported(report, "content/data/t.yaml:7", "a", "不支持 YAML 锚点")
    assert_reported(report, "content/policies/c.md:10", "catalog", "不支持 YAML 锚点")
    assert_reported(report, "content/policies/c.md:11", "summary", "不支持 YAML 锚点")


def test_alias_bomb_in_the_site_config(empty):
    config_with(empty, "page_size: 10", "page_size: 10\n" + billion_laughs().replace("a: &a", "x: &a", 1).replace("b: &b", "y: &b", 1))
    assert_reported(failed(empty.build()), "site_config.yaml:19", "x", "不支持 YAML 锚点")


def nested(kind: str, depth: int) -> str:
    if kind == "[":
        return "[" * depth + "]" * depth
    if kind == "{":
        return "{a: " * depth + "1" + "}" * depth
    return "\n" + "".join("  " * i + "- \n" for i in range(depth))


@pytest.mark.parametrize("kind", ["[", "{", "- "])
@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deep_nesting_is_refused_in_content_and_data(empty, kind, depth):
    if kind == "- " and depth > 1000:
        depth = 3000  # the indentation alone is then 9 MB
    empty.write("policies/a.md", policy(n=1, extra=f"summary: {nested(kind, depth)}"))
    # a surrogate escape makes libyaml give up, so PyYAML's own parser reads this one
    empty.write("policies/b.md", policy(n=2, extra=f'catalog: "\\ud800"\nsummary: {nested(kind, depth)}'))
    empty.write("data/t.yaml", TABLE + f"extra: {nested(kind, depth)}\n")
    empty.write("policies/c.md", with_table("t"))
    report = failed(empty.build())
    for where in ("content/policies/a.md", "content/policies/b.md", "content/data/t.yaml"):
        assert_reported(report, where, "", "嵌套层级过深（超过 20 层）")


def test_deep_nesting_in_the_site_config(empty):
    config_with(empty, "page_size: 10", "page_size: " + nested("[", 100_000))
    assert_reported(failed(empty.build()), "site_config.yaml:18", "page_size", "嵌套层级过深")


def test_nesting_our_data_needs_is_fine(empty):
    empty.write("data/t.yaml", TABLE + "notes: " + nested("[", 19) + "\n")
    empty.write("policies/c.md", with_table("t"))
    assert "嵌套层级过深" not in empty.build().stderr


# -- characters ------------------------------------------------------------------------------

RAW = [  # (character, what the message calls it)
    ("\x00", "空字符 U+0000"), ("\x01", "控制字符 U+0001"), ("\x08", "U+0008"), ("\x0b", "U+000B"), ("\x0c", "U+000C"),
    ("\x1b", "U+001B"), ("\x1f", "U+001F"), ("\x7f", "U+007F"), ("\x85", "U+0085"), ("\x9f", "U+009F"),
    ("\u2028", "分行符 U+2028"), ("\u2029", "U+2029"), ("\ufdd0", "非字符 U+FDD0"), ("\ufffe", "U+FFFE"),
    ("\uffff", "U+FFFF"), ("\U0001fffe", "U+1FFFE"), ("\U0010ffff", "U+10FFFF"),
]


def test_raw_forbidden_characters_are_reported_at_their_line_and_column(empty):
    for n, (ch, _) in enumerate(RAW):
        where = n % 3  # a front-matter line, the last front-matter line, the body
        text = policy(n=n + 1, extra="summary: 摘要")
        if where == 0:
            text = text.replace("agency: 聊城", f"agency: 聊{ch}城")
        elif where == 1:
            text = text.replace("summary: 摘要", f"summary: 摘要{ch}")
        else:
            text = text.replace("正文测试文件。", f"正文\n\n第二段{ch}")
        empty.write(f"policies/c{n}.md", text)
    report = failed(empty.build())
    for n, (_, name) in enumerate(RAW):
        line, column, field = [(5, 10, "agency"), (10, 12, "summary"), (15, 4, "")][n % 3]
        assert_reported(report, f"content/policies/c{n}.md:{line}", field, f"第 {line} 行第 {column} 列有")
        assert_reported(report, f"content/policies/c{n}.md:{line}", field, name)
    assert "缺少必填字段" not in report  # nothing follows from a file that was refused


def test_many_forbidden_characters_are_listed_then_counted(empty):
    empty.write("policies/a.md", policy(n=1).replace("正文测试文件。", "\n".join(f"行{i}\x01" for i in range(30))))
    report = failed(empty.build())
    assert report.count("content/policies/a.md:") == 11
    assert "此后还有 20 处" in report


def test_forbidden_characters_in_the_config_and_a_data_table(empty):
    config_with(empty, "  owner: 聊城市", "  owner: \x07聊城市")
    assert_reported(failed(empty.build()), "site_config.yaml:6", "site.owner", "第 6 行第 10 列有不可见的控制字符 U+0007")
    config_with(empty, "  owner: \x07聊城市", "  owner: 聊城市")
    empty.write("data/t.yaml", TABLE.replace("b: 二", "b: 二\x00"))
    empty.write("policies/p.md", with_table("t"))
    assert_reported(failed(empty.build()), "content/data/t.yaml:6", "rows.0.b", "空字符 U+0000")


def test_lone_carriage_returns_are_line_breaks(empty):
    (empty.root / "content/policies").mkdir(parents=True)
    text = policy(n=1).replace("kind: 通知", "kind: 通告书")
    (empty.root / "content/policies/a.md").write_bytes(text.replace("\n", "\r").encode())
    mixed = "".join(line + ("\r\n" if n % 2 else "\r") for n, line in enumerate(text.split("\n")))
    (empty.root / "content/policies/b.md").write_bytes(mixed.encode())
    report = failed(empty.build())
    assert_reported(report, "content/policies/a.md:9", "kind", "通告书")
    assert_reported(report, "content/policies/b.md:9", "kind", "通告书")


ESCAPES = [  # (escape as written in a double-quoted YAML string, what the message calls it)
    ("\\x01", "U+0001"), ("\\u0000", "U+0000"), ("\\0", "U+0000"), ("\\e", "U+001B"), ("\\r", "U+000D"),
    ("\\N", "U+0085"), ("\\L", "U+2028"), ("\\uFFFE", "U+FFFE"), ("\\ud800", "代理字符 U+D800"),
    ("\\udfff", "代理字符 U+DFFF"), ("\\ude00\\ud83d", "代理字符"), ("\\U0010FFFF", "U+10FFFF"),
]


def test_forbidden_characters_written_as_escapes_name_their_field(empty):
    for n, (escape, _) in enumerate(ESCAPES):
        field = ["title", "summary", "attachments"][n % 3]
        extra = f'summary: "摘要{escape}"' if field == "summary" else ""
        text = policy(n=n + 1, extra=extra)
        if field == "title":
            text = text.replace("title: 测试文件", f'title: "测试{escape}文件"')
        elif field == "attachments":
            text = text.replace("kind: 通知", f'kind: 通知\nattachments:\n  - title: "附件{escape}"\n    file: files/a.pdf')
        empty.write(f"policies/e{n}.md", text)
    (empty.root / "content/files").mkdir()
    (empty.root / "content/files/a.pdf").write_bytes(b"%PDF-1.4\n")
    report = failed(empty.build())
    for n, (_, name) in enumerate(ESCAPES):
        line, field = [(2, "title"), (10, "summary"), (11, "attachments.0.title")][n % 3]
        assert_reported(report, f"content/policies/e{n}.md:{line}", field, name)


def test_escape_in_a_key_and_in_the_config(empty):
    empty.write("policies/a.md", policy(n=1, extra='"sum\\x01mary": 摘要'))
    config_with(empty, "  name: 聊城市人民政府 政府信息公开", '  name: "聊城市\\ud800"')
    assert_reported(failed(empty.build()), "site_config.yaml:3", "site.name", "代理字符 U+D800")
    config_with(empty, '  name: "聊城市\\ud800"', "  name: 聊城市")
    assert_reported(failed(empty.build()), "content/policies/a.md:10", "sum\x01mary", "U+0001")


def test_valid_text_reaches_every_output_intact(empty):
    """Emoji written as surrogate-pair escapes, tabs inside values, XML-special and
    yes/no words: the build succeeds and feed and sitemap are well-formed XML."""
    empty.write("policies/a.md", policy("true", n=1, extra='summary: "笑脸\\ud83d\\ude00 与 \\U0001F600 & <b> ]]>"'))
    empty.write("policies/b.md", policy("关于\t通知 😀", n=2, extra="catalog: 'on'"))
    empty.write("interpretations/j.md", '---\ntitle: "解读\\ud83d\\ude00"\ninterprets: [a]\npublished: 2024-01-03\nagency: 办公室\nform: 文字\n---\n\n正文\n')
    result = empty.build()
    assert result.returncode == 0, result.stderr
    feed = ET.parse(empty.output / "feed.xml").getroot()
    ET.parse(empty.output / "sitemap.xml")
    texts = "".join(feed.itertext())
    assert "笑脸😀 与 😀 & <b> ]]>" in texts
    assert "解读😀" in empty.html("/interpretations/j/")
    assert "<h1>true</h1>" in empty.html("/policies/a/") and "关于\t通知 😀" in empty.html("/policies/b/")


# -- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [65, 256, 1000])
def test_long_ids_are_refused_with_their_length(empty, length):
    long_id = "a" * length
    empty.write("policies/a.md", policy(n=1, extra=f"id: {long_id}"))
    empty.write("policies/b.md", policy(n=2, extra=f"status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: {long_id}"))
    empty.write("policies/c.md", policy(n=3, extra=f"status: 已修订\nstatus_date: 2024-02-01\namended_by:\n  - b\n  - {long_id}"))
    report = failed(empty.build())
    message = f"标识过长（{length} 个字符），最多 64 个"
    assert_reported(report, "content/policies/a.md:10", "id", message)
    assert_reported(report, "content/policies/b.md:12", "superseded_by", message)
    assert_reported(report, "content/policies/c.md:14", "amended_by", message)


def test_an_id_of_64_characters_is_fine(empty):
    empty.write("policies/a.md", policy(n=1, extra="id: " + "a" * 64))
    assert empty.build().returncode == 0


@pytest.mark.parametrize("length", [65, 250])
def test_long_file_names_are_refused_without_a_traceback(empty, length):
    empty.write(f"policies/{'a' * length}.md", policy(n=1))
    empty.write(f"data/{'t' * length}.yaml", TABLE)
    failed(empty.build())


def test_long_file_names_say_how_long(empty):
    empty.write(f"policies/{'a' * 65}.md", policy(n=1))
    empty.write(f"data/{'t' * 70}.yaml", "title: 表\n")
    report = failed(empty.build())
    assert "标识过长（65 个字符），最多 64 个" in report and "标识过长（70 个字符），最多 64 个" in report
