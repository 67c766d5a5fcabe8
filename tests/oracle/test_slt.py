"""oracle.slt: the sqllogictest runner, checked with --engine sqlite3 on files we write."""

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from oracle.slt import format_value, hash_values, junit_xml, parse, run_file, run_paths

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text, name="t.test"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_formatting_rules():
    assert format_value(None, "T") == "NULL"
    assert format_value("", "T") == "(empty)"
    assert format_value("a\tb\x7f", "T") == "a@b@"
    assert format_value("é", "T") == "@@"
    assert format_value(2.5, "R") == "2.500"
    assert format_value(7, "R") == "7.000"
    assert format_value(3.9, "I") == "3"
    assert format_value(-3.9, "I") == "-3"
    assert format_value("42abc", "I") == "42"
    assert format_value(1e30, "I") == str(2**63 - 1)
    assert format_value(float("inf"), "R") == "Inf"
    assert format_value(1.0, "T") == "1.0"
    assert format_value(1e300, "T") == "1.0e+300"


def test_hash_is_md5_of_values_and_newlines():
    assert hash_values(["1", "2"]) == hashlib.md5(b"1\n2\n").hexdigest()


def test_parse_records():
    recs = parse("# c\nhash-threshold 5\n\nskipif mysql\nquery IT rowsort lbl\nSELECT 1,\n 'a'\n"
                 "----\n1\na\n\nstatement error\nBAD\n\nhalt\n")
    kinds = [r.kind for r in recs]
    assert kinds == ["hash-threshold", "query", "statement", "halt"]
    q = recs[1]
    assert (q.types, q.sort, q.label, q.expected) == ("IT", "rowsort", "lbl", ["1", "a"])
    assert q.sql == "SELECT 1,\n 'a'" and q.conditions == [("skipif", "mysql")]
    assert recs[2].expect_ok is False


def test_pass_fail_skip_counts(tmp_path):
    p = write(tmp_path, "statement ok\nCREATE TABLE t(a)\n\nstatement ok\nINSERT INTO t VALUES(1),(2)\n\n"
              "query I rowsort\nSELECT a FROM t\n----\n1\n2\n\n"
              "query I rowsort\nSELECT a FROM t\n----\n1\n3\n\n"
              "statement error\nSELECT * FROM missing\n\n"
              "statement error\nSELECT 1\n\n"
              "onlyif mysql\nstatement ok\nNOT SQL\n")
    r = run_file(p, engine="sqlite3")
    assert (r.passed, r.failed, r.skipped) == (4, 2, 1)
    assert [f.line for f in r.failures] == [13, 22]
    assert not r.ok


def test_sort_modes_and_hash_threshold(tmp_path):
    rows = "INSERT INTO t VALUES(10,'b'),(9,'a'),(2,'c')"
    text = (f"statement ok\nCREATE TABLE t(a, b)\n\nstatement ok\n{rows}\n\n"
            "query IT rowsort\nSELECT a, b FROM t\n----\n10\nb\n2\nc\n9\na\n\n"
            "query IT valuesort\nSELECT a, b FROM t\n----\n10\n2\n9\na\nb\nc\n\n"
            "query I nosort\nSELECT a FROM t ORDER BY a\n----\n2\n9\n10\n\n"
            "hash-threshold 3\n\n"
            f"query I nosort\nSELECT a FROM t ORDER BY a\n----\n3 values hashing to "
            f"{hash_values(['2', '9', '10'])}\n")
    r = run_file(write(tmp_path, text), engine="sqlite3")
    assert (r.passed, r.failed) == (6, 0), r.failures
    # the same file with a wrong hash fails
    r = run_file(write(tmp_path, text.replace(hash_values(['2', '9', '10']), "0" * 32), "u.test"),
                 engine="sqlite3")
    assert r.failed == 1


def test_halt_and_labels(tmp_path):
    text = ("query I rowsort x\nSELECT 1 UNION SELECT 2\n----\n1\n2\n\n"
            "query I rowsort x\nSELECT 2 UNION SELECT 1\n----\n\n"
            "query I rowsort x\nSELECT 3\n----\n\n"
            "halt\n\nquery I nosort\nSELECT 1\n----\n2\n")
    r = run_file(write(tmp_path, text), engine="sqlite3")
    assert (r.passed, r.failed, r.halted) == (2, 1, True)


def test_own_corpus_passes_under_sqlite3():
    results = run_paths([ROOT / "corpus" / "slt"], engine="sqlite3")
    assert len(results) >= 5
    assert all(r.ok for r in results), [(r.path, r.failures[:2]) for r in results if not r.ok]
    assert sum(r.passed for r in results) > 100


def test_writer_sqlite3_lets_the_engine_run_write_scripts(tmp_path):
    text = ("statement ok\nCREATE TABLE t(a)\n\nstatement ok\nINSERT INTO t VALUES(1)\n\n"
            "query I nosort\nSELECT count(*) FROM t\n----\n1\n\n"
            "statement ok\nINSERT INTO t VALUES(2)\n\n"
            "query I nosort\nSELECT sum(a) FROM t\n----\n3\n")
    p = write(tmp_path, text)
    assert run_file(p, engine="engine", writer="sqlite3").ok
    alone = run_file(p, engine="engine")
    assert alone.unsupported >= 1 and not alone.ok  # the engine cannot write: visible


def test_cli_exit_status_and_junit(tmp_path):
    from sqlassay.cli import main

    good = write(tmp_path, "query I nosort\nSELECT 1\n----\n1\n", "good.test")
    write(tmp_path, "query I nosort\nSELECT 1\n----\n2\n", "bad.test")
    junit = tmp_path / "j.xml"
    runner = CliRunner()
    res = runner.invoke(main, ["slt", str(good), "--engine", "sqlite3"], standalone_mode=False)
    assert res.exit_code == 0 or (res.exception and res.exception.code == 0)
    res = runner.invoke(main, ["slt", str(tmp_path), "--engine", "sqlite3", "--junit",
                               str(junit)], standalone_mode=False)
    assert res.exception is not None and res.exception.code == 1
    xml = junit.read_text()
    assert "<failure" in xml and "good.test" in xml
    assert junit_xml([]).startswith("<?xml")


@pytest.mark.parametrize("name", ["formatting.test", "select_basic.test"])
def test_engine_passes_corpus_files_with_sqlite3_writer(name):
    r = run_file(ROOT / "corpus" / "slt" / name, engine="engine", writer="sqlite3")
    assert r.passed > 10


# -- bound parameters (``# parameters:`` lines) -----------------------------------------------

PARAM_VALUES = (7, -2**63, 2.5, float("inf"), float("-inf"), "h\u00e9llo", "", b"\x00\xffA",
                None)
PARAM_SQL = ("SELECT " + ", ".join(f"typeof(?{i}), quote(?{i})"
                                   for i in range(1, len(PARAM_VALUES) + 1)))


def _param_file(tmp_path, name="p.test"):
    import sqlite3

    from oracle.slt import query_record

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t(a, b)")
    con.execute("INSERT INTO t VALUES(?, ?)", (1, b"\x00\xff"))
    named = {"a": 3, "b": "x", "c": b"\x01", "d": None, "e": -0.5}
    text = "\n".join([
        "statement ok\nCREATE TABLE t(a, b)\n",
        "# parameters: [1, {\"blob\": \"00ff\"}]\nstatement ok\nINSERT INTO t VALUES(?, ?)\n",
        query_record(PARAM_SQL, con, params=PARAM_VALUES),
        query_record("SELECT quote(:a), quote(@b), quote($c), quote(:d), quote(:e)", con,
                     params=named),
        query_record("SELECT typeof(a), quote(b) FROM t WHERE a = ?", con, params=(1,)),
    ])
    con.close()
    return write(tmp_path, text, name), text


def test_parameter_lines_round_trip_every_type():
    import math

    from oracle.slt import decode_params, encode_params

    for params in (PARAM_VALUES, (float("nan"), 0.1, 1e300), {"x": b"", "y": 1.0}):
        line = encode_params(params)
        assert line.startswith("# parameters: ")
        back = decode_params(line[len("# parameters:"):])
        assert type(back) is type(params if isinstance(params, dict) else tuple(params))
        items = zip(back.values(), params.values()) if isinstance(params, dict) else \
            zip(back, params)
        for got, want in items:
            assert type(got) is type(want)
            assert got == want or (math.isnan(got) and math.isnan(want))
    with pytest.raises(ValueError):
        decode_params('[{"blob": "zz"}]')
    with pytest.raises(ValueError):
        decode_params('[true]')


@pytest.mark.parametrize("engine", ["sqlite3", "engine"])
def test_record_with_parameters_of_every_type_passes(tmp_path, engine):
    p, text = _param_file(tmp_path)
    recs = [r for r in parse(text) if r.kind in ("statement", "query")]
    assert recs[0].params is None and recs[1].params == (1, b"\x00\xff")
    assert recs[2].params[:3] == PARAM_VALUES[:3]
    r = run_file(p, engine=engine, writer="sqlite3")
    assert r.ok, r.failures
    assert r.passed == 5
    # the values matter: the same file without its parameter lines does not pass
    bare = write(tmp_path, "\n".join(x for x in text.splitlines()
                                     if not x.startswith("# parameters:")), "bare.test")
    assert not run_file(bare, engine=engine, writer="sqlite3").ok


@pytest.mark.parametrize("engine", ["sqlite3", "engine"])
def test_a_nan_parameter_binds_as_sqlite_binds_it(tmp_path, engine):
    import sqlite3

    from oracle.slt import query_record

    con = sqlite3.connect(":memory:")
    text = query_record("SELECT typeof(?), quote(?1)", con, params=(float("nan"),))
    con.close()
    assert '{"real": "nan"}' in text
    assert run_file(write(tmp_path, text), engine=engine).ok


def test_a_parameter_line_applies_to_the_next_record_only(tmp_path):
    text = ('# parameters: [5]\nquery I nosort\nSELECT ?\n----\n5\n\n'
            '# parameters: [5]\n\nquery I nosort\nSELECT 1\n----\n1\n')
    recs = parse(text)
    assert recs[0].params == (5,) and recs[1].params is None
    assert run_file(write(tmp_path, text), engine="sqlite3").ok


@pytest.mark.parametrize("params", [("", 3), {"p": b"\x00a", "q": 2.25}])
def test_written_reproducer_with_parameters_round_trips(tmp_path, params):
    from oracle.runner import Finding
    from oracle.slt import reproducer

    sql = ("SELECT c0, ? || c0, typeof(?) FROM t0 ORDER BY 1" if isinstance(params, tuple)
           else "SELECT c0, quote(:p), :q * c0 FROM t0 ORDER BY 1")
    f = Finding(seed=1, batch=2, index=3, oracle="differential", kind="wrong-rows",
                detail="d", sql=sql, setup=["CREATE TABLE t0(c0 INT)",
                                            "INSERT INTO t0 VALUES(1)",
                                            "INSERT INTO t0 VALUES(2)"], minimized=True)
    f.params = params
    text = reproducer(f)
    query = [r for r in parse(text) if r.kind == "query"]
    assert len(query) == 1 and query[0].params == (tuple(params) if isinstance(params, tuple)
                                                   else params)
    assert query[0].expected and len(query[0].expected) == 6
    p = write(tmp_path, text)
    for engine in ("sqlite3", "engine"):
        r = run_file(p, engine=engine, writer="sqlite3")
        assert r.ok and r.passed == 4, (engine, r.failures)
    # written without its parameters, the same finding's record differs (the old bug)
    f.params = None
    assert "# parameters:" not in reproducer(f)


def test_regression_corpus_parses_with_parameters():
    files = sorted((ROOT / "corpus" / "regressions").glob("*.test"))
    assert files
    for path in files:
        parse(path.read_text(encoding="utf-8"))
    fixed = ROOT / "corpus" / "regressions" / "differential-error-vs-rows-485bac84d7.test"
    rec = [r for r in parse(fixed.read_text()) if r.kind == "query"]
    assert rec and rec[-1].params == ("",)
