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

from .outputdir import MARKER, MARKER_TEXT, check_place, describe, is_ours, mount_points
from .progress import QUIET, Progress, Step

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not locked
    fcntl = None

class WriteFailed(Exception):
    """The site could not be written (exit 3). published says whether the new site is
    in place anyway (only a leftover could not be removed)."""

    def __init__(self, message: str, published: bool = False):
        super().__init__(message)
        self.published = published


FS_IOC_GETFLAGS = 0x80086601
UNDELETABLE_FLAGS = 0x10 | 0x20  # FS_IMMUTABLE_FL, FS_APPEND_FL (chattr +i / +a)


# -- writing -------------------------------------------------------------------------------


def write_site(outputs: Outputs, output: Path, progress: Progress = QUIET) -> tuple[list[str], int]:
    """Write the site into output (already checked and resolved). Returns notices for
    the user and how many files were kept from the published site (same bytes); raises
    WriteFailed (the previous site intact unless it says so)."""
    notices: list[str] = []
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WriteFailed(f"无法创建 {err.filename or output.parent}：{describe(err)}。{KEPT}") from None
    with _lock(output):
        leftovers = _clean_leftovers(output, notices)
        check_place(output)  # again, under the lock: the folder may have changed
        _check_removable(output)
        sizes = {rel: info.st_size for rel, info in published_files(output).items() if stat.S_ISREG(info.st_mode)}
        staging, kept = _stage(outputs, output, sizes, progress.stage("写入", len(outputs), "个文件"))
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
    return notices, kept


KEPT = "网站没有更新，上一次生成的网站保持不变。"


def update_files(output: Path, files: dict[str, bytes | None]) -> None:
    """Replace single files of the published site in place (None: remove it), each
    atomically, so a reader gets the old file or the new: serve's quick rebuilds after
    an edit (preview.py), where swapping the whole site in would cost seconds."""
    mode = _file_mode()
    with _lock(output):
        for rel, data in sorted(files.items()):
            target = output / rel
            if data is None:
                with suppress(FileNotFoundError):
                    target.unlink()
                continue
            temporary = None
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, temporary = tempfile.mkstemp(prefix=".gongkai-", dir=target.parent)
                with os.fdopen(fd, "wb") as stream:
                    stream.write(data)
                os.chmod(temporary, mode)
                os.replace(temporary, target)
            except OSError as err:
                if temporary:
                    with suppress(OSError):
                        os.unlink(temporary)
                raise WriteFailed(f"写入 {err.filename or target} 失败：{describe(err)}。") from None


def _stage(outputs: Outputs, output: Path, published: dict[str, int], step: Step) -> tuple[Path, int]:
    """Every output file in a new staging folder beside output, the marker first. A file
    the published site already holds with the same bytes is linked, not written, so it
    keeps its modification time (rsync and object-storage sync skip it). Returns the
    folder and how many files were linked so."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-new-", dir=output.parent))
    except OSError as err:
        raise WriteFailed(f"无法在 {output.parent} 中创建临时目录：{describe(err)}。{KEPT}") from None
    mode = _file_mode()
    try:
        if not _reuse(output / MARKER, staging / MARKER, mode, MARKER_TEXT):
            (staging / MARKER).write_bytes(MARKER_TEXT)
        made: set[Path] = set()
        kept = 0
        for rel, content in sorted(outputs.pages.items()):
            step.advance()
            target = _place(staging / rel, made)
            if published.get(rel) == len(content) and _reuse(output / rel, target, mode, content):
                kept += 1
            else:
                target.write_bytes(content)
        for rel, source in sorted(outputs.copies.items()):
            step.advance()
            target = _place(staging / rel, made)
            if published.get(rel) == source.stat().st_size and _reuse(output / rel, target, mode, source):
                kept += 1
            else:
                shutil.copyfile(source, target)  # bytes only: builds stay byte-identical
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a web server must read it
        step.done()
    except BaseException as err:
        step.stop()
        _discard(staging)
        if isinstance(err, OSError):
            raise WriteFailed(f"写入 {err.filename or staging} 失败：{describe(err)}。{KEPT}") from None
        raise
    return staging, kept


def _place(target: Path, made: set[Path]) -> Path:
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    return target


def published_files(output: Path) -> dict[str, os.stat_result]:
    """Every entry of the published site but its folders, by path, with its lstat:
    reached through real folders only, never a symbolic link; what cannot be read is
    left out (its files get written)."""
    found: dict[str, os.stat_result] = {}
    folders = [(output, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((Path(entry.path), f"{prefix}{entry.name}/"))
                    else:
                        found[prefix + entry.name] = entry.stat(follow_symlinks=False)
        except OSError:
            continue
    return found


def _reuse(old: Path, target: Path, mode: int, new: bytes | Path) -> bool:
    """Link the published file old at target if it holds the bytes of new (a page's
    bytes or the file copied), has the permissions a new file gets and is linked nowhere
    else; False where it cannot be (then the caller writes the file)."""
    try:
        fd = os.open(old, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with open(fd, "rb") as stream:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != mode or info.st_nlink != 1:
                return False
            if not (stream.read() == new if isinstance(new, bytes) else _same_stream(stream, new)):
                return False
        os.link(old, target, follow_symlinks=False)
        return True
    except OSError:  # no hard links here (another file system, FAT, a protected link)
        return False


def _same_stream(stream, source: Path, block: int = 1 << 20) -> bool:
    """Whether stream reads as the file source does, a block at a time (attachments may
    be large)."""
    with source.open("rb") as other:
        while True:
            a, b = stream.read(block), other.read(block)
            if a != b:
                return False
            if not a:
                return True


def _file_mode() -> int:
    """The permissions a file written now gets (0o666 less the umask)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


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


def has_leftovers(output: Path) -> bool:
    """Whether anything a build would look at is beside output: staging or old copies
    (ours or look-alikes, which a build removes or reports), or another build's lock."""
    names = (re.compile(LEFTOVER.format(name=re.escape(output.name))), re.compile(LEGACY.format(name=re.escape(output.name))))
    try:
        entries = os.listdir(output.parent)
    except OSError:
        return True
    return lock_path(output).name in entries or any(n.fullmatch(e) for e in entries for n in names)


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
        if not (is_ours(path) or _is_unfinished(path)):
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
