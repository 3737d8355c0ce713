"""Typed reading of one YAML mapping, recording every problem with file, line and field."""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Any

from .diagnostics import Problems
from .source import Document

# Ids become folder names (policies/ID/index.html) and URLs: 64 characters are far more
# than any 发文字号 slug needs and keep every output path well under the 255-byte
# name limit of file systems. \Z, not $: "abc\n" is not an id.
ID_MAX = 64
ID_RE = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{ID_MAX - 1}}}\Z")
_ID_CHARS = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_TYPE_NAMES = {str: "文本", int: "整数", float: "数字", bool: "布尔值（true/false）", list: "列表", dict: "映射", type(None): "空值"}


_TRUE, _FALSE = ("true", "yes", "on", "是"), ("false", "no", "off", "否")
_BLANKS = " \t\u3000"


def id_problem(value: str) -> str | None:
    """Why value is not a valid id (in Chinese), or None when it is one."""
    if not _ID_CHARS.match(value):
        return "标识应只含小写英文字母、数字和连字符（不能以连字符开头），例如 lzbf-2019-5"
    if len(value) > ID_MAX:
        return f"标识过长（{len(value)} 个字符），最多 {ID_MAX} 个"
    return None


def shown(value: Any, limit: int = 40) -> str:
    """A value as quoted in a message: on one line, and a pasted page cut short."""
    text = " ".join(str(value).split("\n"))
    return text if len(text) <= limit else text[:limit] + "……"


def type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class Fields:
    """Reads typed values from a mapping in a YAML document.

    Each getter returns the value or None, and records a problem when the value is
    missing or of the wrong form, so a caller can check every field in one pass.
    """

    def __init__(self, doc: Document, rel: str, problems: Problems, labels: dict[str, str],
                 data: dict | None = None, prefix: str = "", fallback_line: int = 1,
                 aliases: dict[str, str] | None = None):
        self.doc = doc
        self.rel = rel
        self.problems = problems
        self.labels = labels
        self.aliases = aliases or {}  # names an editor may write -> the hint to give
        self.data = doc.data if data is None else data
        self.prefix = prefix
        self.fallback_line = fallback_line
        self.ok = True
        self._check_unknown()

    # -- reporting ---------------------------------------------------------------

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def line(self, key: str) -> int:
        return self.doc.line(self.name(key), self.doc.line(self.prefix.rstrip("."), self.fallback_line))

    def error(self, key: str, message: str, line: int | None = None) -> None:
        self.ok = False
        self.problems.add(self.rel, line or self.line(key), self.name(key), message)

    def label(self, key: str) -> str:
        return f"{key}（{self.labels[key]}）" if key in self.labels else key

    def _check_unknown(self) -> None:
        for key in self.data:
            if str(key) in self.labels or not isinstance(key, str):
                continue  # a key that is not text was reported where it was parsed
            self.error(key, f"未知字段。{self._unknown_hint(key)}")

    def _unknown_hint(self, key: str) -> str:
        """An editor may write the Chinese name (标题), a near miss (pubished), or a
        key that YAML read together with its value ({title：附件} in a flow mapping)."""
        if key.strip(_BLANKS) in self.aliases:
            return self.aliases[key.strip(_BLANKS)]
        by_label = {label: name for name, label in self.labels.items()}
        for colon, fix in (("：", "把全角冒号“：”改为半角冒号加空格“: ”"), (":", "在冒号后加一个空格")):
            name = key.split(colon, 1)[0].strip(_BLANKS)
            if colon in key and (name in self.labels or name in by_label):
                english = by_label.get(name, name)
                return f"“{shown(key)}”像是字段 {self.label(english)} 和它的值，请{fix}" + ("，字段名用英文" if name != english else "")
        bare = key.strip(_BLANKS)
        if bare != key and (bare in self.labels or bare in by_label):
            return f"字段名前后有空格或全角空格“　”，请删除（应为 {self.label(by_label.get(bare, bare))}）"
        close = [by_label[key]] if key in by_label else difflib.get_close_matches(key, list(self.labels), n=1, cutoff=0.6)
        return f"是否想写 {self.label(close[0])}？" if close else "可用字段：" + "、".join(self.labels)

    # -- getters -----------------------------------------------------------------

    def raw(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None or value == "" or value == []:
            if required:
                self.ok = False
                line = self.doc.line(self.name(key), self.fallback_line)
                self.problems.add(self.rel, line, self.name(key), f"缺少必填字段 {self.label(key)}")
            return None
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(key, f"应为一段文本，实际为{type_name(value)}（若值本身以“[”“{{”或“- ”开头，请给整段值加引号）")
            return None
        if not value.strip():
            if required:
                self.error(key, f"{self.label(key)} 不能只有空格")
            return None
        return value.strip()

    def date(self, key: str, required: bool = False) -> date | None:
        value = self.text(key, required)
        if value is None:
            return None
        if DATE_RE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(key, f"日期无效：“{shown(value)}”，应为 YYYY-MM-DD 格式的真实日期，例如 2019-06-19")
        return None

    def boolean(self, key: str, default: bool = False) -> bool:
        """true/false, yes/no, on/off (any case) or 是/否. Every scalar is read as
        text, so only a yes/no field reads these words as yes/no."""
        value = self.raw(key, False)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        word = value.strip().lower() if isinstance(value, str) else None
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        self.error(key, f"应为 true 或 false（也可写 yes/no、on/off、是/否），实际为“{shown(value)}”")
        return default

    def integer(self, key: str, default: int | None = None, minimum: int = 1) -> int | None:
        value = self.raw(key, False)
        if value is None:
            return default
        text = value.strip() if isinstance(value, str) else ""
        if text.isascii() and text.isdigit() and len(text) >= 10:
            self.error(key, f"数值“{shown(value)}”过大：最多 9 位数")
            return default
        if not (text.isascii() and text.isdigit() and int(text) >= minimum):
            self.error(key, f"应为不小于 {minimum} 的整数，实际为“{shown(value)}”")
            return default
        return int(text)

    def choice(self, key: str, choices: tuple[str, ...], required: bool = False, default: str | None = None) -> str | None:
        value = self.text(key, required)
        if value is None:
            return default
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
            hint = f"是否想写“{close[0]}”？" if close else ""
            self.error(key, f"取值“{shown(value)}”不在允许范围内，应为：{'、'.join(choices)}。{hint}".rstrip())
            return default
        return value

    def ident(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        if value is None:
            return None
        problem = id_problem(value)
        if problem:
            self.error(key, f"标识“{shown(value)}”无效：{problem}")
            return None
        return value

    def idents(self, key: str, required: bool = False) -> tuple[str, ...]:
        value = self.raw(key, required)
        if value is None:
            return ()
        values = value if isinstance(value, list) else [value]
        result = []
        for index, item in enumerate(values):
            line = self.doc.line(f"{self.name(key)}.{index}", self.line(key))  # the item's own line
            problem = id_problem(item) if isinstance(item, str) else "应为一个标识"
            if problem:
                self.error(key, f"第 {index + 1} 项“{shown(item)}”不是有效的文件标识：{problem}", line)
            elif item in result:
                self.error(key, f"第 {index + 1} 项“{item}”重复", line)
            else:
                result.append(item)
        return tuple(result)

    def mappings(self, key: str, labels: dict[str, str], required: bool = False) -> list[Fields]:
        """A list of mappings, each read by its own Fields (e.g. attachments)."""
        value = self.raw(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, f"应为列表（每项以“- ”开头），实际为{type_name(value)}")
            return []
        items = []
        for index, item in enumerate(value):
            prefix = f"{self.name(key)}.{index}."
            if not isinstance(item, dict):
                self.ok = False
                line = self.doc.line(prefix.rstrip("."), self.line(key))
                self.problems.add(self.rel, line, self.name(key), f"第 {index + 1} 项应为映射（字段: 值），实际为{type_name(item)}")
                continue
            line = self.doc.line(prefix.rstrip("."), self.line(key))
            items.append(Fields(self.doc, self.rel, self.problems, labels, item, prefix, line))
        return items

    def mapping(self, key: str, labels: dict[str, str]) -> Fields:
        """A required mapping (site, site.contact). When it is missing or not a mapping,
        that one problem is reported; its fields then report into nowhere, so there is
        no "missing field" noise for each of them."""
        value = self.raw(key, True)
        if isinstance(value, dict):
            return Fields(self.doc, self.rel, self.problems, labels, value, f"{self.name(key)}.", self.line(key))
        if value is not None:
            self.error(key, f"应为映射（字段: 值），实际为{type_name(value)}")
        nowhere = Fields(self.doc, self.rel, Problems(), labels, {}, f"{self.name(key)}.", self.line(key))
        nowhere.ok = False
        return nowhere
