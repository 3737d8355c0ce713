"""The command line behind build.py: build, check, new, serve."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import BuildStopped, Problems, Stage
from .outputdir import UnsafeOutput, check_output_dir, describe
from .progress import Progress
from .write import WriteFailed, write_site

if TYPE_CHECKING:
    from .build import Build

CHINA = timezone(timedelta(hours=8))

DESCRIPTION = """\
政府信息公开网站生成器：把 content/ 中的 Markdown 文件生成为可访问的静态网站。

  python3 build.py                     生成网站到 output/（失败时保留上一次的网站）
  python3 build.py check               只检查内容和无障碍规则，不写任何文件
  python3 build.py new TYPE SLUG       新建内容文件（TYPE 为内容类型，如 policy 政策文件）
  python3 build.py serve               本地预览 http://127.0.0.1:8000/ ，修改后自动重新生成
{commands}
内容错误会一次全部列出（文件:行号: 字段：说明）。
退出码：0 成功；1 内容错误；2 拒绝使用该输出目录（或 serve 的端口、地址不可用）；
3 网站无法写入（磁盘已满、只读、没有权限、另一个生成进程正在写入等）；
4 check --strict：信息公开台账有逾期、空白栏目或检查指标不达标。
除 0 以外，output/ 都保持上一次成功生成的内容。
判断是否过期的日期：--build-date，否则环境变量 SOURCE_DATE_EPOCH，否则今天（北京时间）。
"""

# argparse prints its own words through gettext; an editor reads Chinese.
_ARGPARSE_WORDS = {
    "usage: ": "用法：", "positional arguments": "参数", "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
}
argparse._ = lambda text: _ARGPARSE_WORDS.get(text, text)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD，实际为“{text}”") from None


def parse_jobs(text: str) -> int:
    if text.strip().isdigit() and 1 <= int(text) <= 256:
        return int(text)
    raise argparse.ArgumentTypeError(f"进程数应为 1 到 256 之间的整数，实际为“{text}”")


def build_date(args) -> date:
    if args.build_date:
        return args.build_date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        try:
            return datetime.fromtimestamp(int(epoch), CHINA).date()
        except (OverflowError, OSError, ValueError):
            raise SystemExit(f"错误：SOURCE_DATE_EPOCH={epoch} 不是有效的时间戳") from None
    return datetime.now(CHINA).date()


def _shared_options(sub: bool, output: bool) -> argparse.ArgumentParser:
    """Options allowed before or after the command. On a command's own parser they
    default to SUPPRESS, so `build.py --root X check` keeps the X given first."""
    parser = argparse.ArgumentParser(add_help=False)
    default = (lambda value: argparse.SUPPRESS) if sub else (lambda value: value)
    parser.add_argument("--root", type=Path, default=default(Path.cwd()), help="项目目录（默认当前目录）")
    parser.add_argument("--build-date", type=parse_date, default=default(None), help="按此日期判断文件是否过期（YYYY-MM-DD）")
    parser.add_argument("--no-cache", action="store_true", default=default(False),
                        help="不读取也不更新生成缓存（.cache/gongkai/），从头生成；结果与使用缓存时相同")
    parser.add_argument("--jobs", type=parse_jobs, default=default(None), metavar="N",
                        help="同时生成页面的进程数（默认为本机的处理器核数；页面不多时只用一个）；结果与 --jobs 1 相同")
    if output:
        parser.add_argument("--output", type=Path, default=default(None), help="输出目录（默认 项目/output）")
        parser.add_argument("--force", action="store_true", default=default(False), help="允许输出到项目目录之外")
    return parser


def make_parser() -> argparse.ArgumentParser:
    usage = "".join(f"  python3 build.py {c.usage}\n" for c in type_commands())
    parser = argparse.ArgumentParser(prog="python3 build.py", description=DESCRIPTION.format(commands=usage), parents=[_shared_options(False, True)],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="命令")
    writing, reading = _shared_options(True, True), _shared_options(True, False)
    commands.add_parser("build", parents=[writing], help="生成网站（默认）")
    check = commands.add_parser("check", parents=[reading], help="检查内容与无障碍规则，不写文件")
    check.add_argument("--strict", action="store_true",
                       help="同时检查信息公开台账：有逾期、空白栏目或检查指标不达标时以退出码 4 结束（供 CI 使用）")
    new = commands.add_parser("new", parents=[reading], help="新建内容文件，带好前置元数据和今天的日期")
    new.add_argument("type", metavar="TYPE", help="内容类型（写错时会列出全部类型）")
    new.add_argument("slug", metavar="SLUG", help="文件名，即网址中的标识：小写英文字母、数字和连字符")
    serve = commands.add_parser("serve", parents=[writing], help="本地预览并在修改后自动重新生成")
    serve.add_argument("--port", type=parse_port, default=8000, help="端口（默认 8000）")
    serve.add_argument("--host", default="127.0.0.1",
                       help="监听地址（默认 127.0.0.1，只有本机能访问）；0.0.0.0 让同一网络中的手机等设备也能打开预览，"
                            "但网络中的任何人都能看到")
    for command in type_commands():
        command.arguments(commands.add_parser(command.name, parents=[reading], help=command.help))
    return parser


def type_commands():
    """The commands content types add (import-gazette, …)."""
    from .types import REGISTRY

    return [command for kind in REGISTRY for command in kind.commands]


def parse_port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"端口应为 1 到 65535 之间的整数，实际为“{text}”")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # an odd file name must not crash printing
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = make_parser().parse_args(argv)
    try:
        return run_command(args)
    except KeyboardInterrupt:
        print("已中断；output/ 保持上一次成功生成的内容。", file=sys.stderr)
        return 130
    except (UnsafeOutput, WriteFailed) as err:
        print(f"错误：{err}", file=sys.stderr)
        return 3 if isinstance(err, WriteFailed) else 2
    except OSError as err:
        print(f"错误：{err.filename or '文件操作'}：{describe(err)}。", file=sys.stderr)
        return 3


def run_command(args) -> int:
    command = args.command or "build"
    try:
        root = args.root.resolve()
    except RuntimeError:
        print(f"错误：项目目录 {args.root} 的路径中有循环的符号链接", file=sys.stderr)
        return 1
    if command == "new":
        from .scaffold import ScaffoldError, scaffold

        try:
            path = scaffold(root, args.type, args.slug, build_date(args))
        except ScaffoldError as err:
            print(f"错误：{err}", file=sys.stderr)
            return 1
        print(f"已新建 {path.relative_to(root)}，请填写其中的空字段后再生成网站。")
        return 0
    if extra := next((c for c in type_commands() if c.name == command), None):
        return extra.run(root, args)
    if command == "check":
        code = exit_code(run_build(root, None, build_date(args), "" if args.no_cache else "read", jobs=args.jobs)[0])
        return code or (strict_checks(root, build_date(args)) if args.strict else 0)
    output = check_output_dir(args.output or root / "output", root, args.force)
    if command == "serve":
        from .preview import Preview
        from .serve import serve

        preview = Preview(root, output, build_date(args), "" if args.no_cache else "write", preview_build)
        return serve(root, output, args.port, args.host, base_path(root), preview)
    return exit_code(run_build(root, output, build_date(args), "" if args.no_cache else "write", jobs=args.jobs)[0])


def preview_build(*args, **options):
    """A build in serve: a site that cannot be written is shown like a content error."""
    try:
        return run_build(*args, **options)
    except (UnsafeOutput, WriteFailed) as err:
        print(f"错误：{err}", file=sys.stderr)
        problems = Problems(stage=Stage.WRITE)
        problems.add(str(args[1]), 0, "", str(err))
        return problems, None


def base_path(root: Path) -> str:
    """The path part of base_url ("/xxgk"), or "" when the config can't be read yet."""
    from .build import load_config

    try:
        return load_config(root, Problems()).site.base_path
    except BuildStopped:
        return ""


def strict_checks(root: Path, as_of: date) -> int:
    """check --strict: what content types hold the site to beyond its content (the ledger)."""
    from .types import REGISTRY

    return max((kind.strict(root, as_of) for kind in REGISTRY), default=0)


def exit_code(problems: Problems) -> int:
    return 1 if problems else 0


def run_build(root: Path, output: Path | None, as_of: date, use_cache: str, progress: Progress | None = None,
              jobs: int | None = 1, shortcut: bool = True) -> tuple[Problems, Build | None]:
    """Build (or only check when output is None), print a summary, return the problems
    and the build (None when nothing had changed since the last: then none is made).
    The pipeline is imported here: a refused output directory is reported at once."""
    from . import unchanged
    from .build import build_site

    started = time.perf_counter()
    digest = unchanged.inputs(root, as_of) if output is not None and use_cache == "write" else None
    if shortcut and (last := unchanged.last_build(root, output, digest)) is not None:
        if last["report"]:
            print(last["report"], file=sys.stderr)
        print(f"生成完成：{last['pages']} 个页面，共 {last['files']} 个文件，内容、版式、配置和日期都与上次生成时相同，"
              f"{output} 已是最新，未写入任何文件；0 个错误。用时 {time.perf_counter() - started:.2f} 秒。")
        return Problems(), None
    progress = progress or Progress.for_terminal()
    result = build_site(root, as_of, use_cache, progress, jobs)
    elapsed = time.perf_counter() - started
    if result.problems:
        print(result.problems.report(), file=sys.stderr)
        kept = "，output/ 保持上一次成功生成的内容" if output else ""
        print(f"生成失败：{len(result.problems)} 个错误{kept}。用时 {elapsed:.2f} 秒。", file=sys.stderr)
        return result.problems, result
    if result.problems.warnings:
        print(result.problems.report(), file=sys.stderr)
    pages = sum(1 for path in result.outputs.pages if path.endswith(".html"))
    reused = f"（{result.reused} 篇正文取自生成缓存）" if result.reused else ""
    if output is None:
        print(f"检查通过：{pages} 个页面{reused}，0 个错误，未写入任何文件。用时 {elapsed:.2f} 秒。")
        return result.problems, result
    notices, kept = write_site(result.outputs, output, progress)
    for notice in notices:
        print(notice, file=sys.stderr)
    elapsed = time.perf_counter() - started
    same = f"（{kept} 个与上次相同，未重写）" if kept else ""
    print(f"生成完成：{pages} 个页面{reused}，共 {len(result.outputs)} 个文件{same}，写入 {output}；0 个错误。用时 {elapsed:.2f} 秒。")
    unchanged.remember(root, output, digest, result.problems.report() if result.problems.warnings else "", pages,
                       len(result.outputs))
    return result.problems, result
