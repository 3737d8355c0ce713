"""serve's builds. The site model and pages of the last build stay in memory, so that
a save which changed only the bodies of documents (what an editor previewing does most)
re-renders just the pages that show those bodies and rewrites those files, in a few
milliseconds; the search index follows once no save is waiting. Anything else (front
matter, a file added or removed, an attachment, layouts, the configuration, a page
whose bytes another output digests, a problem or warning) is a whole build, as the
command line runs it, and that build becomes the model kept.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from . import parallel, search
from .build import Build, _read_file
from .cache import Cache
from .diagnostics import Problems, Stage
from .progress import QUIET, Progress, Step
from .render import SiteRenderer
from .source import relpath
from .write import WriteFailed, update_files

WHOLE = None  # changed paths unknown (the config, a folder come or gone): build everything


class Waiting(Exception):
    """The search stage gave way: a save is waiting."""


class Preview:
    """Builds for serve, in order, on one thread. full() runs a build as the command
    line does; edited(paths) takes the quick path where it may."""

    def __init__(self, root: Path, output: Path, as_of: date, use_cache: str,
                 run_build: Callable[..., tuple[Problems, Build | None]]):
        self.root, self.output, self.as_of, self.use_cache = root, output, as_of, use_cache
        self._run_build = run_build
        self.renderer: SiteRenderer | None = None  # the last good build's; None after one that failed
        self.warnings: set = set()  # that build's, which still stand after a quick rebuild
        self.search_stale = False  # pages rewritten since the search index was made
        self.cold = False  # the last build found nothing to do (no-change shortcut): no model yet
        self.waiting = threading.Event()  # set by serve while a save waits: the search stage gives way

    def full(self, shortcut: bool = True) -> Problems:
        """A whole build (the no-change shortcut allowed: then the model is made without
        writing, by warm(), once the browsers are reloaded)."""
        self.renderer, self.search_stale = None, False
        problems, made = self._run_build(self.root, self.output, self.as_of, self.use_cache,
                                         Progress.for_terminal(log=False), shortcut=shortcut)
        self._keep(made)
        self.cold = made is None and not problems
        return problems

    def warm(self) -> None:
        """The model of the site the no-change shortcut left in place, made without
        writing (it is byte for byte what output/ holds), so that the first save is quick."""
        from .build import build_site

        before = self._inputs()
        made = build_site(self.root, self.as_of, self.use_cache and "read")
        if self._inputs() == before:  # else it may hold a save output/ does not: again, unless a save waits
            self.cold = False
            self._keep(made)

    def _inputs(self) -> dict[str, tuple[int, int]]:
        """Size and modification time of everything a build reads."""
        found = {}
        for path in (self.root / "site_config.yaml", *(self.root / "content").rglob("*"), *(self.root / "layouts").rglob("*")):
            try:
                info = path.stat()
            except OSError:
                continue
            found[str(path)] = (info.st_size, info.st_mtime_ns)
        return found

    def _keep(self, made: Build | None) -> None:
        if made is not None and not made.problems and made.renderer is not None:
            self.renderer, self.warnings = made.renderer, made.problems.warnings

    def edited(self, paths: set[Path] | None) -> Problems:
        started = time.perf_counter()
        try:
            pages = self._quick(paths) if paths is not WHOLE and self.renderer is not None else None
        except WriteFailed:  # the whole build says what stands in the way, the way builds do
            pages = None
        if pages is None:
            return self.full()
        self.search_stale |= pages > 0
        names = "、".join(sorted(relpath(p, self.root) for p in paths)) or "无"
        print(f"已更新 {names}：重写 {pages} 个页面，用时 {time.perf_counter() - started:.3f} 秒；搜索索引稍后更新。",
              flush=True)
        return Problems(warnings=set(self.warnings))

    # -- the quick path ----------------------------------------------------------------------

    def _quick(self, paths: set[Path]) -> int | None:
        """How many files the edit rewrote, or None where it needs a whole build."""
        renderer = self.renderer
        site = renderer.site
        changed = []
        named = {w.path for w in self.warnings}
        for path in sorted(paths):
            rel = relpath(path, self.root)
            if rel in named:
                return None  # what was said of it may no longer stand
            doc_id = site.by_source.get(rel)
            if doc_id is None:
                if _hidden(path, self.root) or not (path.exists() or path in self._read_files()):
                    continue  # what no build reads: an editor's swap file, or one come and gone
                return None  # a file added, an attachment, a data table
            old = site.by_id[doc_id]
            new = self._reread(path, site.type_of[doc_id])
            if new is None or new.id != old.id or dataclasses.replace(new, body=old.body) != old:
                return None
            if new.body != old.body:
                changed.append((old, new.body))
        targets = {url for old, _ in changed for url in renderer.shown.get(old.id, ())}
        if targets & renderer.digested:
            return None  # another output holds a digest of one of these pages (a gazette manifest)
        for old, body in changed:  # every reference to the record (lists, back links) sees the new body
            object.__setattr__(old, "body", body)
        made = self._render(targets)
        if made is None:
            self.renderer = None  # the model now holds bodies no page shows: start again
            return None
        files = {path: data for path, data in made.items() if _differs(self.output / path, data)}
        update_files(self.output, files)
        renderer.outputs.pages.update(made)
        return len(files)

    def _read_files(self) -> set[Path]:
        """The files besides documents the last build read: attachments, images, tables."""
        outputs, site = self.renderer.outputs, self.renderer.site
        return {*outputs.copies.values(), *outputs.held, *(self.root / t.rel for t in site.tables.values())}

    def _reread(self, path: Path, kind):
        """The file's record as a build would read it, or None if that said anything."""
        problems = Problems()
        record = _read_file(self.root, self.renderer.config, kind, path, {}, problems)
        return None if problems or problems.warnings else record

    def _render(self, targets: set[str]) -> dict[str, bytes] | None:
        """The pages at targets by output path, made again from the model, or None if
        anything was said about them or they now publish other files."""
        renderer = self.renderer
        linked = {url: renderer.outputs.linked.get(url) for url in targets}
        kept = Cache(self.root if self.use_cache else None, self.use_cache == "write")
        renderer.cache = renderer.markdown.cache = kept
        renderer.problems = problems = Problems(stage=Stage.RENDER)
        renderer.share = share = parallel.Only(0, 1, urls=frozenset(targets))
        try:
            renderer.pages()
        finally:
            renderer.share = None
            kept.close()
        if problems or problems.warnings or share.problems or share.problems.warnings:
            return None
        made = {}
        for url, kind, value in share.made.values():
            if kind == "body" and (value is None or tuple(value.files) != linked[url]):
                return None
            if kind == "page":
                if value is None:
                    return None
                made[_path(url)] = value
        return made

    # -- the search index, once no save waits ------------------------------------------------------

    def settle(self) -> bool:
        """Make the search index of the pages as they are now, and rewrite what changed
        of it; False if it gave way to a waiting save (it runs again after that one)."""
        renderer = self.renderer
        if renderer is None or not self.search_stale:
            return True
        started = time.perf_counter()
        outputs = renderer.outputs
        before = {path: outputs.pages.pop(path) for path in renderer.searched}
        kept = {path: (outputs.sources.pop(path), outputs.page_types.pop(path)) for path in renderer.searched}
        renderer.cache = Cache(self.root if self.use_cache else None, self.use_cache == "write")
        renderer.problems = problems = Problems(stage=Stage.RENDER)
        renderer.progress = _GivingWay(self.waiting)
        try:
            done = set(outputs.pages)
            search.emit(renderer)
            searched = set(outputs.pages) - done
        except Waiting:
            for path in set(outputs.pages) - done:
                outputs.pages.pop(path)
            outputs.pages.update(before)
            for path, (sources, page_type) in kept.items():
                outputs.sources[path], outputs.page_types[path] = sources, page_type
            return False
        finally:
            renderer.cache.close()
            renderer.progress = QUIET
        if problems or problems.warnings:
            self.renderer = None
            return True
        files = {path: outputs.pages[path] for path in searched if before.get(path) != outputs.pages[path]}
        files.update({path: None for path in before.keys() - searched})
        try:
            update_files(self.output, files)
        except WriteFailed as err:
            print(f"错误：{err}", flush=True)
            self.renderer = None
            return True
        renderer.searched, self.search_stale = searched, False
        print(f"搜索索引已更新：{len(files)} 个文件，用时 {time.perf_counter() - started:.2f} 秒。", flush=True)
        return True


def _hidden(path: Path, root: Path) -> bool:
    """Under a hidden name, which no build reads (.gitkeep, an editor's swap file)."""
    parts = path.relative_to(root).parts if path.is_relative_to(root) else (path.name,)
    return any(part.startswith(".") for part in parts)


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except OSError:
        return True


def _path(url: str) -> str:
    from .urls import output_path

    return output_path(url)


class _GivingWay(Progress):
    """The search stage's progress: each step it takes raises Waiting once a save waits."""

    def __init__(self, waiting: threading.Event):
        self.waiting = waiting

    def stage(self, label: str, total: int | None, unit: str) -> Step:
        return _Yield(self.waiting)


class _Yield(Step):
    def __init__(self, waiting: threading.Event):
        self.waiting = waiting

    def advance(self, count: int = 1) -> None:
        if self.waiting.is_set():
            raise Waiting
