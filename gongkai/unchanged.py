"""A rebuild with nothing changed. When every input of the last successful build is byte
for byte the same (content, layouts, configuration, the build date, the generator) and
the published folder is as that build left it, the site a build would write is the one
published: the build says so and writes nothing. Anything else (one byte of input, a
published file touched, a symbolic link among the inputs, no cache) builds as usual.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from .cache import Cache, generator, key
from .write import has_leftovers, published_files

_INPUTS = ("content", "layouts", "site_config.yaml")


def inputs(project: Path, as_of: date) -> str | None:
    """The digest of everything a build reads; None where a symbolic link could bring in
    what no digest here covers, or a file cannot be read (the build says why)."""
    try:
        return _inputs(project, as_of)
    except OSError:
        return None


def _inputs(project: Path, as_of: date) -> str | None:
    digest = hashlib.sha256(f"{generator()}\0{as_of.isoformat()}\0".encode())
    for name in _INPUTS:
        top = project / name
        if top.is_symlink():
            return None
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*")) if top.is_dir() else []
        for path in paths:
            if path.is_symlink():
                return None
            if path.is_file():
                digest.update(path.relative_to(project).as_posix().encode("utf-8", "surrogateescape") + b"\0")
                with path.open("rb") as stream:
                    digest.update(hashlib.file_digest(stream, "sha256").digest())
    return digest.hexdigest()


def published(output: Path) -> dict[str, list[int]]:
    """Each published file's size, modification time, inode, permissions and link count:
    what a later touch, chmod or link changes."""
    return {rel: [i.st_size, i.st_mtime_ns, i.st_ino, i.st_mode, i.st_nlink] for rel, i in published_files(output).items()}


def last_build(project: Path, output: Path, digest: str | None) -> dict | None:
    """What the last build said (its warnings, its counts) if nothing changed since and
    nothing beside output awaits a build (an interrupted build's copies, a lock)."""
    if digest is None or has_leftovers(output):
        return None
    cache = Cache(project, writing=False)
    try:
        entry = cache.get("site", key(str(output)))
    finally:
        cache.close()
    try:
        if entry is None or entry["inputs"] != digest or published(output) != entry["files"]:
            return None
        return {"report": str(entry["report"]), "pages": int(entry["pages"]), "files": int(entry["count"])}
    except (KeyError, TypeError, ValueError):  # an entry of another shape
        return None


def remember(project: Path, output: Path, digest: str | None, report: str, pages: int, count: int) -> None:
    """After a successful build from inputs of digest (taken before it read them)."""
    if digest is None:
        return
    cache = Cache(project)
    cache.put("site", key(str(output)),
              {"inputs": digest, "files": published(output), "report": report, "pages": pages, "count": count})
    cache.close()
