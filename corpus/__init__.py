"""corpus: fixture databases of sqlassay and the script that regenerates them.

:mod:`corpus.build` writes, with the stdlib ``sqlite3`` module only, a matrix
of real SQLite files (page sizes, reserved bytes, text encodings, auto-vacuum
modes, overflow chains, freelists, a WAL with uncommitted frames, a hot
rollback journal) that the tests use as the ground truth of the file format
(fileformat2, walformat). ``corpus/fixtures`` holds a few small committed
ones, built by the same script.
"""
