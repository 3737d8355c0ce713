"""Reading what verify-gazette checks, from a built tree (LocalTree) or a deployed site
(Website): each file by its key, capped in size and, on the web, in time (TIMEOUT a read,
DEADLINE a whole file), with redirects followed only within the site; which URLs and paths
stay inside the site; and JSON parsed into messages an editor can act on.

Only the standard library: an archivist or an auditor runs this on any machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import ssl
import stat
import threading
from pathlib import Path
from urllib import error, parse, request

TIMEOUT = 30  # seconds per request or read
DEADLINE = 120  # seconds for one whole file: a server sending a byte now and then cannot hold it open for ever
FILE_LIMIT = 2 << 30  # a print PDF is large, but not this large
CHUNK = 1 << 20
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class Unreadable(Exception):
    """The target as a whole cannot be read: exit 2."""


class Missing(Exception):
    """One file cannot be had; the text says why. absent: the file is not there (no such file, HTTP 404),
    rather than unreadable or the site not answering."""

    def __init__(self, text: str, absent: bool = False):
        super().__init__(text)
        self.absent = absent


# Site-root-relative URLs and tree-relative paths -------------------------------------------


def clean_url(url: object) -> str | None:
    """A site-root-relative URL ("/gazette/2019/06/"), or None when it could leave the
    site: another host ("//x", "http:"), a ".." segment, a backslash or a control character."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        return None
    if "\\" in url or any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return None
    path = parse.urlsplit(url).path
    if ".." in parse.unquote(path).split("/"):
        return None
    return url


def url_to_path(url: str) -> str:
    """Where a URL's file lies in the built tree: "/a/b/" -> "a/b/index.html"."""
    path = parse.unquote(parse.urlsplit(url).path)
    if path.endswith("/"):
        path += "index.html"
    return "/".join(p for p in path.split("/") if p not in ("", "."))


def clean_path(path: object) -> str | None:
    """A tree-relative path, normalised ("a/./b" -> "a/b"), or None when it could leave the tree."""
    if not isinstance(path, str) or path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def issue_url(url: object) -> str | None:
    """An issue page's site-root-relative URL as a manifest names its neighbours: "/gazette/2019/06/"."""
    if clean_url(url) is None or not re.fullmatch(r"/[^?#]*/", url):
        return None
    return url


def page_of(manifest_url: str) -> str:
    """The issue page a manifest belongs to: the folder it lies in."""
    path = parse.urlsplit(manifest_url).path
    return path[: path.rfind("/") + 1]


# Where the files come from ----------------------------------------------------------------------


class _Target:
    """Where the published files are read from: a built tree or a website."""

    web = False

    def _open(self, key: str):
        raise NotImplementedError

    def _fetch(self, key: str, consume):
        with self._open(key) as stream:
            return consume(stream)

    def read(self, key: str, limit: int) -> bytes:
        return self._fetch(key, lambda stream: _read_capped(stream, limit))

    def digest(self, key: str) -> str:
        return self._fetch(key, lambda stream: _hash_capped(stream, FILE_LIMIT))


class LocalTree(_Target):
    """A built output directory; a file's key is its path relative to the tree."""

    def __init__(self, root: Path, shown: str):
        self.root, self.shown = root, shown if shown.endswith("/") else shown + "/"

    def label(self, key: str) -> str:
        return self.shown + key

    def key_for_url(self, url: str) -> str:
        return url_to_path(url)

    def entry_key(self, entry: dict) -> str:
        return entry["path"] if "path" in entry else url_to_path(entry["url"])

    def _locate(self, key: str) -> Path:
        path = self.root / key
        try:
            inside = path.resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError):
            inside = False
        if not inside:
            raise Missing("指向网站目录之外（符号链接）")
        return path

    def _open(self, key: str):
        try:
            return _open_regular(self._locate(key))
        except FileNotFoundError:
            raise Missing("文件不存在", absent=True) from None
        except IsADirectoryError:
            raise Missing("应为文件，实际是目录") from None
        except PermissionError:
            raise Missing("没有读取权限") from None
        except OSError as err:
            raise Missing(f"无法读取：{err.strerror or err}") from None

    def files_under(self, folder: str) -> set[str]:
        """Everything in the folder but its subfolders: files, symlinks, pipes and the like."""
        base = self.root / folder
        if not base.is_dir():
            return set()
        return {p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_symlink() or not p.is_dir()}

    def manifests(self) -> set[str]:
        base = self.root / "gazette"
        return {p.relative_to(self.root).as_posix() for p in base.rglob("manifest.json") if p.is_file()}


def _open_regular(path: Path):
    """A regular file opened for reading. A pipe or device is refused before it is opened
    (opening a pipe waits for a writer for ever); the non-blocking open and the second look
    close the gap in which the file could be swapped for one."""
    before = path.stat()
    if stat.S_ISDIR(before.st_mode):
        raise IsADirectoryError
    if not stat.S_ISREG(before.st_mode):
        raise Missing("不是普通文件（是命名管道、设备等特殊文件），不予读取")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise Missing("读取时被换成了其他文件")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _OffSite(error.URLError):
    pass


class _SameSite(request.HTTPRedirectHandler):
    """Follow a redirect only within the site's own host: a file is checked where the
    manifest says it is, not wherever a server points. http -> https on the same host
    name is followed (a site that moved to HTTPS); the reverse is not."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = parse.urlsplit(req.full_url), parse.urlsplit(newurl)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc) and not _upgrade(old, new):
            if (old.scheme, new.scheme) == ("https", "http") and old.hostname == new.hostname:
                raise _OffSite(f"被重定向到不加密的 {newurl}，不予跟随")
            raise _OffSite(f"被重定向到其他网站 {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _upgrade(old: parse.SplitResult, new: parse.SplitResult) -> bool:
    """http://host[:port]/… -> https://host[:same port or 443]/…, nothing else changed."""
    try:
        ports = old.port, new.port
    except ValueError:
        return False
    return ((old.scheme, new.scheme) == ("http", "https") and old.hostname == new.hostname
            and old.username == new.username and old.password == new.password and ports[1] in (ports[0], None, 443))


class Website(_Target):
    """A deployed site; a file's key is its site-root-relative URL."""

    web = True

    def __init__(self, target: str):
        try:
            parts = parse.urlsplit(target.strip())
            parts.port  # noqa: B018 (urllib checks the port only when asked)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise Unreadable(f"{target} 不是有效的网址；应为网站根目录，如 https://www.example.gov.cn/xxgk/")
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        self.base = parse.urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))
        handlers = [_SameSite()]
        if parts.hostname in LOOPBACK:  # a proxy cannot reach this machine's own server
            handlers.append(request.ProxyHandler({}))
        self.opener = request.build_opener(*handlers)

    def label(self, key: str) -> str:
        return self.base + parse.quote(key.lstrip("/"), safe="/%:@!$&'()*+,;=-._~?")

    def key_for_url(self, url: str) -> str:
        return url

    def entry_key(self, entry: dict) -> str:
        return entry["url"]

    def _fetch(self, key: str, consume):
        """TIMEOUT bounds each read; DEADLINE the whole file, headers and all. The download
        runs in a thread left behind (it ends with its connection) when time is up."""
        box: dict = {}

        def work():
            try:
                box["done"] = super(Website, self)._fetch(key, consume)
            except Missing as err:
                box["error"] = err
            except Exception as err:  # noqa: BLE001 (whatever broke, it is this one file)
                box["error"] = Missing(f"读取中断：{_why(err)}")

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        worker.join(DEADLINE)
        if worker.is_alive():
            raise Missing(f"{DEADLINE} 秒内没有下载完（服务器传得太慢或一直不结束），已放弃")
        if "error" in box:
            raise box["error"]
        return box["done"]

    def _open(self, key: str):
        req = request.Request(self.label(key), headers={"User-Agent": "gongkai-verify-gazette", "Cache-Control": "no-cache"})
        try:
            return self.opener.open(req, timeout=TIMEOUT)
        except _OffSite as err:
            raise Missing(str(err.reason)) from None
        except error.HTTPError as err:
            err.close()
            if 300 <= err.code < 400:
                raise Missing(_redirect_trouble(err)) from None
            raise Missing(f"HTTP {err.code}", absent=err.code in (404, 410)) from None
        except error.URLError as err:
            raise Missing(f"无法连接：{_why(err.reason)}") from None
        except (OSError, ValueError) as err:
            raise Missing(f"无法连接：{_why(err)}") from None


def _redirect_trouble(err: error.HTTPError) -> str:
    if str(err.msg).startswith(request.HTTPRedirectHandler.inf_msg):
        return f"重定向次数过多（HTTP {err.code}：服务器反复重定向，可能网站配置有误）"
    return f"HTTP {err.code}（服务器要求重定向，但没有给出可以跟随的新地址）"


def _why(reason: object) -> str:
    """The usual network failures in words; anything else as the system gives it."""
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝（该地址和端口上没有网站在运行）"
    if isinstance(reason, socket.gaierror):
        return "找不到这个主机名"
    if isinstance(reason, TimeoutError):
        return f"{TIMEOUT} 秒内没有响应"
    if isinstance(reason, ssl.SSLError):
        return f"HTTPS 证书或加密连接有问题（{reason}）"
    return str(reason)


def _chunks(stream, limit: int):
    total = 0
    try:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if total > limit:
                raise Missing(f"大于 {limit >> 20} MB 的上限，不像是本网站的文件")
            yield chunk
    except (OSError, ValueError) as err:  # a connection cut or a timeout in the middle
        raise Missing(f"读取中断：{err}") from None


def _read_capped(stream, limit: int) -> bytes:
    return b"".join(_chunks(stream, limit))


def _hash_capped(stream, limit: int) -> str:
    sha = hashlib.sha256()
    for chunk in _chunks(stream, limit):
        sha.update(chunk)
    return sha.hexdigest()


def open_target(project: Path, target: str) -> LocalTree | Website:
    if re.match(r"(?i)https?://", target.strip()):
        return Website(target)
    if "://" in target:
        raise Unreadable(f"{target}：只能核对 http:// 或 https:// 网址，或本机上生成的网站目录（如 output/）")
    path = Path(target).expanduser()
    if not path.is_absolute() and not path.exists() and (project / path).exists():
        path = project / path  # typed from another directory, meant inside the project
    if not path.is_dir():
        raise Unreadable(f"{target} 不是目录；应为生成的网站目录（如 output/）或网站根目录的网址（如 https://…/xxgk/）")
    return LocalTree(path, target)


# JSON ------------------------------------------------------------------------------------------------


def looks_like_html(raw: bytes) -> bool:
    """A web page (a portal's "not found" page served with 200, a login page) where JSON was asked for."""
    return raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def parse_json(raw: bytes, fail, web: bool = False):
    if looks_like_html(raw):
        raise fail("不是 JSON（服务器返回了网页，可能地址不对）" if web else "不是 JSON，而是一个网页")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise fail(f"第 {err.lineno} 行第 {err.colno} 列起不是有效的 JSON（文件被截断或改动）") from None
    except (UnicodeDecodeError, RecursionError):
        raise fail("不是有效的 UTF-8 JSON 文件") from None
    except ValueError:  # an integer of thousands of digits, past what Python converts
        raise fail("含有位数过多的数字，不是 build.py 生成的内容（文件已被改动）") from None
