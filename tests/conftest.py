"""Shared helpers: temporary projects and the real command line."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD_PY = REPO / "build.py"


def run_cli(*args: str, root: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run build.py as an editor would, against the project at root."""
    return subprocess.run(
        [sys.executable, str(BUILD_PY), *args, "--root", str(root)],
        capture_output=True, text=True, env=env, timeout=120,
    )


def tree_digest(path: Path) -> dict[str, str]:
    """Every file under path with the hash of its bytes, to prove nothing changed."""
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*")) if p.is_file()
    }


class Project:
    """A throwaway project: the repo's layouts and config, and content a test writes."""

    def __init__(self, root: Path, with_example: bool):
        self.root = root
        shutil.copytree(REPO / "layouts", root / "layouts")
        shutil.copy(REPO / "site_config.yaml", root / "site_config.yaml")
        if with_example:
            shutil.copytree(REPO / "content", root / "content")
        else:
            (root / "content").mkdir()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def cli(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_cli(*args, root=self.root, env=env)

    def build(self, *args: str) -> subprocess.CompletedProcess:
        return self.cli("--build-date", "2026-11-25", *args)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def html(self, url: str) -> str:
        return (self.output / url.strip("/") / "index.html").read_text(encoding="utf-8")


@pytest.fixture
def example(tmp_path) -> Project:
    """A copy of the example portal."""
    return Project(tmp_path / "site", with_example=True)


@pytest.fixture
def empty(tmp_path) -> Project:
    """A project with the example's layouts and config but no content."""
    return Project(tmp_path / "site", with_example=False)


POLICY = """\
---
title: {title}
doc_number: 聊政发〔2024〕{n}号
index_number: 11371500004314023F/2024-{n:05d}
agency: 聊城市人民政府
written: 2024-01-0{d}
published: 2024-01-0{d}
topic: 综合政务
kind: 通知
{extra}
---

正文{title}。
"""


def policy(title: str = "测试文件", n: int = 1, d: int = 2, extra: str = "") -> str:
    return POLICY.format(title=title, n=n, d=d, extra=extra)
