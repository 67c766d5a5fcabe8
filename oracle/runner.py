"""The differential campaign: generate, run on target and reference, compare, shrink.

A campaign of ``queries`` queries with seed ``seed`` is cut into *batches* of
``batch_size`` queries sharing one database. Batch ``b`` builds its schema
and data from the seed string ``"{seed}:{b}"`` and query ``i`` of it from
``"{seed}:{b}:{i}"`` (:func:`oracle.generators.case_seed`), so every case,
and every finding, is reproducible from the seed alone, and the results do
not depend on which worker ran which batch: a campaign is deterministic for a
given seed (and therefore for a given seed and job count).

The database is built with stdlib sqlite3 (the engine cannot write yet);
both engines then open the same file. Each query runs on the target and on
the reference and the outcomes go to :func:`oracle.compare.compare`. Every
fifth query is a metamorphic case instead (:mod:`oracle.metamorphic`: TLP,
NoREC, index independence, in turn), checked on the target and validated on
the reference.

Parallelism and timeouts: ``jobs`` worker processes (``multiprocessing``)
take batches from the parent. Before each query a worker tells the parent
which case it starts; if no answer comes within ``case_timeout`` seconds the
parent kills the worker, records a *timeout* finding for that case, starts a
new worker and lets it continue the batch after the case. A worker that dies
(a crash of a C extension, ``os._exit`` in the target, ...) is a *crash*
finding the same way.

After the campaign the findings are grouped by a first signature (oracle,
disagreement class, error classes and the target's error message with numbers
blanked); the first case of each group is minimized in a worker
(:mod:`oracle.minimize`) and written as a sqllogictest file under ``out``,
named by the signature of the *minimized* case (disagreement class plus the
grammar features left in it), so duplicates collapse into one file.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from oracle import metamorphic
from oracle.compare import (
    Difference,
    Outcome,
    capture,
    compare,
    is_nondeterministic,
    picks_representative,
    sums_integers,
)
from oracle.generators import (
    Generator,
    Node,
    RandomChoices,
    case_seed,
    parameters,
    query_order,
)
from oracle.targets import DEFAULT_REFERENCE, DEFAULT_TARGET, load_factory

METAMORPHIC_EVERY = 5


# -- building and evaluating one case ---------------------------------------------------------


def build_database(path: str, setup: list[str]) -> list[str]:
    """Create ``path`` with sqlite3 from ``setup``; return the statements that succeeded."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    con = sqlite3.connect(path, isolation_level=None)
    done = []
    try:
        for stmt in setup:
            try:
                con.execute(stmt)
            except sqlite3.Error:
                continue
            done.append(stmt)
    finally:
        con.close()
    return done


def _close(conn) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing is best effort
        pass


def _open(factory, path):
    try:
        return factory(path), None
    except Exception as exc:  # noqa: BLE001 - a target that cannot open is an outcome
        from oracle.targets import error_class

        klass = error_class(exc)
        kind = "crash" if klass is None else ("unsupported" if klass == "NotSupportedError"
                                              else "error")
        return None, Outcome(kind, error=klass or type(exc).__name__, message=str(exc)[:300])


@dataclass
class Verdict:
    """The result of one case: ``agree``, ``unsupported``, ``invalid`` or ``finding``."""

    verdict: str
    oracle: str = "differential"
    kind: str = ""
    detail: str = ""
    target: Outcome | None = None
    reference: Outcome | None = None
    reference_error: bool = False

    @property
    def key(self) -> tuple:
        """What must stay the same while a finding is minimized."""
        t = self.target
        return (self.oracle, self.kind, t.error if t else None,
                self.reference.error if self.reference else None)


def evaluate(root: Node, target, reference, target_noindex=None) -> Verdict:
    """Judge one case on open connections (``target_noindex`` for index independence)."""
    oracle = root.meta.get("oracle", "differential") if root.kind == "metamorphic" else \
        root.meta.get("oracle", "differential")
    if oracle in metamorphic.PAIRED:
        diff, a, b = metamorphic.check_pair(target, root)
        if diff is None:
            return Verdict("agree", oracle)
        if diff.kind == "unsupported":
            return Verdict("unsupported", oracle, "unsupported", diff.detail, a if
                           a.kind == "unsupported" else b)
        if a.kind == "error" and b.kind == "error":
            return Verdict("agree", oracle)
        rdiff, ra, rb = metamorphic.check_pair(reference, root)
        if rdiff is not None or ra.kind == "error":
            return Verdict("invalid", oracle, diff.kind, diff.detail)
        return Verdict("finding", oracle, diff.kind, diff.detail, a, b)
    sql = root.sql()
    params = parameters(root)
    t = capture(target, sql, params)
    r = capture(reference, sql, params)
    order, limited = query_order(root)
    if t.kind == "unsupported":
        return Verdict("unsupported", oracle, "unsupported", t.message, t, r)
    diff = compare(t, r, order=order, limited=limited,
                   nondeterministic=is_nondeterministic(sql),
                   representative=picks_representative(sql), overflow=sums_integers(sql))
    if diff is not None:
        return Verdict("finding", oracle, diff.kind, diff.detail, t, r)
    if oracle == "index" and target_noindex is not None:
        t2 = capture(target_noindex, sql, params)
        if t2.kind == "unsupported":
            return Verdict("unsupported", oracle, "unsupported", t2.message, t2, r)
        diff = compare(t2, t, order=order, limited=limited,
                       representative=picks_representative(sql))
        if diff is not None:
            return Verdict("finding", oracle, diff.kind, "without indexes: " + diff.detail,
                           t2, r)
    return Verdict("agree", oracle, reference_error=r.kind == "error")


class CaseRunner:
    """Builds databases and evaluates cases with one target and one reference."""

    def __init__(self, target: str = DEFAULT_TARGET, reference: str = DEFAULT_REFERENCE,
                 workdir: str | None = None):
        self.target_spec, self.reference_spec = target, reference
        self.target_factory = load_factory(target)
        self.reference_factory = load_factory(reference)
        self.workdir = workdir or tempfile.mkdtemp(prefix="sqlassay-oracle-",
                                                   dir=_scratch_dir())
        self._n = 0

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def fresh_path(self) -> str:
        self._n += 1
        return os.path.join(self.workdir, f"case{self._n % 4}.db")

    def run_once(self, setup: list[str], root: Node) -> Verdict:
        """Build the database(s) from ``setup`` and evaluate ``root`` (the minimizer's step)."""
        path = self.fresh_path()
        build_database(path, setup)
        noindex_path = None
        if root.meta.get("oracle") == "index":
            noindex_path = path + ".noindex.db"
            build_database(noindex_path, metamorphic.without_indexes(setup))
        t, terr = _open(self.target_factory, path)
        if terr is not None:
            return Verdict("unsupported" if terr.kind == "unsupported" else "finding",
                           "differential", terr.kind, terr.message, terr)
        r = self.reference_factory(path)
        t2 = self.target_factory(noindex_path) if noindex_path else None
        try:
            return evaluate(root, t, r, t2)
        finally:
            for c in (t, r, t2):
                if c is not None:
                    _close(c)

    def minimize(self, setup: list[str], root: Node, want: Verdict, budget: int = 500):
        from oracle.minimize import minimize

        def fails(s, q):
            v = self.run_once(s, q)
            return v.verdict == "finding" and v.key == want.key

        if not fails(setup, root):
            return setup, root, False
        s, q = minimize(setup, root, fails, budget=budget)
        return build_database(self.fresh_path(), s), q, True


# -- the cases of a campaign ------------------------------------------------------------------


def batch_schema(seed: int, batch: int, max_rows: int = 8):
    return Generator(RandomChoices(case_seed(seed, batch)), max_rows=max_rows).schema()


def batch_case(seed: int, batch: int, index: int, schema, max_depth: int = 3) -> Node:
    """Query ``index`` of ``batch``: a differential query or a metamorphic case."""
    g = Generator(RandomChoices(case_seed(seed, batch, index)), max_depth=max_depth)
    if index % METAMORPHIC_EVERY == METAMORPHIC_EVERY - 1:
        # rotate with the batch too, so every kind comes up whatever the batch size
        kind = metamorphic.KINDS[(index // METAMORPHIC_EVERY + batch) % len(metamorphic.KINDS)]
        if kind == "index" and any(s.upper().lstrip().startswith(("CREATE INDEX",
                                                                   "CREATE UNIQUE"))
                                   for s in schema.statements):
            root = g.query(schema)
            root.meta["oracle"] = "index"
            return root
        if kind != "index":
            return metamorphic.make_case(g, schema, kind)
    return g.query(schema)


@dataclass
class Finding:
    """One disagreement: where it came from, and its minimized form once shrunk."""

    seed: int
    batch: int
    index: int
    oracle: str
    kind: str
    detail: str
    target_error: str | None = None
    target_message: str = ""
    reference_error: str | None = None
    sql: str = ""
    setup: list[str] = field(default_factory=list)
    minimized: bool = False
    signature: str = ""
    path: str | None = None
    tags: list[str] = field(default_factory=list)
    params: object = None
    """The values bound to the query's parameters (None: no parameters, or a
    metamorphic finding, whose several queries are written without them)."""

    @property
    def case_seed(self) -> str:
        return case_seed(self.seed, self.batch, self.index)

    def presignature(self) -> str:
        msg = re.sub(r"\d+", "N", self.target_message or "")
        msg = re.sub(r"'[^']*'|\"[^\"]*\"", "S", msg)[:80]
        return f"{self.oracle}|{self.kind}|{self.target_error}|{self.reference_error}|{msg}"


@dataclass
class Report:
    """What a campaign did: counts, coverage, findings."""

    seed: int
    queries: int
    jobs: int
    target: str
    reference: str
    seconds: float = 0.0
    done: int = 0
    agreed: int = 0
    unsupported: int = 0
    invalid: int = 0
    reference_errors: int = 0
    disagreements: int = 0
    kinds: Counter = field(default_factory=Counter)
    unsupported_messages: Counter = field(default_factory=Counter)
    coverage: dict = field(default_factory=dict)  # tag -> Counter(verdicts)
    findings: list[Finding] = field(default_factory=list)  # one per signature
    all_findings: list[Finding] = field(default_factory=list)

    @property
    def supported(self) -> int:
        return self.done - self.unsupported

    @property
    def supported_fraction(self) -> float:
        return self.supported / self.done if self.done else 0.0

    @property
    def queries_per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return self.disagreements == 0 and self.done == self.queries

    def to_json(self) -> dict:
        return {
            "seed": self.seed, "queries": self.queries, "jobs": self.jobs,
            "target": self.target, "reference": self.reference,
            "seconds": round(self.seconds, 3), "done": self.done, "agreed": self.agreed,
            "unsupported": self.unsupported, "invalid": self.invalid,
            "reference_errors": self.reference_errors,
            "disagreements": self.disagreements,
            "supported_fraction": round(self.supported_fraction, 4),
            "queries_per_second": round(self.queries_per_second, 1),
            "kinds": dict(self.kinds),
            "unsupported_messages": dict(self.unsupported_messages.most_common(20)),
            "coverage": {k: dict(v) for k, v in sorted(self.coverage.items())},
            "findings": [{"signature": f.signature, "oracle": f.oracle, "kind": f.kind,
                          "seed": f.case_seed, "detail": f.detail[:500], "sql": f.sql,
                          "setup": f.setup, "minimized": f.minimized, "path": f.path}
                         for f in self.findings],
        }


# -- worker processes --------------------------------------------------------------------------


def _scratch_dir() -> str | None:
    """Where campaign databases go: /dev/shm (memory) when writable, else the default."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _worker_main(conn, target, reference, seed, batch_size, max_depth, max_rows, root=None):
    runner = CaseRunner(target, reference,
                        workdir=tempfile.mkdtemp(prefix="w", dir=root) if root else None)
    try:
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                return
            if msg[0] == "stop":
                return
            if msg[0] == "batch":
                _, batch, start, size = msg
                _run_batch(conn, runner, seed, batch, start, size, max_depth, max_rows)
                conn.send(("batchdone", batch))
            elif msg[0] == "minimize":
                _, key, setup, batch, index, budget = msg
                schema = batch_schema(seed, batch, max_rows)
                root = batch_case(seed, batch, index, schema, max_depth)
                want = runner.run_once(setup, root)
                s, q, ok = runner.minimize(setup, root, want, budget)
                final = runner.run_once(s, q)
                conn.send(("minimized", key, s, q.sql() if q.kind != "metamorphic" else
                           " ;; ".join(metamorphic.queries(q)), final.detail, ok,
                           sorted(set(q.tags())),
                           parameters(q) if q.kind != "metamorphic" else None))
    finally:
        runner.cleanup()


def _run_batch(conn, runner: CaseRunner, seed, batch, start, batch_size, max_depth, max_rows):
    schema = batch_schema(seed, batch, max_rows)
    path = os.path.join(runner.workdir, f"batch{batch}.db")
    setup = build_database(path, schema.statements)
    noindex = path + ".noindex.db"
    build_database(noindex, metamorphic.without_indexes(setup))
    t, terr = _open(runner.target_factory, path)
    r = runner.reference_factory(path)
    t2 = runner.target_factory(noindex) if terr is None else None
    try:
        for i in range(start, batch_size):
            root = batch_case(seed, batch, i, schema, max_depth)
            conn.send(("start", batch, i))
            if terr is not None:
                v = Verdict("unsupported" if terr.kind == "unsupported" else "finding",
                            "differential", terr.kind, terr.message, terr)
            else:
                v = evaluate(root, t, r, t2)
            tags = sorted(set(root.tags()) | set(schema.features))
            conn.send(("result", batch, i, v, tags,
                       root.sql() if root.kind != "metamorphic" else
                       " ;; ".join(metamorphic.queries(root)), setup,
                       parameters(root) if root.kind != "metamorphic" else None))
    finally:
        for c in (t, r, t2):
            if c is not None:
                _close(c)
        for p in (path, noindex):
            if os.path.exists(p):
                os.unlink(p)


class _Worker:
    def __init__(self, ctx, args):
        self.ctx, self.args = ctx, args
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, *args), daemon=True)
        self.proc.start()
        child.close()
        self.task = None  # ("batch", b, start) / ("minimize", key, ...)
        self.current = None  # (batch, index) of the running case
        self.started = 0.0

    def send(self, task):
        self.task = task
        self.started = time.monotonic()
        self.current = None
        self.conn.send(task)

    def kill(self):
        try:
            self.proc.kill()
            self.proc.join(2)
        except Exception:  # noqa: BLE001
            pass
        self.conn.close()


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def run_campaign(queries: int = 1000, seed: int = 0, jobs: int = 1, out: str | None = None,
                 target: str = DEFAULT_TARGET, reference: str = DEFAULT_REFERENCE, *,
                 batch_size: int = 25, max_depth: int = 3, max_rows: int = 8,
                 case_timeout: float = 10.0, minimize: bool = True, max_minimize: int = 12,
                 minimize_budget: int = 400, minimize_timeout: float = 60.0,
                 progress: bool = False, console=None) -> Report:
    """Run a campaign; write minimized findings under ``out``; return the :class:`Report`."""
    load_factory(target)
    load_factory(reference)  # fail early, in the parent, on a bad specification
    report = Report(seed, queries, jobs, target, reference)
    nbatches = (queries + batch_size - 1) // batch_size
    sizes = {b: min(batch_size, queries - b * batch_size) for b in range(nbatches)}
    tasks = deque(("batch", b, 0, sizes[b]) for b in range(nbatches))
    ctx = _context()
    t0 = time.monotonic()
    bar = _Progress(progress, queries, console)
    findings: list[Finding] = []

    # every worker's scratch directory lives under one root, removed at the end even when
    # workers were killed
    scratch = tempfile.mkdtemp(prefix="sqlassay-oracle-", dir=_scratch_dir())

    def make_worker(b_size):
        return _Worker(ctx, (target, reference, seed, b_size, max_depth, max_rows, scratch))

    # one worker per job; every worker knows the batch size of full batches; a short last
    # batch is handled by stopping early on the parent side
    workers = [make_worker(batch_size) for _ in range(max(1, jobs))]

    def record(batch, index, v: Verdict, tags, sql, setup, params=None):
        if index >= sizes[batch]:
            return
        report.done += 1
        verdict = v.verdict
        if verdict == "agree":
            report.agreed += 1
            if v.reference_error:
                report.reference_errors += 1
        elif verdict == "unsupported":
            report.unsupported += 1
            report.unsupported_messages[re.sub(r"\d+", "N", v.detail)[:90]] += 1
        elif verdict == "invalid":
            report.invalid += 1
        else:
            report.disagreements += 1
            report.kinds[f"{v.oracle}:{v.kind}"] += 1
            t = v.target
            findings.append(Finding(
                seed, batch, index, v.oracle, v.kind, v.detail,
                t.error if t else None, t.message if t else "",
                v.reference.error if v.reference else None, sql, list(setup),
                tags=list(tags), params=params))
        for tag in tags:
            report.coverage.setdefault(tag, Counter())[verdict] += 1
        bar.update(report)

    try:
        busy: dict = {}
        while tasks or busy:
            for w in workers:
                if w not in busy.values() and tasks:
                    task = tasks.popleft()
                    w.send(task)
                    busy[w.conn] = w
            ready = wait(list(busy), timeout=0.2)
            now = time.monotonic()
            for c in ready:
                w = busy[c]
                try:
                    msg = c.recv()
                except (EOFError, OSError):
                    msg = ("died",)
                if msg[0] == "start":
                    w.current, w.started = (msg[1], msg[2]), now
                elif msg[0] == "result":
                    record(*msg[1:])
                    w.current = None
                elif msg[0] == "batchdone":
                    del busy[c]
                    w.task = None
                elif msg[0] == "died":
                    del busy[c]
                    _lost_worker(w, "crash", report, findings, sizes, seed, tasks)
                    workers[workers.index(w)] = make_worker(batch_size)
            for c, w in list(busy.items()):
                if w.current is not None and now - w.started > case_timeout:
                    del busy[c]
                    _lost_worker(w, "timeout", report, findings, sizes, seed, tasks)
                    workers[workers.index(w)] = make_worker(batch_size)
            bar.update(report)
        report.seconds = time.monotonic() - t0
        report.all_findings = sorted(findings, key=lambda f: (f.batch, f.index))
        _dedupe_and_minimize(report, workers, make_worker, batch_size, minimize, max_minimize,
                             minimize_budget, minimize_timeout, bar)
    finally:
        for w in workers:
            try:
                w.conn.send(("stop",))
            except Exception:  # noqa: BLE001
                pass
            w.proc.join(1)
            if w.proc.is_alive():
                w.kill()
        bar.close()
        shutil.rmtree(scratch, ignore_errors=True)
    if out:
        write_findings(report, out)
    return report


def _lost_worker(w: _Worker, kind, report, findings, sizes, seed, tasks):
    """A worker hung or died on its current case: record the finding, resume the batch."""
    w.kill()
    if w.current is None:
        if w.task is not None and w.task[0] == "batch":
            tasks.appendleft(w.task)  # died between cases: run the batch again
        return
    batch, index = w.current
    if index < sizes[batch]:
        report.done += 1
        report.disagreements += 1
        report.kinds[f"differential:{kind}"] += 1
        schema = batch_schema(seed, batch)
        root = batch_case(seed, batch, index, schema)
        findings.append(Finding(seed, batch, index, root.meta.get("oracle", "differential"),
                                kind, f"target {kind} on case {case_seed(seed, batch, index)}",
                                sql=root.sql() if root.kind != "metamorphic" else
                                " ;; ".join(metamorphic.queries(root)),
                                setup=list(schema.statements)))
    if index + 1 < sizes[batch]:
        tasks.appendleft(("batch", batch, index + 1, sizes[batch]))


def _dedupe_and_minimize(report: Report, workers, make_worker, batch_size, minimize,
                         max_minimize, budget, timeout, bar):
    groups: dict[str, Finding] = {}
    for f in report.all_findings:
        groups.setdefault(f.presignature(), f)
    chosen = list(groups.values())
    for f in chosen:
        f.signature = f.presignature()
    if minimize:
        # a hang or a dead process is not re-run in-process; a Python exception is
        todo = deque(f for f in chosen[:max_minimize]
                     if f.kind != "timeout" and not (f.kind == "crash" and not f.target_error))
        bar.phase(f"minimizing {len(todo)} finding(s)")
        busy: dict = {}
        while todo or busy:
            for _i, w in enumerate(workers):
                if w not in busy.values() and todo:
                    f = todo.popleft()
                    w.send(("minimize", id(f), f.setup, f.batch, f.index, budget))
                    w.current = f
                    busy[w.conn] = w
            ready = wait(list(busy), timeout=0.2)
            now = time.monotonic()
            for c in ready:
                w = busy.pop(c)
                try:
                    msg = c.recv()
                except (EOFError, OSError):
                    workers[workers.index(w)] = make_worker(batch_size)
                    continue
                _, _key, setup, sql, detail, ok, tags, params = msg
                f = w.current
                if ok:
                    f.setup, f.sql, f.minimized, f.tags = setup, sql, True, tags
                    f.params = params
                    f.detail = detail or f.detail
            for c, w in list(busy.items()):
                if now - w.started > timeout:
                    del busy[c]
                    w.kill()
                    workers[workers.index(w)] = make_worker(batch_size)
    final: dict[str, Finding] = {}
    for f in chosen:
        feats = ",".join(t for t in f.tags if not t.startswith(("schema.", "value."))) \
            if f.minimized else "unminimized"
        f.signature = f"{f.oracle}|{f.kind}|{f.target_error}|{f.reference_error}|{feats}"
        final.setdefault(f.signature, f)
    report.findings = list(final.values())


def write_findings(report: Report, out: str) -> None:
    """One sqllogictest file per deduplicated finding, plus ``report.json``."""
    import json

    from oracle.slt import reproducer

    Path(out).mkdir(parents=True, exist_ok=True)
    for f in report.findings:
        digest = hashlib.sha1(f.signature.encode()).hexdigest()[:10]
        name = f"{f.oracle}-{f.kind}-{digest}.test".replace(":", "_")
        path = Path(out) / name
        path.write_text(reproducer(f), encoding="utf-8")
        f.path = str(path)
    (Path(out) / "report.json").write_text(json.dumps(report.to_json(), indent=1,
                                                      default=str) + "\n", encoding="utf-8")


# -- live display -------------------------------------------------------------------------------


class _Progress:
    """rich live progress: cases done, queries/s, findings, unsupported."""

    def __init__(self, enabled: bool, total: int, console=None):
        self.enabled = enabled
        self.last = 0.0
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("[bold]oracle"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]:>7.1f} q/s"),
                                 TextColumn("[red]{task.fields[findings]} findings"),
                                 TextColumn("[yellow]{task.fields[unsupported]} unsupported"),
                                 TextColumn("{task.fields[phase]}"),
                                 TimeElapsedColumn(), console=console, transient=False)
        self.task = self.progress.add_task("cases", total=total, rate=0.0, findings=0,
                                           unsupported=0, phase="")
        self.t0 = time.monotonic()
        self.progress.start()

    def update(self, report: Report) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and report.done < report.queries:
            return
        self.last = now
        self.progress.update(self.task, completed=report.done,
                             rate=report.done / max(now - self.t0, 1e-9),
                             findings=report.disagreements, unsupported=report.unsupported)

    def phase(self, text: str) -> None:
        if self.enabled:
            self.progress.update(self.task, phase=text)

    def close(self) -> None:
        if self.enabled:
            self.progress.stop()


def replay(seed: int, batch: int, index: int, target: str = DEFAULT_TARGET,
           reference: str = DEFAULT_REFERENCE, max_depth: int = 3, max_rows: int = 8
           ) -> tuple[Verdict, list[str], Node]:
    """Rebuild case ``seed:batch:index`` from its seed alone and evaluate it again."""
    runner = CaseRunner(target, reference)
    try:
        schema = batch_schema(seed, batch, max_rows)
        root = batch_case(seed, batch, index, schema, max_depth)
        return runner.run_once(schema.statements, root), schema.statements, root
    finally:
        runner.cleanup()


__all__ = ["CaseRunner", "Difference", "Finding", "Report", "Verdict", "build_database",
           "evaluate", "replay", "run_campaign", "write_findings"]
