"""Acceptance attacks on site search (issue 10): the build side (gongkai/search/) and the engine
(layouts/assets/search.js), through the real command line on throwaway projects and the shipped engine
in Node (tests/search/run.js).

One test per class of hostile or unusual input. A class that found a defect is marked
xfail(strict=True) with the defect as its reason; a class that holds is a normal test. The projects are
self-made (the example's layouts and site_config.yaml, policies written here), so the tests do not depend
on the example portal's content; the bigger ones are built once per module."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from gongkai.search.normalize import normalise
from gongkai.search.wenhao import parse

REPO = Path(__file__).resolve().parent.parent
BUILD_PY = REPO / "build.py"
RUN_JS = REPO / "tests" / "search" / "run.js"
ENGINE = REPO / "layouts" / "assets" / "search.js"
BUILD_DATE = "2026-12-01"
HAN = re.compile(r"[\u4e00-\u9fff]")


# -- helpers ----------------------------------------------------------------------------------------

class Raw(str):
    """A front-matter value written as is (a YAML escape the test means to send)."""


def _scalar(value) -> str:
    return str(value) if isinstance(value, Raw) else json.dumps(value, ensure_ascii=False)


def filled(number: int, doc: dict) -> dict:
    """A policy's fields: those given, the rest filled in."""
    return {"title": f"测试文件{number}", "index_number": f"ATK/2019-{number:05d}", "agency": "聊城市人民政府办公室",
            "written": "2019-06-18", "published": "2019-06-19", "topic": "综合政务", "kind": "通知",
            "body": f"正文第{number}号。", **doc}


def policy(number: int, doc: dict) -> str:
    """A policy file, strings written as JSON (valid YAML) so quotes and brackets reach the
    build unchanged."""
    fields = filled(number, doc)
    body = fields.pop("body")
    lines = "".join(f"{key}: {_scalar(value)}\n" for key, value in fields.items() if value is not None)
    return f"---\n{lines}---\n\n{body}\n"


def make_project(root: Path, docs: list[dict], config: str = "", order=None) -> Path:
    """A project at root with the example's layouts and settings (plus config) and docs as
    content/policies/dN.md, written in the given order of N."""
    shutil.copytree(REPO / "layouts", root / "layouts")
    settings = (REPO / "site_config.yaml").read_text(encoding="utf-8")
    (root / "site_config.yaml").write_text(settings + config, encoding="utf-8")
    folder = root / "content" / "policies"
    folder.mkdir(parents=True)
    for n in order if order is not None else range(len(docs)):
        (folder / f"d{n}.md").write_text(policy(n, docs[n]), encoding="utf-8")
    return root


def config_line() -> int:
    """The line a `search:` block appended to the example's site_config.yaml starts on."""
    text = (REPO / "site_config.yaml").read_text(encoding="utf-8")
    return len(text.splitlines()) + (1 if text.endswith("\n") else 2)


def build(root: Path, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILD_PY), "--root", str(root), "--build-date", BUILD_DATE],
                          capture_output=True, text=True, timeout=timeout, env=env)


def built(root: Path, timeout: int = 300) -> Path:
    proc = build(root, timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return root / "output"


def ask(output: Path, requests: list[dict]) -> list[dict]:
    """The shipped engine's answers, in Node; an exception in the engine fails the call."""
    proc = subprocess.run(["node", str(RUN_JS), str(output / "search")], input=json.dumps(requests),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"search.js threw: {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


def one(output: Path, q: str, **request) -> dict:
    return ask(output, [{"q": q, **request}])[0]


def every_url(output: Path, q: str) -> list[str]:
    """The URLs of every page of results (these fixtures have at most three pages)."""
    return [url for answer in ask(output, [{"q": q, "page": n} for n in (1, 2, 3)]) for url in answer["urls"]]


def failed(proc: subprocess.CompletedProcess, where: str, field: str) -> str:
    """The build refused the input as an editor's error: exit 1, a Chinese message naming
    file:line and the field, no traceback. Returns the message line."""
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out and "Error:" not in out, out
    lines = [line for line in out.splitlines() if where in line]
    assert lines, f"no message at {where}: {out}"
    assert any(field in line and HAN.search(line.split(where, 1)[1]) for line in lines), out
    return lines[0]


def files(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.refresh: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.refresh.append(attrs.get("content", "").split("url=", 1)[-1])


def links(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def resolves(output: Path, page: Path, href: str) -> bool:
    """A relative link from page lands on a file the build wrote."""
    base = "/" + page.parent.relative_to(output).as_posix() + "/"
    target = unquote(urlsplit(urljoin(base, href)).path)
    path = output / target.lstrip("/")
    return (path / "index.html").is_file() if target.endswith("/") else path.is_file()


def text_of(number: int, doc: dict) -> str:
    """What a policy offers to exact matching (title, 文号, agency, body), normalised."""
    fields = filled(number, doc)
    return " ".join(normalise(fields.get(k) or "") for k in ("title", "doc_number", "agency", "body"))


def example_sentences() -> list[str]:
    """Real sentences of the domain: the example portal's own documents, cut at 。"""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "content").rglob("*.md")))
    return sorted({s + "。" for s in re.findall(r"[\u4e00-\u9fff，、“”《》0-9]{8,80}(?=。)", text)})


# -- hostile text: injection, JSON-breaking, invisible characters ------------------------------------

HOSTILE = [
    {"title": '关于<script>alert(1)</script>的"通知"</script>', "agency": '聊城市"大数据局"',
     "doc_number": '<img src=x onerror=alert(1)>〔2019〕1号',
     "body": '注入甲：`<script>alert(2)</script>` 与 &lt;img src=x onerror=alert(3)&gt; 与 "onerror=alert(4)。'},
    {"title": 'JSON"}]},{"u":"/evil/","t":"假的\\"}破坏\\\\测试', "agency": "聊城市\\财政局",
     "body": '注入乙：`"}]},{"u":"/evil/"}` 和 \\u2028 与 `</script><!--` 与 ]]> 以及 {{ 模板 }} {% raw %}。'},
    {"title": "零\u200b宽\u200d字\u2060符\ufeff标题", "body": "注入丙：零\u200b宽\u200c正文\u00ad软连字符。"},
    {"title": "阿拉伯\u200f文字\u202e方向\u202c与\u2066隔离\u2069标题", "body": "注入丁：שלום مرحبا 方向\u200e标记。"},
    {"title": Raw(r'"表情\ud83d\ude00与补充平面𠮷标题"'), "body": "注入戊：😀 与 𠮷祥 与 \U0002A6A5 字。"},
    {"title": "引号’‘“”「」『』〝〞＂＇标题", "doc_number": "聊政办发〔2019〕2号",
     "body": "注入己：' OR 1=1 -- ; DROP TABLE x; %00 %2e%2e/ ../../etc/passwd 。"},
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return built(make_project(tmp_path_factory.mktemp("hostile") / "site", HOSTILE))


def test_hostile_text_stays_valid_json_and_comes_back_as_text(hostile):
    """Cards and entry.json parse as JSON whatever a title holds; the engine returns titles, 文号,
    agencies and passages exactly as written (text, never markup to interpret)."""
    search = hostile / "search"
    cards = {}
    for path in [search / "entry.json", *sorted((search / "d").rglob("*.json"))]:
        data = json.loads(path.read_bytes().decode("utf-8"))  # strict UTF-8 and JSON
        if "u" in data:
            cards[data["u"]] = data
    for n, doc in enumerate(HOSTILE):
        title = json.loads(doc["title"]) if isinstance(doc["title"], Raw) else doc["title"]
        card = cards[f"/policies/d{n}/"]
        assert card["t"] == title
        assert card["n"] == (doc.get("doc_number") or "")
        answer = one(hostile, "注入" + "甲乙丙丁戊己"[n])
        assert answer["urls"] == [f"/policies/d{n}/"], answer
        assert "注入" in "".join(piece for piece, _ in answer["snippets"][0])
    first = one(hostile, "注入甲")
    assert "<script>alert(2)</script>" in "".join(piece for piece, _ in first["snippets"][0])


def test_hostile_titles_are_escaped_in_pages(hostile):
    """The /wh/ page and the document page carry a hostile title as escaped text."""
    for page in [*(hostile / "wh").rglob("index.html"), hostile / "policies" / "d0" / "index.html"]:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "onerror=alert(1)>" not in html, page


def test_engine_builds_no_markup_from_strings():
    """search.js puts index text into the page only as text nodes: no HTML parsing sink."""
    source = ENGINE.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "createContextualFragment", "DOMParser"):
        assert sink not in source, sink


@pytest.mark.parametrize("field", ["title", "agency", "doc_number"])
@pytest.mark.parametrize("escape", [r"\ud800", r"\udfff", r"\u2028", r"\u2029", r"\x85", r"\0", r"\x1b", r"\uffff"])
def test_forbidden_characters_through_yaml_escapes_are_an_editors_error(tmp_path, field, escape):
    """A lone surrogate, a line separator or a control character written as a YAML escape in
    any field search shows: exit 1, a Chinese message at file:line and field, no traceback."""
    doc = {"title": "关于测试的通知", "doc_number": "聊政办发〔2019〕5号", "agency": "聊城市人民政府办公室"}
    doc[field] = Raw(f'"{doc[field][:3]}{escape}{doc[field][3:]}"')
    root = make_project(tmp_path / "site", [doc])
    line = 1 + list(policy(0, doc).splitlines()).index(next(x for x in policy(0, doc).splitlines() if x.startswith(field)))
    failed(build(root), f"content/policies/d0.md:{line}", field)


@pytest.mark.parametrize("entity", ["&#xD800;", "&#xDFFF;", "&#x2028;", "&#x2029;", "&#1;", "&#0;", "&#x110000;",
                                    "&#xFFFE;", "&#x85;"])
def test_character_references_in_a_body_never_break_the_index(tmp_path, entity):
    """A character reference in a body: either refused at its line in Chinese, or replaced so the
    index's passages stay valid UTF-8 and searchable."""
    root = make_project(tmp_path / "site", [{"title": "实体测试", "body": f"第一行。\n\n甲乙{entity}丙丁。"}])
    proc = build(root)
    if proc.returncode:
        failed(proc, "content/policies/d0.md:13", "")
        return
    output = root / "output"
    for path in (output / "search" / "t").rglob("*.txt"):
        text = path.read_bytes().decode("utf-8")
        assert not re.search("[\ud800-\udfff\u2028\u2029\x00-\x08\x0b-\x1f\x7f-\x9f]", text), repr(text)
    assert one(output, "甲乙")["urls"] == ["/policies/d0/"]


# -- invisible and look-alike characters inside a word ---------------------------------------------------

INVISIBLE_DROPPED = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]  # dropped, as the table says
INVISIBLE_SPLITTING = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                       "\u2068", "\u2069", "\ufe0f", "\U000e0100", "\u180e"]
INVISIBLE = INVISIBLE_DROPPED + INVISIBLE_SPLITTING


@pytest.fixture(scope="module")
def invisible(tmp_path_factory) -> Path:
    docs = [{"title": f"关于信用{ch}红黑名单的通知", "body": f"正文：社会{ch}保险。"} for ch in INVISIBLE]
    return built(make_project(tmp_path_factory.mktemp("invisible") / "site", docs))


@pytest.mark.parametrize("n", [pytest.param(i, id=f"U+{ord(c):04X}") for i, c in enumerate(INVISIBLE_DROPPED)])
def test_zero_width_characters_inside_a_word_do_not_hide_it(invisible, n):
    for q in ("信用红黑名单", "社会保险"):
        assert f"/policies/d{n}/" in every_url(invisible, q), q


@pytest.mark.parametrize("n", [pytest.param(i + len(INVISIBLE_DROPPED), id=f"U+{ord(c):04X}")
                               for i, c in enumerate(INVISIBLE_SPLITTING)])
def test_invisible_format_characters_inside_a_word_do_not_hide_it(invisible, n):
    for q in ("信用红黑名单", "社会保险"):
        assert f"/policies/d{n}/" in every_url(invisible, q), q


LOOKALIKES = {  # case: (written in the document, what a reader types)
    "kangxi radical": ("⽣态环境", "生态环境"),  # U+2F63 KANGXI RADICAL LIFE: common in text copied from PDFs
    "radicals supplement": ("⼈⺠政府", "人民政府"),  # U+2F08, U+2EA0 (CJK radicals supplement)
    "compatibility ideograph": ("\uf90a属材料", "金属材料"),  # U+F90A (NFKC: 金)
    "circled digit": ("①号楼", "1号楼"),
    "compatibility supplement": ("完\U0002F8B2任务", "完成任务"),  # U+2F8B2 (NFKC: 成)
    "circled ideograph": ("㊤半年", "上半年"),
}
LOOKALIKE_DEFECTS = {
    "radicals supplement": "U+2EA0 ⺠ has no compatibility decomposition (NFKC keeps it): only the UCD's "
                           "EquivalentUnifiedIdeograph.txt (Debian's unicode-data) maps it to 民, not used yet",
}


@pytest.fixture(scope="module")
def lookalikes(tmp_path_factory) -> Path:
    docs = [{"title": f"关于{written}的通知", "agency": "聊城市大数据局", "body": f"正文：{written}。"}
            for written, _ in LOOKALIKES.values()] + [{"title": "关于行政事项的通知", "agency": "聊城市大数据局", "body": "其他。"}]
    return built(make_project(tmp_path_factory.mktemp("lookalikes") / "site", docs))


@pytest.mark.parametrize("case", [pytest.param(c, id=c, marks=[pytest.mark.xfail(strict=True, reason=LOOKALIKE_DEFECTS[c])]
                                               if c in LOOKALIKE_DEFECTS else []) for c in LOOKALIKES])
def test_lookalike_ideographs_fold_to_what_a_reader_types(lookalikes, case):
    """Typed the usual way, the look-alike is found; typed as written, it finds only its own document."""
    n = list(LOOKALIKES).index(case)
    written, typed = LOOKALIKES[case]
    by_typing, as_written = ask(lookalikes, [{"q": typed}, {"q": written}])
    assert f"/policies/d{n}/" in by_typing["urls"], typed
    assert as_written["urls"] == [f"/policies/d{n}/"], written


def test_case_folds_for_every_kept_alphabet(tmp_path):
    output = built(make_project(tmp_path / "site", [{"title": "外文", "body": "МОСКВА ΑΘΗΝΑ ĀĒĪ。"}]))
    for q in ("москва", "Москва", "αθηνα", "āēī"):
        assert one(output, q)["urls"] == ["/policies/d0/"], q


def test_case_folds_for_ascii_and_latin_1(tmp_path):
    output = built(make_project(tmp_path / "site", [{"title": "外文", "body": "ÀÉ Wi-Fi ÇÃO。"}]))
    for q in ("àé", "ÀÉ", "wifi", "WIFI", "Wi-Fi", "ção", "ＷＩＦＩ"):
        assert one(output, q)["urls"] == ["/policies/d0/"], q


# -- size ------------------------------------------------------------------------------------------------

def _giant_docs() -> list[dict]:
    rng = random.Random(10)
    sentences = example_sentences()
    body, size = [], 0
    while size < 1_000_000:
        paragraph = "".join(rng.choice(sentences) for _ in range(8))
        body.append(paragraph)
        size += len(paragraph)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    word = "".join(rng.choice(han) for _ in range(100_000))
    title = "".join(rng.choice(han) for _ in range(2_000))
    cites = "，".join(f"聊{chr(0x4E00 + i // 100)}{chr(0x4E00 + i % 100)}发〔2019〕{i + 1}号" for i in range(10_000))
    return [
        {"title": "一兆字节正文", "doc_number": "聊政办发〔2019〕1号", "body": "\n\n".join(body)},
        {"title": "十万字长词", "doc_number": "聊政办发〔2019〕2号", "body": word},
        {"title": title, "doc_number": "聊政办发〔2019〕3号", "body": "长标题正文。"},
        {"title": "引用一万个文号", "doc_number": "聊政办发〔2019〕4号", "body": f"本文引用：{cites}。"},
    ]


@pytest.fixture(scope="module")
def giant(tmp_path_factory):
    docs = _giant_docs()
    started = time.monotonic()
    output = built(make_project(tmp_path_factory.mktemp("giant") / "site", docs), timeout=900)
    print(f"giant build: {time.monotonic() - started:.1f} s")
    return output, docs


def test_a_megabyte_body_is_found_exactly(giant):
    output, docs = giant
    body = normalise(docs[0]["body"])
    rng = random.Random(3)
    runs = [m.group() for m in re.finditer(r"[^ ]{12,}", body)]
    picks = [runs[0], runs[-1], *rng.sample(runs, 8)]
    answers = ask(output, [{"q": run[:12]} for run in picks] + [{"q": picks[-1][:12] + "不存在的尾巴"}])
    for answer in answers[:-1]:
        assert answer["urls"] == ["/policies/d0/"], answer["q"]
        assert any(marked for piece in answer["snippets"][:1] for _, marked in piece), answer["q"]
    assert answers[-1]["total"] == 0


def test_a_hundred_thousand_character_word_is_found_exactly(giant):
    output, docs = giant
    word = docs[1]["body"]
    queries = [word[:12], word[-12:], word[50_000:51_000], word[99_990:], word[:3], word[-2:]]
    for answer, q in zip(ask(output, [{"q": q} for q in queries]), queries, strict=True):
        assert "/policies/d1/" in answer["urls"], q[:20]
        if len(q) >= 12:
            assert answer["urls"] == ["/policies/d1/"], q[:20]
    absent = next(word[50_000:50_500] + c for c in "丁七万丈" if word[50_000:50_500] + c not in word)
    assert one(output, absent)["total"] == 0


def test_a_long_title_is_capped_without_spilling_into_the_next_field(giant):
    """Within what the index keeps of a 2,000-character title every piece is found; no query
    joins the title's kept end to the 文号 that follows it in the index."""
    output, docs = giant
    title = docs[2]["title"]
    lengths = [10, 50, 100, 200, 250, 253, 254, 255, 256, 257, 300, 1000, 2000]
    kept = max((n for n, a in zip(lengths, ask(output, [{"q": title[:n]} for n in lengths]), strict=True)
                if a["urls"] == ["/policies/d2/"]), default=0)
    assert kept >= 100, kept
    pieces = [title[i:i + 10] for i in range(0, kept - 9, 37)]
    for answer in ask(output, [{"q": p} for p in pieces]):
        assert "/policies/d2/" in answer["urls"], answer["q"]
    number = normalise("聊政办发〔2019〕3号")
    joins = [title[kept - k:kept] + number[:j] for k in (3, 5) for j in (2, 3, 4)]
    for answer in ask(output, [{"q": q} for q in joins]):
        assert answer["total"] == 0, answer["q"]


def test_ten_thousand_cited_wenhao_are_each_found(giant):
    output, _ = giant
    picks = [0, 1, 1233, 5000, 9999]
    queries = [f"聊{chr(0x4E00 + i // 100)}{chr(0x4E00 + i % 100)}发〔2019〕{i + 1}号" for i in picks]
    for answer in ask(output, [{"q": q} for q in queries]):
        assert answer["urls"] == ["/policies/d3/"], answer["q"]
    assert one(output, "聊一一发〔2019〕10001号")["total"] == 0


# 3,000 documents carrying one 文号 (policies must differ in how it is written: the uniqueness check compares text).
_PAIRS = "〔〕 [] () 【】 ﹝﹞ 〖〗 （） ［］"


def _writings(count: int) -> list[str]:
    opens, closes = [p[0] for p in _PAIRS.split()], [p[1] for p in _PAIRS.split()]
    shapes = itertools.product(opens, closes, ["", "第"], ["5", "05", "005", "５", "０５"], ["号", ""], ["", " "], ["", " "])
    return [f"聊政办发{s1}{o}2019{c}{s2}{d}{n}{h}" for o, c, d, n, h, s1, s2 in itertools.islice(shapes, count)]


@pytest.fixture(scope="module")
def crowd(tmp_path_factory) -> Path:
    writings = _writings(3000)
    assert len(set(writings)) == 3000 and {str(parse(w)) for w in writings} == {"聊政办发〔2019〕5号"}
    docs = [{"title": f"同号文件{n}", "doc_number": w, "index_number": f"CROWD/{n}", "body": f"同号正文{n}。"}
            for n, w in enumerate(writings)]
    started = time.monotonic()
    output = built(make_project(tmp_path_factory.mktemp("crowd") / "site", docs), timeout=900)
    print(f"3,000-document build: {time.monotonic() - started:.1f} s")
    return output


def test_three_thousand_documents_share_one_wenhao(crowd):
    page = crowd / "wh" / "聊政办发" / "2019" / "5" / "index.html"
    found = links(page)
    targets = [h for h in found.hrefs if "/policies/d" in h]
    assert len(set(targets)) == 3000 and not found.refresh
    assert all(resolves(crowd, page, h) for h in targets[:50] + targets[-50:])
    assert [p.relative_to(crowd / "wh").as_posix() for p in (crowd / "wh").rglob("index.html")] == ["聊政办发/2019/5/index.html"]
    answer = one(crowd, "聊政办发（2019）第5号")
    assert answer["total"] == 3000 and len(answer["urls"]) == 10
    last = one(crowd, "聊政办发〔2019〕5号", page=300)
    assert last["page"] == 300 and len(last["urls"]) == 10


def test_a_wenhao_query_reads_a_pages_worth_of_cards(crowd):
    by_number, by_word = ask(crowd, [{"q": "聊政办发〔2019〕5号", "fresh": True}, {"q": "同号文件", "fresh": True}])
    assert by_word["total"] == by_number["total"] == 3000
    assert by_number["files"] <= by_word["files"] + 10, (by_number["files"], by_word["files"])


# -- 文号 edge cases ---------------------------------------------------------------------------------------

CODE = "聊城市人民政府办公室文件专用函件呈报"  # the first n-1 characters and 发: a 机关代字 of n characters


def code(n: int) -> str:
    return CODE[:n - 1] + "发"


EDGES = {  # name: (doc_number, query)
    "serial-99999": ("聊政办发〔2019〕99999号", "聊政办发〔2019〕99999号"),
    "year-1899": ("聊政办发〔1899〕5号", "聊政办发〔1899〕5号"),
    "year-2100": ("聊政办发〔2100〕5号", "聊政办发〔2100〕5号"),
    "not-a-wenhao": ("无", "无"),
    "chinese-numerals": ("聊政办发〔二〇一九〕九号", "聊政办发〔二〇一九〕九号"),
    "latin-in-agency": ("聊ZF发〔2019〕5号", "聊zf发〔2019〕5号"),
    "full-width-digits": ("聊政办发〔２０１９〕１１号", "聊政办发〔2019〕11号"),
    "other-writing": ("聊政办发﹝2019﹞第12号", "聊政办发[2019]12号"),
    **{f"agency-{n}": (f"{code(n)}〔2019〕{40 + n}号", f"{code(n)}〔2019〕{40 + n}号") for n in (1, 2, 10, 11, 16, 17)},
    "two-wenhao-first": ("聊政发〔2019〕19号、聊财预〔2019〕20号", "聊政发〔2019〕19号"),
    "two-wenhao-second": ("聊政发〔2019〕21号、聊财预〔2019〕22号", "聊财预〔2019〕22号"),
    "wenhao-with-note": ("聊政办发〔2019〕23号（代）", "聊政办发〔2019〕23号"),
    "duplicate-a": ("聊政办发〔2019〕30号", "聊政办发〔2019〕30号"),
    "duplicate-b": ("聊政办发（2019）30号", "聊政办发 2019 30"),
    "serial-0": ("聊政办发〔2019〕0号", "聊政办发〔2019〕0号"),
}
EDGE_DEFECTS: dict[str, str] = {}  # none left


@pytest.fixture(scope="module")
def edges(tmp_path_factory) -> Path:
    docs = [{"title": f"文号边界{name}", "doc_number": number} for name, (number, _) in EDGES.items()]
    return built(make_project(tmp_path_factory.mktemp("edges") / "site", docs))


def _edge(name: str):
    marks = [pytest.mark.xfail(strict=True, reason=EDGE_DEFECTS[name])] if name in EDGE_DEFECTS else []
    return pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", [_edge(name) for name in EDGES if name != "serial-0"])
def test_a_document_is_found_by_its_own_wenhao(edges, name):
    n = list(EDGES).index(name)
    answer = one(edges, EDGES[name][1])
    assert f"/policies/d{n}/" in answer["urls"][:2], answer
    assert answer["urls"][0] in {f"/policies/d{k}/" for k, (num, _) in enumerate(EDGES.values())
                                 if normalise(num) == normalise(EDGES[name][0]) or k == n}


def test_wenhao_pages_of_edge_numbers(edges):
    """A /wh/ page for each number the build reads as a 文号, none for the others; a 文号 two
    documents share lists both and forwards to neither."""
    pages = sorted(p.parent.relative_to(edges / "wh").as_posix() for p in (edges / "wh").rglob("index.html"))
    assert "聊政办发/2019/99999" in pages and "聊政办发/2019/11" in pages and "聊政办发/2019/12" in pages
    assert not any("1899" in p or "2100" in p or "二" in p or "ZF" in p or "无" in p for p in pages), pages
    shared = edges / "wh" / "聊政办发" / "2019" / "30" / "index.html"
    found = links(shared)
    n = list(EDGES).index("duplicate-a")
    assert {f"../../../../policies/d{n}/", f"../../../../policies/d{n + 1}/"} <= set(found.hrefs)
    assert not found.refresh
    for page in (edges / "wh").rglob("index.html"):
        for href in links(page).refresh + [h for h in links(page).hrefs if "policies/d" in h]:
            assert resolves(edges, page, href), (page, href)
    answer = one(edges, "聊政办发〔2019〕30号")
    assert {d["url"] for d in answer["wenhao"]["documents"]} == {f"/policies/d{n}/", f"/policies/d{n + 1}/"}


def test_serial_zero_is_named_in_the_banner(edges):
    answer = one(edges, "聊政办发〔2019〕0号")
    assert answer["wenhao"]["wenhao"] == "聊政办发〔2019〕0号"


WRITINGS = ["聊政办发〔2019〕5号", "聊政办发[2019]5号", "聊政办发(2019)5号", "聊政办发（2019）5号", "聊政办发【2019】5号",
            "聊政办发［2019］5号", "聊政办发﹝2019﹞5号", "聊政办发〔2019〕第5号", "聊政办发2019年5号", "聊政办发 2019 5",
            "聊政办发〔２０１９〕５号", "  聊政办发 〔 2019 〕 5 号 ", "聊政办发〔2019〕05号"]


def test_every_writing_of_a_wenhao_finds_its_document_first(tmp_path):
    docs = [{"title": "五号文", "doc_number": "聊政办发〔2019〕5号", "body": "自身正文。"},
            {"title": "引用者", "doc_number": "聊政办发〔2019〕6号", "body": "根据聊政办发〔2019〕5号文件精神。"},
            {"title": "近似者", "doc_number": "聊政办字〔2019〕5号", "body": "无关正文。"}]
    output = built(make_project(tmp_path / "site", docs))
    for answer in ask(output, [{"q": w} for w in WRITINGS]):
        assert answer["urls"][:2] == ["/policies/d0/", "/policies/d1/"], answer["q"]
        assert [d["url"] for d in answer["wenhao"]["documents"]] == ["/policies/d0/"]


@pytest.fixture(scope="module")
def agencies(tmp_path_factory) -> Path:
    docs = [{"title": "引用省文", "doc_number": "聊政办发〔2019〕5号", "body": "按照鲁政办发〔2019〕15号要求。"},
            {"title": "另一机关", "doc_number": "政办发〔2019〕16号", "body": "无关正文。"},
            {"title": "引用者", "doc_number": "聊政办发〔2019〕6号", "body": "依据聊政办发〔2019〕5号文件精神。"}]
    return built(make_project(tmp_path_factory.mktemp("agencies") / "site", docs))


def test_a_wenhao_query_never_answers_with_another_agencys_wenhao(agencies):
    """A 文号 no document has is not answered with a shorter 机关代字's: 聊政办发〔2019〕15号 does
    not find what cites 鲁政办发〔2019〕15号, nor 聊政办发〔2019〕16号 the document 政办发〔2019〕16号.
    (At 17e3b5c wenhaoStep retried ever shorter endings and did both.)"""
    control = ask(agencies, [{"q": "鲁政办发〔2019〕15号"}, {"q": "政办发〔2019〕16号"}])
    assert [a["urls"][:1] for a in control] == [["/policies/d0/"], ["/policies/d1/"]]
    for q in ("聊政办发〔2019〕15号", "聊政办发〔2019〕16号", "冀政办发〔2019〕15号"):
        answer = one(agencies, q)
        assert answer["total"] == 0 and not answer["wenhao"]["documents"], (q, answer["urls"], answer["wenhao"])


@pytest.mark.parametrize("word", ["根据", "按照", "印发", "关于"], ids=["genju", "anzhao", "yinfa", "guanyu"])
def test_a_wenhao_pasted_with_the_word_before_it_finds_its_document(agencies, word):
    answer = one(agencies, f"{word}聊政办发〔2019〕5号")
    assert answer["urls"][:1] == ["/policies/d0/"] and answer["wenhao"]["documents"], answer


@pytest.mark.parametrize("q", ["聊政 办发〔2019〕5号", "聊政办 发〔2019〕5号", "聊 政办发〔2019〕5号"], ids=["after-2", "after-3", "after-1"])
def test_a_space_inside_the_agency_code_still_finds_the_document(agencies, q):
    answer = one(agencies, q)
    assert answer["urls"][:1] == ["/policies/d0/"], answer["urls"]
    assert [d["url"] for d in answer["wenhao"]["documents"]] == ["/policies/d0/"], answer["wenhao"]


@pytest.mark.parametrize("q", ["养老 聊政办发〔2019〕5号", "引用者 聊政办发〔2019〕5号"], ids=["a-word-before", "a-title-word"])
def test_a_word_before_a_wenhao_stays_a_word(agencies, q):
    """Only a join that is some document's own 文号 absorbs the word before: 养老 is in no
    document, so nothing is found; 引用者 (d2's title) finds d2, which cites the 文号."""
    answer = one(agencies, q)
    expected = [] if q.startswith("养老") else ["/policies/d2/"]
    assert answer["urls"] == expected, (q, answer["urls"])


# -- /wh/ addresses from hostile 文号 --------------------------------------------------------------------

UNSAFE = ["../../逃逸〔2019〕1号", "聊/政〔2019〕2号", "聊%2F政〔2019〕3号", "聊?政#发〔2019〕4号", "聊 政 发〔2019〕5号",
          "..〔2019〕6号", "聊政\\发〔2019〕7号", "聊政办发〔2019〕8号/../../x", "%2e%2e〔2019〕9号", "聊政办发〔2019〕10号?x=1",
          "聊政办发〔2019〕../11号", "/etc/passwd〔2019〕12号", "C:\\temp〔2019〕13号", "聊\u202e政发〔2019〕14号",
          "聊政\u3000发〔2019〕15号", "聊政办发〔2019〕16号"]


def test_wenhao_addresses_never_leave_output(tmp_path):
    root = make_project(tmp_path / "site", [{"title": f"路径{n}", "doc_number": w} for n, w in enumerate(UNSAFE)])
    before = {p for p in tmp_path.rglob("*")}
    proc = build(root)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    ours = (root / "output", root / ".cache")  # the site, and the build cache in the project
    after = {p for p in tmp_path.rglob("*") if not any(p.is_relative_to(folder) for folder in ours)} | set(ours)
    assert after <= before | set(ours), sorted(map(str, after - before))
    if proc.returncode:
        assert re.search(r"content/policies/d\d+\.md:\d+", out), out
        return
    output = root / "output"
    for page in (output / "wh").rglob("*"):
        rel = page.relative_to(output / "wh").as_posix()
        assert re.fullmatch(r"[\u3400-\u4dbf\u4e00-\u9fff\u3007]+(/\d{4}(/\d{1,5}(/index\.html)?)?)?", rel), rel
    for page in (output / "wh").rglob("index.html"):
        for href in links(page).refresh:
            assert resolves(output, page, href), (page, href)
    plain = [(n, w) for n, w in enumerate(UNSAFE) if not re.search(r"\s", w)]
    for (n, _), answer in zip(plain, ask(output, [{"q": w} for _, w in plain]), strict=True):
        assert f"/policies/d{n}/" in answer["urls"], answer["q"]


def test_a_page_id_on_the_search_route_is_named_in_its_file(tmp_path):
    root = make_project(tmp_path / "site", [{"title": "甲"}])
    (root / "content" / "pages").mkdir()
    (root / "content" / "pages" / "search.md").write_text("---\ntitle: 搜索说明\n---\n\n页面正文。\n", encoding="utf-8")
    failed(build(root), "content/pages/search.md:", "search")


# -- fields the index caps ------------------------------------------------------------------------------

JOINT = ["聊城市发展和改革委员会", "聊城市教育和体育局", "聊城市科学技术局", "聊城市工业和信息化局", "聊城市公安局", "聊城市民政局",
         "聊城市司法局", "聊城市财政局", "聊城市人力资源和社会保障局", "聊城市自然资源和规划局", "聊城市生态环境局",
         "聊城市住房和城乡建设局", "聊城市交通运输局", "聊城市水利局"]


@pytest.fixture(scope="module")
def joint(tmp_path_factory) -> Path:
    docs = [{"title": "联合印发的通知", "agency": "、".join(JOINT), "body": "正文。"}, {"title": "别的通知", "body": "正文。"}]
    return built(make_project(tmp_path_factory.mktemp("joint") / "site", docs))


def test_a_joint_documents_agencies_are_facet_values_that_find_it(joint):
    for answer in ask(joint, [{"q": "联合", "filters": {"agency": name}} for name in JOINT]):
        assert answer["urls"] == ["/policies/d0/"], answer["q"]
    for answer in ask(joint, [{"q": name} for name in JOINT[:10]]):
        assert answer["urls"] == ["/policies/d0/"], answer["q"]


def test_every_agency_of_a_joint_document_finds_it(joint):
    answer = one(joint, JOINT[-1])
    assert answer["urls"] == ["/policies/d0/"], answer


# -- separators and pinyin ----------------------------------------------------------------------------------

def test_words_never_join_across_separators(tmp_path):
    body = ("鑫淼，焱垚。\n\n甲壳\n\n虫子\n\n| 骉 | 犇 |\n|---|---|\n| 羴 | 麤 |\n\n- 列一\n- 表二\n\n"
            "句读：乾坤；日月！星辰？山河、湖海\n\n信用“红黑名单”")
    output = built(make_project(tmp_path / "site", [{"title": "分隔测试", "body": body}]))
    split = ["淼焱", "鑫淼焱垚", "壳虫", "甲壳虫子", "骉犇", "犇羴", "一表", "坤日", "月星", "辰山", "河湖"]
    joined = ["鑫淼", "焱垚", "甲壳", "信用红黑名单", "信用“红黑名单”", "用红黑", "乾坤", "湖海"]
    answers = ask(output, [{"q": q} for q in split + joined])
    for answer in answers[:len(split)]:
        assert answer["total"] == 0, answer["q"]
    for answer in answers[len(split):]:
        assert answer["urls"] == ["/policies/d0/"], answer["q"]


def test_latin_words_do_not_match_across_pinyin_syllables(tmp_path):
    docs = [{"title": "关于医疗保障经办服务的通知", "body": "正文。"}, {"title": "关于全市统一标准的通知", "body": "正文。"},
            {"title": "关于执行GB标准和IT系统的通知", "body": "正文。"}]
    output = built(make_project(tmp_path / "site", docs))
    for q in ("GB", "IT", "gb", "it"):
        assert one(output, q)["urls"] == ["/policies/d2/"], q


def test_pinyin_finds_whole_syllables_and_initials(tmp_path):
    docs = [{"title": "关于医疗保障经办服务的通知", "body": "正文。"}, {"title": "关于全市统一标准的通知", "body": "正文。"}]
    output = built(make_project(tmp_path / "site", docs))
    answers = ask(output, [{"q": "jingban"}, {"q": "tongyi"}, {"q": "ylbz"}, {"q": "QSTY"}])
    assert [a["urls"] for a in answers] == [["/policies/d0/"], ["/policies/d1/"], ["/policies/d0/"], ["/policies/d1/"]]


# -- the search: settings --------------------------------------------------------------------------------

CONFIG_ERRORS = {  # name: (block, line offset from the block's first line, field named)
    "not-a-mapping": ("search: [1, 2]\n", 0, "search"),
    "a-string": ("search: 低保，最低生活保障\n", 0, "search"),
    "synonyms-a-string": ("search:\n  synonyms: 低保，最低生活保障\n", 1, "search.synonyms"),
    "synonyms-a-mapping": ("search:\n  synonyms: {低保: 最低生活保障}\n", 1, "search.synonyms"),
    "one-word": ("search:\n  synonyms:\n    - 低保\n", 2, "search.synonyms"),
    "space-inside": ("search:\n  synonyms:\n    - 低 保，最低生活保障\n", 2, "search.synonyms"),
    "sentence-stop": ("search:\n  synonyms:\n    - 低保。最低生活保障\n", 2, "search.synonyms"),
    "only-punctuation": ("search:\n  synonyms:\n    - 《》，“”\n", 2, "search.synonyms"),
    "a-mapping-item": ("search:\n  synonyms:\n    - {低保: 最低生活保障}\n", 2, "search.synonyms"),
    "nested-list": ("search:\n  synonyms:\n    - [低保, [最低生活保障]]\n", 2, "search.synonyms"),
    "empty-item": ("search:\n  synonyms:\n    -\n", 2, "search.synonyms"),
    "second-item": ("search:\n  synonyms:\n    - 低保，最低生活保障\n    - 社保\n", 3, "search.synonyms"),
    "pinyin-maybe": ("search:\n  pinyin: maybe\n", 1, "search.pinyin"),
    "defaults-maybe": ("search:\n  default_synonyms: 也许\n", 1, "search.default_synonyms"),
    "unknown-key": ("search:\n  synonym:\n    - 低保，最低生活保障\n", 1, "search.synonym"),
}


@pytest.mark.parametrize("name", list(CONFIG_ERRORS))
def test_wrong_search_settings_are_an_editors_error(tmp_path, name):
    block, offset, field = CONFIG_ERRORS[name]
    root = make_project(tmp_path / "site", [{"title": "低保文件"}], block)
    failed(build(root), f"site_config.yaml:{config_line() + offset}", field)


def test_search_settings_that_are_right_take_effect(tmp_path):
    block = ("search:\n  default_synonyms: false\n  pinyin: false\n  synonyms:\n    - 网格员，网格管理员\n"
             "    - [低保, 低收入保障]\n    - Wi-Fi＝无线网络\n")
    docs = [{"title": "关于网格管理员的通知", "body": "正文。"}, {"title": "关于低收入保障的通知", "body": "最低生活保障。"},
            {"title": "关于无线网络的通知", "body": "正文。"}]
    output = built(make_project(tmp_path / "site", docs, block))
    answers = ask(output, [{"q": "网格员"}, {"q": "低保"}, {"q": "wifi"}, {"q": "社保"}, {"q": "wangge"}])
    assert answers[0]["urls"] == ["/policies/d0/"]
    assert answers[1]["urls"] == ["/policies/d1/"] and answers[1]["synonyms"] == [["低保", "低收入保障"]]
    assert answers[2]["urls"] == ["/policies/d2/"]
    assert answers[3]["synonyms"] == [["社保"]]  # the defaults are off
    assert answers[4]["total"] == 0  # pinyin is off


def test_ten_thousand_synonym_groups(tmp_path):
    block = "search:\n  synonyms:\n" + "".join(f"    - 词{i}甲，词{i}乙\n" for i in range(10_000))
    docs = [{"title": "关于词9999乙的通知"}, {"title": "关于词0甲的通知"}]
    output = built(make_project(tmp_path / "site", docs, block))
    answers = ask(output, [{"q": "词9999甲"}, {"q": "词0乙"}, {"q": "词5000甲"}])
    assert [a["urls"] for a in answers] == [["/policies/d0/"], ["/policies/d1/"], []]
    assert answers[0]["synonyms"] == [["词9999甲", "词9999乙"]]


# -- queries ---------------------------------------------------------------------------------------------

QUERY_DOCS = [
    {"title": "关于政务公开工作要点的通知", "doc_number": "聊政办发〔2019〕5号", "body": "全面推进政务公开，信用“红黑名单”制度。"},
    {"title": "关于GB/T 37668—2019标准的意见", "doc_number": "聊政办字〔2019〕5号", "body": "执行ＧＢ／Ｔ 37668—2019，Wi-Fi 6覆盖。"},
    {"title": "关于𠮷祥物的通知", "doc_number": "聊政发〔2020〕1号", "body": "𠮷祥物与补充平面字\U0002A6A5。", "published": "2020-03-01",
     "written": "2020-03-01"},
    {"title": "关于最低生活保障的通知", "doc_number": "聊民发〔2021〕2号", "body": "低保对象认定；政务服务。", "published": "2021-05-01",
     "written": "2021-05-01"},
]
EMPTY_LIKE = ["", " ", "\u3000\t\n", "，。！？、；：", "《》“”（）【】", "...---", "\u0000", "\ud800", "\udfff", "😀😀", "Ⅷ", "\u200b"]
HOSTILE_QUERIES = ["(.*)+[a-z]?\\", "^$|\\d+", "[^]*", "\\u0000", "$&$'$`", "<script>alert(1)</script>", "__proto__",
                   "constructor", "toString", "hasOwnProperty", "valueOf", "#聊政办发#2019#5", "%E6%94%BF", "政" * 1000,
                   " ".join(["政务"] * 500), "x" * 1000, "\u202e政务", "政务\ud800公开", "ＡＢＣ１２３", "𠮷", "\U0002A6A5",
                   "聊政办发〔2019〕5号" * 3, "聊政办发〔2019〕5号 聊政发〔2020〕1号", "聊政办发〔2019〕", "2019年 政务",
                   "政务公开 公开政务", "政务 政务 政务", "Wi-Fi 6", "ＧＢ／Ｔ 37668", "gb/t37668—2019", "信用“红黑名单”"]


@pytest.fixture(scope="module")
def queries(tmp_path_factory) -> Path:
    return built(make_project(tmp_path_factory.mktemp("queries") / "site", QUERY_DOCS))


def test_queries_without_words_browse_everything(queries):
    answers = ask(queries, [{"q": q} for q in EMPTY_LIKE])
    for answer in answers:
        assert answer["total"] == answers[0]["total"] >= len(QUERY_DOCS), repr(answer["q"])
        assert answer["wenhao"] is None and not answer["partial"], repr(answer["q"])


def test_hostile_queries_are_answered_exactly(queries):
    """Every query is answered (no exception); a result holds each word of the query (exactly,
    after normalisation) and every document holding them all is a result."""
    everything = ask(queries, [{"q": ""}])[0]["total"]
    for answer in ask(queries, [{"q": q} for q in HOSTILE_QUERIES]):
        q = answer["q"]
        assert 0 <= answer["total"] <= everything and answer["pages"] >= 1, repr(q)
        words = normalise(q).split()
        if answer["wenhao"] or answer["partial"] or not words or any(re.search("[a-z]", w) for w in words):
            continue  # a 文号 is answered by its keys; Latin words also match pinyin
        wanted = {f"/policies/d{n}/" for n, doc in enumerate(QUERY_DOCS) if all(w in text_of(n, doc) for w in words)}
        got = set(answer["urls"]) if answer["pages"] == 1 else None
        assert got is None or got & {f"/policies/d{n}/" for n in range(len(QUERY_DOCS))} == wanted, (q[:40], got)


def test_mixed_width_and_astral_queries_match_their_text(queries):
    answers = ask(queries, [{"q": q} for q in ("ＧＢ／Ｔ 37668", "gb/t 37668—2019", "𠮷祥物", "\U0002A6A5", "信用红黑名单",
                                               "信用“红黑名单”", "WI-FI 6")])
    assert [a["urls"][:1] for a in answers] == [["/policies/d1/"], ["/policies/d1/"], ["/policies/d2/"], ["/policies/d2/"],
                                                ["/policies/d0/"], ["/policies/d0/"], ["/policies/d1/"]]
    marked = [p for p, m in answers[2]["snippets"][0] if m]
    assert marked and all(normalise(p) == "𠮷祥物" for p in marked)


def test_any_page_number_lands_on_a_real_page(queries):
    for page in (0, -1, 2, 10**9, 2**53):
        answer = one(queries, "关于", page=page)
        assert answer["page"] == 1 and answer["pages"] == 1 and answer["urls"], page


@pytest.mark.parametrize("key", ["from", "utm_source", "__proto__", "toString", "constructor"])
def test_unknown_filter_keys_do_not_break_the_search(queries, key):
    """?from=singlemessage (WeChat), utm_source, __proto__: ignored. (At 17e3b5c valuesOf() threw
    TypeError on any key that is not a facet and the page said the index could not be read.)"""
    plain = one(queries, "政务")
    answer = one(queries, "政务", filters={key: "singlemessage"})
    assert answer["urls"] == plain["urls"]


def test_hostile_filter_values_match_nothing_and_break_nothing(queries):
    for value in ("<script>", "", "2019\u0000", "__proto__", "2019 ", "１２"):
        answer = one(queries, "政务", filters={"year": value})
        assert answer["total"] in (0, one(queries, "政务")["total"]), value


# -- determinism --------------------------------------------------------------------------------------------

def test_the_index_is_the_same_whatever_the_order_or_the_hash_seed(tmp_path):
    """Two builds of one project, and a copy whose files were written in the opposite order and
    built with another hash seed, give byte-identical /search/ and /wh/ files."""
    rng = random.Random(4)
    sentences = example_sentences()
    docs = [{"title": f"关于第{n}项{rng.choice(sentences)[:12]}的通知", "doc_number": f"聊政办发{'〔' if n % 2 else '['}2019{'〕' if n % 2 else ']'}{n // 2}号",
             "agency": rng.choice(["聊城市人民政府办公室", "聊城市财政局、聊城市民政局"]),
             "published": f"2019-06-{1 + n % 3:02d}", "written": "2019-05-01",
             "body": "".join(rng.choice(sentences) for _ in range(5)) + f"引用聊政发〔2018〕{n}号。"} for n in range(40)]
    first = make_project(tmp_path / "a", docs)
    second = make_project(tmp_path / "b", docs, order=list(reversed(range(len(docs)))))
    digests = []
    for root, seed in ((first, "1"), (first, "2"), (second, "12345")):
        proc = build(root, env={**os.environ, "PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        digests.append({sub: files(root / "output" / sub) for sub in ("search", "wh")})
    assert digests[0]["search"] and digests[0]["wh"]
    assert digests[0] == digests[1] == digests[2]
