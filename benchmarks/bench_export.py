"""Export and serving (issue 19): load time, first-call and single-sample latency of an
exported model, ember vs TensorFlow vs onnxruntime, side by side.

Models (random weights, no training): the seed MLP of the seed documents
(`Dense(5, relu) -> Dense(1, sigmoid)` on 10 features) and a small CNN
(`Conv2D(32, 3, relu) -> MaxPool -> Conv2D(64, 3, relu) -> MaxPool -> Flatten ->
Dense(10)` on 28x28x1). Each is built in ember and saved with `tf.saved_model.save`, and
exported with `ember.onnx.export`; the same architecture is built in Keras 3 on
TensorFlow and exported with `model.export` (a TF SavedModel: TF 2.21's
`tf.saved_model.save(keras_model)` no longer keeps the call) by
`benchmarks/_bench_export_tf.py`, run with `--tf-python` (never an ember dependency;
TF's columns are skipped with a note where it is missing).

Each cold-start measurement runs in a fresh process (so imports and caches count),
`--runs` times per runtime and model, interleaved; the tables give the median over runs:

- import: `import ember` / `import tensorflow` / `import onnxruntime`, nothing imported
  before it but the standard library;
- load: `tf.saved_model.load(path)` (ember, TF) or `onnxruntime.InferenceSession(path)`;
- first call: the first `loaded(x)` (ember), `loaded.serve(x)` (TF) or `session.run`
  (onnxruntime) on one sample, to a NumPy array;
- steady: in the same process, the median of `--calls` single-sample calls after a
  warm-up of 20.

ember's in-memory model (`model(x)`, `model.predict_on_batch(x)`) and TF's in-memory
Keras model (`model(x)`) are timed in-process as references. Outputs of ember's loaded
model and of onnxruntime are checked against ember's in-memory model. Threads: 1
everywhere by default (BLAS env vars, TF intra-/inter-op pools, onnxruntime intra-/inter-op).

Usage:  python benchmarks/bench_export.py [--runs 5] [--calls 200] [--tf-python PATH]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TF_HELPER = os.path.join(HERE, "_bench_export_tf.py")
WARMUP = 20
SHAPES = {"mlp": (10,), "cnn": (28, 28, 1)}
TITLES = {"mlp": "seed MLP (10-5-1)", "cnn": "CNN (28x28x1, 2 conv)"}


# -- measurements in fresh processes (no heavy import before the timed one) -------------

def _sample(shape: tuple):
    import numpy as np
    return np.random.default_rng(1).random((1,) + tuple(shape)).astype(np.float32)


def _steady(call, calls: int) -> float:
    """Median seconds of one call over `calls` calls after a warm-up."""
    for _ in range(WARMUP):
        call()
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _worker_ember(path: str, shape: tuple, calls: int) -> dict:
    t0 = time.perf_counter()
    sys.path.insert(0, ROOT)
    import ember as tf
    t1 = time.perf_counter()
    x = _sample(shape)
    t2 = time.perf_counter()
    loaded = tf.saved_model.load(path)
    t3 = time.perf_counter()
    first = loaded(x).numpy()
    t4 = time.perf_counter()
    steady = _steady(lambda: loaded(x).numpy(), calls)
    return {"import_s": t1 - t0, "load_s": t3 - t2, "first_s": t4 - t3,
            "steady_s": steady, "out": first.ravel()[:10].tolist()}


def _worker_ort(path: str, shape: tuple, calls: int, threads: int) -> dict:
    t0 = time.perf_counter()
    import onnxruntime as ort
    t1 = time.perf_counter()
    x = _sample(shape)
    t2 = time.perf_counter()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    t3 = time.perf_counter()
    first = session.run(None, {name: x})[0]
    t4 = time.perf_counter()
    steady = _steady(lambda: session.run(None, {name: x})[0], calls)
    return {"import_s": t1 - t0, "load_s": t3 - t2, "first_s": t4 - t3,
            "steady_s": steady, "out": first.ravel()[:10].tolist()}


def _run_json(cmd: list) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"bench_export: {' '.join(cmd)} failed (exit {proc.returncode})"
                           f":\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


# -- the driver --------------------------------------------------------------------------

def _ember_models():
    import ember as tf
    keras = tf.keras
    layers = keras.layers
    keras.utils.set_random_seed(0)
    mlp = keras.Sequential([keras.Input((10,)), layers.Dense(5, activation="relu"),
                            layers.Dense(1, activation="sigmoid")], name="seed_mlp")
    cnn = keras.Sequential([keras.Input((28, 28, 1)),
                            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
                            layers.Flatten(), layers.Dense(10)], name="cnn")
    return {"mlp": mlp, "cnn": cnn}


def _dir_kb(path: str) -> float:
    if os.path.isfile(path):
        return os.path.getsize(path) / 1024
    return sum(os.path.getsize(os.path.join(d, f))
               for d, _, files in os.walk(path) for f in files) / 1024


def _prepare(workdir: str, calls: int) -> dict:
    """Saves ember's models (SavedModel + ONNX); times the in-memory references."""
    import numpy as np
    import ember as tf
    import ember.onnx
    out = {}
    for name, model in _ember_models().items():
        sm, onnx_path = os.path.join(workdir, f"ember_{name}"), os.path.join(
            workdir, f"ember_{name}.onnx")
        t = time.perf_counter()
        tf.saved_model.save(model, sm)
        save_s = time.perf_counter() - t
        t = time.perf_counter()
        ember.onnx.export(model, path=onnx_path)
        onnx_s = time.perf_counter() - t
        x = _sample(SHAPES[name])
        ref = np.asarray(model(x, training=False).numpy())
        out[name] = {
            "saved_model": sm, "onnx": onnx_path, "save_s": save_s, "onnx_export_s": onnx_s,
            "sm_kb": _dir_kb(sm), "onnx_kb": _dir_kb(onnx_path),
            "ref": ref.ravel()[:10].tolist(),
            "call_s": _steady(lambda: model(x, training=False).numpy(), calls),
            "pob_s": _steady(lambda: np.asarray(model.predict_on_batch(x)), calls)}
    return out


def _machine() -> str:
    name = platform.processor() or platform.machine()
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in text.splitlines():
            if line.startswith("Model name:"):
                name = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.machine()}"


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None else f"{a / b:.2f}x"


def format_table(header: list, rows: list) -> str:
    """A markdown table: `header` (column names) and `rows` (lists of cells).

    Example:
        >>> print(format_table(["a", "b"], [["1", "2"]]))
        | a | b |
        |---|---:|
        | 1 | 2 |
    """
    lines = ["| " + " | ".join(header) + " |",
             "|---" + "|---:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _median(runs: list, key: str) -> float | None:
    vals = [r[key] for r in runs if r is not None]
    return statistics.median(vals) if vals else None


def _report(prep: dict, cold: dict, tf_build: dict | None, args, notes: list) -> str:
    out = [f"# bench_export ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC)",
           "", f"- Machine: {_machine()}",
           f"- Python {platform.python_version()}; versions: {cold['versions']}",
           f"- Threads: {args.threads} everywhere; {args.runs} fresh processes per cell "
           f"(median); steady = median of {args.calls} calls after {WARMUP} warm-up calls.",
           ""]
    runtimes = [("ember", "ember `saved_model.load`"), ("tf", "TF `saved_model.load`"),
                ("ort", "onnxruntime (ember's ONNX)")]
    for name in SHAPES:
        p = prep[name]
        med = {rt: {k: _median(cold[name][rt], k) for k in
                    ("import_s", "load_s", "first_s", "steady_s")} for rt, _ in runtimes}
        out += [f"## {TITLES[name]}", "",
                f"ember SavedModel {p['sm_kb']:.0f} KB (saved in {_fmt(p['save_s'])}), "
                f"ONNX {p['onnx_kb']:.0f} KB (exported in {_fmt(p['onnx_export_s'])}).", ""]
        rows = []
        for rt, label in runtimes:
            m = med[rt]
            total = (None if None in (m["import_s"], m["load_s"], m["first_s"])
                     else m["import_s"] + m["load_s"] + m["first_s"])
            e = med["ember"]
            rows.append([label, _fmt(m["import_s"]), _fmt(m["load_s"]),
                         _ratio(m["load_s"], e["load_s"]), _fmt(m["first_s"]),
                         _ratio(m["first_s"], e["first_s"]), _fmt(total)])
        out += ["Cold start (fresh process; ratio = this / ember):", "",
                format_table(["runtime", "import", "load", "load ratio", "first call",
                              "first-call ratio", "import+load+first"], rows), ""]
        e_steady = med["ember"]["steady_s"]
        tf_mem = (tf_build or {}).get("models", {}).get(name, {}).get("in_memory_s")
        rows = [["ember loaded `loaded(x)`", _fmt(e_steady), "1.00x"],
                ["ember in-memory `model(x)`", _fmt(p["call_s"]),
                 _ratio(p["call_s"], e_steady)],
                ["ember in-memory `predict_on_batch(x)`", _fmt(p["pob_s"]),
                 _ratio(p["pob_s"], e_steady)],
                ["TF loaded `loaded.serve(x)`", _fmt(med["tf"]["steady_s"]),
                 _ratio(med["tf"]["steady_s"], e_steady)],
                ["TF in-memory Keras `model(x)`", _fmt(tf_mem), _ratio(tf_mem, e_steady)],
                ["onnxruntime `session.run` (ember's ONNX)", _fmt(med["ort"]["steady_s"]),
                 _ratio(med["ort"]["steady_s"], e_steady)]]
        out += ["Steady single-sample latency (batch 1; ratio = this / ember loaded):", "",
                format_table(["candidate", "per call", "ratio"], rows), ""]
    if notes:
        out += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(out)


def _check(name: str, prep: dict, cold: dict, notes: list) -> None:
    import numpy as np
    ref = np.asarray(prep[name]["ref"])
    for rt in ("ember", "ort"):
        for r in cold[name][rt]:
            if r is not None and not np.allclose(r["out"], ref, rtol=1e-4, atol=1e-5):
                notes.append(f"{name}: {rt}'s output differs from ember's in-memory model "
                             f"({r['out'][:3]} vs {ref[:3].tolist()}).")
                return


def main(argv: list | None = None) -> str:
    """Runs the benchmark; prints and returns the markdown report (see module docstring).

    Example (a smoke run, one process per cell, TF skipped; takes a few seconds):
        >>> report = main(["--runs", "1", "--calls", "5", "--tf-python", "", "--quiet"])
        >>> "onnxruntime" in report and "TF columns skipped" in report
        True
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tf-python", default="/tmp/tfvenv/bin/python")
    parser.add_argument("--quiet", action="store_true", help="return, don't print")
    args = parser.parse_args(argv)
    notes: list = []
    workdir = tempfile.mkdtemp(prefix="bench_export_")
    try:
        prep = _prepare(workdir, args.calls)
        tf_build = None
        if args.tf_python and os.path.exists(args.tf_python):
            try:
                tf_build = _run_json([args.tf_python, TF_HELPER, "--threads",
                                      str(args.threads), "build", workdir, str(args.calls)])
            except RuntimeError as err:
                notes.append(f"TF columns skipped: the TF side failed: {err}")
        else:
            notes.append(f"TF columns skipped: no TensorFlow Python at {args.tf_python!r} "
                         f"(pass --tf-python PATH).")
        me = [sys.executable, os.path.abspath(__file__), "--threads", str(args.threads)]
        cold: dict = {name: {"ember": [], "tf": [], "ort": []} for name in SHAPES}
        for _ in range(args.runs):  # interleaved: machine noise hits every cell alike
            for name, shape in SHAPES.items():
                dims = ",".join(map(str, shape))
                cells = {"ember": me + ["--worker", "ember", prep[name]["saved_model"], dims],
                         "ort": me + ["--worker", "ort", prep[name]["onnx"], dims]}
                if tf_build:
                    cells["tf"] = [args.tf_python, TF_HELPER, "--threads", str(args.threads),
                                   "load", tf_build["models"][name]["path"], dims]
                for rt, cmd in cells.items():
                    cold[name][rt].append(_run_json(cmd + [str(args.calls)]))
        for name in SHAPES:
            _check(name, prep, cold, notes)
        import numpy as np
        import onnxruntime
        versions = f"NumPy {np.__version__}, onnxruntime {onnxruntime.__version__}"
        if tf_build:
            versions += (f", TensorFlow {tf_build['tf_version']} "
                         f"(Keras {tf_build['keras_version']})")
        cold["versions"] = versions
        report = _report(prep, cold, tf_build, args, notes)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.quiet:
        print(report)
    return report


def _worker_main(argv: list) -> None:
    threads = 1
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]
    _, kind, path, dims, calls = argv
    shape = tuple(int(d) for d in dims.split(","))
    if kind == "ember":
        result = _worker_ember(path, shape, int(calls))
    else:
        result = _worker_ort(path, shape, int(calls), threads)
    print(json.dumps(result))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker_main(sys.argv[1:])
    else:
        main()
