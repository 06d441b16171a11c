"""Runs the transcribed tutorials of tests/programs on real TensorFlow, to compare numbers.

    /path/to/tf-venv/bin/python tools/run_programs_on_tf.py [test_name ...]

Each tests/programs/test_*.py module imports `ember`; here `ember` is TensorFlow (and
`pytest` a stub, so TF's venv needs no pytest), then each module's `program*()` functions
run and print what they return. Run from the repository root.
"""

import importlib
import sys
import types


def main(names):
    import keras
    import tensorflow

    tensorflow.keras = keras  # the Keras 3 package itself, as `import keras` gives
    sys.modules["ember"] = tensorflow
    sys.modules["ember.keras"] = keras
    stub = types.ModuleType("pytest")

    class _Any:
        def __getattr__(self, name):
            return _Any()

        def __call__(self, *a, **k):
            if len(a) == 1 and callable(a[0]) and not k:
                return a[0]
            return _Any()

    stub.mark = _Any()
    stub.fixture = _Any()
    stub.approx = lambda v, **k: v
    sys.modules.setdefault("pytest", stub)
    sys.path.insert(0, ".")
    import glob
    import os

    files = sorted(glob.glob("tests/programs/test_*.py"))
    for f in files:
        mod_name = os.path.basename(f)[:-3]
        if names and mod_name not in names and mod_name[5:] not in names:
            continue
        mod = importlib.import_module("tests.programs." + mod_name)
        for attr in sorted(dir(mod)):
            if attr.startswith("program"):
                print(f"== {mod_name}.{attr}", flush=True)
                try:
                    out = getattr(mod, attr)()
                    print(f"-> {out!r}", flush=True)
                except Exception as e:  # noqa: BLE001 - report and go on
                    print(f"!! {type(e).__name__}: {e}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
