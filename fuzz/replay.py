"""Replay saved fuzz inputs through their harnesses, without atheris.

``replay(path)`` runs one file (or every file of a directory) through the
harness of its target and returns a :class:`Outcome` per input: ``ok`` when
the harness returned (the reader answered with a value or a documented
exception type), else the exception that escaped and its traceback. The
target is taken from ``target=`` or from the path: a file under
``corpus/fuzz/<target>/`` (or its ``pending/``), or a finding named
``<target>-crash-<sha1>`` / ``-timeout-`` / ``-oom-`` / ``-slow-unit-`` as the
runner saves them. The unit suite replays every committed reproducer this way.
It implements no part of the SQLite format.
"""

from __future__ import annotations

import contextlib
import linecache
import traceback
from dataclasses import dataclass
from pathlib import Path

from fuzz.targets import TARGETS

#: Memory (MiB of address space beyond what the process already maps) one input may use
#: while it is replayed or fuzzed: past it, Python raises MemoryError with a traceback, so a
#: memory blow-up is a finding with a signature instead of a dead process.
MEMORY_CAP_MB = 1024


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def memory_cap(extra_mb: int | None = MEMORY_CAP_MB):
    """Lower RLIMIT_AS to the current size plus ``extra_mb`` for the duration (Linux)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    size = _vm_size()
    if extra_mb is None or not size:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + extra_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def signature(exc: BaseException) -> str:
    """A finding's identity: exception type and the innermost frame (file, function, line text).

    Used to tell a new finding from one already saved (never the message: messages carry
    offsets and values that differ between inputs hitting the same bug).
    """
    where = getattr(exc, "where", None)
    if where is not None:  # a time-budget interrupt: the function that was running
        return f"{type(exc).__name__} in {where}"
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return type(exc).__name__
    code = last.tb_frame.f_code
    path = Path(code.co_filename)
    short = "/".join(path.parts[-2:])
    # the text of the line rather than its number: files under active development shift
    text = linecache.getline(code.co_filename, last.tb_lineno).strip()
    return f"{type(exc).__name__} at {short}:{code.co_name}: {text or last.tb_lineno}"


@dataclass
class Outcome:
    path: Path
    target: str
    ok: bool
    error: BaseException | None = None
    trace: str = ""

    @property
    def signature(self) -> str:
        return "" if self.error is None else signature(self.error)

    def summary(self) -> str:
        if self.ok:
            return f"ok      {self.target:16} {self.path}"
        last = self.trace.strip().splitlines()
        where = next((ln.strip() for ln in reversed(last) if ln.strip().startswith("File ")), "")
        return (f"FAIL    {self.target:16} {self.path}: {type(self.error).__name__}: "
                f"{self.error} [{where}]")


def target_of(path: str | Path) -> str:
    """The target a saved input belongs to, from its directory or its file name."""
    p = Path(path).resolve()
    for part in (p.parent.name, p.parent.parent.name):
        if part in TARGETS:
            return part
    for name in sorted(TARGETS, key=len, reverse=True):
        if p.name.startswith(name + "-"):
            return name
    raise KeyError(f"{path}: cannot tell its fuzz target; pass target=")


def replay_one(path: str | Path, target: str | None = None) -> Outcome:
    p = Path(path)
    name = target or target_of(p)
    harness = TARGETS[name].harness
    data = p.read_bytes()
    try:
        with memory_cap():
            harness(data)
    except Exception as exc:  # noqa: BLE001 - every escape is the finding being reported
        return Outcome(p, name, False, exc, traceback.format_exc())
    return Outcome(p, name, True)


def replay(path: str | Path, target: str | None = None) -> list[Outcome]:
    """Replay one file or every file under a directory (``pending/`` included if named)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        return [replay_one(f, target) for f in files]
    return [replay_one(p, target)]


if __name__ == "__main__":
    import sys

    results = [o for arg in sys.argv[1:] for o in replay(arg)]
    for o in results:
        print(o.summary())
    sys.exit(0 if all(o.ok for o in results) else 1)
