"""SQLite's SQL grammar as a recursive-descent parser producing :mod:`.ast`.

The grammar is SQLite 3.40's ``parse.y`` (and the syntax diagrams of
sqlite.org/lang.html): every statement, the expression grammar with parse.y's
operator precedence (parsed by precedence climbing, so long operator chains
never recurse), SELECT in full, and the DDL, DML and utility statements.

What SQLite's LALR parser does implicitly and this one does on purpose:

- keywords that "fall back" to identifiers (parse.y ``%fallback ID``) are
  names wherever the keyword itself could not be shifted; in the few places
  where both readings are possible the keyword wins, as in Lemon's tables;
- errors are raised at the token where SQLite's parser stops, worded as
  sqlite3 words them: ``near "X": syntax error``, ``incomplete input`` (the
  end of the input was reached), ``unrecognized token: "X"`` (an illegal
  token was reached), plus the messages that parse.y's actions raise
  (``unknown table option``, ``duplicate column name``, ``too many terms in
  compound SELECT``, ``ORDER BY clause should come after UNION not before``,
  ``unknown join type``, ``variable number must be between ?1 and ?250000``,
  ``unsupported frame specification``, ...). An action's error is raised
  when SQLite raises it: once the token after the rule has been accepted, so
  a syntax error at that token wins (:meth:`Parser.defer`);
- tokens are read lazily, so the text after the first error is never
  scanned;
- SQLite's limits on hostile input: its parser stack holds 100 entries
  (``parser stack overflow``), modelled here by counting the grammar symbols
  a LALR parser would hold pending; expression trees deeper than 1000
  (``Expression tree is too large (maximum depth 1000)``, heights computed
  as expr.c's exprSetHeight does); compound SELECTs of more than 500 terms;
  SQL longer than 1,000,000,000 bytes. Python's recursion stays far below
  its limit because the stack model bounds nesting first.

Not checked here because they need the schema or the connection, though
SQLite raises them while parsing: unknown collation names in CREATE TABLE,
"table ... already exists", "object name reserved for internal use", "no
such table" for a trigger's table, ALTER TABLE's column checks.
"""

from __future__ import annotations

from engine.errors import ProgrammingError

from . import ast as A
from .lexer import SQLSyntaxError, illegal_token_error, iter_lex
from .tokens import FALLBACK_ID, ID_KINDS, IDS_KINDS, NM_KINDS, Token

# the SQLite release whose grammar is the default (Python's sqlite3 here)
SQLITE_VERSION = (3, 40, 1)
MAX_EXPR_DEPTH = 1000
MAX_COMPOUND_SELECT = 500
MAX_COLUMN = 2000
MAX_FUNCTION_ARG = 127
MAX_VARIABLE_NUMBER = 250000
# Lemon's parser stack in SQLite: YYSTACKDEPTH 100 entries, one of them the
# start state.
_STACK_LIMIT = 99

_STD_TYPES = ("INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY")
_SELECT_START = ("SELECT", "VALUES", "WITH")
_RESOLVE_TYPES = ("ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE")
# fallback keywords that can continue an expression: never an alias
_ALIAS_KINDS = IDS_KINDS - {"LIKE_KW", "MATCH"}
_IDJ_KINDS = ID_KINDS | {"JOIN_KW"}


def dequote(text: str) -> str:
    """SQLite's sqlite3Dequote for a whole token."""
    if not text:
        return text
    q = text[0]
    if q in "'\"`":
        return text[1:-1].replace(q + q, q)
    if q == "[":
        return text[1:-1]
    return text


def _dequote_prefix(text: str) -> str:
    """sqlite3Dequote on a string that may continue after its closing quote
    (it stops there)."""
    if not text or text[0] not in "'\"`[":
        return text
    q = "]" if text[0] == "[" else text[0]
    out = []
    i = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == q:
            if i + 1 < n and text[i + 1] == q and q != "]":
                out.append(q)
                i += 2
                continue
            break
        out.append(c)
        i += 1
    return "".join(out)


def _quote_of(tok: Token) -> str | None:
    c = tok.text[:1]
    if c == '"':
        return c
    if c in ("`", "[", "'") and dequote(tok.text).lower() in ("true", "false"):
        return "`"
    return None


def column_type(raw: str) -> str | None:
    """The declared type SQLite 3.40 derives from the raw source text of a
    column's type tokens (build.c, sqlite3AddColumn)."""
    t = raw
    if len(t) >= 16 and t[-6:].lower() == "always":
        t = t[:-6].rstrip(" \t\n\f\r")
        if len(t) >= 9 and t[-9:].lower() == "generated":
            t = t[:-9].rstrip(" \t\n\f\r")
    if len(t) >= 3:
        # sqlite3DequoteToken: strip one pair of quotes when nothing inside
        # is a quote character
        if t[0] in "'\"`[" and not any(c in "'\"`[" for c in t[1:-1]):
            t = t[1:-1]
        if t.upper() in _STD_TYPES:
            return t.upper()
    return _dequote_prefix(t) or None


class Parser:
    """Parses one SQL text. Use :func:`parse` / :func:`parse_one`."""

    def __init__(self, sql: str, version: tuple[int, int, int] = SQLITE_VERSION):
        self.sql = sql
        # grammar additions of later SQLite releases are off unless asked for
        self.aggregate_order_by = version >= (3, 44, 0)
        # tokens are read lazily: text after the point where parsing stops
        # is never scanned (a huge hostile script costs nothing past its
        # first error)
        self._source = iter_lex(sql)
        self.toks: list[Token] = [next(self._source)]
        self.pos = 0
        self.tok: Token = self.toks[0]
        self.depth = 0
        self.heights: dict[int, int] = {}
        self._keep: list[object] = []
        self.nvar = 0
        self.varnames: dict[str, int] = {}
        self.in_trigger = False
        # An error of a parse.y action: SQLite raises it when it reduces the
        # rule, i.e. once the next token has been accepted. A syntax error at
        # that next token therefore wins; see defer().
        self.pending: SQLSyntaxError | None = None

    # ------------------------------------------------------------------
    # token helpers

    def advance(self) -> Token:
        if self.pending is not None:
            raise self.pending
        tok = self.tok
        pos = self.pos + 1
        self.pos = pos
        toks = self.toks
        self.tok = toks[pos] if pos < len(toks) else self._token(pos)
        return tok

    def _token(self, i: int) -> Token:
        toks = self.toks
        while len(toks) <= i:
            last = toks[-1]
            if last.kind == "EOF":
                return last
            toks.append(next(self._source))
        return toks[i]

    def peek(self, k: int = 1) -> Token:
        return self._token(self.pos + k)

    def at(self, kind: str) -> bool:
        return self.tok.kind == kind

    def accept(self, kind: str) -> Token | None:
        if self.tok.kind == kind:
            return self.advance()
        return None

    def expect(self, kind: str) -> Token:
        if self.tok.kind == kind:
            return self.advance()
        raise self.error()

    def error(self, tok: Token | None = None) -> SQLSyntaxError:
        tok = self.tok if tok is None else tok
        if tok.kind == "ILLEGAL":
            return illegal_token_error(self.sql, tok)
        if tok.kind == "EOF":
            return SQLSyntaxError("incomplete input", self.sql, tok.offset, None)
        return SQLSyntaxError(f'near "{tok.text}": syntax error', self.sql, tok.offset, tok.text)

    def defer(self, message: str, tok: Token | None = None) -> None:
        """Record a parse-action error, raised when the next token is
        accepted (or the statement ends there)."""
        if self.pending is None:
            self.pending = self.fail(message, tok)

    def finish_statement(self) -> None:
        """The statement must end here: raise a syntax error at anything but
        ``;`` or the end, else the pending action error if any."""
        if self.tok.kind not in ("SEMI", "EOF"):
            raise self.error()
        if self.pending is not None:
            raise self.pending

    def fail(self, message: str, tok: Token | None = None) -> SQLSyntaxError:
        tok = self.tok if tok is None else tok
        return SQLSyntaxError(message, self.sql, tok.offset, tok.text or None)

    def nm(self) -> str:
        tok = self.tok
        if tok.kind in NM_KINDS:
            self.advance()
            return dequote(tok.text)
        raise self.error()

    def ids(self) -> str:
        tok = self.tok
        if tok.kind in IDS_KINDS:
            self.advance()
            return dequote(tok.text)
        raise self.error()

    def last_token(self) -> Token:
        return self.toks[self.pos - 1]

    def schema_text(self, prefix: str, name_tok: Token, end: int, rstrip: bool = False) -> str:
        text = self.sql[name_tok.offset:end]
        if rstrip:
            text = text.rstrip(" \t\n\v\f\r")
        return prefix + text

    def nm_dbnm(self) -> tuple[str | None, str]:
        first = self.nm()
        if self.accept("DOT"):
            return first, self.nm()
        return None, first

    # ------------------------------------------------------------------
    # limits

    def enter(self, k: int) -> None:
        self.depth += k
        if self.depth > _STACK_LIMIT:
            raise self.fail("parser stack overflow")

    def leave(self, k: int) -> None:
        self.depth -= k

    def need(self, k: int) -> None:
        if self.depth + k > _STACK_LIMIT:
            raise self.fail("parser stack overflow")

    def h(self, node) -> int:
        return self.heights.get(id(node), 1) if node is not None else 0

    def set_height(self, node, *parts) -> None:
        height = 0
        for part in parts:
            if part is None:
                continue
            if isinstance(part, list):
                for item in part:
                    x = self.h(item)
                    if x > height:
                        height = x
            else:
                x = self.h(part)
                if x > height:
                    height = x
        height += 1
        if height > MAX_EXPR_DEPTH:
            self.defer(f"Expression tree is too large (maximum depth {MAX_EXPR_DEPTH})")
        if height > 1:
            self.heights[id(node)] = height
            self._keep.append(node)

    # ------------------------------------------------------------------
    # statements

    def parse_script(self) -> list[A.Statement]:
        out: list[A.Statement] = []
        while True:
            while self.accept("SEMI"):
                pass
            if self.at("EOF"):
                return out
            out.append(self.statement_top())
            self.finish_statement()
            if not self.at("EOF"):
                self.expect("SEMI")

    def statement_top(self) -> A.Statement:
        self.nvar = 0
        self.varnames = {}
        self.pending = None
        self.depth = 0
        self.heights = {}
        self._keep = []
        try:
            return self.statement()
        except RecursionError:
            raise self.fail("parser stack overflow") from None

    def statement(self) -> A.Statement:
        kind = self.tok.kind
        if kind == "EXPLAIN":
            self.advance()
            query_plan = False
            if self.at("QUERY"):
                self.advance()
                self.expect("PLAN")
                query_plan = True
            self.enter(1)
            stmt = self.statement_cmd()
            self.leave(1)
            return A.Explain(stmt, query_plan)
        return self.statement_cmd()

    def statement_cmd(self) -> A.Statement:
        kind = self.tok.kind
        method = _STATEMENTS.get(kind)
        if method is None:
            raise self.error()
        return method(self)

    def st_with(self) -> A.Statement:
        with_ = self.with_clause()
        kind = self.tok.kind
        if kind in ("SELECT", "VALUES"):
            return self.select(with_)
        if kind in ("INSERT", "REPLACE"):
            return self.insert(with_)
        if kind == "UPDATE":
            return self.update(with_)
        if kind == "DELETE":
            return self.delete(with_)
        raise self.error()

    def st_select(self) -> A.Statement:
        return self.select()

    # ---- WITH

    def with_clause(self) -> A.With:
        self.expect("WITH")
        recursive = bool(self.accept("RECURSIVE"))
        ctes = []
        while True:
            name = self.nm()
            columns = self.eidlist_opt()
            self.expect("AS")
            materialized = None
            if self.accept("MATERIALIZED"):
                materialized = True
            elif self.accept("NOT"):
                self.expect("MATERIALIZED")
                materialized = False
            self.expect("LP")
            self.enter(5)  # WITH nm eidlist_opt wqas LP
            sel = self.select()
            self.need(2)
            self.leave(5)
            self.expect("RP")
            ctes.append(A.CommonTableExpression(name, columns, sel, materialized))
            if not self.accept("COMMA"):
                break
        return A.With(recursive, ctes)

    def eidlist_opt(self) -> list[str] | None:
        if not self.at("LP"):
            return None
        self.advance()
        names = self.eidlist()
        self.expect("RP")
        return names

    def eidlist(self) -> list[str]:
        """Names, each of which SQLite's grammar lets carry COLLATE and
        ASC/DESC only to reject them (parserAddExprIdListTerm)."""
        names = []
        while True:
            tok = self.tok
            names.append(self.nm())
            if self.at("COLLATE") or self.at("ASC") or self.at("DESC"):
                if self.accept("COLLATE"):
                    self.ids()
                if not self.accept("ASC"):
                    self.accept("DESC")
                self.defer(f'syntax error after column name "{tok.text}"', tok)
            if not self.accept("COMMA"):
                return names

    # ---- SELECT

    def select(self, with_: A.With | None = None) -> A.Select:
        if with_ is None and self.at("WITH"):
            with_ = self.with_clause()
        body, order_by, limit, offset = self.select_term()
        parts = [(body, order_by, limit, offset)]
        ops = []
        while self.tok.kind in ("UNION", "INTERSECT", "EXCEPT"):
            op = self.advance().kind
            if op == "UNION" and self.accept("ALL"):
                op = "UNION ALL"
            ops.append(op)
            self.enter(2)
            parts.append(self.select_term())
            self.leave(2)
        if len(parts) > 1:
            # parserDoubleLinkSelect: checked once the whole compound is read
            for i in range(len(parts) - 2, -1, -1):
                _, ob, lim, _ = parts[i]
                if ob or lim is not None:
                    what = "ORDER BY" if ob else "LIMIT"
                    self.defer(f"{what} clause should come after {ops[i]} not before")
            if len(parts) > MAX_COMPOUND_SELECT:
                self.defer("too many terms in compound SELECT")
            node = parts[0][0]
            for op, part in zip(ops, parts[1:]):
                node = A.Compound(op, node, part[0])
            body = node
            _, order_by, limit, offset = parts[-1]
        sel = A.Select(body, order_by, limit, offset, with_)
        heights = [self.h(p[0]) for p in parts]
        self.heights[id(sel)] = max(heights + [self.h(limit), self.h(offset)]
                                    + [self.h(t.expr) for t in order_by])
        self._keep.append(sel)
        return sel

    def select_term(self):
        if self.at("VALUES"):
            return self.values(), [], None, None
        self.expect("SELECT")
        self.enter(2)
        core = self.select_core()
        order_by: list[A.OrderingTerm] = []
        limit = offset = None
        # pending: selcollist from where_opt groupby_opt having_opt
        self.enter(5)
        if self.at("ORDER"):
            order_by = self.order_by()
        self.enter(1)  # orderby_opt
        if self.at("LIMIT"):
            limit, offset = self.limit()
        self.need(1)  # limit_opt, pushed before the whole term is reduced
        self.leave(8)
        return core, order_by, limit, offset

    def values(self) -> A.Values:
        self.expect("VALUES")
        rows = []
        self.enter(2)
        while True:
            self.expect("LP")
            rows.append(self.expr_list(nonempty=True))
            self.expect("RP")
            if not self.accept("COMMA"):
                break
        self.leave(2)
        node = A.Values(rows)
        self.heights[id(node)] = max((self.h(e) for r in rows for e in r), default=1)
        self._keep.append(node)
        return node

    def select_core(self) -> A.SelectCore:
        distinct = all_ = False
        if self.accept("DISTINCT"):
            distinct = True
        elif self.accept("ALL"):
            all_ = True
        columns = self.result_columns()
        core = A.SelectCore(distinct, all_, columns)
        self.enter(1)
        if self.accept("FROM"):
            self.enter(1)
            core.from_ = self.from_clause()
            self.leave(1)
        self.enter(1)
        if self.accept("WHERE"):
            self.enter(1)
            core.where = self.expr()
            self.leave(1)
        self.enter(1)  # where_opt
        if self.at("GROUP"):
            self.advance()
            self.expect("BY")
            self.enter(2)
            core.group_by = self.expr_list(nonempty=True)
            self.leave(2)
        if self.accept("HAVING"):
            self.enter(2)
            core.having = self.expr()
            self.leave(2)
        if self.at("WINDOW"):
            self.advance()
            self.enter(3)
            while True:
                name = self.nm()
                self.expect("AS")
                self.expect("LP")
                self.enter(3)
                spec = self.window_spec()
                self.leave(3)
                self.expect("RP")
                core.windows.append(A.NamedWindow(name, spec))
                if not self.accept("COMMA"):
                    break
            self.leave(3)
        self.leave(3)
        exprs = [c.expr for c in columns if isinstance(c, A.ResultColumn)]
        height = max([self.h(e) for e in exprs] + [self.h(core.where), self.h(core.having)]
                     + [self.h(e) for e in core.group_by] + [0])
        if height > 1:
            self.heights[id(core)] = height
            self._keep.append(core)
        return core

    def result_columns(self) -> list[A.Node]:
        columns: list[A.Node] = []
        self.enter(2)
        while True:
            tok = self.tok
            if tok.kind == "STAR":
                self.advance()
                columns.append(A.Star())
            elif (
                tok.kind in NM_KINDS
                # where an expression may start these are keywords, not names
                and tok.kind not in ("CTIME_KW", "CAST", "RAISE")
                and self.peek().kind == "DOT"
                and self.peek(2).kind == "STAR"
            ):
                self.advance()
                self.advance()
                self.advance()
                columns.append(A.Star(dequote(tok.text)))
            else:
                e = self.expr()
                self.need(3)
                alias = None
                if self.accept("AS"):
                    alias = self.nm()
                elif self.tok.kind in _ALIAS_KINDS:
                    alias = dequote(self.advance().text)
                columns.append(A.ResultColumn(e, alias))
            if not self.accept("COMMA"):
                break
        self.leave(2)
        return columns

    def order_by(self) -> list[A.OrderingTerm]:
        self.expect("ORDER")
        self.expect("BY")
        self.enter(2)
        terms = self.sort_list()
        self.leave(2)
        return terms

    def sort_list(self) -> list[A.OrderingTerm]:
        terms = []
        while True:
            e = self.expr()
            direction = None
            if self.at("ASC") or self.at("DESC"):
                direction = self.advance().kind
            nulls = None
            if self.at("NULLS"):
                self.advance()
                if self.at("FIRST") or self.at("LAST"):
                    nulls = self.advance().kind
                else:
                    raise self.error()
            terms.append(A.OrderingTerm(e, direction, nulls))
            if not self.accept("COMMA"):
                return terms

    def limit(self):
        self.expect("LIMIT")
        self.enter(1)
        limit = self.expr()
        offset = None
        if self.accept("OFFSET"):
            self.enter(2)
            offset = self.expr()
            self.leave(2)
        elif self.accept("COMMA"):
            self.enter(2)
            offset, limit = limit, self.expr()
            self.leave(2)
        self.leave(1)
        return limit, offset

    # ---- FROM

    def from_clause(self) -> A.JoinClause:
        first, on, using = self.table_source()
        if on is not None or using is not None:
            self.defer(
                f"a JOIN clause is required before {'ON' if on is not None else 'USING'}"
            )
        clause = A.JoinClause(first, [])
        while True:
            tok = self.tok
            natural = False
            if tok.kind == "COMMA":
                self.advance()
                op = ","
            elif tok.kind == "JOIN":
                self.advance()
                op = "JOIN"
            elif tok.kind == "JOIN_KW":
                words = [self.advance()]
                while not self.at("JOIN") and len(words) < 3:
                    if self.tok.kind in NM_KINDS:
                        words.append(self.advance())
                    else:
                        raise self.error()
                self.expect("JOIN")
                op, natural = self.join_type(words)
            else:
                return clause
            source, on, using = self.table_source()
            clause.joins.append(A.Join(op, source, natural, on, using))

    def join_type(self, words: list[Token]) -> tuple[str, bool]:
        bits = set()
        error = False
        for w in words:
            word = w.text.lower() if w.kind != "STRING" else None
            if word == "natural":
                bits.add("NATURAL")
            elif word == "left":
                bits.update(("LEFT", "OUTER"))
            elif word == "outer":
                bits.add("OUTER")
            elif word == "right":
                bits.update(("RIGHT", "OUTER"))
            elif word == "full":
                bits.update(("LEFT", "RIGHT", "OUTER"))
            elif word == "inner":
                bits.add("INNER")
            elif word == "cross":
                bits.update(("INNER", "CROSS"))
            else:
                error = True
        if (
            error
            or ("INNER" in bits and "OUTER" in bits)
            or ("OUTER" in bits and "LEFT" not in bits and "RIGHT" not in bits)
        ):
            text = " ".join(w.text for w in words)
            self.defer(f"unknown join type: {text}", words[0])
        natural = "NATURAL" in bits
        if "LEFT" in bits and "RIGHT" in bits:
            return "FULL", natural
        if "LEFT" in bits:
            return "LEFT", natural
        if "RIGHT" in bits:
            return "RIGHT", natural
        if "CROSS" in bits:
            return "CROSS", natural
        if "INNER" in bits:
            return "INNER", natural
        return "JOIN", natural

    def alias_opt(self) -> str | None:
        if self.accept("AS"):
            return self.nm()
        if self.tok.kind in IDS_KINDS:
            return dequote(self.advance().text)
        return None

    def table_source(self):
        # pending while a source is read: stl_prefix (the sources before it
        # and their join operator, or an empty prefix)
        self.enter(1)
        tok = self.tok
        if tok.kind == "LP":
            self.advance()
            self.enter(1)
            if self.tok.kind in _SELECT_START:
                sel = self.select()
                self.need(2)
                self.leave(1)
                self.expect("RP")
                source = A.SubqueryRef(sel, self.alias_opt())
            else:
                inner = self.from_clause()
                self.leave(1)
                self.expect("RP")
                alias = self.alias_opt()
                # "(item)" is the item itself, unless the item has an alias: SQLite keeps
                # that alias only where the parentheses open FROM (seltablist in parse.y)
                if not inner.joins and alias is None and getattr(
                        inner.first, "alias", None) is None:
                    source = inner.first
                else:
                    source = A.ParenJoin(inner, alias)
        elif tok.kind in NM_KINDS:
            schema, name = self.nm_dbnm()
            if self.at("LP"):
                self.advance()
                self.enter(3)
                args = self.expr_list(nonempty=False)
                self.leave(3)
                self.expect("RP")
                source = A.TableFunctionRef(name, schema, args, self.alias_opt())
            else:
                self.need(4)  # nm dbnm as on_using
                ref = A.TableRef(name, schema, self.alias_opt())
                self.indexed_opt(ref)
                source = ref
        else:
            raise self.error()
        on = using = None
        if self.accept("ON"):
            self.enter(4)  # nm dbnm as ON
            on = self.expr()
            self.leave(4)
        elif self.accept("USING"):
            self.expect("LP")
            using = self.id_list()
            self.expect("RP")
        self.leave(1)
        return source, on, using

    def indexed_opt(self, ref: A.TableRef) -> None:
        if self.at("INDEXED"):
            self.advance()
            self.expect("BY")
            ref.indexed_by = self.nm()
        elif self.at("NOT"):
            self.advance()
            self.expect("INDEXED")
            ref.not_indexed = True

    def id_list(self) -> list[str]:
        names = [self.nm()]
        while self.accept("COMMA"):
            names.append(self.nm())
        return names

    # ---- windows

    def window_spec(self) -> A.WindowSpec:
        spec = A.WindowSpec()
        tok = self.tok
        if tok.kind in NM_KINDS and tok.kind not in ("PARTITION", "RANGE", "ROWS", "GROUPS"):
            spec.base = self.nm()
        if self.at("PARTITION"):
            self.advance()
            self.expect("BY")
            self.enter(2)
            spec.partition_by = self.expr_list(nonempty=True)
            self.leave(2)
        if self.at("ORDER"):
            self.enter(2)
            spec.order_by = self.order_by()
            self.leave(2)
        if self.tok.kind in ("RANGE", "ROWS", "GROUPS"):
            spec.frame = self.frame()
        return spec

    def frame(self) -> A.Frame:
        unit = self.advance().kind
        self.enter(2)
        if self.accept("BETWEEN"):
            start = self.frame_bound(True)
            self.expect("AND")
            end = self.frame_bound(False)
        else:
            start = self.frame_bound(True)
            end = None
        self.leave(2)
        exclude = None
        if self.accept("EXCLUDE"):
            if self.at("NO"):
                self.advance()
                self.expect("OTHERS")
                exclude = "NO OTHERS"
            elif self.at("CURRENT"):
                self.advance()
                self.expect("ROW")
                exclude = "CURRENT ROW"
            elif self.at("GROUP"):
                self.advance()
                exclude = "GROUP"
            elif self.at("TIES"):
                self.advance()
                exclude = "TIES"
            else:
                raise self.error()
        s = start.kind
        e = end.kind if end is not None else "CURRENT ROW"
        if (s == "CURRENT ROW" and e == "PRECEDING") or (
            s == "FOLLOWING" and e in ("PRECEDING", "CURRENT ROW")
        ):
            self.defer("unsupported frame specification")
        return A.Frame(unit, start, end, exclude)

    def frame_bound(self, is_start: bool) -> A.FrameBound:
        if self.at("UNBOUNDED"):
            self.advance()
            if is_start:
                self.expect("PRECEDING")
                return A.FrameBound("UNBOUNDED PRECEDING")
            self.expect("FOLLOWING")
            return A.FrameBound("UNBOUNDED FOLLOWING")
        if self.at("CURRENT"):
            self.advance()
            self.expect("ROW")
            return A.FrameBound("CURRENT ROW")
        self.enter(1)
        e = self.expr()
        self.leave(1)
        if self.at("PRECEDING") or self.at("FOLLOWING"):
            return A.FrameBound(self.advance().kind, e)
        raise self.error()

    # ------------------------------------------------------------------
    # expressions

    def expr_list(self, nonempty: bool) -> list[A.Expr]:
        if not nonempty and self.at("RP"):
            return []
        items = [self.expr()]
        if self.at("COMMA"):
            self.enter(2)
            while self.accept("COMMA"):
                items.append(self.expr())
            self.leave(2)
        return items

    def expr(self, min_prec: int = A.P_OR) -> A.Expr:
        left = self.unary()
        return self.binary_tail(left, min_prec)

    def binary_tail(self, left: A.Expr, min_prec: int) -> A.Expr:
        while True:
            tok = self.tok
            kind = tok.kind
            prec = _BINARY_TOKENS.get(kind)
            if prec is not None:
                if prec < min_prec:
                    return left
                self.advance()
                op = _BINARY_OPS.get(kind) or tok.text.upper()
                if kind == "PTR":
                    op = tok.text
                self.enter(2)
                right = self.expr(prec + 1)
                self.leave(2)
                node = A.Binary(op, left, right)
                self.set_height(node, left, right)
                left = node
                continue
            if kind == "COLLATE":
                if A.P_COLLATE < min_prec:
                    return left
                self.need(3)  # expr COLLATE ids
                self.advance()
                left = A.Collate(left, self.ids())
                continue
            if min_prec > A.P_EQ:
                return left
            if kind in ("ISNULL", "NOTNULL"):
                self.need(2)
                self.advance()
                node = A.IsNull(left, kind == "NOTNULL")
                self.set_height(node, left)
                left = node
                continue
            if kind == "IS":
                left = self.is_expr(left)
                continue
            negated = False
            if kind == "NOT":
                nxt = self.peek().kind
                if nxt == "NULL":
                    self.need(3)
                    self.advance()
                    self.advance()
                    node = A.IsNull(left, True)
                    self.set_height(node, left)
                    left = node
                    continue
                if nxt not in ("LIKE_KW", "MATCH", "BETWEEN", "IN"):
                    if min_prec > A.P_EQ:
                        return left
                    # SQLite shifts the NOT and fails at what follows it
                    self.advance()
                    raise self.error()
                self.advance()
                negated = True
                kind = self.tok.kind
            if kind in ("LIKE_KW", "MATCH"):
                left = self.like_expr(left, negated)
            elif kind == "BETWEEN":
                left = self.between_expr(left, negated)
            elif kind == "IN":
                left = self.in_expr(left, negated)
            else:
                return left

    def is_expr(self, left: A.Expr) -> A.Expr:
        start = self.pos - 1
        self.advance()
        op = "IS"
        if self.accept("NOT"):
            op = "IS NOT"
            if self.accept("DISTINCT"):
                self.expect("FROM")
                op = "IS"
        elif self.accept("DISTINCT"):
            self.expect("FROM")
            op = "IS NOT"
        pending = self.pos - start  # expr IS [NOT] [DISTINCT FROM]
        self.enter(pending)
        right = self.expr(A.P_EQ + 1)
        self.leave(pending)
        if isinstance(right, A.Null):
            node: A.Expr = A.IsNull(left, op == "IS NOT")
        else:
            node = A.Binary(op, left, right)
        self.set_height(node, left, right)
        return node

    def like_expr(self, left: A.Expr, negated: bool) -> A.Expr:
        tok = self.advance()
        op = tok.text.upper()
        self.enter(2)
        pattern = self.expr(A.P_CMP)
        escape = None
        if self.accept("ESCAPE"):
            self.enter(2)
            escape = self.expr(A.P_CMP)
            self.leave(2)
        self.leave(2)
        node = A.Like(left, pattern, op, negated, escape)
        self.set_height(node, left, pattern, escape)
        return node

    def between_expr(self, left: A.Expr, negated: bool) -> A.Expr:
        self.advance()
        self.enter(2)
        # The lower bound ends at an AND of its own level; after an OR, AND
        # binds tighter, as in SQLite's LALR tables (so "x BETWEEN 1 OR 2
        # AND 3" never finds its AND).
        low = self.expr(A.P_NOT)
        while self.at("OR"):
            self.advance()
            self.enter(2)
            right = self.expr(A.P_AND)
            self.leave(2)
            node = A.Binary("OR", low, right)
            self.set_height(node, low, right)
            low = node
        self.expect("AND")
        self.enter(2)
        high = self.expr(A.P_CMP)
        self.leave(4)
        node = A.Between(left, low, high, negated)
        self.set_height(node, left)
        return node

    def in_expr(self, left: A.Expr, negated: bool) -> A.Expr:
        self.advance()
        node = A.In(left, negated)
        if self.at("LP"):
            self.advance()
            self.enter(3)
            if self.tok.kind in _SELECT_START:
                node.select = self.select()
                self.need(2)
            else:
                node.values = self.expr_list(nonempty=False)
                self.need(2)  # exprlist RP
            self.leave(3)
            self.expect("RP")
        else:
            node.schema, node.table = self.nm_dbnm()
            if self.at("LP"):
                self.advance()
                self.enter(4)
                node.table_args = self.expr_list(nonempty=False)
                self.leave(4)
                self.expect("RP")
        if (
            node.values is not None
            and len(node.values) == 1
            and not isinstance(node.values[0], A.Tuple)
            and _is_constant(node.values[0], functions=False)
        ):
            # parse.y turns "x IN (const)" into "x = +const": two levels
            height = max(self.h(left), self.h(node.values[0]) + 1) + 1
            if height > MAX_EXPR_DEPTH:
                self.defer(f"Expression tree is too large (maximum depth {MAX_EXPR_DEPTH})")
            self.heights[id(node)] = height
            self._keep.append(node)
        else:
            self.set_height(node, left, node.values, node.select)
        return node

    def unary(self) -> A.Expr:
        kind = self.tok.kind
        if kind in ("MINUS", "PLUS", "BITNOT"):
            op = self.advance().text
            self.enter(1)
            operand = self.expr(A.P_UNARY)
            self.leave(1)
            node = A.Unary(op, operand)
            self.set_height(node, operand)
            return node
        if kind == "NOT":
            self.advance()
            self.enter(1)
            operand = self.expr(A.P_EQ)
            self.leave(1)
            node = A.Unary("NOT", operand)
            self.set_height(node, operand)
            return node
        return self.primary()

    def primary(self) -> A.Expr:
        tok = self.tok
        kind = tok.kind
        if kind == "INTEGER" or kind == "FLOAT":
            self.need(1)
            self.advance()
            return A.Number(tok.text)
        if kind == "STRING":
            if self.peek().kind == "DOT":
                return self.column_ref()
            self.need(1)
            self.advance()
            return A.String(dequote(tok.text))
        if kind == "LP":
            return self.paren()
        if kind == "NULL":
            self.need(1)
            self.advance()
            return A.Null()
        if kind == "VARIABLE":
            self.need(1)
            self.advance()
            return self.variable(tok)
        if kind == "BLOB":
            self.need(1)
            self.advance()
            return A.Blob(tok.text[2:-1])
        if kind == "CTIME_KW":
            self.need(1)
            self.advance()
            return A.CurrentTime(tok.text.upper())
        if kind == "CAST":
            return self.cast()
        if kind == "CASE":
            return self.case()
        if kind == "EXISTS":
            self.advance()
            self.expect("LP")
            self.enter(2)
            sel = self.select()
            self.need(2)
            self.leave(2)
            self.expect("RP")
            node = A.Exists(sel)
            self.set_height(node, sel)
            return node
        if kind == "RAISE":
            return self.raise_()
        if kind in _IDJ_KINDS:
            # a join keyword names a column but never a function
            if kind != "JOIN_KW" and self.peek().kind == "LP":
                return self.function()
            return self.column_ref()
        raise self.error()

    def column_ref(self) -> A.Expr:
        self.need(1)
        first = self.advance()
        if not self.at("DOT"):
            return A.Column(dequote(first.text), quote=_quote_of(first))
        self.advance()
        second_tok = self.tok
        second = self.nm()
        if not self.at("DOT"):
            return A.Column(second, dequote(first.text), quote=_quote_of(second_tok))
        self.advance()
        third_tok = self.tok
        third = self.nm()
        return A.Column(third, second, dequote(first.text), quote=_quote_of(third_tok))

    def variable(self, tok: Token) -> A.Expr:
        text = tok.text
        c = text[0]
        if c == "?":
            if len(text) == 1:
                self.nvar += 1
                number = self.nvar
                if number > MAX_VARIABLE_NUMBER:
                    self.defer("too many SQL variables", tok)
                return A.Parameter("?", number)
            n = int(text[1:])
            if n < 1 or n > MAX_VARIABLE_NUMBER:
                self.defer(
                    f"variable number must be between ?1 and ?{MAX_VARIABLE_NUMBER}", tok
                )
            if n > self.nvar:
                self.nvar = n
            self.varnames.setdefault(text, n)
            return A.Parameter("?", n)
        if c == "#" and len(text) > 1 and text[1].isdigit():
            # "#NNN" is for SQLite's nested parses only; the action rejects it
            self.defer(f'near "{text}": syntax error', tok)
        number = self.varnames.get(text)
        if number is None:
            self.nvar += 1
            number = self.nvar
            if number > MAX_VARIABLE_NUMBER:
                self.defer("too many SQL variables", tok)
            self.varnames[text] = number
        return A.Parameter(text, number)

    def paren(self) -> A.Expr:
        self.advance()
        self.enter(1)
        if self.tok.kind in _SELECT_START:
            sel = self.select()
            self.need(2)
            self.leave(1)
            self.expect("RP")
            node: A.Expr = A.Subquery(sel)
            self.set_height(node, sel)
            return node
        first = self.expr()
        if self.at("COMMA"):
            items = [first]
            self.enter(2)  # nexprlist COMMA
            while self.accept("COMMA"):
                items.append(self.expr())
            self.need(2)  # expr RP
            self.leave(3)
            self.expect("RP")
            return A.Tuple(items)
        self.need(2)
        self.leave(1)
        self.expect("RP")
        return first

    def type_token(self) -> tuple[str, str]:
        """``typetoken``: (raw source text, type as SQLite derives it)."""
        if self.tok.kind not in IDS_KINDS:
            return "", ""
        start = self.tok.offset
        end_tok = self.advance()
        while self.tok.kind in IDS_KINDS:
            end_tok = self.advance()
        if self.at("LP"):
            self.advance()
            self.signed()
            if self.accept("COMMA"):
                self.signed()
            end_tok = self.expect("RP")
        raw = self.sql[start:end_tok.offset + len(end_tok.text)]
        return raw, raw

    def signed(self) -> str:
        sign = ""
        if self.at("PLUS") or self.at("MINUS"):
            sign = self.advance().text
        if self.at("INTEGER") or self.at("FLOAT"):
            return sign + self.advance().text
        raise self.error()

    def cast(self) -> A.Expr:
        self.advance()
        self.expect("LP")
        self.enter(2)
        operand = self.expr()
        self.expect("AS")
        raw, _ = self.type_token()
        self.need(4)  # expr AS typetoken RP
        self.leave(2)
        self.expect("RP")
        node = A.Cast(operand, _dequote_prefix(raw))
        self.set_height(node, operand)
        return node

    def case(self) -> A.Expr:
        self.advance()
        operand = None
        self.enter(1)
        if not self.at("WHEN"):
            operand = self.expr()
        self.enter(1)
        whens = []
        first = True
        while self.accept("WHEN"):
            extra = 1 if first else 2
            self.enter(extra)
            cond = self.expr()
            self.expect("THEN")
            self.enter(2)
            result = self.expr()
            self.leave(2 + extra)
            whens.append(A.When(cond, result))
            first = False
        if not whens:
            raise self.error()
        else_ = None
        if self.accept("ELSE"):
            self.enter(2)
            else_ = self.expr()
            self.leave(2)
        self.expect("END")
        self.leave(2)
        node = A.Case(operand, whens, else_)
        parts = [operand, else_] + [w.condition for w in whens] + [w.result for w in whens]
        self.set_height(node, *parts)
        return node

    def raise_(self) -> A.Expr:
        self.advance()
        self.expect("LP")
        if self.accept("IGNORE"):
            self.expect("RP")
            return A.Raise("IGNORE")
        if self.tok.kind in ("ROLLBACK", "ABORT", "FAIL"):
            action = self.advance().kind
        else:
            raise self.error()
        self.expect("COMMA")
        message = self.nm()
        self.expect("RP")
        return A.Raise(action, message)

    def function(self) -> A.Expr:
        name_tok = self.advance()
        self.advance()  # LP
        node = A.Function(dequote(name_tok.text))
        self.enter(3)
        if self.accept("STAR"):
            node.star = True
        else:
            if self.accept("DISTINCT"):
                node.distinct = True
            else:
                self.accept("ALL")
            node.args = self.expr_list(nonempty=False)
            if self.aggregate_order_by and self.at("ORDER"):
                node.order_by = self.order_by()
        self.need(2)
        self.leave(3)
        self.expect("RP")
        if len(node.args) > MAX_FUNCTION_ARG:
            self.defer(f"too many arguments on function {name_tok.text}")
        tail = 4 if node.star else 5  # idj LP [distinct exprlist | STAR] RP
        self.enter(tail)
        if self.at("FILTER"):
            self.advance()
            self.expect("LP")
            self.expect("WHERE")
            self.enter(3)
            node.filter = self.expr()
            self.leave(3)
            self.expect("RP")
        if self.at("OVER"):
            self.advance()
            if node.filter is not None:
                self.enter(1)  # filter_clause
            if self.accept("LP"):
                self.enter(2)
                node.over = self.window_spec()
                self.leave(2)
                self.expect("RP")
            else:
                node.over = self.nm()
            if node.filter is not None:
                self.leave(1)
        self.leave(tail)
        self.set_height(node, node.args, node.filter)
        return node

    # ------------------------------------------------------------------
    # CREATE

    def st_create(self) -> A.Statement:
        self.advance()
        temp = False
        if self.at("TEMP"):
            self.advance()
            temp = True
        kind = self.tok.kind
        if kind == "TABLE":
            return self.create_table(temp)
        if kind == "VIEW":
            return self.create_view(temp)
        if kind == "TRIGGER":
            return self.create_trigger(temp)
        if not temp:
            if kind == "UNIQUE" or kind == "INDEX":
                return self.create_index()
            if kind == "VIRTUAL":
                return self.create_virtual_table()
        raise self.error()

    def if_not_exists(self) -> bool:
        if self.at("IF"):
            self.advance()
            self.expect("NOT")
            self.expect("EXISTS")
            return True
        return False

    def if_exists(self) -> bool:
        if self.at("IF"):
            self.advance()
            self.expect("EXISTS")
            return True
        return False

    def create_table(self, temp: bool) -> A.CreateTable:
        self.advance()
        ine = self.if_not_exists()
        schema, name = self.nm_dbnm()
        name_tok = self.last_token()
        table = A.CreateTable(name, schema, temp, ine)
        if self.accept("AS"):
            table.as_select = self.select()
            return table
        self.expect("LP")
        # pending: create_table LP columnname carglist
        self.enter(4)
        seen: set[str] = set()
        pk_seen = False
        while True:
            # columnname carglist
            tok = self.tok
            if tok.kind not in NM_KINDS:
                raise self.error()
            col_name = self.nm()
            raw, _ = self.type_token()
            if len(table.columns) + 1 > MAX_COLUMN:
                self.defer(f"too many columns on {name}")
            if col_name.lower() in seen:
                self.defer(f"duplicate column name: {col_name}")
            seen.add(col_name.lower())
            col = A.ColumnDef(col_name, column_type(raw), [], raw)
            table.columns.append(col)
            pk_seen = self.column_constraints(table, col, pk_seen)
            if self.accept("COMMA"):
                if self.tok.kind in ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
                    self.table_constraints(table, pk_seen)
                    break
                continue
            break
        self.need(2)
        self.leave(4)
        rp = self.expect("RP")
        has_options = self.table_options(table)
        self.end_table(table)
        # build.c sqlite3EndTable: up to the closing parenthesis, or with
        # table options up to the token that follows them
        end = self.tok.offset if has_options else rp.offset + 1
        table.schema_sql = self.schema_text("CREATE TABLE ", name_tok, end)
        return table

    def end_table(self, table: A.CreateTable) -> None:
        """The checks of build.c's sqlite3EndTable that need no schema."""
        if table.columns and all(c.generated is not None for c in table.columns):
            self.defer("must have at least one non-generated column")
        if table.strict:
            for col in table.columns:
                if col.type is None or col.type == "":
                    self.defer(f"missing datatype for {table.name}.{col.name}")
                if col.type not in _STD_TYPES:
                    self.defer(
                        f'unknown datatype for {table.name}.{col.name}: "{col.type}"'
                    )
        if table.without_rowid:
            pk = table.primary_key
            autoinc = any(isinstance(c, A.TablePrimaryKey) and c.autoincrement
                          for c in table.constraints) or any(
                col.primary_key is not None and col.primary_key.autoincrement
                for col in table.columns)
            if autoinc:
                self.defer("AUTOINCREMENT not allowed on WITHOUT ROWID tables")
            if pk is None:
                self.defer(f"PRIMARY KEY missing on table {table.name}")

    def table_options(self, table: A.CreateTable) -> bool:
        """Parse the table options; True when there were any."""
        # table_option_set ::= . | table_option | table_option_set COMMA
        # table_option: the empty set may be followed by ", option".
        if self.tok.kind not in NM_KINDS and not self.at("WITHOUT"):
            if not self.accept("COMMA"):
                return False
        while True:
            if self.at("WITHOUT"):
                self.advance()
                opt_tok = self.tok
                opt = self.nm()
                if opt.lower() != "rowid":
                    self.defer(f"unknown table option: {opt_tok.text}", opt_tok)
                table.without_rowid = True
            else:
                opt_tok = self.tok
                opt = self.nm()
                if opt.lower() != "strict":
                    self.defer(f"unknown table option: {opt_tok.text}", opt_tok)
                table.strict = True
            if not self.accept("COMMA"):
                return True

    def conflict_clause(self) -> str | None:
        if self.at("ON"):
            self.advance()
            self.expect("CONFLICT")
            if self.tok.kind in _RESOLVE_TYPES:
                return self.advance().kind
            raise self.error()
        return None

    def column_constraints(self, table: A.CreateTable, col: A.ColumnDef, pk_seen: bool) -> bool:
        name = None
        while True:
            kind = self.tok.kind
            if kind == "CONSTRAINT":
                self.advance()
                name = self.nm()
                continue
            if kind == "DEFAULT":
                self.advance()
                c = self.default_value(col)
                c.name = name
                if col.generated is not None:
                    self.defer("cannot use DEFAULT on a generated column")
                col.constraints.append(c)
            elif kind == "NULL":
                self.advance()
                col.constraints.append(A.NullConstraint(name, self.conflict_clause()))
            elif kind == "NOT":
                self.advance()
                if self.accept("NULL"):
                    col.constraints.append(A.NotNullConstraint(name, self.conflict_clause()))
                elif self.at("DEFERRABLE"):
                    self.advance()
                    col.constraints.append(A.DeferrableConstraint(name, False,
                                                                  self.initially_opt()))
                else:
                    raise self.error()
            elif kind == "PRIMARY":
                self.advance()
                self.expect("KEY")
                direction = None
                if self.at("ASC") or self.at("DESC"):
                    direction = self.advance().kind
                conflict = self.conflict_clause()
                autoinc = bool(self.accept("AUTOINCREMENT"))
                if pk_seen:
                    self.defer(f'table "{table.name}" has more than one primary key')
                pk_seen = True
                if col.generated is not None:
                    self.defer("generated columns cannot be part of the PRIMARY KEY")
                if autoinc and not (col.type == "INTEGER" and direction != "DESC"):
                    self.defer("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY")
                col.constraints.append(A.PrimaryKeyConstraint(name, direction, conflict, autoinc))
            elif kind == "UNIQUE":
                self.advance()
                col.constraints.append(A.UniqueConstraint(name, self.conflict_clause()))
            elif kind == "CHECK":
                self.advance()
                self.expect("LP")
                self.enter(2)
                e = self.expr()
                self.leave(2)
                self.expect("RP")
                col.constraints.append(A.CheckConstraint(name, e))
            elif kind == "REFERENCES":
                col.constraints.append(A.ReferencesConstraint(name, self.references()))
            elif kind == "DEFERRABLE":
                self.advance()
                col.constraints.append(A.DeferrableConstraint(name, True, self.initially_opt()))
            elif kind == "COLLATE":
                self.advance()
                col.constraints.append(A.CollateConstraint(name, self.ids()))
            elif kind == "GENERATED" or kind == "AS":
                if kind == "GENERATED":
                    self.advance()
                    self.expect("ALWAYS")
                self.expect("AS")
                self.expect("LP")
                self.enter(2)
                e = self.expr()
                self.leave(2)
                self.expect("RP")
                storage = "VIRTUAL"
                type_tok = None
                if self.at("ID") or self.tok.kind in FALLBACK_ID:
                    type_tok = self.advance()
                    word = type_tok.text.lower()
                    if word == "stored":
                        storage = "STORED"
                    elif word != "virtual":
                        self.defer(f'error in generated column "{col.name}"', type_tok)
                if col.default is not None:
                    self.defer(f'error in generated column "{col.name}"')
                if col.primary_key is not None:
                    self.defer("generated columns cannot be part of the PRIMARY KEY")
                col.constraints.append(A.GeneratedConstraint(name, e, storage))
            else:
                return pk_seen
            name = None

    def initially_opt(self) -> str | None:
        if self.accept("INITIALLY"):
            if self.at("DEFERRED") or self.at("IMMEDIATE"):
                return self.advance().kind
            raise self.error()
        return None

    def default_value(self, col: A.ColumnDef) -> A.DefaultConstraint:
        tok = self.tok
        kind = tok.kind
        if kind == "LP":
            self.advance()
            self.enter(2)
            e = self.expr()
            end = self.tok.offset
            self.leave(2)
            self.expect("RP")
            # the text between the parentheses, trimmed (sqlite3DbSpanDup)
            text = self.sql[tok.offset + 1:end].strip(" \t\n\v\f\r")
            if not _is_constant(e):
                self.defer(f"default value of column [{col.name}] is not constant")
            return A.DefaultConstraint(None, e, text)
        if kind in ("PLUS", "MINUS"):
            self.advance()
            term_tok = self.tok
            term = self.default_term()
            if term is None:
                raise self.error()
            text = self.sql[tok.offset:term_tok.offset + len(term_tok.text)]
            # parse.y keeps "-term" as a negation and drops a "+"
            node = A.Unary("-", term) if kind == "MINUS" else term
            return A.DefaultConstraint(None, node, text)
        term = self.default_term()
        if term is not None:
            return A.DefaultConstraint(None, term, tok.text)
        if kind in ID_KINDS:
            self.advance()
            word = dequote(tok.text)
            if tok.text[0] not in "\"`[" and word.lower() in ("true", "false"):
                return A.DefaultConstraint(None, A.Boolean(word.lower() == "true"), tok.text)
            return A.DefaultConstraint(None, A.String(word), tok.text)
        raise self.error()

    def default_term(self) -> A.Expr | None:
        tok = self.tok
        kind = tok.kind
        if kind in ("INTEGER", "FLOAT"):
            self.advance()
            return A.Number(tok.text)
        if kind == "STRING":
            self.advance()
            return A.String(dequote(tok.text))
        if kind == "BLOB":
            self.advance()
            return A.Blob(tok.text[2:-1])
        if kind == "NULL":
            self.advance()
            return A.Null()
        if kind == "CTIME_KW":
            self.advance()
            return A.CurrentTime(tok.text.upper())
        return None

    def references(self) -> A.ForeignKeyClause:
        self.expect("REFERENCES")
        clause = A.ForeignKeyClause(self.nm(), self.eidlist_opt())
        while True:
            if self.at("MATCH"):
                self.advance()
                clause.match.append(self.nm())
            elif self.at("ON"):
                self.advance()
                if self.tok.kind not in ("INSERT", "DELETE", "UPDATE"):
                    raise self.error()
                event = self.advance().kind
                clause.actions.append((event, self.ref_action()))
            else:
                return clause

    def ref_action(self) -> str:
        if self.accept("SET"):
            if self.accept("NULL"):
                return "SET NULL"
            if self.accept("DEFAULT"):
                return "SET DEFAULT"
            raise self.error()
        if self.accept("CASCADE"):
            return "CASCADE"
        if self.accept("RESTRICT"):
            return "RESTRICT"
        if self.accept("NO"):
            self.expect("ACTION")
            return "NO ACTION"
        raise self.error()

    def table_constraints(self, table: A.CreateTable, pk_seen: bool) -> None:
        name = None
        while True:
            kind = self.tok.kind
            if kind == "CONSTRAINT":
                # "CONSTRAINT name" is a table constraint of its own; a
                # comma after it forgets the name (parse.y tconscomma)
                self.advance()
                name = self.nm()
                if self.at("RP"):
                    return
                if self.accept("COMMA"):
                    name = None
                continue
            if kind == "PRIMARY":
                self.advance()
                self.expect("KEY")
                self.expect("LP")
                self.enter(3)
                cols = self.sort_list()
                self.leave(3)
                autoinc = bool(self.accept("AUTOINCREMENT"))
                self.expect("RP")
                conflict = self.conflict_clause()
                if pk_seen:
                    self.defer(f'table "{table.name}" has more than one primary key')
                pk_seen = True
                self.check_table_pk(table, cols, autoinc)
                table.constraints.append(A.TablePrimaryKey(name, cols, conflict, autoinc))
            elif kind == "UNIQUE":
                self.advance()
                self.expect("LP")
                self.enter(3)
                cols = self.sort_list()
                self.leave(3)
                self.expect("RP")
                table.constraints.append(A.TableUnique(name, cols, self.conflict_clause()))
            elif kind == "CHECK":
                self.advance()
                self.expect("LP")
                self.enter(2)
                e = self.expr()
                self.leave(2)
                self.expect("RP")
                table.constraints.append(A.TableCheck(name, e, self.conflict_clause()))
            elif kind == "FOREIGN":
                self.advance()
                self.expect("KEY")
                self.expect("LP")
                cols = self.eidlist()
                self.expect("RP")
                clause = self.references()
                if self.at("DEFERRABLE") or (self.at("NOT") and self.peek().kind == "DEFERRABLE"):
                    clause.deferrable = not self.accept("NOT")
                    self.advance()
                    clause.initially = self.initially_opt()
                table.constraints.append(A.TableForeignKey(name, cols, clause))
            else:
                raise self.error()
            name = None
            if self.at("RP"):
                return
            self.accept("COMMA")

    def check_table_pk(self, table: A.CreateTable, cols, autoinc: bool) -> None:
        by_name = {c.name.lower(): c for c in table.columns}
        for term in cols:
            cname = term.column_name
            col = by_name.get(cname.lower()) if cname is not None else None
            if col is not None and col.generated is not None:
                self.defer("generated columns cannot be part of the PRIMARY KEY")
        if autoinc:
            ok = False
            if len(cols) == 1:
                cname = cols[0].column_name
                col = by_name.get(cname.lower()) if cname is not None else None
                ok = col is not None and col.type == "INTEGER" and cols[0].direction != "DESC"
            if not ok:
                self.defer("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY")

    def create_index(self) -> A.CreateIndex:
        unique = bool(self.accept("UNIQUE"))
        self.expect("INDEX")
        ine = self.if_not_exists()
        schema, name = self.nm_dbnm()
        name_tok = self.last_token()
        self.expect("ON")
        table = self.nm()
        self.expect("LP")
        self.enter(9)
        cols = self.sort_list()
        self.leave(9)
        self.expect("RP")
        where = None
        if self.accept("WHERE"):
            self.enter(12)
            where = self.expr()
            self.leave(12)
        node = A.CreateIndex(name, schema, table, unique, ine, cols, where)
        # build.c sqlite3CreateIndex: up to the token after the statement
        node.schema_sql = self.schema_text(
            "CREATE UNIQUE INDEX " if unique else "CREATE INDEX ", name_tok, self.tok.offset)
        return node

    def create_view(self, temp: bool) -> A.CreateView:
        self.advance()
        ine = self.if_not_exists()
        schema, name = self.nm_dbnm()
        name_tok = self.last_token()
        columns = self.eidlist_opt()
        self.expect("AS")
        self.enter(7)
        sel = self.select()
        self.leave(7)
        node = A.CreateView(name, schema, temp, ine, columns, sel)
        # build.c sqlite3CreateView: up to the next token, trailing space cut
        node.schema_sql = self.schema_text("CREATE VIEW ", name_tok, self.tok.offset, True)
        return node

    def create_virtual_table(self) -> A.CreateVirtualTable:
        self.advance()
        self.expect("TABLE")
        ine = self.if_not_exists()
        schema, name = self.nm_dbnm()
        name_tok = self.last_token()
        self.expect("USING")
        module = self.nm()
        node = A.CreateVirtualTable(name, schema, ine, module)
        if not self.at("LP"):
            end = self.last_token()
            node.schema_sql = self.schema_text(
                "CREATE VIRTUAL TABLE ", name_tok, end.offset + len(end.text))
            return node
        self.advance()
        args: list[str] = []
        start = None
        end = 0
        nesting = 0
        self.enter(3)  # create_vtab LP vtabarg
        while True:
            tok = self.tok
            if tok.kind == "EOF":
                raise self.error()
            if tok.kind == "ILLEGAL":
                raise self.error()
            if nesting == 0 and tok.kind in ("COMMA", "RP"):
                if start is not None:
                    args.append(self.sql[start:end])
                start = None
                self.advance()
                if tok.kind == "RP":
                    break
                continue
            if tok.kind == "LP":
                nesting += 1
                self.enter(2)  # lp anylist
            elif tok.kind == "RP":
                nesting -= 1
                self.leave(2)
            else:
                self.need(1)
            if start is None:
                start = tok.offset
            end = tok.offset + len(tok.text)
            self.advance()
        self.leave(3)
        node.args = args
        end = self.last_token()
        node.schema_sql = self.schema_text(
            "CREATE VIRTUAL TABLE ", name_tok, end.offset + len(end.text))
        return node

    def create_trigger(self, temp: bool) -> A.CreateTrigger:
        self.advance()
        ine = self.if_not_exists()
        schema, name = self.nm_dbnm()
        name_tok = self.last_token()
        trig = A.CreateTrigger(name, schema, temp, ine)
        if self.at("BEFORE") or self.at("AFTER"):
            trig.timing = self.advance().kind
        elif self.at("INSTEAD"):
            self.advance()
            self.expect("OF")
            trig.timing = "INSTEAD OF"
        if self.at("DELETE") or self.at("INSERT"):
            trig.event = self.advance().kind
        elif self.accept("UPDATE"):
            trig.event = "UPDATE"
            if self.accept("OF"):
                trig.columns = self.id_list()
        else:
            raise self.error()
        self.expect("ON")
        trig.table_schema, trig.table = self.nm_dbnm()
        if self.accept("FOR"):
            self.expect("EACH")
            self.expect("ROW")
            trig.for_each_row = True
        if self.accept("WHEN"):
            # createkw temp TRIGGER ifnotexists nm dbnm trigger_time
            # trigger_event ON fullname foreach_clause WHEN
            self.enter(12)
            trig.when = self.expr()
            self.leave(12)
        self.expect("BEGIN")
        self.in_trigger = True
        self.enter(3)  # createkw trigger_decl BEGIN
        first = True
        while True:
            extra = 0 if first else 1  # trigger_cmd_list
            if self.tok.kind in _SELECT_START:
                extra += 1  # scanpt
            self.enter(extra)
            trig.body.append(self.trigger_command())
            self.leave(extra)
            first = False
            self.expect("SEMI")
            if self.at("END"):
                end = self.advance()
                break
        trig.schema_sql = self.schema_text("CREATE TRIGGER ", name_tok, end.offset + len(end.text))
        self.leave(3)
        self.in_trigger = False
        return trig

    def trigger_target(self, indexed: bool = True) -> A.TableRef:
        name = self.nm()
        if self.at("DOT"):
            tok = self.tok
            self.advance()
            self.nm()
            self.defer(
                "qualified table names are not allowed on INSERT, UPDATE, and DELETE "
                "statements within triggers", tok)
        ref = A.TableRef(name)
        if indexed and (self.at("INDEXED") or self.at("NOT")):
            tok = self.tok
            self.indexed_opt(ref)
            clause = "NOT INDEXED" if ref.not_indexed else "INDEXED BY"
            self.defer(
                f"the {clause} clause is not allowed on UPDATE or DELETE statements "
                "within triggers", tok)
        return ref

    def trigger_command(self) -> A.Statement:
        kind = self.tok.kind
        if kind == "UPDATE":
            self.advance()
            conflict = self.or_conflict()
            ref = self.trigger_target()
            self.expect("SET")
            node = A.Update(ref, conflict, self.set_list())
            if self.accept("FROM"):
                node.from_ = self.from_clause()
            if self.accept("WHERE"):
                node.where = self.expr()
            return node
        if kind in ("INSERT", "REPLACE"):
            verb = self.advance().kind
            conflict = self.or_conflict() if verb == "INSERT" else None
            self.expect("INTO")
            ref = self.trigger_target(indexed=False)
            node = A.Insert(ref.name, None, None, verb, conflict)
            node.columns = self.paren_id_list()
            node.select = self.select()
            self.upsert(node)
            return node
        if kind == "DELETE":
            self.advance()
            self.expect("FROM")
            ref = self.trigger_target()
            node = A.Delete(ref)
            if self.accept("WHERE"):
                node.where = self.expr()
            return node
        if kind in ("SELECT", "VALUES", "WITH"):
            return self.select()
        raise self.error()

    # ------------------------------------------------------------------
    # DML

    def or_conflict(self) -> str | None:
        if self.accept("OR"):
            if self.tok.kind in _RESOLVE_TYPES:
                return self.advance().kind
            raise self.error()
        return None

    def xfullname(self) -> A.TableRef:
        schema, name = self.nm_dbnm()
        alias = None
        if self.accept("AS"):
            alias = self.nm()
        return A.TableRef(name, schema, alias)

    def paren_id_list(self) -> list[str] | None:
        if not self.at("LP"):
            return None
        self.advance()
        names = self.id_list()
        self.expect("RP")
        return names

    def st_insert(self) -> A.Statement:
        return self.insert(None)

    def insert(self, with_: A.With | None) -> A.Insert:
        verb = self.advance().kind
        conflict = self.or_conflict() if verb == "INSERT" else None
        self.expect("INTO")
        ref = self.xfullname()
        node = A.Insert(ref.name, ref.schema, ref.alias, verb, conflict, with_=with_)
        node.columns = self.paren_id_list()
        if self.at("DEFAULT"):
            self.advance()
            self.expect("VALUES")
            node.returning = self.returning_opt()
            return node
        self.enter(5)  # with insert_cmd INTO xfullname idlist_opt
        node.select = self.select()
        self.enter(1)  # select
        self.upsert(node)
        self.leave(6)
        return node

    def upsert(self, node: A.Insert) -> None:
        # each clause nests the following ones in parse.y (upsert ::= ON
        # CONFLICT ... upsert): its symbols stay pending
        pending = 0
        while self.at("ON"):
            start = self.pos
            self.advance()
            self.expect("CONFLICT")
            up = A.Upsert()
            if self.accept("LP"):
                self.enter(3)
                up.target = self.sort_list()
                self.leave(3)
                self.expect("RP")
                if self.accept("WHERE"):
                    self.enter(5)
                    up.target_where = self.expr()
                    self.leave(5)
                self.enter(1)  # where_opt
            self.expect("DO")
            if self.accept("NOTHING"):
                up.action = "NOTHING"
            else:
                self.expect("UPDATE")
                self.expect("SET")
                up.action = "UPDATE"
                done = self.pos - start - (1 if up.target is not None else 0)
                self.enter(done)
                up.sets = self.set_list()
                if self.accept("WHERE"):
                    self.enter(2)
                    up.where = self.expr()
                    self.leave(2)
                self.leave(done)
            if up.target is not None:
                self.leave(1)
            node.upsert.append(up)
            pending += 5
            self.enter(5)
            if up.target is None:
                break
        node.returning = self.returning_opt()
        self.leave(pending)

    def returning_opt(self) -> list[A.Node] | None:
        if not self.at("RETURNING"):
            return None
        tok = self.advance()
        if self.in_trigger:
            self.defer("cannot use RETURNING in a trigger", tok)
        return self.result_columns()

    def set_list(self) -> list[A.SetItem]:
        items = []
        pending = 2  # nm EQ (then setlist COMMA nm EQ)
        while True:
            self.enter(pending)
            if self.accept("LP"):
                cols = self.id_list()
                self.expect("RP")
                self.expect("EQ")
                e = self.expr()
                # (the width of a subquery is checked later, at name
                # resolution, as in SQLite)
                n = _vector_size(e)
                if n is not None and n != len(cols) and not isinstance(e, A.Subquery):
                    self.defer(f"{len(cols)} columns assigned {n} values")
                items.append(A.SetItem(cols, e, True))
            else:
                col = self.nm()
                self.expect("EQ")
                items.append(A.SetItem([col], self.expr()))
            self.leave(pending)
            pending = 4
            if not self.accept("COMMA"):
                return items

    def st_update(self) -> A.Statement:
        return self.update(None)

    def update(self, with_: A.With | None) -> A.Update:
        self.advance()
        conflict = self.or_conflict()
        ref = self.xfullname()
        self.indexed_opt(ref)
        self.expect("SET")
        node = A.Update(ref, conflict, with_=with_)
        self.enter(6)
        node.sets = self.set_list()
        self.enter(1)  # setlist
        if self.accept("FROM"):
            self.enter(1)
            node.from_ = self.from_clause()
            self.leave(1)
        self.enter(1)  # from
        if self.accept("WHERE"):
            self.enter(1)
            node.where = self.expr()
            self.leave(1)
        self.leave(3)
        node.returning = self.returning_opt()
        self.dml_order_limit(node, "UPDATE")
        self.leave(6)
        return node

    def dml_order_limit(self, node, what: str) -> None:
        if self.at("ORDER"):
            node.order_by = self.order_by()
        if self.at("LIMIT"):
            node.limit, node.offset = self.limit()
        if node.order_by and node.limit is None:
            self.defer(f"ORDER BY without LIMIT on {what}")

    def st_delete(self) -> A.Statement:
        return self.delete(None)

    def delete(self, with_: A.With | None) -> A.Delete:
        self.advance()
        self.expect("FROM")
        ref = self.xfullname()
        self.indexed_opt(ref)
        node = A.Delete(ref, with_=with_)
        self.enter(6)
        if self.accept("WHERE"):
            node.where = self.expr()
        node.returning = self.returning_opt()
        self.dml_order_limit(node, "DELETE")
        self.leave(6)
        return node

    # ------------------------------------------------------------------
    # other statements

    def st_drop(self) -> A.Statement:
        self.advance()
        kind = self.tok.kind
        if kind not in ("TABLE", "INDEX", "VIEW", "TRIGGER"):
            raise self.error()
        self.advance()
        if_exists = self.if_exists()
        schema, name = self.nm_dbnm()
        return A.Drop(kind, name, schema, if_exists)

    def st_alter(self) -> A.Statement:
        self.advance()
        self.expect("TABLE")
        schema, table = self.nm_dbnm()
        node = A.AlterTable(table, schema)
        if self.accept("RENAME"):
            if self.accept("TO"):
                node.action = "RENAME TO"
                node.new_name = self.nm()
                return node
            self.accept("COLUMN")
            node.action = "RENAME COLUMN"
            node.column = self.nm()
            self.expect("TO")
            node.new_name = self.nm()
            return node
        if self.accept("ADD"):
            self.accept("COLUMN")
            node.action = "ADD COLUMN"
            if self.tok.kind not in NM_KINDS:
                raise self.error()
            col_name = self.nm()
            raw, _ = self.type_token()
            col = A.ColumnDef(col_name, column_type(raw), [], raw)
            shell = A.CreateTable(table, schema)
            shell.columns.append(col)
            self.enter(4)
            self.column_constraints(shell, col, False)
            self.leave(4)
            node.column_def = col
            return node
        if self.accept("DROP"):
            self.accept("COLUMN")
            node.action = "DROP COLUMN"
            node.column = self.nm()
            return node
        raise self.error()

    def trans_opt(self) -> None:
        if self.accept("TRANSACTION"):
            if self.tok.kind in NM_KINDS:
                self.nm()

    def st_begin(self) -> A.Statement:
        self.advance()
        mode = None
        if self.tok.kind in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            mode = self.advance().kind
        self.trans_opt()
        return A.Begin(mode)

    def st_commit(self) -> A.Statement:
        self.advance()
        self.trans_opt()
        return A.Commit()

    def st_rollback(self) -> A.Statement:
        self.advance()
        self.trans_opt()
        if self.accept("TO"):
            self.accept("SAVEPOINT")
            return A.Rollback(self.nm())
        return A.Rollback()

    def st_savepoint(self) -> A.Statement:
        self.advance()
        return A.Savepoint(self.nm())

    def st_release(self) -> A.Statement:
        self.advance()
        self.accept("SAVEPOINT")
        return A.Release(self.nm())

    def st_pragma(self) -> A.Statement:
        self.advance()
        schema, name = self.nm_dbnm()
        node = A.Pragma(name, schema)
        if self.accept("EQ"):
            node.value = self.pragma_value()
        elif self.accept("LP"):
            node.value = self.pragma_value()
            node.call = True
            self.expect("RP")
        return node

    def pragma_value(self) -> str:
        tok = self.tok
        if tok.kind == "MINUS":
            self.advance()
            if self.at("INTEGER") or self.at("FLOAT"):
                return "-" + self.advance().text
            raise self.error()
        if tok.kind == "PLUS":
            self.advance()
            if self.at("INTEGER") or self.at("FLOAT"):
                return self.advance().text
            raise self.error()
        if tok.kind in ("INTEGER", "FLOAT"):
            return self.advance().text
        if tok.kind in ("ON", "DELETE", "DEFAULT"):
            return self.advance().text
        return self.nm()

    def st_attach(self) -> A.Statement:
        self.advance()
        self.accept("DATABASE")
        self.enter(2)
        expr = self.expr()
        self.expect("AS")
        schema = self.expr()
        key = None
        if self.accept("KEY"):
            key = self.expr()
        self.leave(2)
        return A.Attach(expr, schema, key)

    def st_detach(self) -> A.Statement:
        self.advance()
        self.accept("DATABASE")
        self.enter(2)
        e = self.expr()
        self.leave(2)
        return A.Detach(e)

    def st_vacuum(self) -> A.Statement:
        self.advance()
        node = A.Vacuum()
        if self.tok.kind in NM_KINDS:
            node.schema = self.nm()
        if self.accept("INTO"):
            self.enter(2)
            node.into = self.expr()
            self.leave(2)
        return node

    def st_analyze(self) -> A.Statement:
        self.advance()
        if self.tok.kind in NM_KINDS:
            schema, name = self.nm_dbnm()
            return A.Analyze(name, schema)
        return A.Analyze()

    def st_reindex(self) -> A.Statement:
        self.advance()
        if self.tok.kind in NM_KINDS:
            schema, name = self.nm_dbnm()
            return A.Reindex(name, schema)
        return A.Reindex()


def _vector_size(e: A.Expr) -> int | None:
    """sqlite3ExprVectorSize: items of a row value, result columns of a
    subquery (None when a ``*`` hides the count), 1 otherwise."""
    if isinstance(e, A.Tuple):
        return len(e.items)
    if isinstance(e, A.Subquery):
        body = e.select.body
        while isinstance(body, A.Compound):
            body = body.left
        if isinstance(body, A.Values):
            return len(body.rows[0])
        if any(isinstance(c, A.Star) for c in body.columns):
            return None
        return len(body.columns)
    return 1


def _is_constant(e: A.Expr, functions: bool = True) -> bool:
    """sqlite3ExprIsConstantOrFunction as used for DEFAULT (expr): no column
    references (TRUE/FALSE excepted), subqueries, parameters or window
    functions. With ``functions`` False, sqlite3ExprIsConstant at parse time:
    parameters are constant, function calls are not."""
    for node in e.walk():
        if not functions:
            if isinstance(node, A.Function):
                return False
            if isinstance(node, A.Parameter):
                continue
        if isinstance(node, A.Column):
            if node.table is not None or node.name.lower() not in ("true", "false"):
                return False
        elif isinstance(node, (A.Subquery, A.Exists, A.Parameter, A.Raise)):
            return False
        elif isinstance(node, A.In) and (node.select is not None or node.table is not None):
            return False
        elif isinstance(node, A.Function) and node.over is not None:
            return False
    return True


_BINARY_TOKENS: dict[str, int] = {
    "OR": A.P_OR,
    "AND": A.P_AND,
    "EQ": A.P_EQ,
    "NE": A.P_EQ,
    "LT": A.P_CMP,
    "LE": A.P_CMP,
    "GT": A.P_CMP,
    "GE": A.P_CMP,
    "BITAND": A.P_BIT,
    "BITOR": A.P_BIT,
    "LSHIFT": A.P_BIT,
    "RSHIFT": A.P_BIT,
    "PLUS": A.P_ADD,
    "MINUS": A.P_ADD,
    "STAR": A.P_MUL,
    "SLASH": A.P_MUL,
    "REM": A.P_MUL,
    "CONCAT": A.P_CONCAT,
    "PTR": A.P_CONCAT,
}
_BINARY_OPS: dict[str, str] = {
    "OR": "OR",
    "AND": "AND",
    "EQ": "=",
    "NE": "<>",
    "LT": "<",
    "LE": "<=",
    "GT": ">",
    "GE": ">=",
    "BITAND": "&",
    "BITOR": "|",
    "LSHIFT": "<<",
    "RSHIFT": ">>",
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "SLASH": "/",
    "REM": "%",
    "CONCAT": "||",
}

_STATEMENTS = {
    "SELECT": Parser.st_select,
    "VALUES": Parser.st_select,
    "WITH": Parser.st_with,
    "CREATE": Parser.st_create,
    "INSERT": Parser.st_insert,
    "REPLACE": Parser.st_insert,
    "UPDATE": Parser.st_update,
    "DELETE": Parser.st_delete,
    "DROP": Parser.st_drop,
    "ALTER": Parser.st_alter,
    "BEGIN": Parser.st_begin,
    "COMMIT": Parser.st_commit,
    "END": Parser.st_commit,
    "ROLLBACK": Parser.st_rollback,
    "SAVEPOINT": Parser.st_savepoint,
    "RELEASE": Parser.st_release,
    "PRAGMA": Parser.st_pragma,
    "ATTACH": Parser.st_attach,
    "DETACH": Parser.st_detach,
    "VACUUM": Parser.st_vacuum,
    "ANALYZE": Parser.st_analyze,
    "REINDEX": Parser.st_reindex,
}

def parse(sql: str, version: tuple[int, int, int] = SQLITE_VERSION) -> list[A.Statement]:
    """Every statement of ``sql`` (a script; empty statements skipped).
    ``version`` selects the SQLite grammar: 3.40.1 by default; from 3.44.0
    aggregate calls may carry ``ORDER BY``."""
    return Parser(sql, version).parse_script()


def parse_one(sql: str, version: tuple[int, int, int] = SQLITE_VERSION) -> A.Statement | None:
    """The one statement of ``sql``, as sqlite3's ``execute`` accepts it: the
    first statement is parsed (and its errors raised); anything but
    whitespace and comments after its semicolon raises ProgrammingError
    ("You can only execute one statement at a time."). Returns None when
    ``sql`` holds no statement at all."""
    p = Parser(sql, version)
    while p.accept("SEMI"):
        pass
    if p.at("EOF"):
        return None
    stmt = p.statement_top()
    p.finish_statement()
    if not p.at("EOF"):
        p.advance()
        if not p.at("EOF"):
            raise ProgrammingError("You can only execute one statement at a time.")
    return stmt


def parse_expression(sql: str, version: tuple[int, int, int] = SQLITE_VERSION) -> A.Expr:
    """One expression (for tests and for the schema layer's DEFAULT text)."""
    p = Parser(sql, version)
    e = p.expr()
    if not p.at("EOF"):
        raise p.error()
    p.finish_statement()
    return e
