"""Which output directory a build may replace: ours (a marker file in it), or empty;
never a source folder, a file, a mount point or a folder inside another of our sites.
Checked before anything is built, so a refusal is quick and touches nothing."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

MARKER = ".gongkai-site"
MARKER_TEXT = "此目录由 gongkai（python3 build.py）生成，下次生成时会被整个替换；请勿在此存放其他文件。\n".encode()



class UnsafeOutput(Exception):
    """The output directory is not ours to replace (exit 2)."""



def resolve_output(output: Path) -> Path:
    try:
        return output.resolve()
    except RuntimeError:  # Python 3.11 reports a symlink loop so
        raise UnsafeOutput(f"拒绝输出到 {output}：路径中有循环的符号链接（链接最终指回自己），"
                           "请删除或改正这个符号链接，或用 --output 另选目录") from None
    except OSError as err:
        raise UnsafeOutput(f"拒绝输出到 {output}：{describe(err)}") from None


def check_output_dir(output: Path, project: Path, force: bool) -> Path:
    """The output directory is replaced whole, so it must be ours: not a source folder,
    not a file, not a mount point, and if it has files, a previous build (the marker).
    Returns the resolved path to write to."""
    output, project = resolve_output(output), project.resolve()
    protected = {project: "项目根目录", project / "content": "content/", project / "layouts": "layouts/",
                 project / "tests": "tests/", project / "gongkai": "gongkai/", project / ".git": ".git/"}
    if output in protected:
        raise UnsafeOutput(f"拒绝把网站输出到 {protected[output]}：构建会替换整个输出目录")
    if output in project.parents or output == Path(output.anchor):
        raise UnsafeOutput(f"拒绝把网站输出到 {output}：它包含整个项目")
    for path, name in protected.items():
        if path != project and path in output.parents:
            raise UnsafeOutput(f"拒绝把网站输出到 {name} 里面")
    check_place(output)
    if project not in output.parents and not force:
        raise UnsafeOutput(f"输出目录 {output} 在项目之外；确认无误请加 --force")
    return output


def check_place(output: Path) -> None:
    """What is at output (and above it) must allow replacing output whole."""
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise UnsafeOutput(f"拒绝输出到 {output}：{describe(err)}") from None
    if mode is not None and not stat.S_ISDIR(mode):
        raise UnsafeOutput(f"拒绝输出到 {output}：它是一个文件，不是目录")
    for above in output.parents:
        if above.is_dir():
            break
        if os.path.lexists(above):
            raise UnsafeOutput(f"拒绝输出到 {output}：上级路径 {above} 是一个文件，不是目录")
    for above in output.parents:
        if is_ours(above):
            raise UnsafeOutput(f"拒绝输出到 {output}：它在另一个生成的网站 {above} 里面，生成那个网站时它会被删除")
    if mode is None:
        return
    if output in mount_points() or os.path.ismount(output):
        raise UnsafeOutput(
            f"拒绝输出到 {output}：它是一个挂载点，无法整个替换。请把 --output 指向挂载点里面的一个目录"
            f"（如 {output / 'site'}），并让网站服务器指向那个目录")
    try:
        if is_ours(output) or not any(output.iterdir()):
            return
    except OSError as err:
        raise UnsafeOutput(f"拒绝输出到 {output}：无法读取这个目录：{describe(err)}") from None
    if (output / "index.html").exists():
        raise UnsafeOutput(
            f"拒绝输出到 {output}：该目录里有 index.html，但没有本程序生成时留下的标记文件 {MARKER}，"
            "可能是别的网站，也可能是旧版本生成的网站。为防止误删，只替换本程序生成的目录。"
            f"若确认它是旧版本生成的、可以整个删除，请手动删除它一次（rm -r {output}）后再生成；"
            "否则请用 --output 另选一个新目录")
    raise UnsafeOutput(f"拒绝输出到 {output}：该目录不是空的，也不是本程序生成的网站（没有标记文件 {MARKER}）。"
                       "请用 --output 另选一个新目录或空目录")


def is_ours(folder: Path) -> bool:
    """The folder holds our marker: a regular file (not a link) with our exact text."""
    marker = folder / MARKER
    try:
        if not stat.S_ISREG(os.lstat(marker).st_mode):
            return False
        with open(marker, "rb") as handle:
            return handle.read(len(MARKER_TEXT) + 1) == MARKER_TEXT
    except OSError:
        return False


def mount_points() -> set[Path]:
    """Every mount point of this process (Linux); bind mounts of a folder on the same
    file system are only found here (they have the same st_dev)."""
    try:
        text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return set()
    fields = (line.split() for line in text.splitlines())
    return {Path(_unescape(parts[4])) for parts in fields if len(parts) > 4}


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


# -- messages ------------------------------------------------------------------------------


REASONS = {
    errno.ENOSPC: "磁盘空间不足（或文件数已达上限），请腾出空间后再生成",
    errno.EDQUOT: "超出磁盘配额，请腾出空间后再生成",
    errno.EROFS: "这是只读文件系统，无法写入；请输出到可写的位置",
    errno.EACCES: "没有写入权限，请检查目录的所有者和权限",
    errno.EPERM: "不允许修改（没有权限，或被设为不可修改，如 chattr +i）",
    errno.ENAMETOOLONG: "路径或文件名过长",
    errno.ELOOP: "路径中有循环的符号链接",
    errno.ENOTDIR: "路径中有一部分是文件而不是目录",
    errno.EISDIR: "应是文件的位置是一个目录",
    errno.EBUSY: "目录正被占用（可能是挂载点）",
    errno.EXDEV: "不在同一个文件系统上",
    errno.EIO: "磁盘读写出错（输入/输出错误），请检查磁盘",
    errno.EMFILE: "打开的文件过多",
    errno.ENFILE: "系统打开的文件过多",
    errno.EMLINK: "一个目录里的子目录过多",
    errno.ENOENT: "文件或目录不存在（可能在生成时被删除或移动了）",
}


def describe(err: OSError) -> str:
    """An OSError in plain Chinese, with its errno name for whoever looks it up."""
    name = errno.errorcode.get(err.errno or 0, "")
    reason = REASONS.get(err.errno or 0, f"系统错误：{err.strerror or err}")
    return reason + (f"（{name}）" if name else "")
