"""`build.py verify-gazette TARGET`: does a built tree or a deployed site still hold the
gazette exactly as published? Every issue's manifest.json lists its files with their
SHA-256; this recomputes them, names what was changed, is missing or was added, and
checks the office's ssh-keygen signature of each manifest and of catalog.json when a public
key is known. Each manifest names the issues before and after it, so an issue dropped from
the catalogue is still found (and checked) through its neighbours.

This module owns the checks, their findings and the report; reading the tree or the site is
targets.py, the ssh-keygen side signatures.py. Only the standard library: an archivist or an
auditor runs this on any machine.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .signatures import Signatures, load_key
from .targets import (
    LocalTree,
    Missing,
    Unreadable,
    Website,
    clean_path,
    clean_url,
    issue_url,
    looks_like_html,
    open_target,
    page_of,
    parse_json,
)

FORMAT = "gongkai-gazette-manifest/1"
CATALOG = "/gazette/catalog.json"
FOLLOW_LIMIT = 100  # issues missing from the catalogue that are still checked through the chain
JSON_LIMIT = 32 << 20  # a catalog or manifest larger than this is not ours
SIG_LIMIT = 64 << 10
HEX64 = re.compile(r"[0-9a-f]{64}")
ADVICE = ("处理办法：以上文件与发布时不同。若不是本单位有意改动，请用内容源文件重新运行 python3 build.py，"
          "把生成的 output/ 重新部署到网站。")
SIGN = ("处理办法：用本单位私钥为每期清单签名，签名文件放在 content/ 中，提交后重新生成网站，如 "
        "ssh-keygen -Y sign -f 私钥 -n gongkai-gazette < output/gazette/2019/06/manifest.json "
        "> content/gazettes/2019/06.manifest.sig；catalog.json 的签名放在 content/gazettes/catalog.sig。"
        "某期有意更新后，它的清单和 catalog.json 都要重新签名。")
UNSIGNED = "缺少签名"


class BadManifest(Exception):
    """A manifest.json that is not a manifest; the text says where."""


# The catalog and the manifests ---------------------------------------------------------------------


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
        signing = [f for f in report.findings if UNSIGNED in f or "签名无效" in f]
        if len(signing) < len(report.findings):
            print(ADVICE)
        if signing:
            print(SIGN)
        return 1
    print(f"全部一致：{checked}。")
    return 0
