"""Names of organisations written together: the agencies of a joint document (联合发文),
the units sharing a task. What separates them is 、，, ；; and spaces, but only outside
brackets, so a name such as 聊城市人民政府（市长办公会议、常务会议） stays whole."""

from __future__ import annotations

_SEPARATORS = frozenset("、，,；;") | frozenset(" \t\u3000")
_OPENING, _CLOSING = "（(〔[【《「“", "）)〕]】》」”"


def parts(value: str) -> list[tuple[str, bool]]:
    """A value in order as (text, is_name) pieces: the names and what separates them,
    so a page can link each name and print the value as it was written."""
    pieces: list[tuple[str, bool]] = []
    depth, start = 0, 0
    for index, char in enumerate(value):
        depth += (char in _OPENING) - (char in _CLOSING and depth > 0)
        if depth == 0 and char in _SEPARATORS:
            pieces.append((value[start:index], True))
            pieces.append((char, False))
            start = index + 1
    pieces.append((value[start:], True))
    return _merge([(text, is_name and bool(text)) for text, is_name in pieces])


def _merge(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Adjacent separators (、 and a space, two spaces) as one piece; no empty names."""
    merged: list[tuple[str, bool]] = []
    for text, is_name in parts:
        if not text:
            continue
        if merged and not is_name and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text, False)
        else:
            merged.append((text, is_name))
    return merged


def names(value: str) -> tuple[str, ...]:
    """The names in a value, each once, in order."""
    return tuple(dict.fromkeys(text.strip() for text, is_name in parts(value) if is_name and text.strip()))
