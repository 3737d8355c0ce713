"""`search:` in site_config.yaml: synonyms (added to a default list of what citizens
type and what documents say), and whether titles and agencies are findable by pinyin."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..fields import Fields, shown
from .normalize import normalise

LABELS = {"synonyms": "同义词", "default_synonyms": "默认同义词", "pinyin": "拼音检索"}

# 通俗说法 ↔ 公文用语: each line is one group; a query for any word also finds the others.
DEFAULT_SYNONYMS = (
    "低保，最低生活保障", "社保，社会保险", "医保，医疗保障，医疗保险", "公积金，住房公积金",
    "五险一金，社会保险和住房公积金", "残疾证，残疾人证", "身份证，居民身份证", "户口，户籍",
    "养老金，基本养老金，退休金", "新农合，新型农村合作医疗", "廉租房，公共租赁住房，保障性住房",
    "放管服，放管结合", "红黑名单，守信联合激励和失信联合惩戒", "高龄补贴，高龄津贴",
    "双减，减轻义务教育阶段学生作业负担和校外培训负担", "网格员，网格管理员", "城管，城市管理",
    "人社，人力资源和社会保障", "发改，发展和改革", "卫健，卫生健康",
)
_SPLIT = re.compile(r"[，,、=＝]+")


@dataclass(frozen=True)
class Settings:
    synonyms: tuple[tuple[str, ...], ...]  # groups of normalised words
    pinyin: bool


def read(root: Fields) -> Settings:
    raw = root.raw("search", False)
    if raw is None:
        return Settings(_groups(DEFAULT_SYNONYMS, None, None), True)
    if not isinstance(raw, dict):
        root.error("search", "应为映射（字段: 值），例如 synonyms: 下列出同义词")
        return Settings(_groups(DEFAULT_SYNONYMS, None, None), True)
    fields = root.mapping("search", LABELS)
    lines = _lines(fields)
    defaults = DEFAULT_SYNONYMS if fields.boolean("default_synonyms", True) else ()
    return Settings(_groups(defaults, lines, fields), fields.boolean("pinyin", True))


def _lines(fields: Fields) -> list[tuple[str, int]]:
    value = fields.raw("synonyms", False)
    if value is None:
        return []
    if not isinstance(value, list):
        fields.error("synonyms", "应为列表，每行一组同义词，用逗号分开，例如：- 低保，最低生活保障")
        return []
    lines = []
    for index, item in enumerate(value):
        line = fields.doc.line(f"{fields.name('synonyms')}.{index}", fields.line("synonyms"))
        if isinstance(item, list) and all(isinstance(w, str) for w in item):
            item = "，".join(item)
        if not isinstance(item, str):
            fields.error("synonyms", f"第 {index + 1} 项应为一行文字，如“低保，最低生活保障”", line)
            continue
        lines.append((item, line))
    return lines


def _groups(defaults, lines, fields) -> tuple[tuple[str, ...], ...]:
    groups = [tuple(w for w in map(normalise, _SPLIT.split(text)) if w) for text in defaults]
    for index, (text, line) in enumerate(lines or ()):
        words = [normalise(w) for w in _SPLIT.split(text)]
        if len([w for w in words if w]) < 2:
            fields.error("synonyms", f"第 {index + 1} 项“{shown(text)}”应至少有两个词，用逗号分开，如“低保，最低生活保障”", line)
            continue
        if any(" " in w for w in words):
            fields.error("synonyms", f"第 {index + 1} 项“{shown(text)}”中的词不能含空格或句读标点，词与词之间请用逗号", line)
            continue
        groups.append(tuple(w for w in words if w))
    return tuple(groups)
