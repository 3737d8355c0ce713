"""Where a long build is. On a terminal, a tqdm bar per stage that clears itself when
the stage ends; without one (CI's log), a plain line per stage with its count and time,
and one every LOG_EVERY seconds while a stage runs, so a log shows where the time went.
Problems go to stderr as before; these lines go to stdout, beside the closing summary."""

from __future__ import annotations

import sys
import time
from typing import TextIO

LOG_EVERY = 30.0  # seconds between a long stage's interim lines in a log


class Step:
    """One stage: advance() per item, done() at its end; as a context manager, done()
    if the stage ended well, else only stop() (a failed stage gets no closing line)."""

    def advance(self, count: int = 1) -> None:
        pass

    def done(self) -> None:
        self.stop()

    def stop(self) -> None:
        pass

    def __enter__(self) -> Step:
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is None:
            self.done()
        else:
            self.stop()


class _Bar(Step):
    def __init__(self, label: str, total: int | None, unit: str, stream: TextIO):
        from tqdm import tqdm  # loaded only where a terminal shows it

        tqdm.monitor_interval = 0  # no monitor thread: --jobs forks, and a fork should find one thread
        self.bar = tqdm(total=total, desc=label, unit=unit, leave=False, file=stream, dynamic_ncols=True, mininterval=0.2)

    def advance(self, count: int = 1) -> None:
        self.bar.update(count)

    def stop(self) -> None:
        self.bar.close()


class _Lines(Step):
    def __init__(self, label: str, total: int | None, unit: str, stream: TextIO):
        self.label, self.total, self.unit, self.stream = label, total, unit, stream
        self.count, self.started = 0, time.monotonic()
        self.said = self.started

    def advance(self, count: int = 1) -> None:
        self.count += count
        now = time.monotonic()
        if now - self.said >= LOG_EVERY:
            self.said = now
            of = f" / {self.total:,}" if self.total else ""
            self._say(f"{self.label}：已完成 {self.count:,}{of} {self.unit}……")

    def done(self) -> None:
        self._say(f"{self.label}：{self.count:,} {self.unit}，{time.monotonic() - self.started:.1f} 秒")

    def _say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class Progress:
    """Makes each stage's Step: bars, lines, or nothing (quiet: serve, tests of stages)."""

    def __init__(self, mode: str = "quiet", stream: TextIO | None = None):
        self.mode, self.stream = mode, stream

    @classmethod
    def for_terminal(cls, log: bool = True) -> Progress:
        """Bars where stderr is a terminal; else lines (log) or nothing (a preview's
        rebuilds, whose log is their closing lines)."""
        if sys.stderr.isatty():
            return cls("bars", sys.stderr)
        return cls("lines", sys.stdout) if log else QUIET

    def stage(self, label: str, total: int | None = None, unit: str = "个") -> Step:
        if self.mode == "bars":
            return _Bar(label, total, unit, self.stream)
        if self.mode == "lines":
            return _Lines(label, total, unit, self.stream)
        return Step()


QUIET = Progress()
