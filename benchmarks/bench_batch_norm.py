"""BatchNormalization's training step: the fused primitives vs the composite ops.

What: one forward + backward of `keras.layers.BatchNormalization()(x, training=True)`
(loss = sum(y * w), gradients for x, gamma and beta; the moving statistics updated), in
float32 on x of shape [64, 32, 32, 16] (the ResNet-style block of bench_cnn.py) and
[128, 16] (after a Dense layer). "fused" is the layer as it is (batch_norm_train /
batch_norm_train_grad, ember/prims/batch_norm.py); "composite" is the same layer with the
fused path turned off (`_train_fused` returns None), so it runs its old code: moments,
the formula's elementwise ops and their gradients. Each runs inside `ember.function` (as
`fit` does) and eagerly; the figure is the best of N timed calls after warm-up calls, in
ms, and the ratio composite / fused.

How:  .venv/bin/python benchmarks/bench_batch_norm.py [--repeats 30]

Example:
    >>> import numpy as np
    >>> from benchmarks.bench_batch_norm import step_time  # doctest: +SKIP
    >>> step_time("fused", (8, 4), "eager", repeats=2) > 0  # doctest: +SKIP
    True
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import ember as tf  # noqa: E402
from ember import keras  # noqa: E402

SHAPES = ((64, 32, 32, 16), (128, 16))


class CompositeBatchNormalization(keras.layers.BatchNormalization):
    """The layer with its fused training path off: the composite ops run instead."""

    def _train_fused(self, inputs: Any) -> Any:
        return None


def _step(kind: str, shape: tuple, mode: str) -> Callable[[], Any]:
    """A function running one forward + backward of a fresh layer of `kind` on `shape`."""
    rng = np.random.default_rng(0)
    x = tf.constant((rng.standard_normal(shape) * 2 + 1).astype(np.float32))
    w = tf.constant(rng.standard_normal(shape).astype(np.float32))
    cls = keras.layers.BatchNormalization if kind == "fused" else CompositeBatchNormalization
    layer = cls()
    layer.build(shape)

    def step(t: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(layer(t, training=True) * w)
        return tape.gradient(loss, [t] + layer.trainable_weights)

    run = tf.function(step) if mode == "function" else step
    return lambda: run(x)


def step_time(kind: str, shape: tuple, mode: str, repeats: int = 30) -> float:
    """The best of `repeats` timed steps (after three warm-up steps), in ms."""
    call = _step(kind, shape, mode)
    for _ in range(3):
        call()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = call()
        np.asarray(out[0])  # the result is there
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per figure")
    args = parser.parse_args()
    print(f"BatchNormalization training forward + backward, float32, best of "
          f"{args.repeats} (ms)")
    print(f"{'shape':>18} {'mode':>9} {'composite':>10} {'fused':>8} {'ratio':>6}")
    for shape in SHAPES:
        for mode in ("function", "eager"):
            old = step_time("composite", shape, mode, args.repeats)
            new = step_time("fused", shape, mode, args.repeats)
            print(f"{str(list(shape)):>18} {mode:>9} {old:10.3f} {new:8.3f} {old / new:5.1f}x")


if __name__ == "__main__":
    main()
