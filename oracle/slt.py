"""A sqllogictest runner (SQLite's test format), for the engine or for sqlite3.

The format, as SQLite's ``sqllogictest`` reads it (records separated by
blank lines, ``#`` comments):

* ``statement ok`` / ``statement error``, then the SQL: it must succeed /
  fail.
* ``query <types> [nosort|rowsort|valuesort] [label]``, the SQL, a line
  ``----`` and the expected values, one per line, or one line ``N values
  hashing to <md5>``. ``<types>`` has one letter per column: ``I`` integer,
  ``R`` real, ``T`` text.
* ``hash-threshold N``: results with more than N values are compared by hash.
* ``skipif <db>`` / ``onlyif <db>`` before a record; ``halt`` stops the file.
* A label names a result: a later query with the same label must give the
  same values (its expected block may be empty).

Values are rendered as the reference driver (slt_sqlite.c) renders them:
NULL as ``NULL``; ``I`` as a 64-bit integer (``sqlite3_column_int64``: reals
truncated and clamped, text read by its numeric prefix); ``R`` as ``%.3f`` of
the value as a double (``Inf``/``-Inf`` as SQLite's printf writes them);
``T`` as the text, an empty string as ``(empty)``, every byte outside
``' '..'~'`` replaced by ``@``. ``rowsort`` sorts rows and ``valuesort``
sorts all values, both by byte-wise string comparison, before comparing or
hashing; the hash is the MD5 of each value followed by a newline.

Engines: ``engine`` (ours, ``engine.connect``) or ``sqlite3``. With
``writer="sqlite3"`` every statement that writes runs through stdlib sqlite3
on the same file (autocommit) and the engine reopens the file before the next
query, so a read-only engine can run write-bearing scripts. The condition
names we answer to are ``sqlite`` (both engines) and ``sqlassay`` (the
engine). A record whose statement raises ``NotSupportedError`` counts as
*unsupported*: it ran and did not pass, and is shown in its own column.

Our one extension, bound parameters: a comment line ``# parameters: <JSON>``
directly before a ``statement``/``query`` record (blank lines and other
comments may not come between) gives the values bound when that record runs,
on either engine and through the sqlite3 writer. The JSON is a list (``?`` and
``?NNN``: position ``i`` binds ``?i+1``) or an object (``:name``, ``@name``,
``$name``: keys without the prefix character). Values: JSON integers are
INTEGER, JSON numbers with a fraction or exponent are REAL, strings are TEXT,
``null`` is NULL; ``{"real": "inf"|"-inf"|"nan"}`` is a non-finite REAL and
``{"blob": "<hex>"}`` a BLOB. Other runners read the line as a comment, so the
file stays valid sqllogictest (it just does not bind).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HASH_LINE = re.compile(r"^(\d+) values hashing to ([0-9a-f]{32})$")
_NUMERIC_PREFIX = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


# -- the format -----------------------------------------------------------------------------


@dataclass
class Record:
    kind: str  # "statement" | "query" | "hash-threshold" | "halt"
    line: int
    sql: str = ""
    expect_ok: bool = True
    types: str = ""
    sort: str = "nosort"
    label: str | None = None
    expected: list[str] | None = None
    expected_hash: tuple[int, str] | None = None
    conditions: list[tuple[str, str]] = field(default_factory=list)
    threshold: int = 0
    params: list | dict | None = None  # bound values (``# parameters:`` line)


PARAMS_PREFIX = "# parameters:"


def _encode_value(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"real": "nan"}
        if math.isinf(v):
            return {"real": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"blob": bytes(v).hex()}
    raise TypeError(f"cannot write a parameter of type {type(v).__name__}")


def _decode_value(v):
    if isinstance(v, dict):
        if set(v) == {"blob"} and isinstance(v["blob"], str):
            return bytes.fromhex(v["blob"])
        if set(v) == {"real"} and v["real"] in ("inf", "-inf", "nan"):
            return float(v["real"])
        raise ValueError(f"bad parameter value {v!r}")
    if v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return v
    raise ValueError(f"bad parameter value {v!r}")


def encode_params(params) -> str:
    """The ``# parameters:`` line for ``params`` (a sequence or a mapping)."""
    if isinstance(params, dict):
        body = {str(k): _encode_value(v) for k, v in params.items()}
    else:
        body = [_encode_value(v) for v in params]
    return f"{PARAMS_PREFIX} {json.dumps(body, allow_nan=False, ensure_ascii=True)}"


def decode_params(text: str):
    """The values of a ``# parameters:`` payload: a tuple or a dict."""
    data = json.loads(text)
    if isinstance(data, list):
        return tuple(_decode_value(v) for v in data)
    if isinstance(data, dict):
        return {k: _decode_value(v) for k, v in data.items()}
    raise ValueError("parameters must be a JSON list or object")


def parse(text: str) -> list[Record]:
    """The records of a sqllogictest script."""
    records: list[Record] = []
    lines = text.splitlines()
    i, n = 0, len(lines)
    conditions: list[tuple[str, str]] = []
    params = None
    while i < n:
        line = lines[i].rstrip("\r")
        stripped = line.strip()
        if stripped.startswith(PARAMS_PREFIX):
            try:
                params = decode_params(stripped[len(PARAMS_PREFIX):])
            except ValueError as exc:
                raise ValueError(f"line {i + 1}: {exc}") from None
            i += 1
            continue
        if not stripped or stripped.startswith("#"):
            params = None
            i += 1
            continue
        words = stripped.split()
        head = words[0]
        start = i + 1
        if head in ("skipif", "onlyif"):
            conditions.append((head, words[1] if len(words) > 1 else ""))
            i += 1
            continue
        if head == "hash-threshold":
            records.append(Record("hash-threshold", start, threshold=int(words[1]),
                                  conditions=conditions))
            conditions = []
            i += 1
            continue
        if head == "halt":
            records.append(Record("halt", start, conditions=conditions))
            conditions = []
            i += 1
            continue
        if head not in ("statement", "query"):
            raise ValueError(f"line {start}: unknown record {head!r}")
        i += 1
        body: list[str] = []
        while i < n and lines[i].strip() and lines[i].strip() != "----":
            body.append(lines[i].rstrip("\r"))
            i += 1
        rec = Record(head, start, sql="\n".join(body), conditions=conditions, params=params)
        conditions, params = [], None
        if head == "statement":
            rec.expect_ok = len(words) < 2 or words[1] != "error"
        else:
            rec.types = words[1] if len(words) > 1 else ""
            rec.sort = words[2] if len(words) > 2 else "nosort"
            rec.label = words[3] if len(words) > 3 else None
            expected: list[str] = []
            if i < n and lines[i].strip() == "----":
                i += 1
                while i < n and lines[i].strip():
                    expected.append(lines[i].rstrip("\r"))
                    i += 1
            m = HASH_LINE.match(expected[0].strip()) if len(expected) == 1 else None
            if m:
                rec.expected_hash = (int(m.group(1)), m.group(2))
            else:
                rec.expected = expected
        records.append(rec)
    return records


# -- rendering values -----------------------------------------------------------------------


def real_text(v: float) -> str:
    """A real as SQLite converts it to text (``%!.15g``)."""
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if math.isnan(v):
        return "NaN"
    s = f"{v:.15g}"
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        return f"{mant}e{exp}"
    if "." not in s:
        s += ".0"
    return s


def _as_text(v) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float):
        return real_text(v)
    return str(v)


def _as_int(v) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return 0
        if v <= _INT64_MIN:
            return _INT64_MIN
        if v >= _INT64_MAX:
            return _INT64_MAX
        return int(v)
    m = _NUMERIC_PREFIX.match(_as_text(v))
    if not m:
        return 0
    text = m.group(1)
    if any(ch in text for ch in ".eE"):
        return _as_int(float(text))
    return max(_INT64_MIN, min(_INT64_MAX, int(text)))


def _as_real(v) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    m = _NUMERIC_PREFIX.match(_as_text(v))
    return float(m.group(1)) if m else 0.0


def format_value(v, type_char: str) -> str:
    """One value as the sqllogictest driver prints it for a column of ``type_char``."""
    if v is None:
        return "NULL"
    if type_char == "I":
        return str(_as_int(v))
    if type_char == "R":
        r = _as_real(v)
        if math.isinf(r):
            return "Inf" if r > 0 else "-Inf"
        return f"{r:.3f}"
    raw = v if isinstance(v, bytes) else _as_text(v).encode("utf-8", "surrogatepass")
    if not raw:
        return "(empty)"
    return "".join(chr(b) if 0x20 <= b <= 0x7E else "@" for b in raw)


def result_values(rows, types: str, sort: str) -> list[str]:
    """The values of ``rows`` rendered, sorted as ``sort`` says, flattened."""
    rendered = [[format_value(v, types[j] if j < len(types) else "T") for j, v in
                 enumerate(row)] for row in rows]
    if sort == "rowsort":
        rendered.sort()
    values = [v for row in rendered for v in row]
    if sort == "valuesort":
        values.sort()
    return values


def hash_values(values: list[str]) -> str:
    md5 = hashlib.md5()
    for v in values:
        md5.update(v.encode("utf-8"))
        md5.update(b"\n")
    return md5.hexdigest()


# -- running ----------------------------------------------------------------------------------


@dataclass
class Failure:
    line: int
    sql: str
    message: str
    unsupported: bool = False


@dataclass
class FileResult:
    path: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    unsupported: int = 0
    failures: list[Failure] = field(default_factory=list)
    passes: list[int] = field(default_factory=list)  # lines of passed records
    halted: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.unsupported == 0 and self.error is None


_WRITE_HEAD = re.compile(r"^\s*(SELECT|VALUES|WITH|EXPLAIN)\b", re.IGNORECASE)


def _is_read(sql: str) -> bool:
    if not _WRITE_HEAD.match(sql):
        return False
    if re.match(r"^\s*WITH\b", sql, re.IGNORECASE):
        return not re.search(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", sql, re.IGNORECASE)
    return True


class _Session:
    """The connections one file runs on."""

    def __init__(self, path: str, engine: str, writer: str):
        self.path, self.engine_name, self.writer_name = path, engine, writer
        self.reader = None
        self.writer = None
        self.stale = True

    def _engine_conn(self):
        if self.engine_name == "sqlite3":
            if self.reader is None:
                self.reader = sqlite3.connect(self.path, isolation_level=None)
            return self.reader
        if self.stale or self.reader is None:
            if self.reader is not None:
                self.reader.close()
            import engine

            self.reader = engine.connect(self.path)
            self.stale = False
        return self.reader

    def _writer_conn(self):
        if self.writer is None:
            self.writer = sqlite3.connect(self.path, isolation_level=None)
        return self.writer

    def execute(self, sql: str, want_rows: bool, params=None):
        args = () if params is None else (params,)
        if self.engine_name != "sqlite3" and self.writer_name == "sqlite3" and not _is_read(sql):
            cur = self._writer_conn().execute(sql, *args)
            rows = cur.fetchall()
            self.stale = True
            return rows, cur.description
        cur = self._engine_conn().execute(sql, *args)
        rows = cur.fetchall()
        if self.engine_name == "sqlite3" or self.writer_name != "sqlite3":
            self.stale = True
        return rows, cur.description

    def close(self):
        for c in (self.reader, self.writer):
            if c is not None:
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass


def _applies(rec: Record, names: set[str]) -> bool:
    for cond, db in rec.conditions:
        if cond == "skipif" and db in names:
            return False
        if cond == "onlyif" and db not in names:
            return False
    return True


def run_file(path, *, engine: str = "engine", writer: str | None = None) -> FileResult:
    """Run one sqllogictest file on a fresh database; the per-record tally."""
    from oracle.targets import error_class

    writer = writer or engine
    result = FileResult(str(path))
    try:
        records = parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        result.error = str(exc)
        return result
    names = {"sqlite"} | ({"sqlassay"} if engine == "engine" else set())
    with tempfile.TemporaryDirectory(prefix="sqlassay-slt-") as tmp:
        session = _Session(os.path.join(tmp, "slt.db"), engine, writer)
        threshold = 0
        labels: dict[str, str] = {}
        try:
            for rec in records:
                if not _applies(rec, names):
                    if rec.kind in ("statement", "query"):
                        result.skipped += 1
                    continue
                if rec.kind == "halt":
                    result.halted = True
                    break
                if rec.kind == "hash-threshold":
                    threshold = rec.threshold
                    continue
                try:
                    rows, description = session.execute(rec.sql, rec.kind == "query", rec.params)
                except Exception as exc:  # noqa: BLE001 - every error is a verdict
                    klass = error_class(exc)
                    if klass == "NotSupportedError":
                        result.unsupported += 1
                        result.failures.append(Failure(rec.line, rec.sql, f"unsupported: {exc}",
                                                       True))
                    elif rec.kind == "statement" and not rec.expect_ok and klass is not None:
                        result.passed += 1
                        result.passes.append(rec.line)
                    else:
                        result.failed += 1
                        what = klass or f"crash {type(exc).__name__}"
                        result.failures.append(Failure(rec.line, rec.sql, f"{what}: {exc}"))
                    continue
                if rec.kind == "statement":
                    if rec.expect_ok:
                        result.passed += 1
                        result.passes.append(rec.line)
                    else:
                        result.failed += 1
                        result.failures.append(Failure(rec.line, rec.sql,
                                                       "statement succeeded; error expected"))
                    continue
                message = _check_query(rec, rows, description, threshold, labels)
                if message is None:
                    result.passed += 1
                    result.passes.append(rec.line)
                else:
                    result.failed += 1
                    result.failures.append(Failure(rec.line, rec.sql, message))
        finally:
            session.close()
    return result


def _check_query(rec: Record, rows, description, threshold, labels) -> str | None:
    ncol = len(description) if description else (len(rows[0]) if rows else len(rec.types))
    if rec.types and ncol != len(rec.types):
        return f"{ncol} column(s) returned, type string {rec.types!r}"
    values = result_values(rows, rec.types, rec.sort)
    digest = hash_values(values)
    if rec.label:
        if rec.label in labels and labels[rec.label] != digest:
            return f"label {rec.label}: values differ from the earlier query with this label"
        labels.setdefault(rec.label, digest)
    if rec.expected_hash is not None:
        count, want = rec.expected_hash
        if (len(values), digest) != (count, want):
            return f"expected {count} values hashing to {want}, got {len(values)} values " \
                   f"hashing to {digest}"
        return None
    expected = rec.expected or []
    if not expected and rec.label:
        return None
    if threshold > 0 and len(values) > threshold and len(expected) != len(values):
        return f"expected {expected[:3]}..., got {len(values)} values hashing to {digest}"
    if [e.strip() for e in expected] == [v.strip() for v in values]:
        return None
    # a row per line, values separated by spaces (a variant some suites use)
    width = max(ncol, 1)
    rows_text = [" ".join(values[i:i + width]) for i in range(0, len(values), width)]
    if [" ".join(e.split()) for e in expected] == [" ".join(r.split()) for r in rows_text]:
        return None
    return f"expected {_short(expected)}, got {_short(values)}"


def _short(values: list[str], n: int = 8) -> str:
    text = ", ".join(values[:n])
    return f"[{text}{', ...' if len(values) > n else ''}] ({len(values)} values)"


def collect(paths) -> list[Path]:
    """The ``.test``/``.slt`` files named by ``paths`` (directories searched recursively)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix in (".test", ".slt")
                              and q.is_file()))
        else:
            out.append(p)
    return out


def run_paths(paths, *, engine: str = "engine", writer: str | None = None) -> list[FileResult]:
    return [run_file(p, engine=engine, writer=writer) for p in collect(paths)]


def junit_xml(results: list[FileResult], suite: str = "sqllogictest") -> str:
    """A JUnit XML document: one testsuite per file, one testcase per record."""
    from xml.sax.saxutils import escape, quoteattr

    parts = ['<?xml version="1.0" encoding="utf-8"?>', f"<testsuites name={quoteattr(suite)}>"]
    for r in results:
        tests = r.passed + r.failed + r.unsupported + r.skipped
        parts.append(f"<testsuite name={quoteattr(r.path)} tests=\"{tests}\" "
                     f"failures=\"{r.failed + r.unsupported}\" skipped=\"{r.skipped}\" "
                     f"errors=\"{1 if r.error else 0}\">")
        for line in r.passes:
            parts.append(f"<testcase classname={quoteattr(r.path)} name=\"line {line}\"/>")
        for f in r.failures:
            kind = "unsupported" if f.unsupported else "failure"
            parts.append(f"<testcase classname={quoteattr(r.path)} name=\"line {f.line}\">"
                         f"<failure type=\"{kind}\" message={quoteattr(f.message[:500])}>"
                         f"{escape(f.sql)}</failure></testcase>")
        if r.skipped:
            parts.append(f"<testcase classname={quoteattr(r.path)} name=\"skipped\">"
                         f"<skipped message=\"{r.skipped} record(s) skipped\"/></testcase>")
        if r.error:
            parts.append(f"<testcase classname={quoteattr(r.path)} name=\"parse\">"
                         f"<error message={quoteattr(r.error)}/></testcase>")
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    return "\n".join(parts) + "\n"


# -- writing reproducers ----------------------------------------------------------------------


def _type_string(rows, ncol: int) -> str:
    out = []
    for j in range(ncol):
        vals = [r[j] for r in rows if r[j] is not None]
        out.append("I" if vals and all(isinstance(v, int) for v in vals) else "T")
    return "".join(out) or "T"


def query_record(sql: str, reference_conn, *, sort: str = "rowsort", params=None) -> str:
    """A ``query`` (or ``statement error``) record for ``sql`` with sqlite3's answer.

    With ``params`` the record is preceded by its ``# parameters:`` line and the
    answer is sqlite3's with those values bound.
    """
    pre = "" if params is None else encode_params(params) + "\n"
    args = () if params is None else (params,)
    try:
        cur = reference_conn.execute(sql, *args)
        rows = cur.fetchall()
    except sqlite3.Error:
        return f"{pre}statement error\n{sql}\n"
    ncol = len(cur.description or ())
    types = _type_string(rows, ncol)
    values = result_values(rows, types, sort)
    body = "\n".join(values)
    return pre + f"query {types} {sort}\n{sql}\n----\n{body}\n".replace("\n\n", "\n")


def finding_params(finding):
    """The values a finding's query binds, or None.

    ``finding.params`` when the campaign recorded them; otherwise, for an
    unminimized single query, the values of the case regenerated from its seed
    (used only when the regenerated SQL is the finding's SQL).
    """
    params = getattr(finding, "params", None)
    if params is not None:
        return params
    sql = getattr(finding, "sql", "")
    if " ;; " in sql or not re.search(r"[?:@$]", sql):
        return None
    try:
        from oracle.generators import parameters
        from oracle.runner import batch_case, batch_schema

        schema = batch_schema(finding.seed, finding.batch)
        root = batch_case(finding.seed, finding.batch, finding.index, schema)
        if root.kind == "metamorphic" or " ".join(root.sql().split()) != " ".join(sql.split()):
            return None
        return parameters(root)
    except Exception:  # noqa: BLE001 - no parameters is the honest fallback
        return None


def reproducer(finding) -> str:
    """The sqllogictest file of a finding: setup, then the query with sqlite3's answer."""
    one = lambda s: " ".join(str(s).split())  # noqa: E731
    head = [
        "# sqlassay oracle finding (expected results are stdlib sqlite3's, "
        f"SQLite {sqlite3.sqlite_version})",
        f"# signature: {one(finding.signature)}",
        f"# oracle: {finding.oracle}  class: {finding.kind}  minimized: {finding.minimized}",
        f"# replay: seed {finding.case_seed} (sqlassay oracle --seed {finding.seed})",
        f"# detail: {one(finding.detail)[:400]}",
        "",
    ]
    records = []
    params = finding_params(finding)
    args = () if params is None else (params,)
    with tempfile.TemporaryDirectory(prefix="sqlassay-repro-") as tmp:
        path = os.path.join(tmp, "r.db")
        con = sqlite3.connect(path, isolation_level=None)
        try:
            for stmt in finding.setup:
                try:
                    con.execute(stmt)
                except sqlite3.Error:
                    continue
                records.append(f"statement ok\n{one(stmt)}\n")
            for sql in finding.sql.split(" ;; "):
                sort = "rowsort"
                try:
                    ncol = len(con.execute(sql, *args).description or ())
                    if finding.oracle == "differential" and "ORDER BY" in sql and ncol \
                            and _orders_all(sql, ncol):
                        sort = "nosort"
                except sqlite3.Error:
                    pass
                records.append(query_record(one(sql), con, sort=sort, params=params))
        finally:
            con.close()
    return "\n".join(head) + "\n".join(records)


def _orders_all(sql: str, ncol: int) -> bool:
    """True when the final ORDER BY names every output column under BINARY."""
    tail = sql.rsplit("ORDER BY", 1)[-1]
    cols = {int(m.group(1)) for m in re.finditer(r"\b(\d+) COLLATE BINARY", tail)}
    return cols >= set(range(1, ncol + 1))
