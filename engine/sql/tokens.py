"""Token kinds and SQLite's keyword table.

Implements the keyword list of SQLite's ``mkkeywordhash.c`` (the 147 keywords of
SQLite 3.40) and the ``%fallback ID`` list of ``parse.y``: the keywords that the
parser accepts as ordinary identifiers wherever the keyword itself would be a
syntax error (a table may be called ``key``, ``replace`` or ``temp``).

A token's ``kind`` is a short upper-case string: ``ID``, ``STRING``,
``INTEGER``, ``FLOAT``, ``BLOB``, ``VARIABLE``, ``ILLEGAL``, the keyword
itself for keywords (``SELECT``, ``KEY``...), or the name of a punctuation
token as SQLite names it (``LP``, ``RP``, ``SEMI``, ``COMMA``, ``DOT``,
``PLUS``, ``MINUS``, ``STAR``, ``SLASH``, ``REM``, ``EQ``, ``NE``, ``LT``,
``LE``, ``GT``, ``GE``, ``CONCAT``, ``PTR``, ``BITAND``, ``BITOR``,
``BITNOT``, ``LSHIFT``, ``RSHIFT``). ``EOF`` ends every token list.
"""

from __future__ import annotations

# Every keyword of SQLite 3.40 (mkkeywordhash.c). TEMPORARY is folded into
# TEMP and END stays END, as SQLite's token codes do.
KEYWORDS: frozenset[str] = frozenset(
    """
    ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH
    AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE
    COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE
    CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE
    DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
    EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED
    GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY
    INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT
    MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON
    OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
    RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE
    RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP
    TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE
    USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
    """.split()
)

# Keyword -> token kind where SQLite maps several words to one token code.
KEYWORD_KIND: dict[str, str] = {k: k for k in KEYWORDS}
KEYWORD_KIND["TEMPORARY"] = "TEMP"
for _k in ("CROSS", "FULL", "INNER", "LEFT", "NATURAL", "OUTER", "RIGHT"):
    KEYWORD_KIND[_k] = "JOIN_KW"
for _k in ("LIKE", "GLOB", "REGEXP"):
    KEYWORD_KIND[_k] = "LIKE_KW"
for _k in ("CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"):
    KEYWORD_KIND[_k] = "CTIME_KW"
# WINDOW, OVER and FILTER are identifiers unless the context makes them
# keywords (tokenize.c: analyzeWindowKeyword and friends); the lexer decides.
for _k in ("WINDOW", "OVER", "FILTER"):
    del KEYWORD_KIND[_k]

# parse.y "%fallback ID ...": token kinds that may stand for an identifier.
FALLBACK_ID: frozenset[str] = frozenset(
    """
    ABORT ACTION AFTER ANALYZE ASC ATTACH BEFORE BEGIN BY CASCADE CAST COLUMN
    CONFLICT DATABASE DEFERRED DESC DETACH DO EACH END EXCLUSIVE EXPLAIN FAIL
    FOR IGNORE IMMEDIATE INITIALLY INSTEAD LIKE_KW MATCH NO PLAN QUERY KEY OF
    OFFSET PRAGMA RAISE RECURSIVE RELEASE REPLACE RESTRICT ROW ROWS ROLLBACK
    SAVEPOINT TEMP TRIGGER VACUUM VIEW VIRTUAL WITH WITHOUT NULLS FIRST LAST
    CURRENT FOLLOWING PARTITION PRECEDING RANGE UNBOUNDED EXCLUDE GROUPS
    OTHERS TIES GENERATED ALWAYS MATERIALIZED REINDEX RENAME CTIME_KW IF
    """.split()
)

# Kinds that SQLite's "id" token class accepts (ID, INDEXED, fallbacks).
ID_KINDS: frozenset[str] = FALLBACK_ID | {"ID", "INDEXED"}
# "nm": an id, a string, or a join keyword.
NM_KINDS: frozenset[str] = ID_KINDS | {"STRING", "JOIN_KW"}
# "ids": ID or STRING (type names, collation names, aliases without AS).
IDS_KINDS: frozenset[str] = FALLBACK_ID | {"ID", "STRING"}

PUNCTUATION: dict[str, str] = {
    "(": "LP",
    ")": "RP",
    ";": "SEMI",
    ",": "COMMA",
    ".": "DOT",
    "+": "PLUS",
    "-": "MINUS",
    "*": "STAR",
    "/": "SLASH",
    "%": "REM",
    "=": "EQ",
    "==": "EQ",
    "<>": "NE",
    "!=": "NE",
    "<": "LT",
    "<=": "LE",
    ">": "GT",
    ">=": "GE",
    "||": "CONCAT",
    "->": "PTR",
    "->>": "PTR",
    "&": "BITAND",
    "|": "BITOR",
    "~": "BITNOT",
    "<<": "LSHIFT",
    ">>": "RSHIFT",
}


class Token:
    """One token: its kind, its exact source text and its character offset."""

    __slots__ = ("kind", "text", "offset")

    def __init__(self, kind: str, text: str, offset: int):
        self.kind = kind
        self.text = text
        self.offset = offset

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.text!r}, {self.offset})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Token)
            and self.kind == other.kind
            and self.text == other.text
            and self.offset == other.offset
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.text, self.offset))
