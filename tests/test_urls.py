"""urls.relative: a link from any page to any target resolves back to the target, as a
browser resolves it (urllib.parse.urljoin), for every shape of site-root URL the build
makes: folders and files, the root, shared and look-alike prefixes (/a/ and /ab/),
repeated names (/a/a/), percent-encoded Chinese, fragments, and the unusual segments
(//, ., ..) that are handed to posixpath."""

from __future__ import annotations

import itertools
import random
from urllib.parse import urljoin

from gongkai.urls import relative

SEGMENTS = ["a", "ab", "b", "policies", "%E6%94%BF%E7%AD%96", "2019", "a.b"]


def _urls(rng: random.Random, count: int) -> list[str]:
    out = ["/", "/404.html", "/index.html", "/assets/site.css"]
    for _ in range(count):
        depth = rng.randrange(0, 5)
        folders = "".join(f"/{rng.choice(SEGMENTS)}" for _ in range(depth))
        leaf = rng.choice(["/", "/index.html", "/file.pdf", "/x"])
        out.append(folders + leaf if folders or leaf != "/x" else "/x")
    return out


def _resolves(target: str, here: str) -> str:
    base = "http://host" + here
    return urljoin(base, relative(target, here))[len("http://host"):]


def test_every_link_resolves_back_to_its_target():
    rng = random.Random(20261202)
    urls = _urls(rng, 120)
    wrong = [(t, h, relative(t, h)) for t, h in itertools.product(urls, urls) if _resolves(t, h) != t]
    assert not wrong, f"{len(wrong)} links resolve elsewhere, e.g. (target, here, link) {wrong[:5]}"


def test_links_are_relative_and_keep_the_fragment():
    for target, here in [("/a/b/#top", "/c/"), ("/#main", "/a/b/index.html"), ("/a/", "/a/")]:
        link = relative(target, here)
        assert not link.startswith("/"), link
        assert link.endswith(target.partition("#")[1] + target.partition("#")[2]), link
    assert relative("#top", "/a/") == "#top"
    assert relative("/a/", "/a/") == "./"


def test_unusual_segments_are_normalised_as_before():
    assert _resolves("/a//b/", "/c/") in ("/a/b/", "/a//b/")
    assert _resolves("/a/./b/", "/a/") == "/a/b/"
    assert _resolves("/a/../b/", "/c/d/") == "/b/"
