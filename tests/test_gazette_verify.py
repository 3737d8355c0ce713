"""build.py verify-gazette: a built tree or a served site is checked against each issue's
manifest.json; every changed, missing or added file is named, and so is a bad signature.
The manifests chain (previous/next), so an issue dropped from catalog.json is still checked."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BUILD_PY, Project

from gongkai import cli
from gongkai.types.gazette import targets as targets_module

HAS_SSH_KEYGEN = shutil.which("ssh-keygen") is not None


# The example site, built once; each test checks a fresh copy of its output -------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("gazette") / "site", with_example=True)
    config = project.root / "site_config.yaml"
    # The tests give the key themselves: an example key in the config would demand signatures.
    config.write_text(re.sub(r"(?m)^\s+public_key:.*\n", "", config.read_text(encoding="utf-8")), encoding="utf-8")
    done = project.build()
    assert done.returncode == 0, done.stderr
    assert (project.output / "gazette" / "catalog.json").is_file()
    return project


@pytest.fixture
def out(built, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(built.output, copy, symlinks=True)
    return copy


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def verify(built: Project, target, *args: str, root: Path | None = None) -> Done:
    """The real command line, in this process (a new interpreter per run would double the suite's time)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["verify-gazette", str(target), *args, "--root", str(root or built.root)])
    return Done(code, out.getvalue(), err.getvalue())


def findings(done) -> list[str]:
    """The finding lines (everything but the summary)."""
    return [line for line in done.stdout.splitlines() if "：" in line and not line.startswith(("发现", "全部一致", "处理办法"))]


def manifests(out: Path) -> list[tuple[Path, dict]]:
    return [(path, json.loads(path.read_bytes())) for path in sorted((out / "gazette").rglob("manifest.json"))]


def catalog(out: Path) -> dict:
    return json.loads((out / "gazette" / "catalog.json").read_bytes())


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def drop_from_catalog(out: Path, url: str) -> dict:
    """catalog.json without the issue at url; returns that issue's entry."""
    data = catalog(out)
    dropped = next(i for i in data["issues"] if i["url"] == url)
    data["issues"].remove(dropped)
    write_json(out / "gazette" / "catalog.json", data)
    return dropped


KINDS = {
    "toc": lambda m, e: e["path"] == m["blanked"],
    "article": lambda m, e: re.fullmatch(r"gazette/\d{4}/\d{2,}/[a-z0-9-]+/index\.html", e["path"]) is not None,
    "policy": lambda m, e: e["path"].startswith("policies/"),
    "pdf": lambda m, e: e["path"].endswith(".pdf"),
}


def pick(out: Path, kind: str) -> tuple[Path, dict, dict]:
    """The first manifest entry of a kind: (manifest path, manifest, entry)."""
    for path, manifest in manifests(out):
        for entry in manifest["files"]:
            if KINDS[kind](manifest, entry):
                return path, manifest, entry
    raise AssertionError(f"the example gazette has no {kind} entry")


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# A local tree ------------------------------------------------------------------------------------


def test_untouched_tree_matches(built, out):
    done = verify(built, out)
    assert done.returncode == 0, done.stdout + done.stderr
    issues = len(catalog(out)["issues"])
    files = sum(len(m["files"]) for _, m in manifests(out))
    assert issues >= 1
    assert f"全部一致：已核对 {issues} 期公报、{files} 个文件" in done.stdout
    assert findings(done) == []


def test_relative_target_typed_in_the_project(built):
    done = subprocess.run([sys.executable, str(BUILD_PY), "verify-gazette", "output/"], cwd=built.root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "output/gazette" not in done.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_one_changed_byte_is_named(built, out, kind):
    _, _, entry = pick(out, kind)
    flip_byte(out / entry["path"])
    done = verify(built, out)
    assert done.returncode == 1
    assert findings(done) == [line for line in findings(done) if entry["path"] in line]
    assert len(findings(done)) == 1, done.stdout
    assert f"{out}/{entry['path']}：已被修改" in done.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_deleted_file_is_missing(built, out, kind):
    _, _, entry = pick(out, kind)
    (out / entry["path"]).unlink()
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}/{entry['path']}：缺失" in done.stdout


def test_file_replaced_by_a_folder_is_missing(built, out):
    _, _, entry = pick(out, "article")
    (out / entry["path"]).unlink()
    (out / entry["path"]).mkdir()
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}/{entry['path']}：缺失" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["extra.html", "new-article/index.html", "rsrm.pdf", ".hidden"])
def test_file_added_to_an_issue_folder_is_extra(built, out, name):
    manifest_path, _, _ = pick(out, "toc")
    added = manifest_path.parent / name
    added.parent.mkdir(parents=True, exist_ok=True)
    added.write_text("<p>多出的文件</p>", encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{added}：多出" in done.stdout
    assert len(findings(done)) == 1, done.stdout


def test_a_signature_beside_the_manifest_is_not_extra(built, out):
    for path, _ in manifests(out):
        path.with_name("manifest.json.sig").write_text("-----BEGIN SSH SIGNATURE-----\n", encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 0, done.stdout


def test_files_outside_the_gazette_are_not_its_business(built, out):
    (out / "extra.html").write_text("x", encoding="utf-8")
    (out / "gazette" / "extra.html").write_text("x", encoding="utf-8")
    assert verify(built, out).returncode == 0


def test_changing_a_file_and_its_manifest_entry_names_the_issue_page(built, out):
    """A tamperer who rewrites the manifest changes its digest, which the issue page shows."""
    manifest_path, manifest, entry = pick(out, "article")
    page = out / entry["path"]
    page.write_bytes(page.read_bytes().replace(b"</body>", "<p>插入的一句话</p></body>".encode()))
    entry["sha256"], entry["bytes"] = sha(page.read_bytes()), page.stat().st_size
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    issue_page = out / manifest["blanked"]
    assert f"{issue_page}：已被修改" in done.stdout
    assert f"{page}：" not in done.stdout  # it matches the rewritten manifest


def test_rewriting_manifest_and_issue_page_together_leaves_the_catalog_to_tell(built, out):
    manifest_path, manifest, entry = pick(out, "article")
    page = out / entry["path"]
    page.write_bytes(page.read_bytes() + b"\n")
    entry["sha256"] = sha(page.read_bytes())
    old = sha(manifest_path.read_bytes())
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    issue_page = out / manifest["blanked"]
    issue_page.write_bytes(issue_page.read_bytes().replace(old.encode(), sha(manifest_path.read_bytes()).encode()))
    done = verify(built, out)
    assert done.returncode == 1
    assert len(findings(done)) == 1, done.stdout
    assert findings(done)[0].startswith(f"{out}/gazette/catalog.json：已被修改") and entry["url"] in done.stdout


def test_catalog_article_absent_from_its_manifest_is_extra(built, out):
    manifest_path, manifest, entry = pick(out, "policy")
    manifest["files"].remove(entry)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}/{entry['path']}：多出" in done.stdout


@pytest.mark.parametrize("which", ["article", "pdf"])
def test_catalog_digest_that_differs_names_the_catalog(built, out, which):
    data = catalog(out)
    if which == "pdf":
        article = next(issue["pdf"] for issue in data["issues"] if issue["pdf"])
    else:
        article = next(a for issue in data["issues"] for a in issue["articles"])
    article["sha256"] = "0" * 64
    (out / "gazette" / "catalog.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert findings(done) == [line for line in findings(done) if line.startswith(f"{out}/gazette/catalog.json：已被修改")]
    assert article["url"] in done.stdout


def issue_urls(out: Path) -> list[str]:
    return [i["url"] for i in catalog(out)["issues"]]


@pytest.mark.parametrize("which", ["oldest", "middle", "newest"])
def test_issue_dropped_from_the_catalog_is_checked_through_its_neighbours(built, out, which):
    """The tamperer drops an issue from catalog.json and rewrites one of its articles: both are named."""
    urls = issue_urls(out)
    url = {"oldest": urls[0], "middle": urls[len(urls) // 2], "newest": urls[-1]}[which]
    drop_from_catalog(out, url)
    manifest = json.loads((out / url_path(url) / "manifest.json").read_bytes())
    article = next(e for e in manifest["files"] if e["path"] != manifest["blanked"])
    flip_byte(out / article["path"])
    done = verify(built, out)
    assert done.returncode == 1
    neighbour = manifest["next"] if which == "oldest" else manifest["previous"]
    assert findings(done)[0].startswith(f"{out}/gazette/catalog.json：缺少 {url} 这一期（{neighbour} 的清单把它列为")
    assert f"{out}/{article['path']}：已被修改" in done.stdout
    assert len(findings(done)) == 2, done.stdout
    assert f"已核对 {len(urls)} 期公报" in done.stdout


def url_path(url: str) -> str:
    return url.strip("/")


def test_several_issues_dropped_are_all_found(built, out):
    urls = issue_urls(out)
    for url in urls[:-1]:
        drop_from_catalog(out, url)
    done = verify(built, out)
    assert done.returncode == 1
    assert sorted(line.split("缺少 ")[1].split(" ")[0] for line in findings(done)) == sorted(urls[:-1]), done.stdout
    assert f"已核对 {len(urls)} 期公报" in done.stdout


def test_served_issue_dropped_and_deleted_is_named(built, out, site):
    """Dropped from the catalogue and its folder removed: the neighbours' manifests still name it."""
    url = issue_urls(out)[1]
    drop_from_catalog(out, url)
    shutil.rmtree(out / url_path(url))
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 1
    assert f"{site.root}/xxgk/gazette/catalog.json：缺少 {url} 这一期" in done.stdout
    assert f"{site.root}/xxgk{url}manifest.json：缺失（HTTP 404）" in done.stdout


def test_manifest_in_no_chain_and_not_in_the_catalog_is_extra(built, out):
    """A whole issue folder added beside the real ones: no manifest names it, so it is extra."""
    shutil.copytree(out / "gazette" / "2019" / "06", out / "gazette" / "2030" / "01")
    done = verify(built, out)
    assert done.returncode == 1
    assert findings(done) == [f"{out}/gazette/2030/01/manifest.json：多出（catalog.json 中没有这一期）"]


def _relink(side: str, value):
    def edit(out: Path, manifest: dict) -> None:
        manifest[side] = value(out) if callable(value) else value
    return edit


@pytest.mark.parametrize("edit, words", [
    (_relink("next", None), "接不上"),
    (_relink("previous", None), "接不上"),
    (_relink("next", lambda out: issue_urls(out)[-1]), "接不上"),
    (_relink("previous", "/gazette/1999/01/"), "缺少 /gazette/1999/01/ 这一期"),
    (_relink("next", "https://evil.example/gazette/"), "next 应为下一期页面的本站网址"),
    (_relink("previous", "/gazette/2019/06/index.html"), "previous 应为上一期页面的本站网址"),
    (_relink("next", 7), "next 应为下一期页面的本站网址"),
    (lambda out, manifest: manifest.pop("previous"), "缺少 previous"),
], ids=["next-null", "previous-null", "next-skips", "previous-unknown", "next-offsite", "previous-a-file", "next-number",
        "no-previous"])
def test_broken_chain_is_named_at_its_manifest(built, out, edit, words):
    url = issue_urls(out)[1]
    path = out / url_path(url) / "manifest.json"
    manifest = json.loads(path.read_bytes())
    edit(out, manifest)
    write_json(path, manifest)
    done = verify(built, out)
    assert done.returncode == 1
    assert words in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


def test_chain_of_the_untouched_example_is_whole(built, out):
    """Each manifest names its neighbours in publication order; the ends name null."""
    urls = issue_urls(out)
    chain = [json.loads((out / url_path(u) / "manifest.json").read_bytes()) for u in urls]
    assert [m["previous"] for m in chain] == [None, *urls[:-1]]
    assert [m["next"] for m in chain] == [*urls[1:], None]


def test_catalog_pointing_at_another_issues_manifest(built, out):
    data = catalog(out)
    if len(data["issues"]) < 2:
        pytest.skip("the example gazette has one issue")
    first, second = data["issues"][:2]
    first["manifest"] = second["manifest"]
    (out / "gazette" / "catalog.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}{second['manifest']}：多出" in done.stdout


@pytest.mark.parametrize("text", ["{", "[]", '{"format": "other"}', '{"format": "gongkai-gazette-manifest/1"}',
                                  '{"format": "gongkai-gazette-manifest/1", "files": [{"url": "/../x", "sha256": ""}]}',
                                  '{"format": "gongkai-gazette-manifest/1", "year": ' + "9" * 5000 + "}",
                                  "<!doctype html><title>404</title>", "\ufeff" + "[" * 100000, "\xff\xfe"])
def test_manifest_that_is_not_a_manifest_is_named(built, out, text):
    manifest_path, _, _ = pick(out, "toc")
    manifest_path.write_text(text, encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{manifest_path}：已被修改" in done.stdout
    assert "Traceback" not in done.stderr


def test_manifest_path_leaving_the_tree_is_refused(built, out, tmp_path):
    manifest_path, manifest, entry = pick(out, "policy")
    entry["path"] = "../outside.html"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{manifest_path}：已被修改" in done.stdout


def _fifo(path: Path, tmp_path: Path) -> None:
    os.mkfifo(path)


def _link_to_fifo(path: Path, tmp_path: Path) -> None:
    os.mkfifo(path.with_name("pipe"))
    path.symlink_to("pipe")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
@pytest.mark.parametrize("make", [_fifo, _link_to_fifo], ids=["fifo", "symlink-to-fifo"])
@pytest.mark.parametrize("kind", ["article", "toc"])
def test_special_file_where_a_file_is_listed_is_refused_at_once(built, out, tmp_path, make, kind):
    """Opening a named pipe waits for a writer for ever; it is refused before it is opened."""
    _, _, entry = pick(out, kind)
    (out / entry["path"]).unlink()
    make(out / entry["path"], tmp_path)
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}/{entry['path']}：缺失（不是普通文件" in done.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_special_file_as_the_catalog_or_an_extra_file(built, out):
    os.mkfifo(out / "gazette" / "2019" / "06" / "pipe")
    done = verify(built, out)
    assert done.returncode == 1
    assert findings(done) == [f"{out}/gazette/2019/06/pipe：多出（不在 gazette/2019/06/manifest.json 中）"]
    (out / "gazette" / "catalog.json").unlink()
    os.mkfifo(out / "gazette" / "catalog.json")
    done = verify(built, out)
    assert done.returncode == 2 and "不是普通文件" in done.stderr


def test_symlink_out_of_the_tree_is_not_followed(built, out, tmp_path):
    _, _, entry = pick(out, "policy")
    outside = tmp_path / "outside.html"
    shutil.copy(out / entry["path"], outside)
    (out / entry["path"]).unlink()
    (out / entry["path"]).symlink_to(outside)
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}/{entry['path']}：缺失" in done.stdout


# Targets that cannot be read at all ------------------------------------------------------------------


def _no_catalog(out: Path) -> Path:
    (out / "gazette" / "catalog.json").unlink()
    return out


def _write_catalog(text: str):
    def make(out: Path) -> Path:
        (out / "gazette" / "catalog.json").write_text(text, encoding="utf-8")
        return out
    return make


@pytest.mark.parametrize("make", [
    lambda out: out / "no-such-dir",
    lambda out: out / "index.html",  # a file, not a tree
    lambda out: out / "policies",  # a tree without the gazette
    _no_catalog,
    _write_catalog('{"issues": ['),
    _write_catalog("[]"),
    _write_catalog('{"issues": "none"}'),
    _write_catalog('{"issues": [{"year": 2019}]}'),
    _write_catalog('{"issues": [{"manifest": "https://evil.example/m.json"}]}'),
    _write_catalog('{"issues": [{"manifest": "/gazette/2019/06/manifest.json", "articles": [{"url": "/../../etc/passwd"}]}]}'),
    _write_catalog("\ufeff" + "[" * 100000),
    _write_catalog('{"issues": [], "n": ' + "9" * 5000 + "}"),
    _write_catalog("<!DOCTYPE html><html><body>欢迎访问</body></html>"),
], ids=["absent", "file", "not-built", "no-catalog", "broken-json", "list", "issues-string", "no-manifest",
        "manifest-offsite", "article-escapes", "deep-nesting", "huge-integer", "web-page"])
def test_unreadable_target_exits_2(built, out, make):
    done = verify(built, make(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("错误：")
    assert "Traceback" not in done.stderr


def test_oversized_catalog_exits_2(built, out):
    with (out / "gazette" / "catalog.json").open("ab") as catalog_file:
        catalog_file.truncate(33 << 20)  # zero bytes past the end: larger than any catalog of ours
    done = verify(built, out)
    assert done.returncode == 2
    assert "上限" in done.stderr


@pytest.mark.parametrize("target", ["ftp://example.gov.cn/xxgk/", "http://", "https:///xxgk/"])
def test_target_that_is_no_site_address_exits_2(built, target):
    done = verify(built, target)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：") and "Traceback" not in done.stderr


# A served site ---------------------------------------------------------------------------------------


class Handler(http.server.SimpleHTTPRequestHandler):
    """The built tree, but: redirects (path -> Location), pages (path -> an HTML page served with 200,
    as portals answer for files they lack) and stalls (paths whose body never comes)."""

    redirects: dict[str, str] = {}
    pages: set[str] = set()
    stalls: set[str] = set()
    release = threading.Event()

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.end_headers()
        elif self.path in self.pages or self.path in self.stalls:
            body = "<!doctype html><html><body>您访问的页面不存在</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path in self.stalls:
                self.wfile.flush()
                self.release.wait()
            self.wfile.write(body)
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def site(out, tmp_path):
    """out served at http://127.0.0.1:PORT/xxgk/, as base_url's path has it."""
    web = tmp_path / "web"
    web.mkdir()
    (web / "xxgk").symlink_to(out)
    handler = type("SiteHandler", (Handler,), {"redirects": {}, "pages": set(), "stalls": set(),
                                               "release": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(web)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.handler = handler
    server.root = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    handler.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("suffix", ["/xxgk/", "/xxgk"])
def test_served_site_matches(built, site, suffix):
    done = verify(built, site.root + suffix)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "全部一致" in done.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_served_changed_file_is_named_by_url(built, out, site, kind):
    _, _, entry = pick(out, kind)
    flip_byte(out / entry["path"])
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 1
    assert f"{site.root}/xxgk{entry['url']}：已被修改" in done.stdout
    assert len(findings(done)) == 1, done.stdout


def test_served_missing_file_is_a_404(built, out, site):
    _, _, entry = pick(out, "pdf")
    (out / entry["path"]).unlink()
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 1
    assert f"{site.root}/xxgk{entry['url']}：缺失（HTTP 404）" in done.stdout


def test_served_catalog_article_absent_from_manifest(built, out, site):
    manifest_path, manifest, entry = pick(out, "policy")
    manifest["files"].remove(entry)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 1
    assert f"{site.root}/xxgk{entry['url']}：多出" in done.stdout


def test_redirect_to_another_host_is_not_followed(built, out, site):
    _, _, entry = pick(out, "article")
    site.handler.redirects["/xxgk" + entry["url"]] = f"http://localhost:{site.server_address[1]}/xxgk{entry['url']}"
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 1
    assert f"{site.root}/xxgk{entry['url']}：缺失（被重定向到其他网站" in done.stdout


def test_catalog_redirected_to_another_host_exits_2(built, site):
    site.handler.redirects["/xxgk/gazette/catalog.json"] = "http://example.invalid/gazette/catalog.json"
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 2
    assert "被重定向到其他网站" in done.stderr


def test_redirect_within_the_site_is_followed(built, out, site):
    _, _, entry = pick(out, "article")
    moved = "/xxgk/moved.html"
    shutil.copy(out / entry["path"], out / "moved.html")
    site.handler.redirects["/xxgk" + entry["url"]] = moved
    assert verify(built, site.root + "/xxgk/").returncode == 0


def test_http_to_https_on_the_same_host_is_followed(built, site):
    """The test server speaks no TLS: followed, the upgrade fails at the handshake, not as another site."""
    port = site.server_address[1]
    site.handler.redirects["/xxgk/gazette/catalog.json"] = f"https://127.0.0.1:{port}/xxgk/gazette/catalog.json"
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 2
    assert "HTTPS" in done.stderr and "其他网站" not in done.stderr


@pytest.mark.parametrize("location", ["https://localhost:{port}/x", "https://127.0.0.1.nip.io:{port}/x", "ftp://127.0.0.1/x"])
def test_upgrade_to_another_host_is_not_followed(built, site, location):
    site.handler.redirects["/xxgk/gazette/catalog.json"] = location.format(port=site.server_address[1])
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 2
    assert ("其他网站" in done.stderr or "重定向" in done.stderr) and "HTTPS 证书" not in done.stderr


@pytest.mark.parametrize("what", ["catalog", "file"])
def test_redirect_loop_is_called_one(built, out, site, what):
    _, _, entry = pick(out, "article")
    path = "/xxgk/gazette/catalog.json" if what == "catalog" else "/xxgk" + entry["url"]
    site.handler.redirects[path] = path
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == (2 if what == "catalog" else 1)
    assert "重定向次数过多" in (done.stderr if what == "catalog" else done.stdout)


def test_web_page_instead_of_the_catalog_is_no_json(built, site):
    site.handler.pages.add("/xxgk/gazette/catalog.json")
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 2
    assert "不是 JSON（服务器返回了网页，可能地址不对）" in done.stderr and "被截断" not in done.stderr


def test_web_page_instead_of_a_manifest_is_missing(built, out, site):
    manifest_path, _, _ = pick(out, "toc")
    url = "/xxgk/" + manifest_path.relative_to(out).as_posix()
    site.handler.pages.add(url)
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == 1
    assert f"{site.root}{url}：缺失（服务器返回了网页而不是清单" in done.stdout


@pytest.mark.parametrize("what", ["catalog", "file"])
def test_a_file_that_never_ends_is_given_up_after_the_deadline(built, out, site, monkeypatch, what):
    """DEADLINE bounds the whole file whatever the per-read timeout; shortened here to one second."""
    monkeypatch.setattr(targets_module, "DEADLINE", 1)
    _, _, entry = pick(out, "pdf")
    path = "/xxgk/gazette/catalog.json" if what == "catalog" else "/xxgk" + entry["url"]
    site.handler.stalls.add(path)
    done = verify(built, site.root + "/xxgk/")
    assert done.returncode == (2 if what == "catalog" else 1)
    assert "1 秒内没有下载完" in (done.stderr if what == "catalog" else done.stdout)


def test_site_root_without_the_gazette_exits_2(built, site):
    done = verify(built, site.root + "/")
    assert done.returncode == 2
    assert "HTTP 404" in done.stderr and "Traceback" not in done.stderr


def test_unreachable_site_exits_2(built):
    with socket.socket() as probe:  # a port nobody listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = verify(built, f"http://127.0.0.1:{port}/xxgk/")
    assert done.returncode == 2
    assert "无法连接" in done.stderr and "Traceback" not in done.stderr


# Signatures -----------------------------------------------------------------------------------------


@pytest.fixture
def key(tmp_path) -> Path:
    if not HAS_SSH_KEYGEN:
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    return make_key(tmp_path / "office")


def make_key(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "聊城市人民政府办公室", "-f", str(path)],
                   check=True, capture_output=True)
    return path


def signed_files(out: Path) -> list[Path]:
    """What an office signs: every manifest and catalog.json."""
    return [path for path, _ in manifests(out)] + [out / "gazette" / "catalog.json"]


def sign_all(out: Path, key: Path, namespace: str = "gongkai-gazette") -> None:
    for path in signed_files(out):
        path.with_name(path.name + ".sig").unlink(missing_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", namespace, str(path)],
                       check=True, capture_output=True)


def pub(key: Path) -> str:
    return str(key.with_name(key.name + ".pub"))


def test_signed_manifests_verify(built, out, key):
    sign_all(out, key)
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "全部一致" in done.stdout and "签名" in done.stdout


def test_changed_manifest_has_an_invalid_signature(built, out, key):
    sign_all(out, key)
    manifest_path, _, _ = pick(out, "toc")
    manifest_path.write_bytes(manifest_path.read_bytes() + b"\n")
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert f"{manifest_path}：签名无效" in done.stdout


def test_missing_signature_is_named(built, out, key):
    sign_all(out, key)
    manifest_path, _, _ = pick(out, "toc")
    manifest_path.with_name("manifest.json.sig").unlink()
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert f"{manifest_path}：缺少签名" in done.stdout


@pytest.mark.parametrize("how", ["other-key", "other-namespace", "garbage"])
def test_signature_not_by_the_office_is_invalid(built, out, key, tmp_path, how):
    if how == "other-key":
        sign_all(out, make_key(tmp_path / "stranger"))
    elif how == "other-namespace":
        sign_all(out, key, namespace="file")
    else:
        for path in signed_files(out):
            path.with_name(path.name + ".sig").write_bytes(b"not a signature\n")
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert len(findings(done)) == len(signed_files(out))
    assert all("：签名无效" in line for line in findings(done))


def test_consistent_forgery_is_caught_only_by_the_signature(built, out, key):
    """Article, manifest, issue page and catalog all rewritten to agree: the hashes cannot tell."""
    sign_all(out, key)
    manifest_path, manifest, entry = pick(out, "article")
    page = out / entry["path"]
    page.write_bytes(page.read_bytes() + b"\n")
    entry["sha256"] = sha(page.read_bytes())
    old = sha(manifest_path.read_bytes())
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    new = sha(manifest_path.read_bytes())
    issue_page = out / manifest["blanked"]
    issue_page.write_bytes(issue_page.read_bytes().replace(old.encode(), new.encode()))
    catalog_path = out / "gazette" / "catalog.json"
    catalog_path.write_bytes(catalog_path.read_bytes().replace(sha(page.read_bytes()[:-1]).encode(), entry["sha256"].encode()))
    assert verify(built, out).returncode == 0
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert findings(done) == [f"{catalog_path}：签名无效（catalog.json.sig 与 catalog.json 或所给公钥不符）",
                              f"{manifest_path}：签名无效（manifest.json.sig 与 manifest.json 或所给公钥不符）"]


def test_catalog_without_its_signature_is_named(built, out, key):
    sign_all(out, key)
    (out / "gazette" / "catalog.json.sig").unlink()
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert findings(done) == [f"{out}/gazette/catalog.json：缺少签名（catalog.json.sig：文件不存在）"]


def test_catalog_signature_is_not_asked_for_without_a_key(built, out):
    (out / "gazette" / "catalog.json.sig").write_bytes(b"not a signature\n")
    assert verify(built, out).returncode == 0


@pytest.mark.parametrize("signed", [True, False], ids=["resigned-by-someone", "old-signature"])
def test_catalog_the_office_did_not_sign_is_refused(built, out, key, tmp_path, signed):
    """An issue dropped from a signed catalogue: the signature says so, the chain names the issue."""
    sign_all(out, key)
    url = issue_urls(out)[1]
    drop_from_catalog(out, url)
    if signed:
        (out / "gazette" / "catalog.json.sig").unlink()
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(make_key(tmp_path / "stranger")), "-n",
                        "gongkai-gazette", str(out / "gazette" / "catalog.json")], check=True, capture_output=True)
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert findings(done)[0] == f"{out}/gazette/catalog.json：签名无效（catalog.json.sig 与 catalog.json 或所给公钥不符）"
    assert f"{out}/gazette/catalog.json：缺少 {url} 这一期" in done.stdout


def test_key_given_as_a_line(built, out, key):
    sign_all(out, key)
    line = Path(pub(key)).read_text(encoding="utf-8").strip()
    assert verify(built, out, "--public-key", line).returncode == 0


@pytest.mark.parametrize("signed", [True, False])
def test_key_from_site_config(built, out, key, tmp_path, signed):
    """gazette.public_key in site_config.yaml is used when --public-key is not given."""
    project = tmp_path / "project"
    project.mkdir()
    line = Path(pub(key)).read_text(encoding="utf-8").strip()
    config = (built.root / "site_config.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^gazette:\n", lambda m: f'{m.group(0)}  public_key: "{line}"\n', config)
    (project / "site_config.yaml").write_text(config, encoding="utf-8")
    if signed:
        sign_all(out, key)
    done = verify(built, out, root=project)
    assert done.returncode == (0 if signed else 1), done.stdout + done.stderr
    assert "签名" in done.stdout


def test_signatures_through_a_served_site(built, out, site, key):
    sign_all(out, key)
    assert verify(built, site.root + "/xxgk/", "--public-key", pub(key)).returncode == 0
    manifest_path, _, _ = pick(out, "toc")
    manifest_path.with_name("manifest.json.sig").unlink()
    (out / "gazette" / "catalog.json.sig").unlink()
    done = verify(built, site.root + "/xxgk/", "--public-key", pub(key))
    assert done.returncode == 1
    url = "/" + manifest_path.relative_to(out).as_posix()
    assert findings(done) == [f"{site.root}/xxgk/gazette/catalog.json：缺少签名（catalog.json.sig：HTTP 404）",
                              f"{site.root}/xxgk{url}：缺少签名（manifest.json.sig：HTTP 404）"]


def test_readme_signing_workflow(built, key, tmp_path):
    """README "Tamper evidence and signing": build, sign every manifest and catalog.json from standard input
    into content/, build again; the published signatures verify, in the tree and on the served site."""
    project = Project.__new__(Project)
    project.root = tmp_path / "project"
    shutil.copytree(built.root, project.root, symlinks=True)
    gazettes = project.root / "content" / "gazettes"
    for path, manifest in manifests(project.output):
        sig = gazettes / str(manifest["year"]) / (path.parent.name + ".manifest.sig")
        sign_stdin(key, path, sig)
    sign_stdin(key, project.output / "gazette" / "catalog.json", gazettes / "catalog.sig")
    done = project.build()
    assert done.returncode == 0, done.stderr
    assert (project.output / "gazette" / "catalog.json.sig").read_bytes() == (gazettes / "catalog.sig").read_bytes()
    done = verify(built, project.output, "--public-key", pub(key))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "并核对了签名" in done.stdout


def sign_stdin(key: Path, path: Path, sig: Path) -> None:
    with path.open("rb") as stdin, sig.open("wb") as stdout:
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", "gongkai-gazette"],
                       stdin=stdin, stdout=stdout, check=True)


@pytest.mark.parametrize("text", ["ssh-ed25519 AAAAnot-a-key", "ssh-ed25519 AAAA\nssh-rsa BBBB", "no-such-file.pub"])
def test_unusable_public_key_exits_2(built, out, key, tmp_path, text):
    done = verify(built, out, "--public-key", text)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：") and "公钥" in done.stderr and "Traceback" not in done.stderr


def test_private_key_is_refused(built, out, key):
    done = verify(built, out, "--public-key", str(key))
    assert done.returncode == 2
    assert "私钥" in done.stderr and f"{key}.pub" in done.stderr


def test_public_key_file_with_several_keys_exits_2(built, out, key, tmp_path):
    several = tmp_path / "keys.pub"
    several.write_text(Path(pub(key)).read_text() * 2, encoding="utf-8")
    done = verify(built, out, "--public-key", str(several))
    assert done.returncode == 2
    assert "恰好有一行" in done.stderr


def test_without_ssh_keygen_signatures_cannot_be_checked(built, out, key, tmp_path, monkeypatch):
    sign_all(out, key)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 2
    assert "ssh-keygen" in done.stderr and "openssh-client" in done.stderr
