"""The update of a 1,000,000 x 64 embedding from a batch of 128 ids: IndexedSlices vs dense.

`tape.gradient(loss, table)` of a `tf.gather(table, ids)` is an IndexedSlices (128 rows);
`keras.optimizers.SGD` then updates only those rows. The dense column densifies the same
gradient first (`tf.convert_to_tensor`), so the optimizer sweeps the whole table, as it
would without sparse gradients. Times are per step (gradient + update), median of a few.
Each runs eagerly and as an `ember.function` step (as `model.fit` compiles it).

Run: python benchmarks/bench_indexed_slices.py  (well under a minute)
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import ember as tf
from ember import keras

ROWS, DIM, BATCH, STEPS = 1_000_000, 64, 128, 7


def _step(table: tf.Variable, opt: keras.optimizers.Optimizer, ids: tf.Tensor,
          dense: bool) -> None:
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(tf.gather(table, ids)))
    g = tape.gradient(loss, table)
    if dense:
        g = tf.convert_to_tensor(g)
    opt.apply_gradients([(g, table)])


def bench(dense: bool, compiled: bool = False) -> tuple:
    rng = np.random.default_rng(0)
    table = tf.Variable(rng.standard_normal((ROWS, DIM), dtype=np.float32))
    opt = keras.optimizers.SGD(0.01)
    step = tf.function(lambda ids: _step(table, opt, ids, dense)) if compiled else \
        (lambda ids: _step(table, opt, ids, dense))
    times = []
    for _ in range(STEPS):
        ids = tf.constant(rng.integers(0, ROWS, BATCH), dtype=tf.int32)
        t0 = time.perf_counter()
        step(ids)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:]), table


def main() -> None:
    print(f"embedding {ROWS:,} x {DIM}, batch {BATCH}, SGD, per step (gradient + update):")
    for compiled in (False, True):
        sparse_t, _ = bench(dense=False, compiled=compiled)
        dense_t, _ = bench(dense=True, compiled=compiled)
        print(f" {'ember.function' if compiled else 'eager'}:")
        print(f"  IndexedSlices: {sparse_t * 1e3:9.3f} ms")
        print(f"  dense:         {dense_t * 1e3:9.3f} ms")
        print(f"  speed-up:      {dense_t / sparse_t:9.1f} x")


if __name__ == "__main__":
    main()
