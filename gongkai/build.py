"""The pipeline: read → validate → link → render. Writing is left to the caller, so
`check` runs every stage but the last."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import parallel
from .cache import Cache
from .diagnostics import BuildStopped, Problems, Stage
from .fields import id_problem
from .progress import QUIET, Progress
from .records import DataTable, Record, Seen, SiteConfig
from .render import Outputs, SiteRenderer
from .schema import (
    is_file,
    unpublishable,
    validate_config,
    validate_table,
)
from .site import Site, link
from .source import read_data, read_source, relpath
from .types import REGISTRY

CONFIG_FILE = "site_config.yaml"
SECTIONS = tuple(t.folder for t in REGISTRY)
_TYPES = {t.folder: t for t in REGISTRY}
_FOLDERS = "、".join(f"content/{f}/" for f in SECTIONS[:-1]) + f" 或 content/{SECTIONS[-1]}/"


@dataclass
class Build:
    site: Site | None
    outputs: Outputs
    problems: Problems
    reused: int = 0  # bodies taken from the build cache
    renderer: SiteRenderer | None = None  # what serve keeps for its quick rebuilds (preview.py)


def load_config(project: Path, problems: Problems) -> SiteConfig:
    path = project / CONFIG_FILE
    if not path.is_file():
        problems.add(CONFIG_FILE, 0, "", "找不到站点配置文件 site_config.yaml")
        raise BuildStopped
    doc = read_data(path, project, problems)
    config = validate_config(doc, CONFIG_FILE, REGISTRY, problems) if doc else None
    if config is None:
        raise BuildStopped
    return config


@dataclass
class Found:
    """What discover() found under content/: content files by section, and every other
    file, which is published only if a page links to it."""

    sections: dict[str, list[Path]]
    others: list[Path]


# Names that say "a content document" but would not be read as one.
_LOOKS_LIKE_MARKDOWN = re.compile(r"\.(?:md|markdown|mdown|mkd|mkdn)(?:\.[^.]+)*$", re.IGNORECASE)


def discover(project: Path, problems: Problems) -> Found:
    """Content files by section, sorted so every build reads them in the same order."""
    content = project / "content"
    found = Found({section: [] for section in (*SECTIONS, "data")}, [])
    if not content.is_dir():
        problems.add("content", 0, "", "找不到 content/ 目录")
        return found
    for path in sorted(content.rglob("*")):
        rel = relpath(path, project)
        parts = path.relative_to(content).parts
        if any(part.startswith(".") for part in parts):
            continue  # hidden files (.gitkeep, .DS_Store) are nobody's content
        if not _utf8(rel):
            problems.add(_printable(rel), 0, "", "文件名含有无法识别的字符（不是 UTF-8 编码），请重新命名")
            continue
        if path.is_symlink() and not _inside(path, content):
            problems.add(rel, 0, "", "符号链接指向 content/ 目录以外（或指向自身），不允许")
            continue
        if path.is_symlink() and not path.exists():
            problems.add(rel, 0, "", "符号链接指向的文件不存在，请删除它或改为真实文件")
            continue
        if not is_file(path):
            continue
        _sort_file(path, rel, parts, found, problems)
    return found


def _sort_file(path: Path, rel: str, parts: tuple[str, ...], found: Found, problems: Problems) -> None:
    suffix = path.suffix.lower()
    kind = _TYPES.get(parts[0]) if len(parts) > 1 else None
    single = _TYPES.get(path.stem) if len(parts) == 1 else None  # content/catalog.yaml
    single = single if single and single.root_file else None
    if single and path.suffix in single.suffixes:
        found.sections[single.folder].append(path)
    elif kind and path.suffix in kind.suffixes and path.suffix != ".md":
        found.sections[parts[0]].append(path)
    elif (kind or single) and suffix in (".yml", ".yaml") and ".yaml" in (kind or single).suffixes:
        problems.add(rel, 0, "", f"扩展名应为 .yaml（小写），否则不会被读取；请改名为 {path.stem}.yaml")
    elif kind and path.suffix == ".md" and ".md" not in kind.suffixes:
        problems.add(rel, 0, "", f"content/{kind.folder}/ 中只放 .yaml 文件（{kind.noun}），Markdown 文件请放到别的栏目文件夹")
    elif path.suffix == ".md":
        if kind and (kind.nested or len(parts) == 2):
            found.sections[parts[0]].append(path)
        else:
            problems.add(rel, 0, "", f"Markdown 文件应放在 {_FOLDERS} 中")
    elif _LOOKS_LIKE_MARKDOWN.search(path.name):
        stem = _LOOKS_LIKE_MARKDOWN.sub("", path.name)
        problems.add(rel, 0, "", f"内容文件的扩展名应为小写的 .md，否则不会被发布；请改名为 {stem}.md")
    elif parts[0] == "data" and suffix in (".yaml", ".yml"):
        if path.suffix == ".yaml" and len(parts) == 2:
            found.sections["data"].append(path)
        else:
            problems.add(rel, 0, "", "数据表文件应直接放在 content/data/ 中，扩展名为小写的 .yaml")
    else:
        found.others.append(path)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in a file name (surrogate escapes)
        return False
    return True


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _inside(path: Path, folder: Path) -> bool:
    try:
        return folder.resolve() in path.resolve().parents
    except (OSError, RuntimeError):  # a symlink loop
        return False


def unpublished(found: Found, outputs: Outputs, project: Path, problems: Problems) -> None:
    """Say which files under content/ no page publishes, and why, so that nothing an
    editor added goes missing in silence."""
    if problems:
        return  # a file that failed may be what links to them: the real error first, no follow-on noise
    published = {source.resolve() for source in (*outputs.copies.values(), *outputs.held)}
    for path in found.others:
        if path.resolve() in published:
            continue
        rel = relpath(path, project)
        why = unpublishable(path)
        reason = f"；而且{why}" if why else ""
        problems.warn(rel, 0, "", "此文件没有发布：没有哪个页面链接到它（附件请写进文件的 attachments，"
                      f"图片和其他文件请在正文中链接）{reason}")


def read_records(project: Path, config: SiteConfig, files: dict[str, list[Path]], problems: Problems,
                 progress: Progress = QUIET):
    """Read and validate every content file. Returns the valid records and every id
    seen (valid or not) with its section and file, so later stages don't report a
    broken file's id as missing a second time."""
    records: dict[str, list[Record]] = {t.name: [] for t in REGISTRY}
    known: dict[str, Seen] = {}
    with progress.stage("读取内容", sum(len(files[s]) for s in SECTIONS), "个文件") as step:
        for section in SECTIONS:
            for path in files[section]:
                step.advance()
                record = _read_file(project, config, _TYPES[section], path, known, problems)
                if record is not None:
                    records[_TYPES[section].name].append(record)
    return records, known


def _read_file(project: Path, config: SiteConfig, kind, path: Path, known: dict[str, Seen], problems: Problems):
    """One content file's record, or None (reported); its id goes into known."""
    problems.stage = Stage.READ
    source = read_source(path, project, problems)
    doc_id = kind.file_id(path, source)
    problems.stage = Stage.VALIDATE
    owner = next((t for t in REGISTRY if t is not kind and doc_id and t.owns_id(doc_id)), None)
    if owner or doc_id in known:
        why = (f"“{doc_id}”这种形式的标识留给{owner.noun}，请给本文件换一个标识（改文件名或写 id）" if owner else
               f"标识“{doc_id}”与 {known[doc_id].rel} 重复；每个文件的标识（默认为文件名）必须唯一")
        problems.add(relpath(path, project), source.front.line("id", 1) if source else 0, "id", why)
        return None
    if doc_id:
        known[doc_id] = Seen(kind.folder, relpath(path, project))
    if source is None:
        return None
    return kind.validate(source, config, project / "content", problems)


def read_tables(project: Path, files: list[Path], problems: Problems) -> dict[str, DataTable]:
    tables = {}
    for path in files:
        rel = relpath(path, project)
        if why := id_problem(path.stem):
            problems.add(rel, 0, "", f"数据表文件名不能作标识：{why}")
            continue
        doc = read_data(path, project, problems)
        table = validate_table(doc, rel, path.stem, problems) if doc else None
        if table:
            tables[table.id] = table
    return tables


def build_site(project: Path, build_date: date, use_cache: str = "", progress: Progress = QUIET,
               jobs: int | None = 1) -> Build:
    """Run every stage, collecting all problems. Nothing is written here but the build
    cache, with use_cache "write" ("read": only read; "": not used); pages are rendered
    by `jobs` processes (None: one per core, for a site large enough to gain by it). The
    output is the same either way."""
    site, found, problems = build_model(project, build_date, progress)
    if site is None:
        return Build(None, Outputs(), problems)
    problems.stage = Stage.RENDER
    kept = Cache(project.resolve() if use_cache else None, use_cache == "write")
    if jobs is None:
        jobs = parallel.cores() if sum(map(len, site.records.values())) >= parallel.ENOUGH else 1
    renderer = SiteRenderer(site, project.resolve(), problems, kept, progress, jobs)
    try:
        outputs = renderer.render()
    finally:
        kept.close()
    unpublished(found, outputs, project.resolve(), problems)
    return Build(site, outputs, problems, renderer.markdown.reused, renderer)


def build_model(project: Path, build_date: date, progress: Progress = QUIET) -> tuple[Site | None, Found | None, Problems]:
    """Read, validate and link: the site model, for the build and for commands that
    report on it (the ledger)."""
    project = project.resolve()
    problems = Problems()
    try:
        config = load_config(project, problems)
    except BuildStopped:
        return None, None, problems
    found = discover(project, problems)
    records, known = read_records(project, config, found.sections, problems, progress)
    tables = read_tables(project, found.sections["data"], problems)
    problems.stage = Stage.LINK
    return link(config, REGISTRY, records, tables, known, build_date, problems), found, problems
