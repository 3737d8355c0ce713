"""The setup on a stock machine: bootstrap.py makes .venv/ and installs the project;
build.py, started with a python3 that lacks the packages, re-runs itself in that .venv/
or says to run bootstrap.py. Each test works on a copy of the repository."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# What a clean clone does not have (or that a test must not share with the repo).
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "output", ".output-*", "test-artifacts", "__pycache__",
    "*.egg-info", ".pytest_cache", ".ruff_cache", ".benchmarks",
)
# No site-packages, no script directory on sys.path, no PYTHON* variables: a python3
# that has none of the project's packages, like a stock Debian one.
BARE = [sys.executable, "-I", "-S"]


def clone(tmp_path: Path) -> Path:
    """The repository's files as a fresh clone has them."""
    root = tmp_path / "clone"
    shutil.copytree(REPO, root, ignore=NOT_IN_A_CLONE, symlinks=True)
    return root


def run(cmd: list, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GONGKAI_BUILD_REEXEC"}
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)


def make_venv(root: Path, with_packages: bool) -> Path:
    """A real venv at root/.venv; with_packages: it sees this interpreter's installed
    packages (through a .pth file), as one made by bootstrap.py sees its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True, timeout=120)
    python = root / ".venv" / "bin" / "python"
    if with_packages:
        site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root).stdout.strip()
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (Path(site) / "test-setup.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return python


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


# -- build.py ------------------------------------------------------------------------------


def test_build_py_reruns_itself_in_the_projects_venv(tmp_path):
    root = clone(tmp_path)
    make_venv(root, with_packages=True)
    helped = run([*BARE, "build.py", "--help"], root)
    assert helped.returncode == 0, helped.stderr
    assert "用法：" in helped.stdout
    built = run([*BARE, root / "build.py", "--build-date", "2026-11-25", "--root", root], tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (root / "output" / "index.html").is_file()


def test_build_py_without_a_venv_says_to_run_bootstrap(tmp_path):
    root = clone(tmp_path)
    result = run([*BARE, "build.py", "check"], root)
    assert result.returncode == 1
    assert "python3 bootstrap.py" in result.stderr
    assert "jinja2" in result.stderr
    assert_no_traceback(result)


def _venv_without_packages(root: Path) -> None:
    make_venv(root, with_packages=False)


def _empty_venv_folder(root: Path) -> None:
    (root / ".venv").mkdir()


def _dangling_python(root: Path) -> None:
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(root / "no-such-python")


def _python_not_executable(root: Path) -> None:
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").write_text("not a program\n", encoding="utf-8")


def _python_is_a_folder(root: Path) -> None:
    (root / ".venv" / "bin" / "python").mkdir(parents=True)


def _venv_is_a_file(root: Path) -> None:
    (root / ".venv").write_text("not a venv\n", encoding="utf-8")


@pytest.mark.parametrize("spoil", [
    _venv_without_packages, _empty_venv_folder, _dangling_python, _python_not_executable,
    _python_is_a_folder, _venv_is_a_file,
])
def test_build_py_with_an_unusable_venv_says_to_run_bootstrap(tmp_path, spoil):
    """Never a traceback, never a loop of re-runs: a message naming bootstrap.py."""
    root = clone(tmp_path)
    spoil(root)
    result = run([*BARE, "build.py", "check"], root, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "python3 bootstrap.py" in result.stderr
    assert_no_traceback(result)


# -- bootstrap.py --------------------------------------------------------------------------


def test_bootstrap_makes_a_venv_with_the_project_and_reuses_it(tmp_path):
    """The real install, from the package index pip is configured with (about 30 s with a
    warm pip cache). The clone starts with an interrupted .venv/, which is rebuilt."""
    root = clone(tmp_path)
    (root / ".venv").mkdir()
    (root / ".venv" / "pyvenv.cfg").write_text("home = /nowhere\n", encoding="utf-8")
    first = run([sys.executable, "bootstrap.py"], root, timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "删除后重建" in first.stdout
    python = root / ".venv" / "bin" / "python"
    probe = "import gongkai, jinja2, pytest, playwright; print(gongkai.__file__)"
    imported = run([python, "-c", probe], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert Path(imported.stdout.strip()).resolve().is_relative_to(root.resolve()), imported.stdout

    built = run([*BARE, "build.py", "--build-date", "2026-11-25"], root)
    assert built.returncode == 0, built.stdout + built.stderr
    again = run([sys.executable, "bootstrap.py"], root, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "沿用已有的虚拟环境 .venv/" in again.stdout
    assert ".venv/bin/python -m pytest" in again.stdout


def _folder_of_files(root: Path) -> Path:
    (root / ".venv").mkdir()
    keep = root / ".venv" / "notes.txt"
    keep.write_text("mine\n", encoding="utf-8")
    return keep


def _a_file(root: Path) -> Path:
    keep = root / ".venv"
    keep.write_text("mine\n", encoding="utf-8")
    return keep


def _symlink_to_a_folder(root: Path) -> Path:
    (root.parent / "elsewhere").mkdir()
    keep = root.parent / "elsewhere" / "notes.txt"
    keep.write_text("mine\n", encoding="utf-8")
    (root / ".venv").symlink_to(root.parent / "elsewhere")
    return keep


@pytest.mark.parametrize("make", [_folder_of_files, _a_file, _symlink_to_a_folder])
def test_bootstrap_leaves_a_dot_venv_that_is_not_a_venv_alone(tmp_path, make):
    root = clone(tmp_path)
    keep = make(root)
    result = run([sys.executable, "bootstrap.py"], root)
    assert result.returncode == 1
    assert ".venv" in result.stderr and "python3 bootstrap.py" in result.stderr
    assert keep.read_text(encoding="utf-8") == "mine\n"
    assert_no_traceback(result)


def test_bootstrap_parses_on_old_pythons():
    """So that an old python3 reaches the version message instead of a SyntaxError."""
    source = (REPO / "bootstrap.py").read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 6))


def _old_pythons() -> list[str]:
    """The oldest and the newest Python before 3.11 that start here (on PATH or pyenv's)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = []
    for minor in range(6, 11):
        candidates += [shutil.which(f"python3.{minor}"), *map(str, pyenv.glob(f"3.{minor}.*/bin/python3"))]
    found = [path for path in candidates if path]

    def first_working(paths):
        return next((path for path in paths if run([path, "-c", "pass"], REPO).returncode == 0), None)

    picked = {first_working(found), first_working(reversed(found))}
    return sorted(path for path in picked if path)


def test_bootstrap_on_an_old_python_says_which_version_is_needed(tmp_path):
    olds = _old_pythons()
    if not olds:
        pytest.skip("no Python older than 3.11 on this machine")
    root = clone(tmp_path)
    for python in olds:
        result = run([python, "bootstrap.py"], root)
        assert result.returncode == 1, (python, result.stderr)
        assert "Python 3.11" in result.stderr, (python, result.stderr)
        assert_no_traceback(result)
    assert not (root / ".venv").exists()
