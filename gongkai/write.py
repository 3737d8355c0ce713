"""Stage 5: write. Output goes to a staging directory beside output/ and is swapped in
only when complete, so a failed or interrupted build leaves the last good site."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .render import Outputs


class UnsafeOutput(Exception):
    """The output directory would overwrite sources or leave the project."""


def check_output_dir(output: Path, project: Path, force: bool) -> None:
    """The output directory is replaced whole, so it must be one of ours: not a source
    folder, not a file, and if it exists, either empty or a previous build (index.html)."""
    output, project = output.resolve(), project.resolve()
    protected = {project: "项目根目录", project / "content": "content/", project / "layouts": "layouts/",
                 project / "tests": "tests/", project / "gongkai": "gongkai/", project / ".git": ".git/"}
    if output.exists() and not output.is_dir():
        raise UnsafeOutput(f"拒绝输出到 {output}：它是一个文件")
    if output.is_dir() and any(output.iterdir()) and not (output / "index.html").is_file():
        raise UnsafeOutput(f"拒绝输出到 {output}：该目录不是空的，也不像上一次生成的网站（没有 index.html）")
    if output in protected:
        raise UnsafeOutput(f"拒绝把网站输出到 {protected[output]}：构建会替换整个输出目录")
    if output in project.parents or output == Path(output.anchor):
        raise UnsafeOutput(f"拒绝把网站输出到 {output}：它包含整个项目")
    for path, name in protected.items():
        if path != project and path in output.parents:
            raise UnsafeOutput(f"拒绝把网站输出到 {name} 里面")
    if project not in output.parents and not force:
        raise UnsafeOutput(f"输出目录 {output} 在项目之外；确认无误请加 --force")


def write_site(outputs: Outputs, output: Path) -> None:
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        for rel, content in sorted(outputs.pages.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for rel, source in sorted(outputs.copies.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a web server must read it
        _swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, output: Path) -> None:
    """Replace output with staging: two renames, so output is never half written."""
    if not output.exists():
        staging.rename(output)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
    old.rmdir()
    output.rename(old)
    try:
        staging.rename(output)
    except BaseException:
        old.rename(output)
        raise
    shutil.rmtree(old, ignore_errors=True)
