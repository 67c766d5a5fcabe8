"""Every committed fuzz input replays clean, and replay needs no atheris.

corpus/fuzz/<target>/ holds the seeds and the reproducers of fixed bugs; each must
pass its harness. corpus/fuzz/<target>/pending/ holds reproducers of bugs still open in
files owned elsewhere: they are listed, not replayed. The whole check must work where
atheris cannot be installed, so one test runs it in a subprocess that refuses to import it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from fuzz.replay import replay, replay_one, signature, target_of
from fuzz.targets import CORPUS, ROOT, TARGETS, input_name
from sqlassay.cli import main as cli

INPUTS = [p for t in TARGETS.values() for p in t.replay_inputs()]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_input_replays_clean(path):
    outcome = replay_one(path)
    assert outcome.ok, outcome.summary() + "\n" + outcome.trace


def test_every_file_under_corpus_fuzz_belongs_to_a_target():
    for p in CORPUS.rglob("*"):
        if p.is_file():
            assert target_of(p) in TARGETS, p


def test_replay_reports_a_failing_input(tmp_path, monkeypatch):
    bad = tmp_path / input_name("header", b"x")
    bad.write_bytes(b"x")
    from fuzz import harnesses

    def broken(_data):
        raise KeyError("bug")

    monkeypatch.setattr(harnesses.fs, "read_database_header", broken)
    [outcome] = replay(bad)
    assert not outcome.ok and isinstance(outcome.error, KeyError)
    assert outcome.signature.startswith("KeyError at ")
    assert "FAIL" in outcome.summary()


def test_signature_names_type_and_innermost_frame():
    def inner():
        raise ValueError("message with 123")

    try:
        inner()
    except ValueError as exc:
        sig = signature(exc)
    assert sig == 'ValueError at fuzz/test_replay.py:inner: raise ValueError("message with 123")'



def test_replay_and_harnesses_run_without_atheris():
    code = textwrap.dedent(f"""
        import sys
        class NoAtheris:
            def find_spec(self, name, path=None, target=None):
                if name == "atheris" or name.startswith("atheris."):
                    raise ImportError("atheris is not installed here")
        sys.meta_path.insert(0, NoAtheris())
        sys.path.insert(0, {str(ROOT)!r})
        from fuzz.replay import replay
        from fuzz import mutator, runner, targets
        import random
        t = targets.TARGETS["header"]
        out = replay(t.corpus_dir / t.replay_inputs()[0].name)
        assert all(o.ok for o in out), out
        seed = t.replay_inputs()[0].read_bytes()
        mutator.mutate("image", targets.TARGETS["image"].replay_inputs()[0].read_bytes(), 70000, 1)
        assert "atheris" not in sys.modules
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_cli_list_and_replay(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["fuzz", "list"], standalone_mode=False)
    assert res.exit_code == 0, res.output
    for name in TARGETS:
        assert name in res.output
    seed = TARGETS["record"].replay_inputs()[0]
    res = runner.invoke(cli, ["fuzz", "replay", str(seed)], standalone_mode=False)
    assert res.exit_code == 0 and res.output.startswith("ok"), res.output


def test_cli_replay_of_an_input_of_no_known_target_is_a_usage_error(tmp_path):
    p = tmp_path / "mystery"
    p.write_bytes(b"")
    res = subprocess.run([sys.executable, "-c", "from sqlassay.cli import main; main()",
                          "fuzz", "replay", str(p)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and "cannot tell its fuzz target" in res.stderr


def test_pending_reproducers_are_not_in_the_replayed_set():
    for t in TARGETS.values():
        replayed = set(t.replay_inputs())
        for p in t.pending_inputs():
            assert p not in replayed
