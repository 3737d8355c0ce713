"""Stage 1: read files. Decode UTF-8, split front matter, parse YAML with line numbers.

Nothing here knows what a policy is; it only turns bytes into (fields, lines, body).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Problems

FENCE = "---"


class _Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps: dates stay text so that an invalid
    date such as 2019-02-30 becomes our own clear error, not a crash in PyYAML."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same with libyaml's parser where installed (several times faster). Syntax
    errors are re-parsed with _Loader, which places them closer to the mistake."""


# Only true/false and null are read as other than text. YAML 1.1 would turn 8:30 into
# 510, 2019.10 into 2019.1 and 0101 into 65; dates stay text for our own date errors.
_TEXT_LIKE = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _TEXT_LIKE]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _compose_and_construct(text: str, loader_class):
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


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


def relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_text(path: Path, rel: str, problems: Problems) -> str | None:
    """Read a UTF-8 file (a BOM is tolerated); report the line of the first bad byte."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.add(rel, line, "", "文件不是 UTF-8 编码，请用 UTF-8 另存后再提交")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def parse_yaml(text: str, rel: str, problems: Problems, first_line: int = 1) -> Document | None:
    """Parse YAML, keeping key lines; syntax errors and duplicate keys are reported."""
    try:
        try:
            node, data = _compose_and_construct(text, _FastLoader)
        except yaml.YAMLError:
            node, data = _compose_and_construct(text, _Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + mark.line if mark else first_line
        column = f"第 {mark.column + 1} 列，" if mark else ""
        reason = err.problem or err.context or "无法解析"
        problems.add(rel, line, "", f"YAML 语法错误（{column}{reason}），请检查缩进、冒号和引号")
        return None
    except (yaml.YAMLError, RecursionError) as err:
        problems.add(rel, first_line, "", f"YAML 无法解析：{err or '嵌套层级过深'}")
        return None
    lines: dict[str, int] = {}
    if node is not None:
        _collect_lines(node, "", lines, rel, problems, first_line)
    return Document(data, lines)


def _collect_lines(node, prefix: str, lines: dict[str, int], rel: str, problems: Problems, first: int) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{prefix}{key}"
            line = first + key_node.start_mark.line
            if key_node.tag != "tag:yaml.org,2002:str":
                problems.add(rel, line, key, "字段名会被 YAML 读成布尔值或空值，请使用规定的英文字段名")
            if key in seen:
                problems.add(rel, line, key, "字段重复出现，只能写一次")
            seen.add(key)
            lines[path] = line
            _collect_lines(value_node, path + ".", lines, rel, problems, first)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}{index}"
            lines[path] = first + item.start_mark.line
            _collect_lines(item, path + ".", lines, rel, problems, first)


def read_source(path: Path, root: Path, problems: Problems) -> SourceFile | None:
    """Read one Markdown content file: front matter between --- lines, then the body."""
    rel = relpath(path, root)
    text = read_text(path, rel, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        problems.add(rel, 1, "", "文件应以一行 --- 开头，后接前置元数据（标题、日期等），再以一行 --- 结束")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        problems.add(rel, 1, "", "前置元数据缺少结束的 --- 行")
        return None
    front = parse_yaml("\n".join(lines[1:end]), rel, problems, first_line=2)
    if front is None:
        return None
    if front.data is None:
        front = Document({}, {})
    if not isinstance(front.data, dict):
        problems.add(rel, 2, "", "前置元数据应为“字段: 值”形式的映射")
        return None
    return SourceFile(path, rel, front, "\n".join(lines[end + 1 :]), end + 2)


def read_data(path: Path, root: Path, problems: Problems) -> Document | None:
    """Read a YAML data file (site config, data tables)."""
    rel = relpath(path, root)
    text = read_text(path, rel, problems)
    if text is None:
        return None
    return parse_yaml(text, rel, problems)
