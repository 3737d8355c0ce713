"""The output folder and the live site: never missing or half built, only our own
folders replaced, one build at a time, every write failure a Chinese message with exit
3 and the previous site intact; `serve` on a busy port or a bad address says so.

Disk full, read-only and mount cases use real mounts (tmpfs, bind): they need root with
CAP_SYS_ADMIN, as on CI, and are skipped with a message elsewhere."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import BUILD_PY, policy, tree_digest

MARKER = ".gongkai-site"
KEPT = "上一次生成的网站保持不变"
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, IMMUTABLE = 0x80086601, 0x40086602, 0x10


# -- helpers -------------------------------------------------------------------------------


def fails(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """The run exited with code, without a traceback, saying every word; its stderr."""
    said = result.stdout + result.stderr
    assert result.returncode == code, f"exit {result.returncode}, expected {code}:\n{said}"
    assert "Traceback" not in said, said
    for word in words:
        assert word in result.stderr, f"“{word}” not in:\n{result.stderr}"
    return result.stderr


def debris(output: Path) -> list[str]:
    """What our builds may leave beside output: staging folders, old copies, the lock."""
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}"))


def site(project, n: int = 1) -> None:
    project.write("policies/a.md", policy(f"第{n}版文件"))


@pytest.fixture
def mounts():
    """mount(target, *options): a real mount at target, unmounted after the test."""
    made: list[Path] = []

    def mount(target: Path, *options: str) -> Path:
        target.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True)
        if result.returncode:
            pytest.skip(f"needs root with CAP_SYS_ADMIN to mount a file system: {result.stderr.strip()}")
        made.append(target)
        return target

    yield mount
    for target in reversed(made):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def tmpfs(mount, target: Path, options: str = "size=64m") -> Path:
    return mount(target, "-t", "tmpfs", "-o", options, "tmpfs")


def remount(target: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(target)], check=True, capture_output=True)


@pytest.fixture
def immutable():
    """set(path): chattr +i through the ioctl, cleared after the test (else nothing can
    delete the temporary folder)."""
    flagged: list[Path] = []

    def flags(path: Path, change) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            now = int.from_bytes(fcntl.ioctl(fd, FS_IOC_GETFLAGS, b"\0" * 8)[:4], "little")
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, change(now).to_bytes(8, "little"))
        finally:
            os.close(fd)

    def set_immutable(path: Path) -> None:
        try:
            flags(path, lambda now: now | IMMUTABLE)
        except OSError as err:
            pytest.skip(f"this file system or user cannot set chattr +i: {err}")
        flagged.append(path)

    yield set_immutable
    for path in flagged:
        flags(path, lambda now: now & ~IMMUTABLE)


# -- whose folder may be replaced -----------------------------------------------------------


def test_a_build_marks_its_site_and_leaves_nothing_beside_it(empty):
    site(empty)
    assert empty.build().returncode == 0
    marker = (empty.output / MARKER).read_bytes()
    site(empty, 2)
    assert empty.build().returncode == 0, "a marked output is replaced"
    assert "第2版文件" in empty.html("/policies/a/")
    assert (empty.output / MARKER).read_bytes() == marker, "the marker is the same in every build"
    assert debris(empty.output) == []


FOREIGN = {  # what is in the folder, and whether it is inside the project (else --force elsewhere)
    "index.html only, elsewhere": ({"index.html": "<p>别的网站</p>"}, False),
    "index.html only, in the project": ({"index.html": "<p>别的网站</p>"}, True),
    "a whole site": ({"index.html": "<p>首页</p>", "news/1.html": "新闻", "img/logo.png": "PNG"}, False),
    "no index.html": ({"notes.txt": "笔记"}, True),
    "hidden file only": ({".htaccess": "Deny from all"}, False),
    "marker is a folder": ({"index.html": "x", f"{MARKER}/x": "x"}, True),
    "marker is empty": ({"index.html": "x", MARKER: ""}, False),
    "marker with other text": ({"index.html": "x", MARKER: "gongkai"}, True),
}


@pytest.mark.parametrize(("files", "inside"), FOREIGN.values(), ids=FOREIGN.keys())
def test_a_folder_we_did_not_write_is_never_replaced(empty, tmp_path, files, inside):
    site(empty)
    target = empty.root / "public" if inside else tmp_path / "other-site"
    for rel, text in files.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text, encoding="utf-8")
    before = tree_digest(target)
    report = fails(empty.build("--output", str(target), "--force"), 2, "拒绝", str(target))
    if "index.html" in files and MARKER not in files:
        assert "手动删除" in report, "a site from before the marker: say how to proceed"
    assert tree_digest(target) == before
    assert debris(target) == []


def test_a_marker_that_is_a_link_does_not_count(empty, tmp_path):
    site(empty)
    assert empty.build().returncode == 0
    target = tmp_path / "other-site"
    target.mkdir()
    (target / "index.html").write_text("别的网站", encoding="utf-8")
    (target / MARKER).symlink_to(empty.output / MARKER)
    before = tree_digest(target)
    fails(empty.build("--output", str(target), "--force"), 2, "拒绝")
    assert tree_digest(target) == before


@pytest.mark.parametrize("where", ["output/policies", "output/a/b"])
def test_no_output_inside_a_site_we_wrote(empty, where):
    site(empty)
    assert empty.build().returncode == 0
    before = tree_digest(empty.output)
    fails(empty.build("--output", str(empty.root / where)), 2, "拒绝", "里面")
    assert tree_digest(empty.output) == before


@pytest.mark.parametrize("layout", ["self", "pair", "above", "chain"])
def test_a_symlink_loop_as_output_is_refused(empty, layout):
    site(empty)
    root = empty.root
    links = {"self": {"loop": "loop"}, "pair": {"loop": "b", "b": "loop"},
             "above": {"up": "up"}, "chain": {"loop": "c1", "c1": "c2", "c2": "loop"}}[layout]
    for name, target in links.items():
        (root / name).symlink_to(target)
    target = root / ("up/output" if layout == "above" else "loop")
    fails(empty.build("--output", str(target)), 2, "拒绝", "循环的符号链接")
    assert not empty.output.exists()


@pytest.mark.parametrize("where", ["site_config.yaml/out", "notes.txt"])
def test_an_output_at_or_under_a_file_is_refused(empty, where):
    site(empty)
    (empty.root / "notes.txt").write_text("笔记", encoding="utf-8")
    before = tree_digest(empty.root)
    fails(empty.build("--output", str(empty.root / where)), 2, "拒绝", "文件")
    assert tree_digest(empty.root) == before


@pytest.mark.parametrize("foreign", [False, True], ids=["ours", "foreign"])
def test_an_output_name_that_is_not_utf8_is_printed_not_a_crash(empty, foreign):
    """Printing such a name must not crash (the byte is shown as an escape)."""
    site(empty)
    name = os.fsencode(empty.root) + b"/out\xff\xfe"
    if foreign:
        os.mkdir(name)
        open(name + b"/index.html", "w").close()
    result = subprocess.run([sys.executable, str(BUILD_PY), "--root", str(empty.root), "--output", name],
                            capture_output=True)
    said = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode == (2 if foreign else 0) and "Traceback" not in said, said
    assert ("拒绝" if foreign else "生成完成") in said and "out\\udcff\\udcfe" in said


# -- one build at a time --------------------------------------------------------------------


def test_a_build_says_when_another_build_is_writing(empty):
    site(empty)
    assert empty.build().returncode == 0
    before = tree_digest(empty.output)
    site(empty, 2)
    lock = empty.root / ".output.lock"
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        fails(empty.build(), 3, "另一个生成进程（PID 4242）正在写入", "请等它结束后再试", KEPT)
        assert tree_digest(empty.output) == before
    assert empty.build().returncode == 0
    assert "第2版文件" in empty.html("/policies/a/")
    assert debris(empty.output) == [], "the lock file is removed at the end"


def test_builds_started_together_never_interleave(empty):
    site(empty)
    assert empty.build().returncode == 0
    complete = tree_digest(empty.output)
    command = [sys.executable, str(BUILD_PY), "--root", str(empty.root), "--build-date", "2026-11-25"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(run.wait(timeout=120), run.stdout.read() + run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    for code, said in results:
        assert "Traceback" not in said, said
        assert code == 0 or (code == 3 and "另一个生成进程" in said), said
    assert tree_digest(empty.output) == complete
    assert debris(empty.output) == []


# -- leftovers of interrupted builds --------------------------------------------------------


def test_leftovers_of_ours_are_removed_and_only_ours(empty):
    site(empty)
    assert empty.build().returncode == 0
    marker = (empty.output / MARKER).read_bytes()
    root = empty.root

    def folder(name: str, files: dict[str, bytes]) -> Path:
        (root / name).mkdir()
        for rel, data in files.items():
            (root / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / name / rel).write_bytes(data)
        return root / name

    ours = [folder(".output-new-abcd1234", {MARKER: marker, "index.html": b"x", "policies/a/index.html": b"y"}),
            folder(".output-old-zz_9x8y7", {MARKER: marker, "feed.xml": b"x"}),
            folder(".output-new-emptyone", {}),
            folder(".output-new-halfgone", {MARKER: marker})]
    lookalikes = [folder(".output-new-foreign1", {"index.html": b"not ours"}),
                  folder(".output-qwertyui", {"index.html": b"a build before the marker"}),
                  folder(".output-new-toolong99", {MARKER: marker}),
                  folder(".public-new-abcd1234", {MARKER: marker}),
                  folder(".output-new-abcd", {MARKER: marker})]
    (root / ".output-new-afile123").write_bytes(marker)
    result = empty.build()
    assert result.returncode == 0, result.stderr
    assert not [path for path in ours if os.path.lexists(path)]
    assert all(path.is_dir() for path in lookalikes) and (root / ".output-new-afile123").is_file()
    for path in lookalikes[:2]:
        assert f"{path}" in result.stderr and "不会自动删除" in result.stderr


# -- the file system says no ----------------------------------------------------------------


def disk_output(empty, mount, options: str = "size=64m") -> Path:
    """An output folder on its own small tmpfs inside the project."""
    tmpfs(mount, empty.root / "disk", options)
    return empty.root / "disk" / "output"


def used(path: Path) -> tuple[int, int]:
    """Bytes and inodes in use on path's file system."""
    info = os.statvfs(path)
    return (info.f_blocks - info.f_bfree) * info.f_frsize, info.f_files - info.f_ffree


@pytest.mark.parametrize("room", [0.0, 0.4, 0.9])
def test_disk_full_keeps_the_previous_site(empty, mounts, room):
    site(empty)
    output = disk_output(empty, mounts)
    assert empty.build("--output", str(output)).returncode == 0
    before = tree_digest(output)
    space, _ = used(output.parent)
    remount(output.parent, f"size={int(space * (1 + room)) // 1024 + 4}k")  # room for a fraction of a copy
    site(empty, 2)
    for path in output.rglob("*"):  # a rebuild links the files it can keep, which takes no room:
        if path.is_file():  # made private, every one must be written again
            path.chmod(0o600)
    before = tree_digest(output)
    fails(empty.build("--output", str(output)), 3, "磁盘空间不足", "ENOSPC", KEPT)
    assert tree_digest(output) == before
    assert debris(output) == [], "the partial staging folder is removed"
    remount(output.parent, "size=64m")
    assert empty.build("--output", str(output)).returncode == 0
    assert "第2版文件" in (output / "policies/a/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("room", [0, 5])
def test_no_free_inodes_keeps_the_previous_site(empty, mounts, room):
    site(empty)
    output = disk_output(empty, mounts)
    assert empty.build("--output", str(output)).returncode == 0
    before = tree_digest(output)
    _, inodes = used(output.parent)
    remount(output.parent, f"nr_inodes={inodes + room}")
    site(empty, 2)
    fails(empty.build("--output", str(output)), 3, "磁盘空间不足", KEPT)
    assert tree_digest(output) == before
    assert debris(output) == []


@pytest.mark.parametrize("first", [False, True], ids=["rebuild", "first build"])
def test_a_read_only_file_system(empty, mounts, first):
    site(empty)
    output = disk_output(empty, mounts)
    if not first:
        assert empty.build("--output", str(output)).returncode == 0
    before = tree_digest(output) if not first else {}
    remount(output.parent, "ro")
    site(empty, 2)  # (with nothing changed there is nothing to write, and the build says so)
    fails(empty.build("--output", str(output)), 3, "只读文件系统", "EROFS", KEPT)
    assert (tree_digest(output) if not first else {}) == before
    assert first != output.exists()


@pytest.mark.parametrize("kind", ["tmpfs", "bind"])
def test_an_output_that_is_a_mount_point_is_refused(empty, mounts, tmp_path, kind):
    site(empty)
    output = empty.root / "mounted"
    if kind == "tmpfs":
        tmpfs(mounts, output)
    else:
        (tmp_path / "elsewhere").mkdir()
        mounts(output, "--bind", str(tmp_path / "elsewhere"))
    (output / "keep.txt").write_text("挂载的文件", encoding="utf-8")
    fails(empty.build("--output", str(output)), 2, "挂载点", str(output / "site"))
    assert [p.name for p in output.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("kind", ["tmpfs", "bind"])
def test_a_mount_inside_the_output_keeps_everything(empty, mounts, tmp_path, kind):
    site(empty)
    assert empty.build().returncode == 0
    inner = empty.output / "files" / "mounted"
    if kind == "tmpfs":
        tmpfs(mounts, inner)
    else:
        (tmp_path / "data").mkdir()
        mounts(inner, "--bind", str(tmp_path / "data"))
    (inner / "keep.txt").write_text("不能删的文件", encoding="utf-8")
    before = tree_digest(empty.output)
    site(empty, 2)
    fails(empty.build(), 3, "挂载", str(inner), KEPT)
    assert tree_digest(empty.output) == before
    assert debris(empty.output) == []


@pytest.mark.parametrize("what", ["index.html", "policies/a/index.html", "policies", "."])
def test_an_old_site_that_cannot_be_deleted_is_not_swapped_out(empty, immutable, what):
    site(empty)
    assert empty.build().returncode == 0
    before = tree_digest(empty.output)
    immutable(empty.output / what)
    site(empty, 2)
    fails(empty.build(), 3, "chattr", KEPT)
    assert tree_digest(empty.output) == before
    assert debris(empty.output) == []


def test_a_leftover_that_cannot_be_removed_is_reported_and_retried(empty, mounts):
    site(empty)
    assert empty.build().returncode == 0
    leftover = empty.root / ".output-new-stuck123"
    (leftover / "files").mkdir(parents=True)
    (leftover / MARKER).write_bytes((empty.output / MARKER).read_bytes())
    tmpfs(mounts, leftover / "files" / "mounted")
    (leftover / "files/mounted/keep.txt").write_text("挂载的文件", encoding="utf-8")
    site(empty, 2)
    fails(empty.build(), 3, "新网站已经发布", str(leftover), "下次生成时会再次尝试删除")
    assert "第2版文件" in empty.html("/policies/a/")
    assert (leftover / "files/mounted/keep.txt").read_text(encoding="utf-8") == "挂载的文件"
    subprocess.run(["umount", str(leftover / "files/mounted")], check=True)
    assert empty.build().returncode == 0
    assert debris(empty.output) == []


# -- kill -9 at any moment --------------------------------------------------------------------


def test_kill_at_any_moment_never_leaves_the_site_missing_or_partial(empty):
    """SIGKILL at moments spread over whole builds (real processes) and, densely, over
    the write, swap and cleanup (builds forked from a process that has imported the
    generator, so that each costs only the build); after every kill the published
    folder is one of the two complete sites, and the next build leaves no debris."""
    for n in range(2, 8):
        empty.write(f"policies/p{n}.md", policy(f"文件{n}", n=n))
    argv = ["--root", str(empty.root), "--build-date", "2026-11-25"]
    command = [sys.executable, str(BUILD_PY), *argv]
    states: dict[int, dict[str, str]] = {}
    for state in (1, 2):
        site(empty, state)
        started = time.monotonic()
        assert subprocess.run(command, capture_output=True).returncode == 0
        took = time.monotonic() - started
        states[state] = tree_digest(empty.output)

    def kill(start, after_staging: bool, delay: float, k: int) -> None:
        now = next(state for state, digest in states.items() if digest == tree_digest(empty.output))
        site(empty, 3 - now)
        left = set(os.listdir(empty.root))  # a killed build's staging folder is not this one's
        build = start()
        if after_staging:
            _wait_for_staging(build, empty.output, left)
        if not _ends_within(build, delay):
            build.send_signal(signal.SIGKILL)
        build.wait()
        assert tree_digest(empty.output) in states.values(), f"kill {k} after {delay:.3f}s: partial or missing site"

    for k in range(6):
        kill(lambda: subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             False, took * (k + 0.5) / 6, k)
    writing = _time_to_write(lambda: Forked(argv), empty.output)
    for k in range(32):
        kill(lambda: Forked(argv), True, writing * k / 32, k)
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert debris(empty.output) == []


class Forked:
    """cli.main(argv) in a child forked from this process, with Popen's poll/wait."""

    def __init__(self, argv: list[str]):
        from gongkai import build, cli  # noqa: F401 (build: imported once, here, not in each child)

        self.pid, self.returncode = os.fork(), None
        if self.pid == 0:  # the child: the real command line, its output discarded
            code = 70
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.dup2(null, 2)
                code = cli.main(argv)
            finally:
                os._exit(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode


def _ends_within(build, seconds: float) -> bool:
    """Poll until the build ends or the moment to kill it has come."""
    deadline = time.monotonic() + seconds
    while build.poll() is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.0005)
    return True


def _wait_for_staging(build, output: Path, left: set[str] = frozenset()) -> None:
    """Until the build has created its staging folder (or has ended)."""
    prefix = f".{output.name}-new-"
    while build.poll() is None and not any(name.startswith(prefix) and name not in left
                                           for name in os.listdir(output.parent)):
        time.sleep(0.0005)


def _time_to_write(start, output: Path) -> float:
    """How long a build spends from creating its staging folder to exiting."""
    build = start()
    _wait_for_staging(build, output)
    started = time.monotonic()
    assert build.wait() == 0
    return max(time.monotonic() - started, 0.005)


# -- serve ----------------------------------------------------------------------------------


def serve(empty, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(BUILD_PY), "serve", *args, "--root", str(empty.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("taken_on", ["127.0.0.1", "0.0.0.0"])
def test_serve_on_a_busy_port_says_so_in_one_line(empty, taken_on):
    site(empty)
    with socket.socket() as taken:
        taken.bind((taken_on, 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = serve(empty, "--port", str(port))
        out, err = server.communicate(timeout=60)
    assert server.returncode == 2, out + err
    assert err.strip().splitlines() == [f"错误：端口 {port} 已被占用（可能另一个预览或程序正在使用它），"
                                        f"请换一个端口，例如 --port {port + 1}"]
    assert not empty.output.exists(), "nothing is built for a preview that cannot start"


@pytest.mark.parametrize("host", ["192.0.2.1", "not a host", "", "999.1.1.1", "127.0.0.1:8000", "-bad-"])
def test_serve_on_an_address_that_is_not_ours_says_so(empty, host):
    site(empty)
    server = serve(empty, "--port", "8000", f"--host={host}")
    out, err = server.communicate(timeout=60)
    assert server.returncode == 2 and "Traceback" not in out + err, out + err
    assert len(err.strip().splitlines()) == 1 and err.startswith("错误：") and "0.0.0.0" in err, err


@pytest.mark.parametrize("port", ["0", "70000", "八千"])
def test_serve_port_must_be_a_port(empty, port):
    server = serve(empty, "--port", port)
    out, err = server.communicate(timeout=60)
    assert server.returncode == 2 and "Traceback" not in err
    assert "端口应为 1 到 65535 之间的整数" in err


def test_serve_on_the_network_warns_that_anyone_can_see_it(empty):
    site(empty)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = serve(empty, "--port", str(port), "--host", "0.0.0.0")
    try:
        deadline, body = time.monotonic() + 30, ""
        while time.monotonic() < deadline and "第1版文件" not in body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert "第1版文件" in body
    finally:
        server.terminate()
        out, err = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out
    assert "预览已向网络开放，同一网络中的任何人都能" in err


# -- a rebuild rewrites only what changed ---------------------------------------------------


def _files(output: Path) -> dict[str, tuple[int, int]]:
    """Each file's (inode, modification time): what tells a rewritten file from a kept one."""
    return {p.relative_to(output).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(output.rglob("*")) if p.is_file()}


def _rewritten(before: dict, after: dict) -> set[str]:
    return {rel for rel, file in after.items() if before.get(rel) != file}


def test_a_rebuild_rewrites_only_the_files_whose_bytes_changed(example, tmp_path):
    """Unchanged files keep their inode and modification time (rsync and object-storage
    sync upload only what changed), also attachments; what changed is new, and the tree
    equals a clean build of the same content."""
    assert example.build().returncode == 0
    first = _files(example.output)
    second = example.build("--no-cache")  # with the cache, a build with nothing changed writes nothing at all
    assert second.returncode == 0
    again, digest = _files(example.output), tree_digest(example.output)
    assert _rewritten(first, again) == set(), "a rebuild with nothing changed rewrote these"
    assert f"（{len(again) - 1} 个与上次相同，未重写）" in second.stdout, "every file but the marker, said"
    assert all(p.stat().st_nlink == 1 for p in example.output.rglob("*") if p.is_file()), "linked to a removed copy"

    source = sorted((example.root / "content/policies").glob("*.md"))[0]
    text = source.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + 5
    source.write_text(text[:end] + "\n新增的一段正文。\n" + text[end:], encoding="utf-8")
    attachment = example.root / "content/files/2024/zwgk-2024-rwfg.txt"  # an attachment of the example
    data = bytearray(attachment.read_bytes())
    data[-1] ^= 1  # same size, other bytes
    attachment.write_bytes(bytes(data))
    assert example.build().returncode == 0
    after, changed = _files(example.output), tree_digest(example.output)
    differ = {rel for rel in changed if digest.get(rel) != changed[rel]}
    assert _rewritten(again, after) == differ
    assert any(rel.startswith("policies/") for rel in differ) and any(rel.endswith(attachment.name) for rel in differ)
    assert len(differ) < len(after) / 2, f"one body and one file changed, {len(differ)} of {len(after)} files differ"
    clean = example.root / "clean"
    assert example.build("--output", str(clean)).returncode == 0
    assert changed == tree_digest(clean)


@pytest.mark.parametrize("tamper", ["private file", "folder is a link", "file linked elsewhere"])
def test_a_published_file_is_kept_only_when_it_is_ours_as_we_wrote_it(example, tmp_path, tamper):
    """A published file is linked into the new site only if it is a regular file reached
    through real folders, with the permissions a new file gets and no other name: never a
    file of another folder, which a later change there would publish."""
    assert example.build().returncode == 0
    output = example.output
    page = output / "index.html"
    outside = tmp_path / "outside"
    if tamper == "private file":
        page.chmod(0o600)
    elif tamper == "folder is a link":
        shutil.copytree(output / "policies", outside)
        shutil.rmtree(output / "policies")
        (output / "policies").symlink_to(outside, target_is_directory=True)
        page = next(p for p in sorted(outside.rglob("index.html")))
    else:
        outside.mkdir()
        os.link(page, outside / "index.html")
    assert example.build().returncode == 0
    if tamper == "private file":
        assert (output / "index.html").stat().st_mode & 0o777 == 0o666 & ~_umask()
    published = {(p.stat().st_dev, p.stat().st_ino) for p in output.rglob("*") if p.is_file()}
    if tamper != "private file":
        assert not outside.is_symlink() and outside.exists(), "the other folder is left as it was"
        assert all((p.stat().st_dev, p.stat().st_ino) not in published for p in outside.rglob("*") if p.is_file())
        assert page.exists()
    assert not (output / "policies").is_symlink()
    clean = example.root / "clean"
    assert example.build("--output", str(clean)).returncode == 0
    assert tree_digest(output) == tree_digest(clean)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
