"""ASCII slugs for Chinese names, for the URLs of lists named by a value (a 主题分类,
an agency …).

The form: each run of Chinese characters becomes its Hanyu Pinyin without tones, the
syllables written together as one word (pypinyin, which reads 多音字 by phrase:
银行 yinhang); each run of Latin letters and digits is kept, lowercased; the words are
joined by hyphens, and everything else (、，（）《》, spaces, symbols with no reading)
only separates words:

    聊城市人民政府办公室          -> liaochengshirenminzhengfubangongshi
    国民经济管理、国有资产监管    -> guominjingjiguanli-guoyouzichanjianguan
    5G产业发展办公室              -> 5g-chanyefazhanbangongshi

Why: syllables joined by hyphens (liao-cheng-shi-ren-min-…) make an agency's slug half
as long again and no easier to read; initials (lcsrmzfbgs) cannot be read at all. The
name's own punctuation marks where its parts begin, so that is where a hyphen helps.
Full-width letters and digits count as ASCII (NFKC: ＡＢ１ is ab1). A slug longer than
MAX_LENGTH is cut at a syllable and ends in a short hash of the whole name, so two long
names that begin alike still differ; a name with nothing to read gets its hash alone.

Deterministic: the result depends only on the names and the pypinyin dictionary (no
locale, no randomised hash), so every machine and build gives the same slugs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

MAX_LENGTH = 64  # as long as an id may be (fields.ID_MAX); about 19 Chinese characters
_HASH_LENGTH = 6
# Chinese characters (with 〇) and ASCII letters and digits; anything else separates words.
_WORDS = re.compile(r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003ffff]+)|([A-Za-z0-9]+)")


def slug(name: str) -> str:
    """The slug of one name, before clashes with other names are resolved (see assign)."""
    words = [_syllables(han) if han else [latin.lower()] for han, latin in _WORDS.findall(unicodedata.normalize("NFKC", name))]
    words = [w for w in words if w]
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    if not words:
        return digest
    text = "-".join("".join(w) for w in words)
    if len(text) <= MAX_LENGTH:
        return text
    return f"{_cut(words, MAX_LENGTH - _HASH_LENGTH - 1)}-{digest}"


def assign(names: Iterable[str], pinned: Mapping[str, str] | None = None) -> dict[str, str]:
    """name -> slug for distinct names. A pinned slug is taken as given (its caller
    checked it); the others come from slug(). Names whose slugs coincide (homophones:
    公益 and 工艺 are both gongyi) are taken in code-point order of the names: the first
    keeps the slug, the next get -2, -3 …, skipping any slug another name has of its
    own, so the result depends only on the set of names."""
    pinned = dict(pinned or {})
    wanted = {name: slug(name) for name in sorted(set(names)) if name not in pinned}
    claimed = set(pinned.values())
    natural = claimed | set(wanted.values())
    result = dict(pinned)
    for name, base in wanted.items():
        candidate, number = base, 1
        while candidate in claimed or (candidate != base and candidate in natural):
            number += 1
            candidate = f"{base}-{number}"
        result[name] = candidate
        claimed.add(candidate)
    return result


def _syllables(han: str) -> list[str]:
    # Style.NORMAL writes ü as v (lv), so every syllable is ASCII; a character with no
    # reading in the dictionary is dropped ("ignore").
    from pypinyin import Style, lazy_pinyin  # its dictionaries take a quarter second to load: when needed

    return [s for s in lazy_pinyin(han, style=Style.NORMAL, errors="ignore") if s.isascii() and s.isalnum()]


def _cut(words: list[list[str]], limit: int) -> str:
    """The words' slug cut to at most limit characters at a syllable boundary."""
    text = ""
    for index, word in enumerate(words):
        for position, syllable in enumerate(word):
            joined = text + ("-" if index and not position else "") + syllable
            if len(joined) > limit:
                return text or syllable[:limit]
            text = joined
    return text
