"""The index builder's array arithmetic against the plain arithmetic it stands for: the
varints, the packed sort, and a cache entry's round trip, each on generated data, and
whole indexes built both ways compared byte for byte."""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from gongkai import search
from gongkai.search import index, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus  # noqa: E402
from search import index_pages  # noqa: E402  (benchmarks/search.py)


def _plain(values) -> bytes:
    out = bytearray()
    for value in values:
        index.varint(out, int(value))
    return bytes(out)


@pytest.mark.parametrize("seed", range(4))
def test_varints_are_the_varint_of_each_value(seed):
    rng = random.Random(seed)
    edges = [0, 1, 127, 128, 255, 16383, 16384, 2**21 - 1, 2**21, 2**35, 2**63 - 1, 2**64 - 1]
    values = [rng.choice(edges) if rng.random() < 0.3 else rng.randrange(2 ** rng.randrange(1, 64))
              for _ in range(rng.randrange(0, 3000))]
    data, starts = index.varints(np.array(values, dtype=np.uint64))
    assert data.tobytes() == _plain(values)
    assert [len(_plain(values[:k])) for k in range(len(values))] == starts.tolist()


def test_varints_of_nothing():
    data, starts = index.varints(np.zeros(0, dtype=np.uint64))
    assert len(data) == 0 and len(starts) == 0


@pytest.mark.parametrize("size,letters", [(1, 50), (2, 3000), (3, 6000), (3, 200_000), (2, 1), (3, 2)])
def test_the_packed_sort_is_the_stable_sort_of_the_grams(size, letters):
    """Few letters: one packed sort; 200,000 letters in three-character grams do not pack
    (3 × 18 bits and the places): the stable sort itself. Either way the same order."""
    rng = np.random.default_rng(size * letters)
    alphabet = np.sort(rng.choice(np.arange(1, 0x40000, dtype=np.uint32), size=letters, replace=False))
    columns = [alphabet[rng.integers(0, letters, size=20_000)] for _ in range(size)]
    dense = index._dense(np.concatenate(columns))
    order, key = index._sorted(columns, dense)
    expected = np.argsort(index._key(columns), kind="stable")
    assert np.array_equal(order, expected)
    assert np.array_equal(np.diff(key) != 0, np.diff(index._key(columns)[expected]) != 0), "equal grams, equal keys"


@pytest.fixture(scope="module")
def pages():
    made = index_pages(corpus.documents(300, seed=5))
    return made, [index.prepare(p, search._pinyin) for p in made]


def _synonyms():
    return [list(g) for g in settings._groups(settings.DEFAULT_SYNONYMS, None, None)]


def test_an_index_is_the_same_without_the_packed_sort(pages, monkeypatch):
    packed = index.build(*pages, _synonyms())

    def stable(columns, dense):
        key = index._key(columns)
        order = np.argsort(key, kind="stable")
        return order, key[order]

    monkeypatch.setattr(index, "_sorted", stable)
    assert index.build(*pages, _synonyms()) == packed


def test_an_index_from_cache_entries_is_the_same(pages):
    """Prepared as the build cache gives it back: JSON, its keys sorted."""
    made, prepared = pages
    again = [index.Prepared.of(json.loads(json.dumps(asdict(p), sort_keys=True))) for p in prepared]
    assert index.build(made, again, _synonyms()) == index.build(made, prepared, _synonyms())


def test_pages_in_any_order_make_the_same_index(pages):
    made, prepared = pages
    shuffled = list(range(len(made)))
    random.Random(3).shuffle(shuffled)
    assert (index.build([made[k] for k in shuffled], [prepared[k] for k in shuffled], _synonyms())
            == index.build(made, prepared, _synonyms()))
