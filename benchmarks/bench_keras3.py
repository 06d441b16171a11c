"""Keras 3 surface (issue 15), side by side in one process: the per-call cost of
`keras.ops` beside the TF op and beside real Keras 3 (NumPy backend, where installed),
CTC beam-search decoding, and writing / reading a `.keras` file (ember vs Keras 3).

Run: `.venv/bin/python benchmarks/bench_keras3.py` (the test extra installs keras).
Figures go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import tempfile
import time
import timeit

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "numpy")

import ember as tf  # noqa: E402
from ember import keras  # noqa: E402

try:
    import keras as real_keras  # noqa: E402
except ImportError:  # pragma: no cover - optional oracle
    real_keras = None


def best(fn, number: int, repeat: int = 7) -> float:
    """Seconds per call: the best of `repeat` runs of `number` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def per_call() -> None:
    a = tf.constant(np.ones((2, 2), "float32"))
    a_np = np.ones((2, 2), "float32")
    i32 = tf.constant(np.ones((2, 2), "int32"))
    rows = [("tf.add(a, a)", lambda: tf.add(a, a)),
            ("keras.ops.add(a, a)", lambda: keras.ops.add(a, a)),
            ("keras.ops.add(int32, 1.5)", lambda: keras.ops.add(i32, 1.5))]
    if real_keras is not None:
        rows.append(("real Keras 3 keras.ops.add(a, a)",
                     lambda: real_keras.ops.add(a_np, a_np)))
    print("| call | per call |\n|---|---:|")
    for name, fn in rows:
        print(f"| `{name}` | {best(fn, 2000) * 1e6:.2f} us |")


def ctc() -> None:
    x = np.random.default_rng(0).normal(size=(8, 50, 30)).astype("float32")
    n = np.full(8, 50, "int32")

    def ours():
        return keras.ops.ctc_decode(x, n, strategy="beam_search", beam_width=100,
                                    top_paths=3)
    t_ours = best(ours, 1, repeat=3)
    line = f"ctc_decode beam_search (8x50x30, beam 100, top 3): ember {t_ours * 1e3:.0f} ms"
    if real_keras is not None:
        def theirs():
            return real_keras.ops.ctc_decode(x, n, strategy="beam_search", beam_width=100,
                                             top_paths=3)
        start = time.perf_counter()
        same = theirs()
        t_theirs = time.perf_counter() - start
        equal = np.array_equal(np.asarray(same[0]), ours()[0].numpy())
        line += (f", real Keras 3 (NumPy) {t_theirs * 1e3:.0f} ms "
                 f"({t_theirs / t_ours:.0f}x), same paths: {equal}")
    print(line)


def files() -> None:
    def model(lib):
        inp = lib.Input((32,))
        h = lib.layers.Dense(64, activation="relu")(inp)
        h = lib.layers.Dense(64, activation="relu")(h)
        return lib.Model(inp, lib.layers.Dense(10)(h))

    libs = [("ember", keras)] + ([("Keras 3", real_keras)] if real_keras else [])
    with tempfile.TemporaryDirectory() as d:
        for name, lib in libs:
            m = model(lib)
            path = os.path.join(d, f"{name}.keras".replace(" ", "_"))
            save = best(lambda: m.save(path), 1, repeat=5)
            load = best(lambda: lib.models.load_model(path), 1, repeat=5)
            print(f"{name}: save {save * 1e3:.1f} ms, load {load * 1e3:.1f} ms "
                  f"(3-Dense MLP .keras)")


if __name__ == "__main__":
    per_call()
    ctc()
    files()
