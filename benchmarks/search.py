"""Search benchmark: our index (gongkai/search, read by layouts/assets/search.js) next to
Pagefind, on the same generated documents (benchmarks/corpus.py). Figures, never pass/fail.

    .venv/bin/python benchmarks/search.py              # 1000 and 10000 documents
    .venv/bin/python benchmarks/search.py 1000 10000 100000 --rounds 5

What is measured, per corpus size:
- Index build. Ours: the index stage alone, in a subprocess of its own (documents → Pages →
  gongkai.search.index.build → files written), so its peak RSS is that stage's; the CPU
  figure is index.build plus writing the files. Pagefind: its platform binary run on the same
  documents as minimal HTML pages (`pagefind --site DIR`: parse, index, write), CPU of all
  its threads. Peak memory is each process's own ru_maxrss (os.wait4).
- Index size and file count: the files a query can fetch (ours: /search/; Pagefind: index/,
  fragment/, filter/, entry and meta), not the engines' scripts or the UI's CSS.
- Bytes fetched per query, as stored on disk (no HTTP compression for either): FIRST = a
  fresh visit (empty cache, the engine's script, WebAssembly and worker included); LATER = a
  second query after a warm-up query (安全生产) in the same page, so what the first query
  loaded is cached. Both engines fetch what a page of 10 results shows (ours: cards and
  snippet passages; Pagefind: data() of the first 10 results, its fragments).
- Query time, the median over rounds. Ours: engine.search in Node (tests/search/run.js);
  Pagefind: search() plus data() of 10 results in headless Chromium, served on 127.0.0.1.
Rounds interleave the two engines (ours, Pagefind, ours, …; builds alternate who goes
first), so drift of a shared machine hits both.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from html import escape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # run as a script: benchmarks/ is on the path, the project is not
    sys.path.insert(0, str(REPO))

from benchmarks import corpus  # noqa: E402
from benchmarks.report import cpu_model, print_table  # noqa: E402

RUN_JS = REPO / "tests" / "search" / "run.js"
SEARCH_JS = REPO / "layouts" / "assets" / "search.js"
WARM_UP = "安全生产"  # a subject of many titles, sharing no character with the measured queries
PAGE = 10  # results a page shows (search.js's PAGE)
CHROMIUM_ARGS = [  # keep the browser off the network
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


def queries(docs: list[corpus.Doc]) -> list[tuple[str, str]]:
    """(label, query) for each kind of query the budgets speak of."""
    return [
        ("frequent 政府", "政府"),
        ("rare 3.5% 人民法院", "人民法院"),
        ("rare 0.2% 𠮷祥", "𠮷祥"),
        ("文号 (own)", docs[len(docs) // 2].number),
        ("5 chars 住房公积金", "住房公积金"),
    ]


# -- our index ---------------------------------------------------------------------------


def index_pages(docs: list[corpus.Doc]):
    """The Pages the build's search stage would make of these documents as policies, their
    text the body (what a policy page marks data-index, less the rendering)."""
    from dataclasses import replace

    from gongkai import search
    from gongkai.contenttype import Searchable

    return [replace(search._page(Searchable(f"/policies/{d.id}/", d.title, "政策文件", date.fromisoformat(d.published),
                                            d.number, (d.agency,), d.kind, d.topic, d.status, d.status == "有效"), {}),
                    text=d.body)
            for d in docs]


def build_index(docs: list[corpus.Doc]) -> dict[str, bytes]:
    """Our index with the default settings (default synonyms, pinyin on)."""
    from gongkai import search
    from gongkai.search import index, settings

    synonyms = [list(group) for group in settings._groups(settings.DEFAULT_SYNONYMS, None, None)]
    pages = index_pages(docs)
    return index.build(pages, [index.prepare(p, search._pinyin) for p in pages], synonyms)


def shipped_script() -> bytes:
    """search.js as the build ships it (minified: gongkai/render.py)."""
    import rjsmin

    return rjsmin.jsmin(SEARCH_JS.read_text(encoding="utf-8")).encode("utf-8")


def write_files(files: dict[str, bytes], folder: Path) -> None:
    """The index into folder (a site's search/), and beside it assets/search.js as shipped,
    which run.js loads and counts."""
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    script = folder.parent / "assets" / "search.js"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_bytes(shipped_script())


def index_stage(count: int, folder: Path) -> None:
    """Run in a subprocess: build and write our index, print its figures as JSON."""
    docs = corpus.documents(count)
    cpu, wall = time.process_time(), time.perf_counter()
    files = build_index(docs)
    write_files(files, folder)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "wall": wall, "peak": peak}))


def ours_build(count: int, folder: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--index-stage", str(count), str(folder)],
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"our index stage failed:\n{result.stderr}")
    figures = json.loads(result.stdout)
    figures.update(_folder_size(folder, lambda p: True))
    figures["code"] = len(shipped_script())
    return figures


def ours_queries(folder: Path, asked: list[str]) -> dict[str, dict]:
    """One round: per query its FIRST and LATER figures from run.js."""
    requests = []
    for q in asked:
        requests += [{"q": q, "fresh": True}, {"q": WARM_UP, "fresh": True}, {"q": q}]
    result = subprocess.run(["node", str(RUN_JS), str(folder)], input=json.dumps(requests), capture_output=True,
                            text=True)
    if result.returncode:
        sys.exit(f"tests/search/run.js failed:\n{result.stderr}")
    answers = json.loads(result.stdout)
    figures = {}
    for n, q in enumerate(asked):
        first, later = answers[3 * n], answers[3 * n + 2]
        figures[q] = {"total": first["total"], "first": (first["bytes"], first["files"], first["ms"]),
                      "later": (later["bytes"], later["files"], later["ms"])}
    return figures


def _folder_size(folder: Path, wanted) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file() and wanted(p.relative_to(folder))]
    return {"bytes": sum(p.stat().st_size for p in files), "files": len(files)}


# -- Pagefind ----------------------------------------------------------------------------


def install_pagefind(folder: Path) -> tuple[Path | None, str]:
    """(the platform binary, its version) or (None, why not)."""
    npm = shutil.which("npm")
    if not npm:
        return None, "npm not found"
    result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), "pagefind"],
                            capture_output=True, text=True)
    if result.returncode:
        return None, f"npm install pagefind failed: {result.stderr.strip().splitlines()[-1:]}"
    binaries = sorted((folder / "node_modules" / "@pagefind").glob("*/bin/pagefind*"))
    binaries = [b for b in binaries if os.access(b, os.X_OK) and b.suffix != ".sha256"]
    if not binaries:
        return None, "npm installed pagefind without a binary for this platform"
    binary = min(binaries, key=lambda b: b.name != "pagefind_extended")  # extended: Chinese segmentation
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
    return binary, version


def render_site(docs: list[corpus.Doc], root: Path) -> None:
    """Each document as a minimal page: title, 文号 and agency, body paragraphs."""
    for d in docs:
        page = root / "policies" / d.id / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(f"<p>{escape(p)}</p>" for p in d.body.split("\n\n"))
        page.write_text(
            f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(d.title)}</title></head>'
            f"<body><main data-pagefind-body><h1>{escape(d.title)}</h1><p>{escape(d.number)}　{escape(d.agency)}</p>"
            f"{body}</main></body></html>", encoding="utf-8")
    (root / "blank.html").write_text('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>搜索</title>'
                                     "</head><body></body></html>", encoding="utf-8")


def pagefind_build(binary: Path, site: Path) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen([str(binary), "--site", str(site)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"pagefind failed:\n{output.decode(errors='replace')}")
    figures = {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "peak": usage.ru_maxrss / 1024}
    figures.update(_folder_size(site / "pagefind", _pagefind_index_file))
    bundle = site / "pagefind"
    figures["code"] = sum(p.stat().st_size for p in (bundle / "pagefind.js", bundle / "pagefind-worker.js",
                                                     *bundle.glob("wasm.*")) if p.exists())
    return figures


def _pagefind_index_file(path: Path) -> bool:
    return path.parts[0] in ("index", "fragment", "filter") or path.suffix == ".pf_meta" or path.name == "pagefind-entry.json"


class _Counter:
    """Bytes and files the server sent since the last reset."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.bytes, self.files = 0, 0

    def add(self, size: int) -> None:
        with self.lock:
            self.bytes, self.files = self.bytes + size, self.files + 1


def _server(root: Path, counter: _Counter) -> ThreadingHTTPServer:
    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "max-age=3600")
            super().end_headers()

        def copyfile(self, source, destination) -> None:
            data = source.read()
            destination.write(data)
            counter.add(len(data))

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# Import Pagefind's API once per page, then search and load what 10 results show.
PAGEFIND_QUERY = """async ([q, shown]) => {
  if (!window.pagefind) window.pagefind = await import('/pagefind/pagefind.js');
  const started = performance.now();
  const found = await window.pagefind.search(q);
  await Promise.all(found.results.slice(0, shown).map((r) => r.data()));
  return {total: found.results.length, ms: performance.now() - started};
}"""


class PagefindBrowser:
    """Headless Chromium on a local server of one Pagefind site."""

    def __init__(self, playwright, chromium: str) -> None:
        self.browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        self.counter = _Counter()
        self.server = None

    def serve(self, site: Path) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        self.server = _server(site, self.counter)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _ask(self, page, q: str) -> tuple[int, int, int, float]:
        self.counter.reset()
        answer = page.evaluate(PAGEFIND_QUERY, [q, PAGE])
        return answer["total"], self.counter.bytes, self.counter.files, answer["ms"]

    def _fresh_page(self):
        context = self.browser.new_context()  # a new context has an empty cache
        page = context.new_page()
        page.goto(f"{self.base}/blank.html")
        return context, page

    def queries(self, asked: list[str]) -> dict[str, dict]:
        figures = {}
        for q in asked:
            context, page = self._fresh_page()
            total, *first = self._ask(page, q)
            context.close()
            context, page = self._fresh_page()
            self._ask(page, WARM_UP)
            _, *later = self._ask(page, q)
            context.close()
            figures[q] = {"total": total, "first": tuple(first), "later": tuple(later)}
        return figures

    def close(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        self.browser.close()


def open_browser(stack) -> tuple[PagefindBrowser | None, str]:
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return None, "no Chromium (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None, "playwright not installed in this Python"
    playwright = stack.enter_context(sync_playwright())
    browser = PagefindBrowser(playwright, chromium)
    stack.callback(browser.close)
    return browser, ""


# -- the run -----------------------------------------------------------------------------


def measure(count: int, rounds: int, work: Path, pagefind: Path | None, browser, flip: bool) -> dict:
    docs = corpus.documents(count)
    asked = queries(docs)
    ours_dir, site = work / f"ours-{count}" / "search", work / f"site-{count}"
    builds = {}
    steps = [("ours", lambda: ours_build(count, ours_dir))]
    if pagefind:
        render_site(docs, site)
        steps.append(("pagefind", lambda: pagefind_build(pagefind, site)))
    for name, step in reversed(steps) if flip else steps:
        print(f"  {count} documents: building {name} …", file=sys.stderr, flush=True)
        builds[name] = step()
    runs: dict[str, list[dict]] = {"ours": [], "pagefind": []}
    if browser and pagefind:
        browser.serve(site)
    for n in range(rounds):
        print(f"  {count} documents: query round {n + 1}/{rounds} …", file=sys.stderr, flush=True)
        runs["ours"].append(ours_queries(ours_dir, [q for _, q in asked]))
        if browser and pagefind:
            runs["pagefind"].append(browser.queries([q for _, q in asked]))
    shutil.rmtree(work / f"ours-{count}", ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    return {"count": count, "asked": asked, "builds": builds, "runs": runs}


def _kb(size: float) -> str:
    return f"{size / 1024:.1f} KB"


def _query_cells(runs: list[dict], q: str, when: str) -> str:
    if not runs:
        return "n/a"
    size, files, _ = runs[0][q][when]
    return f"{_kb(size)} / {files}"


def _median_ms(runs: list[dict], when: str) -> str:
    if not runs:
        return "n/a"
    return f"{statistics.median(r[q][when][2] for r in runs for q in r):.1f}"


def table(results: list[dict]) -> list[list[str]]:
    header = ["", *(f"{r['count']} {engine}" for r in results for engine in ("ours", "Pagefind"))]
    rows = [header]

    def row(label: str, cell) -> None:
        rows.append([label, *(cell(r, engine) for r in results for engine in ("ours", "pagefind"))])

    def build(key: str, shown):
        return lambda r, engine: shown(r["builds"][engine][key], r) if engine in r["builds"] else "n/a"

    row("index build CPU s", build("cpu", lambda v, r: f"{v:.1f}"))
    row("index build wall s", build("wall", lambda v, r: f"{v:.1f}"))
    row("peak memory MB", build("peak", lambda v, r: f"{v:.0f}"))
    row("index size MB", build("bytes", lambda v, r: f"{v / 1e6:.1f}"))
    row("index files", build("files", lambda v, r: f"{v}"))
    row("index files per document", build("files", lambda v, r: f"{v / r['count']:.2f}"))
    row("engine code, first visit KB", build("code", lambda v, r: f"{v / 1024:.1f}"))
    for n in range(len(results[0]["asked"])):
        def label(r, n=n):
            return r["asked"][n]

        rows.append([f"{results[0]['asked'][n][0]}: query", *(label(r)[1] for r in results for _ in (0, 1))])
        row("  results", lambda r, e, n=n: str(r["runs"][e][0][label(r)[1]]["total"]) if r["runs"][e] else "n/a")
        row("  FIRST bytes / files", lambda r, e, n=n: _query_cells(r["runs"][e], label(r)[1], "first"))
        row("  LATER bytes / files", lambda r, e, n=n: _query_cells(r["runs"][e], label(r)[1], "later"))
    row("median query ms, FIRST", lambda r, e: _median_ms(r["runs"][e], "first"))
    row("median query ms, LATER", lambda r, e: _median_ms(r["runs"][e], "later"))
    return rows


def machine() -> str:
    model = cpu_model()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}; "
            f"Python {platform.python_version()}, Node {node}; load average {load}; {datetime.now():%Y-%m-%d %H:%M}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Search benchmark: our index next to Pagefind (figures only).")
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000], help="corpus sizes (documents)")
    parser.add_argument("--rounds", type=int, default=3, help="query rounds per size (medians of query time)")
    parser.add_argument("--index-stage", nargs=2, metavar=("COUNT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.index_stage:
        index_stage(int(args.index_stage[0]), Path(args.index_stage[1]))
        return
    from contextlib import ExitStack

    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        binary, version = install_pagefind(work / "npm")
        pagefind_note = f"{version} ({binary.name}; code = pagefind.js, worker, WebAssembly)" if binary else f"Pagefind skipped: {version}"
        browser, why = open_browser(stack) if binary else (None, "")
        if binary and not browser:
            pagefind_note += f"; Pagefind query figures n/a: {why}"
        results = [measure(count, args.rounds, work, binary, browser, flip=bool(n % 2))
                   for n, count in enumerate(args.sizes)]
    sys.stderr.flush()
    print(machine())
    script = shipped_script()
    print(f"ours: gongkai.search, assets/search.js as shipped (minified) {_kb(len(script))}, "
          f"{_kb(len(gzip.compress(script)))} gzipped; {pagefind_note}")
    print(f"query rounds: {args.rounds}; LATER = after the warm-up query {WARM_UP} in the same page; "
          f"bytes as stored (no HTTP compression), KB = 1024 bytes; query ms: ours in Node (files read from disk), "
          f"Pagefind in headless Chromium (HTTP on 127.0.0.1, its worker)")
    print()
    print_table(table(results))


if __name__ == "__main__":
    main()
