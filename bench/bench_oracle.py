"""Oracle throughput: queries diffed per second per core, with the reference measured alone.

Runs one fixed-seed campaign per target on one job (one core): our engine against
sqlite3, and sqlite3 against itself (the cost of generation, building databases
and comparing, i.e. the oracle's own overhead), then prints queries/s/core for
each and the ratio. Usage: ``python bench/bench_oracle.py [--queries N] [--jobs J]``.
"""

from __future__ import annotations

import argparse
import sqlite3

from oracle.runner import run_campaign


def measure(target: str, queries: int, jobs: int, seed: int) -> tuple[float, object]:
    report = run_campaign(queries, seed=seed, jobs=jobs, target=target, minimize=False)
    return report.queries_per_second / jobs, report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"SQLite {sqlite3.sqlite_version}; {args.queries} queries, {args.jobs} job(s), "
          f"seed {args.seed}")
    base, rb = measure("sqlite3:connect", args.queries, args.jobs, args.seed)
    ours, ro = measure("engine:connect", args.queries, args.jobs, args.seed)
    print(f"{'target':<18}{'q/s/core':>10}{'findings':>10}{'unsupported':>13}")
    print(f"{'sqlite3 (overhead)':<18}{base:>10.1f}{rb.disagreements:>10}{rb.unsupported:>13}")
    print(f"{'engine':<18}{ours:>10.1f}{ro.disagreements:>10}{ro.unsupported:>13}")
    print(f"engine campaign runs at {ours / base:.2f}x the speed of a sqlite3-only campaign")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
