"""Rules across files and the configuration: strict site URLs, repeals declared in the
new document, cycles, no follow-on errors, unpublished files, the scaffold. Each class
goes through the real command line: non-zero exit with file:line and field, or a clean
success, never a traceback."""

from __future__ import annotations

import re
import xml.dom.minidom

import pytest
from conftest import REPO, policy, tree_digest

from gongkai.types import by_name


def set_config(project, key: str, value: str) -> None:
    """Replace the value of one `key:` line of site_config.yaml (the value as YAML)."""
    path = project.root / "site_config.yaml"
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(rf"^(\s*{key}:).*$", lambda m: f"{m.group(1)} {value}", text, count=1, flags=re.M)
    assert count == 1, key
    path.write_text(text, encoding="utf-8")


def assert_refused(result, where: str, field: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert any(line.strip().startswith(where) and f"字段 {field}：" in line for line in output.splitlines()), output


# -- site configuration ----------------------------------------------------------------

BAD_BASE_URLS = [
    '"https://www.liaocheng.gov.cn/xxgk\\nDisallow: /"',  # a line injected into robots.txt
    '"https://www.liaocheng.gov.cn/xxgk\\rX"',
    '"https://www.liaocheng.gov.cn/xx gk"',
    '"https://www.liaocheng.gov.cn/\\txxgk"',
    "https:///xxgk",  # no host: every page would load from elsewhere
    "https://www.liaocheng.gov.cn//evil.example/x",  # a //host path
    "//evil.example/xxgk",
    "www.liaocheng.gov.cn/xxgk",
    "javascript:alert(1)",
    "ftp://www.liaocheng.gov.cn/xxgk",
    "HTTPS://www.liaocheng.gov.cn",
    "https://user@evil.example/xxgk",
    "https://www.liaocheng.gov.cn/xxgk?x=1",
    "https://www.liaocheng.gov.cn/xxgk#top",
    "https://www.liaocheng.gov.cn/a/../b",
    "https://www.liaocheng.gov.cn/政务公开",
    "https://-bad-.gov.cn",
    "https://www.liaocheng.gov.cn:99999999/", "https://www.liaocheng.gov.cn:99999/xxgk", "https://a.cn:0/x",
    '"https://www.liaocheng.gov.cn/\\u2028x"',
    "true",
    "[https://a.gov.cn]",
]


@pytest.mark.parametrize("value", BAD_BASE_URLS)
def test_base_url_must_be_a_plain_absolute_address(empty, value):
    set_config(empty, "base_url", value)
    assert_refused(empty.build(), "site_config.yaml:5", "site.base_url")


@pytest.mark.parametrize("value", [
    "https://www.liaocheng.gov.cn", "https://www.liaocheng.gov.cn/", "http://127.0.0.1:8080/xxgk/",
    "https://xn--fiq228c.xn--fiqs8s/zwgk/2024_a.b-c~d",
])
def test_good_base_urls_build_and_machine_files_parse(empty, value):
    empty.write("policies/a.md", policy())
    set_config(empty, "base_url", value)
    result = empty.build()
    assert result.returncode == 0, result.stderr
    for name in ("feed.xml", "sitemap.xml"):
        xml.dom.minidom.parse(str(empty.output / name))
    robots = (empty.output / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in robots if line.startswith("Sitemap:")] == [f"Sitemap: {value.rstrip('/')}/sitemap.xml"]


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", '" javascript:alert(1)"', '"java\\tscript:alert(1)"',
    "data:text/html,x", "vbscript:msgbox", "/check_web/error", "//evil.example/x", "zfwzzc.www.gov.cn",
    '"https://zfwzzc.www.gov.cn/a b"', '"https://zfwzzc.www.gov.cn/\\nx"', "mailto:a@b.cn", "https://",
    "https://zfwzzc.www.gov.cn:70000/x",
])
def test_error_report_url_must_be_a_web_address(empty, value):
    set_config(empty, "error_report_url", value)
    assert_refused(empty.build(), "site_config.yaml:15", "site.error_report_url")


@pytest.mark.parametrize("key,value,field", [
    ("name", '"聊城市\\n政府"', "site.name"), ("owner", '"办公室\\r"', "site.owner"),
    ("email", "not-an-address", "site.contact.email"), ("email", '"a@b.cn\\"><script>"', "site.contact.email"),
    ("email", "a b@c.cn", "site.contact.email"), ("phone", '"0635\\n888"', "site.contact.phone"),
])
def test_configuration_text_is_one_clean_line(empty, key, value, field):
    set_config(empty, key, value)
    result = empty.build()
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output
    assert f"字段 {field}：" in output and "site_config.yaml:" in output


def test_a_bad_configuration_leaves_the_published_site_alone(empty):
    empty.write("policies/a.md", policy())
    assert empty.build().returncode == 0
    before = tree_digest(empty.output)
    set_config(empty, "base_url", "https:///xxgk")
    set_config(empty, "error_report_url", "javascript:alert(1)")
    result = empty.build()
    assert result.returncode == 1
    assert "site.base_url" in result.stderr and "site.error_report_url" in result.stderr
    assert tree_digest(empty.output) == before


# -- no follow-on noise ----------------------------------------------------------------

INTERPRETATION = """\
---
title: 解读
interprets: [{target}]
published: 2024-01-03
agency: 聊城市人民政府办公室
form: 文字
---

见[原文](doc:{target})。
"""

BROKEN_FRONT_MATTER = [
    "title: [未闭合\n",  # YAML syntax
    "title: 甲\n\tagency: 乙\n",  # a tab
    "- 不是映射\n",  # not a mapping
    "title: 甲\ntitle: 乙\n",  # a duplicate key, with a valid rest
    "normative: 也许\n",  # a field error
]


@pytest.mark.parametrize("front", BROKEN_FRONT_MATTER)
@pytest.mark.parametrize("explicit_id", [False, True])
def test_a_broken_file_causes_one_report_and_no_missing_id_noise(empty, front, explicit_id):
    name, target = ("b-file", "real-id") if explicit_id else ("real-id", "real-id")
    id_line = "id: real-id\n" if explicit_id else ""
    empty.write(f"policies/{name}.md", f"---\n{id_line}{front}---\n\n正文\n")
    empty.write("interpretations/jd.md", INTERPRETATION.format(target=target))
    empty.write("policies/c.md", policy(n=3, extra=f"status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: {target}"))
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line.strip() for line in result.stderr.splitlines() if line.startswith("  content/")]
    assert errors and all(line.startswith(f"content/policies/{name}.md") for line in errors), result.stderr
    assert "找不到" not in result.stderr


def test_the_cause_is_reported_before_what_follows_from_it(empty):
    empty.write("policies/zz-later.md", policy(n=1, extra="status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: nowhere"))
    empty.write("pages/zz.md", "---\ntitle: [坏\n---\n")
    report = [line.strip() for line in empty.build().stderr.splitlines() if line.startswith("  content/")]
    assert report[0].startswith("content/pages/zz.md:2:"), report


def test_suggestions_only_offer_ids_of_the_right_type(empty):
    empty.write("policies/lzbf-2024-3.md", policy(n=1))
    empty.write("interpretations/lzbf-2024-4.md", INTERPRETATION.format(target="lzbf-2024-3"))
    empty.write("interpretations/jd-b.md", INTERPRETATION.format(target="lzbf-2024-5"))
    result = empty.build()
    line = next(line for line in result.stderr.splitlines() if "jd-b.md:3" in line)
    assert "lzbf-2024-5" in line and "是否想写“lzbf-2024-3”" in line and "lzbf-2024-4”" not in line


def test_a_reference_to_a_broken_file_of_another_type_is_still_named(empty):
    empty.write("pages/guide.md", "---\ntitle: [坏\n---\n")
    empty.write("interpretations/jd.md", INTERPRETATION.format(target="guide"))
    result = empty.build()
    assert "不是政策文件" in result.stderr and "content/pages/guide.md" in result.stderr


# -- repeals, written in the new document -----------------------------------------------


def repeal_site(empty, old_extra: str = "", new_extra: str = "repeals: [old]"):
    empty.write("policies/old.md", policy("旧办法", n=1, d=2, extra=old_extra))
    empty.write("policies/new.md", policy("新办法", n=2, d=5, extra=new_extra))
    return empty.build()


def test_repeals_in_the_new_document_marks_the_old_one_both_ways(empty):
    result = repeal_site(empty)
    assert result.returncode == 0, result.stderr
    old, new = empty.html("/policies/old/"), empty.html("/policies/new/")
    assert "<strong>已废止</strong>" in old and "本文件已于2024年1月5日废止" in old
    assert 'href="../new/"' in old.split('class="status-banner"')[1].split("</div>")[0]
    assert "本文件替代" in new and 'href="../old/"' in new
    assert "<strong>已废止</strong>" not in new


@pytest.mark.parametrize("old_extra", [
    "", "status: 已废止\nstatus_date: 2024-01-05", "status: 已废止\nstatus_date: 2024-01-05\nsuperseded_by: new",
    "status: 有效",
])
def test_both_sides_may_say_it_when_they_agree(empty, old_extra):
    result = repeal_site(empty, old_extra)
    assert result.returncode == 0, result.stderr
    assert "<strong>已废止</strong>" in empty.html("/policies/old/")


def test_a_repeal_dated_after_the_build_date_is_announced(empty):
    empty.write("policies/old.md", policy("旧办法", n=1, d=2))
    empty.write("policies/new.md", policy("新办法", n=2, d=5, extra="repeals: [old]"))
    result = empty.cli("--build-date", "2024-01-03")
    assert result.returncode == 0, result.stderr
    assert "本文件将于2024年1月5日废止" in empty.html("/policies/old/")


@pytest.mark.parametrize("old_extra,new_extra,line,message", [
    ("status: 已废止\nstatus_date: 2024-01-05\nsuperseded_by: other", "repeals: [old]", 10, "与这里不一致"),
    ("status: 已修订\nstatus_date: 2024-01-05\namended_by: other", "repeals: [old]", 10, "矛盾"),
    ("status: 已失效\nstatus_date: 2024-01-05", "repeals: [old]", 10, "矛盾"),
    ("", "repeals: [new]", 10, "不能引用自己"),
    ("", "repeals: [nowhere]", 10, "找不到标识为“nowhere”"),
    ("", "repeals: [old, old]", 10, "重复"),
    ("", "repeals:\n  - old\n  - Bad_Id", 12, "不是有效的文件标识"),
    ("", "repeals: [jd]", 10, "不是政策文件"),
])
def test_repeals_that_disagree_or_point_nowhere_are_errors(empty, old_extra, new_extra, line, message):
    empty.write("policies/other.md", policy("另一文件", n=3, d=6))
    empty.write("interpretations/jd.md", INTERPRETATION.format(target="other"))
    result = repeal_site(empty, old_extra, new_extra)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert any(f"content/policies/new.md:{line}: 字段 repeals：" in ln and message in ln for ln in result.stderr.splitlines()), result.stderr


def test_one_document_is_repealed_by_one_document(empty):
    empty.write("policies/newer.md", policy("更新的办法", n=3, d=6, extra="repeals: [old]"))
    result = repeal_site(empty)
    assert result.returncode == 1
    assert "content/policies/newer.md:10: 字段 repeals：“old”已由 content/policies/new.md 废止" in result.stderr


def test_the_chinese_name_of_the_replacement_field_explains_both_directions(empty):
    empty.write("policies/old.md", policy("旧办法", n=1))
    empty.write("policies/new.md", policy("新办法", n=2, d=5, extra="替代文件: old"))
    result = empty.build()
    line = next(line for line in result.stderr.splitlines() if "new.md:10" in line)
    assert "repeals: [旧文件标识]" in line and "superseded_by: 新文件标识" in line and "可用字段" not in line


def test_superseded_by_on_a_document_in_force_points_to_repeals(empty):
    empty.write("policies/old.md", policy("旧办法", n=1))
    empty.write("policies/new.md", policy("新办法", n=2, d=5, extra="superseded_by: old"))
    line = next(line for line in empty.build().stderr.splitlines() if "new.md:10" in line)
    assert "repeals: [old]" in line


# -- cycles -------------------------------------------------------------------------------

CYCLES = {
    "superseded": {"a": "status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: b",
                   "b": "status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: a"},
    "amended": {"a": "status: 已修订\nstatus_date: 2024-02-01\namended_by: b",
                "b": "status: 已修订\nstatus_date: 2024-02-01\namended_by: a"},
    "amended-three": {"a": "status: 已修订\nstatus_date: 2024-02-01\namended_by: [b]",
                      "b": "status: 已修订\nstatus_date: 2024-02-01\namended_by: [c]",
                      "c": "status: 已修订\nstatus_date: 2024-02-01\namended_by: [x, a]", "x": ""},
    "mixed": {"a": "status: 已修订\nstatus_date: 2024-02-01\namended_by: b",
              "b": "status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: a"},
    "repeals": {"a": "repeals: [b]", "b": "repeals: [a]"},
}


@pytest.mark.parametrize("name", sorted(CYCLES))
def test_cycles_are_reported_once(empty, name):
    files = CYCLES[name]
    for n, (doc, extra) in enumerate(sorted(files.items()), start=1):
        empty.write(f"policies/{doc}.md", policy(doc, n=n, extra=extra))
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    loops = [line for line in result.stderr.splitlines() if "形成循环" in line]
    assert len(loops) == 1, result.stderr
    assert "a → " in loops[0] and loops[0].rstrip().count("→") >= 2


def test_a_chain_without_a_loop_is_fine(empty):
    chain = {"a": "status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: b", "b": "repeals: [c]", "c": "",
             "d": "status: 已修订\nstatus_date: 2024-02-01\namended_by: [a, b]"}
    for n, (doc, extra) in enumerate(sorted(chain.items()), start=1):
        empty.write(f"policies/{doc}.md", policy(doc, n=n, extra=extra))
    result = empty.build()
    assert result.returncode == 0, result.stderr


# -- files nobody publishes ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["policies/a.md.txt", "policies/b.markdown", "interpretations/c.MD", "pages/d.md.docx",
                                  "policies/e.Md", "policies/sub/f.mdown"])
def test_a_document_with_the_wrong_extension_is_an_error(empty, name):
    empty.write(name, policy())
    result = empty.cli("check")
    assert result.returncode == 1
    stem = name.rsplit("/", 1)[1].split(".")[0]
    assert f"content/{name}: 内容文件的扩展名应为小写的 .md" in result.stderr and f"{stem}.md" in result.stderr


def test_files_no_page_links_to_are_named_but_do_not_stop_the_build(empty):
    empty.write("policies/a.md", policy(extra="attachments: [{title: 附件, file: files/used.pdf}]"))
    for rel in ("files/used.pdf", "files/draft.docx", "policies/notes.txt", "readme.html", "data/old.csv"):
        empty.write(rel, "x\n")
    for command in (("check",), ()):
        result = empty.cli("--build-date", "2026-11-25", *command)
        assert result.returncode == 0, result.stderr
        warned = {line.split(":")[0].strip() for line in result.stderr.splitlines() if "此文件没有发布" in line}
        assert warned == {"content/files/draft.docx", "content/policies/notes.txt", "content/readme.html",
                          "content/data/old.csv"}, result.stderr
        assert "不能发布 .html" in result.stderr
    assert (empty.output / "files/used.pdf").is_file() and not (empty.output / "files/draft.docx").exists()


def test_hidden_files_are_nobody_s_content(empty):
    empty.write("policies/a.md", policy())
    empty.write("policies/.DS_Store", "x")
    empty.write(".hidden/x.md", "x")
    result = empty.cli("check")
    assert result.returncode == 0 and "提醒" not in result.stderr


def test_a_file_name_that_is_not_utf8_is_reported_not_crashed_on(empty):
    empty.write("policies/a.md", policy())
    (empty.root / "content/policies").joinpath(b"bad-\xff.md".decode("utf-8", "surrogateescape")).write_bytes(b"x")
    result = empty.cli("check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "文件名含有无法识别的字符" in result.stderr


# -- the scaffold ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind,specs,folder", [
    ("policy", by_name("policy").specs, "policies"), ("interpretation", by_name("interpretation").specs, "interpretations"),
    ("page", by_name("page").specs, "pages"),
])
def test_new_writes_every_field_with_its_chinese_name(empty, kind, specs, folder):
    result = empty.cli("new", kind, "x-2026-1")
    assert result.returncode == 0, result.stderr
    text = (empty.root / f"content/{folder}/x-2026-1.md").read_text(encoding="utf-8")
    for spec in specs:
        line = next((ln for ln in text.splitlines() if re.match(rf"^(# )?{spec.name}:", ln)), None)
        assert line is not None and spec.label in line, (spec.name, text)
        assert line.startswith("# ") != spec.required, line
    # Unfilled, it is refused for the required fields only; filled in, it builds.
    report = empty.cli("check").stderr
    missing = {m for m in re.findall(r"字段 (\w+)：缺少必填字段", report)}
    assert missing == {s.name for s in specs if s.required and s.default in ("", "[]")}, report


def test_a_filled_in_scaffold_builds(empty):
    assert empty.cli("new", "policy", "lzbf-2026-1").returncode == 0
    path = empty.root / "content/policies/lzbf-2026-1.md"
    values = {"title": "测试", "index_number": "11371500004314023F/2026-00001", "agency": "聊城市人民政府办公室",
              "topic": "综合政务", "kind": "通知", "written": "2026-11-20", "published": "2026-11-20"}
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text = re.sub(rf"^{key}:[^#\n]*", f"{key}: {value} ", text, flags=re.M)
    text = text.replace("# doc_number:     ", "doc_number: 聊政办发〔2026〕1号 ")
    path.write_text(text, encoding="utf-8")
    result = empty.build()
    assert result.returncode == 0, result.stderr
    assert "聊政办发〔2026〕1号" in empty.html("/policies/lzbf-2026-1/")


def test_the_guide_s_example_slug_is_free_in_the_example():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for slug in re.findall(r"build\.py new policy ([a-z0-9-]+)", readme):
        assert not (REPO / "content/policies" / f"{slug}.md").exists(), slug


def test_a_dangling_symlink_in_content_is_named(empty):
    empty.write("policies/a.md", policy())
    (empty.root / "content/policies/gone.md").symlink_to(empty.root / "content/policies/nothing.md")
    result = empty.cli("check")
    assert result.returncode == 1 and "content/policies/gone.md: 符号链接指向的文件不存在" in result.stderr


@pytest.mark.parametrize("layout,expression", [
    ("listing.html", "{{ 1/0 }}"), ("policy.html", "{{ policy.nothing() }}"), ("base.html", '{{ title.encode("no-such-codec") }}'),
])
def test_an_error_inside_a_layout_names_the_layout_and_line(empty, layout, expression):
    empty.write("policies/a.md", policy())
    path = empty.root / "layouts" / layout
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, expression + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"layouts/{layout}:3: 版式模板错误" in result.stderr, result.stderr


def test_a_missing_partial_is_named(example):
    (example.root / "layouts/partials/data_table.html").unlink()
    result = example.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "找不到版式文件 layouts/partials/data_table.html" in result.stderr


@pytest.mark.parametrize("value", ["[1, 2]", "聊城", "", "true"])
def test_a_section_of_the_configuration_that_is_not_a_mapping_is_one_error(empty, value):
    path = empty.root / "site_config.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^site:.*?(?=^\S)", f"site: {value}\n", text, count=1, flags=re.S | re.M), encoding="utf-8")
    result = empty.build()
    errors = [line for line in result.stderr.splitlines() if line.startswith("  site_config.yaml")]
    assert result.returncode == 1 and len(errors) == 1 and "字段 site：" in errors[0], result.stderr


def test_a_misnamed_data_table_is_one_error(empty):
    empty.write("data/tasks.yml", "title: 表\ncolumns:\n  - {key: a, label: 甲}\nrows:\n  - {a: 1}\n")
    empty.write("pages/p.md", "---\ntitle: 页\n---\n\n[[table:tasks]]\n")
    errors = [line for line in empty.build().stderr.splitlines() if line.startswith("  content/")]
    assert len(errors) == 1 and "content/data/tasks.yml" in errors[0] and ".yaml" in errors[0], errors


@pytest.mark.parametrize("kind,slug,message", [
    ("policy", "about", "已被 content/pages/about.md 使用"), ("interpretation", "lzbf-2019-5", "已被 content/policies/lzbf-2019-5.md"),
    ("page", "policies", "网站自身使用的网址"), ("policy", "normative", "网站自身使用的网址"), ("interpretation", "page", "网站自身使用的网址"),
    ("policy", "a" * 65, "标识过长（65 个字符），最多 64 个"), ("policy", "Bad_Slug", "不能作文件名"),
    ("policy", "by-id-line", "已被 content/policies/other.md 使用"),
])
def test_new_refuses_an_id_the_build_would_refuse(example, kind, slug, message):
    example.write("policies/other.md", policy(n=99, extra="id: by-id-line"))
    before = tree_digest(example.root / "content")
    result = example.cli("new", kind, slug)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert tree_digest(example.root / "content") == before


def test_data_table_column_mistakes_are_reported_at_the_column(empty):
    empty.write("data/td.yaml", "title: 表\ncolumns:\n  - {key: a, label: A}\n  - {key: b, label: B, group: true}\n"
                                "  - {key: a, label: C}\nrows:\n  - {a: 1, b: 2}\n")
    report = empty.build().stderr
    assert "content/data/td.yaml:4: 字段 columns：分组列“b”" in report and "content/data/td.yaml:5: 字段 columns：列的 key“a”重复" in report


def test_any_missing_layout_is_named_without_a_traceback(example):
    """Every layout the example uses, removed one at a time (an editor's slip, or a
    layout moved away during a preview): the build names it, and nothing crashes."""
    from datetime import date

    from gongkai.build import build_site

    layouts = example.root / "layouts"
    used = [p for p in layouts.rglob("*") if p.is_file() and "assets" not in p.parts
            and p.name != "ledger_report.html"]  # the ledger command's, not the build's
    for path in sorted(used):
        held = path.read_bytes()
        path.unlink()
        try:
            problems = build_site(example.root, date(2026, 6, 30)).problems
        finally:
            path.write_bytes(held)
        name = path.relative_to(example.root).as_posix()
        assert problems and f"找不到版式文件 {name}" in problems.report(), name
