"""oracle.gate and `sqlassay gate`: sections, the unsupported policy, JSON and JUnit."""

import json

from click.testing import CliRunner

from oracle import gate


def test_unsupported_cannot_make_a_section_green():
    all_unsupported = gate.Section("campaign", checked=100, agreed=0, unsupported=100)
    assert not all_unsupported.passed and all_unsupported.supported_fraction == 0.0
    mostly = gate.Section("campaign", checked=100, agreed=95, unsupported=5)
    assert mostly.passed
    disagreeing = gate.Section("campaign", checked=100, agreed=99, disagreed=1)
    assert not disagreeing.passed


def test_slt_and_corpus_sections_against_sqlite3():
    result = gate.run_gate(quick=True, sections=("slt", "corpus", "regressions"))
    by = {s.name: s for s in result.sections}
    assert by["slt"].checked > 100 and by["slt"].passed, by["slt"].details
    assert by["corpus"].checked >= 4 and by["corpus"].passed, by["corpus"].details
    # open regressions are disagreements until fixed: the gate is honest about them
    reg = by["regressions"]
    assert reg.checked > 0 and (reg.disagreed > 0) == (not reg.passed)
    doc = result.to_json()
    assert doc["policy"].startswith("unsupported")
    assert {s["name"] for s in doc["sections"]} == {"slt", "corpus", "regressions"}
    xml = gate.junit(result)
    assert xml.count("<testcase") == 3


def test_small_campaign_section():
    result = gate.run_gate(quick=True, sections=("campaign",), queries=40, jobs=2)
    (sec,) = result.sections
    assert sec.checked == 40
    assert sec.agreed + sec.disagreed + sec.unsupported == 40
    assert sec.passed == (sec.disagreed == 0 and sec.supported_fraction >= gate.MIN_SUPPORTED)


def test_cli_writes_json_and_junit(tmp_path, monkeypatch):
    from sqlassay.cli import main

    monkeypatch.setattr(gate, "QUICK_QUERIES", 20)
    j, x = tmp_path / "g.json", tmp_path / "g.xml"
    res = CliRunner().invoke(main, ["gate", "--quick", "--json", str(j), "--junit", str(x)],
                             standalone_mode=False)
    code = res.exception.code if isinstance(res.exception, SystemExit) else 0
    doc = json.loads(j.read_text())
    assert code == (0 if doc["passed"] else 1)
    assert "sqlassay gate" in res.output and "supported" in res.output
    assert [s["name"] for s in doc["sections"]] == ["regressions", "campaign", "corpus", "slt"]
    assert "<testsuite" in x.read_text()
