"""build.py verify-gazette: a built tree or a served site is checked against each issue's
manifest.json; every changed, missing or added file is named, and so is a bad signature."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import json
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


def test_manifest_of_an_issue_not_in_the_catalog_is_extra(built, out):
    data = catalog(out)
    dropped = data["issues"].pop()
    (out / "gazette" / "catalog.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = verify(built, out)
    assert done.returncode == 1
    assert f"{out}{dropped['manifest']}：多出" in done.stdout


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
                                  '{"format": "gongkai-gazette-manifest/1", "files": [{"url": "/../x", "sha256": ""}]}'])
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
], ids=["absent", "file", "not-built", "no-catalog", "broken-json", "list", "issues-string", "no-manifest",
        "manifest-offsite", "article-escapes", "deep-nesting"])
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
    redirects: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def site(out, tmp_path):
    """out served at http://127.0.0.1:PORT/xxgk/, as base_url's path has it."""
    web = tmp_path / "web"
    web.mkdir()
    (web / "xxgk").symlink_to(out)
    handler = type("SiteHandler", (Handler,), {"redirects": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(web)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.handler = handler
    server.root = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
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


def sign_all(out: Path, key: Path, namespace: str = "gongkai-gazette") -> None:
    for path, _ in manifests(out):
        path.with_name("manifest.json.sig").unlink(missing_ok=True)
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
        for path, _ in manifests(out):
            path.with_name("manifest.json.sig").write_bytes(b"not a signature\n")
    done = verify(built, out, "--public-key", pub(key))
    assert done.returncode == 1
    assert len(findings(done)) == len(manifests(out))
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
    assert findings(done) == [f"{manifest_path}：签名无效（manifest.json.sig 与 manifest.json 或所给公钥不符）"]


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
    done = verify(built, site.root + "/xxgk/", "--public-key", pub(key))
    assert done.returncode == 1
    url = "/" + manifest_path.relative_to(out).as_posix()
    assert f"{site.root}/xxgk{url}：缺少签名（manifest.json.sig：HTTP 404）" in done.stdout


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
