"""Acceptance for the checks themselves: plant one defect in a copy of the project,
build it with the real CLI, and the check meant for it must report it, naming the
page and the rule. Each case first confirms the real site does not already fail that
rule on that page, so a pass proves the check saw the planted defect."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .checks import (
    axe_failures,
    console_failures,
    focus_indicator_failures,
    nu_failures,
    reflow_failures,
    skip_link_failures,
    static_csp_failures,
    text_zoom_failures,
)
from .harness import REPO, build_with_cli, page_label, require_tools, serve, url_path

PROJECT_PARTS = ("content", "layouts", "site_config.yaml")

# check name -> (function, tools it needs); page checks take (page, url), file checks a folder.
PAGE_CHECKS = {
    "axe": (axe_failures, ("axe",)), "console": (console_failures, ()), "reflow": (reflow_failures, ()),
    "text-zoom": (text_zoom_failures, ()), "focus": (focus_indicator_failures, ()), "skip-link": (skip_link_failures, ()),
}
FILE_CHECKS = {"nu": (nu_failures, ("java", "vnu")), "static-csp": (static_csp_failures, ())}


@dataclass(frozen=True)
class Defect:
    name: str
    file: str  # in the project copy
    anchor: str | None  # regex; the snippet goes right after its first match (None: at the end)
    snippet: str
    page_type: str  # the one page type the checks visit
    expect: tuple[tuple[str, str], ...]  # (check, text naming the rule in its failures)


MAIN = r"<main\b[^>]*>"
DEFECTS = [
    Defect("image-without-alt", "layouts/base.html", MAIN, "\n<img src=\"{{ asset('favicon.svg') }}\">",
           "interpretation", (("axe", "axe image-alt "),)),
    Defect("field-without-label", "layouts/base.html", MAIN, '\n<input type="text">',
           "policy", (("axe", "axe label "),)),
    Defect("low-contrast-text", "layouts/assets/site.css", None, "\nmain p { color: #bbbbbb; }\n",
           "page-page", (("axe", "axe color-contrast "),)),
    Defect("skipped-heading-level", "layouts/page.html", r"<h1\b[^>]*>.*?</h1>", "\n  <h4>办理流程</h4>",
           "page-page", (("axe", "axe heading-order "), ("nu", "heading"))),
    Defect("inline-script", "layouts/base.html", r"</main>", "\n<script>document.title='x'</script>",
           "listing", (("static-csp", "inline-script:"), ("console", "csp-violation:"))),
    Defect("wider-than-320-px", "layouts/assets/site.css", None, "\n.site-footer p { width: 400px; }\n",
           "listing-later-page", (("reflow", "reflow (WCAG 1.4.10)"),)),
    # Beyond the list: the other checks get a defect of their own too.
    Defect("image-from-another-host", "layouts/base.html", MAIN, '\n<img src="https://example.com/logo.png" alt="标志">',
           "page-sitemap", (("static-csp", "external-resource:"), ("console", "csp-violation: img-src blocked https://example.com"))),
    Defect("text-cut-off-at-200-percent", "layouts/assets/site.css", None,
           "\n.site-name a { display: block; height: 34px; overflow: hidden; }\n",
           "page-page", (("text-zoom", "text cut off"),)),
    Defect("text-overlapping-at-200-percent", "layouts/assets/site.css", None, "\n.site-nav li { height: 20px; }\n",
           "page-sitemap", (("text-zoom", "text overlaps"),)),
    Defect("focus-indicator-removed", "layouts/assets/site.css", None,
           "\na:focus-visible, .site-nav a:focus-visible { background: none !important; box-shadow: none !important;"
           " outline: none !important; }\n",
           "policy-not-in-force", (("focus", "focus-visible (WCAG 2.4.7)"),)),
    # A missing file is a failed resource on the page that references it, however the
    # page load and the next navigation interleave.
    Defect("missing-image", "layouts/base.html", MAIN, "\n<img src=\"{{ asset('no-such-image.png') }}\" alt=\"标志\">",
           "policy", (("console", "failed-resource: http"), ("console", "/assets/no-such-image.png answered 404"))),
    Defect("missing-stylesheet", "layouts/base.html", r"</title>", "\n<link rel=\"stylesheet\" href=\"{{ asset('no-such.css') }}\">",
           "listing", (("console", "/assets/no-such.css answered 404"),)),
    Defect("skip-link-off-screen-when-focused", "layouts/assets/site.css", None,
           "\n.skip-link:focus, .skip-link:focus-visible { top: -10rem !important; }\n",
           "home", (("skip-link", "skip-link (WCAG 2.4.7)"),)),
]


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        else:
            shutil.copy2(source, dest / part)
    return dest


def plant(project: Path, defect: Defect) -> None:
    path = project / defect.file
    text = path.read_text(encoding="utf-8")
    if defect.anchor is None:
        path.write_text(text + defect.snippet, encoding="utf-8")
        return
    match = re.search(defect.anchor, text, re.DOTALL)
    assert match, f"cannot plant {defect.name}: {defect.anchor!r} not found in {defect.file} (the layout changed?)"
    path.write_text(text[: match.end()] + defect.snippet + text[match.end():], encoding="utf-8")


def run_check(check: str, page, site_root: Path, url: str) -> tuple[list[str], str | None]:
    """Run one check; returns its failures and how they name the page (None: by output path)."""
    if check in PAGE_CHECKS:
        function, tools = PAGE_CHECKS[check]
        require_tools(*tools)
        return function(page, url), page_label(url)
    function, tools = FILE_CHECKS[check]
    require_tools(*tools)
    return function(site_root), None


def names(failures: list[str], where: str, rule: str) -> bool:
    return any(where in failure and rule in failure for failure in failures)


@pytest.mark.parametrize("defect", DEFECTS, ids=lambda defect: defect.name)
def test_planted_defect_is_reported(defect, tmp_path, page, example_site, site_url):
    project = copy_project(tmp_path / "project")
    plant(project, defect)
    planted = build_with_cli(project, tmp_path / "output")
    output_path = planted.sample(defect.page_type)
    with serve(planted) as planted_url:
        for check, rule in defect.expect:
            failures, label = run_check(check, page, planted.root, planted_url + url_path(output_path))
            where = label or output_path
            if not names(failures, where, rule):
                pytest.fail(f"{check} did not report the planted {defect.name} as “{rule}” on {where}; it reported:\n"
                            + ("\n".join(failures) or "(nothing)"), pytrace=False)
            before, label = run_check(check, page, example_site.root, site_url + url_path(output_path))
            if names(before, label or output_path, rule):
                pytest.fail(f"the real site already fails “{rule}” on {where}, so this case proves nothing until "
                            "that is fixed:\n" + "\n".join(before), pytrace=False)


@pytest.mark.parametrize("image_exists", [True, False], ids=["image-file-exists", "image-file-missing"])
def test_markdown_image_without_alt_stops_the_check(tmp_path, image_exists):
    """Markdown can't carry an image without alt text into the site: `build.py check`
    exits 1 naming the file and the line."""
    project = copy_project(tmp_path / "project")
    about = project / "content" / "pages" / "about.md"
    text = about.read_text(encoding="utf-8").rstrip("\n") + "\n\n![](x.png)\n"
    about.write_text(text, encoding="utf-8")
    line = text.count("\n")
    if image_exists:
        shutil.copy(REPO / "layouts" / "assets" / "favicon.svg", about.parent / "x.png")
    result = subprocess.run([sys.executable, "build.py", "check", "--root", str(project)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, f"check exited {result.returncode}:\n{result.stdout}{result.stderr}"
    if not re.search(rf"content/pages/about\.md:{line}: .*替代文本", result.stderr):
        pytest.fail(f"no missing-alt-text error at content/pages/about.md:{line}; check said:\n{result.stderr}",
                    pytrace=False)
