"""Dev check (issue 14): the same small MLP and CNN `fit` on the NumPy backend and through
XLA (`compile(jit_compile=True)`), from the same initial weights; prints the largest
weight difference and the devices. Run where jax is installed (on a GPU: donation on).

    python tools/jax_fit_check.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402
import numpy as np  # noqa: E402

import ember as tf  # noqa: E402
from ember import keras  # noqa: E402


def model(kind: str):
    L = keras.layers
    if kind == "mlp":
        return keras.Sequential([keras.Input((20,)), L.Dense(64, activation="relu"),
                                 L.Dropout(0.0), L.Dense(3)])
    return keras.Sequential([keras.Input((12, 12, 2)), L.Conv2D(8, 3, activation="relu"),
                             L.MaxPooling2D(), L.Flatten(), L.Dense(3)])


def run(kind: str, jit: bool, opt: str) -> list:
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    shape = (20,) if kind == "mlp" else (12, 12, 2)
    x = rng.standard_normal((100,) + shape).astype(np.float32)
    y = rng.integers(0, 3, 100)
    m = model(kind)
    m.compile(opt, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"], jit_compile=jit)
    h = m.fit(x, y, batch_size=32, epochs=3, verbose=0, shuffle=False)  # 100 = 3*32 + 4
    return m.get_weights() + [np.array(h.history["loss"])]


print("devices:", jax.devices())
worst = 0.0
for kind in ("mlp", "cnn"):
    for opt in ("adam", "sgd", "rmsprop"):
        a, b = run(kind, False, opt), run(kind, True, opt)
        diff = max(float(np.max(np.abs(u - v))) for u, v in zip(a, b))
        worst = max(worst, diff)
        print(f"{kind} {opt}: max |numpy - xla| = {diff:.2e}")
print("OK" if worst < 1e-4 else "MISMATCH", worst)
