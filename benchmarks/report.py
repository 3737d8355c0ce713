"""Printing the benchmarks' tables: columns aligned in a terminal, where a CJK character
takes two columns."""

from __future__ import annotations

import unicodedata
from pathlib import Path


def cpu_model() -> str:
    """The CPU's name as /proc/cpuinfo gives it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def print_table(rows: list[list[str]]) -> None:
    """The first column left-aligned, the others right-aligned."""
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell + " " * (widths[i] - width(cell)) if i == 0 else " " * (widths[i] - width(cell)) + cell
                        for i, cell in enumerate(r)).rstrip())


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
