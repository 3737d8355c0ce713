"""`build.py verify-gazette TARGET`: does a built tree or a deployed site still hold the
gazette exactly as published? Every issue's manifest.json lists its files with their
SHA-256; this recomputes them, names what was changed, is missing or was added, and
checks the office's ssh-keygen signature of each manifest and of catalog.json when a public
key is known. Each manifest names the issues before and after it, so an issue dropped from
the catalogue is still found (and checked) through its neighbours.

Only the standard library: an archivist or an auditor runs this on any machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib import error, parse, request

FORMAT = "gongkai-gazette-manifest/1"
NAMESPACE = "gongkai-gazette"
PRINCIPAL = "gazette"
CATALOG = "/gazette/catalog.json"
TIMEOUT = 30  # seconds per request or read
DEADLINE = 120  # seconds for one whole file: a server sending a byte now and then cannot hold it open for ever
FOLLOW_LIMIT = 100  # issues missing from the catalogue that are still checked through the chain
JSON_LIMIT = 32 << 20  # a catalog or manifest larger than this is not ours
SIG_LIMIT = 64 << 10
FILE_LIMIT = 2 << 30  # a print PDF is large, but not this large
CHUNK = 1 << 20
HEX64 = re.compile(r"[0-9a-f]{64}")
KEY_TYPES = ("ssh-", "ecdsa-", "sk-")
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
ADVICE = ("处理办法：以上文件与发布时不同。若不是本单位有意改动，请用内容源文件重新运行 python3 build.py，"
          "把生成的 output/ 重新部署到网站；若是有意更新了某一期，请用本单位私钥重新签名它的清单"
          "（ssh-keygen -Y sign -f 私钥 -n gongkai-gazette manifest.json），catalog.json 也要重新签名。")


class Unreadable(Exception):
    """The target as a whole cannot be read: exit 2."""


class Missing(Exception):
    """One file cannot be had; the text says why. absent: the file is not there (no such file, HTTP 404),
    rather than unreadable or the site not answering."""

    def __init__(self, text: str, absent: bool = False):
        super().__init__(text)
        self.absent = absent


class BadManifest(Exception):
    """A manifest.json that is not a manifest; the text says where."""


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


# The catalog and the manifests ---------------------------------------------------------------------


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


def read_catalog(source) -> tuple[bytes, list[dict]]:
    """The catalog's bytes and issues, each checked for the fields used here; an unusable catalog stops."""
    where = source.label(source.key_for_url(CATALOG))
    try:
        raw = source.read(source.key_for_url(CATALOG), JSON_LIMIT)
    except Missing as err:
        if not err.absent:
            hint = "请确认网址正确、网站可以访问" if isinstance(source, Website) else "请确认此文件可以读取"
            raise Unreadable(f"{where}：{err}。{hint}") from None
        raise Unreadable(f"{where}：{err}。这里不是含政府公报的网站：请给出网站根目录（如 output/ 或 "
                         f"https://…/xxgk/），本机目录请先运行 python3 build.py 生成") from None
    try:
        catalog = parse_json(raw, BadManifest, source.web)
    except BadManifest as err:
        raise Unreadable(f"{where}：{err}") from None
    if not isinstance(catalog, dict) or not isinstance(catalog.get("issues"), list):
        raise Unreadable(f"{where}：应为含 \"issues\" 列表的 JSON 对象，不是 build.py 生成的公报目录")
    for i, issue in enumerate(catalog["issues"]):
        _check_catalog_issue(issue, f"{where}：issues[{i}]")
    return raw, catalog["issues"]


def _check_catalog_issue(issue: object, where: str) -> None:
    if not isinstance(issue, dict):
        raise Unreadable(f"{where} 应为 JSON 对象")
    if clean_url(issue.get("manifest")) is None:
        raise Unreadable(f"{where}.manifest 应为以 / 开头的本站网址，实际为 {issue.get('manifest')!r}")
    articles = issue.get("articles", [])
    if not isinstance(articles, list):
        raise Unreadable(f"{where}.articles 应为列表")
    for j, article in enumerate([*articles, *([issue["pdf"]] if issue.get("pdf") else [])]):
        name = f"{where}.articles[{j}]" if j < len(articles) else f"{where}.pdf"
        if not isinstance(article, dict) or clean_url(article.get("url")) is None:
            raise Unreadable(f"{name}.url 应为以 / 开头的本站网址")
        digest = article.get("sha256", "")
        if not (isinstance(digest, str) and (digest == "" or HEX64.fullmatch(digest))):
            raise Unreadable(f"{name}.sha256 应为 64 位小写十六进制数（或空）")


def parse_manifest(raw: bytes, web: bool = False) -> dict:
    manifest = parse_json(raw, BadManifest, web)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadManifest(f"format 不是 {FORMAT}")
    for side, name in (("previous", "上一期"), ("next", "下一期")):
        if side not in manifest:
            raise BadManifest(f"缺少 {side}（{name}的网址；旧版 build.py 生成的清单没有它，请重新生成并部署）")
        if manifest[side] is not None and issue_url(manifest[side]) is None:
            raise BadManifest(f"{side} 应为{name}页面的本站网址（如 /gazette/2019/06/）或 null，实际为 {manifest[side]!r}")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BadManifest("缺少 files 列表")
    for i, entry in enumerate(files):
        if not isinstance(entry, dict) or clean_url(entry.get("url")) is None:
            raise BadManifest(f"files[{i}].url 不是本站网址")
        if "path" in entry and clean_path(entry["path"]) is None:
            raise BadManifest(f"files[{i}].path 不是网站目录中的相对路径")
        if not (isinstance(entry.get("sha256"), str) and HEX64.fullmatch(entry["sha256"])):
            raise BadManifest(f"files[{i}].sha256 应为 64 位小写十六进制数")
        if "path" in entry:
            entry["path"] = clean_path(entry["path"])
    blanked = manifest.get("blanked")
    if blanked is not None and blanked not in {e.get("path") for e in files}:
        raise BadManifest(f"blanked 所指的 {blanked!r} 不在 files 中")
    return manifest


# Signatures ----------------------------------------------------------------------------------------


class Signatures:
    """ssh-keygen -Y verify against the one office key, through a temporary allowed_signers file."""

    def __init__(self, key: str):
        self.key = key
        self.tmp = Path(tempfile.mkdtemp(prefix="gongkai-verify-"))
        self.allowed = self.tmp / "allowed_signers"
        self.allowed.write_text(f'{PRINCIPAL} namespaces="{NAMESPACE}" {key}\n', encoding="utf-8")

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_key(self) -> None:
        """A key ssh-keygen cannot read would make every signature look forged."""
        keyfile = self.tmp / "key.pub"
        keyfile.write_text(self.key + "\n", encoding="utf-8")
        if self._run(["-l", "-f", str(keyfile)], b"") != 0:
            raise Unreadable(f"公钥无效，ssh-keygen 读不出：{self.key[:60]}…；应为一行 OpenSSH 公钥，如 ssh-ed25519 AAAA… 单位名称")

    def valid(self, signed: bytes, signature: bytes) -> bool:
        sig = self.tmp / "file.sig"
        sig.write_bytes(signature)
        return self._run(["-Y", "verify", "-f", str(self.allowed), "-I", PRINCIPAL, "-n", NAMESPACE, "-s", str(sig)],
                         signed) == 0

    @staticmethod
    def _run(args: list[str], stdin: bytes) -> int:
        try:
            done = subprocess.run(["ssh-keygen", *args], input=stdin, capture_output=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            return -1
        return done.returncode


def load_key(project: Path, public_key: str | None) -> str | None:
    """The office's public key: an OpenSSH key line, or the name of a file holding one."""
    if public_key is None or not public_key.strip():
        return None
    text = public_key.strip()
    if not text.startswith(KEY_TYPES):
        text = _key_from_file(project, text)
    if "\n" in text or "\r" in text:
        raise Unreadable("公钥应为一行 OpenSSH 公钥（ssh-ed25519 AAAA… 单位名称），不能分成多行")
    if shutil.which("ssh-keygen") is None:
        raise Unreadable("找不到 ssh-keygen 命令，无法核对签名。请安装 openssh-client 软件包"
                         "（Debian/Ubuntu：sudo apt-get install openssh-client）后重试")
    return text


def _key_from_file(project: Path, name: str) -> str:
    path = Path(name).expanduser()
    if not path.is_absolute() and not path.is_file() and (project / path).is_file():
        path = project / path
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        raise Unreadable(f"公钥 {name} 既不是一行 OpenSSH 公钥（ssh-ed25519 AAAA…），也不是可读的公钥文件（.pub）") from None
    if any("PRIVATE KEY" in line for line in lines):
        raise Unreadable(f"{name} 是私钥，核对签名只需要公钥：请改用 {name}.pub（私钥请妥善保管，不要交给他人）")
    keys = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if len(keys) != 1:
        raise Unreadable(f"公钥文件 {name} 中应恰好有一行公钥，实际有 {len(keys)} 行")
    return keys[0]


# The check itself ----------------------------------------------------------------------------------


@dataclass
class Report:
    findings: list[str] = field(default_factory=list)
    issues: int = 0
    files: int = 0

    def add(self, where: str, what: str) -> None:
        self.findings.append(f"{where}：{what}")


@dataclass
class Link:
    """Where a manifest was read, and the issues it names before and after it."""

    key: str
    previous: str | None
    next: str | None


def verify_site(source, issues: list[dict], signatures: Signatures | None, report: Report) -> None:
    chain: dict[str, Link] = {}
    read = set()
    for issue in issues:
        key = source.key_for_url(issue["manifest"])
        read.add(key)
        manifest = verify_issue(source, issue, key, signatures, report)
        if manifest:
            chain.setdefault(page_of(issue["manifest"]), Link(key, manifest["previous"], manifest["next"]))
    listed = {page_of(issue["manifest"]) for issue in issues}
    read |= follow_chain(source, chain, listed, signatures, report)
    check_chain(source, chain, report)
    if isinstance(source, LocalTree):
        for key in sorted(source.manifests() - read):
            report.add(source.label(key), "多出（catalog.json 中没有这一期）")


def follow_chain(source, chain: dict[str, Link], listed: set[str], signatures, report: Report) -> set[str]:
    """An issue a manifest names as its neighbour but the catalogue lacks was dropped from
    the catalogue: say so, and check that issue too. Returns the manifest keys read."""
    catalog = source.label(source.key_for_url(CATALOG))
    queue, seen, read = list(chain), set(listed), set()
    while queue:
        page = queue.pop(0)
        for neighbour, side in ((chain[page].previous, "上一期"), (chain[page].next, "下一期")):
            if neighbour is None or neighbour in seen:
                continue
            seen.add(neighbour)
            report.add(catalog, f"缺少 {neighbour} 这一期（{page} 的清单把它列为{side}）")
            if len(read) >= FOLLOW_LIMIT:
                report.add(catalog, f"缺少的期超过 {FOLLOW_LIMIT} 期，其余未再逐期核对")
                return read
            key = source.key_for_url(neighbour + "manifest.json")
            read.add(key)
            manifest = verify_issue(source, None, key, signatures, report)
            if manifest:
                chain[neighbour] = Link(key, manifest["previous"], manifest["next"])
                queue.append(neighbour)
    return read


def check_chain(source, chain: dict[str, Link], report: Report) -> None:
    """A.next == B exactly when B.previous == A; each mismatch is told once, at the manifest whose link it is."""
    for page, link in chain.items():
        after = chain.get(link.next)
        if after is not None and after.previous != page:
            report.add(source.label(link.key), f"与 {link.next} 的清单接不上（本期的 next 是 {link.next}，"
                                               f"那一期的 previous 却是 {after.previous or 'null'}）")
        before = chain.get(link.previous)
        if before is not None and before.next != page:
            report.add(source.label(link.key), f"与 {link.previous} 的清单接不上（本期的 previous 是 {link.previous}，"
                                               f"那一期的 next 却是 {before.next or 'null'}）")


def verify_issue(source, issue: dict | None, key: str, signatures: Signatures | None, report: Report) -> dict | None:
    """One issue's manifest and files; issue is its catalogue entry (None: reached through the chain).
    Returns the manifest when it could be read."""
    where = source.label(key)
    try:
        raw = source.read(key, JSON_LIMIT)
    except Missing as err:
        report.add(where, f"缺失（{err}）")
        return None
    report.issues += 1
    if signatures:
        check_signature(source, key, raw, signatures, report)
    try:
        manifest = parse_manifest(raw, source.web)
    except BadManifest as err:
        if source.web and looks_like_html(raw):
            report.add(where, "缺失（服务器返回了网页而不是清单：文件已被删除，或网站把它转到了别处）")
        else:
            report.add(where, f"已被修改（不是有效的清单：{err}）")
        return None
    if issue is not None and (manifest.get("year"), manifest.get("number")) != (issue.get("year"), issue.get("number")):
        report.add(where, f"多出（清单写的是 {manifest.get('year')} 年第 {manifest.get('number')} 期，"
                          f"catalog.json 中没有这一期；catalog.json 在此处列的是 {issue.get('year')} 年第 {issue.get('number')} 期）")
    verified, listed = check_files(source, manifest, hashlib.sha256(raw).hexdigest(), report)
    if issue is not None:
        check_catalog_entries(source, issue, verified, listed, report)
    if isinstance(source, LocalTree):
        check_extra_files(source, key, listed, report)
    return manifest


def check_files(source, manifest: dict, own_digest: str, report: Report) -> tuple[dict[str, str], set[str]]:
    """Recompute every listed file; returns the keys that matched (with their digest) and all keys listed."""
    verified, listed = {}, set()
    for entry in manifest["files"]:
        key = source.entry_key(entry)
        listed.add(key)
        report.files += 1
        where = source.label(key)
        try:
            if manifest.get("blanked") is not None and entry.get("path") == manifest["blanked"]:
                actual = blanked_digest(source.read(key, JSON_LIMIT), own_digest)
            else:
                actual = source.digest(key)
        except Missing as err:
            report.add(where, f"缺失（{err}）")
            continue
        if actual is None:
            report.add(where, "已被修改（页面中没有 manifest.json 的 SHA-256，页面或 manifest.json 已被改动）")
        elif actual != entry["sha256"]:
            report.add(where, "已被修改（SHA-256 与 manifest.json 中记录的不一致）")
        else:
            verified[key] = actual
    return verified, listed


def blanked_digest(page: bytes, own_digest: str) -> str | None:
    """The issue page shows the manifest's digest, so it was hashed with "0"*64 in its place."""
    digest = own_digest.encode()
    if digest not in page:
        return None
    return hashlib.sha256(page.replace(digest, b"0" * 64)).hexdigest()


def check_catalog_entries(source, issue: dict, verified: dict[str, str], listed: set[str], report: Report) -> None:
    """Every article (and the PDF) the catalog gives for the issue is in its manifest, with the same SHA-256."""
    catalog = source.label(source.key_for_url(CATALOG))
    entries = [*issue.get("articles", []), *([issue["pdf"]] if issue.get("pdf") else [])]
    for entry in entries:
        key = source.key_for_url(entry["url"])
        title = f"《{entry['title']}》" if entry.get("title") else "本期印刷版 PDF"
        if key not in listed:
            report.add(source.label(key), f"多出（catalog.json 把{title}列在 {issue.get('year')} 年第 "
                                          f"{issue.get('number')} 期，该期的 manifest.json 中却没有）")
            try:
                actual = source.digest(key)
            except Missing as err:
                report.add(source.label(key), f"缺失（{err}）")
                continue
        elif key in verified:
            actual = verified[key]
        else:
            continue  # already named as changed or missing
        if entry.get("sha256") and entry["sha256"] != actual:
            report.add(catalog, f"已被修改（{title} {entry['url']} 的 SHA-256 与文件不一致）")


def check_extra_files(source: LocalTree, key: str, listed: set[str], report: Report) -> None:
    folder = key.rpartition("/")[0]
    own = {key, key + ".sig"}
    for extra in sorted(source.files_under(folder) - listed - own):
        report.add(source.label(extra), f"多出（不在 {key} 中）")


def check_signature(source, key: str, raw: bytes, signatures: Signatures, report: Report) -> None:
    """The file's office signature beside it (manifest.json.sig, catalog.json.sig)."""
    name = key.rpartition("/")[2]
    try:
        sig = source.read(key + ".sig", SIG_LIMIT)
    except Missing as err:
        report.add(source.label(key), f"缺少签名（{name}.sig：{err}）")
        return
    if not signatures.valid(raw, sig):
        report.add(source.label(key), f"签名无效（{name}.sig 与 {name} 或所给公钥不符）")


def main(project: Path, target: str, public_key: str | None) -> int:
    signatures = None
    try:
        source = open_target(project, target)
        key = load_key(project, public_key)
        raw, issues = read_catalog(source)
        report = Report()
        if key:
            signatures = Signatures(key)
            signatures.check_key()
            # Signed, the catalogue cannot drop or add an issue unseen; unsigned, the chain still tells.
            check_signature(source, source.key_for_url(CATALOG), raw, signatures, report)
        verify_site(source, issues, signatures, report)
    except Unreadable as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    finally:
        if signatures:
            signatures.close()
    for line in report.findings:
        print(line)
    signed = "，并核对了签名" if key else ""
    checked = f"已核对 {report.issues} 期公报、{report.files} 个文件{signed}"
    if report.findings:
        print(f"发现 {len(report.findings)} 处不一致：{checked}。")
        print(ADVICE)
        return 1
    print(f"全部一致：{checked}。")
    return 0
