"""Keras inference: the seed model's `model(var)` and `model.predict(var)` side by side.

The seed model of the first seed document: Dense(5, relu) -> Dense(1, sigmoid) on a
(1, 10) float32 Variable, with the same weights everywhere. Candidates, timed in one run,
interleaved (each round times every candidate once, in a fresh random order), as the
minimum over rounds, in microseconds per call and as a ratio to hand-written NumPy:

- NumPy by hand; ember `model(var)`, `model.predict(var, verbose=0)` and `predict` with
  its default progress line; TF/Keras `model(var)` and `predict`; PyTorch eager (no_grad).
- Keras 3 on JAX runs in a subprocess (its backend is chosen at import), timed the same
  way in the same run; its figures are marked as such.

Then predict throughput on 100,000 rows at batch_size 1024 (rows per second), and memory:
10,000 `model.predict(var)` calls in a fresh subprocess, the growth of peak RSS after a
warm-up of 100 calls.

Targets (issue 4): model(var) within 1.5x and predict within 2x of hand-written NumPy;
peak RSS growth under 5 MB.

Usage:  python benchmarks/bench_keras.py [--rounds 15] [--target-ms 30] [--jax-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

rng = np.random.default_rng(0)
W1, B1 = rng.standard_normal((10, 5)).astype(np.float32), rng.standard_normal(5).astype(
    np.float32) * 0.1
W2, B2 = rng.standard_normal((5, 1)).astype(np.float32), np.full(1, 0.1, np.float32)
X = rng.random((1, 10)).astype(np.float32)
BIG = rng.random((100_000, 10)).astype(np.float32)
BATCH = 1024


def numpy_forward(x=X):
    h = np.maximum(x @ W1 + B1, 0)
    return 1 / (1 + np.exp(-(h @ W2 + B2)))


def numpy_throughput():
    return np.concatenate([numpy_forward(BIG[i:i + BATCH]) for i in range(0, len(BIG), BATCH)])


def keras_program(keras, variable, name: str, quiet_default: bool = False) -> dict:
    """The seed model in the Keras API of module `keras`; `variable` makes the input."""
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([W1, B1, W2, B2])
    var = variable(X)
    np.testing.assert_allclose(np.asarray(model(var)), numpy_forward(), rtol=1e-5)
    np.testing.assert_allclose(model.predict(var, verbose=0), numpy_forward(), rtol=1e-5)
    single = {f"{name} model(var)": lambda: model(var),
              f"{name} predict(var, verbose=0)": lambda: model.predict(var, verbose=0)}
    if quiet_default:
        single[f"{name} predict(var) (progress line)"] = lambda: model.predict(var)
    return {"single": single,
            "throughput": {name: lambda: model.predict(BIG, batch_size=BATCH, verbose=0)}}


def ember_candidates() -> dict:
    import ember
    from ember import keras
    out = keras_program(keras, ember.Variable, "ember", quiet_default=True)
    out["version"] = f"ember {ember.__version__}"
    return out


def tf_candidates() -> dict:
    try:
        import tensorflow as tf
    except ImportError as e:
        return {"note": f"TensorFlow skipped: {e}"}
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    out = keras_program(tf.keras, tf.Variable, "TF")
    out["version"] = f"TensorFlow {tf.__version__} (Keras {tf.keras.__version__})"
    return out


def torch_candidates() -> dict:
    try:
        import torch
    except ImportError as e:
        return {"note": f"PyTorch skipped: {e}"}
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(10, 5), torch.nn.ReLU(),
                                torch.nn.Linear(5, 1), torch.nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(W1.T))
        model[0].bias.copy_(torch.tensor(B1))
        model[2].weight.copy_(torch.tensor(W2.T))
        model[2].bias.copy_(torch.tensor(B2))
    x, big = torch.tensor(X), torch.tensor(BIG)

    def forward():
        with torch.no_grad():
            return model(x)

    def throughput():
        with torch.no_grad():
            return np.concatenate([model(big[i:i + BATCH]).numpy()
                                   for i in range(0, len(BIG), BATCH)])

    np.testing.assert_allclose(forward().numpy(), numpy_forward(), rtol=1e-5)
    return {"single": {"PyTorch eager (no_grad)": forward},
            "throughput": {"PyTorch": throughput}, "version": f"PyTorch {torch.__version__}"}


def measure(cands: dict, rounds: int, target_ms: float) -> dict:
    """Min over interleaved rounds of seconds per call, per candidate (bench_function's
    method, which reports microseconds)."""
    from bench_function import measure as measure_us
    return {name: us / 1e6 for name, us in measure_us(cands, rounds, target_ms).items()}


def _quiet(fn):
    """Runs `fn` with stdout sent to /dev/null (the progress lines of predict)."""
    def run():
        saved = sys.stdout
        sys.stdout = _DEVNULL
        try:
            return fn()
        finally:
            sys.stdout = saved
    return run


_DEVNULL = open(os.devnull, "w")


def jax_worker(rounds: int, target_ms: float) -> None:
    os.environ["KERAS_BACKEND"] = "jax"
    import jax
    import jax.numpy as jnp
    import keras
    out = keras_program(keras, lambda a: keras.Variable(jnp.asarray(a)), "Keras-on-JAX")
    single = measure({**{"NumPy by hand": numpy_forward}, **out["single"]}, rounds,
                     target_ms)
    thr = measure({"NumPy by hand": numpy_throughput, **out["throughput"]}, max(3,
                  rounds // 5), target_ms)
    print(json.dumps({"single": single, "throughput": thr,
                      "version": f"Keras {keras.__version__} on JAX {jax.__version__}"}))


def memory_worker(calls: int) -> None:
    import resource
    import ember
    from ember import keras
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    var = ember.Variable(X)
    for _ in range(100):
        model.predict(var, verbose=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(calls):
        model.predict(var, verbose=0)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kb": before, "after_kb": after}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--target-ms", type=float, default=30.0)
    ap.add_argument("--jax-python", default=None,
                    help="a Python with keras and jax installed, for the Keras-on-JAX column")
    ap.add_argument("--worker", choices=["jax", "memory"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "jax":
        return jax_worker(args.rounds, args.target_ms)
    if args.worker == "memory":
        return memory_worker(10_000)
    em, tfc, thc = ember_candidates(), tf_candidates(), torch_candidates()
    single = {"NumPy by hand": numpy_forward}
    thr = {"NumPy by hand": numpy_throughput}
    for c in (em, tfc, thc):
        single.update({k: _quiet(f) for k, f in c.get("single", {}).items()})
        thr.update(c.get("throughput", {}))
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"] + [
        c["version"] for c in (em, tfc, thc) if "version" in c]
    jax = None
    if args.jax_python:
        res = subprocess.run([args.jax_python, __file__, "--worker", "jax", "--rounds",
                              str(args.rounds), "--target-ms", str(args.target_ms)],
                             capture_output=True, text=True)
        lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
        jax = json.loads(lines[-1]) if lines else {"error": res.stderr[-500:]}
        if "version" in jax:
            versions.append(jax["version"])
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{', '.join(versions)}; 1 thread everywhere; {args.rounds} rounds")
    best = measure(single, args.rounds, args.target_ms)
    base = best["NumPy by hand"]
    print("\nSeed model, one (1, 10) sample\n\n| candidate | us per call | vs NumPy by hand |"
          "\n|---|---:|---:|")
    for name, s in best.items():
        print(f"| {name} | {s * 1e6:.2f} | {s / base:.2f}x |")
    if jax and "single" in jax:
        jb = jax["single"]["NumPy by hand"]
        for name, s in jax["single"].items():
            if name != "NumPy by hand":
                print(f"| {name} (subprocess) | {s * 1e6:.2f} | {s / jb:.2f}x |")
    tbest = measure(thr, max(3, args.rounds // 5), args.target_ms)
    print(f"\nPredict throughput, 100,000 x 10 rows, batch_size {BATCH}\n\n| candidate | "
          f"rows per second | vs NumPy by hand |\n|---|---:|---:|")
    tb = tbest["NumPy by hand"]
    for name, s in tbest.items():
        print(f"| {name} | {len(BIG) / s:,.0f} | {tb / s:.2f}x |")
    if jax and "throughput" in jax:
        jb = jax["throughput"]["NumPy by hand"]
        for name, s in jax["throughput"].items():
            if name != "NumPy by hand":
                print(f"| {name} (subprocess) | {len(BIG) / s:,.0f} | {jb / s:.2f}x |")
    if jax and "error" in jax:
        print(f"\nNote: Keras-on-JAX failed: {jax['error']}")
    res = subprocess.run([sys.executable, __file__, "--worker", "memory"], capture_output=True,
                         text=True)
    mem = json.loads(res.stdout.strip().splitlines()[-1])
    grow = (mem["after_kb"] - mem["before_kb"]) / 1024
    print(f"\nMemory: 10,000 ember predict calls grow peak RSS by {grow:.2f} MB "
          f"({mem['before_kb'] / 1024:.1f} MB -> {mem['after_kb'] / 1024:.1f} MB)")
    for c in (tfc, thc):
        if "note" in c:
            print(f"\nNote: {c['note']}")


if __name__ == "__main__":
    main()
