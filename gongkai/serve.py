"""`build.py serve`: rebuild on change and reload the browser.

The operating system's file events (watchfiles, which uses inotify and its peers) say
what under content/ or layouts/, or site_config.yaml, was saved: no walk over every
content file. The builds run on a thread of their own (preview.py: an edited body
rewrites only its pages), so the preview answers while one runs. livereload runs the
reload protocol; the pages are served by our own
handler, because livereload's default injects an inline script that the pages'
Content-Security-Policy (default-src 'self') rightly blocks. Ours injects the client as
an external same-origin script. While the content has errors, every page shows them.
"""

from __future__ import annotations

import errno
import html
import ipaddress
import logging
import re
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from .preview import WHOLE, Preview

WATCHED = ("content", "layouts")  # folders, watched with everything in them
CONFIG = "site_config.yaml"
READY = "预览已就绪：保存正文只重写显示它的页面。"  # once the model is in memory (preview.py)
HEAD_END = b"</head>"
HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def serve(root: Path, output: Path, port: int, host: str, base_path: str, preview: Preview) -> int:
    """Serve output at base_path (the path of base_url, e.g. /xxgk), as in production,
    so that the 404 page's absolute links work in the preview too. The port is taken
    before the first build, so a busy port is reported at once."""
    from livereload import Server as LivereloadServer
    from livereload.handlers import ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler
    from livereload.watcher import Watcher
    from tornado import ioloop, web
    from tornado.httpserver import HTTPServer

    logging.getLogger("livereload").setLevel(logging.WARNING)  # its English chatter; ours is printed
    sockets = listen(host, port)
    if sockets is None:
        return 2

    state = {"report": None}

    def reload() -> None:
        # Every open tab, by us, once the new site (or the errors) is in place:
        # livereload's own reload is throttled and would skip quick saves.
        if LiveReloadHandler.waiters:
            LiveReloadHandler.reload_waiters()

    def built(problems) -> None:  # on the builder thread
        state["report"] = problems.report() if problems else None
        loop.add_callback(reload)

    script = f'<script src="/livereload.js?port={port}"></script>'.encode()

    class Inject(web.OutputTransform):
        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if "html" in headers.get("Content-Type", "") and HEAD_END in chunk:
                chunk = chunk.replace(HEAD_END, script + HEAD_END, 1)
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(len(chunk))
            return status_code, headers, chunk

    def not_found(handler: web.RequestHandler) -> None:
        page = output / "404.html"
        handler.set_status(404)
        handler.set_header("Content-Type", "text/html; charset=utf-8")
        handler.finish(page.read_bytes() if page.is_file() else b"404")

    class Pages(web.StaticFileHandler):
        def set_extra_headers(self, path: str) -> None:
            self.set_header("Cache-Control", "no-cache")  # a reload must show the rebuilt page

        def compute_etag(self) -> None:
            return None  # tornado caches a file's hash for good; a rebuild would look unchanged

        async def get(self, path: str, include_body: bool = True) -> None:
            if state["report"] and (not path or path.endswith(("/", ".html"))):
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(_error_page(state["report"], base_path))
                return
            await super().get(path, include_body)

        def write_error(self, status_code: int, **kwargs) -> None:
            if status_code == 404:
                not_found(self)
            else:
                super().write_error(status_code, **kwargs)

    class Elsewhere(web.RequestHandler):
        def get(self) -> None:
            not_found(self)

    class Server(LivereloadServer):
        def application(self, port, host, liveport=None, debug=None, live_css=True):
            LiveReloadHandler.watcher = self.watcher
            LiveReloadHandler.live_css = live_css
            handlers = [
                (r"/livereload", LiveReloadHandler),
                (r"/forcereload", ForceReloadHandler),
                (r"/livereload.js", LiveReloadJSHandler),
                (rf"{re.escape(base_path)}/(.*)", Pages, {"path": str(output), "default_filename": "index.html"}),
            ]
            if base_path:
                handlers.append((r"/", web.RedirectHandler, {"url": f"{base_path}/", "permanent": False}))
            handlers.append((r"/.*", Elsewhere))
            HTTPServer(web.Application(handlers=handlers, transforms=[Inject])).add_sockets(sockets)

    class Events(Watcher):
        def start(self, callback) -> bool:
            return True  # livereload polls only if this says False: file events are ours

    loop, stop = ioloop.IOLoop.current(), threading.Event()
    problems = preview.full()
    state["report"] = problems.report() if problems else None
    server = Server(watcher=Events())
    server.watch(str(root / CONFIG))  # a task, never polled, so livereload adds none of its own
    saves = Saves()
    preview.waiting = saves.waiting
    threading.Thread(target=builder, args=(preview, saves, built), name="build", daemon=True).start()
    watch(root, saves.add, stop)
    announce(host, port, base_path)
    try:
        server.serve(host=host, port=port, open_url_delay=None, restart_delay="forever", debug=False)
    finally:
        stop.set()
        ioloop.IOLoop.current().close(all_fds=True)
    return 0


class Saves:
    """The paths saved since the builder last took them; WHOLE when that is not known
    (the config, a folder come or gone)."""

    def __init__(self):
        self._lock, self._paths = threading.Lock(), set()
        self.waiting = threading.Event()

    def add(self, paths: set[Path] | None = WHOLE) -> None:
        with self._lock:
            self._paths = WHOLE if paths is WHOLE or self._paths is WHOLE else self._paths | paths
            self.waiting.set()

    def take(self) -> set[Path] | None:
        with self._lock:
            paths, self._paths = self._paths, set()
            self.waiting.clear()
        return paths


def builder(preview: Preview, saves: Saves, built: Callable) -> None:
    """The builder thread: each burst of saves, one build; when none waits, the model
    of a site that was up to date, or the search index (which gives way to a save)."""
    ready = False
    while True:
        if not ready and preview.renderer is not None:
            print(READY, flush=True)
            ready = True
        if saves.waiting.is_set():
            problems = _guarded(preview, lambda: preview.edited(saves.take()))
            if problems is not None:
                built(problems)
        elif preview.cold:
            _guarded(preview, preview.warm)
        elif preview.search_stale:
            _guarded(preview, preview.settle)
        else:
            saves.waiting.wait()


def _guarded(preview: Preview, work: Callable):
    """work(), or, should it fail in a way nobody foresaw, None after a line saying so,
    with no model kept (the next save builds everything): the preview must go on."""
    try:
        return work()
    except Exception as err:  # noqa: BLE001 - a thread's traceback would end the previews silently
        print(f"错误：预览生成时出现意外错误（{type(err).__name__}: {err}），下次保存时将完整重新生成。",
              file=sys.stderr, flush=True)
        preview.renderer, preview.search_stale, preview.cold = None, False, False
        return None


def watch(root: Path, saved: Callable[..., None], stop: threading.Event) -> None:
    """Call saved(paths) after each burst of saves under WATCHED or to CONFIG (saved()
    where which is not known), from two daemon threads: the project folder itself (not
    recursively: output/ and .cache/ change with every build), which also notices
    WATCHED folders made or removed; and the WATCHED folders there are, with all they
    hold (editors' swap and backup files left out). Returns once both watch, so a save
    right after the preview is announced is seen."""
    import watchfiles

    moved = threading.Event()  # a WATCHED folder came or went: watch the ones there are now
    asked = [_Stop(stop), _Stop(stop, moved)]

    def ours(change, path: str) -> bool:
        return Path(path).name in (*WATCHED, CONFIG)

    def project() -> None:
        for changes in watchfiles.watch(root, watch_filter=ours, recursive=False, stop_event=asked[0]):
            if any(Path(path).name in WATCHED for _, path in changes):
                moved.set()
            saved()

    def folders() -> None:
        again = False
        while not stop.is_set():
            moved.clear()
            present = [root / name for name in WATCHED if (root / name).is_dir()]
            if not present:
                asked[1].ready.set()
                moved.wait()  # the threads are daemons: the process ending ends this wait
                continue
            if again:  # a save between the last watch and this one: rebuild once this one is in place
                asked[1].then = saved
            again = True
            try:
                for changes in watchfiles.watch(*present, stop_event=asked[1]):
                    saved({Path(path) for _, path in changes})
            except (OSError, RuntimeError):  # a folder went between looking and watching: look again
                asked[1].ready.set()
                saved()
                moved.wait(timeout=1)

    for target in (project, folders):
        threading.Thread(target=target, name=f"watch-{target.__name__}", daemon=True).start()
    for each in asked:
        each.ready.wait(timeout=10)  # bounded: should a watchfiles ask later, serve still starts


class _Stop:
    """What tells watchfiles to stop: set when any of the events is. watchfiles asks it
    from the moment its watches are in place, so the first question also says "ready",
    and runs what was to follow that (then)."""

    def __init__(self, *events: threading.Event):
        self.events, self.ready = events, threading.Event()
        self.then: Callable[[], None] | None = None

    def is_set(self) -> bool:
        self.ready.set()
        if self.then is not None:
            then, self.then = self.then, None
            then()
        return any(e.is_set() for e in self.events)


def listen(host: str, port: int) -> list[socket.socket] | None:
    """The listening sockets, or None after saying in one line why there are none."""
    from tornado.netutil import bind_sockets

    if not _valid_host(host):
        return _refuse(f"--host “{host}”不是有效的地址：请写本机的 IP 地址（如 192.168.1.5）、localhost，"
                       "或 0.0.0.0（所有网络接口）")
    try:
        return bind_sockets(port, address=host)
    except OSError as err:
        return _refuse(_listen_error(err, host, port))


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:  # a name; all digits and dots is a mistyped address, not a name
        return bool(HOST_NAME.fullmatch(host)) and not re.fullmatch(r"[0-9.]+", host)


def _listen_error(err: OSError, host: str, port: int) -> str:
    other = port + 1 if port < 65535 else 8000
    if err.errno == errno.EADDRINUSE:
        return f"端口 {port} 已被占用（可能另一个预览或程序正在使用它），请换一个端口，例如 --port {other}"
    if err.errno == errno.EACCES:
        return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），请换一个端口，例如 --port 8000"
    if err.errno == errno.EADDRNOTAVAIL:
        return f"地址 {host} 不是这台电脑的地址，请写本机的 IP 地址，或 0.0.0.0（所有网络接口）"
    if isinstance(err, socket.gaierror):
        return f"找不到主机名 {host}，请写本机的 IP 地址，或 0.0.0.0（所有网络接口）"
    return f"无法在 {host} 的端口 {port} 上提供预览：{err.strerror or err}"


def _refuse(message: str) -> None:
    print(f"错误：{message}", file=sys.stderr)
    return None


def announce(host: str, port: int, base_path: str) -> None:
    """The address to open, and a warning when others on the network can open it too."""
    everywhere = host in ("0.0.0.0", "::")
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    shown = f"[{shown}]" if ":" in shown else shown
    print(f"本地预览：http://{shown}:{port}{base_path}/ （Ctrl+C 退出）", flush=True)
    if not _loopback(host):
        where = "本机在局域网中的 IP 地址" if everywhere else host
        print(f"注意：预览已向网络开放，同一网络中的任何人都能用 http://{where}:{port}{base_path}/ 打开它，"
              "包括尚未发布的内容。只在可信的网络中使用，用完请按 Ctrl+C 关闭。", file=sys.stderr, flush=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error_page(report: str, base_path: str) -> str:
    """What the browser shows while the content has errors; it reloads when they're fixed.
    Built in rather than a layout: it must show when the layouts are what is broken."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">\n"
        f'<title>生成失败</title>\n<link rel="stylesheet" href="{base_path}/assets/site.css">\n</head>\n'
        '<body>\n<main id="main" class="wrap">\n<h1>生成失败，网站未更新</h1>\n'
        "<p>请按下列提示修改内容文件；保存后本页会自动刷新。</p>\n"
        f'<pre class="build-errors">{html.escape(report)}</pre>\n</main>\n</body>\n</html>\n'
    )
