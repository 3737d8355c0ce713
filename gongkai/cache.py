"""The build cache in .cache/gongkai/ of the project: what a build can reuse from the
last one. A stage asks for an entry under a key naming everything the entry was made
from, and checks itself what no key can name (other records' URLs, files on disk); the
cache only stores. It is an optimisation and never a reason for a build to fail:

- entries of another generator (its code or its libraries changed) are dropped on opening;
- a cache that cannot be opened, read or written (corrupt, read-only, disk full, a
  folder that is a symbolic link out of the project) is passed over: the build runs as a
  clean one;
- entries of a kind the build used but did not ask for are removed when it ends, so
  the cache holds one build's worth.

SQLite (the standard library's) holds it: a large site reads only the entries it asks
for, and a build killed midway leaves the last committed state. Values are JSON,
compressed; nothing in the cache is ever run as code.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from functools import cache
from importlib import metadata
from pathlib import Path

FOLDER = Path(".cache") / "gongkai"
NAME = "build.sqlite"
BATCH = 2000  # new entries held in memory before they are stored
_LIBRARIES = ("markdown", "beautifulsoup4", "jinja2", "pyyaml", "markupsafe", "pypinyin", "numpy")


@cache
def generator() -> str:
    """What made the entries: this package's code and the versions of its libraries."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=-\0".encode())
    return digest.hexdigest()


def key(*parts) -> str:
    """A key for an entry made from parts (anything JSON can write)."""
    return hashlib.sha256(_encode(parts)).hexdigest()


def _encode(value) -> bytes:
    # surrogatepass: a name that is not UTF-8 (a folder's, an odd file's) is still a value
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")


class Cache:
    """The project's cache, or an empty one (project None: --no-cache, or no cache to be
    had); written to only when writing (a check reads it and writes nothing)."""

    def __init__(self, project: Path | None, writing: bool = True, holding: bool = False):
        self._new: dict[tuple[str, str], bytes] = {}
        self._used: set[tuple[str, str]] = set()
        self.project, self.writing, self.holding = project, writing, holding
        self._db = None if project is None else _open(project) if writing else _read_only(project)

    def for_worker(self) -> Cache:
        """A worker process's own connection (one must not cross a fork), read-only: the
        entries it makes are held, for the parent to take()."""
        return Cache(self.project if self._db is not None else None, writing=False, holding=self.writing)

    def held(self) -> tuple[dict, set]:
        return self._new, self._used

    def take(self, new: dict, used: set) -> None:
        """A worker's held entries, as if this build had made them."""
        if self._db is not None and self.writing:
            self._used |= used
            self._new.update(new)
            if len(self._new) >= BATCH:
                self._store()

    def get(self, kind: str, name: str):
        if self._db is None:
            return None
        self._used.add((kind, name))
        try:
            row = self._db.execute("SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, name)).fetchone()
            value = json.loads(zlib.decompress(row[0]).decode("utf-8", "surrogatepass")) if row else None
        except (sqlite3.Error, zlib.error, ValueError, TypeError):  # UnicodeError is a ValueError
            value = None
        return value

    def put(self, kind: str, name: str, value) -> None:
        if self._db is not None and (self.writing or self.holding):
            self._used.add((kind, name))
            self._new[(kind, name)] = zlib.compress(_encode(value), 1)
            if self.writing and len(self._new) >= BATCH:
                self._store()

    def _store(self) -> None:
        """The new entries into the database (each stands on its own: a build killed
        after this leaves them usable)."""
        new, self._new = self._new, {}
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                     [(kind, name, value) for (kind, name), value in new.items()])
        except (sqlite3.Error, OSError, ValueError):
            pass

    def close(self) -> None:
        """Store the new entries and forget the ones of the kinds used that were not."""
        if self._db is None:
            return
        if self.writing:
            self._store()
            try:
                with self._db:
                    self._db.execute("CREATE TEMP TABLE used (kind TEXT, key TEXT, PRIMARY KEY (kind, key))")
                    self._db.executemany("INSERT OR IGNORE INTO used VALUES (?, ?)", sorted(self._used))
                    self._db.execute("DELETE FROM entries WHERE kind IN (SELECT kind FROM used) AND NOT EXISTS "
                                     "(SELECT 1 FROM used WHERE used.kind = entries.kind AND used.key = entries.key)")
            except (sqlite3.Error, OSError, ValueError):
                pass  # the next build starts from what was there
        self._db.close()
        self._db = None


def _inside(project: Path) -> bool:
    """Whether the cache's folders and file are no symbolic links: it stays in the project."""
    folder = project / FOLDER
    try:
        return not any(part.is_symlink() for part in (project / FOLDER.parts[0], folder, folder / NAME))
    except OSError:
        return False


def _read_only(project: Path) -> sqlite3.Connection | None:
    path = project / FOLDER / NAME
    if not _inside(project) or not path.is_file():
        return None
    db = None
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
        row = db.execute("SELECT value FROM meta WHERE name = 'generator'").fetchone()
        if row is not None and row[0] == generator():
            return db
    except (sqlite3.Error, OSError, ValueError):
        pass
    if db is not None:
        db.close()
    return None


def _open(project: Path) -> sqlite3.Connection | None:
    folder = project / FOLDER
    try:
        if not _inside(project):
            return None
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    for attempt in range(2):
        db = None
        try:
            db = sqlite3.connect(folder / NAME, timeout=5)
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))")
            row = db.execute("SELECT value FROM meta WHERE name = 'generator'").fetchone()
            if row is None or row[0] != generator():
                with db:
                    db.execute("DELETE FROM entries")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('generator', ?)", (generator(),))
            return db
        except (sqlite3.Error, OSError, ValueError):  # ValueError: a path that is not UTF-8
            if db is not None:
                db.close()
            if attempt == 0:  # not a database (or a damaged one): start afresh, once
                try:
                    (folder / NAME).unlink(missing_ok=True)
                except OSError:
                    return None
    return None
