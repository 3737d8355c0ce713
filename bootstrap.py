#!/usr/bin/env python3
"""准备开发环境：在项目目录建立虚拟环境 .venv/，把本项目和测试所需的软件包装进去。

    python3 bootstrap.py                   建立（或沿用）.venv/ 并安装本项目
    python3 bootstrap.py --browser-tests   另外安装浏览器测试所需的工具（Chromium、中文字体、Java、npm 包）

Runs on the system python3 with the standard library only, so it works on a stock
Debian/Ubuntu, where `pip install` outside a venv is refused (externally-managed-environment).
Safe to re-run: a working .venv/ is kept and the project re-installed into it.
The file keeps to Python 3.6 syntax so that an old python3 gets the message
below instead of a SyntaxError.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 -- this check is for interpreters older than the target
    sys.exit(
        "错误：本项目需要 Python 3.11 或更新版本，当前的 {} 是 {}.{}。\n"
        "请安装较新的 Python（Debian 12、Ubuntu 24.04 自带的 python3 即可），"
        "再运行 python3 bootstrap.py".format(sys.executable, *sys.version_info[:2])
    )

import argparse
import importlib
import importlib.util
import os
import shlex
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
APT_INSTALL = ["apt-get", "install", "-y", "-q", "--no-install-recommends"]


class Stop(Exception):
    """A step that cannot go on; the message says what to do."""


def say(text):
    print("bootstrap: " + text, flush=True)


def shown(cmd):
    """A command as the user would type it, paths inside the project relative to it."""
    words = []
    for word in cmd:
        word = str(word)
        if word.startswith(str(ROOT) + os.sep):
            word = os.path.relpath(word, ROOT)
        words.append(shlex.quote(word))
    return " ".join(words)


def run(cmd, env=None):
    """Run cmd in the project directory, echoing it; its return code."""
    print("$ " + shown(cmd), flush=True)
    try:
        return subprocess.run([str(word) for word in cmd], cwd=str(ROOT), env=env).returncode
    except OSError as error:
        raise Stop(f"无法运行 {cmd[0]}：{error.strerror or error}") from None


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# -- Debian packages -----------------------------------------------------------------------


def apt_install(packages):
    """Install Debian packages as root, non-interactively."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if run(["apt-get", "update", "-q"], env=env) != 0:
        raise Stop("apt-get update 失败（见上面的输出）。请检查网络和软件源，再运行 python3 bootstrap.py")
    if run(APT_INSTALL + list(packages), env=env) != 0:
        raise Stop("apt-get 没能安装 {}（见上面的输出）。修好后再运行 python3 bootstrap.py".format(" ".join(packages)))


def get_packages(packages, why, rerun):
    """Install packages with apt-get when we may; otherwise stop, saying the exact command."""
    names = " ".join(packages)
    if is_root() and shutil.which("apt-get"):
        say(f"{why}，正在用 apt-get 安装：{names}")
        apt_install(packages)
        return
    if shutil.which("apt-get"):
        raise Stop(f"{why}。请先运行：\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends {names}\n"
                   f"然后再运行 {rerun}")
    raise Stop(f"{why}（Debian/Ubuntu 上的软件包名：{names}）。本机没有 apt-get，请用系统的包管理器安装，然后再运行 {rerun}")


# -- the virtual environment ---------------------------------------------------------------


def venv_works():
    """A .venv/ with Python 3.11+ and pip that starts (an interrupted or stale one may not)."""
    if not VENV_PYTHON.is_file():
        return False
    probe = "import sys, pip; sys.exit(sys.version_info < (3, 11))"
    try:
        done = subprocess.run([str(VENV_PYTHON), "-c", probe], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def venv_package():
    """Debian's package with ensurepip for this Python: python3-venv for the default python3."""
    default = os.path.basename(os.path.realpath("/usr/bin/python3"))
    this = "python{}.{}".format(*sys.version_info[:2])
    return "python3-venv" if default == this else this + "-venv"


def can_make_venv():
    importlib.invalidate_caches()
    return all(importlib.util.find_spec(name) is not None for name in ("venv", "ensurepip"))


def remove_broken_venv():
    if not (VENV.exists() or VENV.is_symlink()):
        return
    if VENV.is_symlink() or not (VENV / "pyvenv.cfg").is_file():
        raise Stop(".venv 已存在，但不是虚拟环境（没有 .venv/pyvenv.cfg），为免删掉你的文件，没有改动它。\n"
                   "请把它改名或删除，再运行 python3 bootstrap.py")
    say("已有的 .venv/ 不能用（Python 或 pip 无法启动，可能是上次中断或 Python 升级过），删除后重建")
    shutil.rmtree(str(VENV))


def base_python():
    """The interpreter to make .venv/ with: not one inside .venv/, which is about to go."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return getattr(sys, "_base_executable", sys.executable)
    return sys.executable


def ensure_venv():
    """Make .venv/ unless a working one is there; whether it was made now."""
    if venv_works():
        say("沿用已有的虚拟环境 .venv/")
        return False
    remove_broken_venv()
    if not can_make_venv():
        why = f"{sys.executable} 缺少建立虚拟环境所需的 ensurepip 模块（Debian/Ubuntu 上在 {venv_package()} 软件包中）"
        get_packages([venv_package()], why, "python3 bootstrap.py")
        if not can_make_venv():
            raise Stop(f"安装 {venv_package()} 之后仍然找不到 ensurepip 模块。请确认运行的是系统的 python3（/usr/bin/python3）")
    python = base_python()
    say(f"建立虚拟环境 .venv/（用 {python}）")
    if run([python, "-m", "venv", VENV]) != 0 or not venv_works():
        raise Stop("建立虚拟环境失败（见上面的输出）。删除 .venv/ 后再运行 python3 bootstrap.py")
    return True


def install_project(first_time):
    if first_time:
        say("把本项目及测试所需的软件包安装到 .venv/（第一次需要下载，可能要几分钟）")
    else:
        say("重新安装本项目到 .venv/（已装好的软件包不再下载）")
    pip = [VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[test]"]
    if run(pip) != 0:
        raise Stop("pip 没能安装本项目（见上面 pip 的输出）。常见原因是连不上软件包索引（检查网络或 pip 的镜像设置）。\n"
                   "修好后再运行 python3 bootstrap.py")
    if run([VENV_PYTHON, "-c", "import gongkai.cli, jinja2, pytest"]) != 0:
        raise Stop("安装后仍无法导入 gongkai（见上面的输出）。删除 .venv/ 后再运行 python3 bootstrap.py")


# -- browser tests -------------------------------------------------------------------------


def has_cjk_font():
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list"], capture_output=True, text=True, errors="replace").stdout.lower()
        if "wenquanyi" in listed or "wqy" in listed:
            return True
    return any(Path("/usr/share/fonts").glob("**/wqy-microhei*"))


def has_libatomic():
    try:
        from ctypes.util import find_library
    except ImportError:  # a Python built without ctypes: look where Debian puts it
        return any(Path("/usr/lib").glob("*/libatomic.so.1"))
    return find_library("atomic") is not None


# What the browser tests need: (Debian package, what it is, whether this machine has it).
BROWSER_NEEDS = [
    ("chromium", "Chromium 浏览器", lambda: shutil.which("chromium") is not None),
    ("fonts-wqy-microhei", "中文字体（截图用）", has_cjk_font),
    ("default-jre-headless", "Java（运行 Nu HTML 检查器）", lambda: shutil.which("java") is not None),
    ("npm", "npm（安装 axe-core 和 vnu-jar）", lambda: shutil.which("npm") is not None),
    ("openssh-client", "ssh-keygen（核对公报清单签名的测试）", lambda: shutil.which("ssh-keygen") is not None),
    # Playwright's bundled node will not start without it; a minimal Debian lacks it.
    ("libatomic1", "libatomic（Playwright 的驱动程序需要）", has_libatomic),
]


def install_browser_tools():
    """Debian's Chromium, a CJK font for readable screenshots, Java for the Nu HTML checker,
    and the test-only npm packages (axe-core, vnu-jar) pinned in package-lock.json."""
    missing = [(package, what) for package, what, present in BROWSER_NEEDS if not present()]
    if missing:
        why = "浏览器测试还需要：" + "、".join(what for _, what in missing)
        get_packages([package for package, _ in missing], why, "python3 bootstrap.py --browser-tests")
    else:
        say("浏览器测试所需的 Chromium、中文字体、Java、npm、libatomic 都已安装")
    # --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime.
    say("安装浏览器测试用的 npm 包（axe-core、vnu-jar）到 node_modules/")
    if run(NPM_CI) != 0:
        raise Stop("npm ci 失败（见上面的输出）。修好后再运行 python3 bootstrap.py --browser-tests")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 bootstrap.py",
        description="建立虚拟环境 .venv/ 并安装本项目和测试所需的软件包（可重复运行）。",
    )
    parser.add_argument("--browser-tests", action="store_true",
                        help="另外安装浏览器测试所需的 Chromium、中文字体、Java（需要 root，用 apt-get）和 npm 包")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        install_project(ensure_venv())
        if args.browser_tests:
            install_browser_tools()
    except Stop as stop:
        print(f"\n错误：{stop}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n已中断。再次运行 python3 bootstrap.py 即可继续。", file=sys.stderr)
        return 130
    say("完成。生成示例网站：python3 build.py    运行测试：.venv/bin/python -m pytest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
