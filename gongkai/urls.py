"""The URL scheme, in one place. Every URL is site-root-relative and ends in "/"
for HTML pages (served as <dir>/index.html). The README's "URL scheme" table documents the same scheme."""

from __future__ import annotations

import hashlib
import posixpath
import re

HOME = "/"
POLICIES = "/policies/"
INTERPRETATIONS = "/interpretations/"
NORMATIVE = "/policies/normative/"
NOT_FOUND = "/404.html"
SITEMAP = "/sitemap.xml"
FEED = "/feed.xml"
ROBOTS = "/robots.txt"

# Ids that would land on a URL the site uses itself, by the section they live in.
RESERVED = {
    "pages": frozenset({"policies", "interpretations", "assets", "files"}),
    "policies": frozenset({"normative", "kind", "year", "page"}),
    "interpretations": frozenset({"page"}),
}

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")


def policy(doc_id: str) -> str:
    return f"{POLICIES}{doc_id}/"


def interpretation(doc_id: str) -> str:
    return f"{INTERPRETATIONS}{doc_id}/"


def page(doc_id: str) -> str:
    return f"/{doc_id}/"


def kind(slug: str) -> str:
    return f"{POLICIES}kind/{slug}/"


def year(value: int) -> str:
    return f"{POLICIES}year/{value}/"


def paginated(base: str, number: int) -> str:
    """Page 1 of a list lives at the list's own URL; later pages under page/N/."""
    return base if number == 1 else f"{base}page/{number}/"


def asset(name: str) -> str:
    return f"/assets/{name}"


def content_file(rel: str) -> str:
    """A file from content/ (attachment, image). Non-ASCII names get a stable
    ASCII name derived from the path, since URLs must stay ASCII. Files kept in
    content/files/ (the usual place) appear at /files/<path below it>."""
    rel = rel.removeprefix("files/")
    if _SAFE_PATH.match(rel) and ".." not in rel.split("/"):
        return f"/files/{rel}"
    folder, name = posixpath.split(rel)
    digest = hashlib.sha256(rel.encode("utf-8")).hexdigest()[:12]
    suffix = posixpath.splitext(name)[1].lower()
    safe_suffix = suffix if _SAFE_PATH.match(suffix or "x") else ""
    safe_folder = folder if _SAFE_PATH.match(folder or "x") else "f"
    return f"/files/{safe_folder + '/' if folder else ''}{digest}{safe_suffix}"


def output_path(url: str) -> str:
    """Where a URL's file lives under output/."""
    path = url.lstrip("/")
    return path + "index.html" if url.endswith("/") else path


def relative(target: str, here: str) -> str:
    """A relative link from the page at `here` to `target`, so the site works at any
    base path and from the file system. Fragments are kept."""
    path, hash_, fragment = target.partition("#")
    if not path:
        return target
    here_dir = here if here.endswith("/") else posixpath.dirname(here) + "/"
    result = posixpath.relpath(path, here_dir)
    if path.endswith("/") and not result.endswith("/"):
        result = "./" if result == "." else result + "/"
    return result + hash_ + fragment
