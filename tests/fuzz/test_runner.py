"""The campaign runner's pieces that work without atheris: status parsing, flags, dedup."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz import runner
from fuzz.replay import signature
from fuzz.targets import TARGETS


def test_status_line_parsing():
    line = ("#154710\tREDUCE cov: 1960 ft: 6384 corp: 595/42Kb lim: 316 exec/s: 464 rss: 61Mb "
            "L: 26/291 MS: 1 EraseBytes-")
    m = runner._STATUS.match(line)
    assert m and m.group(1) == "154710" and m.group(3) == "1960" and m.group(5) == "595"
    assert m.group(7) == "464"
    assert runner._STATUS.match("INFO: Seed: 3423951366") is None
    art = runner._ARTIFACT.search("Test unit written to /x/findings/image-crash-abc")
    assert art and art.group(1) == "/x/findings/image-crash-abc"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_flags(name, tmp_path):
    flags = runner.libfuzzer_flags(name, 42.5, tmp_path)
    t = TARGETS[name]
    assert f"-max_len={t.max_len}" in flags and "-max_total_time=42" in flags
    assert f"-artifact_prefix={tmp_path}/{name}-" in flags
    assert any(f.startswith("-dict=") for f in flags) == bool(
        t.dict_path and t.dict_path.stat().st_size)


def _raiser(exc_type):
    def harness(data: bytes) -> None:
        if data == b"boom":
            raise exc_type("bug")
    return harness


def test_skip_known_swallows_only_known_signatures(tmp_path):
    known = tmp_path / "known.txt"
    h = _raiser(IndexError)
    try:
        h(b"boom")
    except IndexError as exc:
        known.write_text(signature(exc) + "\n")
    skipping = runner._skip_known(h, str(known))
    skipping(b"boom")  # known: skipped
    other = runner._skip_known(_raiser(KeyError), str(known))
    with pytest.raises(KeyError):
        other(b"boom")
    assert runner._skip_known(h, None) is h


def test_run_refuses_unknown_target():
    with pytest.raises(KeyError):
        runner.run("no-such-target", 1)


def test_worker_command_runs_the_module():
    cmd = runner.worker_command("record", ["-runs=1"], ["/tmp/c"])
    assert cmd[1:5] == ["-m", "fuzz.runner", "worker", "record"] and cmd[-1] == "/tmp/c"
    assert Path(runner.ROOT, "fuzz", "runner.py").exists()
