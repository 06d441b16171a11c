"""Input pipelines in threads: what `map(num_parallel_calls)` and `prefetch` buy in `fit`.

A model trains one epoch (`fit`, batch 32) on a `tf.data` pipeline whose per-element map
does work of one of two kinds:
  - `wait`: 2 ms of latency per element (`time.sleep`, a stand-in for reading or
    decoding a file: the thread waits, the GIL is free);
  - `numpy`: a 320x320 float32 matmul per element (BLAS releases the GIL).
Each kind is run as a plain `map`, that plus `prefetch(AUTOTUNE)` (the pipeline works
while the training step runs), `map(num_parallel_calls=AUTOTUNE)` (2 threads here: one per
core), and both, in a fresh random order each round; the table shows the
minimum seconds per epoch over rounds and the ratio to the plain pipeline.

    .venv/bin/python benchmarks/bench_pipeline.py [--rounds 5] [--elements 512]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time

import numpy as np

import ember as tf
from ember import keras

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - the test extra installs it
    threadpool_limits = None


def work_fn(kind: str):
    m = np.random.default_rng(0).normal(size=(320, 320)).astype("float32")

    def wait(x):
        time.sleep(0.002)
        return x

    def numpy_work(x):
        return x + float((m @ m)[0, 0]) * 0.0

    return wait if kind == "wait" else numpy_work


def pipeline(x, y, kind: str, variant: str):
    fn = work_fn(kind)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    parallel = tf.data.AUTOTUNE if variant.startswith("parallel") else None
    ds = ds.map(lambda a, b: (tf.numpy_function(fn, [a], tf.float32), b),
                num_parallel_calls=parallel)
    ds = ds.map(lambda a, b: (tf.reshape(a, [64]), b)).batch(32)
    if variant.endswith("prefetch"):
        ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds


def epoch_seconds(model, ds) -> float:
    t = time.perf_counter()
    model.fit(ds, epochs=1, verbose=0)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--elements", type=int, default=512)
    args = ap.parse_args()
    if threadpool_limits is not None:
        threadpool_limits(1)  # BLAS: one thread per call, so threads are the parallelism
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.elements, 64)).astype("float32")
    y = rng.integers(0, 10, size=args.elements)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512, "relu"),
                              keras.layers.Dense(512, "relu"),
                              keras.layers.Dense(10)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    variants = ["plain", "prefetch", "parallel", "parallel+prefetch"]
    cases = [(k, v) for k in ("wait", "numpy") for v in variants]
    for k, v in cases:  # warm-up: traces, caches
        epoch_seconds(model, pipeline(x[:64], y[:64], k, v))
    best: dict = {}
    for _ in range(args.rounds):
        random.shuffle(cases)
        for k, v in cases:
            s = epoch_seconds(model, pipeline(x, y, k, v))
            best[k, v] = min(best.get((k, v), s), s)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
          f"{platform.python_version()}, NumPy {np.__version__}; {args.elements} elements, "
          f"batch 32, {args.rounds} rounds (minimum shown)\n")
    print("| per-element work | pipeline | s per epoch | vs plain |")
    print("|---|---|---:|---:|")
    for k in ("wait", "numpy"):
        for v in variants:
            print(f"| {k} | {v} | {best[k, v]:.3f} | {best[k, 'plain'] / best[k, v]:.2f}x "
                  f"faster |")


if __name__ == "__main__":
    main()
