"""Data-parallel training throughput on 1, 2 and 4 devices: ember (JAX backend,
`tf.distribute.MirroredStrategy`) beside Keras 3 on JAX (`keras.distribution.DataParallel`),
the same model, data and global batch.

Without several accelerators, the devices are XLA's forced host devices
(`XLA_FLAGS=--xla_force_host_platform_device_count=N`, set before jax starts): N devices
that share this machine's cores. The figure then measures what splitting a batch over a
mesh costs (the sharded step, its all-reduce), not a speed-up; on N real devices the same
script measures scaling. Each (candidate, N) runs in its own process: the first `fit`
compiles, one warm-up epoch, then `--epochs` timed epochs.

Usage:  python benchmarks/bench_data_parallel.py [--devices 1,2,4] [--models mlp,cnn]
                                                 [--candidates ember,keras] [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_gpu import MODELS, data, keras_model  # noqa: E402  (the same models as on GPU)


def worker(lib: str, model: str, epochs: int, n: int, batch: int) -> dict:
    if lib == "ember":
        os.environ["EMBER_BACKEND"] = "jax"
        sys.path.insert(0, ROOT)
        import ember as tf
        from ember import keras

        class ops:  # the ember ops bench_gpu's attention uses, under keras.ops' names
            shape, reshape, transpose, matmul = tf.shape, tf.reshape, tf.transpose, tf.matmul
            softmax = staticmethod(lambda x, axis=-1: tf.nn.softmax(x, axis=axis))
        import jax
        scope = tf.distribute.MirroredStrategy().scope()
    else:
        os.environ["KERAS_BACKEND"] = "jax"
        import contextlib
        import keras
        from keras import ops
        import jax
        keras.distribution.set_distribution(keras.distribution.DataParallel())
        scope = contextlib.nullcontext()
    x, y = data(model, n)
    with scope:
        m = keras_model(keras, ops, model)
        m.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=True)
    m.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)  # compile
    m.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up epoch
    t = time.perf_counter()
    h = m.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    weights = [w._value for w in m.weights] if lib == "ember" else [w.value for w in m.weights]
    jax.block_until_ready(weights)
    dt = time.perf_counter() - t
    shard = getattr(weights[0], "sharding", None)
    return {"samples_per_s": n * epochs / dt, "loss": float(h.history["loss"][-1]),
            "devices": len(jax.devices()),
            "weight_devices": len(shard.device_set) if shard is not None else 1}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", default="1,2,4")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--candidates", default="ember,keras")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--worker", nargs=2, metavar=("LIB", "MODEL"))
    args = ap.parse_args()
    if args.worker:
        lib, model = args.worker
        n, batch = MODELS[model]
        print("RESULT " + json.dumps(worker(lib, model, args.epochs, n, batch)), flush=True)
        return
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
          f"{platform.python_version()}; {args.epochs} timed epoch(s) after one warm-up\n")
    counts = [int(c) for c in args.devices.split(",")]
    rows = {}
    for model in args.models.split(","):
        for lib in args.candidates.split(","):
            for c in counts:
                env = dict(os.environ,
                           XLA_FLAGS=f"--xla_force_host_platform_device_count={c}")
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib, model,
                       "--epochs", str(args.epochs)]
                p = subprocess.run(cmd, capture_output=True, text=True, env=env)
                line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
                if p.returncode or not line:
                    err = (p.stderr.strip().splitlines() or ["no output"])[-1]
                    rows[(model, lib, c)] = {"error": err[:200]}
                else:
                    rows[(model, lib, c)] = json.loads(line[-1][7:])
                print(f"{model:6s} {lib:6s} {c} {rows[(model, lib, c)]}", flush=True)
    print("\n| model | candidate | devices | samples/s | vs 1 device | vs Keras-on-JAX |"
          " last loss |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for model in args.models.split(","):
        for lib in args.candidates.split(","):
            one = rows.get((model, lib, counts[0]), {}).get("samples_per_s")
            for c in counts:
                r = rows[(model, lib, c)]
                if "error" in r:
                    print(f"| {model} | {lib} | {c} | n/a | - | - | {r['error']} |")
                    continue
                s = r["samples_per_s"]
                k = rows.get((model, "keras", c), {}).get("samples_per_s")
                print(f"| {model} | {lib} | {r['devices']} | {s:,.0f} | "
                      f"{s / one:.2f}x | {f'{s / k:.2f}x' if k else '-'} | "
                      f"{r['loss']:.4f} |")


if __name__ == "__main__":
    main()
