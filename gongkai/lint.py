"""Rules an editor can break from Markdown, checked on every body at build time and
reported at their line: accessibility (WCAG 2.1 AA, GB/T 37668) and, before Markdown
runs, a nesting depth no real document reaches."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

from bs4 import Tag

_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_EMPTY_LINK = re.compile(r"(?<!!)\[\s*\]\(|<a\b[^>]*>\s*</a>")


def lint(elements: list[Tag], job) -> None:
    """Report each rule broken in the body (its elements in document order); job
    (markup._Job) places it at its line."""
    named: dict[str, list[Tag]] = defaultdict(list)
    for element in elements:
        named[element.name].append(element)
    for img in named["img"]:
        if not (img.get("alt") or "").strip():
            src = img.get("src", "")
            job.error(job.locate(f"]({posixpath.basename(src)}", posixpath.basename(src), "<img"),
                      "图片缺少替代文本：请写成 ![图片内容的文字说明](文件路径)")
    for table in named["table"]:
        first_row = table.find("tr")
        if table.find("th") is None or first_row is None or first_row.find("th") is None:
            cell = table.find(["td", "th"])
            job.error(job.locate(cell.get_text() if cell else "", "<table", "|"),
                      "表格缺少表头行：第一行应是列标题（Markdown 表格第二行写 | --- |）")
    for paragraph in named["p"]:
        if paragraph.get_text().strip().upper() == "[TOC]":
            job.error(job.locate(re.compile(r"^\s*\[TOC\]\s*$", re.IGNORECASE)), "不支持自动目录标记 [TOC]，请删去这一行")
    previous = 1  # the page title is the h1
    for heading in (el for el in elements if el.name in _HEADINGS):
        level, text = int(heading.name[1]), heading.get_text()
        line = job.locate(re.compile(r"^ {0,3}#{1,6}\s*" + re.escape(text.strip())), text) if level == 1 or level > previous + 1 else 0
        if level == 1:
            job.error(line, "正文不能使用一级标题（# ），页面标题已是一级标题；请从 ## 开始")
        elif level > previous + 1:
            job.error(line, f"标题层级跳跃：从 {previous} 级直接到 {level} 级，请不要跳级")
        previous = level
    for anchor in named["a"]:
        label = anchor.get_text().strip() or "".join(i.get("alt", "") for i in anchor.find_all("img")).strip()
        if not label:
            job.error(job.locate(_EMPTY_LINK, f"]({anchor.get('href', '')}", "<a "), "链接没有文字：读屏用户无法知道它指向哪里")


# Markdown's inline parser and the HTML tree both slow down with the square of the
# depth; real bodies stay under ten levels, so fifty refuses only hostile input.
MAX_NESTING = 50
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>")
# Elements that never nest (void) or whose end tag may be left out: not counted.
_FLAT = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
                   "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "rt", "rp"})


def nesting(lines: list[str]) -> int | None:
    """The index of the first line where square brackets or HTML elements nest deeper
    than MAX_NESTING, or None. Linear, so it is safe to run before Markdown."""
    tags = brackets = 0
    for index, line in enumerate(lines):
        if not line.strip():
            brackets = 0  # a link does not span paragraphs
        for char in line:
            if char == "[":
                brackets += 1
                if brackets > MAX_NESTING:
                    return index
            elif char == "]":
                brackets = max(0, brackets - 1)
        for closing, name, self_closing in _TAG.findall(line):
            if name.lower() in _FLAT or self_closing:
                continue
            tags = max(0, tags - 1) if closing else tags + 1
            if tags > MAX_NESTING:
                return index
    return None
