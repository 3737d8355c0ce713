"""`build.py ledger` and `check --strict`: the ledger of the site model as of a date."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from ...diagnostics import Problems
from ...outputdir import describe
from . import ledger as ledgers
from . import views


def compute(project: Path, as_of: date) -> tuple[ledgers.Ledger | None, Problems]:
    """The ledger, or None with the content errors that stop it (or no catalog)."""
    from ...build import build_model

    site, _, problems = build_model(project, as_of)
    if site is None or problems:
        return None, problems
    catalog = site.facts.get("catalog")
    if catalog is None:
        problems.add("content/catalog.yaml", 0, "", "网站还没有信息公开目录：请先建立 content/catalog.yaml（格式见 README“信息公开目录”）")
        return None, problems
    settings = site.config.types["catalog"]
    return ledgers.compute(catalog, settings.calendar, as_of, settings.due_soon), problems


def main(project: Path, args) -> int:
    from ...cli import build_date

    as_of = args.as_of or build_date(args)
    ledger, problems = compute(project, as_of)
    if ledger is None:
        print(problems.report(), file=sys.stderr)
        print(f"无法生成台账：{len(problems)} 个错误。", file=sys.stderr)
        return 1
    data = render(project, ledger, args.format)
    if data is None:
        return 1
    code = save(project, Path(args.output), data) if args.output else _print(data)
    if code:
        return code
    for problem in ledger.problems():
        print(f"错误：{problem}", file=sys.stderr)
    return 1 if ledger.problems() else 0


# What a ledger file must never replace: the project's own sources.
_PROJECT_FILES = ("content", "layouts", "gongkai", "tests", "site_config.yaml", "build.py", "pyproject.toml", "README.md")


def save(project: Path, target: Path, data: bytes) -> int:
    """Write the ledger file whole or not at all: a failed write leaves the old one."""
    try:
        path = target.resolve()
    except (OSError, RuntimeError):
        path = target.absolute()
    inside = path.is_relative_to(project) and path != project
    if inside and path.relative_to(project).parts[0] in _PROJECT_FILES:
        print(f"错误：{target} 是项目自己的文件或文件夹，台账不能写在这里；请换一个文件名，例如 台账.csv", file=sys.stderr)
        return 2
    if path.is_dir():
        print(f"错误：{target} 是一个目录（文件夹）；请写文件名，例如 {target}/台账.csv", file=sys.stderr)
        return 3
    if path.exists() and not path.is_file():  # a device or a pipe: written to, never replaced
        try:
            with path.open("wb") as stream:
                stream.write(data)
        except OSError as err:
            print(f"错误：无法写入 {target}：{describe(err)}", file=sys.stderr)
            return 3
        return 0
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}-", delete=False) as stream:
            temporary = Path(stream.name)
            stream.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as an ordinary new file, not the temporary file's 0600
        os.replace(temporary, path)
    except OSError as err:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        print(f"错误：无法写入 {target}：{describe(err)}。原有的文件（如果有）保持不变。", file=sys.stderr)
        return 3
    print(f"已写入 {target}")
    return 0


def _print(data: bytes) -> int:
    """To standard output, which may be closed or a pipe that closes early."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        return 3
    try:
        sys.stdout.flush()
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        return 0  # the reader (head, less) has all it wanted
    except (OSError, ValueError) as err:
        print(f"错误：无法输出台账：{describe(err) if isinstance(err, OSError) else err}", file=sys.stderr)
        return 3
    return 0


def render(project: Path, ledger: ledgers.Ledger, form: str) -> bytes | None:
    if form == "text":
        return views.ledger_text(ledger).encode("utf-8")
    if form == "csv":
        return views.ledger_csv(ledger)
    return _html(project, ledger)


def _html(project: Path, ledger: ledgers.Ledger) -> bytes | None:
    """A file to open or mail on its own: the site's ledger table with its styles inside."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

    env = Environment(loader=FileSystemLoader(project / "layouts"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cn_date"] = views.cn_date
    try:
        page = env.get_template("ledger_report.html").render(
            ledger=ledger, title=views.LEDGER_TITLE, cells=views.ledger_cells, header=views.LEDGER_HEADER,
            css=views.status_class)
    except TemplateNotFound as err:
        print(f"错误：找不到版式文件 layouts/{err.name}", file=sys.stderr)
        return None
    except Exception as err:  # noqa: BLE001 - a layout is input too
        print(f"错误：版式模板 layouts/ledger_report.html 出错：{err}", file=sys.stderr)
        return None
    return page.encode("utf-8")


def strict(project: Path, as_of: date) -> int:
    """After a passing check: 0 when nothing is overdue, empty or failing an indicator,
    else the ledger's summary and 4."""
    ledger, problems = compute(project, as_of)
    if ledger is None:
        print(problems.report(), file=sys.stderr)
        return 4
    if not ledger.failing:
        print("台账检查通过：没有逾期或空白的公开事项，检查指标均达标。")
        return 0
    print(views.ledger_failures(ledger), file=sys.stderr)
    return 4
