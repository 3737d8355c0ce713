"""Random hostile edits of real content, many at a time: whatever an editor's slip or an
attacker's file does, the build reports problems (file, line, Chinese text) or produces
a site whose every output is valid for its format — never an exception.

In-process (build_site) rather than through the command line, to afford hundreds of
cases; the command-line behaviour of each class is tested in the other files. The seed
is fixed, so a failure is reproducible: the assertion names the case."""

from __future__ import annotations

import json
import random
import re
import shutil
import xml.dom.minidom
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

from gongkai.build import build_site

CASES = 120
SEED = 20261201
BUILD_DATE = date(2026, 11, 25)

# Pieces an editor's slip or an attacker's file puts into YAML or Markdown.
YAML_PIECES = [
    "\x00", "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe", "：", "\u3000", "\t", ":", ": ", " ",
    '"', "'", "&a ", "*a", "!!python/object/apply:os.system ['true'] ", "!!binary ", "? ", "- ", "{", "}", "[", "]",
    "#", "|", ">", "%YAML 1.1\n", "\\", "\r", "\n", "\n  ", '"\\ud800"', '"\\x01"', '"\\ud83d\\ude00"', '"\\u0000"',
    "true", "yes", "on", "null", "~", "2019-02-30", "0x1F", "1e999", ".nan", "<<: *a", "&a [*a, *a]", "[[[[[[[[",
    "标题：", "agency:聊城", "title: 工作目标: 完成", "---", "...", "\u202e", "😀",
]
BODY_PIECES = [
    "<script>alert(1)</script>", '<a href="JaVaScRiPt:alert(1)">x</a>', "[x](DOC:lzbf-2019-5)", "[x](doc:nowhere)",
    "<img src=x onerror=alert(1)>", "![](x.png)", "[^1]\n\n[^1]: 注", "# Main", "## main-1", '<span id="fn:1">x</span>',
    "| a | b |\n|:--|--:|\n| 1 | 2 |", "<!--> <script>x</script> -->", "<![CDATA[x]]>", "[[table:lc-2019-key-tasks]]",
    "[[table:nope]]", '<p id="main">x</p>', "<iframe src=//evil>", "> > > > > > > > > > > > > > > > x",
    "[link](../../../etc/passwd)", "[a](files/2021/zfxxgk-sqb.csv)", "\x0c", "\u0000", "<svg onload=x>", "&#0;", "&#xD800;",
    '<a href="java&#13;script:x">x</a>', "*" * 300, "`" * 50, "{: .evil }", "{: #main }",
]
ERROR_TEXT = re.compile(r"Traceback|Error\b|expected|found character|could not|mapping values|while (scanning|parsing)"
                        r"|unacceptable|special characters|\b[A-Za-z]{3,} [A-Za-z]{2,} [A-Za-z]{3,}\b")
QUOTED = re.compile(r"“[^”]*”|`[^`]*`|（[^）]*）")  # values echoed from the file may be anything
CJK = re.compile(r"[\u4e00-\u9fff]")
FORBIDDEN_OUTPUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "pristine"
    for name in ("content", "layouts"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "site_config.yaml", root / "site_config.yaml")
    return root


def mutate(text: str, rng: random.Random, front_end: int) -> str:
    """One to three edits: insert a hostile piece, delete or duplicate a stretch."""
    for _ in range(rng.randint(1, 3)):
        action = rng.random()
        in_front = rng.random() < 0.6
        lo, hi = (4, front_end) if in_front else (front_end, len(text))
        at = rng.randint(lo, max(lo, hi))
        if action < 0.7:
            text = text[:at] + rng.choice(YAML_PIECES if in_front else BODY_PIECES) + text[at:]
        elif action < 0.85:
            text = text[:at] + text[at + rng.randint(1, 12):]
        else:
            text = text[:at] + text[at: at + 40] + text[at:]
    return text


def targets(root: Path) -> list[Path]:
    content = root / "content"
    return sorted([*content.rglob("*.md"), *(content / "data").glob("*.yaml"), *(content / "gazettes").rglob("*.yaml"),
                   root / "site_config.yaml"])


def check_outputs(outputs, label: str) -> None:
    for path, data in outputs.pages.items():
        if path.endswith(".bin"):
            continue  # the search index's binary postings
        text = data.decode("utf-8")  # raises on a lone surrogate
        bad = FORBIDDEN_OUTPUT.search(text)
        assert bad is None, f"{label}: {path} holds U+{ord(bad.group()):04X}"
        if path.endswith(".xml"):
            xml.dom.minidom.parseString(data)  # feed and sitemap always parse
        if path.endswith(".json"):
            json.loads(text)  # the gazette's catalogue and manifests


@pytest.mark.parametrize("batch", range(8))
def test_hostile_edits_never_raise_and_are_reported_in_chinese(pristine, batch):
    rng = random.Random(SEED + batch)
    files = targets(pristine)
    if batch >= 6:  # the gazette's issue and article files, which carry cross references of their own
        files = [f for f in files if "gazettes" in f.parts]
    for case in range(CASES // 6):
        path = rng.choice(files)
        original = path.read_bytes()
        text = original.decode("utf-8")
        front_end = text.find("\n---", 4) if text.startswith("---") else len(text)
        mutated = mutate(text, rng, front_end if front_end > 0 else len(text))
        label = f"batch {batch} case {case}: {path.relative_to(pristine)} ← {mutated!r}"[:3000]
        path.write_bytes(mutated.encode("utf-8", "surrogatepass"))
        try:
            result = build_site(pristine, BUILD_DATE)
        except Exception as err:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{label}\nraised {type(err).__name__}: {err}")
        finally:
            path.write_bytes(original)
        for problem in [*result.problems.items, *result.problems.warnings]:
            assert problem.path and CJK.search(problem.message), f"{label}\n{problem}"
            assert not ERROR_TEXT.search(QUOTED.sub("", problem.message)), f"{label}\nnot plain Chinese: {problem}"
            str(problem).encode("utf-8", "backslashreplace")
        if not result.problems:
            check_outputs(result.outputs, label)
