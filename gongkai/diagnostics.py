"""Content problems are data: collected through a build, reported together."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One content mistake, located as precisely as the source allows."""

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
    """Collects problems; a build with any problem writes nothing."""

    items: set[Problem] = field(default_factory=set)

    def add(self, path: str, line: int | None, field_name: str, message: str) -> None:
        self.items.add(Problem(path, line or 0, field_name, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def report(self) -> str:
        lines = [f"发现 {len(self.items)} 个内容错误："]
        lines += [f"  {problem}" for problem in sorted(self.items)]
        return "\n".join(lines)


class BuildStopped(Exception):
    """Raised when a problem leaves nothing sensible to do (e.g. no site config)."""
