"""What an editor did wrong when YAML cannot be read: the usual slips (full-width colon,
no space after the colon, tab or full-width space as indentation, ": " in a value)
recognised line by line, or PyYAML's error put into a Chinese sentence at its line.
PyYAML's English never reaches the user.
"""

from __future__ import annotations

import re

import yaml

from .characters import Capped
from .diagnostics import Problems

FENCE = "---"


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


def pick_error(errors: list[yaml.YAMLError]) -> yaml.YAMLError:
    """The pure-Python parser's error, unless it is about a tab libyaml accepted."""
    fast, slow = errors[0], errors[-1]
    def about_tab(err) -> bool:
        problem = str(getattr(err, "problem", ""))
        return "tab" in problem or "'\\t'" in problem

    if about_tab(slow) and not about_tab(fast):
        return fast
    return slow


def report_mistakes(text: str, rel: str, problems: Problems, first: int) -> bool:
    """Report each recognised slip at its line (capped); whether there was any."""
    mistakes = line_mistakes(text, first)
    capped = Capped(rel, problems)
    for line, field_name, message in mistakes:
        capped.add(line, field_name, message)
    capped.finish("同类问题")
    return bool(mistakes)


def report_syntax(text: str, rel: str, problems: Problems, first: int, err: yaml.YAMLError) -> None:
    """The recognised slips, or else PyYAML's error in Chinese."""
    if not report_mistakes(text, rel, problems, first):
        line, message = translate(err, first)
        problems.add(rel, line, "", message)


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
