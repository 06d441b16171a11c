"""How much of TF's op library ember provides (issue 18): for each TF 2.21 module (`tf`,
`tf.math`, `tf.nn`, `tf.linalg`, `tf.signal`), the fraction of its public non-module
names that ember's matching namespace has, and the names still missing.

TF's names come from `benchmarks/tf_names_2.21.json` (written by this script's
`--dump-tf`, run with a Python that has TensorFlow: `python benchmarks/coverage.py
--dump-tf > benchmarks/tf_names_2.21.json`); ember's are read from the installed ember.
Names that only make sense inside TF's runtime (its graph and op-library machinery,
quantized dtypes, TPU and device wrappers) are listed as out of scope with a reason, by
`OUT_OF_SCOPE` below and by `ember.ops.top_more.OUT_OF_SCOPE` where it exists; the table
gives the fraction both with and without them.

Usage:  python benchmarks/coverage.py [--missing]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
MODULES = ("tf", "tf.math", "tf.nn", "tf.linalg", "tf.signal")
NAMES_FILE = os.path.join(ROOT, "benchmarks", "tf_names_2.21.json")

# name -> why it is out of scope (beside ember.ops.top_more.OUT_OF_SCOPE)
OUT_OF_SCOPE = {
    "qint8": "quantized dtypes: TF's quantization runtime", "qint16": "quantized dtypes",
    "qint32": "quantized dtypes", "quint8": "quantized dtypes", "quint16": "quantized dtypes",
}


def dump_tf() -> None:
    import tensorflow as tf
    mods = {"tf": tf, "tf.math": tf.math, "tf.nn": tf.nn, "tf.linalg": tf.linalg,
            "tf.signal": tf.signal}
    json.dump({k: sorted(n for n in dir(m) if not n.startswith("_")
                         and not isinstance(getattr(m, n), types.ModuleType))
               for k, m in mods.items()}, sys.stdout, indent=1)


def out_of_scope() -> dict:
    reasons = dict(OUT_OF_SCOPE)
    try:
        from ember.ops.top_more import OUT_OF_SCOPE as more
        reasons.update(more)
    except ImportError:
        pass
    return reasons


def coverage() -> list:
    """[(module, have, total, in-scope total, missing names)] for each module."""
    import ember
    with open(NAMES_FILE) as f:
        tf_names = json.load(f)
    spaces = {"tf": ember, "tf.math": ember.math, "tf.nn": ember.nn,
              "tf.linalg": ember.linalg, "tf.signal": ember.signal}
    skip = out_of_scope()
    rows = []
    for mod in MODULES:
        names = tf_names[mod]
        have = [n for n in names if hasattr(spaces[mod], n)]
        missing = [n for n in names if n not in have]
        in_scope = [n for n in names if n not in skip or n in have]
        rows.append((mod, len(have), len(names), len(in_scope),
                     [n for n in missing if n not in skip]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dump-tf", action="store_true", help="print TF's names (needs TF)")
    ap.add_argument("--missing", action="store_true", help="list the missing names")
    args = ap.parse_args()
    if args.dump_tf:
        dump_tf()
        return
    print("| module | ember has | TF 2.21 names | fraction | fraction of the in-scope names |")
    print("|---|---:|---:|---:|---:|")
    rows = coverage()
    for mod, have, total, scope, _ in rows:
        print(f"| `{mod}` | {have} | {total} | {have / total:.0%} | {have / scope:.0%} |")
    if args.missing:
        for mod, _, _, _, missing in rows:
            print(f"\n{mod} missing ({len(missing)}): {' '.join(missing)}")
    skip = out_of_scope()
    if skip:
        print(f"\nOut of scope ({len(skip)}): " + "; ".join(
            f"{n} ({r})" for n, r in sorted(skip.items())))


if __name__ == "__main__":
    main()
