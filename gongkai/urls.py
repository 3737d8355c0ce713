"""The URL scheme. Every URL is site-root-relative and ends in "/" for HTML pages
(served as <dir>/index.html). The site's own routes are here; each content type's
routes live with the type (its ROUTES), and routes() lists them all in one table, the
one the README's "URL scheme" table documents (a test compares them)."""

from __future__ import annotations

import hashlib
import posixpath
import re

HOME = "/"
NOT_FOUND = "/404.html"
SITEMAP = "/sitemap.xml"
FEED = "/feed.xml"
ROBOTS = "/robots.txt"

# The site's own routes, beside the content types' (urls.routes()).
SITE_ROUTES = (
    (HOME, "home: the latest of each content type, browse by 文种, year, 主题分类 and 发文机关, the 政府信息公开 columns"),
    ("/search/", "site search (`?q=` words or a 文号, plus filters); its index under /search/"),
    ("/wh/AGENCY/YYYY/N/", "a 文号's stable address (机关代字, year, number), forwarding to its document"),
    ("/files/PATH", "a file from `content/files/PATH` (non-ASCII names get a stable hashed ASCII name)"),
    ("/assets/NAME", "CSS, JS and icons from `layouts/assets/`"),
    (NOT_FOUND, "the page for a missing address (absolute links: served at any depth)"),
    (SITEMAP, "every page, for search engines"),
    (FEED, "Atom feed of the newest documents"),
    (ROBOTS, "points crawlers at the sitemap"),
    ("LIST/page/N/", "page N > 1 of any list above"),
)

_SAFE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")


def paginated(base: str, number: int) -> str:
    """The first page of a list lives at the list's own URL; later pages under page/N/."""
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


def routes() -> tuple[tuple[str, str], ...]:
    """Every route of the site: the site's own, then each content type's."""
    from .types import REGISTRY  # the types import this module for its helpers

    return (SITE_ROUTES[0], *(route for t in REGISTRY for route in t.routes), *SITE_ROUTES[1:])


def output_path(url: str) -> str:
    """Where a URL's file lives under output/."""
    path = url.lstrip("/")
    return path + "index.html" if url.endswith("/") else path


def relative(target: str, here: str) -> str:
    """A relative link from the page at `here` to `target`, so the site works at any
    base path and from the file system. Fragments are kept. Pure string arithmetic on
    the segments (posixpath.relpath asks the file system for the working directory, and
    a build makes hundreds of thousands of these)."""
    path, hash_, fragment = target.partition("#")
    if not path:
        return target
    if _UNUSUAL.search(path) or _UNUSUAL.search(here):
        return _relpath(path, here) + hash_ + fragment
    folders = path.split("/")
    leaf = folders.pop()
    start = here.split("/")[:-1]  # the folder `here` is in, as segments
    common = 0
    while common < len(folders) and common < len(start) and folders[common] == start[common]:
        common += 1
    result = "/".join([".."] * (len(start) - common) + folders[common:] + [leaf])
    return (result or "./") + hash_ + fragment


# Segments that are not plain names ("//", ".", ".."): left to posixpath's normalisation.
_UNUSUAL = re.compile(r"//|/\.\.?(?:/|$)|^[^/]")


def _relpath(path: str, here: str) -> str:
    here_dir = here if here.endswith("/") else posixpath.dirname(here) + "/"
    result = posixpath.relpath(path, here_dir)
    if path.endswith("/") and not result.endswith("/"):
        result = "./" if result == "." else result + "/"
    return result
