"""Campaign runner: atheris/libFuzzer workers in subprocesses, live stats, findings.

``run(target, seconds, jobs, corpus_dir)`` starts ``jobs`` worker processes
(``python -m fuzz.runner worker TARGET [libFuzzer flags] CORPUS SEEDS``), each
an atheris ``Fuzz()`` loop over the target's harness with Python coverage
instrumentation of the target's packages, the target's dictionary and, for
whole-image targets, the structure-aware mutator of :mod:`fuzz.mutator`.
The workers share one working corpus directory (libFuzzer's ``-reload``
merges what the others found); the committed seeds of ``corpus/fuzz/<target>``
are a read-only second corpus.

While they run, the runner reads libFuzzer's status lines (``#N NEW cov: C
ft: F corp: K/S exec/s: E rss: M``) and prints one live line: executions,
executions per second, coverage edges, features, corpus size, findings.
A crash, hang (``-timeout``) or out-of-memory (``-rss_limit_mb``) stops
libFuzzer; the runner keeps the artifact (named ``<target>-crash-<sha1>``
etc. under ``OUT/findings/``), asks libFuzzer to minimize it
(``-minimize_crash=1``, saved beside it as ``.min``) and restarts the worker
for the rest of the time. At the end a ``stats.json`` records the figures.

This module needs atheris only inside the worker processes; importing it
does not. It implements no part of the SQLite format.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# fuzz.targets (and with it formatspec and engine) is imported lazily: a worker must import
# them inside atheris.instrument_imports() for their code to be instrumented.
ROOT = Path(__file__).resolve().parent.parent

_STATUS = re.compile(
    r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+)(?: corp: (\d+)/(\S+))?.*?exec/s: (\d+)"
)
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
DEFAULT_OUT = ROOT / ".fuzz"
RSS_LIMIT_MB = 2048


@dataclass
class Stats:
    target: str
    seconds: float = 0.0
    jobs: int = 1
    execs: int = 0
    execs_per_s: float = 0.0
    cov: int = 0
    ft: int = 0
    corpus: int = 0
    findings: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)  # of this campaign's new findings
    restarts: int = 0


def worker_command(target: str, flags: list[str], dirs: list[str]) -> list[str]:
    return [sys.executable, "-m", "fuzz.runner", "worker", target, *flags, *dirs]


def libfuzzer_flags(target: str, seconds: float | None, findings: Path) -> list[str]:
    from fuzz.targets import TARGETS

    t = TARGETS[target]
    flags = [
        f"-max_len={t.max_len}",
        f"-timeout={t.timeout}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-artifact_prefix={findings}/{target}-",
        "-reload=30",
        "-print_final_stats=1",
    ]
    if seconds is not None:
        flags.append(f"-max_total_time={max(1, int(seconds))}")
    if t.dict_path is not None and t.dict_path.exists() and t.dict_path.stat().st_size:
        flags.append(f"-dict={t.dict_path}")
    return flags


class _Worker:
    """One libFuzzer subprocess; its status lines update the shared stats."""

    def __init__(self, cmd: list[str], log: Path, on_line, known: Path | None = None) -> None:
        self.log = log.open("a")
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        if known is not None:
            env["SQLASSAY_FUZZ_KNOWN"] = str(known)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.PIPE, text=True,
                                     errors="replace", cwd=ROOT, env=env)
        self.thread = threading.Thread(target=self._pump, args=(on_line,), daemon=True)
        self.thread.start()

    def _pump(self, on_line) -> None:
        for line in self.proc.stderr:
            self.log.write(line)
            self.log.flush()
            on_line(self, line)

    def wait(self) -> int:
        rc = self.proc.wait()
        self.thread.join(timeout=5)
        self.log.close()
        return rc


def _known_signatures(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {ln.strip() for ln in path.read_text().splitlines() if ln.strip()}


def _record_signature(known_file: Path, target: str, artifact: Path) -> str | None:
    """Replay a crash artifact in this process and append its signature to ``known_file``."""
    from fuzz.replay import replay_one

    if "crash-" not in artifact.name or not artifact.exists():
        return None  # timeouts and out-of-memory findings are not replayed here
    outcome = replay_one(artifact, target)
    if outcome.ok:
        return None
    with known_file.open("a") as f:
        f.write(outcome.signature + "\n")
    return outcome.signature


def minimize(target: str, crash: Path, seconds: int = 60) -> Path | None:
    """libFuzzer's crash minimizer on one finding; the result is saved as ``<crash>.min``."""
    from fuzz.targets import TARGETS

    out = crash.with_name(crash.name + ".min")
    cmd = worker_command(target, ["-minimize_crash=1", f"-max_total_time={seconds}",
                                  f"-exact_artifact_path={out}",
                                  f"-timeout={TARGETS[target].timeout}",
                                  f"-rss_limit_mb={RSS_LIMIT_MB}"], [str(crash)])
    env = dict(os.environ, PYTHONPATH=str(ROOT), SQLASSAY_FUZZ_NO_INSTRUMENT="1")
    # libFuzzer runs each minimization step as a shell child: stop the whole session at the end
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            proc.wait()
    return out if out.exists() else None


def run(target: str, seconds: float = 60, jobs: int = 1, corpus_dir: str | Path | None = None,
        out_dir: str | Path | None = None, *, live=None, minimize_findings: bool = True,
        max_restarts: int = 20) -> Stats:
    """Fuzz ``target`` for ``seconds`` with ``jobs`` workers; returns the final figures."""
    from fuzz.targets import TARGETS

    if target not in TARGETS:
        raise KeyError(f"unknown fuzz target {target!r}")
    t = TARGETS[target]
    out = Path(out_dir) if out_dir else DEFAULT_OUT / target
    work = Path(corpus_dir) if corpus_dir else out / "corpus"
    findings = out / "findings"
    for d in (work, findings):
        d.mkdir(parents=True, exist_ok=True)
    seeds = [str(t.corpus_dir)] if t.corpus_dir.is_dir() else []
    stats = Stats(target, jobs=jobs)
    # Findings already saved (this campaign's, and the target's pending/ reproducers awaiting a
    # fix in a file this project's fuzzing may not edit) are not reported again: the workers
    # skip inputs whose exception has a known signature, so a campaign is not stopped over
    # and over by one bug. The harnesses themselves stay strict (replay, tests).
    known_file = out / "known-signatures.txt"
    known_file.write_text("")
    from fuzz.replay import replay_one

    for pending in t.pending_inputs():
        o = replay_one(pending, target)
        if not o.ok:
            with known_file.open("a") as f:
                f.write(o.signature + "\n")
    pending_signatures = _known_signatures(known_file)
    per_worker: dict[int, tuple[int, int, int, int, int]] = {}
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + seconds

    def on_line(w: _Worker, line: str) -> None:
        m = _STATUS.match(line)
        with lock:
            if m:
                execs, cov, ft = int(m.group(1)), int(m.group(3)), int(m.group(4))
                corp = int(m.group(5) or 0)
                eps = int(m.group(7))
                per_worker[id(w)] = (execs, cov, ft, corp, eps)
                stats.cov = max(stats.cov, cov)
                stats.ft = max(stats.ft, ft)
                stats.corpus = max(stats.corpus, corp)
            a = _ARTIFACT.search(line)
            if a:
                stats.findings.append(a.group(1))

    done_execs = 0
    recorded: set[str] = set()
    workers: list[_Worker | None] = [None] * jobs
    logs = [out / f"worker-{i}.log" for i in range(jobs)]

    def spawn(i: int) -> _Worker:
        left = deadline - time.monotonic()
        flags = libfuzzer_flags(target, left, findings)
        return _Worker(worker_command(target, flags, [str(work), *seeds]), logs[i], on_line,
                       known_file)

    for i in range(jobs):
        workers[i] = spawn(i)
    last_print = 0.0
    try:
        while any(w is not None for w in workers):
            time.sleep(0.5)
            now = time.monotonic()
            for i, w in enumerate(workers):
                if w is None or w.proc.poll() is None:
                    continue
                w.wait()
                with lock:
                    done_execs += per_worker.pop(id(w), (0,) * 5)[0]
                    new = [f for f in stats.findings if f not in recorded]
                for f in new:
                    recorded.add(f)
                    sig = _record_signature(known_file, target, Path(f))
                    if sig:
                        stats.signatures.append(sig)
                if now < deadline - 5 and stats.restarts < max_restarts and w.proc.returncode:
                    stats.restarts += 1
                    workers[i] = spawn(i)
                else:
                    workers[i] = None
            if live is not None and now - last_print >= 2:
                last_print = now
                with lock:
                    cur = done_execs + sum(v[0] for v in per_worker.values())
                    el = now - start
                    live(f"{target} {el:6.0f}s execs {cur} ({cur / el if el else 0:.0f}/s) "
                         f"cov {stats.cov} ft {stats.ft} corp {stats.corpus} "
                         f"findings {len(stats.findings)}")
    finally:
        for w in workers:
            if w is not None and w.proc.poll() is None:
                w.proc.terminate()
                w.wait()
    stats.seconds = time.monotonic() - start
    stats.execs = done_execs + sum(v[0] for v in per_worker.values())
    stats.execs_per_s = stats.execs / stats.seconds if stats.seconds else 0.0
    stats.findings = sorted(set(stats.findings))
    stats.signatures = sorted(set(stats.signatures) - pending_signatures)
    if minimize_findings:
        for f in stats.findings:
            p = Path(f)
            if p.exists() and not p.name.endswith(".min"):
                minimize(target, p)
    (out / "stats.json").write_text(json.dumps(asdict(stats), indent=2) + "\n")
    return stats


# ---------------------------------------------------------------------------- worker


def _skip_known(harness, known_path: str | None):
    """The harness, except that exceptions whose signature is already saved are swallowed."""
    known = _known_signatures(Path(known_path)) if known_path else set()
    if not known:
        return harness
    from fuzz.replay import signature

    def run_input(data: bytes) -> None:
        try:
            harness(data)
        except Exception as exc:
            if signature(exc) not in known:
                raise

    return run_input


def _late_mutate(data: bytes, limit: int) -> bytes:
    # atheris.Mutate must be looked up when called: until Fuzz() has loaded libFuzzer the
    # name is bound to a stub that aborts ("Fuzz() must be called before Mutate()").
    import atheris

    return atheris.Mutate(data, limit)


def _worker(argv: list[str]) -> None:
    """Inside the subprocess: instrument, register the harness (and mutator), fuzz."""
    import atheris

    target = argv[0]
    if os.environ.get("SQLASSAY_FUZZ_NO_INSTRUMENT"):
        from fuzz.targets import TARGETS
    else:
        # only modules imported inside this block get coverage instrumentation
        with atheris.instrument_imports(include=["formatspec", "engine"]):
            from fuzz.targets import TARGETS
    t = TARGETS[target]
    harness = _skip_known(t.harness, os.environ.get("SQLASSAY_FUZZ_KNOWN"))
    kwargs = {}
    if t.structured:
        from fuzz import mutator

        kwargs["custom_mutator"] = mutator.for_target(t.structured, _late_mutate)
    # libFuzzer re-runs argv[0] through the shell for -minimize_crash (and prints it in
    # reproduction hints): make it the whole command that starts this worker again.
    argv0 = f"{shlex.quote(sys.executable)} -m fuzz.runner worker {shlex.quote(target)}"
    atheris.Setup([argv0, *argv[1:]], harness, **kwargs)
    from fuzz.replay import MEMORY_CAP_MB, memory_cap

    with memory_cap(MEMORY_CAP_MB):  # a blow-up raises MemoryError here, before -rss_limit_mb
        atheris.Fuzz()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "worker":
        _worker(sys.argv[2:])
    else:
        sys.exit("usage: python -m fuzz.runner worker TARGET [libFuzzer flags] [DIRS]")
