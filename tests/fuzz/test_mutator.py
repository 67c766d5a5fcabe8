"""The structure-aware mutator: deterministic, bounded, field-level, checksums kept valid.

Field-level mutations must keep most images readable as databases (header intact, page
size unchanged) while changing them, so that the readers' deep code is reached; WAL and
journal mutations must rebuild valid checksum chains. Compared throughout with what the
readers of formatspec (and sqlite3, for the seeds) say about the result.
"""

from __future__ import annotations

import random
import sqlite3

import pytest

import formatspec as fs
from fuzz import harnesses as H
from fuzz import mutator as M
from fuzz.targets import TARGETS


def _seeds(target):
    return [p.read_bytes() for p in TARGETS[target].replay_inputs()]


@pytest.mark.parametrize("kind", ["image", "image_wal", "image_journal"])
def test_deterministic_bounded_and_changing(kind):
    seeds = _seeds(kind)
    changed = 0
    for i in range(60):
        data = seeds[i % len(seeds)]
        limit = TARGETS[kind].max_len
        a = M.mutate(kind, data, limit, i)
        assert a == M.mutate(kind, data, limit, i)
        assert len(a) <= limit
        changed += a != data
    assert changed >= 50


def test_field_mutations_keep_most_images_readable():
    seeds = [s for s in _seeds("image") if len(s) <= 8192]
    rng = random.Random(7)
    readable = differs = 0
    for i in range(200):
        data = seeds[i % len(seeds)]
        out = M.mutate_image(data, rng, 1 << 17)
        assert out is not None
        differs += out != data
        try:
            h = fs.read_database_header(out)
            readable += h.page_size == fs.read_database_header(data).page_size
        except fs.FormatError:
            pass
    assert differs >= 180
    assert readable >= 150  # a byte-level mutator keeps far fewer


def test_btree_mutations_change_few_bytes_in_one_page():
    data = TARGETS["image"].corpus_dir.joinpath("seed-deep").read_bytes()
    img = M._Image(data)
    rng = random.Random(3)
    for _ in range(100):
        pgno = rng.choice(img.btree_pages())
        work = M._Image(data)
        M._mutate_btree(rng, work, pgno)
        diff = [i for i in range(len(data)) if work.buf[i] != data[i]]
        if diff:
            assert {d // img.page_size + 1 for d in diff} == {pgno}
            assert len(diff) <= 9  # one field: a byte, a u16, a u32 or a varint


def test_mutated_images_are_seen_as_damaged_by_sqlite3(tmp_path):
    """Referee: sqlite3's integrity_check objects to a good share of field mutations."""
    data = TARGETS["image"].corpus_dir.joinpath("seed-deep").read_bytes()
    rng = random.Random(11)
    complaints = 0
    for i in range(30):
        out = M.mutate_image(data, rng, 1 << 17)
        p = tmp_path / f"m{i}.db"
        p.write_bytes(out)
        try:
            con = sqlite3.connect(p)
            rows = con.execute("PRAGMA integrity_check").fetchall()
            con.close()
            complaints += rows != [("ok",)]
        except sqlite3.DatabaseError:
            complaints += 1
    assert complaints >= 10


def test_wal_mutations_rebuild_valid_checksums():
    db, log = H.unpack_pair(_seeds("image_wal")[0])
    before = fs.scan_wal(log)
    assert before.valid_frames > 0
    rng = random.Random(5)
    valid_chains = 0
    for _ in range(40):
        new = M.mutate_wal(db, log, rng, 1 << 18)
        assert new is not None
        scan = fs.scan_wal(new)
        assert scan.header_valid
        if scan.frames and scan.frames[0].checksum_ok:
            valid_chains += 1
    assert valid_chains >= 30


def test_journal_mutations_rebuild_valid_records():
    pairs = [H.unpack_pair(s) for s in _seeds("image_journal")]
    db, log = next((d, j) for d, j in pairs if fs.scan_journal(j).records)
    rng = random.Random(9)
    checked_ok = 0
    for _ in range(40):
        new = M.mutate_journal(db, log, rng, 1 << 18)
        assert new is not None
        scan = fs.scan_journal(new)
        assert scan.header_valid
        checked_ok += any(r.checksum_ok for r in scan.records)
    assert checked_ok >= 20


def test_garbage_falls_back_to_byte_mutation():
    for seed in range(30):
        out = M.mutate("image", b"not a database", 64, seed)
        assert len(out) <= 64
    assert M.mutate_image(b"short", random.Random(0), 100) is None


def test_for_target_uses_the_given_byte_mutator():
    calls = []

    def bytewise(data, limit):
        calls.append(limit)
        return b"B" * min(limit, 3)

    mut = M.for_target("image", bytewise)
    outs = [mut(b"junk", 10, seed) for seed in range(20)]
    assert calls and all(o == b"BBB" for o in outs)
