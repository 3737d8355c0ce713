"""The pipeline: read → validate → link → render. Writing is left to the caller, so
`check` runs every stage but the last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .diagnostics import BuildStopped, Problems, Stage
from .fields import ID_RE
from .records import DataTable, Record, SiteConfig
from .render import Outputs, SiteRenderer
from .schema import source_id, validate_config, validate_interpretation, validate_page, validate_policy, validate_table
from .site import Site, link
from .source import read_data, read_source, relpath

CONFIG_FILE = "site_config.yaml"
SECTIONS = ("policies", "interpretations", "pages")


@dataclass
class Build:
    site: Site | None
    outputs: Outputs
    problems: Problems


def load_config(project: Path, problems: Problems) -> SiteConfig:
    path = project / CONFIG_FILE
    if not path.is_file():
        problems.add(CONFIG_FILE, 0, "", "找不到站点配置文件 site_config.yaml")
        raise BuildStopped
    doc = read_data(path, project, problems)
    config = validate_config(doc, CONFIG_FILE, problems) if doc else None
    if config is None:
        raise BuildStopped
    return config


def discover(project: Path, problems: Problems) -> dict[str, list[Path]]:
    """Content files by section, sorted so every build reads them in the same order."""
    content = project / "content"
    found: dict[str, list[Path]] = {section: [] for section in (*SECTIONS, "data")}
    if not content.is_dir():
        problems.add("content", 0, "", "找不到 content/ 目录")
        return found
    for path in sorted(content.rglob("*")):
        rel = relpath(path, project)
        if path.is_symlink() and not _inside(path, content):
            problems.add(rel, 0, "", "符号链接指向 content/ 目录以外（或指向自身），不允许")
            continue
        if not path.is_file() or path.name.startswith("."):
            continue
        parts, suffix = path.relative_to(content).parts, path.suffix.lower()
        if suffix in (".md", ".markdown") and path.suffix != ".md":
            problems.add(rel, 0, "", "内容文件的扩展名应为小写的 .md，否则不会被发布")
        elif suffix == ".md":
            if parts[0] in SECTIONS and not (parts[0] == "pages" and len(parts) > 2):
                found[parts[0]].append(path)
            else:
                problems.add(rel, 0, "", "Markdown 文件应放在 content/policies/、content/interpretations/ 或 content/pages/ 中")
        elif parts[0] == "data" and suffix in (".yaml", ".yml"):
            if suffix == ".yaml" and len(parts) == 2:
                found["data"].append(path)
            else:
                problems.add(rel, 0, "", "数据表文件应直接放在 content/data/ 中，扩展名为 .yaml")
    return found


def _inside(path: Path, folder: Path) -> bool:
    try:
        return folder.resolve() in path.resolve().parents
    except (OSError, RuntimeError):  # a symlink loop
        return False


def read_records(project: Path, config: SiteConfig, files: dict[str, list[Path]], problems: Problems):
    """Read and validate every content file. Returns the valid records and every id
    seen (valid or not) with its file, so later stages don't report a broken file's
    id as missing a second time."""
    records: list[Record] = []
    known: dict[str, str] = {}
    content = project / "content"
    for section in SECTIONS:
        for path in files[section]:
            source = read_source(path, project, problems)
            if source is None:
                continue
            doc_id = source_id(source)
            if doc_id in known:
                problems.add(source.rel, source.front.line("id", 1), "id",
                             f"标识“{doc_id}”与 {known[doc_id]} 重复；每个文件的标识（默认为文件名）必须唯一")
                continue
            if doc_id:
                known[doc_id] = source.rel
            if section == "policies":
                record = validate_policy(source, config, content, problems)
            elif section == "interpretations":
                record = validate_interpretation(source, config, problems)
            else:
                record = validate_page(source, problems)
            if record is not None:
                records.append(record)
    return records, known


def read_tables(project: Path, files: list[Path], problems: Problems) -> dict[str, DataTable]:
    tables = {}
    for path in files:
        rel = relpath(path, project)
        if not ID_RE.match(path.stem):
            problems.add(rel, 0, "", "数据表文件名应只含小写英文字母、数字和连字符")
            continue
        doc = read_data(path, project, problems)
        table = validate_table(doc, rel, path.stem, problems) if doc else None
        if table:
            tables[table.id] = table
    return tables


def build_site(project: Path, build_date: date) -> Build:
    """Run every stage, collecting all problems. Nothing is written here."""
    project = project.resolve()
    problems = Problems()
    try:
        config = load_config(project, problems)
    except BuildStopped:
        return Build(None, Outputs(), problems)
    files = discover(project, problems)
    records, known = read_records(project, config, files, problems)
    tables = read_tables(project, files["data"], problems)
    problems.stage = Stage.LINK
    site = link(config, records, tables, known, build_date, problems)
    problems.stage = Stage.RENDER
    outputs = SiteRenderer(site, project, known, problems).render()
    return Build(site, outputs, problems)
