"""Do two revisions build the same bytes? For refactors that must not change the output.

    python3 benchmarks/same_output.py [BASE] [--documents 1000]

Builds the example portal and a generated site of N documents (benchmarks/corpus.py)
with the generator at BASE (a git revision, default HEAD) and with the working tree, each
revision with its own layouts and example content, and compares the output trees file
by file. Prints every file that differs or exists on one side only;
exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import corpus  # noqa: E402 - benchmarks/corpus.py beside this file

BUILD_DATE = "2026-11-25"


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(generator: Path, project: Path, output: Path) -> dict[str, str]:
    """Build project with the generator checked out at `generator` (its build.py)."""
    result = subprocess.run(
        [sys.executable, str(generator / "build.py"), "--root", str(project), "--output", str(output),
         "--build-date", BUILD_DATE, "--force"],
        capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"build with {generator} failed:\n{result.stderr}")
    return digests(output)


def project_for(generator: Path, where: Path, documents: int | None) -> Path:
    """The example portal (documents=None) or a fabricated site, with generator's layouts."""
    if documents is None:
        shutil.copytree(generator, where, ignore=shutil.ignore_patterns(".git", "output", ".venv", "node_modules"))
        return where
    where.mkdir(parents=True)
    corpus.write_site(where, corpus.documents(documents))  # this checkout's layouts and config...
    for name in ("layouts",):  # ...replaced by the revision's own
        shutil.rmtree(where / name)
        shutil.copytree(generator / name, where / name)
    shutil.copy(generator / "site_config.yaml", where / "site_config.yaml")
    return where


def compare(name: str, base: dict[str, str], head: dict[str, str]) -> bool:
    changed = sorted(path for path in base.keys() & head.keys() if base[path] != head[path])
    only_base, only_head = sorted(base.keys() - head.keys()), sorted(head.keys() - base.keys())
    same = not (changed or only_base or only_head)
    print(f"{name}: {len(head)} files, {'identical' if same else 'DIFFERENT'}")
    for label, paths in (("changed", changed), ("only in base", only_base), ("only in working tree", only_head)):
        for path in paths[:20]:
            print(f"  {label}: {path}")
        if len(paths) > 20:
            print(f"  … and {len(paths) - 20} more {label}")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", nargs="?", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--documents", type=int, default=1000, help="size of the fabricated site (default 1000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "base"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), args.base],
                       check=True, capture_output=True)
        try:
            same = True
            for name, documents in (("example portal", None), (f"{args.documents} documents", args.documents)):
                trees = [build(gen, project_for(gen, tmp / side / "project", documents), tmp / side / "output")
                         for gen, side in ((base, f"b-{documents}"), (REPO, f"h-{documents}"))]
                same = compare(name, *trees) and same
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)], capture_output=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
