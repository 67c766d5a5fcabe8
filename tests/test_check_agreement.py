"""``sqlassay check`` against ``PRAGMA integrity_check`` on damaged files.

Base databases written by sqlite3 (several page sizes, encodings, auto-vacuum
modes, free pages, overflow chains, indexes, WITHOUT ROWID tables) are damaged
by :mod:`oracle.corruption` (targeted damage and random bytes); for each
damaged copy we ask both judges whether the file is intact. The default run
damages a few hundred files and asserts the agreement rate; the slow test (or
``python tests/test_check_agreement.py N``) runs thousands and prints the
cases where the two disagree.

Our checker must never fail with anything but CorruptError (counted as "damage
found").
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project root must win over tests/
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import random
import sqlite3
import tempfile
from collections import Counter

import pytest

from engine.errors import CorruptError
from engine.integrity import check
from oracle.corruption import KINDS, damage, layout_of

BASES = [
    # (page_size, auto_vacuum, encoding)
    (512, 0, "UTF-8"),
    (1024, 1, "UTF-8"),
    (4096, 0, "UTF-16le"),
    (1024, 2, "UTF-16be"),
]
MIN_AGREEMENT = 0.97


def make_base(path: Path, page_size: int, auto_vacuum: int, encoding: str, seed: int = 0):
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size={page_size}")
    con.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
    con.execute(f"PRAGMA encoding='{encoding}'")
    con.executescript("""
        CREATE TABLE t(a INTEGER PRIMARY KEY, b, c TEXT COLLATE NOCASE UNIQUE, d REAL);
        CREATE INDEX tb ON t(b);
        CREATE INDEX tdc ON t(d DESC, c);
        CREATE TABLE w(k TEXT, j INTEGER, v, PRIMARY KEY(k, j)) WITHOUT ROWID;
        CREATE INDEX wv ON w(v);
        CREATE TABLE plain(x, y);
    """)
    for i in range(90):
        big = rng.choice([0, 5, 300, 1500, 6000])
        con.execute("INSERT INTO t VALUES(?,?,?,?)",
                    (i * 7 - 300, "b" * big if i % 3 else rng.random(), f"C{i}", i / 3))
        con.execute("INSERT INTO w VALUES(?,?,?)", (f"k{i % 17}" * rng.randint(1, 20), i,
                                                    rng.randbytes(rng.choice([1, 50, 900]))))
        con.execute("INSERT INTO plain VALUES(?,?)", (i, rng.randbytes(rng.choice([3, 700]))))
    con.execute("DELETE FROM t WHERE a % 4 = 0")
    con.execute("DELETE FROM plain WHERE x % 3 = 0")
    con.commit()
    con.close()
    return path


def sqlite3_verdict(path: Path) -> tuple[bool, str]:
    """(intact, first line) as sqlite3 judges the file."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        # a damaged name can make sqlite3's message invalid UTF-8
        con.text_factory = lambda b: b.decode("utf-8", "replace")
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        return False, f"{type(err).__name__}: {err}"
    except UnicodeDecodeError as err:  # an error whose message Python cannot decode
        return False, f"sqlite3 error with a message that is not UTF-8 ({err.object[:60]!r})"
    return rows == ["ok"], rows[0]


def our_verdict(path: Path) -> tuple[bool, str]:
    try:
        problems = check(path)
    except CorruptError as err:
        return False, f"unreadable: {err}"
    return not problems, str(problems[0]) if problems else "ok"


def measure(count: int, workdir: Path, seed: int = 0):
    """Damage ``count`` files; return (agreements, total, disagreements, per-kind totals)."""
    rng = random.Random(seed)
    bases = []
    for n, (ps, av, enc) in enumerate(BASES):
        p = make_base(workdir / f"base{n}.db", ps, av, enc, seed=n)
        bases.append((p, p.read_bytes(), layout_of(p)))
    target = workdir / "damaged.db"
    agree = total = 0
    disagreements = []
    kinds_total = Counter()
    kinds = sorted(KINDS)
    tries = 0
    while total < count and tries < count * 5:
        tries += 1
        path, data, layout = rng.choice(bases)
        kind = rng.choice(kinds)
        d = damage(data, layout, kind, rng)
        if d is None:
            continue
        target.write_bytes(d.data)
        ref_ok, ref_line = sqlite3_verdict(target)
        ours_ok, our_line = our_verdict(target)
        total += 1
        kinds_total[kind] += 1
        if ref_ok == ours_ok:
            agree += 1
        else:
            disagreements.append((kind, d.description, path.name, ref_line, our_line))
    return agree, total, disagreements, kinds_total


def test_bases_are_ok_for_both(tmp_path):
    for n, (ps, av, enc) in enumerate(BASES):
        p = make_base(tmp_path / f"b{n}.db", ps, av, enc, seed=n)
        assert sqlite3_verdict(p) == (True, "ok")
        assert our_verdict(p) == (True, "ok")


def _report(agree, total, disagreements):
    rate = agree / total
    print(f"\nagreement with PRAGMA integrity_check: {agree}/{total} = {rate:.2%}")
    for kind, desc, base, ref, ours in disagreements:
        side = "we flag, sqlite3 says ok" if ref == "ok" else "sqlite3 flags, we say ok"
        print(f"  [{side}] {kind}: {desc} ({base}) | sqlite3: {ref} | ours: {ours}")
    return rate


def test_agreement_on_damaged_files(tmp_path):
    agree, total, disagreements, _kinds = measure(200, tmp_path, seed=1)
    assert total >= 180
    rate = _report(agree, total, disagreements)
    # files sqlite3 flags and we call ok are the failures that matter most
    missed = [d for d in disagreements if d[4] == "ok"]
    assert rate >= MIN_AGREEMENT, disagreements[:10]
    assert len(missed) <= total * 0.02, missed


@pytest.mark.slow
def test_agreement_on_thousands_of_damaged_files(tmp_path):
    agree, total, disagreements, _kinds = measure(3000, tmp_path, seed=2)
    rate = _report(agree, total, disagreements)
    assert rate >= MIN_AGREEMENT


if __name__ == "__main__":  # python tests/test_check_agreement.py [N] [SEED]
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with tempfile.TemporaryDirectory() as d:
        a, t, dis, kinds = measure(n, Path(d), seed)
        _report(a, t, dis)
        print("damage kinds:", dict(sorted(kinds.items())))
