#!/bin/bash -eu
# Build one fuzzer per target of fuzz/targets.py for ClusterFuzzLite / OSS-Fuzz.
#
# For each target NAME this writes $OUT/NAME_fuzzer (a PyInstaller bundle made by the base
# image's compile_python_fuzzer), NAME_fuzzer.dict (the target's dictionary),
# NAME_fuzzer.options (max_len, timeout, rss limit) and NAME_fuzzer_seed_corpus.zip (the
# committed seeds and fixed reproducers of corpus/fuzz/NAME/, pending/ excluded).
# The harnesses are the same functions the campaign runner and the unit suite use.

cd "$SRC/sqlassay"
pip3 install .

mkdir -p "$SRC/fuzzers"
targets=$(python3 -c "from fuzz.targets import TARGETS; print(' '.join(TARGETS))")

for name in $targets; do
  entry="$SRC/fuzzers/${name}_fuzzer.py"
  cat > "$entry" <<PY
import sys

import atheris

with atheris.instrument_imports(include=["formatspec", "engine"]):
    from fuzz.targets import TARGETS

from fuzz import mutator

target = TARGETS["${name}"]
kwargs = {}
if target.structured:
    kwargs["custom_mutator"] = mutator.for_target(
        target.structured, lambda data, limit: atheris.Mutate(data, limit))
atheris.Setup(sys.argv, target.harness, **kwargs)
atheris.Fuzz()
PY
  compile_python_fuzzer "$entry" --hidden-import=engine.integrity --hidden-import=engine.inspect

  python3 - "$name" "$OUT" <<'PY'
import sys
from fuzz.targets import TARGETS
name, out = sys.argv[1], sys.argv[2]
t = TARGETS[name]
with open(f"{out}/{name}_fuzzer.options", "w") as f:
    f.write(f"[libfuzzer]\nmax_len = {t.max_len}\ntimeout = {t.timeout}\nrss_limit_mb = 2560\n")
if t.dict_path is not None and t.dict_path.exists():
    with open(f"{out}/{name}_fuzzer.dict", "w") as f:
        f.write(t.dict_path.read_text())
PY
  seeds=$(find "corpus/fuzz/$name" -maxdepth 1 -type f)
  if [ -n "$seeds" ]; then
    zip -q -j "$OUT/${name}_fuzzer_seed_corpus.zip" $seeds
  fi
done
