"""Stage 5: write. The site is written to a staging folder beside output/ and swapped in
whole only when complete, so that the published folder is never missing or half built.

- output/ stays a real directory. The swap is one atomic exchange (Linux renameat2
  RENAME_EXCHANGE): at every instant the path holds either the old or the new site.
- Every site we write holds a marker file. Only a folder with the marker (or an empty
  one) is ever replaced or deleted, so another site's files are never lost.
- A lock file beside output/ keeps two builds from interleaving at the swap.
- Staging and old copies have recognisable names and the marker; a build removes the
  ones an interrupted build left, under the lock, deleting the marker last (so a half
  deleted copy is still recognisably ours) and never crossing into another file system.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .render import Outputs

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not locked
    fcntl = None

MARKER = ".gongkai-site"
MARKER_TEXT = "此目录由 gongkai（python3 build.py）生成，下次生成时会被整个替换；请勿在此存放其他文件。\n".encode()

FS_IOC_GETFLAGS = 0x80086601
UNDELETABLE_FLAGS = 0x10 | 0x20  # FS_IMMUTABLE_FL, FS_APPEND_FL (chattr +i / +a)


class UnsafeOutput(Exception):
    """The output directory is not ours to replace (exit 2)."""


class WriteFailed(Exception):
    """The site could not be written (exit 3). published says whether the new site is
    in place anyway (only a leftover could not be removed)."""

    def __init__(self, message: str, published: bool = False):
        super().__init__(message)
        self.published = published


# -- which output directory may be replaced -----------------------------------------------


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
    _check_place(output)
    if project not in output.parents and not force:
        raise UnsafeOutput(f"输出目录 {output} 在项目之外；确认无误请加 --force")
    return output


def _check_place(output: Path) -> None:
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
        if _is_ours(above):
            raise UnsafeOutput(f"拒绝输出到 {output}：它在另一个生成的网站 {above} 里面，生成那个网站时它会被删除")
    if mode is None:
        return
    if output in mount_points() or os.path.ismount(output):
        raise UnsafeOutput(
            f"拒绝输出到 {output}：它是一个挂载点，无法整个替换。请把 --output 指向挂载点里面的一个目录"
            f"（如 {output / 'site'}），并让网站服务器指向那个目录")
    try:
        if _is_ours(output) or not any(output.iterdir()):
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


def _is_ours(folder: Path) -> bool:
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


# -- writing -------------------------------------------------------------------------------


def write_site(outputs: Outputs, output: Path) -> list[str]:
    """Write the site into output (already checked and resolved). Returns notices for
    the user; raises WriteFailed (the previous site intact unless it says so)."""
    notices: list[str] = []
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WriteFailed(f"无法创建 {err.filename or output.parent}：{describe(err)}。{KEPT}") from None
    with _lock(output):
        leftovers = _clean_leftovers(output, notices)
        _check_place(output)  # again, under the lock: the folder may have changed
        _check_removable(output)
        staging = _stage(outputs, output)
        old = _publish(staging, output, notices)
        if old is not None:
            try:
                _remove_tree(old)
            except OSError as err:
                leftovers.append(f"{old}（{err.filename or old}：{describe(err)}）")
    if leftovers:
        message = (f"新网站已经发布到 {output}，但以下旧副本无法删除：{'；'.join(leftovers)}。"
                   "请排除原因（或手动删除这些目录）；下次生成时会再次尝试删除。")
        raise WriteFailed("\n".join([message, *notices]), published=True)
    return notices


KEPT = "网站没有更新，上一次生成的网站保持不变。"


def _stage(outputs: Outputs, output: Path) -> Path:
    """Every output file in a new staging folder beside output, the marker first."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-new-", dir=output.parent))
    except OSError as err:
        raise WriteFailed(f"无法在 {output.parent} 中创建临时目录：{describe(err)}。{KEPT}") from None
    try:
        (staging / MARKER).write_bytes(MARKER_TEXT)
        for rel, content in sorted(outputs.pages.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for rel, source in sorted(outputs.copies.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)  # bytes only: builds stay byte-identical
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a web server must read it
    except BaseException as err:
        _discard(staging)
        if isinstance(err, OSError):
            raise WriteFailed(f"写入 {err.filename or staging} 失败：{describe(err)}。{KEPT}") from None
        raise
    return staging


def _discard(staging: Path) -> None:
    with suppress(OSError):  # else the next build removes it (our name and marker)
        _remove_tree(staging)


def _publish(staging: Path, output: Path, notices: list[str]) -> Path | None:
    """Put staging in output's place; return where the old site now is (None if none)."""
    try:
        if not os.path.lexists(output):
            os.rename(staging, output)
            return None
        if exchange(staging, output):
            return staging  # the exchange left the old site under the staging name
        notices.append(f"提示：此文件系统不支持原子交换目录（renameat2 RENAME_EXCHANGE），"
                       f"改用两次改名替换网站，其间 {output} 会有极短时间不存在。")
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
        old.rmdir()
        os.rename(output, old)
        try:
            os.rename(staging, output)
        except BaseException:
            os.rename(old, output)
            raise
        return old
    except OSError as err:
        _discard(staging)
        raise WriteFailed(f"无法用新网站替换 {output}：{describe(err)}。{KEPT}") from None


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing changed)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):  # no renameat2 (not glibc, not Linux)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


# -- removing old copies ---------------------------------------------------------------------


LEFTOVER = r"\.{name}-(?:new|old)-[a-z0-9_]{{8}}"
LEGACY = r"\.{name}-(?:old-)?[a-z0-9_]{{8}}"  # staging names of builds before the marker


def _clean_leftovers(output: Path, notices: list[str]) -> list[str]:
    """Remove the staging and old copies interrupted builds left beside output, only
    ours; return the ones that could not be removed."""
    ours = re.compile(LEFTOVER.format(name=re.escape(output.name)))
    legacy = re.compile(LEGACY.format(name=re.escape(output.name)))
    failed = []
    try:
        entries = sorted(os.scandir(output.parent), key=lambda entry: entry.name)
    except OSError:
        return failed
    for entry in entries:
        if not (ours.fullmatch(entry.name) or legacy.fullmatch(entry.name)) or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if not (_is_ours(path) or _is_unfinished(path)):
            notices.append(f"提示：{path} 像是以前中断的生成留下的临时目录，但没有标记文件 {MARKER}，"
                           "不会自动删除；确认无用后请手动删除。")
            continue
        try:
            _remove_tree(path)
        except OSError as err:
            failed.append(f"{path}（{err.filename or path}：{describe(err)}）")
    return failed


def _is_unfinished(path: Path) -> bool:
    """Empty, or holding only the start of our marker: a build killed while creating
    its staging folder (or at the end of removing an old copy)."""
    try:
        entries = list(os.scandir(path))
        if not entries:
            return True
        if len(entries) > 1 or entries[0].name != MARKER or not entries[0].is_file(follow_symlinks=False):
            return False
        with open(entries[0].path, "rb") as handle:
            return MARKER_TEXT.startswith(handle.read(len(MARKER_TEXT) + 1))
    except OSError:
        return False


def _check_removable(output: Path) -> None:
    """Before the swap: the old site must be removable afterwards, or the swap would
    publish the new site and leave a full copy of the old one behind."""
    if not output.is_dir():
        return
    mounted = sorted(m for m in mount_points() if output in m.parents)
    if mounted:
        raise WriteFailed(f"{output} 里面挂载了另一个文件系统（{mounted[0]}），旧网站无法整个删除。"
                          f"请先卸载它（umount {mounted[0]}），或挂载到网站目录以外。{KEPT}")
    device = os.lstat(output).st_dev
    for folder, _dirs, files in os.walk(output, onerror=_raise):
        here = Path(folder)
        if os.lstat(here).st_dev != device:
            raise WriteFailed(f"{output} 里面的 {here} 在另一个文件系统上（挂载点），旧网站无法整个删除。"
                              f"请先卸载它，或挂载到网站目录以外。{KEPT}")
        if not os.access(here, os.W_OK | os.X_OK) or _undeletable(here):
            raise WriteFailed(f"旧网站中的目录 {here} 不可写或被设为不可修改（chattr +i），旧网站无法删除。"
                              f"请修正它的权限后再生成。{KEPT}")
        for name in files:
            path = here / name
            if _undeletable(path):
                raise WriteFailed(f"旧网站中的文件 {path} 被设为不可删除（chattr +i 或 +a），旧网站无法删除。"
                                  f"请先解除（chattr -i {path}）后再生成。{KEPT}")


def _raise(err: OSError) -> None:
    raise WriteFailed(f"无法读取旧网站中的 {err.filename}：{describe(err)}。{KEPT}")


def _undeletable(path: Path) -> bool:
    """chattr +i or +a: even root cannot delete it (os.access cannot tell for sure)."""
    if fcntl is None or os.path.islink(path):
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        flags = fcntl.ioctl(fd, FS_IOC_GETFLAGS, b"\0" * 8)
        return bool(int.from_bytes(flags[:4], "little") & UNDELETABLE_FLAGS)
    except OSError:
        return False  # the file system has no such flags
    finally:
        os.close(fd)


def _remove_tree(path: Path) -> None:
    """Delete a folder of ours, its marker last, never descending into a mount."""
    device, mounts = os.lstat(path).st_dev, mount_points()
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.name != MARKER:
                _remove_entry(Path(entry.path), device, mounts)
    (path / MARKER).unlink(missing_ok=True)
    os.rmdir(path)


def _remove_entry(path: Path, device: int, mounts: set[Path]) -> None:
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return
    if info.st_dev != device or path in mounts:
        raise OSError(errno.EBUSY, "挂载点", str(path))
    with os.scandir(path) as entries:
        for entry in entries:
            _remove_entry(Path(entry.path), device, mounts)
    os.rmdir(path)


# -- the lock -----------------------------------------------------------------------------


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.lock"


@contextmanager
def _lock(output: Path) -> Iterator[None]:
    """Hold an exclusive flock on the lock file beside output; the file is removed at
    the end, so a build leaves nothing beside output. A build that opened the file just
    before it was removed sees that it locked a removed file and tries again."""
    if fcntl is None:
        yield
        return
    path = lock_path(output)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise WriteFailed(f"无法创建锁文件 {path}：{describe(err)}。{KEPT}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"（PID {holder}）" if holder else ""
            raise WriteFailed(f"另一个生成进程{who}正在写入 {output}，请等它结束后再试（锁文件 {path}）。{KEPT}") from None
        if _same_file(fd, path):
            break
        os.close(fd)
    try:
        with suppress(OSError):  # the PID only helps the message of a build that must wait
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


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
