#!/usr/bin/env python3
"""Command line of the site generator; run `python3 build.py --help`.

Any python3 will do: when this interpreter lacks the project's packages (a stock
Debian/Ubuntu python3), the command re-runs itself with the project's .venv/ made by
bootstrap.py, so editors and their tools can keep typing `python3 build.py`.
"""

import os
import sys
from importlib.util import find_spec
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
# The import names of the dependencies in pyproject.toml.
REQUIRED = ("jinja2", "markdown", "yaml", "livereload", "bs4")
# Set for the re-run only, so that a .venv/ which is not what it seems cannot make it loop.
REEXEC_MARK = "GONGKAI_BUILD_REEXEC"


def missing_packages() -> list[str]:
    return [name for name in REQUIRED if find_spec(name) is None]


def use_venv_or_stop(missing: list[str], reexeced: bool) -> None:
    """Re-run with .venv/bin/python; or, with no .venv/ (or when this is it), say how to make one."""
    in_venv = reexeced or Path(sys.prefix).resolve() == VENV.resolve()
    if VENV_PYTHON.is_file() and not in_venv:
        try:
            os.execve(VENV_PYTHON, [str(VENV_PYTHON), *sys.argv], {**os.environ, REEXEC_MARK: "1"})
        except OSError as error:
            sys.exit(f"错误：无法启动 {VENV_PYTHON}（{error.strerror}）。请在 {HERE} 中重新运行 python3 bootstrap.py")
    where = "项目的 .venv/ 中" if in_venv else f"{sys.executable} 中"
    sys.exit(
        f"错误：{where}缺少运行所需的软件包（{'、'.join(missing)}）。\n"
        f"请先在 {HERE} 中运行 python3 bootstrap.py（建立 .venv/ 并安装所需软件包），"
        "然后再运行 python3 build.py"
    )


if __name__ == "__main__":
    reexeced = os.environ.pop(REEXEC_MARK, None) is not None
    missing = missing_packages()
    if missing:
        use_venv_or_stop(missing, reexeced)
    from gongkai.cli import main

    sys.exit(main())
