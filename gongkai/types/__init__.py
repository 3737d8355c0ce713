"""The registry of content types, in the order the site lists them (navigation, site
map, sitemap.xml). Adding a type: its module here, its layouts, one line below, its
tests (README, "How it works")."""

from __future__ import annotations

from ..contenttype import ContentType
from . import catalog, gazette, interpretation, page, policy

REGISTRY: tuple[ContentType, ...] = (
    policy.TYPE,
    interpretation.TYPE,
    gazette.TYPE,
    page.TYPE,
    catalog.TYPE,
)


def by_name(name: str) -> ContentType:
    return next(t for t in REGISTRY if t.name == name)
