"""TensorFlow's side of `bench_export.py`, run with a Python that has TensorFlow.

Never imported by ember: `bench_export.py` runs it as a subprocess with `--tf-python`.
Two modes, each printing one JSON object on its last stdout line:

- `build OUTDIR`: builds the seed MLP and the CNN in Keras 3 on TF (same layer sizes as
  ember's; random weights), exports each with `model.export(OUTDIR/tf_<name>)` (a TF
  SavedModel with the `serve` endpoint and the `serving_default` signature: TF 2.21's
  `tf.saved_model.save(keras_model)` no longer keeps the model's call), and times the
  in-memory `model(x)` on one sample as a reference.
- `load PATH SHAPE CALLS`: one fresh-process measurement: `import tensorflow`, then
  `tf.saved_model.load(PATH)`, the first `loaded.serve(x)`, and CALLS steady calls.

Threads: `--threads N` (default 1) sets TF's intra- and inter-op pools before any op.
"""

from __future__ import annotations

import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

WARMUP = 20


def _threads(tf, n: int) -> None:
    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(n)


def _sample(shape: tuple):
    import numpy as np
    return np.random.default_rng(1).random((1,) + tuple(shape)).astype(np.float32)


def _models(keras) -> dict:
    layers = keras.layers
    mlp = keras.Sequential([keras.Input((10,)), layers.Dense(5, activation="relu"),
                            layers.Dense(1, activation="sigmoid")], name="seed_mlp")
    cnn = keras.Sequential([keras.Input((28, 28, 1)),
                            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
                            layers.Flatten(), layers.Dense(10)], name="cnn")
    return {"mlp": mlp, "cnn": cnn}


def _steady(call, calls: int) -> float:
    """Median seconds of one call over `calls` calls after a warm-up."""
    for _ in range(WARMUP):
        call()
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def build(outdir: str, threads: int, calls: int) -> dict:
    """Exports both models under `outdir`; returns paths, in-memory latency, versions."""
    import tensorflow as tf
    import keras
    _threads(tf, threads)
    keras.utils.set_random_seed(0)
    out: dict = {"tf_version": tf.__version__, "keras_version": keras.__version__,
                 "models": {}}
    for name, model in _models(keras).items():
        path = os.path.join(outdir, f"tf_{name}")
        try:
            model.export(path, verbose=False)
        except TypeError:  # an older Keras 3 without `verbose`
            model.export(path)
        x = _sample(model.inputs[0].shape[1:])
        steady = _steady(lambda: model(x, training=False).numpy(), calls)
        out["models"][name] = {"path": path, "in_memory_s": steady}
    return out


def load(path: str, shape: tuple, calls: int, threads: int) -> dict:
    """One cold-start measurement in this (fresh) process."""
    t0 = time.perf_counter()
    import tensorflow as tf
    t1 = time.perf_counter()
    _threads(tf, threads)
    x = _sample(shape)
    t2 = time.perf_counter()
    loaded = tf.saved_model.load(path)
    t3 = time.perf_counter()
    first = loaded.serve(x).numpy()
    t4 = time.perf_counter()
    steady = _steady(lambda: loaded.serve(x).numpy(), calls)
    return {"import_s": t1 - t0, "load_s": t3 - t2, "first_s": t4 - t3,
            "steady_s": steady, "out": first.ravel()[:10].tolist()}


def main(argv: list) -> int:
    """Runs one mode (see the module docstring); prints its JSON result.

    Example:
        >>> main(["help"])
        usage: _bench_export_tf.py [--threads N] build OUTDIR [CALLS] | load PATH SHAPE CALLS
        2
    """
    threads = 1
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]
    if argv[:1] == ["build"] and len(argv) in (2, 3):
        result = build(argv[1], threads, int(argv[2]) if len(argv) == 3 else 200)
    elif argv[:1] == ["load"] and len(argv) == 4:
        shape = tuple(int(d) for d in argv[2].split(","))
        result = load(argv[1], shape, int(argv[3]), threads)
    else:
        print("usage: _bench_export_tf.py [--threads N] build OUTDIR [CALLS] | "
              "load PATH SHAPE CALLS")
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
