"""Text functions and text comparisons over BLOBs whose bytes are not UTF-8,
differentially against stdlib sqlite3 (func.c's lowerFunc/upperFunc and the others
read sqlite3_value_text(), which hands a BLOB's bytes over as they are; memcmp then
orders such text by its bytes, sqlite3MemCompare / the BINARY and RTRIM collations).

The engine keeps bytes that are not UTF-8 as surrogate escapes in its text values;
these tests check that functions keep the bytes, and that comparing, sorting,
grouping and the aggregates min()/max() order them by bytes (0x88 < 0xE6, although
U+DC88 > U+65E5).  Random byte strings mix ASCII, valid multi-byte characters and
stray continuation / lead bytes; results are compared through hex() where sqlite3
could not hand the text to Python."""

from __future__ import annotations

import random
import sqlite3

import pytest

import engine
from engine import values as V

_PIECES = [b"\x88", b"\xff", b"\xc3", b"\xe6\x97", b"\xe6\x97\xa5", b"\xe6\x9c\xac", b"a",
           b"A", b" ", b"\x00", b"\xc3\xa9", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"Z",
           b"%", b"_", b"\x80", b"\xbf", b"\xef\xbf\xbf"]


def _random_bytes(rng: random.Random) -> bytes:
    return b"".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 7)))


@pytest.fixture(scope="module", params=[1, 2])
def db(request, tmp_path_factory):
    rng = random.Random(request.param)
    path = tmp_path_factory.mktemp("blob_text") / "f.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b, g)")
    rows = [(i, _random_bytes(rng), rng.randrange(3)) for i in range(60)]
    rows += [(60, b"\x88" * 40, 0), (61, "日本", 0), (62, "abc", 1), (63, b"\x41\xff", 2)]
    con.executemany("INSERT INTO t VALUES(?,?,?)", rows)
    con.commit()
    con.close()
    return str(path)


def _both(path, sql):
    out = []
    for connect in (sqlite3.connect, engine.connect):
        con = connect(path)
        try:
            out.append(("rows", con.execute(sql).fetchall()))
        except (sqlite3.Error, engine.Error) as exc:
            # the text quoted in "Could not decode to UTF-8 ... with text '...'" is
            # rendered by another layer (the DB-API module), not compared here
            out.append(("error", type(exc).__name__, str(exc).split(" with text ")[0]))
        finally:
            con.close()
    return out


_FUNCTIONS = [
    "hex(lower(b))", "hex(upper(b))", "hex(upper(lower(b)))", "typeof(lower(b))",
    "hex(trim(b))", "hex(ltrim(b, 'a'))", "hex(rtrim(b, x'ff'))", "hex(trim(b, x'88'))",
    "length(lower(b))", "length(cast(b AS TEXT))", "hex(substr(lower(b), 2))",
    "hex(substr(cast(b AS TEXT), 1, 2))", "instr(lower(b), 'a')",
    "instr(lower(b), cast(x'88' AS TEXT))", "hex(replace(lower(b), 'a', 'bb'))",
    "unicode(upper(b))", "hex(quote(lower(b)))", "hex(lower(b) || 'x')",
    "lower(b) LIKE '%a%'", "upper(b) GLOB '*A*'", "hex(printf('%s', lower(b)))",
    "lower(b) = cast(b AS TEXT)", "upper(b) == lower(b)", "hex(soundex(b))",
]


@pytest.mark.parametrize("expr", _FUNCTIONS)
def test_text_functions_keep_the_bytes(db, expr):
    ref, got = _both(db, f"SELECT id, {expr} FROM t ORDER BY id")
    assert got == ref


_ORDERED = [
    "SELECT id FROM t ORDER BY lower(b), id",
    "SELECT id FROM t ORDER BY upper(b) DESC, id",
    "SELECT id FROM t ORDER BY cast(b AS TEXT), id",
    "SELECT id FROM t ORDER BY lower(b) COLLATE RTRIM, id",
    "SELECT id FROM t ORDER BY lower(b) COLLATE NOCASE, id",
    "SELECT hex(lower(b)), count(*) FROM t GROUP BY lower(b) ORDER BY 1",
    "SELECT hex(x) FROM (SELECT DISTINCT upper(b) AS x FROM t) ORDER BY 1",
    "SELECT id, row_number() OVER (ORDER BY lower(b), id) FROM t ORDER BY id",
]


@pytest.mark.parametrize("sql", _ORDERED)
def test_sorting_and_grouping_by_bytes(db, sql):
    ref, got = _both(db, sql)
    assert got == ref



_COMPARED = [
    # regression 5f2f9c272b: sqlite3 returns '日本', the stray bytes 0x88.. sort lower
    ("SELECT max(lower(b) COLLATE BINARY) FROM t WHERE id IN (60, 61)"),
    ("SELECT hex(max(lower(b))), hex(min(upper(b))) FROM t"),
    ("SELECT g, hex(max(lower(b))), hex(min(lower(b))) FROM t GROUP BY g "
                 "ORDER BY g"),
    ("SELECT id, lower(b) < '日本', upper(b) >= 'é', lower(b) BETWEEN 'a' AND "
                 "'日本' FROM t ORDER BY id"),
    "SELECT hex(max(lower(b) COLLATE RTRIM)), hex(min(upper(b) COLLATE NOCASE)) FROM t",
    "SELECT id, lower(b) COLLATE RTRIM < '日本', upper(b) > 'é' COLLATE NOCASE FROM t "
    "ORDER BY id",
]


@pytest.mark.parametrize("sql", _COMPARED)
def test_comparisons_and_min_max_by_bytes(db, sql):
    ref, got = _both(db, sql)
    assert got == ref


def test_values_compare_orders_like_memcmp():
    """values.compare / sort_key on text holding stray bytes order as sqlite3 does."""
    rng = random.Random(7)
    blobs = sorted({_random_bytes(rng) for _ in range(200)})
    texts = [b.decode("utf-8", "surrogateescape") for b in blobs]
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE s(i, x)")
    con.executemany("INSERT INTO s VALUES(?, cast(? AS TEXT))", list(enumerate(blobs)))
    for coll in ("BINARY", "RTRIM"):
        ref = [i for (i,) in con.execute(f"SELECT i FROM s ORDER BY x COLLATE {coll}, i")]
        got = sorted(range(len(texts)), key=lambda i: (V.sort_key(texts[i], coll), i))
        assert got == ref, coll
        for _ in range(300):
            i, j = rng.randrange(len(texts)), rng.randrange(len(texts))
            (want,) = con.execute(
                f"SELECT (SELECT x FROM s WHERE i={i}) < (SELECT x FROM s WHERE i={j}) "
                f"COLLATE {coll}").fetchone()
            assert (V.compare(texts[i], texts[j], coll) < 0) == bool(want), (coll, i, j)
