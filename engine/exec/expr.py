"""The expression compiler: an AST expression becomes a Python closure once per
statement, so rows are never evaluated by re-walking the tree.

Implements lang_expr.html and datatype3.html sections 3-7 on top of
``engine.values``: three-valued logic, the affinity of an expression (a
column's declared affinity, CAST's type, a scalar subquery's first column; no
affinity otherwise), the affinity applied to the operands of a comparison
(numeric when either side is numeric and both have one; otherwise the one side
that has TEXT affinity converts an affinity-less other side), and the collating
sequence of a binary comparison (an explicit COLLATE on the left operand, else
one on the right, else the left column's collation, else the right's, else
BINARY).  Every closure takes one argument: the current row of the query level
being evaluated (a flat tuple); correlated references read the enclosing
level's current row from a holder.
"""

from __future__ import annotations

from .. import values as V
from ..errors import NotSupportedError, OperationalError

__all__ = ["CExpr", "ExprCompiler", "comparison_affinity", "NUMERIC_AFFS"]

NUMERIC_AFFS = frozenset(("INTEGER", "REAL", "NUMERIC"))


class CExpr:
    """A compiled expression: ``fn(row)`` plus what the planner and the comparison rules
    need to know about it."""

    __slots__ = ("fn", "aff", "coll", "explicit", "const", "value", "column", "uses_row",
                 "cmps", "pred", "logic")

    def __init__(self, fn, aff=None, coll=None, explicit=False, const=False, value=None,
                 column=None, uses_row=True):
        self.cmps = ()  # comparisons this expression implies, for the planner
        self.pred = None  # an equivalent row -> bool test, where a faster one exists
        # ("AND"|"OR", a, b) or ("NOT", a): how a condition short-circuits (jumps)
        self.logic = None
        self.fn = fn
        self.aff = aff  # None = no affinity; else INTEGER/REAL/NUMERIC/TEXT/BLOB
        self.coll = coll  # None = BINARY by default
        self.explicit = explicit  # collation came from a COLLATE operator
        self.const = const  # value known at compile time
        self.value = value
        self.column = column  # (source, column index) for a plain column reference
        self.uses_row = uses_row  # False when the value does not depend on this level's row


def constant(value) -> CExpr:
    return CExpr(lambda r, v=value: v, const=True, value=value, uses_row=False)


def comparison_affinity(a: CExpr, b: CExpr) -> str | None:
    """The affinity applied to both operands of a comparison (sqlite3CompareAffinity)."""
    aa, bb = a.aff, b.aff
    if aa is not None and bb is not None:
        if aa in NUMERIC_AFFS or bb in NUMERIC_AFFS:
            return "NUMERIC"
        return None
    one = aa if aa is not None else bb
    if one is None or one == "BLOB":
        return None
    return one


def comparison_collation(a: CExpr, b: CExpr) -> str:
    if a.explicit:
        return a.coll
    if b.explicit:
        return b.coll
    return a.coll or b.coll or "BINARY"


_INT48_MIN, _INT48_MAX = -140737488355328, 140737488355327


def _record_converter(aff):
    """The affinity OP_MakeRecord applies to the keys of an IN lookup (the ephemeral index
    and its probe): as _converter, and REAL affinity also turns an integer beyond six bytes
    into a float (smaller ones keep their exact value)."""
    conv = _converter(aff) or (lambda v: v)
    if aff != "REAL":
        return conv

    def to_real(v):
        v = conv(v)
        if type(v) is int and not _INT48_MIN <= v <= _INT48_MAX:
            return float(v)
        return v
    return to_real


def _converter(aff):
    """A function applying a comparison affinity to one operand (or None)."""
    if aff is None or aff == "BLOB":
        return None
    if aff in NUMERIC_AFFS:
        def conv(v):
            t = type(v)
            if t is str:
                return V.apply_affinity(v, "NUMERIC")
            if t is int or t is float or v is None or t is bytes:
                return v
            if isinstance(v, str):  # JSON text (a str subclass) is TEXT too
                return V.apply_affinity(str.__str__(v), "NUMERIC")
            return v
        return conv

    def conv_text(v):
        t = type(v)
        if t is int or t is float:
            return V.to_text(v)
        return v
    return conv_text


_PY_OPS = {
    "=": lambda a, b: a == b, "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b, "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
_C_OPS = {
    "=": lambda c: c == 0, "==": lambda c: c == 0, "!=": lambda c: c != 0,
    "<>": lambda c: c != 0, "<": lambda c: c < 0, "<=": lambda c: c <= 0,
    ">": lambda c: c > 0, ">=": lambda c: c >= 0,
}
_NUM = (int, float)


def _cmp_fn(op: str, collation: str):
    """(a, b) -> 1/0 for non-NULL operands.  Numbers compare exactly in Python (int and
    float alike); two texts under BINARY compare by code point, which is UTF-8 order;
    everything else goes through values.compare."""
    if op not in _PY_OPS:
        raise NotSupportedError(f"comparison operator {op} not supported yet")
    compare = V.compare
    py = _PY_OPS[op]
    test = _C_OPS[op]
    coll = collation
    if coll == "BINARY":
        def f(a, b):
            ta = type(a)
            tb = type(b)
            if (ta is int or ta is float) and (tb is int or tb is float):
                return 1 if py(a, b) else 0
            if ta is str and tb is str and (a.isascii() or b.isascii()):
                # code-point order is UTF-8 byte order unless both hold non-ASCII (text
                # with bytes that are not UTF-8 keeps them as surrogate escapes)
                return 1 if py(a, b) else 0
            return 1 if test(compare(a, b, coll)) else 0
        return f

    def g(a, b):
        ta = type(a)
        tb = type(b)
        if (ta is int or ta is float) and (tb is int or tb is float):
            return 1 if py(a, b) else 0
        return 1 if test(compare(a, b, coll)) else 0
    return g


def make_comparison(op: str, a: CExpr, b: CExpr) -> CExpr:
    """``a op b`` with SQLite's affinity and collation rules; NULL if either is NULL."""
    aff = comparison_affinity(a, b)
    coll = comparison_collation(a, b)
    conv = _converter(aff)
    cmp = _cmp_fn(op, coll)
    fa, fb = a.fn, b.fn
    if b.const:
        bv = b.value
        if bv is not None and conv is not None:
            bv = conv(bv)
        if bv is None:
            if a.const:
                return CExpr(lambda r: None, uses_row=False)

            def null_cmp(r):
                fa(r)  # computed all the same (its errors are raised), as SQLite codes it
                return None
            return CExpr(null_cmp, uses_row=a.uses_row)
        tbv = type(bv)
        if (tbv is int or tbv is float) and conv is not None and aff in NUMERIC_AFFS:
            # numeric constant against a numeric-affinity operand: numbers compare directly
            py = _PY_OPS[op]

            def f(r):
                x = fa(r)
                tx = type(x)
                if tx is int or tx is float:
                    return 1 if py(x, bv) else 0
                if x is None:
                    return None
                return cmp(conv(x), bv)

            def pf(r):
                x = fa(r)
                tx = type(x)
                if tx is int or tx is float:
                    return py(x, bv)
                if x is None:
                    return False
                return cmp(conv(x), bv) == 1
            out = CExpr(f, uses_row=a.uses_row)
            out.pred = pf
            return out
        elif conv is not None:
            def f(r):
                x = fa(r)
                if x is None:
                    return None
                return cmp(conv(x), bv)
        else:
            def f(r):
                x = fa(r)
                if x is None:
                    return None
                return cmp(x, bv)
    elif conv is not None:
        # both operands are computed before the NULL test, as SQLite codes them (so an
        # error of the right one is not skipped by a NULL left one)
        def f(r):
            x = fa(r)
            y = fb(r)
            if x is None or y is None:
                return None
            return cmp(conv(x), conv(y))
    else:
        def f(r):
            x = fa(r)
            y = fb(r)
            if x is None or y is None:
                return None
            return cmp(x, y)
    return CExpr(f, uses_row=a.uses_row or b.uses_row)


def make_is(a: CExpr, b: CExpr, negate: bool) -> CExpr:
    aff = comparison_affinity(a, b)
    coll = comparison_collation(a, b)
    conv = _converter(aff) or (lambda v: v)
    compare = V.compare
    fa, fb = a.fn, b.fn
    yes, no = (0, 1) if negate else (1, 0)

    def f(r):
        x = fa(r)
        y = fb(r)
        if x is None or y is None:
            return yes if x is y else no
        return yes if compare(conv(x), conv(y), coll) == 0 else no
    return CExpr(f, uses_row=a.uses_row or b.uses_row)


def _truth(v):
    return V.truth(v)


def make_and(a: CExpr, b: CExpr) -> CExpr:
    """``a AND b`` as a value (OP_And): both operands are computed, the left first; as a
    condition (WHERE, HAVING, ON, CASE WHEN, FILTER) it short-circuits (see _jumps)."""
    fa, fb = a.fn, b.fn
    truth = V.truth

    def f(r):
        x = fa(r)
        y = fb(r)
        tx = truth(x) if x is not None else None
        ty = truth(y) if y is not None else None
        if tx is False or ty is False:
            return 0
        if tx is None or ty is None:
            return None
        return 1
    return _logical(CExpr(f, uses_row=a.uses_row or b.uses_row), ("AND", a, b))


def make_or(a: CExpr, b: CExpr) -> CExpr:
    """``a OR b`` as a value (OP_Or): both operands are computed, the left first."""
    fa, fb = a.fn, b.fn
    truth = V.truth

    def f(r):
        x = fa(r)
        y = fb(r)
        tx = truth(x) if x is not None else None
        ty = truth(y) if y is not None else None
        if tx is True or ty is True:
            return 1
        if tx is None or ty is None:
            return None
        return 0
    return _logical(CExpr(f, uses_row=a.uses_row or b.uses_row), ("OR", a, b))


def make_not(a: CExpr) -> CExpr:
    fa = a.fn
    truth = V.truth

    def f(r):
        v = fa(r)
        if v is None:
            return None
        return 0 if truth(v) else 1
    return _logical(CExpr(f, uses_row=a.uses_row), ("NOT", a))


def _logical(c: CExpr, logic) -> CExpr:
    # the value function is kept with the structure: a CExpr whose fn was replaced since
    # (a wrapper, a mutant of the oracle's tests) is a plain value again
    c.logic = (*logic, c.fn)
    return c


def _logic(e: CExpr):
    logic = e.logic
    return logic if logic is not None and logic[-1] is e.fn else None


def _jumps(e: CExpr, when_true: bool, null_jumps: bool):
    """row -> bool: whether sqlite3ExprIfTrue (``when_true``) or sqlite3ExprIfFalse of
    ``e`` with ``jumpIfNull`` = ``null_jumps`` takes its jump.  AND, OR and NOT jump
    without computing the right operand once the left one decides: IfFalse(a AND b) is
    IfFalse(a) then IfFalse(b); IfTrue(a AND b) is "not IfFalse(a) with the opposite
    jumpIfNull, then IfTrue(b)"; OR the mirror image; NOT swaps IfTrue and IfFalse.  A
    WHERE term is kept when IfFalse(term, jumpIfNull) does not jump."""
    logic = _logic(e)
    if logic is None:
        fn = e.fn
        truth = V.truth
        if when_true:
            def leaf(r):
                v = fn(r)
                if v is None:
                    return null_jumps
                return truth(v) is True
        else:
            def leaf(r):
                v = fn(r)
                if v is None:
                    return null_jumps
                return truth(v) is False
        return leaf
    kind = logic[0]
    if kind == "NOT":
        return _jumps(logic[1], not when_true, null_jumps)
    a, b = logic[1], logic[2]
    if (kind == "AND") != when_true:
        # IfFalse(AND) / IfTrue(OR): either operand jumps
        ja = _jumps(a, when_true, null_jumps)
        jb = _jumps(b, when_true, null_jumps)
        return lambda r: ja(r) or jb(r)
    # IfTrue(AND) / IfFalse(OR): the left operand must not decide the other way
    ja = _jumps(a, not when_true, not null_jumps)
    jb = _jumps(b, when_true, null_jumps)
    return lambda r: not ja(r) and jb(r)


def predicate(e: CExpr):
    """A row -> bool function (true only when the expression is true, as WHERE does)."""
    if _logic(e) is not None:
        # AND/OR/NOT short-circuit as sqlite3ExprIfFalse(jumpIfNull) codes a WHERE term
        jumps = _jumps(e, False, True)
        return lambda r: not jumps(r)
    if e.pred is not None:
        return e.pred
    fn = e.fn
    truth = V.truth

    def p(r):
        v = fn(r)
        if v is None:
            return False
        t = type(v)
        if t is int:
            return v != 0
        return truth(v) is True
    return p


class ExprCompiler:
    """Compiles one expression tree against a resolver (the SELECT compiler).

    The resolver provides ``column(node)``, ``parameter(node)``,
    ``subquery(node, kind)``, ``aggregate(node)``, ``window(node)`` and
    ``function_allowed(name)``.
    """

    def __init__(self, resolver):
        self.resolver = resolver
        self.depth = 0

    def compile(self, node) -> CExpr:
        self.depth += 1
        if self.depth > 1000:
            raise OperationalError("Expression tree is too large (maximum depth 1000)")
        try:
            handler = getattr(self, "c_" + type(node).__name__, None)
            if handler is None:
                raise NotSupportedError(
                    f"expression {type(node).__name__} not supported yet")
            return handler(node)
        finally:
            self.depth -= 1

    # -- tracking which FROM items an operand reads ----------------------------------------
    def _tracked(self, node):
        scope = getattr(self.resolver, "scope", None)
        if scope is None:
            return self.compile(node), frozenset()
        saved = scope.used
        scope.used = set()
        try:
            c = self.compile(node)
            deps = frozenset(scope.used)
        finally:
            scope.used = saved | scope.used
        return c, deps

    # -- literals ---------------------------------------------------------------------------
    def c_Number(self, node):
        text = node.text
        if text[:2].lower() == "0x":
            v = int(text, 16)
            if v >= 1 << 64:
                raise OperationalError(f'hex literal too big: {text}')
            if v >= 1 << 63:
                v -= 1 << 64
            return constant(v)
        if text.isdigit():
            v = int(text)
            if v > (1 << 63) - 1:
                return constant(V.to_real(text))
            return constant(v)
        return constant(V.to_real(text))

    def c_String(self, node):
        return constant(node.value)

    def c_Blob(self, node):
        return constant(node.value)

    def c_Null(self, node):
        return constant(None)

    def c_Boolean(self, node):
        return constant(1 if node.value else 0)

    def c_CurrentTime(self, node):
        from ..functions import SCALAR_FUNCTIONS

        name = {"CURRENT_TIME": "time", "CURRENT_DATE": "date",
                "CURRENT_TIMESTAMP": "datetime"}[node.keyword.upper()]
        fd = SCALAR_FUNCTIONS.get(name)
        if fd is None:
            raise NotSupportedError(f"{node.keyword} not supported yet")
        call = self.resolver.call_scalar(fd, [])
        return CExpr(lambda r: call(()), uses_row=False)

    def c_Parameter(self, node):
        return self.resolver.parameter(node)

    def c_Column(self, node):
        return self.resolver.column(node)

    def c__ColumnNode(self, node):
        return self.resolver.column(node)

    # -- operators --------------------------------------------------------------------------
    def c_Unary(self, node):
        op = node.op.upper()
        if op == "-" and type(node.operand).__name__ == "Number":
            folded = _negated_integer_literal(node.operand.text)
            if folded is not None:
                return constant(folded)
            lit = self.compile(node.operand)
            if type(lit.value) is float:
                # a real literal is coded negated (codeReal): -0.0 stays -0.0
                return constant(-lit.value)
        a = self.compile(node.operand)
        fa = a.fn
        if op == "+":
            # unary plus keeps the value and the collation but neither the column-ness
            # (no index use) nor the affinity (sqlite3ExprAffinity does not look through
            # TK_UPLUS; sqlite3ExprCollSeq does)
            return CExpr(fa, aff=None, coll=a.coll, explicit=a.explicit, const=a.const,
                         value=a.value, uses_row=a.uses_row)
        if op == "-":
            neg = V.negate
            if a.const:
                return constant(neg(a.value))
            return CExpr(lambda r: neg(fa(r)), uses_row=a.uses_row)
        if op == "~":
            bn = V.bitnot
            return CExpr(lambda r: bn(fa(r)), uses_row=a.uses_row)
        if op == "NOT":
            return make_not(a)
        raise NotSupportedError(f"unary operator {op} not supported yet")

    _ARITH = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "&": "bitand",
              "|": "bitor", "<<": "lshift", ">>": "rshift", "||": "concat"}

    def c_Binary(self, node):
        op = node.op.upper()
        if op == "AND":
            if _always_false(node.left) or _always_false(node.right):
                # sqlite3ExprAnd: "x AND 0" is the literal 0 from the parser on; x is gone
                return constant(0)
            return make_and(self.compile(node.left), self.compile(node.right))
        if op == "OR":
            return make_or(self.compile(node.left), self.compile(node.right))
        if op in ("=", "==", "<>", "!=", "<", "<=", ">", ">="):
            if _vector_size(node.left) != 1 or _vector_size(node.right) != 1:
                return self._row_compare(op, node.left, node.right)
            a, da = self._tracked(node.left)
            b, db = self._tracked(node.right)
            c = make_comparison(op, a, b)
            c.cmps = [(op if op != "==" else "=", a, b, da, db)] if op not in ("<>", "!=") \
                else []
            return c
        if op in ("IS", "IS NOT"):
            a = self.compile(node.left)
            b = self.compile(node.right)
            return make_is(a, b, op == "IS NOT")
        if op in ("->", "->>"):
            # json.c's "->" and "->>" are two-argument SQL functions named so
            from ..functions import SCALAR_FUNCTIONS

            fd = SCALAR_FUNCTIONS.get(op)
            if fd is None:
                raise NotSupportedError("JSON operators are not supported yet")
            a = self.compile(node.left)
            b = self.compile(node.right)
            coll = a.coll if a.explicit else b.coll if b.explicit else a.coll or b.coll
            call = self.resolver.call_scalar(fd, [a, b], coll)
            fa, fb = a.fn, b.fn
            return CExpr(lambda r: call((fa(r), fb(r))))
        name = self._ARITH.get(op)
        if name is None:
            raise NotSupportedError(f"operator {op} not supported yet")
        fn = getattr(V, name)
        a = self.compile(node.left)
        b = self.compile(node.right)
        fa, fb = a.fn, b.fn
        if a.const and b.const:
            return constant(fn(a.value, b.value))
        if b.const:
            bv = b.value
            return CExpr(lambda r: fn(fa(r), bv), uses_row=a.uses_row)
        return CExpr(lambda r: fn(fa(r), fb(r)), uses_row=a.uses_row or b.uses_row)

    def c_Collate(self, node):
        a = self.compile(node.operand)
        coll = node.collation.upper()
        if coll not in ("BINARY", "NOCASE", "RTRIM"):
            raise OperationalError(f"no such collation sequence: {node.collation}")
        return CExpr(a.fn, aff=a.aff, coll=coll, explicit=True, const=a.const, value=a.value,
                     column=a.column, uses_row=a.uses_row)

    def c_IsNull(self, node):
        a = self.compile(node.operand)
        fa = a.fn
        if node.negated:
            return CExpr(lambda r: 0 if fa(r) is None else 1, uses_row=a.uses_row)
        return CExpr(lambda r: 1 if fa(r) is None else 0, uses_row=a.uses_row)

    def c_Between(self, node):
        x, dx = self._tracked(node.operand)
        lo, dlo = self._tracked(node.low)
        hi, dhi = self._tracked(node.high)
        ge = make_comparison(">=", x, lo)
        le = make_comparison("<=", x, hi)
        both = make_and(ge, le)
        if node.negated:
            return make_not(both)
        both.cmps = [(">=", x, lo, dx, dlo), ("<=", x, hi, dx, dhi)]
        return both

    def c_Like(self, node):
        op = node.op.upper()
        a = self.compile(node.operand)
        p = self.compile(node.pattern)
        fa, fp = a.fn, p.fn
        if op == "LIKE":
            like = V.like
            if node.escape is not None:
                e = self.compile(node.escape)
                fe = e.fn

                def f(r):
                    return like(fp(r), fa(r), fe(r), has_escape=True)
            else:
                def f(r):
                    return like(fp(r), fa(r))
        elif op == "GLOB":
            glob = V.glob

            def f(r):
                return glob(fp(r), fa(r))
        elif op == "REGEXP":
            raise OperationalError("no such function: REGEXP")
        else:
            raise OperationalError("unable to use function MATCH in the requested context")
        if node.negated:
            g = f

            def f(r):
                v = g(r)
                return None if v is None else 1 - v
        return CExpr(f, uses_row=a.uses_row or p.uses_row)

    def c_Cast(self, node):
        a = self.compile(node.operand)
        tn = node.type_name
        aff = V.affinity_of_type(tn or None) if tn else "BLOB"
        cast = V.cast
        fa = a.fn
        if a.const:
            c = constant(cast(a.value, tn or None))
            c.aff = aff
            return c
        return CExpr(lambda r: cast(fa(r), tn or None), aff=aff, coll=a.coll if a.explicit
                     else None, uses_row=a.uses_row)

    def c_Case(self, node):
        truth = V.truth
        whens = []
        if node.operand is not None:
            base = self.compile(node.operand)
            for w in node.whens:
                cond = make_comparison("=", base, self.compile(w.condition))
                whens.append((cond.fn, self.compile(w.result).fn))
        else:
            # a WHEN condition is a jump (sqlite3ExprIfFalse with jumpIfNull), so its AND
            # and OR short-circuit
            for w in node.whens:
                cond = self.compile(w.condition)
                test = predicate(cond) if _logic(cond) is not None else cond.fn
                whens.append((test, self.compile(w.result).fn))
        else_fn = self.compile(node.else_).fn if node.else_ is not None else (lambda r: None)

        def f(r):
            for cond, res in whens:
                v = cond(r)
                if v is not None and v is not False and truth(v):
                    return res(r)
            return else_fn(r)
        return CExpr(f)

    def c_Tuple(self, node):
        raise OperationalError("row value misused")

    def _row_items(self, node):
        """(items, prepare) of one side of a row-value operation: one CExpr per field, and
        None or a function run before the fields are read (a row-value subquery computes
        its first row once; its fields read that row)."""
        if isinstance(node, _TupleTypes):
            return [self.compile(e) for e in node.items], None
        if type(node).__name__ == "Subquery":
            return self._subquery_fields(node.select)
        return [self.compile(node)], None

    def _subquery_fields(self, select):
        """The fields of a row-value subquery ``(SELECT a, b, ...)``: its first row, or
        NULLs when it returns none (exprCodeSubselect)."""
        unit, run, correlated = self._subquery_runner(select)
        n = len(unit.names)
        affs, colls = _expr_meta(unit)
        slot = [None]
        items = [CExpr(lambda r, i=i: slot[0][i], aff=affs[i], coll=colls[i],
                       uses_row=correlated) for i in range(n)]
        empty = (None,) * n
        if correlated:
            def prepare(r):
                for row in run(r):
                    slot[0] = row
                    return
                slot[0] = empty
            return items, prepare
        state = self.resolver.state
        cache = [None, None]
        rows = unit.rows

        def prepare_once(r):
            if cache[0] != state.epoch:
                v = empty
                for row in rows():
                    v = row
                    break
                cache[1] = v
                cache[0] = state.epoch
            slot[0] = cache[1]
        return items, prepare_once

    def _row_compare(self, op, left, right):
        """(a, b, ...) op (c, d, ...): pairwise, left to right, SQLite's vector rules
        (codeVectorCompare): subqueries are computed first, then the fields in order, each
        only when the ones before it did not decide."""
        xs, px = self._row_items(left)
        ys, py = self._row_items(right)
        if len(xs) != len(ys):
            raise OperationalError("row value misused")
        if len(xs) == 1:
            # two one-column subqueries: an ordinary comparison
            c = make_comparison(op if op != "==" else "=", xs[0], ys[0])
            return _prepared(c, px, py)
        if op == "==":
            op = "="
        if op == "!=":
            op = "<>"
        eqs = [make_comparison("=", x, y).fn for x, y in zip(xs, ys)]
        if op in ("=", "<>"):
            negate = op == "<>"

            def f(r):
                result = 1
                for e in eqs:
                    v = e(r)
                    if v == 0:
                        return 1 if negate else 0
                    if v is None:
                        result = None
                if result is None:
                    return None
                return 0 if negate else 1
            return _prepared(CExpr(f), px, py)
        strict = op in ("<", ">")
        last = [make_comparison(op, x, y).fn for x, y in zip(xs, ys)]
        lt = [make_comparison("<" if op in ("<", "<=") else ">", x, y).fn
              for x, y in zip(xs, ys)]
        n = len(xs)

        def g(r):
            for i in range(n):
                if i == n - 1:
                    return last[i](r)
                e = eqs[i](r)
                if e is None:
                    return None
                if e == 0:
                    return lt[i](r)
            return 0 if strict else 1
        return _prepared(CExpr(g), px, py)

    def _in_vector(self, node, xs, px):
        """``(a, b, ...) [NOT] IN (SELECT x, y, ...)`` or ``IN ((1, 2), (3, 4))`` (a list
        of row values is a VALUES subquery, sqlite3ExprListToValues), as
        sqlite3ExprCodeIN codes it: the right side first, then the left; a left side
        without NULLs looks its key up (each field with the comparison affinity of its
        column and the collation of the pair) and is true when found; otherwise the rows
        are scanned, and a row whose every field is equal or NULL makes the result NULL,
        else it is false (an empty right side is false).  On the NULL-left path the left
        fields are compared without the affinity (it is applied only before the lookup)."""
        from .operators import value_key

        n = len(xs)
        neg = node.negated
        if node.select is not None:
            unit, run, correlated = self._subquery_runner(node.select, "LIST")
            if len(unit.names) != n:
                raise OperationalError(
                    f"sub-select returns {len(unit.names)} columns - expected {n}")
            affs, colls = _expr_meta(unit)
            others = [CExpr(None, aff=affs[i], coll=colls[i]) for i in range(n)]
            if correlated:
                def source(r):
                    return run(r)
            else:
                rows = unit.rows

                def source(r):
                    return rows()
            cacheable = not correlated
        else:
            elems = node.values or []
            for e in elems:
                k = len(e.items) if isinstance(e, _TupleTypes) else 1
                if k != n:
                    raise OperationalError(
                        f"IN(...) element has {k} term{'s' if k > 1 else ''} - expected {n}")
            if not elems:
                return _prepared(constant(1 if neg else 0), px, None)
            rows_c = [[self.compile(x) for x in e.items] for e in elems]
            others = rows_c[-1]  # the affinity and collation of the last VALUES row
            fns = [[c.fn for c in row] for row in rows_c]

            def source(r):
                return [tuple(fi(r) for fi in row) for row in fns]
            cacheable = all(c.const for row in rows_c for c in row)
        convs = []
        keyfs = []
        for x, o in zip(xs, others):
            convs.append(_record_converter(comparison_affinity(x, o)))
            keyfs.append(value_key(comparison_collation(x, o)))
        state = self.resolver.state
        cache = [None, None]

        def build(it):
            keys = set()
            rows = []
            for row in it:
                conv_row = tuple(c(v) for c, v in zip(convs, row))
                rows.append(conv_row)
                if None not in conv_row:
                    keys.add(tuple(k(v) for k, v in zip(keyfs, conv_row)))
            return keys, rows

        def get(r):
            if cacheable:
                if cache[0] != state.epoch:
                    cache[1] = build(source(r))
                    cache[0] = state.epoch
                return cache[1]
            return build(source(r))

        fxs = [x.fn for x in xs]
        yes, no = (0, 1) if neg else (1, 0)

        def f(r):
            keys, rows = get(r)
            if px is not None:
                px(r)
            vals = [fx(r) for fx in fxs]
            if None not in vals:
                vals = [c(v) for c, v in zip(convs, vals)]
                if tuple(k(v) for k, v in zip(keyfs, vals)) in keys:
                    return yes
            if not rows:
                return no
            for row in rows:
                for i in range(n):
                    a = vals[i]
                    b = row[i]
                    if a is not None and b is not None and keyfs[i](a) != keyfs[i](b):
                        break
                else:
                    return None
            return no
        return CExpr(f)

    def c_Raise(self, node):
        raise OperationalError("RAISE() may only be used within a trigger-program")

    # -- subqueries -------------------------------------------------------------------------
    def _subquery_runner(self, select, kind="SCALAR"):
        """(unit, run) where run(r) returns an iterator over the subquery's rows, cached
        per statement run when the subquery is not correlated."""
        unit = self.resolver.subquery(select, kind)
        holder = self.resolver.scope.holder
        if unit.correlated:
            rows = unit.rows

            def run(r):
                holder[0] = r
                return rows()
            return unit, run, True
        return unit, None, False

    def c_Subquery(self, node):
        unit, run, correlated = self._subquery_runner(node.select)
        if len(unit.names) != 1:
            raise OperationalError(
                f"sub-select returns {len(unit.names)} columns - expected 1")
        # the affinity of its (last arm's) column; no collation: sqlite3ExprCollSeq does not
        # look into a subquery
        aff = _expr_meta(unit)[0][0]
        coll = None
        if correlated:
            def f(r):
                for row in run(r):
                    return row[0]
                return None
            return CExpr(f, aff=aff, coll=coll)
        state = self.resolver.state
        cache = [None, None]
        rows = unit.rows

        def g(r):
            if cache[0] != state.epoch:
                v = None
                for row in rows():
                    v = row[0]
                    break
                cache[1] = v
                cache[0] = state.epoch
            return cache[1]
        return CExpr(g, aff=aff, coll=coll, uses_row=False)

    def c_Exists(self, node):
        # its result columns are never evaluated: the compiler is told which body it is
        self.resolver.state.exists_body = node.select
        try:
            unit, run, correlated = self._subquery_runner(node.select)
        finally:
            self.resolver.state.exists_body = None
        if correlated:
            def f(r):
                for _row in run(r):
                    return 1
                return 0
            return CExpr(f)
        state = self.resolver.state
        cache = [None, None]
        rows = unit.rows

        def g(r):
            if cache[0] != state.epoch:
                v = 0
                for _row in rows():
                    v = 1
                    break
                cache[1] = v
                cache[0] = state.epoch
            return cache[1]
        return CExpr(g, uses_row=False)

    def c_In(self, node):
        from .operators import value_key

        if _vector_size(node.operand) != 1:
            xs, px = self._row_items(node.operand)
            if len(xs) != 1:
                return self._in_vector(node, xs, px)
            x, dx = _prepared(xs[0], px, None), frozenset()
        else:
            x, dx = self._tracked(node.operand)
        neg = node.negated
        fx = x.fn
        if node.table is not None:
            # "x IN t" and "x IN f(args)" read "SELECT * FROM t" (parse.y's in_op nm dbnm)
            import dataclasses

            from ..sql import ast as A

            if node.table_args is not None:
                item = A.TableFunctionRef(name=node.table, schema=node.schema,
                                          args=list(node.table_args))
            else:
                item = A.TableRef(name=node.table, schema=node.schema)
            select = A.Select(body=A.SelectCore(columns=[A.Star()],
                                                from_=A.JoinClause(first=item)))
            node = dataclasses.replace(node, table=None, schema=None, table_args=None,
                                       select=select)
        if node.select is not None:
            unit, run, correlated = self._subquery_runner(node.select, "LIST")
            if len(unit.names) != 1:
                raise OperationalError(
                    f"sub-select returns {len(unit.names)} columns - expected 1")
            affs, colls = _expr_meta(unit)
            other = CExpr(None, aff=affs[0], coll=colls[0])
            aff = comparison_affinity(x, other)
            coll = comparison_collation(x, other)
            conv = _record_converter(aff)
            keyf = value_key(coll)
            state = self.resolver.state
            cache = [None, None, None]

            def build(it):
                keys = set()
                has_null = False
                n = 0
                for row in it:
                    n += 1
                    v = row[0]
                    if v is None:
                        has_null = True
                    else:
                        keys.add(keyf(conv(v)))
                return keys, has_null, n

            if correlated:
                def get(r):
                    return build(run(r))
            else:
                rows = unit.rows

                def get(r):
                    if cache[0] != state.epoch:
                        cache[1] = build(rows())
                        cache[0] = state.epoch
                    return cache[1]

            def f(r):
                v = fx(r)
                keys, has_null, n = get(r)
                if n == 0:
                    return 1 if neg else 0
                if v is None:
                    return None
                if keyf(conv(v)) in keys:
                    return 0 if neg else 1
                if has_null:
                    return None
                return 1 if neg else 0
            return CExpr(f)
        items = [self.compile(e) for e in node.values or []]
        if not items:
            return constant(1 if neg else 0)
        noaff = [CExpr(i.fn, coll=i.coll, explicit=i.explicit, const=i.const, value=i.value)
                 for i in items]
        aff = comparison_affinity(x, noaff[0])
        coll = x.coll or "BINARY"  # an IN list compares with the left operand's collation
        conv = _converter(aff) or (lambda v: v)
        keyf = value_key(coll)
        if all(i.const for i in items):
            keys = set()
            has_null = False
            for i in items:
                if i.value is None:
                    has_null = True
                else:
                    keys.add(keyf(conv(i.value)))

            def f(r):
                v = fx(r)
                if v is None:
                    return None
                if keyf(conv(v)) in keys:
                    return 0 if neg else 1
                if has_null:
                    return None
                return 1 if neg else 0
            c = CExpr(f, uses_row=x.uses_row)
            if not neg and x.column is not None:
                # for the planner: x IN (constants) can drive a seek per value
                c.cmps = [("IN", x, [i.value for i in items if i.value is not None],
                           dx, frozenset())]
            return c
        fns = [i.fn for i in items]
        if len(items) > 2 and all(_constant_tree(e) for e in node.values):
            # a constant list of more than two: SQLite fills an ephemeral table with every
            # element before it looks at the left operand (IN_INDEX_EPH)
            def g(r):
                ws = [fi(r) for fi in fns]
                v = fx(r)
                if v is None:
                    return None
                k = keyf(conv(v))
                has_null = False
                for w in ws:
                    if w is None:
                        has_null = True
                    elif keyf(conv(w)) == k:
                        return 0 if neg else 1
                if has_null:
                    return None
                return 1 if neg else 0
            return CExpr(g)

        def g(r):
            v = fx(r)
            if v is None:
                # the elements are still computed, each compared in turn with the NULL
                # (sqlite3ExprCodeIN's IN_INDEX_NOOP loop; x IN (e) is x = +e)
                for fi in fns:
                    fi(r)
                return None
            k = keyf(conv(v))
            has_null = False
            for fi in fns:
                w = fi(r)
                if w is None:
                    has_null = True
                elif keyf(conv(w)) == k:
                    return 0 if neg else 1
            if has_null:
                return None
            return 1 if neg else 0
        return CExpr(g)

    # -- functions --------------------------------------------------------------------------
    def c_Function(self, node):
        special = self.resolver.function(node, self)
        if special is not None:
            return special
        name = node.name.lower()
        if node.order_by:
            raise OperationalError(f"ORDER BY may not be used with non-aggregate {name}()")
        if node.distinct:
            raise OperationalError("DISTINCT aggregates must have exactly one argument")
        args = [self.compile(a) for a in node.args]
        n = len(args)
        fns = [a.fn for a in args]
        if name in ("coalesce", "ifnull"):
            if (name == "ifnull" and n != 2) or n < 2:
                raise OperationalError(f"wrong number of arguments to function {name}()")

            def f(r):
                for fi in fns:
                    v = fi(r)
                    if v is not None:
                        return v
                return None
            return CExpr(f, coll=args[0].coll if args[0].explicit else None)
        if name == "iif":
            if n != 3:
                raise OperationalError("wrong number of arguments to function iif()")
            c, t, e = fns
            if _logic(args[0]) is not None:
                c = predicate(args[0])  # iif() is a CASE: its condition is a jump
            truth = V.truth

            def f(r):
                v = c(r)
                return t(r) if v is not None and v is not False and truth(v) else e(r)
            return CExpr(f)
        if name in ("likely", "unlikely"):
            if n != 1:
                raise OperationalError(f"wrong number of arguments to function {name}()")
            # a function call: no affinity, and a collation only from an explicit COLLATE
            # inside (sqlite3ExprAffinity and sqlite3ExprCollSeq do not look through it)
            a = args[0]
            return CExpr(a.fn, coll=a.coll if a.explicit else None, explicit=a.explicit,
                         uses_row=a.uses_row)
        if name == "likelihood":
            if n != 2:
                raise OperationalError("wrong number of arguments to function likelihood()")
            pv = args[1].value if args[1].const else None
            if type(pv) is not float or not 0.0 <= pv <= 1.0:
                raise OperationalError(
                    "second argument to likelihood() must be a constant between 0.0 and 1.0")
            a = args[0]
            return CExpr(a.fn, coll=a.coll if a.explicit else None, explicit=a.explicit,
                         uses_row=a.uses_row)
        from ..functions import SCALAR_FUNCTIONS

        fd = SCALAR_FUNCTIONS.get(name)
        if fd is None:
            raise OperationalError(f"no such function: {name}")
        lo, hi = fd.min_args, fd.max_args
        if n < lo or (hi is not None and hi >= 0 and n > hi):
            raise OperationalError(f"wrong number of arguments to function {name}()")
        coll = None
        for a in args:
            if a.explicit:
                coll = a.coll
                break
        if coll is None:
            for a in args:
                if a.coll:
                    coll = a.coll
                    break
        call = self.resolver.call_scalar(fd, args, coll)
        if n == 0:
            return CExpr(lambda r: call(()), uses_row=False)
        if n == 1:
            f0 = fns[0]
            return CExpr(lambda r: call((f0(r),)))
        if n == 2:
            f0, f1 = fns
            return CExpr(lambda r: call((f0(r), f1(r))))
        return CExpr(lambda r: call(tuple([fi(r) for fi in fns])))


_TupleTypes: tuple = ()
try:  # the parser's row-value node
    from ..sql.ast import Tuple as _AstTuple

    _TupleTypes = (_AstTuple,)
except ImportError:  # pragma: no cover
    pass


def _expr_meta(unit):
    """(affinities, collations) of a subquery's columns as an expression reads them: a
    compound's last arm's (sqlite3ExprAffinity and exprINAffinity read the rightmost
    SELECT)."""
    return getattr(unit, "expr_meta", None) or (unit.affs, unit.colls)


def _prepared(c: CExpr, px, py) -> CExpr:
    """``c`` run after the prepare functions of row-value subquery operands."""
    if px is None and py is None:
        return c
    fn = c.fn
    preps = [p for p in (px, py) if p is not None]

    def f(r):
        for p in preps:
            p(r)
        return fn(r)
    return CExpr(f, aff=c.aff, coll=c.coll, explicit=c.explicit)


def _select_width(select) -> int | None:
    """The number of result columns of a SELECT, read from its text (None with ``*``)."""
    body = getattr(select, "body", None)
    while type(body).__name__ == "Compound":
        body = body.right
    name = type(body).__name__
    if name == "Values":
        return len(body.rows[0]) if body.rows else None
    if name == "SelectCore":
        if any(type(c).__name__ == "Star" for c in body.columns):
            return None
        return len(body.columns)
    return None


def _vector_size(node) -> int | None:
    """sqlite3ExprVectorSize: items of a row value, columns of a subquery, else 1 (None
    when a subquery's width needs its ``*`` expanded)."""
    if isinstance(node, _TupleTypes):
        return len(node.items)
    if type(node).__name__ == "Subquery":
        return _select_width(node.select)
    return 1


def _always_false(node) -> bool:
    """ExprAlwaysFalse at parse time: an integer literal that sqlite3GetInt32 reads as 0
    (EP_IsFalse is set by sqlite3ExprAlloc; parentheses leave the node as it is), or an
    AND the parser already folded to such a 0 (sqlite3ExprAnd works bottom-up)."""
    kind = type(node).__name__
    if kind == "Binary" and node.op.upper() == "AND":
        return _always_false(node.left) or _always_false(node.right)
    if kind != "Number":
        return False
    text = node.text
    if text[:2].lower() == "0x":
        digits = text[2:]
        return 0 < len(digits) and int(digits, 16) == 0
    return text.isdigit() and int(text) == 0


_NOT_CONSTANT_NODES = frozenset(("Column", "Subquery", "Exists", "Select", "Raise"))
_VOLATILE = frozenset(("random", "randomblob", "changes", "total_changes", "last_insert_rowid"))


def _constant_tree(node) -> bool:
    """sqlite3ExprIsConstant, roughly: no column, no subquery, no volatile function."""
    for n in node.walk():
        kind = type(n).__name__
        if kind in _NOT_CONSTANT_NODES or (kind == "In" and n.select is not None):
            return False
        if kind == "Function" and n.name.lower() in _VOLATILE:
            return False
    return True


def _negated_integer_literal(text: str):
    """``-N`` for an integer literal N, as SQLite codes it (codeInteger with negFlag):
    the minus belongs to the literal, so -9223372036854775808 is the INTEGER -2**63, and
    a hex literal whose value is -2**63 cannot be negated ("hex literal too big").
    None when the literal is not an integer (the ordinary negation applies)."""
    if text[:2].lower() == "0x":
        v = int(text, 16)
        if v >= 1 << 64:
            raise OperationalError(f"hex literal too big: -{text}")
        if v >= 1 << 63:
            v -= 1 << 64
        if v == -(1 << 63):
            raise OperationalError(f"hex literal too big: -{text}")
        return -v
    if text.isdigit():
        v = int(text)
        if v <= 1 << 63:
            return -v
    return None
