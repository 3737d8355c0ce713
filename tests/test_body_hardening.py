"""Bodies that used to produce broken pages: colliding ids, aligned table columns, URL
schemes in capitals; and the pager, which must stay small however long a listing is.

Every page is checked from the outside, on the built HTML: ids unique, every #link
landing, footnotes and their back links pointing at each other."""

from __future__ import annotations

import posixpath
import random
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from bs4 import BeautifulSoup
from conftest import Project, policy, tree_digest

BODY_LINE = 13  # the first body line of a file written by body_policy


def body_policy(body: str, n: int = 2, title: str | None = None) -> str:
    title = title or f"测试文件{n}"
    return policy(title, n=n).replace(f"正文{title}。", body)


def soup_of(project, url: str) -> BeautifulSoup:
    return BeautifulSoup(project.html(url), "html.parser")


def body_of(project, url: str):
    return soup_of(project, url).select_one(".document-body")


def page_defects(html: str) -> list[str]:
    """What breaks a page's in-page navigation: duplicate or invalid ids, #links to
    nowhere, footnote references and back links that do not point at each other."""
    soup = BeautifulSoup(html, "html.parser")
    elements = soup.find_all(id=True)
    by_id = {el["id"]: el for el in elements}
    defects = [f"id {value!r} appears {n} times" for value, n in Counter(el["id"] for el in elements).items() if n > 1]
    defects += [f"invalid id {el['id']!r}" for el in elements if not re.fullmatch(r"[^\t\n\f\r ]+", el["id"])]
    for anchor in soup.find_all("a", href=True):
        if anchor["href"].startswith("#") and unquote(anchor["href"][1:]) not in by_id | {"": None, "top": None}:
            defects.append(f"link to nowhere: {anchor}")
    for ref in soup.select("a.footnote-ref"):
        note, sup = by_id.get(unquote(ref["href"][1:])), ref.parent
        if note is None or note.name != "li" or note.find_parent("div", class_="footnote") is None:
            defects.append(f"footnote reference not pointing at a footnote: {sup}")
        elif sup.name != "sup" or not any(b["href"] == f"#{sup.get('id')}" for b in note.select("a.footnote-backref")):
            defects.append(f"footnote {note.get('id')} has no back link to {sup}")
    for back in soup.select("a.footnote-backref"):
        sup, note = by_id.get(unquote(back["href"][1:])), back.find_parent("li")
        ref = sup.find("a", class_="footnote-ref") if sup is not None else None
        if ref is None or ref["href"] != f"#{note.get('id')}":
            defects.append(f"back link {back['href']} does not return to a reference of {note.get('id')}")
    return defects


def html_pages(output: Path) -> dict[str, str]:
    return {p.relative_to(output).as_posix(): p.read_text(encoding="utf-8") for p in sorted(output.rglob("*.html"))}


def assert_reported(report: str, rel: str, expected: list[tuple[int, str]]) -> None:
    lines = report.splitlines()
    for line, text in expected:
        assert any(f"{rel}:{line}: " in ln and text in ln for ln in lines), (line, text, report)
    assert "Traceback" not in report


# -- ids ------------------------------------------------------------------------------------


def test_example_pages_have_unique_ids_and_the_layouts_ids_are_reserved(example):
    """Every id of the example's pages outside the bodies (the layouts' ids) is refused
    when an editor writes it, and a heading named like one moves aside, with the
    editor's #link to it following."""
    assert example.build().returncode == 0
    pages = html_pages(example.output)
    assert not {path: d for path, html in pages.items() if (d := page_defects(html))}
    layout, tables = set(), set()
    for html in pages.values():
        soup = BeautifulSoup(html, "html.parser")
        for body in soup.select(".document-body"):
            tables |= {el["id"] for el in body.select("caption[id]")}  # data tables: our own HTML
            body.decompose()
        layout |= {el["id"] for el in soup.find_all(id=True)}
    assert {"main", "reading-panel", "metadata-title", "latest-policies"} <= layout
    assert tables == {"table-lc-2019-key-tasks"}
    layout = sorted(layout)
    written_ids = [*layout, *tables]
    written = [f'<span id="{value}">甲</span>' if i % 2 else f"段落\n{{: #{value} }}" for i, value in enumerate(written_ids)]
    example.write("policies/ids.md", body_policy("\n\n".join(written), n=90))
    result = example.build()
    assert result.returncode == 1
    lines = [BODY_LINE + sum(text.count("\n") + 2 for text in written[:i]) + (0 if i % 2 else 1) for i in range(len(written))]
    assert_reported(result.stderr, "content/policies/ids.md",
                    [(line, f"id“{value}”已被页面自身使用") for line, value in zip(lines, written_ids, strict=True)])
    example.write("policies/ids.md", body_policy(
        "\n\n".join(f"## {value}\n\n[到{value}](#{value})" for value in layout), n=90))
    assert example.build().returncode == 0, example.build().stderr
    page = example.html("/policies/ids/")
    assert not page_defects(page)
    body = BeautifulSoup(page, "html.parser").select_one(".document-body")
    headings = body.find_all("h2")
    assert [h.get_text() for h in headings] == layout
    assert not {h["id"] for h in headings} & set(layout)
    assert [a["href"] for a in body.find_all("a")] == [f"#{h['id']}" for h in headings]


def test_ids_a_layout_adds_are_reserved_without_a_list(empty):
    (empty.root / "layouts/page.html").write_text(
        (empty.root / "layouts/page.html").read_text(encoding="utf-8").replace(
            "<h1>{{ page.title }}</h1>", '<h1 id="page-title">{{ page.title }}</h1><p id=\'note-{{ page.id }}\' hidden></p>'),
        encoding="utf-8")
    empty.write("policies/a.md", body_policy('<p id="page-title">甲</p>\n\n<p id="note-x">乙</p>\n\n## Page Title\n\n## note-a'))
    result = empty.build()
    assert_reported(result.stderr, "content/policies/a.md",
                    [(13, "id“page-title”已被页面自身使用"), (15, "id“note-x”已被页面自身使用（note-… 这样的 id 留给网站的版式）")])
    empty.write("policies/a.md", body_policy("## Page Title\n\n## note-a"))
    assert empty.build().returncode == 0
    # note-… is reserved for what an editor writes; a heading "note-a" keeps its id.
    assert [h["id"] for h in body_of(empty, "/policies/a/").find_all("h2")] == ["page-title-1", "note-a"]


def test_generated_ids_move_aside_to_a_free_suffix(empty):
    empty.write("policies/a.md", body_policy(
        "## Main\n\n## main-1\n\n## 总则\n\n## 总则\n\n## 总则 2\n\n## ！！\n\n## ……\n\n## fnref:1\n\n## Note\n\n## note\n\n"
        "依据[^1]，又依据[^1]，见[^a b]。[回到总则](#总则)，[到正文](#main)。\n\n[^1]: 条例。\n[^a b]: 标签有空格。"))
    assert empty.build().returncode == 0
    page = empty.html("/policies/a/")
    assert not page_defects(page)
    body = BeautifulSoup(page, "html.parser").select_one(".document-body")
    assert [h["id"] for h in body.find_all("h2")] == [
        "main-2", "main-1", "总则", "总则-3", "总则-2", "标题", "标题-2", "fnref1", "note", "note-2"]
    links = [a["href"] for a in body.select("p > a:not(.footnote-backref)")]
    assert links == ["#总则", "#main-2"], "an editor's link to a heading follows it when its id had to move"
    assert [li["id"] for li in body.select(".footnote li")] == ["fn:1", "fn:a-b"]


# Pieces of hostile bodies, mixed at random: (body text, footnote definitions it needs).
HEADINGS = ["Main", "main", "MAIN", "main-1", "main-2", "fnref:1", "fnref1", "fn:1", "fn-1", "总则", "总则",
            "总则 2", "总则-2", "！！", "……", "reading-panel", "Reading Panel", "metadata-title", "table-tasks",
            "Table Tasks", "标题", "标题-2", "latest-policies", "browse", "attachments-title", "a_1", "footnote", "Fn 1"]
PIECES = [
    ("依据[^1]。", "[^1]: 注一。"), ("再引[^1]。", "[^1]: 注一。"), ("见[^a b]。", "[^a b]: 带空格的标签。"),
    ("见[^main]。", "[^main]: 名为 main 的脚注。"), ("见[^a-b]。", "[^a-b]: 与 a b 只差连字符。"),
    ("见[^50%]。", "[^50%]: 标签中有百分号。"), ("见[^x#y]。", "[^x#y]: 标签中有井号。"), ("见[^总则]。", "[^总则]: 中文标签。"),
    ("另见[^2]{#my-ref}。", "[^2]: 注二。"), ('<span id="fn:1">抢先</span>', ""), ('<span id="fnref:1">抢先</span>', ""),
    ('<span id="总则">抢先</span>', ""), ('<span id="main-1">抢先</span>', ""), ('<span id="fn:main">抢先</span>', ""),
    ("[[table:tasks]]", ""), ("## 自带 id {#own-id}", ""), ('<h2 id="fnref2:1">原始标题</h2>', ""),
    ('<p id="Fn:1">大小写不同的 id 是不同的 id</p>', ""), ('<p id="tasks-2">表旁</p>', ""),
]
TASKS = "title: 任务表\ncolumns:\n  - {key: a, label: 工作}\n  - {key: b, label: 要求}\nrows:\n  - {a: 甲, b: 乙}\n"


def hostile_body(rng: random.Random) -> str:
    parts = [f"## {h}" for h in rng.choices(HEADINGS, k=rng.randint(1, 8))]
    pieces = rng.sample(PIECES, rng.randint(0, 6))
    parts += [text for text, _ in pieces]
    rng.shuffle(parts)
    definitions = sorted({definition for _, definition in pieces if definition})
    return "\n\n".join(parts + definitions)


def test_hostile_id_combinations_give_valid_pages(empty):
    rng = random.Random(20261201)
    empty.write("data/tasks.yaml", TASKS)
    for n in range(1, 61):
        empty.write(f"policies/case-{n}.md", body_policy(hostile_body(rng), n=n))
    result = empty.build()
    assert result.returncode == 0, result.stderr
    defects = {f"case-{n}": d for n in range(1, 61) if (d := page_defects(empty.html(f"/policies/case-{n}/")))}
    assert not defects
    first = tree_digest(empty.output)
    assert empty.build().returncode == 0
    assert tree_digest(empty.output) == first, "ids are the same on every build"


# (what the editor writes, its line below the first body line + 2, the message)
TAKEN_IDS = [
    ('<p id="main">甲</p>', 0, "id“main”已被页面自身使用"),
    ("<p id='reading-panel'>甲</p>", 0, "id“reading-panel”已被页面自身使用"),
    ("<p ID=browse>甲</p>", 0, "id“browse”已被页面自身使用"),
    ("## 标题 {#metadata-title}", 0, "id“metadata-title”已被页面自身使用"),
    ("段落\n{: #latest-policies }", 1, "id“latest-policies”已被页面自身使用"),
    ('段落\n{: id="interpretations-title" }', 1, "id“interpretations-title”已被页面自身使用"),
    ('<p id="table-x">甲</p>', 0, "id“table-x”已被页面自身使用（table-… 这样的 id 留给网站的版式）"),
    ('<p id="a b">甲</p>', 0, "id“a b”含有空格，网页中无效：请改为 id=\"a-b\""),
    ('<p id="">甲</p>', 0, "id 不能为空"),
    ('<p id=" ">甲</p>', 0, "id 不能为空"),
    ('<span id="x">甲</span><span id="x">乙</span>', 0, "id“x”在本页已经用过"),
    ('## 标题 {#x}\n\n<p id="x">乙</p>', 2, "id“x”在本页已经用过"),
    ('<p id="x">甲</p>\n\n段落\n{: #x }', 3, "id“x”在本页已经用过"),
]


def test_an_id_the_editor_writes_must_be_free(empty):
    for n, (written, _, _) in enumerate(TAKEN_IDS, start=1):
        empty.write(f"policies/case-{n}.md", body_policy(f"第一段\n\n{written}\n\n最后一段", n=n))
    result = empty.build()
    assert result.returncode == 1
    for n, (_, line, message) in enumerate(TAKEN_IDS, start=1):
        assert_reported(result.stderr, f"content/policies/case-{n}.md", [(BODY_LINE + 2 + line, message)])


def test_free_ids_the_editor_writes_are_kept(empty):
    empty.write("policies/a.md", body_policy(
        '<p id="Note">甲</p>\n\n<p id="note">乙</p>\n\n## 第一章 {#chapter-1}\n\n<span id="fn:1">甲</span>依据[^1]。\n\n'
        "[到第一章](#chapter-1) [到甲](#Note)\n\n[^1]: 注。"))
    assert empty.build().returncode == 0
    page = empty.html("/policies/a/")
    assert not page_defects(page)
    body = BeautifulSoup(page, "html.parser").select_one(".document-body")
    assert [el["id"] for el in body.find_all(id=True)][:4] == ["Note", "note", "chapter-1", "fn:1"]


def test_in_page_links_must_land(empty):
    empty.write("policies/a.md", body_policy(
        "## 第一章 总则\n\n[见第一章](#第一章-总则)，[回到顶部](#top)，[本页](#)。\n\n[见第二章](#第二章)\n\n"
        "依据[^1]。\n\n[^1]: 注。\n[^unused]: 没有引用的脚注。"))
    result = empty.build()
    assert result.returncode == 1
    assert_reported(result.stderr, "content/policies/a.md", [
        (17, "页内链接“#第二章”找不到目标"), (22, "脚注 [^unused] 在正文中没有被引用")])
    empty.write("policies/a.md", body_policy("## 第一章 总则\n\n[见第一章](#第一章-总则)\n\n依据[^1]。\n\n[^1]: 注。\n[^unused]: 没有引用。"))
    result = empty.build()
    assert result.returncode == 0 and "a.md:20: 脚注 [^unused]" in result.stderr, "a warning: the page is still built"
    assert not page_defects(empty.html("/policies/a/"))


def test_a_table_of_contents_marker_is_refused(empty):
    empty.write("policies/a.md", body_policy("## 第一章\n\n[TOC]\n\n正文"))
    assert_reported(empty.build().stderr, "content/policies/a.md", [(15, "不支持自动目录标记 [TOC]")])


# -- table alignment -------------------------------------------------------------------------

ALIGNED = "| 左 | 中 | 右 | 默认 |\n|:---|:---:|---:|---|\n| 1 | 2 | 3 | 4 |\n| 5 | 6 | 7 | 8 |"


ALIGNED_PLACES = [
    ALIGNED,
    "> " + ALIGNED.replace("\n", "\n> "),
    "- 列表中的表格：\n\n    " + ALIGNED.replace("\n", "\n    "),
    ALIGNED + "\n\n依据[^1]。\n\n[^1]: 脚注中的表格：\n\n    " + ALIGNED.replace("\n", "\n    "),
]


def test_column_alignment_becomes_classes(empty):
    for n, body in enumerate(ALIGNED_PLACES, start=1):
        empty.write(f"policies/case-{n}.md", body_policy(body, n=n))
    result = empty.build()
    assert result.returncode == 0, result.stderr
    for n in range(1, len(ALIGNED_PLACES) + 1):
        page = empty.html(f"/policies/case-{n}/")
        assert " style=" not in page and " align=" not in page
        tables = BeautifulSoup(page, "html.parser").select(".document-body table")
        assert tables, n
        for table in tables:
            for row in table.find_all("tr"):
                assert [cell.get("class") for cell in row.find_all(["th", "td"])] == [
                    ["align-left"], ["align-center"], ["align-right"], None], n


def test_alignment_classes_are_styled_and_raw_styles_stay_errors(empty):
    css = (empty.root / "layouts/assets/site.css").read_text(encoding="utf-8")
    for name, value in [("left", "start"), ("center", "center"), ("right", "end")]:
        assert re.search(rf"td\.align-{name}[^{{]*\{{\s*text-align:\s*{value}", css), name
    empty.write("policies/a.md", body_policy(
        '<table><tr><th style="text-align: right;">甲</th></tr></table>\n\n| 甲 |\n|---:|\n| 乙 {: style="color: red" } |'))
    result = empty.build()
    assert result.returncode == 1
    assert_reported(result.stderr, "content/policies/a.md", [(13, "不允许使用 style 属性")])


# -- URL schemes -------------------------------------------------------------------------------

LINKS_TO_TARGET = [
    "[a](DOC:target)", "[b](Doc:target#第一条)", "[c](dOc:target)", '<a href="DOC:target">d</a>',
    '<a href=" doc:target ">e</a>', '<a href="&#9;Doc:target">f</a>', '<a href="do&#10;c:target">g</a>',
    '<a href="&#1;doc:target&#31;">h</a>', "[i](<DOC:target>)",
]


def test_doc_links_in_any_case_resolve(empty):
    empty.write("policies/target.md", policy("目标文件", n=1))
    empty.write("policies/linker.md", body_policy("\n\n".join(
        [*LINKS_TO_TARGET, "[m](MAILTO:zwgk@example.gov.cn) [t](TEL:0635-8888888) [w](HTTPS://www.gov.cn/)"])))
    result = empty.build()
    assert result.returncode == 0, result.stderr
    hrefs = [a["href"] for a in body_of(empty, "/policies/linker/").find_all("a")]
    assert hrefs == ["../target/", "../target/#第一条", *["../target/"] * (len(LINKS_TO_TARGET) - 2),
                     "MAILTO:zwgk@example.gov.cn", "TEL:0635-8888888", "HTTPS://www.gov.cn/"]


# (what the editor writes, the message), each at body line 3
BAD_URLS = [
    ("[x](JavaScript:alert(1))", "不允许使用 javascript: 链接"),
    ('<a href=" JAVASCRIPT:alert(1)">x</a>', "不允许使用 javascript: 链接"),
    ('<a href="&#1;java&#9;script:alert(1)">x</a>', "不允许使用 javascript: 链接"),
    ('<a href="VBScript:x">x</a>', "不允许使用 vbscript: 链接"),
    ("[x](DATA:text/html,x)", "不允许使用 data: 链接"),
    ("[x](DOC:TARGET)", "找不到标识为“TARGET”的文件；标识只用小写字母，是否想写 doc:target？"),
    ("[x](doc:)", "链接“doc:”后缺少标识"),
    ("[x](DOC:nothing)", "找不到标识为“nothing”的文件"),
    ("[x](//evil.example/)", "缺少协议：外部网站请写完整地址"),
    ('<a href=" /\\evil.example/">x</a>', "缺少协议：外部网站请写完整地址"),
    ("![图](HTTP://cdn.example.com/a.png)", "来自其他网站"),
    ('<img src=" https://cdn.example.com/a.png" alt="图">', "来自其他网站"),
    ('<img src="&#9;//cdn.example.com/a.png" alt="图">', "来自其他网站"),
    ('<img src="/\\cdn.example.com/a.png" alt="图">', "来自其他网站"),
    ("![图](DOC:target)", "不是 content/ 目录中的文件"),
    ('<a href="\u3000doc:target">x</a>', "首尾有空白字符（如全角空格），请删去"),
    ('<a href="doc:target\u3000">x</a>', "首尾有空白字符"),
    ('<img src="\u00a0../files/a.png" alt="图">', "首尾有空白字符"),
    ("[x](doc：target)", "中的冒号是全角“：”，请改为半角“:”"),
    ("[x](https：//www.gov.cn/)", "中的冒号是全角“：”"),
    ("[x](ｈｔｔｐｓ://www.gov.cn/)", "无法识别：外部网站请写完整地址"),
]


def test_schemes_are_read_case_insensitively_and_as_browsers_trim_them(empty):
    empty.write("policies/target.md", policy("目标文件", n=1))
    for n, (written, _) in enumerate(BAD_URLS, start=2):
        empty.write(f"policies/case-{n}.md", body_policy(f"第一段\n\n{written}", n=n))
    result = empty.build()
    assert result.returncode == 1
    for n, (_, message) in enumerate(BAD_URLS, start=2):
        assert_reported(result.stderr, f"content/policies/case-{n}.md", [(15, message)])


# -- the pager ---------------------------------------------------------------------------------


def many_policies(project, count: int, page_size: int = 1) -> None:
    config = project.root / "site_config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "page_size: 10" in text
    config.write_text(text.replace("page_size: 10", f"page_size: {page_size}"), encoding="utf-8")
    for n in range(1, count + 1):
        project.write(f"policies/p{n}.md", policy(f"文件{n}", n=n, d=1 + n % 9))


def pager_items(project, url: str) -> list[str]:
    """The pager as a reader meets it: numbers, "…" and the previous/next links."""
    nav = soup_of(project, url).select_one("nav.pager")
    items = []
    for li in nav.find_all("li"):
        link = li.find("a")
        if link is None:
            assert li.get("aria-hidden") == "true" and li.get_text() == "…", li
            items.append("…")
        else:
            items.append(link.get("rel", [""])[0] or re.sub(r"第 (\d+) 页", r"\1", link.get_text()))
    return items


def test_pager_links_a_window_of_pages(empty):
    many_policies(empty, 30)
    assert empty.build().returncode == 0
    assert pager_items(empty, "/policies/") == ["1", "2", "3", "…", "30", "next"]
    assert pager_items(empty, "/policies/page/15/") == ["prev", "1", "…", "13", "14", "15", "16", "17", "…", "30", "next"]
    assert pager_items(empty, "/policies/page/30/") == ["prev", "1", "…", "28", "29", "30"]
    assert pager_items(empty, "/policies/page/4/") == ["prev", *map(str, range(1, 7)), "…", "30", "next"]
    for number in range(1, 31):
        here = "/policies/" if number == 1 else f"/policies/page/{number}/"
        nav = soup_of(empty, here).select_one("nav.pager")
        assert nav["aria-label"] == "分页"
        assert nav.select_one(".pager-status").get_text() == f"共 30 件，第 {number} / 30 页"
        current = nav.select('a[aria-current="page"]')
        assert [a.get_text() for a in current] == [f"第 {number} 页"]
        links = nav.find_all("a")
        assert len(links) <= 10  # 上一页, at most 8 numbers (1, 2 … 7 on page 5; then 30), 下一页
        for link in links:
            target = posixpath.normpath(posixpath.join(here, link["href"]))
            assert (empty.output / target.strip("/") / "index.html").is_file(), (here, link["href"])
        numbers = [int(m.group(1)) for a in links if (m := re.fullmatch(r"第 (\d+) 页", a.get_text()))]
        assert numbers == sorted(set(numbers)) and {1, 30, number} <= set(numbers)


def test_listing_pages_stay_small_as_the_listing_grows(tmp_path):
    sizes = {}
    for count in (20, 200):
        project = Project(tmp_path / str(count), with_example=False)
        many_policies(project, count)
        assert project.build().returncode == 0
        sizes[count] = [len(project.html(url).encode("utf-8")) for url in ("/policies/", "/policies/page/10/")]
    # 180 more pages would add about 9 kB of links to each page if every page were linked.
    assert all(abs(big - small) < 200 for small, big in zip(sizes[20], sizes[200], strict=True)), sizes
