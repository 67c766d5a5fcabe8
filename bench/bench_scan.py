"""Full-table scan: engine.storage against sqlite3 and stream-sqlite, side by side in one run.

Measures, on one machine in one process run:

1. A 200,000-row table of mixed types (integers of every width, short text,
   reals, small blobs, NULLs) read in full with ``Database.rows(table)``,
   with ``sqlite3.connect(p).execute('SELECT rowid, * FROM t')`` and with the
   pure-Python reader ``stream_sqlite.stream_sqlite``. Each reader runs
   ``--repeat`` times, interleaved; the best time of each counts, and the first
   run of ours (cold: a fresh process's first open and scan) is shown too.
   Prints the ratios (target: ours / sqlite3 <= 2.5, stream-sqlite / ours >=
   5) in wall-clock time and in CPU time (all readers run in this process, so
   CPU time is the steadier figure on a loaded machine).
2. A rowid point lookup: pages read from the file against the b-tree depth.
3. Peak resident memory of a child process that scans a large file
   (``--big-mb``, default 200) with a bounded page cache, against a child
   that only opens it (``--big-mb 1024`` for the 1 GB figure).

Run: ``/work/venv/bin/python bench/bench_scan.py [--rows N] [--repeat R]
[--big-mb MB] [--workdir DIR]``. The databases are cached in ``--workdir``
(default: the system temp directory) between runs.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.storage as storage  # noqa: E402
from engine.btree import BTree  # noqa: E402


def build_mixed(path: Path, rows: int, seed: int = 1) -> None:
    if path.exists():
        return
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    con.execute("CREATE TABLE t(a INTEGER, b TEXT, c REAL, d BLOB, e, f INTEGER)")
    rng = random.Random(seed)
    widths = [1, 100, 30000, 8_000_000, 2_000_000_000, 10**14, 2**62]

    def row():
        return (
            None if rng.random() < 0.1 else rng.randint(-1, 1) * rng.randint(0, rng.choice(widths)),
            None if rng.random() < 0.05 else f"txt{rng.randint(0, 10**6)}",
            None if rng.random() < 0.05 else rng.random() * 1000,
            None if rng.random() < 0.1 else rng.randbytes(rng.randint(0, 12)),
            rng.choice([None, rng.randint(0, 100), "x", 2.5, b"\x01"]),
            rng.randint(0, 1),
        )

    con.executemany("INSERT INTO t VALUES (?,?,?,?,?,?)", (row() for _ in range(rows)))
    con.commit()
    con.close()
    tmp.rename(path)


def build_big(path: Path, megabytes: int) -> None:
    if path.exists():
        return
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE big(a INTEGER, b TEXT, c BLOB)")
    rng = random.Random(2)
    n = megabytes * 1024 * 1024 // 180
    batch = 50_000
    for start in range(0, n, batch):
        con.executemany(
            "INSERT INTO big VALUES (?,?,?)",
            ((i, f"row {i}", rng.randbytes(150)) for i in range(start, min(n, start + batch))),
        )
    con.commit()
    con.close()
    tmp.rename(path)


def time_sqlite3(path: Path, table: str) -> tuple[float, float, int]:
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    con = sqlite3.connect(path)
    for _ in con.execute(f"SELECT rowid, * FROM {table}"):
        n += 1
    con.close()
    return time.perf_counter() - t0, time.process_time() - c0, n


def time_ours(path: Path, table: str) -> tuple[float, float, int]:
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    with storage.open(path) as db:
        for _ in db.rows(table):
            n += 1
    return time.perf_counter() - t0, time.process_time() - c0, n


def time_stream(path: Path, table: str) -> tuple[float, float, int]:
    from stream_sqlite import stream_sqlite

    def chunks():
        with open(path, "rb") as f:
            while True:
                block = f.read(65536)
                if not block:
                    return
                yield block

    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for name, _info, rows in stream_sqlite(chunks(), max_buffer_size=1 << 30):
        for _ in rows:
            if name == table:
                n += 1
    return time.perf_counter() - t0, time.process_time() - c0, n


def check_same_rows(path: Path, table: str, sample: int = 2000) -> None:
    con = sqlite3.connect(path)
    want = con.execute(f"SELECT rowid, * FROM {table}").fetchall()
    con.close()
    with storage.open(path) as db:
        got = list(db.rows(table))
    assert len(got) == len(want), (len(got), len(want))
    step = max(1, len(want) // sample)
    for i in range(0, len(want), step):
        assert got[i] == want[i] and [type(v) for v in got[i]] == [type(v) for v in want[i]], i


def point_lookup(path: Path, table: str) -> tuple[int, int, int]:
    with storage.open(path, cache_size=10) as db:
        root = next(r[3] for r in db.schema if r[0] == "table" and r[1] == table)
        pager = db.pager
        rowid = db.page_count  # somewhere in the middle of the rowids
        pager._cache.clear()
        before = pager.page_reads
        cur = BTree(pager, root, index=False).cursor()
        found = cur.seek_rowid(rowid)
        assert found
        cur.record()
        return pager.page_reads - before, cur.depth, db.page_count


_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
import engine.storage as storage


def peak_kib():
    # VmHWM: this process's own high-water mark (ru_maxrss survives exec on Linux and
    # would report the parent's peak)
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


scan = sys.argv[2] == "scan"
t0 = time.perf_counter()
n = 0
with storage.open(sys.argv[1]) as db:
    if scan:
        for _ in db.rows("big"):
            n += 1
print(peak_kib(), n, time.perf_counter() - t0)
"""


def child_rss(path: Path, mode: str) -> tuple[int, int, float]:
    code = _CHILD.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(path), mode], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big-mb", type=int, default=200, help="size of the RSS test file (0: skip)")
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    ap.add_argument("--no-stream", action="store_true", help="skip stream-sqlite")
    args = ap.parse_args(argv)

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    mixed = work / f"sqlassay-bench-mixed-{args.rows}.db"
    print(f"building {mixed} ({args.rows} rows) ...", flush=True)
    build_mixed(mixed, args.rows)
    print(f"file: {mixed.stat().st_size / 1e6:.1f} MB, sqlite3 {sqlite3.sqlite_version}, "
          f"python {sys.version.split()[0]}")

    # wall-clock and CPU time (time.process_time: every reader runs in this process, so
    # CPU time is the fairer measure on a loaded machine, where wall time includes waiting)
    times: dict[str, dict[str, list[float]]] = {"wall": {}, "cpu": {}}
    runners = [("sqlite3", time_sqlite3), ("engine.storage", time_ours)]
    if not args.no_stream:
        runners.append(("stream-sqlite", time_stream))
    for _ in range(args.repeat):
        for name, fn in runners:
            wall, cpu, n = fn(mixed, "t")
            assert n == args.rows, (name, n)
            times["wall"].setdefault(name, []).append(wall)
            times["cpu"].setdefault(name, []).append(cpu)
    print(f"\nfull scan of {args.rows} rows, best of {args.repeat} [first run in brackets; "
          "ours is cold then:\nthe open imports the SQL parser, record decoders are built per "
          "distinct record header]:")
    for clock in ("wall", "cpu"):
        t = times[clock]
        best = {name: min(ts) for name, ts in t.items()}
        print(f" {clock} time:")
        for name, _fn in runners:
            print(f"  {name:15s} {best[name]:8.3f} s  [{t[name][0]:7.3f} s]  "
                  f"({args.rows / best[name] / 1e3:7.0f} krows/s)")
        ratio = best["engine.storage"] / best["sqlite3"]
        cold = t["engine.storage"][0] / best["sqlite3"]
        print(f"  engine.storage / sqlite3       = {ratio:5.2f}x   (target <= 2.5x; cold run "
              f"{cold:.2f}x)")
        if not args.no_stream:
            speedup = best["stream-sqlite"] / best["engine.storage"]
            cold_speedup = best["stream-sqlite"] / t["engine.storage"][0]
            print(f"  stream-sqlite / engine.storage = {speedup:5.2f}x   (target >= 5x; cold "
                  f"run {cold_speedup:.2f}x)")
    check_same_rows(mixed, "t")

    reads, depth, pages = point_lookup(mixed, "t")
    print(f"\nrowid point lookup: {reads} page reads for a b-tree of depth {depth} "
          f"({pages} pages in the file)")

    if args.big_mb:
        big = work / f"sqlassay-bench-big-{args.big_mb}mb.db"
        print(f"\nbuilding {big} ...", flush=True)
        build_big(big, args.big_mb)
        base, _n, _t = child_rss(big, "open")
        peak, n, seconds = child_rss(big, "scan")
        print(f"resident memory, {big.stat().st_size / 1e6:.0f} MB file: open only {base / 1024:.0f}"
              f" MB, full scan of {n} rows {peak / 1024:.0f} MB peak (+{(peak - base) / 1024:.0f}"
              f" MB) in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
