"""The search index: positional character n-grams in hash-bucketed shards, so a query
downloads the entry file, the shards of its own grams and, for the results it shows,
their cards and one passage each. Everything ranking needs is in the postings; the
facet chunks are fetched only when a reader asks for the facets or applies one.

Layout under /search/ (the format search.js reads; numbers are unsigned LEB128 varints):
- entry.json: counts, field bases and weights, the normalisation table, facet values,
  synonyms, the year of each range of documents.
- i/B.bin: the grams hashing (FNV-1a over code points, modulo the bucket count) to bucket
  B: per gram its UTF-8 length and bytes, df, then (size << 1 | external) and either the
  postings or the number of the file g/N.bin that holds them (a frequent gram).
  Postings run in document order, each starting with the gap to the previous document.
  A document's rank facts ride along: S, not in force (1 bit); N, its body length class
  (3 bits: round(2 log2(length / average)) + 4, clipped to 0..7); T, its title length
  (only where the gram is in the title, so only those postings pay for it).
  Field mask bits: title 1, 文号 2, agency 4, pinyin 8, initials 16.
  1 character: tf << 6 | S << 5 | mask, then T if in the title;
  2 characters: tf << 5 | mask, then (1 + its first position in the body, 0: none) << 1
  | S, then T if in the title; tf is the body count already divided by BM25's length
  norm (1 - b + b × length / average), rounded, at least 1;
  3 characters: (count - 1) << 4 | S << 3 | N, the positions as gaps (a position says
  its field: BASES), then T if the first position is in the title;
  文号 keys (#代字#年#号, #代字#年): S << 2 | 1 own / 2 cited.
- c/K.bin: documents K*CHUNK …: each facet's value number + 1 (0: none), or for a facet
  marked multi in entry.json the number of values and their numbers.
- d/K/N.json: what result N shows, and in "p" where each passage of t/K/N.txt starts
  (its index position and byte offset, each as the gap to the previous passage's, in
  DIGITS: five bits a character, 32 added while more follow): the snippet is fetched
  with a Range request for one passage (the whole file where a server ignores Range).
Documents are numbered by date, oldest first, so a new document adds at the end and a
year is a range of numbers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..progress import QUIET, Progress
from .extract import passages
from .normalize import codes, table
from .wenhao import cited, own, parse

FORMAT = 2
CHUNK = 64  # documents per facet chunk
BIG = 1024  # postings larger than this get a file of their own
SHARD = 4096  # bytes of small postings a bucket aims at
COPY = 1 << 22  # bytes laid out at once
PART = 1 << 21  # characters whose grams are sorted at once (about 100 bytes each at the peak)
# Where each field's positions start: a position says which field it is in.
# Full pinyin counts only for words of PINYIN_WORD letters or more (search.js): shorter
# Latin words would match across syllables (gb in jingban).
BASES = {"title": 0, "number": 256, "agency": 320, "pinyin": 768, "initials": 1024, "body": 1280}
WEIGHTS = {"title": 8.0, "number": 4.0, "agency": 2.0, "pinyin": 1.5, "initials": 1.5, "body": 1.0}
PINYIN_WORD = 5
K1, B = 1.2, 0.75
_U = np.uint64
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
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


def varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LEB128 of every value at once: the bytes, and where each value's bytes start."""
    values = values.astype(np.uint64, copy=False)
    top = int(values.max()) if len(values) else 0
    sizes = np.ones(len(values), dtype=np.int64)
    for shift in range(7, top.bit_length(), 7):
        sizes += values >= np.uint64(1 << shift)
    starts = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    # Every value's first byte at once; then, byte by byte, only the values that go on
    # (few: most numbers in postings are below 128).
    out[starts] = (values & np.uint64(0x7F)).astype(np.uint8) | (sizes > 1).astype(np.uint8) << 7
    going, k = np.nonzero(sizes > 1)[0], 1
    while len(going):
        size = sizes[going]
        byte = (values[going] >> np.uint64(7 * k)) & np.uint64(0x7F)
        out[starts[going] + k] = byte.astype(np.uint8) | (size > k + 1).astype(np.uint8) << 7
        going, k = going[size > k + 1], k + 1
    return out, starts


def fnv(text: str) -> int:
    """The bucket hash: FNV-1a over code points (search.js computes the same)."""
    h = 0x811C9DC5
    for char in text:
        h = ((h ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return h


def _fnv_arrays(*columns: np.ndarray) -> np.ndarray:
    h = np.full(len(columns[0]), 0x811C9DC5, dtype=np.uint32)
    for column in columns:
        h = (h ^ column.astype(np.uint32)) * np.uint32(0x01000193)
    return h


def _fields(page: Page, pinyin) -> dict[str, np.ndarray]:
    """Each field's normalised code points (0 between segments), capped to the room its
    base leaves."""
    own = parse(page.number) if page.number else None
    texts = {"title": page.title, "number": str(own) if own else page.number, "agency": "\n".join(page.agencies)}
    if pinyin:
        spelled = [pinyin(t) for t in (page.title, *page.agencies) if t]
        texts["pinyin"] = "\n".join(full for full, _ in spelled)
        texts["initials"] = "\n".join(initials for _, initials in spelled)
    names = list(BASES)
    fields = {}
    for name, text in texts.items():
        room = BASES[names[names.index(name) + 1]] - BASES[name] - 1
        fields[name] = codes(text)[:room]
    return fields


class _Grams:
    """Every document's characters as flat arrays, from which the n-grams are cut."""

    def __init__(self) -> None:
        self.codes: list[np.ndarray] = []
        self.positions: list[np.ndarray] = []
        self.docs: list[np.ndarray] = []

    def add(self, ordinal: int, name: str, text: np.ndarray) -> None:
        # A 0 after each field, so no gram spans two fields.
        self.codes.append(np.append(text, 0).astype(np.uint32))
        self.positions.append(np.arange(BASES[name], BASES[name] + len(text) + 1, dtype=np.uint32))
        self.docs.append(np.full(len(text) + 1, ordinal, dtype=np.uint32))

    def arrays(self):
        if not self.codes:
            return np.zeros(0, np.uint32), np.zeros(0, np.uint32), np.zeros(0, np.uint32)
        return np.concatenate(self.codes), np.concatenate(self.positions), np.concatenate(self.docs)


# A position's field is the last base at or below it; the mask bit of field i is 1 << i.
_STARTS = np.array(sorted(BASES.values()), dtype=np.uint32)
BODY = len(BASES) - 1


def _cut(codes_: np.ndarray, size: int, buckets: int, parts: int, part: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Where each gram of `size` characters (no 0 inside it) whose bucket is `part`
    modulo `parts` starts, and its characters."""
    n = len(codes_) - size + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64), [np.zeros(0, np.uint32)] * size
    views = [codes_[k:k + n] for k in range(size)]
    mine = np.logical_and.reduce([c != 0 for c in views])
    if parts > 1:
        mine &= (_fnv_arrays(*views) % np.uint32(buckets)) % np.uint32(parts) == part
    at = np.nonzero(mine)[0]
    return at, [codes_[at + k] for k in range(size)]


def _key(columns: list[np.ndarray]) -> np.ndarray:
    key = np.zeros(len(columns[0]), dtype=np.uint64)
    for column in columns:  # kept code points are below 2**18
        key = (key << np.uint64(18)) | column.astype(np.uint64)
    return key


@dataclass
class _Ranks:
    """What ranking needs of each document, by number: carried in its postings."""

    stale: np.ndarray  # 1: not in force
    norm: np.ndarray  # BM25's length norm, 1 - b + b * length / average
    length: np.ndarray  # the length class N
    title: np.ndarray  # characters in the title

    @staticmethod
    def of(pages: list[Page], bodies: list[int], titles: list[int]) -> _Ranks:
        lengths = np.array(bodies, dtype=np.float64)
        ratio = np.maximum(lengths, 1) / max(float(lengths.mean()) if len(lengths) else 1.0, 1.0)
        return _Ranks(np.array([not p.in_force for p in pages], dtype=np.uint64), 1 - B + B * ratio,
                      np.clip(np.rint(2 * np.log2(ratio)) + 4, 0, 7).astype(np.uint64),
                      np.array(titles, dtype=np.uint64))


def _dense(codes_: np.ndarray) -> np.ndarray:
    """A number for each character the site uses, in code point order, so that a gram's
    characters pack into fewer bits: a table from code point to that number."""
    alphabet = np.unique(codes_)
    table = np.zeros(int(alphabet[-1]) + 1 if len(alphabet) else 1, dtype=np.uint64)
    table[alphabet] = np.arange(len(alphabet), dtype=np.uint64)
    return table


def _sorted(columns: list[np.ndarray], dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grams' order by their characters, earlier ones first among equal grams (so
    documents and positions stay in order), and their keys in that order. One plain
    sort of (gram, place) packed into an integer where they fit, which is many times
    faster than the stable sort it stands for; else that stable sort."""
    count = len(columns[0])
    letter, place = max(int(dense[-1]), 1).bit_length(), max(count - 1, 1).bit_length()
    if len(columns) * letter + place > 64:
        key = _key(columns)
        order = np.argsort(key, kind="stable")
        return order, key[order]
    key = np.zeros(count, dtype=np.uint64)
    for column in columns:
        key = key << _U(letter) | dense[column]
    packed = np.sort(key << _U(place) | np.arange(count, dtype=np.uint64))
    return (packed & _U((1 << place) - 1)).astype(np.int64), packed >> _U(place)


def _postings(size: int, codes_, positions, docs, dense, ranks: _Ranks, buckets: int, parts: int, part: int) -> Entries:
    """The entries of the grams of `size` characters whose bucket is `part` modulo
    `parts` (one share of the index at a time bounds the memory), in gram order."""
    at, columns = _cut(codes_, size, buckets, parts, part)
    order, key = _sorted(columns, dense)
    chosen = at[order]
    doc, pos = docs[chosen], positions[chosen]
    field = np.searchsorted(_STARTS, pos, side="right") - 1
    if not len(key):
        return Entries(*(np.zeros(0, t) for t in (np.uint8, np.int64, np.int64, np.int64, np.uint8)),
                       np.zeros(1, np.int64), np.zeros(0, np.uint32))
    new_group = np.concatenate(([True], (key[1:] != key[:-1]) | (doc[1:] != doc[:-1])))
    new_key = np.concatenate(([True], key[1:] != key[:-1]))
    starts = np.nonzero(new_group)[0]
    group_doc = doc[starts]
    group_key_start = new_key[starts]
    previous = np.concatenate(([0], group_doc[:-1]))
    gap = np.where(group_key_start, group_doc, group_doc - previous).astype(np.uint64)
    if size < 3:
        flat, group_value_start = _counted(size, gap, field, pos, starts, ranks, group_doc)
    else:
        flat, group_value_start = _positional(gap, pos, starts, len(key), ranks, group_doc)
    data, value_starts = varints(flat)
    key_groups = np.nonzero(group_key_start)[0]
    gram_columns = [c[order[starts[key_groups]]] for c in columns]  # each gram's characters, once
    text = np.stack(gram_columns, axis=1).astype("<u4").tobytes().decode("utf-32-le")
    return Entries(
        names=np.frombuffer(text.encode("utf-8"), dtype=np.uint8),
        name_sizes=sum(_utf8_size(c) for c in gram_columns),
        order=_key(gram_columns).astype(np.int64) + (size << 56),
        df=np.diff(np.append(key_groups, len(starts))),
        data=data, data_starts=np.append(value_starts[group_value_start][key_groups], len(data)),
        hashes=_fnv_arrays(*gram_columns),
    )



def _counted(size: int, gap, field, pos, starts, ranks: _Ranks, doc) -> tuple[np.ndarray, np.ndarray]:
    """One- and two-character postings (the module docstring): the values in order, and
    where each document's values start."""
    body = field == BODY
    bits = np.where(body, 0, np.left_shift(1, field.astype(np.uint16))).astype(np.uint16)
    mask = np.bitwise_or.reduceat(bits, starts).astype(np.uint64)
    tf = np.add.reduceat(body.astype(np.uint32), starts)
    tf = np.where(tf > 0, np.maximum(1, np.rint(tf / ranks.norm[doc])), 0).astype(np.uint64)
    stale = ranks.stale[doc]
    if size == 1:
        columns = [gap, tf << _U(6) | stale << _U(5) | mask]
    else:
        first = np.minimum.reduceat(np.where(body, pos.astype(np.int64) - BASES["body"] + 1, 1 << 40), starts)
        first = np.where(first >= 1 << 40, 0, first).astype(np.uint64)
        columns = [gap, tf << _U(5) | mask, first << _U(1) | stale]
    columns.append(ranks.title[doc])
    keep = np.ones((len(starts), len(columns)), dtype=bool)
    keep[:, -1] = (mask & _U(1)) != 0  # the title length only where the gram is in the title
    per_group = keep.sum(axis=1)
    return np.stack(columns, axis=1)[keep], np.cumsum(per_group) - per_group


def _positional(gap, pos, starts, size: int, ranks: _Ranks, doc) -> tuple[np.ndarray, np.ndarray]:
    """Three-character postings: gap, header, position gaps, the title length if the
    first position is in the title."""
    counts = np.diff(np.append(starts, size))
    pos_gap = pos.astype(np.int64) - np.concatenate(([0], pos[:-1])).astype(np.int64)
    pos_gap[starts] = pos[starts]
    titled = pos[starts] < BASES["number"]
    extra = titled.astype(np.int64)
    before = np.cumsum(extra) - extra
    groups = np.arange(len(starts))
    group_value_start = starts + 2 * groups + before
    flat = np.empty(size + 2 * len(starts) + int(extra.sum()), dtype=np.uint64)
    within = np.repeat(groups, counts)
    flat[np.arange(size) + 2 * (within + 1) + before[within]] = pos_gap
    flat[group_value_start] = gap
    flat[group_value_start + 1] = (counts.astype(np.uint64) - _U(1)) << _U(4) | ranks.stale[doc] << _U(3) | ranks.length[doc]
    flat[(group_value_start + 2 + counts)[titled]] = ranks.title[doc][titled]
    return flat, group_value_start


def _utf8_size(column: np.ndarray) -> np.ndarray:
    return 1 + (column >= 0x80).astype(np.int64) + (column >= 0x800) + (column >= 0x10000)


@dataclass
class Entries:
    """Index keys and their postings as arrays, in `order` (a sort key within a bucket)."""

    names: np.ndarray  # the keys' UTF-8 bytes, one after another
    name_sizes: np.ndarray
    order: np.ndarray
    df: np.ndarray
    data: np.ndarray  # the postings, one key's after another
    data_starts: np.ndarray  # len(keys) + 1 offsets into data

    hashes: np.ndarray

    def subset(self, keep: np.ndarray) -> Entries:
        """The keys where keep is true (few: the 文号 keys)."""
        names = np.split(self.names, np.cumsum(self.name_sizes)[:-1]) if len(self.name_sizes) else []
        data = [self.data[a:b] for a, b in zip(self.data_starts[:-1], self.data_starts[1:], strict=True)]
        chosen = np.nonzero(keep)[0]
        return Entries(
            np.concatenate([names[i] for i in chosen]) if len(chosen) else np.zeros(0, np.uint8),
            self.name_sizes[chosen], self.order[chosen], self.df[chosen],
            np.concatenate([data[i] for i in chosen]) if len(chosen) else np.zeros(0, np.uint8),
            np.append(0, np.cumsum([len(data[i]) for i in chosen])).astype(np.int64), self.hashes[chosen],
        )

    @staticmethod
    def join(parts: list[Entries]) -> Entries:
        cat = np.concatenate
        offsets = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
        return Entries(
            cat([p.names for p in parts]), cat([p.name_sizes for p in parts]), cat([p.order for p in parts]),
            cat([p.df for p in parts]), cat([p.data for p in parts]),
            np.append(cat([p.data_starts[:-1] + o for p, o in zip(parts, offsets, strict=True)]), sum(len(p.data) for p in parts)),
            cat([p.hashes for p in parts]),
        )


@dataclass
class Prepared:
    """What the index takes from one page, made from that page alone (so a build cache
    can keep it): each field's normalised characters and the body's, as text with "\0"
    between segments; the result card and the passages file; the 文号 its body cites."""

    fields: dict[str, str]
    body: str
    card: dict
    passages: str
    cited: list[str]

    @staticmethod
    def of(value) -> Prepared | None:
        """A Prepared from its JSON (a cache entry), or None where it has another shape."""
        try:
            made = Prepared(**value)
        except TypeError:
            return None
        texts = [made.body, made.passages, *made.fields.values(), *made.cited] if isinstance(made.fields, dict) else [0]
        if not (all(isinstance(t, str) for t in texts) and isinstance(made.card, dict) and isinstance(made.cited, list)
                and {"title", "number", "agency"} <= set(made.fields) <= set(BASES) - {"body"}):
            return None
        return made


def prepare(page: Page, pinyin=None) -> Prepared:
    body, where = codes(page.text, where=True)
    card, text = _card(page, where)
    return Prepared({name: _text(value) for name, value in _fields(page, pinyin).items()}, _text(body), card, text,
                    list(dict.fromkeys(wenhao.key() for wenhao, _ in cited(page.text))))


def _text(points: np.ndarray) -> str:
    return points.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def build(pages: list[Page], prepared: list[Prepared], synonyms: list[list[str]],
          progress: Progress = QUIET) -> dict[str, bytes]:
    """Every file of the index, by path under /search/, from the pages and what
    prepare() made of each."""
    order = sorted(range(len(pages)), key=lambda k: (pages[k].date, pages[k].url))
    pages, prepared = [pages[k] for k in order], [prepared[k] for k in order]
    files: dict[str, bytes] = {}
    grams = _Grams()
    bodies, titles = [], []
    for ordinal, made in enumerate(prepared):
        body = _points(made.body)
        bodies.append(len(body))
        titles.append(len(made.fields["title"]))
        for name in BASES:  # in this order, whatever order a cache entry's JSON gave them
            if name in made.fields:
                grams.add(ordinal, name, _points(made.fields[name]))
        grams.add(ordinal, "body", body)
        folder = ordinal // CHUNK
        files[f"d/{folder}/{ordinal}.json"] = _json(made.card)
        files[f"t/{folder}/{ordinal}.txt"] = made.passages.encode("utf-8")
    ranks = _Ranks.of(pages, bodies, titles)
    arrays = grams.arrays()
    buckets = _bucket_count(len(arrays[0]))
    dense = _dense(arrays[0])
    parts = min(buckets, 1 << max(0, (len(arrays[0]) // PART).bit_length()))
    wenhao = _wenhao_entries(pages, prepared)
    taken: set[int] = set()
    with progress.stage("搜索索引：排列词元", parts, "份") as step:
        for part in range(parts):
            own = (wenhao.hashes % np.uint32(buckets)) % np.uint32(parts) == part
            entries = Entries.join([*(_postings(size, *arrays, dense, ranks, buckets, parts, part) for size in (1, 2, 3)),
                                    wenhao.subset(own)])
            files.update(_shards(entries, buckets, (parts, part), taken))
            step.advance()
    files["_buckets"] = str(buckets).encode()
    values = {name: sorted({v for p in pages for v in p.facets.get(name, ())}) for name, _ in FACETS}
    numbers = {name: {v: i for i, v in enumerate(vs)} for name, vs in values.items()}
    multi = {name for name, _ in FACETS if any(len(p.facets.get(name, ())) > 1 for p in pages)}
    for k in range(0, len(pages), CHUNK):
        chunk = bytearray()
        for page in pages[k:k + CHUNK]:
            _chunk_entry(chunk, page, numbers, multi)
        files[f"c/{k // CHUNK}.bin"] = bytes(chunk)
    files["entry.json"] = _entry(pages, values, synonyms, files, multi)
    return files


def _wenhao_entries(pages: list[Page], prepared: list[Prepared]) -> Entries:
    """The 文号 keys: a document's own (flag 1) and those its body cites (flag 2)."""
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ordinal, (page, made) in enumerate(zip(pages, prepared, strict=True)):
        mine = own(page.number) if page.number else []
        keys: dict[str, int] = {}
        for wenhao in mine:
            keys[wenhao.key()] = 1
            keys[wenhao.partial_key()] = 1
        for key in made.cited:
            keys.setdefault(key, 2)
        for key, flag in keys.items():
            postings[key].append((ordinal, int(not page.in_force) << 2 | flag))
    names, data, starts = bytearray(), bytearray(), [0]
    sizes, dfs = [], []
    ordered = sorted(postings)
    for key in ordered:
        encoded = key.encode("utf-8")
        names += encoded
        sizes.append(len(encoded))
        last = 0
        for ordinal, flag in postings[key]:
            varint(data, ordinal - last)
            data.append(flag)
            last = ordinal
        starts.append(len(data))
        dfs.append(len(postings[key]))
    return Entries(np.frombuffer(bytes(names), np.uint8), np.array(sizes, np.int64),
                   (9 << 56) + np.arange(len(ordered), dtype=np.int64), np.array(dfs, np.int64),
                   np.frombuffer(bytes(data), np.uint8), np.array(starts, np.int64),
                   np.array([fnv(k) for k in ordered], dtype=np.uint32))


def _chunk_entry(out: bytearray, page: Page, numbers: dict, multi: set[str]) -> None:
    """Each facet's value (number + 1, 0: none; for a facet with several values to a
    document, their count and numbers)."""
    for name, _ in FACETS[1:]:  # the year is the range a document's number falls in
        own = sorted(numbers[name][v] for v in page.facets.get(name, ()))
        if name in multi:
            varint(out, len(own))
            for number in own:
                varint(out, number)
        else:
            varint(out, own[0] + 1 if own else 0)


def _card(page: Page, where) -> tuple[dict, str]:
    """The result card and the passages file of one page; the card says at which index
    position each passage starts, so a snippet fetches the passage a match is in."""
    starts, offset, size, last = [], 0, 0, (0, 0)
    for passage in passages(page.text):
        here = (BASES["body"] + int(where[offset]), size)
        starts += [here[0] - last[0], here[1] - last[1]]
        last = here
        size += len(passage.encode("utf-8"))
        offset += len(passage)
    return {**page.card, "p": _digits(starts), "l": size}, page.text


def _digits(values: list[int]) -> str:
    out = []
    for value in values:
        while value >= 32:
            out.append(DIGITS[32 | value & 31])
            value >>= 5
        out.append(DIGITS[value])
    return "".join(out)


def _bucket_count(characters: int) -> int:
    """Buckets enough for about SHARD bytes each (an index takes about 6 bytes of bucket
    per character indexed), a power of two from 64 to 65,536."""
    buckets = 64
    while buckets * SHARD < characters * 6 and buckets < 1 << 16:
        buckets *= 2
    return buckets


def _shards(entries: Entries, buckets: int, share: tuple[int, int], taken: set[int]) -> dict[str, bytes]:
    """Each key's entry in its hash bucket: its name, df, then its postings, or for a
    frequent key the number of the file of its own that holds them (so fetching its
    bucket does not fetch them for every other key there). Laid out with array copies."""
    sizes = np.diff(entries.data_starts)
    external = sizes > BIG
    bucket = entries.hashes % np.uint32(buckets)
    order = np.lexsort((entries.order, bucket))
    numbers = _file_numbers(entries.hashes, external, order, taken)
    name_starts = np.cumsum(entries.name_sizes) - entries.name_sizes
    pieces = [  # (bytes, start of each key's piece in them, its length), in entry layout order
        _piece(*varints(entries.name_sizes)),
        (entries.names, name_starts, entries.name_sizes),
        _piece(*varints(entries.df)),
        _piece(*varints(sizes.astype(np.uint64) << np.uint64(1) | external.astype(np.uint64))),
        _tail(entries, external, numbers),
    ]
    lengths = sum(length for _, _, length in pieces)[order]
    ends = np.cumsum(lengths)
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    at = ends - lengths
    for source, starts, length in pieces:
        _copy(out, at, source, starts[order], length[order])
        at = at + length[order]
    files: dict[str, bytes] = {}
    bounds = np.searchsorted(bucket[order], np.arange(buckets + 1))
    byte_bounds = np.append(ends - lengths, len(out))[bounds]
    for b in range(share[1], buckets, share[0]):  # this share's buckets, also the empty ones
        files[f"i/{b}.bin"] = out[byte_bounds[b]:byte_bounds[b + 1]].tobytes()
    for k in np.nonzero(external)[0]:
        files[f"g/{numbers[k]}.bin"] = entries.data[entries.data_starts[k]:entries.data_starts[k + 1]].tobytes()
    return files


def _piece(data: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return data, starts, np.diff(np.append(starts, len(data)))


def _tail(entries: Entries, external: np.ndarray, numbers: np.ndarray):
    """The postings inline, or the varint of their file's number."""
    pointer, pointer_starts = varints(numbers)
    pointer_sizes = np.diff(np.append(pointer_starts, len(pointer)))
    data = np.concatenate((entries.data, pointer))
    starts = np.where(external, pointer_starts + len(entries.data), entries.data_starts[:-1])
    sizes = np.where(external, pointer_sizes, np.diff(entries.data_starts))
    return data, starts, sizes


def _file_numbers(hashes: np.ndarray, external: np.ndarray, order: np.ndarray, taken: set[int]) -> np.ndarray:
    """A file number per frequent key: its hash, moved on where two share one."""
    numbers = np.zeros(len(hashes), dtype=np.uint64)
    for k in order[external[order]]:
        number = int(hashes[k])
        while number in taken:
            number = (number + 1) & 0xFFFFFFFF
        taken.add(number)
        numbers[k] = number
    return numbers


def _copy(out: np.ndarray, at: np.ndarray, source: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> None:
    """out[at[i]:at[i]+lengths[i]] = source[starts[i]:starts[i]+lengths[i]] for every i,
    a few million bytes at a time (the index arrays are 8 bytes per byte copied)."""
    ends = np.cumsum(lengths)
    first = 0
    while first < len(lengths):
        last = max(int(np.searchsorted(ends, ends[first] - lengths[first] + COPY, side="right")), first + 1)
        size = lengths[first:last]
        total = int(size.sum())
        if total:
            segment = np.repeat(np.arange(first, last), size)
            within = np.arange(total) - np.repeat(np.cumsum(size) - size, size)
            out[at[segment] + within] = source[starts[segment] + within]
        first = last


def _entry(pages: list[Page], values: dict, synonyms: list[list[str]], files: dict, multi: set[str]) -> bytes:
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
        "bases": BASES, "weights": WEIGHTS, "pinyinWord": PINYIN_WORD, "k1": K1, "b": B,
        "normalise": table(),
        "facets": [{"key": name, "label": label, "values": values[name], "counts": totals[name],
                    "multi": name in multi}
                   for name, label in FACETS[1:]],
        "years": years, "synonyms": synonyms,
    }
    return _json(entry)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
