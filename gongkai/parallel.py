"""Rendering on all cores. The pages are pure functions of the linked site model, so
each worker process (forked: it inherits the model, nothing is sent to it) runs the
render pass as the build would, but converts only the bodies and renders only the
pages whose URL falls to its share. The parent then runs the same pass once more, and
takes each body and page, by its place in the pass, from the worker that made it: what
it publishes and in which order, the problems, and so the output, are those of a build
in one process. Each worker also does the search stage's reading of the pages it made
(search.prepare_pages). Any worker that cannot be started or dies leaves the build to
one process.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import TYPE_CHECKING

from . import search, urls
from .diagnostics import Problem, Problems, Stage
from .progress import QUIET, Step

if TYPE_CHECKING:
    from .markup import Body
    from .render import SiteRenderer

ENOUGH = 400  # records below which a build with the default --jobs stays in one process


def cores() -> int:
    """The cores this process may run on (a container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class Share:
    """A worker's part of the pass: whose bodies and pages are its, and what it made of
    them, numbered by their place in the pass."""

    number: int
    of: int
    made: dict[int, tuple[str, str, Body | bytes | None]] = field(default_factory=dict)  # place -> (URL, kind, it)
    problems: Problems = field(default_factory=lambda: Problems(stage=Stage.RENDER))  # of those

    def mine(self, url: str) -> bool:
        # A page and its body share the URL, so one worker has both.
        return zlib.crc32(url.encode("utf-8", "surrogatepass")) % self.of == self.number


@dataclass
class Only(Share):
    """serve's pass after an edit (preview.py): the pages at these URLs and their bodies,
    in this process; the pass builds nothing else."""

    urls: frozenset[str] = frozenset()

    def mine(self, url: str) -> bool:
        return url in self.urls


@dataclass
class Made:
    """What a worker sends back."""

    made: dict[int, tuple[str, str, Body | bytes | None]]
    problems: set[Problem]
    warnings: set[Problem]
    cache: tuple[dict, set]
    reused: int
    prepared: dict  # page URL -> what the search index takes from it


@dataclass
class Replay:
    """The parent's pass: every body and page from the worker that made it."""

    made: dict[int, tuple[str, str, Body | bytes | None]] = field(default_factory=dict)


_PARENT: SiteRenderer | None = None  # the renderer a forked worker starts from


def run(renderer: SiteRenderer, jobs: int) -> Replay | None:
    """The workers' bodies and pages, their problems and cache entries handed to the
    renderer; None when they could not be had (then render in one process)."""
    global _PARENT
    _PARENT = renderer
    step = renderer.progress.stage(f"生成页面（{jobs} 个进程）", jobs, "个进程")
    try:
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
            made = []
            for future in [pool.submit(_work, k, jobs) for k in range(jobs)]:
                made.append(future.result())
                step.advance()
    except (BrokenProcessPool, OSError):  # killed (out of memory) or not started (no processes to be had)
        step.stop()
        return None
    finally:
        _PARENT = None
    step.done()
    replay = Replay()
    for each in made:
        replay.made.update(each.made)
        renderer.problems.items |= each.problems
        renderer.problems.warnings |= each.warnings
        renderer.cache.take(*each.cache)
        renderer.markdown.reused += each.reused
        renderer.prepared.update(each.prepared)
    return replay


def _work(number: int, jobs: int) -> Made:
    renderer = _PARENT
    renderer.problems = Problems(stage=Stage.RENDER)
    renderer.progress, renderer._step = QUIET, Step()
    renderer.cache = renderer.markdown.cache = renderer.cache.for_worker()
    renderer.share = Share(number, jobs)
    renderer.pages()
    share = renderer.share
    made: dict[str, bytes] = {}
    for url, kind, page in share.made.values():  # in the pass's order: the first page at a URL is the one kept
        if kind == "page" and page is not None:
            made.setdefault(urls.output_path(url), page)
    prepared = search.prepare_pages(renderer, made)  # the search stage's reading of these pages, here too
    return Made(share.made, share.problems.items, share.problems.warnings,
                renderer.cache.held(), renderer.markdown.reused, prepared)
