"""Bytes budget of a search on a 10,000-document portal: what a visitor's browser
downloads for one query, run through the shipped engine (layouts/assets/search.js, via
tests/search/run.js) over the index of the generated corpus (benchmarks/corpus.py).

- FIRST query (fresh visit, empty cache, search.js itself counted): at most 60 KB;
- a LATER query (after another query in the same page, what it loaded cached): at most 20 KB;
for rare terms, 文号 in several writings and five-character compounds. The index itself:
a bounded number of files per document, and no file a query fetches whole is large.

The index is built once for the module, straight from the documents (gongkai.search.index
.build on the Pages the build's search stage makes, text = the body: no pages rendered);
`pytest -s` prints how long that took and every query's bytes. A budget the engine misses
today is xfail(strict=True) with the measured figure, so a fix shows as XPASS.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from benchmarks import search as bench

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "tests" / "search" / "run.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node (Node.js) is not installed: search.js cannot run here")

COUNT = 10_000
KB = 1024
FIRST = 60 * KB
LATER = 20 * KB
WARM_UP = "安全生产"  # the query before a LATER one: shares no character with those measured
FILES_PER_DOCUMENT = 3
# Files fetched whole, by folder: a shard or postings file past this is a download a query
# should not have to make (t/ passages are fetched by Range, one passage at a time).
LARGEST = {"entry.json": 16 * KB, "i": 32 * KB, "g": 256 * KB, "c": 64 * KB, "d": 8 * KB}


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _wenhao(docs, which: str) -> tuple[str, str]:
    """(query, the document it names) for the 文号 case `which`."""
    by_date = sorted(docs, key=lambda d: (d.published, d.id))
    ends = {"oldest": by_date[0], "middle": docs[len(docs) // 2], "newest": by_date[-1]}
    numbers = {d.number: d for d in docs}
    ends["cited"] = next(numbers[n] for n in (_cited(d) for d in docs) if n and numbers[n] not in ends.values())
    doc = ends.get(which, ends["middle"])
    agency, rest = doc.number.split("〔")
    year, serial = rest.rstrip("号").split("〕")
    writings = {
        "square": f"{agency}[{year}]{serial}号",
        "fullwidth": f"{agency}〔{year.translate(_FULL)}〕第{serial.translate(_FULL)}号",
        "nian": f"{agency}{year}年{serial}号",
        "spaces": f"{agency} {year} {serial}",
    }
    return writings.get(which, doc.number), f"/policies/{doc.id}/"


def _cited(doc) -> str | None:
    """The 文号 a document cites (the corpus writes 根据《title》（文号）精神 at its start)."""
    if not doc.body.startswith("根据《"):
        return None
    return doc.body[doc.body.index("》（") + 2:doc.body.index("）精神")]


RARE = {"𠮷祥 (0.2 %, outside the BMP)": "𠮷祥", "5G基站 (1 %, letters and Han)": "5G基站",
        "人民法院 (3.5 %)": "人民法院", "GB/T 37668—2019 (0.4 %, two words)": "GB/T 37668—2019"}
WENHAO = {"as written, the oldest document": "oldest", "as written, one in the middle": "middle",
          "as written, the newest": "newest", "as written, a document others cite": "cited",
          "square brackets": "square", "full-width digits, 第…号": "fullwidth", "年 for the brackets": "nian",
          "spaces, no 号": "spaces"}
COMPOUNDS = {"住房公积金 (a synonym group)": "住房公积金", "规范性文件 (in titles)": "规范性文件",
             "社会保险费 (in titles)": "社会保险费", "医疗保障局 (an agency)": "医疗保障局"}
CASES = [("rare", c) for c in RARE] + [("文号", c) for c in WENHAO] + [("compound", c) for c in COMPOUNDS]
# Budgets the engine misses today (measured 2026-12-02: rank facts in the postings, facet
# chunks only on demand), by (class, case, FIRST / LATER): what is left is the postings of
# trigrams in a third of the documents, which an exact positional match must read whole.
_POSTINGS = "of which the postings g/N.bin of its two trigrams {} B ({} and {} documents)"
MISSED: dict[tuple[str, str, str], str] = {
    ("rare", "GB/T 37668—2019 (0.4 %, two words)", "FIRST"):
        "75,320 B in 29 files; of which postings g/ = 22,436 B, 20,185 of them for 201 (4,977 documents: "
        "2019 is in every 文号 of the year)",
    ("compound", "规范性文件 (in titles)", "FIRST"): "70,095 B in 26 files; " + _POSTINGS.format("25,175", "3,482", "2,255"),
    ("compound", "医疗保障局 (an agency)", "FIRST"): "79,849 B in 26 files; " + _POSTINGS.format("33,711", "3,552", "3,077"),
    ("rare", "GB/T 37668—2019 (0.4 %, two words)", "LATER"): "40,210 B in 27 files; postings g/ = 22,436 B",
    ("compound", "规范性文件 (in titles)", "LATER"): "34,985 B in 24 files; " + _POSTINGS.format("25,175", "3,482", "2,255"),
    ("compound", "社会保险费 (in titles)", "LATER"): "24,543 B in 24 files; postings g/ = 13,844 B",
    ("compound", "医疗保障局 (an agency)", "LATER"): "44,739 B in 24 files; " + _POSTINGS.format("33,711", "3,552", "3,077"),
}


@pytest.fixture(scope="module")
def docs():
    return bench.corpus.documents(COUNT)


@pytest.fixture(scope="module")
def queries(docs) -> dict[tuple[str, str], str]:
    table = {("rare", c): q for c, q in RARE.items()} | {("compound", c): q for c, q in COMPOUNDS.items()}
    return table | {("文号", c): _wenhao(docs, which)[0] for c, which in WENHAO.items()}


@pytest.fixture(scope="module")
def index(tmp_path_factory, docs) -> tuple[Path, dict[str, bytes]]:
    started = time.perf_counter()
    files = bench.build_index(docs)
    seconds = time.perf_counter() - started
    folder = tmp_path_factory.mktemp("budget") / "search"
    bench.write_files(files, folder)
    size = sum(map(len, files.values()))
    print(f"\n{COUNT} documents: index built in {seconds:.1f} s, {len(files)} files, {size / 1e6:.1f} MB")
    return folder, files


@pytest.fixture(scope="module")
def answers(index, queries) -> dict[tuple[str, str], tuple[dict, dict]]:
    """Per case its FIRST and its LATER answer, from one node process."""
    folder, _ = index
    requests = []
    for case in CASES:
        requests += [{"q": queries[case], "fresh": True}, {"q": WARM_UP, "fresh": True}, {"q": queries[case]}]
    done = subprocess.run([NODE, str(RUN), str(folder)], input=json.dumps(requests), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    found = {case: (out[3 * n], out[3 * n + 2]) for n, case in enumerate(CASES)}
    print(f"{'class':<9} {'query':<24} {'results':>7} {'FIRST B':>8} {'files':>5} {'LATER B':>8} {'files':>5}")
    for case in CASES:
        first, later = found[case]
        print(f"{case[0]:<9} {queries[case]:<24} {first['total']:>7} {first['bytes']:>8} {first['files']:>5} "
              f"{later['bytes']:>8} {later['files']:>5}")
    return found


def _params(when: str) -> list:
    params = []
    for kind, case in CASES:
        missed = MISSED.get((kind, case, when))
        marks = [pytest.mark.xfail(strict=True, reason=missed)] if missed else []
        params.append(pytest.param((kind, case), id=f"{kind}-{case}", marks=marks))
    return params


@pytest.mark.parametrize("case", _params("FIRST"))
def test_first_query_within_60_kb(answers, queries, case):
    first, _ = answers[case]
    assert first["total"] > 0, f"{queries[case]}: no result, so the bytes measure nothing"
    assert first["bytes"] <= FIRST, (
        f"{case[0]} {queries[case]}: a first visit fetched {first['bytes']} bytes in {first['files']} files")


@pytest.mark.parametrize("case", _params("LATER"))
def test_later_query_within_20_kb(answers, queries, case):
    _, later = answers[case]
    assert later["bytes"] <= LATER, (
        f"{case[0]} {queries[case]}: a later query fetched {later['bytes']} bytes in {later['files']} files")


def test_wenhao_queries_find_the_document_they_name(answers, docs):
    """The 文号 cases measure a real answer: the document named, first, whatever the writing."""
    for case, which in WENHAO.items():
        q, url = _wenhao(docs, which)
        first, _ = answers[("文号", case)]
        assert first["urls"][:1] == [url], f"{case} {q}: first result {first['urls'][:1]}, expected {url}"


@pytest.mark.xfail(strict=True, reason="62,955 files for 10,000 documents (6.3 a document): 32,768 shards i/, "
                   "10,029 postings g/, 10,000 cards d/ and 10,000 passage files t/, 157 chunks c/ (2026-12-02)")
def test_files_per_document_bounded(index):
    _, files = index
    assert len(files) < FILES_PER_DOCUMENT * COUNT, (
        f"{len(files)} files for {COUNT} documents: {len(files) / COUNT:.1f} a document; by folder: {_by_folder(files)}")


@pytest.mark.parametrize("folder", sorted(LARGEST))
def test_no_file_fetched_whole_is_large(index, folder):
    _, files = index
    sizes = {path: len(data) for path, data in files.items() if path.split("/")[0] == folder}
    assert sizes, f"no {folder} in the index"
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] <= LARGEST[folder], f"{largest}: {sizes[largest]} bytes, more than {LARGEST[folder]}"


def _by_folder(files: dict[str, bytes]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in files:
        top = path.split("/")[0] if "/" in path else path
        counts[top] = counts.get(top, 0) + 1
    return counts
