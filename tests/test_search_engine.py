"""Search: the build (Python, gongkai/search/) and the browser (layouts/assets/search.js)
must read text the same way, or a word the index holds is looked up under another
form. Both sides run over the same inputs: every code point, mixed strings, the
writings of a 文号 and strings that are not one, and the gram hash. Node runs the
JavaScript as a site ships it (minified the way the build minifies it) through
tests/search/normalise.js, one process for all of a test's inputs; a test holds the
minified script to the source's answers.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import rjsmin

from gongkai.search import index, normalize, wenhao
from gongkai.search.index import fnv

HELPER = Path(__file__).parent / "search" / "normalise.js"
SOURCE = Path(__file__).resolve().parent.parent / "layouts" / "assets" / "search.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node (Node.js) is not installed: search.js cannot run here")

LAST = 0x3FFFF
BATCH = 0x4000
SURROGATES = range(0xD800, 0xE000)


@cache
def shipped() -> Path:
    """search.js minified as the build ships it (render.py), in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="search-engine-"))
    path = folder / "search.js"
    path.write_text(rjsmin.jsmin(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.fixture(scope="module", autouse=True)
def _clean_shipped():
    yield
    if shipped.cache_info().currsize:
        shutil.rmtree(shipped().parent, ignore_errors=True)
        shipped.cache_clear()


def node(jobs: list[dict], engine: Path | None = None) -> list:
    """The JavaScript's answer to each job (see normalise.js), from one node process."""
    request = json.dumps({"table": normalize.table(), "jobs": jobs})
    done = subprocess.run([NODE, str(HELPER), str(engine or shipped())], input=request, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def points(start: int, stop: int) -> list[str]:
    return [chr(c) for c in range(start, stop) if c not in SURROGATES]


def differences(texts: list[str], python: list, javascript: list, limit: int = 12) -> list[str]:
    assert len(python) == len(javascript) == len(texts)
    return [f"{t!r} ({' '.join(f'U+{ord(c):04X}' for c in t[:6])}): python {p!r}, js {j!r}"
            for t, p, j in zip(texts, python, javascript, strict=True) if p != j][:limit]


# -- the normalisation ------------------------------------------------------------------------

@cache
def sweep() -> tuple[list[str], list[str], list[str], list[str]]:
    """Every code point between two letters, and in runs of 61 consecutive ones: the
    texts, the JavaScript's and the Python's answers for each."""
    jobs = []
    for start in range(0, LAST + 1, BATCH):
        jobs.append({"op": "points", "from": start, "to": start + BATCH, "before": "a", "after": "b"})
        jobs.append({"op": "runs", "from": start, "to": start + BATCH, "size": 61})
    answers = node(jobs)
    texts, js, runs, js_runs = [], [], [], []
    for k, start in enumerate(range(0, LAST + 1, BATCH)):
        chars = points(start, start + BATCH)
        texts += [f"a{c}b" for c in chars]
        js += answers[2 * k]
        runs += ["".join(chars[i:i + 61]) for i in range(0, len(chars), 61)]
        js_runs += answers[2 * k + 1]
    return texts, js, runs, js_runs


def test_every_code_point_normalises_alike():
    texts, js, _, _ = sweep()
    assert len(texts) == LAST + 1 - len(SURROGATES)
    python = [normalize.normalise(t) for t in texts]
    assert not differences(texts, python, js)
    # The sweep means something: each of the three outcomes occurs.
    assert {"a b", "ab", "a中b"} <= set(python)


def test_runs_of_consecutive_code_points_normalise_alike():
    _, _, runs, js = sweep()
    python = [normalize.normalise(t) for t in runs]
    assert not differences(runs, python, js)


def decoded(codes: np.ndarray) -> str:
    return "".join(chr(c) if c else normalize.SEPARATOR for c in codes.tolist())


def test_the_index_normalisation_on_arrays_agrees_over_every_code_point():
    # The index normalises with normalize.codes (numpy); each a?b starts and ends with a
    # kept letter, so their concatenation normalises to the concatenation of the answers.
    texts, js, runs, js_runs = sweep()
    assert decoded(normalize.codes("".join(texts))) == "".join(js)
    assert not differences(runs, [decoded(normalize.codes(t)) for t in runs], js_runs)
    _, where = normalize.codes("Ａ“信用”　红黑", where=True)
    expected: list[int] = []
    normalize.normalise("Ａ“信用”　红黑", expected)
    assert where.tolist() == expected


MIXED = (
    list("聊政办发信用红黑名单最低生活保障𠮷𠀀𪚥〇々")  # Han, astral Han
    + list("ＡＢＣａｂｃ０１２９５ＧＷｉ－Ｆｉ")  # full-width
    + list("ABCXYZabcxyzÀÉÖØÞßàéöøþÿĀŁ")  # capitals, Latin-1, Latin Extended
    + list("，。、；：！？…—–-‐·・.．/／\\（）()〔〕[]【】﹝﹞「」『』《》“”‘’\"'")  # punctuation
    + [" ", "\u3000", "\t", "\n", "\xa0", "\u200b", "\ufeff", "\u2028", "\x00", "\x85"]  # spaces, odd ones
    + list("αΩЖж가힣あア€℃％")  # other scripts and signs
)


def mixed_strings(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = ["", " ", "信用“红黑名单”", "聊政办发〔2019〕5号", "ＧＢ／Ｔ　３７６６８—２０１９", "Wi-Fi 6", "5G基站", "𠮷祥",
           "。。。、、，", "  两个  空格  ", "A\u3000B", "——“”——"]
    for _ in range(count):
        size = rng.randint(1, 24)
        out.append("".join(rng.choice(MIXED) for _ in range(size)))
    return out


def test_mixed_strings_normalise_and_split_alike():
    texts = mixed_strings(4000, seed=10)
    js_norm, js_words = node([{"op": "normalise", "items": texts}, {"op": "words", "items": texts}])
    assert not differences(texts, [normalize.normalise(t) for t in texts], js_norm)
    assert not differences(texts, [normalize.words(t) for t in texts], js_words)


DOCUMENTED = (
    ("信用“红黑名单”", "信用红黑名单"), ("聊政办发〔2019〕5号", "聊政办发20195号"), ("ＧＢ／Ｔ　３７６６８", "gbt 37668"),
    ("Wi-Fi 6", "wifi 6"), ("工作要点。。。，，2019", "工作要点 2019"), ("𠮷祥", "𠮷祥"), ("  ——  ", ""),
)


@pytest.mark.parametrize(("text", "expected"), DOCUMENTED)
def test_the_documented_forms_on_both_sides(text, expected):
    assert normalize.normalise(text) == expected
    assert one("normalise", text) == expected


# -- 文号 ------------------------------------------------------------------------------------

AGENCIES = ("聊政办发", "鲁政办发", "国发", "聊政办字", "国办发明电", "〇", "聊", "中共聊城市委办公室聊城市人民政府办",
            "中共聊城市委办公室聊城市人民政府办公")  # 16 and 17 characters
YEARS = ("2019", "1999", "2005", "2025", "1899", "2100", "19")
SERIALS = ("5", "15", "05", "0", "12345", "123456")
OPENS, CLOSES = "〔[(【﹝〖（［<《", "〕])】﹞〗）］>》"
SPACES = (" ", "\u3000", "\t", "\xa0", "  ")
FULL = str.maketrans("0123456789", "０１２３４５６７８９")
NOT_WENHAO = ("2019年5月", "工作要点2019", "2019年政务公开工作要点", "第5号", "〔2019〕5号", "聊政办发", "聊政办发2019",
              "聊政办发〔2019〕", "聊政办发2019年", "聊政办发〔2019", "聊政办发20195号", "聊政办发2019 5号码", "5G基站",
              "GB/T 37668—2019", "聊政办发〔2019〕5号 聊政办发〔2019〕6号", "关于印发聊政办发〔2019〕5号的通知", "")


def writings(rng: random.Random) -> list[str]:
    """A 文号 written every way a person might (and many ways nobody would)."""
    out = []
    for agency in AGENCIES:
        for year in YEARS:
            for serial in SERIALS:
                for k, opening in enumerate(OPENS):
                    for closing in (CLOSES[k], rng.choice(CLOSES)):
                        out.append(f"{agency}{opening}{year}{closing}{rng.choice(('', '第'))}{serial}{rng.choice(('', '号'))}")
                out += [f"{agency}{year}年{serial}号", f"{agency}{year}年第{serial}号", f"{agency} {year} {serial}",
                        f"{agency}{year}第{serial}号", f"{agency}{year}{serial}号", f"{agency}{year} {serial}号"]
    spaced = []
    for text in out:
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(2, len(text) + 1)))
        space = rng.choice(SPACES)
        spaced.append(text[:cuts[0]] + space + text[cuts[0]:cuts[1]] + space + text[cuts[1]:])
    wide = [t.translate(FULL) for t in rng.sample(out, len(out) // 3)]
    return out + spaced + wide + list(NOT_WENHAO) + mixed_strings(2000, seed=11)


def py_parse(text: str):
    found = wenhao.parse(text)
    return None if found is None else {"agency": found.agency, "year": found.year, "serial": found.serial}


def py_partial(text: str):
    found = wenhao.partial(text)
    return None if found is None else {"agency": found[0], "year": found[1]}


def test_wenhao_writings_parse_alike():
    texts = writings(random.Random(12))
    js_whole, js_partial = node([{"op": "wenhao", "items": texts}, {"op": "partial", "items": texts}])
    assert not differences(texts, [py_parse(t) for t in texts], js_whole)
    assert not differences(texts, [py_partial(t) for t in texts], js_partial)
    # Enough of them are 文号 for the comparison to mean something.
    assert sum(w is not None for w in js_whole) > len(texts) // 8


SEED = {"agency": "聊政办发", "year": 2019, "serial": 5}
SEED_WRITINGS = ("聊政办发〔2019〕5号", "聊政办发[2019]5号", "聊政办发(2019)5号", "聊政办发（2019）5号", "聊政办发【2019】5号",
                 "聊政办发［2019］5号", "聊政办发﹝2019﹞5号", "聊政办发〖2019〗5号", "聊政办发〔2019〕第5号", "聊政办发〔2019〕5",
                 "聊政办发2019年5号", "聊政办发2019年第5号", "聊政办发 2019 5", "聊政办发２０１９年５号", "聊政办发〔２０１９〕５号",
                 " 聊政办发 〔 2019 〕 第 5 号 ", "聊政办发\u30002019\u30005", "聊政办发2019第5号", "聊政办发〔2019〕05号")


@pytest.mark.parametrize("text", SEED_WRITINGS)
def test_every_writing_of_a_wenhao_is_read_on_both_sides(text):
    assert py_parse(text) == SEED
    assert one("wenhao", text) == SEED


@pytest.mark.parametrize("text", [t for t in NOT_WENHAO if t])
def test_what_is_not_a_whole_wenhao_is_refused_on_both_sides(text):
    assert py_parse(text) is None
    assert one("wenhao", text) is None


PARTIALS = (
    ("聊政办发〔2019〕", {"agency": "聊政办发", "year": 2019}), ("聊政办发[2019]", {"agency": "聊政办发", "year": 2019}),
    ("聊政办发2019年", {"agency": "聊政办发", "year": 2019}), ("聊政办发〔２０１９", {"agency": "聊政办发", "year": 2019}),
    ("聊政办发〔2019〕5号", None), ("2019年", None), ("聊政办发", None),
)


@pytest.mark.parametrize(("text", "expected"), PARTIALS)
def test_partial_wenhao_on_both_sides(text, expected):
    assert py_partial(text) == expected
    assert one("partial", text) == expected


# Characters Python's re counts as \s or \d and JavaScript's RegExp does not, or the reverse.
ODD = (
    pytest.param("聊政办发\ufeff〔2019〕5号", id="FEFF"),
    pytest.param("聊政办发\x85〔2019〕5号", id="0085"),
    pytest.param("聊政办发\x1c2019\x1c5", id="001C"),
    pytest.param("聊政办发〔20١٩〕٥号", id="0660"),
    pytest.param("聊政办发〔20१९〕५号", id="0966"),
    pytest.param("聊政办发\u3000〔2019〕\u20035号", id="3000-2003"),
)


@pytest.mark.parametrize("text", ODD)
def test_whitespace_and_digits_of_other_scripts_parse_alike(text):
    assert (py_parse(text), py_partial(text)) == (one("wenhao", text), one("partial", text))


# The normalisation drops these (they are invisible); a 文号 holding one, typed or pasted
# into doc_number or the search box, is still the same 文号.
INVISIBLE = {"200B": "聊政办发\u200b〔2019〕5号", "FEFF-lead": "\ufeff聊政办发〔2019〕5号", "00AD": "聊政办发〔2019〕5号\xad",
             "200D": "聊政办发〔2019〕\u200d5号"}


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_wenhao_with_an_invisible_character_is_read(text):
    assert (py_parse(text), one("wenhao", text)) == (SEED, SEED)


@cache
def singles() -> dict[tuple[str, str], object]:
    """The JavaScript's answers for the single cases above, from one node process."""
    texts = sorted({t for t, _ in DOCUMENTED} | set(SEED_WRITINGS) | set(NOT_WENHAO) | {t for t, _ in PARTIALS}
                   | {p.values[0] for p in ODD} | set(INVISIBLE.values()))
    ops = ("normalise", "wenhao", "partial")
    answers = node([{"op": op, "items": texts} for op in ops])
    return {(op, t): a for op, column in zip(ops, answers, strict=True) for t, a in zip(texts, column, strict=True)}


def one(op: str, text: str):
    return singles()[(op, text)]


# -- the gram hash ------------------------------------------------------------------------------

def random_texts(rng: random.Random, count: int, longest: int) -> list[str]:
    return ["".join(chr(rng.choice((rng.randrange(0x20, 0xD800), rng.randrange(0xE000, 0x40000))))
                    for _ in range(rng.randint(1, longest))) for _ in range(count)]


def test_fnv_hash_alike():
    rng = random.Random(13)
    texts = mixed_strings(3000, seed=14) + ["", "#聊政办发#2019#5", "#聊政办发#2019"] + random_texts(rng, 3000, 6)
    (js,) = node([{"op": "fnv", "items": texts}])
    assert not differences(texts, [fnv(t) for t in texts], js)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_index_gram_hash_on_arrays_alike(size):
    # Grams are bucketed by index._fnv_arrays over their code points, column by column.
    grams = [t for t in random_texts(random.Random(15 + size), 4000, size) if len(t) == size]
    grams += ["信", "信用", "信用红", "𠮷", "𠮷祥", "5g基"][size - 1::3]
    columns = [np.array([ord(g[k]) for g in grams], dtype=np.uint32) for k in range(size)]
    (js,) = node([{"op": "fnv", "items": grams}])
    assert not differences(grams, index._fnv_arrays(*columns).tolist(), js)


def test_the_shipped_script_answers_as_the_source():
    texts = mixed_strings(1500, seed=16) + writings(random.Random(17))[::7]
    jobs = [{"op": op, "items": texts} for op in ("normalise", "words", "wenhao", "partial", "fnv")]
    assert node(jobs, SOURCE) == node(jobs)
