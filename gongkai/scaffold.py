"""`build.py new`: a content file with every field of its type and today's date.

The fields come from the type's FieldSpec table, so the scaffold cannot drift from
what validation accepts. Required fields are written out (left empty on purpose: the
build refuses the file until an editor fills them in, so a half-written document
cannot be published by accident); optional ones are commented out, each with its
Chinese name and an example, so an editor uncomments what applies.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .fields import id_problem
from .schema import FieldSpec, fallback_id
from .site import reserved_ids
from .types import REGISTRY

_WIDTH = 18  # where the comments start, so the file reads as a form


class ScaffoldError(Exception):
    pass


def _taken(project: Path, slug: str) -> str | None:
    """A content file that already has this id (its file name, or an id: line)."""
    for kind in REGISTRY:
        for path in sorted((project / "content" / kind.folder).rglob("*.md")):
            if fallback_id(path) == slug:  # its id: line, else its file name, as the build reads it
                return path.relative_to(project).as_posix()
    return None


def front_matter(specs: tuple[FieldSpec, ...], today: date) -> str:
    """The front-matter lines: required fields first, then the optional ones commented."""
    fill = {"today": today.isoformat(), "year": str(today.year)}
    lines = []
    for spec in sorted(specs, key=lambda s: not s.required):
        value = spec.default.format(**fill)
        entry = f"{spec.name}: {value}".rstrip() if spec.required or value else f"{spec.name}:"
        note = f"{spec.label}（{'必填' if spec.required else '选填'}）"
        if spec.example:
            note += f"：{spec.example.format(**fill)}"
        if not spec.required:
            entry = f"# {entry}"
        lines.append(f"{entry.ljust(_WIDTH - 1)} # {note}")
    return "\n".join(lines)


def scaffold(project: Path, kind: str, slug: str, today: date) -> Path:
    if why := id_problem(slug):
        raise ScaffoldError(f"“{slug}”不能作文件名：{why}")
    content_type = next((t for t in REGISTRY if t.name == kind), None)
    if content_type is None:
        known = "、".join(f"{t.name}（{t.noun}）" for t in REGISTRY)
        raise ScaffoldError(f"没有“{kind}”这种内容类型；可用：{known}")
    if slug in reserved_ids(REGISTRY)[content_type.name]:
        raise ScaffoldError(f"“{slug}”是网站自身使用的网址，不能作{content_type.noun}的标识，请换一个")
    try:
        custom = content_type.new_file(project, slug, today)
    except ValueError as err:
        raise ScaffoldError(str(err)) from None
    folder, specs, body = content_type.folder, content_type.specs, content_type.scaffold_body
    rel, text = custom or (f"{folder}/{slug}.md", f"---\n{front_matter(specs, today)}\n---\n\n{body}\n")
    path = project / "content" / rel
    if path.exists():
        raise ScaffoldError(f"{path.relative_to(project)} 已存在，未做任何修改")
    if not custom and (taken := _taken(project, slug)):
        raise ScaffoldError(f"标识“{slug}”已被 {taken} 使用；每个文件的标识必须唯一，请换一个")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ScaffoldError(f"无法写入 {path.relative_to(project)}：{err.strerror}") from None
    return path
