"""Training throughput: an MLP 784->256->128->10 (relu), Adam, sparse CE from logits.

One epoch over 20,000 synthetic samples (labels from a random linear teacher), side by
side in one run, at batch 128 and batch 32, with the same initial weights everywhere:

- ember `model.fit(x, y, batch_size, epochs=1, verbose=0)` (shuffled, as Keras' default),
  with its compiled optimizer update, and again with the update as NumPy passes (what runs
  where ember's C extension is not built);
- PyTorch eager: the usual loop (randperm, zero_grad, forward, loss, backward, step);
- TF/Keras `model.fit` (when TensorFlow is installed);
- Keras 3 on JAX `model.fit`, in a worker process (its backend is chosen at import) that
  runs an epoch when asked, so its rounds interleave with the others'.

Each round runs every candidate once, in a fresh random order; a candidate's figure is its
best round, in samples per second, and its ratio to PyTorch. Every library uses its
default threads (all cores). Then memory: `fit` for 20 epochs in a fresh subprocess,
peak RSS after each epoch; the target is flat after the first.

Target (issue 5): ember at least 1.2x PyTorch's samples/s.

`--cnn` then runs the CNN section of issue 17 (the small CNN at batch 128 and 32, ember vs
PyTorch NCHW and channels_last, and TF with `--tf-python`): benchmarks/bench_cnn.py's
`cnn` section, in a subprocess with this Python.

Usage:  python benchmarks/bench_training.py [--rounds 5] [--jax-python PATH] [--epochs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

N, D, H1, H2, C = 20_000, 784, 256, 128, 10
rng = np.random.default_rng(0)
X = rng.standard_normal((N, D)).astype(np.float32)
Y = np.argmax(X @ rng.standard_normal((D, C)).astype(np.float32), axis=1).astype(np.int64)


def _glorot(fan_in: int, fan_out: int) -> np.ndarray:
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, (fan_in, fan_out)).astype(np.float32)


WEIGHTS = [_glorot(D, H1), np.zeros(H1, np.float32), _glorot(H1, H2),
           np.zeros(H2, np.float32), _glorot(H2, C), np.zeros(C, np.float32)]


def keras_program(keras, name: str) -> dict:
    """fit for one epoch at each batch size, in the Keras API of module `keras`."""
    def build():
        model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(H1, activation="relu"),
                                  keras.layers.Dense(H2, activation="relu"),
                                  keras.layers.Dense(C)])
        model.set_weights(WEIGHTS)
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    out = {}
    for bs in (128, 32):
        model = build()
        model.fit(X[:bs * 4], Y[:bs * 4], batch_size=bs, epochs=1, verbose=0)  # compile

        def epoch(model=model, bs=bs):
            return model.fit(X, Y, batch_size=bs, epochs=1, verbose=0).history["loss"][-1]

        out[(name, bs)] = epoch
    return out


def ember_candidates() -> dict:
    import ember
    from ember import keras
    from ember.backend.numpy import fused
    fits = keras_program(keras, "ember fit")
    if not fused.compiled_available():
        return {"fits": fits, "version": f"ember {ember.__version__} (NumPy kernels only: "
                f"its C extension is not built)"}
    # The same fit with the optimizer update as NumPy passes (what ember runs where its C
    # extension could not be built): the figure shows what the compiled update is worth.
    for (name, bs), epoch in list(fits.items()):
        def numpy_only(epoch=epoch):
            before = fused.use_compiled(False)
            try:
                return epoch()
            finally:
                fused.use_compiled(before)
        fits[("ember fit, NumPy update", bs)] = numpy_only
    return {"fits": fits, "version": f"ember {ember.__version__} (compiled update)"}


def tf_candidates() -> dict:
    try:
        import tensorflow as tf
    except ImportError as e:
        return {"note": f"TensorFlow skipped: {e}"}
    return {"fits": keras_program(tf.keras, "TF/Keras fit"),
            "version": f"TensorFlow {tf.__version__} (Keras {tf.keras.__version__})"}


def torch_candidates() -> dict:
    try:
        import torch
    except ImportError as e:
        return {"note": f"PyTorch skipped: {e}"}
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    out = {}
    for bs in (128, 32):
        model = torch.nn.Sequential(torch.nn.Linear(D, H1), torch.nn.ReLU(),
                                    torch.nn.Linear(H1, H2), torch.nn.ReLU(),
                                    torch.nn.Linear(H2, C))
        with torch.no_grad():
            for layer, (w, b) in zip([model[0], model[2], model[4]],
                                     zip(WEIGHTS[::2], WEIGHTS[1::2])):
                layer.weight.copy_(torch.from_numpy(w.T.copy()))
                layer.bias.copy_(torch.from_numpy(b))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.CrossEntropyLoss()

        def epoch(model=model, opt=opt, bs=bs):
            perm = torch.randperm(N)
            total = 0.0
            for i in range(0, N, bs):
                idx = perm[i:i + bs]
                opt.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            return total / N

        out[("PyTorch eager loop", bs)] = epoch
    return {"fits": out, "version": f"PyTorch {torch.__version__} "
            f"({torch.get_num_threads()} threads)"}


def measure(cands: dict, rounds: int) -> dict:
    """Best seconds per epoch over interleaved rounds, and the last loss, per candidate."""
    best = {k: float("inf") for k in cands}
    loss = {}
    for _ in range(rounds):
        order = list(cands)
        random.shuffle(order)
        for k in order:
            t = time.perf_counter()
            out = cands[k]()
            t = getattr(out, "seconds", time.perf_counter() - t)
            loss[k] = float(out)
            best[k] = min(best[k], t)
    return {k: (best[k], loss[k]) for k in cands}


def jax_worker() -> None:
    """Serves Keras-on-JAX epochs on request (one line in: a batch size; one line out: a
    JSON `[seconds, loss]`), so they interleave with the other candidates' rounds."""
    os.environ["KERAS_BACKEND"] = "jax"
    import jax
    import keras
    fits = keras_program(keras, "Keras-on-JAX fit")
    print(json.dumps({"version": f"Keras {keras.__version__} on JAX {jax.__version__}"}),
          flush=True)
    for line in sys.stdin:
        epoch = fits[("Keras-on-JAX fit", int(line))]
        t = time.perf_counter()
        loss = float(epoch())
        print(json.dumps([time.perf_counter() - t, loss]), flush=True)


def jax_candidates(python: str) -> dict:
    """Keras-on-JAX, served by a worker process (its backend is chosen at import)."""
    proc = subprocess.Popen([python, __file__, "--worker", "jax"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = proc.stdout.readline()
    if not first.startswith("{"):
        proc.kill()
        return {"note": "Keras-on-JAX skipped: its worker did not start"}

    def remote(bs: int):
        def epoch() -> tuple:
            proc.stdin.write(f"{bs}\n")
            proc.stdin.flush()
            seconds, loss = json.loads(proc.stdout.readline())
            return Timed(seconds, loss)
        return epoch

    return {"fits": {("Keras-on-JAX fit (worker process)", bs): remote(bs) for bs in (128, 32)},
            "version": json.loads(first)["version"], "proc": proc}


class Timed(float):
    """A loss whose epoch was timed elsewhere (in a worker process): `measure` takes
    `seconds` as its time."""

    def __new__(cls, seconds: float, loss: float):
        obj = super().__new__(cls, loss)
        obj.seconds = seconds
        return obj


def _status_mb(field: str) -> float:
    """A field of /proc/self/status in MB (VmHWM: this process's peak RSS; unlike
    ru_maxrss it is not inherited from the parent across exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_worker(epochs: int) -> None:
    from ember import keras
    rss = []

    class Rss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rss.append(_status_mb("VmHWM"))

    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(H1, activation="relu"),
                              keras.layers.Dense(H2, activation="relu"), keras.layers.Dense(C)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    start = _status_mb("VmHWM")
    model.fit(X, Y, batch_size=128, epochs=epochs, verbose=0, callbacks=[Rss()])
    print(json.dumps({"start_mb": start, "rss_mb": rss}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=20, help="epochs of the memory run")
    ap.add_argument("--jax-python", default=None,
                    help="a Python with keras and jax installed, for the Keras-on-JAX column")
    ap.add_argument("--cnn", action="store_true",
                    help="then the CNN section of issue 17 (benchmarks/bench_cnn.py)")
    ap.add_argument("--tf-python", default=None, help="for --cnn: a Python with TensorFlow")
    ap.add_argument("--worker", choices=["jax", "memory"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "jax":
        return jax_worker()
    if args.worker == "memory":
        return memory_worker(args.epochs)
    parts = [ember_candidates(), torch_candidates(), tf_candidates()]
    if args.jax_python:
        parts.append(jax_candidates(args.jax_python))
    cands: dict = {}
    for p in parts:
        cands.update(p.get("fits", {}))
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"] + [
        p["version"] for p in parts if "version" in p]
    notes = [p["note"] for p in parts if "note" in p]
    res = measure(cands, args.rounds)
    for p in parts:
        if "proc" in p:
            p["proc"].stdin.close()
            p["proc"].wait()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{', '.join(versions)}; default threads; {args.rounds} rounds")
    for n in notes:
        print(f"({n})")
    for bs in (128, 32):
        ref = res.get(("PyTorch eager loop", bs), (None,))[0]
        print(f"\nOne epoch, {N:,} samples, batch {bs}\n\n| candidate | samples/s | vs PyTorch "
              f"| loss after the last epoch |\n|---|---:|---:|---:|")
        for (name, b), (s, loss) in sorted(res.items(), key=lambda kv: kv[1][0]):
            if b == bs:
                ratio = f"{ref / s:.2f}x" if ref else "-"
                print(f"| {name} | {N / s:,.0f} | {ratio} | {loss:.4f} |")
    out = subprocess.run([sys.executable, __file__, "--worker", "memory", "--epochs",
                          str(args.epochs)], capture_output=True, text=True)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if lines:
        mem = json.loads(lines[-1])
        rss = mem["rss_mb"]
        print(f"\nMemory: ember fit, {len(rss)} epochs at batch 128 in a fresh process: peak "
              f"RSS {mem['start_mb']:.1f} MB before fit, {rss[0]:.1f} MB after epoch 1, "
              f"{rss[-1]:.1f} MB after epoch {len(rss)} (growth after the first epoch "
              f"{rss[-1] - rss[0]:+.2f} MB).")
    else:
        print(f"\nMemory run failed: {out.stderr[-500:]}")
    if args.cnn:
        cmd = [sys.executable, os.path.join(os.path.dirname(__file__), "bench_cnn.py"),
               "--sections", "cnn", "--rounds", str(args.rounds)]
        cmd += ["--tf-python", args.tf_python] if args.tf_python else []
        print()
        sys.stdout.flush()
        subprocess.run(cmd, check=False)


if __name__ == "__main__":
    main()
