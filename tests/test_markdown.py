"""Markdown bodies: internal links, the HTML allowlist and the accessibility lint."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import policy


def body_policy(body: str, n: int = 2) -> str:
    return policy(n=n).replace("正文测试文件。", body)


def test_internal_links_by_id_and_by_path_resolve_to_urls(empty):
    empty.write("policies/target.md", policy("目标文件", n=1))
    empty.write("policies/sub/linker.md", body_policy(
        "见[目标](doc:target)、[同一目标](../target.md#第一条)和[附件](../../files/a.txt)，以及[外部](https://www.gov.cn/)。"
        "\n\n[申请表](../../files/申请%20表.txt)"))
    empty.write("files/a.txt", "附件内容")
    empty.write("files/申请 表.txt", "表")
    result = empty.build()
    assert result.returncode == 0, result.stderr
    page = BeautifulSoup(empty.html("/policies/linker/"), "html.parser")
    hrefs = [a["href"] for a in page.select(".document-body a")]
    assert hrefs[:4] == ["../target/", "../target/#第一条", "../../files/a.txt", "https://www.gov.cn/"]
    assert (empty.output / "files/a.txt").read_text(encoding="utf-8") == "附件内容"
    assert re.fullmatch(r"\.\./\.\./files/[0-9a-f]{12}\.txt", hrefs[4]), "non-ASCII names get a stable ASCII URL"
    assert (empty.output / "policies/linker" / hrefs[4]).resolve().read_text(encoding="utf-8") == "表"


def test_chinese_headings_get_ids(empty):
    empty.write("policies/headings.md", body_policy("## 第一章 总则\n\n正文\n\n### 第一条\n\n正文"))
    assert empty.build().returncode == 0
    page = BeautifulSoup(empty.html("/policies/headings/"), "html.parser")
    assert [h.get("id") for h in page.select(".document-body h2, .document-body h3")] == ["第一章-总则", "第一条"]


def test_tables_footnotes_and_attribute_lists(empty):
    empty.write("policies/rich.md", body_policy(
        "| 事项 | 时限 |\n| --- | --- |\n| 答复 | 20个工作日 |\n\n依据条例[^1]。\n\n[^1]: 《中华人民共和国政府信息公开条例》。\n\n"
        "聊城市人民政府\n{: .signature lang=en }"))
    assert empty.build().returncode == 0
    body = BeautifulSoup(empty.html("/policies/rich/"), "html.parser").select_one(".document-body")
    assert body.select("table thead th")
    assert body.select_one(".footnote li").get_text().strip().startswith("《中华人民共和国政府信息公开条例》")
    assert body.find("p", class_="signature")["lang"] == "en"


def test_unsafe_html_is_an_error_naming_the_line(empty):
    empty.write("policies/unsafe.md", body_policy(
        "第一段\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(1))\n\n"
        "<iframe src=\"https://evil.example/\"></iframe>\n\n<p style=\"color:red\">红字</p>\n\n段落\n{: onclick=\"alert(1)\" }"))
    result = empty.build()
    assert result.returncode == 1
    report = result.stderr
    for line, text in [(15, "<script>"), (17, "javascript:"), (19, "<iframe>"), (21, "style 属性"), (24, "onclick 属性")]:
        assert any(ln.strip().startswith(f"content/policies/unsafe.md:{line}:") and text in ln for ln in report.splitlines()), (line, text, report)


def test_allowed_raw_html_passes(empty):
    empty.write("policies/raw.md", body_policy("<abbr title=\"政府信息公开\">政务公开</abbr>，详见<sup>注</sup>。"))
    assert empty.build().returncode == 0
    assert '<abbr title="政府信息公开">' in empty.html("/policies/raw/")


def test_accessibility_lint_points_at_the_source_line(empty):
    (empty.root / "content/files").mkdir(parents=True)
    (empty.root / "content/files/chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    empty.write("policies/lint.md", body_policy(
        "## 一、总则\n\n#### 跳级的标题\n\n![](../files/chart.png)\n\n[](doc:lint)\n\n"
        "<table><tr><td>无表头</td></tr></table>\n\n# 第二个一级标题"))
    report = empty.build().stderr
    expected = [
        (15, "标题层级跳跃：从 2 级直接到 4 级"),
        (17, "图片缺少替代文本"),
        (19, "链接没有文字"),
        (21, "表格缺少表头行"),
        (23, "正文不能使用一级标题"),
    ]
    for line, text in expected:
        assert f"content/policies/lint.md:{line}: {text}" in report, (line, text, report)


def test_images_must_be_local_and_inside_content(empty):
    empty.write("policies/images.md", body_policy(
        "![外部图片](https://cdn.example.com/a.png)\n\n![越界](../../../site_config.yaml)\n\n![不存在](missing.png)"))
    report = empty.build().stderr
    assert "images.md:13: 图片“https://cdn.example.com/a.png”来自其他网站" in report
    assert "images.md:15: 图片“../../../site_config.yaml”指向 content/ 目录以外" in report
    assert "images.md:17: 文件不存在：content/policies/missing.png" in report


def test_links_cannot_leave_the_content_tree(empty):
    empty.write("policies/escape.md", body_policy("[配置](../../site_config.yaml) [绝对](/etc/passwd)"))
    report = empty.build().stderr
    assert "escape.md:13: 链接“../../site_config.yaml”指向 content/ 目录以外" in report
    assert "escape.md:13: 站内链接“/etc/passwd”请写成 doc:标识" in report


def test_data_table_reference_must_exist(empty):
    empty.write("policies/table.md", body_policy("[[table:no-such-table]]"))
    assert "table.md:13: 数据表不存在：content/data/no-such-table.yaml" in empty.build().stderr


def test_data_table_errors_are_reported_with_lines(empty):
    empty.write("data/tasks.yaml", "title: 表\ncolumns:\n  - {key: a, label: 甲}\n  - {key: b, label: 乙}\nrows:\n  - {a: 1}\n")
    empty.write("policies/table.md", body_policy("[[table:tasks]]"))
    report = empty.build().stderr
    assert "content/data/tasks.yaml:6: 字段 rows.0.b：缺少必填字段 b（乙）" in report
    assert "数据表不存在" not in report


def test_comments_cdata_and_page_furniture_are_kept_out(empty):
    empty.write("policies/tricks.md", body_policy(
        "<!-- 内部：经张三同意后发布 -->\n\n<!--> <meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\"> -->\n\n"
        "<div class=\"status-banner\">已废止</div>\n\n<p id=\"main\">正文</p>\n\n## Main\n\n"
        "<a href=\"java&#13;script:alert(1)\">点</a> <img src=\"https://evil.example/x.png\" alt=\"外部\">"))
    report = empty.build().stderr
    for line, text in [(17, "不支持的样式类名 status-banner"), (19, "id“main”已被页面自身使用"),
                       (23, "不允许使用 javascript: 链接"), (23, "图片“https://evil.example/x.png”来自其他网站")]:
        assert f"content/policies/tricks.md:{line}: {text}" in report, (line, text, report)
    assert "张三" not in report and "refresh" not in report  # comments go silently
    empty.write("policies/tricks.md", body_policy("<!-- 内部：经张三同意后发布 -->\n\n<!--> <meta http-equiv=\"refresh\"> -->\n\n## Main"))
    assert empty.build().returncode == 0
    page = empty.html("/policies/tricks/")
    assert "张三" not in page and "refresh" not in page
    assert 'id="main-1"' in page, "a heading never takes a layout's id"


def test_only_documents_images_and_media_are_published(empty):
    empty.write("files/page.html", "<script>alert(1)</script>")
    empty.write("files/pic.svg", "<svg onload='alert(1)'/>")
    empty.write("policies/a.md", policy(n=1, extra="attachments:\n  - title: 网页\n    file: files/page.html"))
    empty.write("policies/b.md", body_policy("[图](../files/pic.svg)", n=2))
    report = empty.build().stderr
    assert "content/policies/a.md:12: 字段 attachments.0.file：不能发布 .html 文件" in report
    assert "content/policies/b.md:13: “../files/pic.svg”：不能发布 .svg 文件" in report


def test_raw_html_links_and_images_follow_the_same_rules(empty):
    (empty.root / "content/files").mkdir(parents=True)
    (empty.root / "content/files/chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    empty.write("policies/target.md", policy("目标", n=1))
    empty.write("policies/raw.md", body_policy(
        '<a href="target.md">原文</a>\n\n<img src="../files/chart.png" alt="图表">\n\n<a href="nope.pdf">缺</a>', n=2))
    result = empty.build()
    assert "content/policies/raw.md:17: 文件不存在：content/policies/nope.pdf" in result.stderr
    empty.write("policies/raw.md", body_policy('<a href="target.md">原文</a>\n\n<img src="../files/chart.png" alt="图表">', n=2))
    assert empty.build().returncode == 0
    page = BeautifulSoup(empty.html("/policies/raw/"), "html.parser").select_one(".document-body")
    assert page.find("a")["href"] == "../target/"
    assert (empty.output / "policies/raw" / page.find("img")["src"]).resolve().is_file()


def test_repeated_mistakes_are_each_reported_at_their_line(empty):
    empty.write("policies/twice.md", body_policy("[甲](doc:nope)\n\n[乙](doc:nope)\n\n依照第二章。\n\n#### 第二章"))
    report = empty.build().stderr
    assert "twice.md:13: 链接目标不存在" in report and "twice.md:15: 链接目标不存在" in report
    assert "twice.md:19: 标题层级跳跃" in report


def test_fenced_code_may_name_its_language_and_nothing_else_comes_with_it(empty):
    empty.write("policies/code.md", body_policy("```python\nprint(1)\n```\n\n```JavaScript\nx\n```"))
    assert empty.build().returncode == 0
    page = empty.html("/policies/code/")
    assert 'class="language-python"' in page and 'class="language-JavaScript"' in page
    empty.write("policies/code.md", body_policy('<code class="language-x evil">y</code>\n\n<p class="language-x">z</p>'))
    report = empty.build().stderr
    assert "不支持的样式类名 evil" in report and "不支持的样式类名 language-x" in report


@pytest.mark.parametrize("reference", ["&#x1;", "&#1;", "&#X1;", "&#x0001;", "&#8;", "&#x2028;", "&#xFFFE;", "&#xFDD0;",
                                       "&#x1F;", "&#127;"])
def test_a_character_reference_cannot_bring_back_a_forbidden_character(empty, reference):
    empty.write("policies/ref.md", body_policy(f"段一\n\n甲{reference}乙\n\n| a |\n|---|\n| 丙{reference} |\n\n## 标题{reference}"))
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = {line.split(":")[1] for line in result.stderr.splitlines() if "字符引用产生了" in line}
    assert lines == {"15", "19", "21"}, result.stderr


@pytest.mark.parametrize("body", ["<div>" * 3000 + "x" + "</div>" * 3000, "[" * 2000 + "x" + "]" * 2000,
                                  "段一\n\n" + "<span>" * 60 + "x" + "</span>" * 60])
def test_bodies_nested_beyond_any_real_document_are_refused_quickly(empty, body):
    empty.write("policies/deep.md", body_policy(body))
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "正文嵌套层级过深" in result.stderr


def test_ordinary_brackets_and_optional_end_tags_are_not_nesting(empty):
    body = "\n\n".join(["[注" + str(n) for n in range(80)]) + "\n\n" + "[甲] " * 80 + "\n\n" + "<p>段" * 80 + "\n\n" + "<br>" * 80
    empty.write("policies/flat.md", body_policy(body))
    assert "正文嵌套层级过深" not in empty.build().stderr


def test_a_link_with_whitespace_inside_is_reported_at_its_own_line(empty):
    empty.write("policies/ws.md", body_policy("段一\n\n段二\n\n[x](doc:no\tpe)\n\n![图](../files/no\tpe.png)"))
    report = empty.build().stderr
    assert "ws.md:17: 链接目标不存在" in report and "ws.md:19: 文件不存在" in report, report
