"""`build.py ledger` and `check --strict`: the ledger of the site model as of a date."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ...diagnostics import Problems
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
    if args.output:
        try:
            Path(args.output).write_bytes(data)
        except OSError as err:
            print(f"错误：无法写入 {args.output}：{err.strerror or err}", file=sys.stderr)
            return 3
        print(f"已写入 {args.output}")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    for problem in ledger.problems():
        print(f"错误：{problem}", file=sys.stderr)
    return 1 if ledger.problems() else 0


def render(project: Path, ledger: ledgers.Ledger, form: str) -> bytes | None:
    if form == "text":
        return views.ledger_text(ledger).encode("utf-8")
    if form == "csv":
        return views.ledger_csv(ledger)
    return _html(project, ledger)


def _html(project: Path, ledger: ledgers.Ledger) -> bytes | None:
    """A file to open or mail on its own: the site's ledger table with its styles inside."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(project / "layouts"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cn_date"] = views.cn_date
    try:
        page = env.get_template("ledger_report.html").render(
            ledger=ledger, title=views.LEDGER_TITLE, cells=views.ledger_cells, header=views.LEDGER_HEADER,
            css=views.status_class)
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
