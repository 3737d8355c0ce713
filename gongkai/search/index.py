"""The search index: positional character n-grams in hash-bucketed shards, so a query
downloads the entry file, the shards of its own grams, the facet chunks of the pages
it matches and, for the results it shows, their cards and one passage each.

Layout under /search/ (the format search.js reads; numbers are unsigned LEB128 varints):
- entry.json: counts, field bases and weights, the normalisation table, facet values,
  synonyms, the year of each range of documents.
- i/B.bin: the grams hashing (FNV-1a over UTF-8, modulo the bucket count) to bucket B,
  sorted: per gram its UTF-8 length and bytes, df, then (size << 1 | external) and either
  the postings or the number of the file g/N.bin that holds them (a frequent gram).
  Postings run in document order, each starting with the gap to the previous document:
  1 and 2 characters: field mask, BM25F weight (0-255), first position; 3 characters:
  count, then positions as gaps; 文号 keys (#代字#年#号, #代字#年): 1 own / 2 cited.
- c/K.bin: documents K*CHUNK … as flags (1: in force), length class (body length / average
  × 32), title length, then for each facet the number of values and their numbers.
- d/K/N.json: what result N shows, and where each passage of t/K/N.txt starts: the
  snippet is fetched with a Range request for one passage (the whole file where a
  server ignores Range).
Documents are numbered by date, oldest first, so a new document adds at the end and a
year is a range of numbers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from .extract import passages
from .normalize import SEPARATOR, normalise, table
from .wenhao import cited, parse

FORMAT = 1
CHUNK = 256
BIG = 1024  # postings larger than this get a file of their own
SHARD = 4096  # bytes of small postings a bucket aims at
# Where each field's positions start: a position says which field it is in.
BASES = {"title": 0, "number": 256, "agency": 320, "pinyin": 448, "body": 1024}
WEIGHTS = {"title": 5.0, "number": 4.0, "agency": 2.0, "pinyin": 1.5, "body": 1.0}
MASK = {"title": 1, "number": 2, "agency": 4, "pinyin": 8, "body": 16}
K1, B = 1.2, 0.75
FACETS = (("year", "年份"), ("column", "栏目"), ("agency", "发文机关"), ("form", "文种"), ("topic", "主题分类"),
          ("validity", "有效性"), ("issue", "公报期数"), ("category", "目录分类"))


@dataclass
class Page:
    """One page to index: what it shows, its text, its facet values."""

    url: str
    title: str
    date: str  # ISO
    number: str
    agencies: tuple[str, ...]
    in_force: bool
    text: str
    facets: dict[str, tuple[str, ...]]
    card: dict = field(default_factory=dict)


def varint(out: bytearray, value: int) -> None:
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)


def fnv(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


class _Postings:
    """One gram's postings as they are appended, document by document."""

    __slots__ = ("last", "df", "data")

    def __init__(self) -> None:
        self.last, self.df, self.data = 0, 0, bytearray()

    def start(self, ordinal: int) -> bytearray:
        varint(self.data, ordinal - self.last)
        self.last, self.df = ordinal, self.df + 1
        return self.data


def _fields(page: Page, pinyin) -> dict[str, str]:
    """Each field's normalised text, capped to the room its base leaves."""
    own = parse(page.number) if page.number else None
    fields = {
        "title": normalise(page.title),
        "number": normalise(str(own) if own else page.number),
        "agency": SEPARATOR.join(normalise(a) for a in page.agencies),
    }
    if pinyin:
        fields["pinyin"] = SEPARATOR.join(pinyin(t) for t in (page.title, *page.agencies) if t)
    names = list(BASES)
    for name, text in fields.items():
        room = BASES[names[names.index(name) + 1]] - BASES[name] - 1
        fields[name] = text[:room]
    return fields


def _grams(text: str, base: int, uni: dict, bi: dict, tri: dict, field_name: str) -> None:
    """Record every 1-, 2- and 3-character gram of text's segments at its position."""
    mask = MASK[field_name]
    start = 0
    for segment in text.split(SEPARATOR):
        for i in range(len(segment)):
            at = base + start + i
            for size, table_ in ((1, uni), (2, bi)):
                if i + size <= len(segment):
                    gram = segment[i:i + size]
                    seen = table_.get(gram)
                    if seen is None:
                        table_[gram] = [mask, int(field_name == "body"), at]
                    else:
                        seen[0] |= mask
                        seen[1] += field_name == "body"
            if i + 3 <= len(segment):
                tri.setdefault(segment[i:i + 3], []).append(at)
        start += len(segment) + 1


def _weight(mask: int, body_tf: int, length_ratio: float) -> int:
    """BM25F's saturated term frequency, 0-255: fields as presence, the body by count."""
    tf = sum(WEIGHTS[name] for name, bit in MASK.items() if mask & bit and name != "body")
    tf += body_tf / (1 - B + B * length_ratio)
    return min(255, round(255 * tf / (K1 + tf)))


def _length_class(ratio: float) -> int:
    return min(255, round(ratio * 32))


def build(pages: list[Page], synonyms: list[list[str]], pinyin=None) -> dict[str, bytes]:
    """Every file of the index, by path under /search/."""
    pages = sorted(pages, key=lambda p: (p.date, p.url))
    files: dict[str, bytes] = {}
    bodies = [normalise(p.text) for p in pages]
    average = sum(map(len, bodies)) / len(bodies) if pages else 1.0
    postings: dict[str, _Postings] = defaultdict(_Postings)
    values = {name: sorted({v for p in pages for v in p.facets.get(name, ())}) for name, _ in FACETS}
    numbers = {name: {v: i for i, v in enumerate(vs)} for name, vs in values.items()}
    chunks: list[bytearray] = []
    for ordinal, (page, body) in enumerate(zip(pages, bodies, strict=True)):
        ratio = (len(body) or 1) / (average or 1)
        uni, bi, tri = {}, {}, {}
        fields = _fields(page, pinyin)
        for name, text in (*fields.items(), ("body", body)):
            _grams(text, BASES[name], uni, bi, tri, name)
        for table_ in (uni, bi):
            for gram, (mask, tf, first) in table_.items():
                out = postings[gram].start(ordinal)
                out += bytes((mask, _weight(mask, tf, ratio)))
                varint(out, first)
        for gram, where in tri.items():
            out = postings[gram].start(ordinal)
            varint(out, len(where))
            last = 0
            for at in where:
                varint(out, at - last)
                last = at
        _wenhao_keys(page, postings, ordinal)
        if ordinal % CHUNK == 0:
            chunks.append(bytearray())
        _chunk_entry(chunks[-1], page, ratio, len(fields["title"]), numbers)
        files.update(_card(page, ordinal, BASES["body"]))
    files.update(_shards(postings))
    for k, chunk in enumerate(chunks):
        files[f"c/{k}.bin"] = bytes(chunk)
    files["entry.json"] = _entry(pages, values, synonyms, average, files)
    return files


def _wenhao_keys(page: Page, postings: dict, ordinal: int) -> None:
    own = parse(page.number) if page.number else None
    keys: dict[str, int] = {}
    if own:
        keys[own.key()] = 1
        keys[own.partial_key()] = 1
    for wenhao, _ in cited(page.text):
        if wenhao != own:
            keys.setdefault(wenhao.key(), 2)
    for key, flag in sorted(keys.items()):
        postings[key].start(ordinal).append(flag)


def _chunk_entry(out: bytearray, page: Page, ratio: float, title: int, numbers: dict) -> None:
    out.append(int(page.in_force))
    out.append(_length_class(ratio))
    out.append(min(title, 255))  # an exact title match is a word as long as the title
    for name, _ in FACETS[1:]:  # the year is the range a document's number falls in
        own = sorted(numbers[name][v] for v in page.facets.get(name, ()))
        varint(out, len(own))
        for number in own:
            varint(out, number)


def _card(page: Page, ordinal: int, base: int) -> dict[str, bytes]:
    """The result card and the passages file of one page."""
    where: list[int] = []
    normalise(page.text, where)
    starts, offset, text = [], 0, bytearray()
    for passage in passages(page.text):
        starts.append([base + (where[offset] if offset < len(where) else 0), len(text)])
        text += passage.encode("utf-8")
        offset += len(passage)
    card = {**page.card, "p": starts, "l": len(text)}
    folder = ordinal // CHUNK
    return {f"d/{folder}/{ordinal}.json": _json(card), f"t/{folder}/{ordinal}.txt": bytes(text)}


def _shards(postings: dict[str, _Postings]) -> dict[str, bytes]:
    small = sum(len(p.data) for p in postings.values() if len(p.data) <= BIG)
    buckets = 64
    while buckets * SHARD < small and buckets < 1 << 16:
        buckets *= 2
    grouped: dict[int, list[str]] = defaultdict(list)
    for gram in postings:
        grouped[fnv(gram) % buckets].append(gram)
    files: dict[str, bytes] = {}
    taken: set[int] = set()
    for bucket in range(buckets):
        out = bytearray()
        for gram in sorted(grouped.get(bucket, ())):
            entry = postings[gram]
            name = gram.encode("utf-8")
            varint(out, len(name))
            out += name
            varint(out, entry.df)
            external = len(entry.data) > BIG
            varint(out, len(entry.data) << 1 | external)
            if external:
                number = fnv(gram)
                while number in taken:  # two frequent grams with one hash
                    number = (number + 1) & 0xFFFFFFFF
                taken.add(number)
                varint(out, number)
                files[f"g/{number}.bin"] = bytes(entry.data)
            else:
                out += entry.data
        files[f"i/{bucket}.bin"] = bytes(out)
    files["_buckets"] = str(buckets).encode()
    return files


def _entry(pages: list[Page], values: dict, synonyms: list[list[str]], average: float, files: dict) -> bytes:
    years: list[list] = []
    for ordinal, page in enumerate(pages):
        year = page.date[:4]
        if not years or years[-1][0] != year:
            years.append([year, ordinal])
    totals = {name: [0] * len(vs) for name, vs in values.items()}
    for page in pages:
        for name, vs in values.items():
            for v in page.facets.get(name, ()):
                totals[name][vs.index(v)] += 1
    entry = {
        "format": FORMAT, "count": len(pages), "buckets": int(files.pop("_buckets")), "chunk": CHUNK,
        "bases": BASES, "weights": WEIGHTS, "k1": K1, "b": B, "average": round(average, 1),
        "normalise": table(),
        "facets": [{"key": name, "label": label, "values": values[name], "counts": totals[name]}
                   for name, label in FACETS[1:]],
        "years": years, "synonyms": synonyms,
    }
    return _json(entry)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
