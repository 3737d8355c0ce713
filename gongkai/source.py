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

from .diagnostics import Problems

FENCE = "---"

# Our deepest structure is three levels (site → contact → phone; rows → row → cell);
# twenty leaves room for any future field yet stops a hostile document long before
# any parser or later walk gets slow or deep.
MAX_DEPTH = 20
REPORT_LIMIT = 10  # per file and kind of problem: the first ten, then a count

_PARSERS = (getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader)


# -- characters ----------------------------------------------------------------------

def _noncharacters() -> str:
    planes = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
    return "\ufdd0-\ufdef" + planes


# Not allowed in HTML/XML text (or invisible and breaking YAML's line count): C0
# controls but tab and newline, DEL, C1 controls, the Unicode line and paragraph
# separators, surrogates and noncharacters.
FORBIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_noncharacters()}]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def char_name(ch: str) -> str:
    """What an editor should be told a forbidden character is."""
    code = ord(ch)
    if code == 0:
        return "空字符 U+0000（NUL）"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"不可见的控制字符 U+{code:04X}"
    if ch in "\u2028\u2029":
        return f"不可见的分行符 U+{code:04X}"
    if 0xD800 <= code <= 0xDFFF:
        return f"不成对的代理字符 U+{code:04X}"
    return f"非字符 U+{code:04X}（Unicode 规定不得用于文本）"


def clean_text(value: str) -> tuple[str, list[str]]:
    """Join surrogate pairs (an emoji written as "\\ud83d\\ude00") into the real
    character; return the text without forbidden characters, and those found."""
    if not FORBIDDEN.search(value):
        return value, []
    value = _SURROGATE_PAIR.sub(_join_pair, value)
    bad = FORBIDDEN.findall(value)
    return FORBIDDEN.sub("", value), bad


def _join_pair(match: re.Match) -> str:
    high, low = (ord(c) for c in match.group())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


@dataclass
class _Capped:
    """Reports at most REPORT_LIMIT problems of one kind in one file, then a count,
    so a pasted binary does not bury everything else."""

    rel: str
    problems: Problems
    count: int = 0
    last_line: int = 0

    def add(self, line: int, field_name: str, message: str) -> None:
        self.count += 1
        if self.count <= REPORT_LIMIT:
            self.problems.add(self.rel, line, field_name, message)
            self.last_line = line

    def finish(self, what: str) -> None:
        if self.count > REPORT_LIMIT:
            self.problems.add(self.rel, self.last_line, "", f"此后还有 {self.count - REPORT_LIMIT} 处{what}未列出，请一并处理")


def _check_chars(text: str, rel: str, problems: Problems, first_yaml: int = 0, yaml_text: str = "") -> bool:
    """Report every forbidden character at its own line and column; True if none.
    Within YAML (starting at line first_yaml) the field on that line is named."""
    found = list(FORBIDDEN.finditer(text))
    if not found:
        return True
    small = yaml_text.count("\n") < 2000  # naming fields means parsing: not for a pasted dump
    keys = _keys_by_line(yaml_text, first_yaml) if yaml_text and small else {}
    capped = _Capped(rel, problems)
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
        doc = _build(_PARSERS[0](FORBIDDEN.sub("\ufffd", yaml_text)), _Capped("", Problems()), first)
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

    def __init__(self, capped: _Capped, first: int):
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


def _build(loader, capped: _Capped, first: int) -> Document:
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
        capped = _Capped(rel, Problems(stage=problems.stage))
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
    _report_syntax(text, rel, problems, first_line, _pick_error(errors))
    return None


# -- mistakes an editor makes ----------------------------------------------------------

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*|[\u3400-\u9fff\uf900-\ufaff][\u3400-\u9fff\uf900-\ufaffA-Za-z0-9_]{0,15}"
_LINE = re.compile(rf"^(?P<lead>[ \t\u3000]*)(?P<item>(?:-[ \t\u3000]+)*)(?P<key>{_KEY})?(?P<colon>[ \t\u3000]*[:：])?(?P<rest>.*)$")
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")
_URL_SCHEMES = {"http", "https", "ftp", "mailto", "tel", "doc", "file", "urn"}


def _is_chinese(key: str) -> bool:
    return not key.isascii()


def _key_advice(key: str) -> str:
    return "；字段名要用 README 中列出的英文名（如 title、agency），不能写中文名" if _is_chinese(key) else ""


def line_mistakes(text: str, first: int) -> list[tuple[int, str, str]]:
    """The known editor mistakes, line by line: (line, field, message). Lines inside
    a block scalar (|, >), a quoted value spanning lines or a plain value's
    continuation are content, not fields."""
    found = []
    deeper_than: int | None = None  # lines indented deeper than this belong to the value above
    continuation = False  # ... and they continue a plain value
    quote: str | None = None  # inside a quoted value spanning lines
    opened: tuple[int, str, str] = (0, "", "")
    for index, line in enumerate(text.split("\n")):
        number = first + index
        stripped = line.lstrip(" \t\u3000")
        indent = len(line) - len(stripped)
        if quote:
            if _closes(stripped, quote):
                if _after_quote(stripped, quote):  # the quote closes another value's text
                    found.append(opened)
                quote = None
            continue
        odd_indent = "\t" in line[:indent] or "\u3000" in line[:indent]  # meant as a field of its own
        if deeper_than is not None and (not stripped or indent > deeper_than) and not (continuation and odd_indent):
            if continuation and ": " in stripped.split(" #", 1)[0]:
                found.append((number, "", "上一行的值在这一行继续，其中的“冒号+空格”会让 YAML 读错；请给整段值加引号，"
                              "或把其中的冒号改为全角“：”；若这是新的字段，请让它与上面的字段左对齐"))
            continue
        deeper_than = None
        if not stripped or stripped.startswith("#") or line.rstrip() in (FENCE, "..."):
            continue
        if line.startswith("%"):
            found.append((number, "", "以“%”开头的行会被当作 YAML 指令；请删除这一行，或把它写进某个字段的值里并加引号"))
            continue
        match = _LINE.match(line)
        mistake, kind = _line_mistake(match)
        if mistake:
            found.append((number, *mistake))
        rest = match.group("rest").strip()
        if kind == "quoted" and not _closes(rest[1:], rest[0]):
            quote = rest[0]
            opened = (number, match.group("key") or "", f"这一行的引号“{quote}”没有在行内闭合，YAML 会一直读到后面的下一个引号；"
                      f"请在值的末尾补上“{quote}”")
        elif kind in ("block", "value"):
            deeper_than, continuation = indent + len(match.group("item")), kind == "value"
    return found


def _after_quote(text: str, quote: str) -> bool:
    """Is there text after the quote that closes a value on this line?"""
    pattern = r"'(?!')" if quote == "'" else r'(?<!\\)(?:\\\\)*"'
    parts = re.split(pattern, text.replace("''", "") if quote == "'" else text, maxsplit=1)
    tail = parts[1].strip() if len(parts) > 1 else ""
    return bool(tail) and not tail.startswith("#")


def _closes(text: str, quote: str) -> bool:
    if quote == "'":
        return "'" in text.replace("''", "")
    return bool(re.search(r'(?<!\\)(?:\\\\)*"', text))


def _line_mistake(match: re.Match) -> tuple[tuple[str, str] | None, str]:
    """One line's mistake (field, message), and what its value is: "quoted", "block"
    (| or >), "value" (plain text that may continue on deeper lines) or ""."""
    lead, item, rest = match.group("lead"), match.group("item"), match.group("rest")
    key, colon = match.group("key") or "", match.group("colon") or ""
    if "\t" in lead + item:
        return (key, "这一行用 Tab 键缩进；YAML 只能用空格缩进，请把行首的 Tab 换成空格"), ""
    if "\u3000" in lead + item:
        return (key, "这一行的缩进里有全角空格“　”；YAML 只能用半角空格缩进，请换成半角空格"), ""
    if not key or not colon:
        return None, ""
    if "：" in colon:
        if item and _is_chinese(key):
            return None, ""  # a list item of text such as “- 类别：综合”
        return (key, f"“{key}”后面用了全角冒号“：”；请把全角冒号“：”改为半角冒号加空格“: ”{_key_advice(key)}"), ""
    if colon != ":":
        return None, ""  # a space before the colon: YAML allows it
    if rest[:1] == "\u3000":
        return (key, f"“{key}:”后面是全角空格“　”；冒号后要用半角空格，请换成一个半角空格{_key_advice(key)}"), ""
    if rest and not rest[:1].isspace():
        if rest.startswith("//") or key.lower() in _URL_SCHEMES:
            return None, ""
        return (key, f"“{key}:”后面缺少空格；冒号后要加一个空格，写成“{key}: {rest[:12]}”{_key_advice(key)}"), ""
    value = rest.strip()
    if value[:1] in ("'", '"'):
        return None, "quoted"
    if _BLOCK_SCALAR.match(value):
        return None, "block"
    if not value or value[0] in "[{&*!#":
        return None, ""
    if ": " in value.split(" #", 1)[0] or value.split(" #", 1)[0].endswith(":"):
        return (key, "值中含有“冒号+空格”，YAML 会把它当作新的字段；请给整段值加引号，或把其中的冒号改为全角“：”"), "value"
    return None, "value"


_TAB = "这里有 Tab 字符；YAML 的缩进只能用空格，请把 Tab 换成空格"
# PyYAML's messages (both parsers' wordings), most specific first: (context, problem, Chinese).
_TRANSLATIONS = [
    ("quoted scalar", "end of stream", "开始于这一行第 {ccol} 列的引号没有闭合，请在值的末尾补上对应的引号"),
    ("quoted scalar", "escape", "双引号中的反斜杠“\\”后面不是有效的转义（\\x、\\u、\\U 后要跟 2、4、8 位十六进制数字，"
     "且不超出 Unicode 范围）；要写反斜杠本身请写两个“\\\\”，或改用单引号"),
    ("flow sequence", "", "这一行第 {ccol} 列的“[”没有对应的“]”（或各项之间少了逗号）；请补上“]”，若值本身以“[”开头，请给整段值加引号"),
    ("flow mapping", "", "这一行第 {ccol} 列的“{{”没有对应的“}}”（或各项之间少了逗号）；请补上“}}”，若值本身以“{{”开头，请给整段值加引号"),
    ("simple key", "':'", "这一行缺少“字段: 值”中的冒号，或冒号后没有空格；请写成“字段: 值”"),
    ("", "tab", _TAB),
    ("", "'\\t'", _TAB),
    ("", "mapping values are not allowed", "值中含有“冒号+空格”，YAML 会把它当作新的字段；请给整段值加引号，或把其中的冒号改为全角“：”；"
     "若这是新的字段，请让它与上面的字段左对齐"),
    ("anchor", "", "以“&”开头的值会被当作 YAML 锚点；请给整段值加引号"),
    ("alias", "", "以“*”开头的值会被当作 YAML 别名；请给整段值加引号"),
    ("tag", "", "以“!”开头的值会被当作 YAML 类型标签；请给整段值加引号"),
    ("directive", "", "以“%”开头的行会被当作 YAML 指令；请给值加引号"),
    ("block scalar", "", "“|”或“>”后面只能跟“-”“+”或数字；请把值写到下一行并缩进，或给整段值加引号"),
    ("", "cannot start any token", "值不能以“@”或“`”开头；请给整段值加引号"),
    ("plain scalar", "':'", "方括号或花括号里的值含有冒号；请给这个值加引号"),
    ("", "sequence entries are not allowed", "这里不能开始列表项“- ”；请检查缩进，若值本身以“-”开头，请给整段值加引号"),
    ("block mapping", "expected key", "这一行的缩进与上面的字段不一致，或引号闭合后还有文字；同一层的字段应左对齐，引号要包住整段值"),
    ("", "block end", "这一行的缩进与上面的字段不一致，或引号闭合后还有文字；同一层的字段应左对齐，引号要包住整段值"),
    ("", "node content", "这里缺少值，或缩进不对；请检查这一行和上一行"),
    ("single document", "", "一个文件里只能有一份 YAML 内容，请删除多余的 --- 或 ... 行"),
    ("", "document start", "这里多出了内容（可能在 ... 行之后），请删除或检查缩进"),
]


def _pick_error(errors: list[yaml.YAMLError]) -> yaml.YAMLError:
    """The pure-Python parser's error, unless it is about a tab libyaml accepted."""
    fast, slow = errors[0], errors[-1]
    def about_tab(err) -> bool:
        problem = str(getattr(err, "problem", ""))
        return "tab" in problem or "'\\t'" in problem

    if about_tab(slow) and not about_tab(fast):
        return fast
    return slow


def _report_syntax(text: str, rel: str, problems: Problems, first: int, err: yaml.YAMLError) -> None:
    mistakes = line_mistakes(text, first)
    capped = _Capped(rel, problems)
    for line, field_name, message in mistakes:
        capped.add(line, field_name, message)
    if not mistakes:
        line, message = translate(err, first)
        capped.add(line, "", message)
    capped.finish("同类问题")


def translate(err: yaml.YAMLError, first: int) -> tuple[int, str]:
    """PyYAML's error as (line, Chinese sentence)."""
    context = str(getattr(err, "context", "") or "")
    problem = str(getattr(err, "problem", "") or "")
    context_mark = getattr(err, "context_mark", None)
    mark = getattr(err, "problem_mark", None) or context_mark
    message = next((text for want_context, want_problem, text in _TRANSLATIONS
                    if want_context in context and want_problem in problem),
                   "YAML 无法识别这里的写法；请检查缩进、冒号和引号")
    if mark is None:
        return first, f"YAML 语法错误：{message}"
    anchor = context_mark if context_mark is not None and ("{ccol}" in message or "simple key" in context) else mark
    line = first + anchor.line
    column = mark.column + 1 if anchor.line == mark.line else anchor.column + 1
    ccol = (context_mark.column + 1) if context_mark is not None else column
    return line, f"YAML 语法错误（第 {column} 列）：{message.format(ccol=ccol)}"


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
    if text is None or not _check_chars(text, rel, problems):
        return None
    return text


def _not_a_mapping(text: str, rel: str, problems: Problems, first: int) -> bool:
    """When YAML read something else than a mapping, an editor's mistake is the likely
    cause (a full-width colon on every line gives one long text): report it."""
    mistakes = line_mistakes(text, first)
    capped = _Capped(rel, problems)
    for line, field_name, message in mistakes:
        capped.add(line, field_name, message)
    capped.finish("同类问题")
    return bool(mistakes)


def read_source(path: Path, root: Path, problems: Problems) -> SourceFile | None:
    """Read one Markdown content file: front matter between --- lines, then the body."""
    rel = relpath(path, root)
    text = _decode(path, rel, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        if _check_chars(text, rel, problems):
            problems.add(rel, 1, "", "文件应以一行 --- 开头，后接前置元数据（标题、日期等），再以一行 --- 结束")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    yaml_text = "\n".join(lines[1:end])
    if not _check_chars(text, rel, problems, 2, yaml_text):
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
        if not _not_a_mapping(yaml_text, rel, problems, 2):
            problems.add(rel, 2, "", "前置元数据应为“字段: 值”形式的映射，每行一个字段")
        return None
    return SourceFile(path, rel, front, "\n".join(lines[end + 1 :]), end + 2)


def read_data(path: Path, root: Path, problems: Problems) -> Document | None:
    """Read a YAML data file (site config, data tables): a mapping."""
    rel = relpath(path, root)
    text = _decode(path, rel, problems)
    if text is None or not _check_chars(text, rel, problems, 1, text):
        return None
    doc = parse_yaml(text, rel, problems)
    if doc is not None and doc.data is not None and not isinstance(doc.data, dict) and _not_a_mapping(text, rel, problems, 1):
        return None
    return doc
