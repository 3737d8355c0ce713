"""Stage 1: read files. Decode UTF-8, refuse invisible characters, split front matter,
parse YAML with line numbers.

Nothing here knows what a policy is; it only turns bytes into (fields, lines, body).

YAML is read from the parser's event stream, not with PyYAML's constructor: every
scalar stays text except null, anchors, aliases and tags are refused (so an alias
bomb never expands), nesting is capped without recursion, and every string is checked
for characters HTML, XML and JSON cannot carry. When YAML cannot be read, the mistakes
editors make (full-width colon, missing space, tab indentation, ...) are recognised
line by line and explained in Chinese; PyYAML's English never reaches the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from .characters import FORBIDDEN, REPORT_LIMIT, Capped, char_name, clean_text
from .diagnostics import Problems
from .yamlhints import FENCE, pick_error, report_mistakes, report_syntax

# Our deepest structure is three levels (site → contact → phone; rows → row → cell);
# twenty leaves room for any future field yet stops a hostile document long before
# any parser or later walk gets slow or deep.
MAX_DEPTH = 20

_PARSERS = (getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader)


# -- documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """YAML data plus the source line of every key, as dotted paths ("attachments.0.file")."""

    data: Any
    lines: dict[str, int]

    def line(self, key: str, default: int = 0) -> int:
        return self.lines.get(key, default)


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    rel: str  # relative to the project root, forward slashes
    front: Document  # front-matter mapping
    body: str
    body_line: int  # line of the file where the body starts


class _Stop(Exception):
    """The document cannot be read any further (too deep); already reported."""


_NULLS = {"", "~", "null", "Null", "NULL"}
_BLANKS = " \t\u3000"
_GLUED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \u3000]*(：|:(?!//))[ \u3000]*(\S.*)$")  # key and value run together
_BAD_KEY = object()  # a key that is not text: its value is read and dropped


@dataclass
class _Frame:
    container: dict | list | None  # None: a collection used as a key, read and dropped
    prefix: str  # dotted path of the children, "" at the top
    expect_key: bool = True
    key: Any = None
    key_line: int = 0
    seen: set = field(default_factory=set)


class _Builder:
    """Builds plain data (dict, list, str, None) and the line of every key from
    parser events, iteratively. Refusals (anchors, aliases, tags, a second
    document) are counted in `fatal`; other problems let the document through."""

    def __init__(self, capped: Capped, first: int):
        self.capped = capped
        self.first = first
        self.lines: dict[str, int] = {}
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self.fatal = 0
        self.anchor_lines: set[int] = set()

    def error(self, line: int, field_name: str, message: str, fatal: bool = False) -> None:
        self.fatal += fatal
        self.capped.add(line, field_name, message)

    def feed(self, event) -> None:
        kind = type(event)
        if kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:  # most common first
            self.stack.pop()
            return
        line = self.first + event.start_mark.line
        if kind is ev.ScalarEvent and event.anchor is None and event.tag is None:
            self._place(None if event.implicit[0] and event.value in _NULLS else event.value, line)
        elif isinstance(event, ev.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.error(line, "", "一个文件里只能有一份 YAML 内容：这里的 --- 开始了第二份，请删除多余的分隔线", True)
                raise _Stop
        elif isinstance(event, ev.AliasEvent):
            self._anchor(line)
            self._place(None, line)
        elif isinstance(event, ev.NodeEvent):
            self._node(event, line)

    def _node(self, event, line: int) -> None:
        if event.anchor is not None:
            self._anchor(line)
        if event.tag is not None and event.tag != "!":
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            self.error(line, self._field(), f"不支持 YAML 类型标签“{tag}”；所有值都按文本读取，请删除标签"
                       "（若值本身以 ! 开头，请给整段值加引号）", True)
        if isinstance(event, ev.ScalarEvent):
            self._place(None if event.implicit[0] and event.value in _NULLS else event.value, line)
            return
        if len(self.stack) >= MAX_DEPTH:
            top = self._field().split(".", 1)[0]  # the field as written, not a path of 20 indices
            self.error(line, top, f"嵌套层级过深（超过 {MAX_DEPTH} 层），请检查缩进和括号", True)
            raise _Stop
        container: dict | list = {} if isinstance(event, ev.MappingStartEvent) else []
        prefix = self._place(container, line)
        self.stack.append(_Frame(container if prefix is not None else None, prefix or ""))

    def _anchor(self, line: int) -> None:
        self.fatal += 1
        if line not in self.anchor_lines:  # once a line: an alias bomb repeats them
            self.anchor_lines.add(line)
            self.capped.add(line, self._field(), "不支持 YAML 锚点（&）和别名（*），请把内容直接写出来")

    def _field(self) -> str:
        frame = self.stack[-1] if self.stack else None
        if frame is None or frame.container is None:
            return ""
        if isinstance(frame.container, list):
            return f"{frame.prefix}{len(frame.container)}"
        return f"{frame.prefix}{frame.key}" if not frame.expect_key and isinstance(frame.key, str) else frame.prefix.rstrip(".")

    def _place(self, value: Any, line: int) -> str | None:
        """Put a value where the parser is; return the dotted path of its children,
        or None when it is to be dropped (a key that is not text, or under one)."""
        if not self.stack:
            self.root = self._text(value, line, "")
            return ""
        frame = self.stack[-1]
        if frame.container is None:
            return None
        if isinstance(frame.container, list):
            path = f"{frame.prefix}{len(frame.container)}"
            self.lines[path] = line
            frame.container.append(self._text(value, line, path))
            return path + "."
        if frame.expect_key:
            frame.expect_key = False
            frame.key, frame.key_line = self._key(value, line, frame), line
            return None  # a collection as key: read and dropped
        frame.expect_key = True
        if frame.key is _BAD_KEY:
            return None
        if value is None and (glued := _GLUED.match(frame.key)):
            value = self._unglue(frame, glued)
        path = f"{frame.prefix}{frame.key}"
        frame.container[frame.key] = self._text(value, frame.key_line, path)
        return path + "."

    def _unglue(self, frame: _Frame, glued: re.Match) -> str:
        """{title：附件} in a flow mapping is one key without a value: read it as
        meant, and report the colon."""
        key, colon, value = glued.groups()
        path = frame.prefix + key
        self.lines[path] = frame.key_line
        if colon == "：":
            message = f"“{key}”后面用了全角冒号“：”；请把全角冒号“：”改为半角冒号加空格“: ”"
        else:
            message = f"“{key}:”后面缺少空格；冒号后要加一个空格，写成“{key}: {value[:12]}”"
        self.error(frame.key_line, path, message)
        frame.key = key
        return value

    def _key(self, value: Any, line: int, frame: _Frame) -> Any:
        if not isinstance(value, str) or not value.strip():
            what = "是列表或映射" if isinstance(value, (dict, list)) else "为空"
            self.error(line, frame.prefix.rstrip("."), f"这里的字段名{what}；字段名应为规定的英文名，写成“字段: 值”")
            return _BAD_KEY
        key = self._text(value, line, frame.prefix + value)
        if key != key.strip(_BLANKS):  # reported, then read as meant: no "missing field" to follow
            key = key.strip(_BLANKS)
            # Before the name it is indentation gone wrong: where the field belongs is
            # unknown, so the document stops here rather than report what follows.
            leading = value[:1] in _BLANKS
            where = "前有全角空格“　”或 Tab（缩进只能用半角空格）" if leading else "后有全角空格“　”或 Tab"
            self.error(line, frame.prefix + key, f"字段名{where}，请删除它", fatal=leading)
        path = frame.prefix + key
        if key in frame.seen:
            self.error(line, path, "字段重复出现，只能写一次")
        frame.seen.add(key)
        self.lines[path] = line
        return key

    def _text(self, value: Any, line: int, path: str) -> Any:
        if not isinstance(value, str) or not FORBIDDEN.search(value):
            return value
        value, bad = clean_text(value)
        for ch in dict.fromkeys(bad):
            self.error(line, path, f"值中有{char_name(ch)}（多半来自双引号中的“\\x”“\\u”转义），请删除")
        return value

    def document(self) -> Document:
        return Document(self.root, self.lines)


def _build(loader, capped: Capped, first: int) -> Document:
    builder = _Builder(capped, first)
    try:
        event = loader.get_event()
        while event is not None:
            builder.feed(event)
            event = loader.get_event()
    except (ValueError, OverflowError) as err:  # PyYAML's chr() on an escape such as "\U00110000"
        mark = loader.get_mark() if hasattr(loader, "get_mark") else None
        raise yaml.scanner.ScannerError("while scanning a double-quoted scalar", None,
                                        "found an escape beyond Unicode", mark) from err
    finally:
        loader.dispose()
    if builder.fatal:
        raise _Stop
    return builder.document()


def parse_yaml(text: str, rel: str, problems: Problems, first_line: int = 1) -> Document | None:
    """Parse YAML, keeping key lines. Every problem is reported; None when the
    document cannot be used at all."""
    errors = []
    for parser in _PARSERS:
        # libyaml is fast; PyYAML's own parser accepts surrogate escapes (which we
        # join or report) and places some errors closer to the mistake. What the
        # builder found before a syntax error is dropped: it may follow from it.
        capped = Capped(rel, Problems(stage=problems.stage))
        try:
            doc = _build(parser(text), capped, first_line)
        except _Stop:
            doc = None
        except yaml.YAMLError as err:
            errors.append(err)
            continue
        capped.finish("同类问题")
        problems.items |= capped.problems.items
        return doc
    report_syntax(text, rel, problems, first_line, pick_error(errors))
    return None


# -- characters, before anything else reads the text ----------------------------------


def check_chars(text: str, rel: str, problems: Problems, first_yaml: int = 0, yaml_text: str = "") -> bool:
    """Report every forbidden character at its own line and column; True if none.
    Within YAML (starting at line first_yaml) the field on that line is named."""
    found = list(FORBIDDEN.finditer(text))
    if not found:
        return True
    small = yaml_text.count("\n") < 2000  # naming fields means parsing: not for a pasted dump
    keys = _keys_by_line(yaml_text, first_yaml) if yaml_text and small else {}
    capped = Capped(rel, problems)
    for match in found[: REPORT_LIMIT + 1]:  # placing each is linear: only those reported
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        capped.add(line, keys.get(line, ""), f"第 {line} 行第 {column} 列有{char_name(match.group())}，请删除")
    capped.count = len(found)
    capped.finish("不可见或不允许的字符")
    return False


def _keys_by_line(yaml_text: str, first: int) -> dict[int, str]:
    """Best effort: the field each line of YAML belongs to (for naming it in a report)."""
    try:
        doc = _build(_PARSERS[0](FORBIDDEN.sub("\ufffd", yaml_text)), Capped("", Problems()), first)
    except (yaml.YAMLError, _Stop):
        return {}
    by_line: dict[int, str] = {}
    last = first + yaml_text.count("\n")
    ordered = sorted((line, path) for path, line in doc.lines.items())
    for index, (line, path) in enumerate(ordered):
        end = ordered[index + 1][0] if index + 1 < len(ordered) else last + 1
        for n in range(line, max(end, line + 1)):
            by_line[n] = path
    return by_line


# -- files -----------------------------------------------------------------------------


def relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _decode(path: Path, rel: str, problems: Problems) -> str | None:
    """UTF-8 (a BOM is tolerated); line ends as an editor shows them: CRLF and a lone
    CR (old Mac files) both count as one line break."""
    try:
        raw = path.read_bytes()
    except OSError as err:  # no permission, a folder or device under a file's name, an I/O error
        problems.add(rel, 0, "", f"无法读取此文件（{err.strerror or err}），请检查文件权限后再试")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.add(rel, line, "", "文件不是 UTF-8 编码，请用 UTF-8 另存后再提交")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, rel: str, problems: Problems) -> str | None:
    """Read a UTF-8 text file; report the first bad byte, or every forbidden character."""
    text = _decode(path, rel, problems)
    if text is None or not check_chars(text, rel, problems):
        return None
    return text


def read_source(path: Path, root: Path, problems: Problems) -> SourceFile | None:
    """Read one content file: Markdown has front matter between --- lines, then the
    body; a .yaml record is all front matter."""
    rel = relpath(path, root)
    if path.suffix == ".yaml":
        doc = read_data(path, root, problems)
        if doc is None:
            return None
        if not isinstance(doc.data, dict):
            problems.add(rel, 1, "", "文件内容应为“字段: 值”形式的映射，每行一个字段")
            return None
        return SourceFile(path, rel, doc, "", 0)
    text = _decode(path, rel, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        if check_chars(text, rel, problems):
            problems.add(rel, 1, "", "文件应以一行 --- 开头，后接前置元数据（标题、日期等），再以一行 --- 结束")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    yaml_text = "\n".join(lines[1:end])
    if not check_chars(text, rel, problems, 2, yaml_text):
        return None
    if end is None:
        problems.add(rel, 1, "", "前置元数据缺少结束的 --- 行")
        return None
    front = parse_yaml(yaml_text, rel, problems, first_line=2)
    if front is None:
        return None
    if front.data is None:
        front = Document({}, {})
    if not isinstance(front.data, dict):
        if not report_mistakes(yaml_text, rel, problems, 2):
            problems.add(rel, 2, "", "前置元数据应为“字段: 值”形式的映射，每行一个字段")
        return None
    return SourceFile(path, rel, front, "\n".join(lines[end + 1 :]), end + 2)


def read_data(path: Path, root: Path, problems: Problems) -> Document | None:
    """Read a YAML data file (site config, data tables): a mapping."""
    rel = relpath(path, root)
    text = _decode(path, rel, problems)
    if text is None or not check_chars(text, rel, problems, 1, text):
        return None
    doc = parse_yaml(text, rel, problems)
    if doc is not None and doc.data is not None and not isinstance(doc.data, dict) and report_mistakes(text, rel, problems, 1):
        return None
    return doc
