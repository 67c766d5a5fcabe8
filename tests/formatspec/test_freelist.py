"""Freelist trunk pages and the freelist walk (formatspec/freelist.py) against sqlite3."""

from __future__ import annotations

import sqlite3
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatspec import FormatError
from formatspec.freelist import (
    FreelistTrunkPage,
    max_trunk_leaves,
    read_freelist_trunk,
    walk_freelist,
)


def _db_with_freelist(path, *, page_size=512, rows=900, keep_every=7):
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute("CREATE TABLE t(a, b)")
    con.executemany("INSERT INTO t VALUES (?, randomblob(400))", [(i,) for i in range(rows)])
    con.commit()
    con.execute("DELETE FROM t WHERE a % ? != 0", (keep_every,))
    con.commit()
    freelist_count = con.execute("PRAGMA freelist_count").fetchone()[0]
    used = {p for (p,) in con.execute("SELECT pageno FROM dbstat")}
    page_count = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    return freelist_count, used, page_count


def _pages(data, page_size):
    return lambda pgno: data[(pgno - 1) * page_size:pgno * page_size]


def _header(data):
    first_trunk, count = struct.unpack_from(">II", data, 32)
    return first_trunk, count


@pytest.mark.parametrize("page_size", [512, 1024])
def test_read_freelist_created_by_sqlite3(tmp_path, page_size):
    path = tmp_path / "f.db"
    freelist_count, used, page_count = _db_with_freelist(path, page_size=page_size)
    data = path.read_bytes()
    first_trunk, count = _header(data)
    assert count == freelist_count > 0
    walk = walk_freelist(_pages(data, page_size), first_trunk, count, page_count, page_size)
    assert walk.problems == []
    assert walk.page_total == freelist_count
    assert len(walk) >= 2, "the fixture must need more than one trunk page"
    # every page sqlite3 does not account to a b-tree or overflow chain is on the freelist
    assert set(walk.pages) == set(range(1, page_count + 1)) - used
    assert len(walk.pages) == len(set(walk.pages))
    for trunk, leaves in walk:
        page = _pages(data, page_size)(trunk)
        parsed = FreelistTrunkPage.parse(page, usable_size=page_size, pgno=trunk)
        assert FreelistTrunkPage.build(parsed, usable_size=page_size) == page
        assert list(parsed.leaf_pages) == leaves
        nxt, fast_leaves = read_freelist_trunk(page, page_size)
        assert (nxt, list(fast_leaves)) == (parsed.next_trunk, leaves)


def _corrupt_copy(tmp_path, data, edits):
    bad = bytearray(data)
    for offset, raw in edits:
        bad[offset:offset + len(raw)] = raw
    path = tmp_path / "bad.db"
    path.write_bytes(bad)
    con = sqlite3.connect(path)
    verdict = [r[0] for r in con.execute("PRAGMA integrity_check")]
    con.close()
    return bytes(bad), verdict


def test_corruptions_reported_like_integrity_check(tmp_path):
    page_size = 512
    path = tmp_path / "f.db"
    freelist_count, _, page_count = _db_with_freelist(path, page_size=page_size)
    data = path.read_bytes()
    first_trunk, count = _header(data)
    good = walk_freelist(_pages(data, page_size), first_trunk, count, page_count, page_size)
    second_trunk = good[1][0]
    second_off = (second_trunk - 1) * page_size

    # 1. the second trunk points back to the first: a cycle
    bad, verdict = _corrupt_copy(tmp_path, data, [(second_off, struct.pack(">I", first_trunk))])
    assert verdict != ["ok"]
    with pytest.raises(FormatError, match="cycle"):
        walk_freelist(_pages(bad, page_size), first_trunk, count, page_count, page_size)
    info = walk_freelist(_pages(bad, page_size), first_trunk, count, page_count, page_size,
                         strict=False)
    assert any("cycle" in p.message for p in info.problems)

    # 2. a leaf number beyond the end of the file
    bad, verdict = _corrupt_copy(tmp_path, data, [(second_off + 8, struct.pack(">I", 10**6))])
    assert verdict != ["ok"]
    info = walk_freelist(_pages(bad, page_size), first_trunk, count, page_count, page_size,
                         strict=False)
    assert any("out of range" in p.message and p.page == second_trunk for p in info.problems)

    # 3. the header's count is wrong
    bad, verdict = _corrupt_copy(tmp_path, data, [(36, struct.pack(">I", count + 1))])
    assert verdict != ["ok"]
    with pytest.raises(FormatError, match="header says"):
        walk_freelist(_pages(bad, page_size), first_trunk, count + 1, page_count, page_size)

    # 4. a leaf count too big for the page
    too_big = max_trunk_leaves(page_size) + 1
    bad, verdict = _corrupt_copy(tmp_path, data, [(second_off + 4, struct.pack(">I", too_big))])
    assert verdict != ["ok"]
    info = walk_freelist(_pages(bad, page_size), first_trunk, count, page_count, page_size,
                         strict=False)
    assert any("too big" in p.message for p in info.problems)
    with pytest.raises(FormatError):
        FreelistTrunkPage.parse(_pages(bad, page_size)(second_trunk), usable_size=page_size)
    with pytest.raises(FormatError):
        read_freelist_trunk(_pages(bad, page_size)(second_trunk), page_size)


def test_trunk_pointing_to_itself_terminates():
    usable = 512
    page = struct.pack(">II", 3, 0) + bytes(usable - 8)
    with pytest.raises(FormatError, match="cycle"):
        walk_freelist({3: page}.__getitem__, 3, 1, 10, usable)
    walk = walk_freelist({3: page}.__getitem__, 3, 1, 10, usable, strict=False)
    assert [trunk for trunk, _ in walk] == [3]
    assert walk.page_total == 1 and len(walk.problems) == 1


def test_empty_freelist():
    walk = walk_freelist({}.__getitem__, 0, 0, 10, 512)
    assert list(walk) == [] and walk.problems == []
    with pytest.raises(FormatError, match="header says 2"):
        walk_freelist({}.__getitem__, 0, 2, 10, 512)


layouts = st.sampled_from([512, 1024]).flatmap(
    lambda size: st.integers(0, 32).map(lambda r: (size, size - r)))


@given(layouts.flatmap(lambda lay: st.tuples(
    st.just(lay), st.integers(0, 2**32 - 1),
    st.lists(st.integers(0, 2**32 - 1), max_size=max_trunk_leaves(lay[1])),
    st.binary(min_size=0, max_size=64))))
def test_parse_build_round_trip(case):
    (size, usable), next_trunk, leaves, noise = case
    unused = (noise * (usable // max(1, len(noise)) + 1))[: usable - 8 - 4 * len(leaves)] \
        if noise else bytes(usable - 8 - 4 * len(leaves))
    value = dict(next_trunk=next_trunk, leaf_count=len(leaves), leaf_pages=leaves,
                 unused=unused, reserved=bytes(size - usable))
    page = FreelistTrunkPage.build(value, usable_size=usable)
    assert len(page) == size
    assert FreelistTrunkPage.parse(page, usable_size=usable) == value
    assert read_freelist_trunk(page, usable) == (next_trunk, tuple(leaves))


@given(st.binary(max_size=700), st.integers(450, 700))
def test_fast_twin_agrees_with_schema(page, usable):
    try:
        expected = FreelistTrunkPage.parse(page, usable_size=usable)
    except FormatError:
        with pytest.raises(FormatError):
            read_freelist_trunk(page, usable)
        return
    assert read_freelist_trunk(page, usable) == (expected.next_trunk,
                                                 tuple(expected.leaf_pages))
