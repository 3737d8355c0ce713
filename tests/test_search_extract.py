"""search/extract.py reads a page's data-index text with one regular expression over its
tags. These tests hold it to what html.parser (the standard library's tokenizer, the
oracle below) makes of the same page, over generated markup of every shape our layouts,
BeautifulSoup and Jinja write, and over every page the example site builds."""

from __future__ import annotations

import random
from html import escape
from html.parser import HTMLParser

import pytest

from gongkai.search import extract


class _Oracle(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if self.depth:
            self.depth += tag not in extract._VOID
            self.skip += tag in extract._SKIPPED
        elif any(name == "data-index" for name, _ in attrs) and tag not in extract._VOID:
            self.depth = 1
        if self.depth and tag in extract._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if not self.depth or tag in extract._VOID:
            return
        self.skip -= tag in extract._SKIPPED and self.skip > 0
        self.depth -= 1
        if tag in extract._BLOCKS or not self.depth:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def oracle(html: bytes) -> str:
    parser = _Oracle()
    parser.feed(html.decode("utf-8"))
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


_TAGS = ["div", "p", "span", "a", "em", "table", "tr", "td", "th", "li", "ul", "h2", "section", "pre", "sup",
         "template", "script", "style", "br", "img", "hr", "wbr", "input", "Div", "P"]
_WORDS = ["政务公开", "聊政办发〔2019〕5号", "GB/T 37668—2019", "a < b", "x > y", "&", "“引号”", "  ", "\n", "\t",
          "第一条", "tom & jerry", "5G基站", "𠮷祥", "data-index", "</", "<!", "——", "。"]
_ENTITIES = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x4E2D;", "&#20013;", "&nbsp;", "&copy;", "&ensp;"]
_MARKS = ["data-index", "DATA-INDEX", 'data-index=""', 'data-index="1"', "data-index='yes'"]
_DECOYS = ['title="data-index"', "data-indexed", 'data-x="a > b"', "title='1 /> 2'", 'class="document-body"',
           'href="?a=1&amp;b=2"', 'alt="<图>"']


def _text(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.2:
        return rng.choice(_ENTITIES)
    word = rng.choice(_WORDS)
    return escape(word, quote=False) if rng.random() < 0.8 else word.replace("<", "")


def _attrs(rng: random.Random, marked: bool) -> str:
    attrs = rng.sample(_DECOYS, rng.randint(0, 2))
    if marked:
        attrs.insert(rng.randint(0, len(attrs)), rng.choice(_MARKS))
    return "".join(" " + a for a in attrs)


def _element(rng: random.Random, depth: int, marks: list[int]) -> str:
    tag = rng.choice(_TAGS)
    marked = bool(marks) and rng.random() < 0.3
    if marked:
        marks.pop()
    head = f"<{tag}{_attrs(rng, marked)}"
    if tag.lower() in extract._VOID:
        return head + (" />" if rng.random() < 0.5 else ">")
    if tag in ("script", "style"):
        return f"{head}>var s = '<div data-index>不算</div>' && 1 < 2;</{tag}>"
    if rng.random() < 0.05:
        return head + "/>"
    inner = "".join(_element(rng, depth + 1, marks) if depth < 5 and rng.random() < 0.45 else _text(rng)
                    for _ in range(rng.randint(0, 5)))
    return f"{head}>{inner}</{tag}>"


def _page(rng: random.Random) -> bytes:
    marks = [1] * rng.randint(0, 3)
    parts = ["<!DOCTYPE html>", "<html lang=\"zh-CN\">", "<!-- <div data-index>注释</div> -->"]
    parts += [_element(rng, 0, marks) for _ in range(rng.randint(1, 6))]
    parts += [f"<main{_attrs(rng, True)}>" + "".join(_element(rng, 1, marks) for _ in range(3)) + "</main>"]
    return "".join(parts).encode("utf-8")


@pytest.mark.parametrize("seed", range(8))
def test_generated_markup_reads_as_html_parser_reads_it(seed):
    rng = random.Random(seed)
    for n in range(400):
        page = _page(rng)
        assert extract.page_text(page) == oracle(page), f"seed {seed}, page {n}: {page.decode()}"


def test_every_page_of_the_example_site_reads_alike(example):
    assert example.build().returncode == 0
    pages = sorted(example.output.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        html = path.read_bytes()
        assert extract.page_text(html) == oracle(html), path


def test_the_body_is_what_counts():
    page = ("<header><p>站点名称</p></header><div class=\"document-body\" data-index><h2>第一条</h2>"
            "<p>为进一步&nbsp;做好<em>政务</em>公开工作。</p><table><tr><td>甲</td><td>乙</td></tr></table>"
            "<script>不算</script></div><footer>页脚</footer>").encode()
    assert extract.page_text(page) == "第一条\n为进一步 做好政务公开工作。\n甲\n乙"
