"""Generate the print-edition PDFs of the example gazette issues (政府公报印刷版).

Usage (from the repository root):

    .venv/bin/python scripts/make_gazette_pdf.py           # regenerate every issue that names a `pdf:`
    .venv/bin/python scripts/make_gazette_pdf.py --plan    # print the pages each article needs, write nothing

Why: the example site's gazette issues (content/gazettes/YYYY/NN.yaml) may name a print PDF. A real office
uploads the PDF its printer made; the example site needs small stand-ins whose page numbers agree with the
page ranges in the issue's table of contents, so this script lays them out from the same sources the site
is built from: the issue YAML, the policy documents (content/policies/ID.md) and the issue's own articles
(content/gazettes/YYYY/NN/NAME.md).

Layout: page 1 is the cover (gazette name, year, 第N期, 总第N期, release date), page 2 the 目录, then every
article starts on the first page of its `pages:` range. An article that needs more pages than its range
is an error (widen the range); one that needs fewer is followed by pages marked （此页无正文）, so PDF page N
is always printed page N. `--plan` shows how many pages each article needs.

Output is deterministic (same bytes on every run): the creation date is the issue's release date, the file
id is derived from the content, and nothing random goes in. The PDF is written only when its bytes change.

Needs the Python package fpdf2 (`.venv/bin/pip install fpdf2`; made with 2.8.9) and a CJK font: WenQuanYi
Micro Hei from the Debian package fonts-wqy-microhei. fpdf2 embeds only the glyphs used, so an issue
stays well under 200 KB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
FONT = "wqy"
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
DEFAULT_NAME = "聊城市人民政府公报"

PAGE_W, PAGE_H, MARGIN = 210, 297, 22  # A4, millimetres
BODY_SIZE, BODY_LINE = 10.5, 6.2
INDENT = "\u3000\u3000"  # two ideographic spaces: the first-line indent of Chinese official documents
NO_LINE_START = set("。，、；：？！）》」』】〕〉”’…%·")  # 避头: never the first character of a line
NO_LINE_END = set("（《「『【〔〈“‘")  # 避尾: never the last
PAGE_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-—–~]\s*(\d+))?\s*$")


class GazetteError(Exception):
    """A mistake in the content, reported to the editor in Chinese."""


@dataclass
class Article:
    section: str
    title: str
    doc_number: str
    body: str
    first: int
    last: int
    where: str  # "2019/06.yaml 第2项" for messages


@dataclass
class Issue:
    path: Path
    year: int
    number: int
    total: int
    published: dt.date
    pdf: Path | None
    articles: list[Article] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期"


# ---------------------------------------------------------------- reading the content


def read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteError(f"{rel(path)}：无法读取（{exc}）。请先运行 python3 build.py check 修正。") from exc


def read_front_matter(path: Path) -> tuple[dict, str]:
    """The YAML front matter and Markdown body of a content file."""
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except OSError as exc:
        raise GazetteError(f"{rel(path)}：文件不存在或无法读取。") from exc
    parts = text.split("\n---\n", 1)
    if not text.startswith("---\n") or len(parts) != 2:
        raise GazetteError(f"{rel(path)}：开头缺少两行 --- 之间的前置元数据。")
    return yaml.safe_load(parts[0][4:]) or {}, parts[1]


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def page_range(value, where: str) -> tuple[int, int]:
    match = PAGE_RANGE.match(str(value)) if value is not None else None
    if not match:
        raise GazetteError(f"{where}：pages 应写成 \"3\" 或 \"3-8\" 这样的页码，现在是 {value!r}。印刷版每项都要有页码。")
    first, last = int(match[1]), int(match[2] or match[1])
    if last < first:
        raise GazetteError(f"{where}：页码 {value} 的终止页小于起始页。")
    return first, last


def policy_files() -> dict[str, Path]:
    """Policy documents by id: the front matter's `id:` or else the file name, as the site does."""
    found = {}
    for path in sorted((CONTENT / "policies").rglob("*.md")):
        meta, _ = read_front_matter(path)
        found[str(meta.get("id") or path.stem)] = path
    return found


def load_article(issue_dir: Path, item: dict, section: str, where: str, policies: dict[str, Path]) -> Article:
    if "doc" in item:
        path = policies.get(str(item["doc"]))
        if path is None:
            raise GazetteError(f"{where}：没有标识为 {item['doc']} 的政策文件（content/policies/）。")
    elif "article" in item:
        path = issue_dir / f"{item['article']}.md"
    else:
        raise GazetteError(f"{where}：每项要写 doc（政策文件标识）或 article（本期文章名）。")
    meta, body = read_front_matter(path)
    first, last = page_range(item.get("pages"), where)
    return Article(section, str(meta.get("title", "")), str(meta.get("doc_number") or ""), body, first, last, where)


def load_issue(path: Path, policies: dict[str, Path]) -> Issue:
    data = read_yaml(path)
    name = rel(path)
    try:
        pdf = data.get("pdf")
        if pdf:
            pdf = CONTENT / pdf if str(pdf).startswith("files/") else path.parent / pdf
        issue = Issue(path, int(data["year"]), int(data["number"]), int(data["total_number"]),
                      data["published"], pdf)
        count = 0
        for section in data.get("sections") or []:
            for item in section.get("items") or []:
                count += 1
                where = f"{name} 第{count}项"
                issue.articles.append(load_article(path.with_suffix(""), item, section["name"], where, policies))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise GazetteError(f"{name}：期次文件不完整或格式不对（{exc}）；请先运行 python3 build.py check，按提示修正。") from exc
    check_order(issue)
    return issue


def check_order(issue: Issue) -> None:
    """Print pages increase in TOC order and never overlap: the PDF is laid out front to back."""
    previous = None
    for art in issue.articles:
        if previous and art.first <= previous.last:
            raise GazetteError(f"{art.where}：页码从第{art.first}页开始，与前一项（到第{previous.last}页）重叠或顺序颠倒；"
                               "页码须按目录顺序递增。")
        previous = art


def gazette_config() -> tuple[str, str, str]:
    """(gazette name, sponsor, demonstration notice) from site_config.yaml."""
    config = read_yaml(ROOT / "site_config.yaml") or {}
    site = config.get("site") or {}
    name = (config.get("gazette") or {}).get("name")
    if not name:
        print(f"提醒：site_config.yaml 没有 gazette.name，封面暂用“{DEFAULT_NAME}”。", file=sys.stderr)
        name = DEFAULT_NAME
    return name, str(site.get("owner", "")), str(site.get("example_notice", ""))


# ---------------------------------------------------------------- Markdown to print blocks


def plain(text: str) -> str:
    """Inline Markdown to print text: links keep their words, emphasis and escapes go."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[\^([^\]]+)\]", r"〔注\1〕", text)
    text = re.sub(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    return text.replace("`", "").strip()


def blocks(body: str) -> list[tuple]:
    """The body as ("h", level, text), ("p", text, align), ("table", header, rows, caption) blocks."""
    out: list[tuple] = []
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        if re.fullmatch(r"\{:[^}]*\}", line):  # attribute list: applies to the paragraph before it
            if "signature" in line and out and out[-1][0] == "p":
                out[-1] = ("p", out[-1][1], "R")
            continue
        heading = re.match(r"(#{1,6})\s+(.*?)\s*(\{[^}]*\})?$", line)
        table = re.fullmatch(r"\[\[table:([a-z0-9-]+)\]\]", line)
        if heading:
            out.append(("h", len(heading[1]), plain(heading[2])))
        elif table:
            out.append(data_table(table[1]))
        elif line.startswith("|"):
            rows = [line]
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i].strip())
                i += 1
            out.append(pipe_table(rows))
        elif re.match(r"\[\^[^\]]+\]:", line):
            note = re.sub(r"^\[\^([^\]]+)\]:\s*", r"注\1：", line)
            out.append(("p", plain(note), "L"))
        elif not re.fullmatch(r"-{3,}|\*{3,}", line):
            out.append(("p", INDENT + plain(line), "L"))
    return out


def pipe_table(rows: list[str]) -> tuple:
    cells = [[plain(c) for c in row.strip("|").split("|")] for row in rows]
    body = [r for r in cells[1:] if not all(re.fullmatch(r":?-+:?", c.strip()) for c in r)]
    return ("table", cells[0], body, "")


def data_table(table_id: str) -> tuple:
    """A content/data table; a group column prints only where its value changes, as the web page merges it."""
    data = read_yaml(CONTENT / "data" / f"{table_id}.yaml") or {}
    columns = data.get("columns") or []
    rows, previous = [], {}
    for row in data.get("rows") or []:
        cells = []
        for col in columns:
            value = str(row.get(col["key"], ""))
            same = col.get("group") and previous.get(col["key"]) == value
            cells.append("" if same else value)
        previous = {c["key"]: str(row.get(c["key"], "")) for c in columns if c.get("group")}
        rows.append(cells)
    return ("table", [c["label"] for c in columns], rows, str(data.get("title", "")))


# ---------------------------------------------------------------- the PDF


def new_pdf(issue: Issue, name: str, owner: str):
    try:
        from fpdf import FPDF
    except ImportError:
        raise GazetteError("缺少 Python 包 fpdf2：请运行 .venv/bin/pip install fpdf2") from None
    if not FONT_PATH.exists():
        raise GazetteError(f"找不到中文字体 {FONT_PATH}：请安装 Debian 软件包 {FONT_PACKAGE}"
                           f"（sudo apt-get install {FONT_PACKAGE}）。")

    class GazettePDF(FPDF):
        running_head = ""

        def header(self):
            if self.running_head:
                self.set_font(FONT, size=9)
                self.set_y(12)
                self.cell(0, 5, self.running_head, align="C")
                self.line(MARGIN, 18, PAGE_W - MARGIN, 18)
                self.set_y(MARGIN + 2)

        def footer(self):
            if self.page_no() > 1:
                self.set_font(FONT, size=9)
                self.set_y(-15)
                self.cell(0, 5, f"— {self.page_no()} —", align="C")

    pdf = GazettePDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN, MARGIN + 2, MARGIN)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_font(FONT, "", str(FONT_PATH), collection_font_number=0)
    released = dt.datetime.combine(issue.published, dt.time(9, 0), CHINA_TIME)
    pdf.set_creation_date(released)
    pdf.set_title(f"《{name}》{issue.label}（总第{issue.total}期）")
    pdf.set_author(owner)
    pdf.set_creator("gongkai scripts/make_gazette_pdf.py")
    pdf.set_lang("zh-CN")
    return pdf


def wrap(pdf, width, height, text, **kwargs):
    """multi_cell breaking at any character: Chinese has no spaces, and fpdf2 would break only at spaces."""
    return pdf.multi_cell(width, height, text, wrapmode="CHAR", **kwargs)


def break_lines(pdf, text: str, width: float) -> list[str]:
    """Greedy line breaking by character that keeps closing punctuation off a line's start (避头尾)."""
    lines, line = [], ""
    for char in text:
        if line and pdf.get_string_width(line + char) > width:
            carry = ""
            if char in NO_LINE_START and len(line) > 1:
                carry, line = line[-1], line[:-1]
            while len(line) > 1 and line[-1] in NO_LINE_END:
                carry, line = line[-1] + carry, line[:-1]
            lines.append(line)
            line = carry
        line += char
    return [*lines, line]


def paragraph(pdf, text: str, height: float, align: str = "L") -> None:
    """A paragraph justified to both margins (two-sided alignment is the norm in Chinese print)."""
    width = PAGE_W - 2 * MARGIN
    lines = break_lines(pdf, text, width)
    for i, line in enumerate(lines):
        full = i < len(lines) - 1 and align == "L" and len(line) > 1
        if full:
            # fpdf2 writes the spacing as given into the Tc operator, which counts in points
            pdf.set_char_spacing((width - pdf.get_string_width(line)) * pdf.k / (len(line) - 1))
        pdf.cell(width, height, line, align="L" if full else align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_char_spacing(0)


def draw_cover(pdf, issue: Issue, name: str, owner: str, notice: str) -> None:
    pdf.add_page()
    pdf.set_y(62)
    pdf.set_font(FONT, size=34)
    pdf.cell(0, 18, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(178, 34, 34)
    pdf.set_line_width(1.2)
    pdf.line(MARGIN, 90, PAGE_W - MARGIN, 90)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0)
    pdf.set_y(100)
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 11, f"{issue.year}年　第{issue.number}期", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 9, f"（总第{issue.total}期）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(225)
    pdf.cell(0, 8, f"{owner}　主办", align="C", new_x="LMARGIN", new_y="NEXT")
    day = issue.published
    pdf.cell(0, 8, f"{day.year}年{day.month}月{day.day}日出版", align="C", new_x="LMARGIN", new_y="NEXT")
    if notice:
        pdf.set_y(255)
        pdf.set_font(FONT, size=8.5)
        wrap(pdf, 0, 5, notice, align="C")


def draw_toc(pdf, issue: Issue) -> None:
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.cell(0, 12, "目　　录", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    section = None
    for art in issue.articles:
        if art.section != section:
            section = art.section
            pdf.ln(2)
            pdf.set_font(FONT, size=12)
            pdf.cell(0, 8, f"【{section}】", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=BODY_SIZE)
        text = art.title + (f"（{art.doc_number}）" if art.doc_number else "")
        toc_line(pdf, text, str(art.first))
    first_article = issue.articles[0].first if issue.articles else 3
    if pdf.page >= first_article:
        raise GazetteError(f"{rel(issue.path)}：目录排到了第{pdf.page}页，第一项须从第{pdf.page + 1}页或以后开始。")


def toc_line(pdf, text: str, page: str) -> None:
    """A TOC entry: the title wraps before the page-number column; dot leaders fill its last line."""
    number_w = 12
    width = PAGE_W - 2 * MARGIN - number_w - 6
    lines = wrap(pdf, width, BODY_LINE, text, dry_run=True, output="LINES")
    for line in lines[:-1]:
        pdf.cell(width, BODY_LINE, line, new_x="LMARGIN", new_y="NEXT")
    last = lines[-1]
    dots = "." * max(int((width + 6 - pdf.get_string_width(last)) / pdf.get_string_width(".")) - 1, 0)
    pdf.cell(width + 6, BODY_LINE, last + dots)
    pdf.cell(number_w, BODY_LINE, page, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def draw_article(pdf, art: Article) -> int:
    """Lay out one article from the top of a new page; returns its last page."""
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    wrap(pdf, 0, 9, art.title, align="C", new_x="LMARGIN", new_y="NEXT")
    if art.doc_number:
        pdf.set_font(FONT, size=BODY_SIZE)
        pdf.cell(0, 8, art.doc_number, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for block in blocks(art.body):
        draw_block(pdf, block)
    return pdf.page


def draw_block(pdf, block: tuple) -> None:
    kind = block[0]
    if kind == "h":
        level, text = block[1], block[2]
        pdf.ln(2)
        pdf.set_font(FONT, size=14 if level <= 2 else 12 if level == 3 else BODY_SIZE + 0.5)
        align = "C" if level <= 2 else "L"
        wrap(pdf, 0, 8 if level <= 2 else 7, text if level <= 3 else INDENT + text, align=align,
                       new_x="LMARGIN", new_y="NEXT")
    elif kind == "p":
        pdf.set_font(FONT, size=BODY_SIZE)
        paragraph(pdf, block[1], BODY_LINE, block[2])
        pdf.ln(0.8)
    elif kind == "table":
        draw_table(pdf, block[1], block[2], block[3])


def draw_table(pdf, header: list[str], rows: list[list[str]], caption: str) -> None:
    if caption:
        pdf.set_font(FONT, size=12)
        wrap(pdf, 0, 8, caption, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8.5)
    widths = column_widths(header, rows)
    from fpdf.fonts import FontFace

    heading = FontFace(emphasis="", fill_color=(235, 235, 235))  # the font has no bold face
    with pdf.table(col_widths=widths, line_height=4.6, text_align="LEFT", first_row_as_headings=True,
                   headings_style=heading, repeat_headings=1, wrapmode="CHAR") as table:
        for cells in [header, *rows]:
            row = table.row()
            for value in cells:
                row.cell(value)
    pdf.ln(2)


def column_widths(header: list[str], rows: list[list[str]]) -> tuple[int, ...]:
    """Columns as wide as their average text, within 6..60 so short and very long columns both stay readable."""
    widths = []
    for i, label in enumerate(header):
        sizes = [len(r[i]) for r in rows if i < len(r) and r[i]] or [len(label)]
        widths.append(round(max(min(sum(sizes) / len(sizes), 60), 6, len(label))))
    return tuple(widths)


def pad_to(pdf, last: int) -> None:
    while pdf.page < last:
        pdf.add_page()
        pdf.set_font(FONT, size=BODY_SIZE)
        pdf.set_y(PAGE_H / 2)
        pdf.cell(0, 8, "（此页无正文）", align="C")


def build(issue: Issue, name: str, owner: str, notice: str, plan: bool):
    pdf = new_pdf(issue, name, owner)
    draw_cover(pdf, issue, name, owner, notice)
    draw_toc(pdf, issue)
    pdf.running_head = f"{name}　{issue.label}"
    for art in issue.articles:
        if plan:  # back to back from the first free page, to suggest the ranges
            start = pdf.page + 1
            end = draw_article(pdf, art)
            print(f"  {art.where} {art.title}：{end - start + 1} 页，连排为 pages: {span(start, end)}"
                  f"（现写 {span(art.first, art.last)}）")
            continue
        pad_to(pdf, art.first - 1)
        end = draw_article(pdf, art)
        if end > art.last:
            raise GazetteError(f"{art.where}（{art.title}）排版需要第{art.first}—{end}页，"
                               f"但 pages 写的是 {art.first}-{art.last}：请把 pages 改为 {art.first}-{end}，"
                               "并顺延后面各项的页码（--plan 可列出连排的页码）。")
        pad_to(pdf, art.last)
    return pdf


def span(first: int, last: int) -> str:
    return f"{first}-{last}" if last > first else f'"{first}"'


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例政府公报的印刷版 PDF（content/gazettes/YYYY/NN.pdf）。")
    parser.add_argument("--plan", action="store_true", help="只列出每篇需要的页数，不写文件")
    parser.add_argument("--check", action="store_true", help="只核对已有的 PDF 是否与重新生成的逐字节相同，不写文件")
    args = parser.parse_args(argv)
    stale = False
    try:
        name, owner, notice = gazette_config()
        policies = policy_files()
        for path in sorted((CONTENT / "gazettes").glob("*/*.yaml")):
            issue = load_issue(path, policies)
            if args.plan:
                print(f"{rel(path)}（{'有' if issue.pdf else '无'} PDF）")
                build(issue, name, owner, notice, plan=True)
                continue
            if not issue.pdf:
                continue
            data = bytes(build(issue, name, owner, notice, plan=False).output())
            if args.check:
                same = issue.pdf.exists() and issue.pdf.read_bytes() == data
                print(f"{rel(issue.pdf)}：{'一致' if same else '与重新生成的不同，请运行 python3 scripts/make_gazette_pdf.py'}")
                stale = stale or not same
                continue
            changed = write_if_changed(issue.pdf, data)
            print(f"{rel(issue.pdf)}：{len(data) / 1024:.1f} KB，{'已更新' if changed else '未变'}")
    except GazetteError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
