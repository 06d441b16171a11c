"""What issue 11's checks cost: a training step whose loss now checks its labels at run
time, the NaN watch of `fit`, and saving / loading from memory with every member checked.

Side by side in one run, ember at this checkout against ember at another checkout (the
baseline, e.g. a `git worktree` of the commit before the change): each round runs one
worker process per tree, in a fresh random order; a figure is a candidate's best round.

- fit: the MLP of bench_training.py (784->256->128->10, Adam, sparse CE from logits), one
  epoch of 20,000 samples at batch 128 and 32, samples/s;
- save / load: `model.save` and `keras.models.load_model` of an MLP with 8.4M float32
  weights (33.6 MB) and Adam's state, ms.

Usage:  python benchmarks/bench_checks.py --baseline /path/to/other/checkout [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _worker() -> None:
    import numpy as np
    from ember import keras
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20000, 784)).astype(np.float32)
    y = (x @ rng.standard_normal((784, 10))).argmax(1).astype(np.int64)
    out = {}
    for batch in (128, 32):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, "relu"),
                                  keras.layers.Dense(128, "relu"), keras.layers.Dense(10)])
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)
        t = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        out[f"fit_b{batch}"] = len(x) / (time.perf_counter() - t)
    big = keras.Sequential([keras.Input((2048,)), keras.layers.Dense(2048),
                            keras.layers.Dense(2048), keras.layers.Dense(10)])
    big.compile("adam", "mse")
    big.fit(np.ones((8, 2048), np.float32), np.ones((8, 10), np.float32), verbose=0)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "big.keras")
        best_s = best_l = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            big.save(path)
            best_s = min(best_s, time.perf_counter() - t)
            t = time.perf_counter()
            keras.models.load_model(path)
            best_l = min(best_l, time.perf_counter() - t)
    out["save_ms"], out["load_ms"] = best_s * 1e3, best_l * 1e3
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    trees = {"this": ROOT, "baseline": os.path.abspath(args.baseline)}
    best: dict = {k: {} for k in trees}
    for r in range(args.rounds):
        order = list(trees)
        random.shuffle(order)
        for name in order:
            env = {**os.environ, "PYTHONPATH": trees[name]}
            code = f"import runpy; runpy.run_path({__file__!r}, run_name='__worker__')"
            res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                 text=True, cwd=trees[name])
            if res.returncode:
                sys.exit(f"{name} failed:\n{res.stderr[-2000:]}")
            got = json.loads(res.stdout.strip().splitlines()[-1])
            for k, v in got.items():
                keep = max if k.startswith("fit") else min
                best[name][k] = keep(best[name].get(k, v), v)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| figure | this | baseline | this / baseline |\n|---|---:|---:|---:|")
    for k in best["this"]:
        a, b = best["this"][k], best["baseline"][k]
        unit = "samples/s" if k.startswith("fit") else "ms"
        print(f"| {k} ({unit}) | {a:,.1f} | {b:,.1f} | {a / b:.3f} |")


if __name__ == "__main__":
    main()
elif __name__ == "__worker__":
    _worker()
