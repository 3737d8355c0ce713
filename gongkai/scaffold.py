"""`build.py new`: a content file with every field in place and today's date.

Required fields are left empty on purpose: the build refuses the file until an
editor fills them in, so a half-written document cannot be published by accident.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .fields import ID_RE

TEMPLATES = {
    "policy": ("policies", """\
---
title:            # 标题（必填）
doc_number:       # 发文字号，如 聊政办发〔{year}〕1号
index_number:     # 索引号（必填）
agency:           # 发文机关（必填）
written: {today}  # 成文日期
published: {today}  # 发布日期
topic:            # 主题分类（必填，取值见 site_config.yaml 的 topics）
kind:             # 文种（必填，取值见 site_config.yaml 的 kinds）
normative: false  # 是否规范性文件
summary:          # 摘要（选填）
---

正文从这里开始。
"""),
    "interpretation": ("interpretations", """\
---
title:            # 标题（必填）
interprets: []    # 所解读文件的标识（必填），如 [lzbf-2019-5]
published: {today}  # 发布日期
agency:           # 解读机关（必填）
form: 文字        # 解读形式：文字 / 图解 / 音视频 / 问答 / 发布会
interpreter:      # 解读人（选填）
---

解读正文从这里开始。
"""),
    "page": ("pages", """\
---
title:            # 标题（必填）
updated: {today}  # 更新日期
---

页面正文从这里开始。
"""),
}


class ScaffoldError(Exception):
    pass


def scaffold(project: Path, kind: str, slug: str, today: date) -> Path:
    if not ID_RE.match(slug):
        raise ScaffoldError(f"“{slug}”不能作文件名：请只用小写英文字母、数字和连字符，例如 lzbf-2024-3")
    folder, template = TEMPLATES[kind]
    path = project / "content" / folder / f"{slug}.md"
    if path.exists():
        raise ScaffoldError(f"{path.relative_to(project)} 已存在，未做任何修改")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template.format(today=today.isoformat(), year=today.year), encoding="utf-8")
    return path
