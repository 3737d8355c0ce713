"""Content problems are data: collected through a build, reported together.

An error stops the build (nothing is written); a warning (提醒) is reported and the
build goes on. Problems are sorted by the stage that found them first, so the cause
(a file that cannot be read) comes before anything that follows from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Stage(IntEnum):
    """Pipeline stages in order; a problem carries the stage that found it."""

    READ = 0  # bytes, encoding, front matter, YAML
    VALIDATE = 1  # fields of one file
    LINK = 2  # references between files
    RENDER = 3  # bodies and layouts
    WRITE = 4


@dataclass(frozen=True, order=True)
class Problem:
    """One content mistake, located as precisely as the source allows."""

    stage: Stage
    path: str  # project-relative, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file
    field: str  # the field as written in the file, or "" for the body
    message: str  # in Chinese: what is wrong and what was expected

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"字段 {self.field}：" if self.field else ""
        return f"{where}: {what}{self.message}"


@dataclass
class Problems:
    """Collects problems; a build with any error writes nothing."""

    items: set[Problem] = field(default_factory=set)
    warnings: set[Problem] = field(default_factory=set)
    stage: Stage = Stage.READ  # set by the pipeline as it moves on

    def add(self, path: str, line: int | None, field_name: str, message: str) -> None:
        self.items.add(Problem(self.stage, path, line or 0, field_name, message))

    def warn(self, path: str, line: int | None, field_name: str, message: str) -> None:
        self.warnings.add(Problem(self.stage, path, line or 0, field_name, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def report(self) -> str:
        """Errors, then warnings; empty when there is neither."""
        lines = []
        if self.items:
            lines.append(f"发现 {len(self.items)} 个内容错误：")
            lines += [f"  {problem}" for problem in sorted(self.items)]
        if self.warnings:
            lines.append(f"{len(self.warnings)} 个提醒（不影响生成，但请核对）：")
            lines += [f"  {problem}" for problem in sorted(self.warnings)]
        return "\n".join(lines)


class BuildStopped(Exception):
    """Raised when a problem leaves nothing sensible to do (e.g. no site config)."""
