"""Convolutional training and inference (issue 17): ember vs PyTorch (and TF/Keras).

Side by side in one run, every library at its default thread count, random data from
fixed seeds (no downloads), the same architecture everywhere (the parameter counts are
printed and compared):

- cnn: the issue's CNN (Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2,
  Flatten, Dense 10; 28x28x1), Adam, sparse CE from logits: training samples/s at batch
  128 and 32. ember `model.fit(x, y, batch_size, epochs=1, verbose=0)` (after a warm-up
  fit) vs the PyTorch eager loop (randperm, zero_grad, forward, loss, backward, step) in
  NCHW (its default) and in channels_last (model and batches `.to(channels_last)`);
- resnet: a ResNet-style block (32x32x16; conv3x3(16)-BN-relu-conv3x3(16)-BN, + input,
  relu; GlobalAveragePooling, Dense 10; "same" padding, convs without bias), batch 64;
- depthwise: a depthwise-separable block (32x32x32; DepthwiseConv2D 3x3 same - BN - relu -
  Conv2D 1x1 (64) - BN - relu; GlobalAveragePooling, Dense 10; PyTorch: Conv2d with
  groups=32 then 1x1), batch 64;
- predict: one 28x28x1 image through the CNN: ember `model.predict(x1, verbose=0)`,
  `model(x1)` and `model.predict_on_batch(x1)` vs PyTorch `with torch.no_grad(): tm(x)`;
  median microseconds per call.

BatchNorm matches Keras' defaults in PyTorch (eps 1e-3, momentum 0.01), Adam its eps
(1e-7). TF/Keras runs the cnn and predict sections (the same Keras code as ember's) when
`--tf-python` names an interpreter with TensorFlow (TF cannot be imported beside ember):
a worker process that serves one epoch, or one block of predict calls, per request, so its
rounds interleave with the others'. Each round runs every candidate of a section once, in a
fresh random order; training figures are the best round in samples/s, with ratios to
PyTorch; predict figures the median over all calls of all rounds.

Usage:  /tmp/kjax/bin/python benchmarks/bench_cnn.py [--rounds 5] [--tf-python PATH]
            [--sections cnn,resnet,depthwise,predict] [--quick]
(a full run takes a few minutes on 2 cores; --quick is a smoke run of ~20 s: one round on
a few batches, its figures are not meaningful)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

# section: (input shape HWC, samples per epoch (full, --quick), batch sizes, title)
SECTIONS = {
    "cnn": ((28, 28, 1), (4096, 256), (128, 32), "The issue's CNN (Conv2D 32 3x3 relu, "
            "MaxPool 2, Conv2D 64 3x3 relu, MaxPool 2, Flatten, Dense 10; 28x28x1)"),
    "resnet": ((32, 32, 16), (2048, 128), (64,), "ResNet-style block (32x32x16; conv3x3(16)"
               "-BN-relu-conv3x3(16)-BN + skip, relu, GlobalAveragePooling, Dense 10)"),
    "depthwise": ((32, 32, 32), (2048, 128), (64,), "Depthwise-separable block (32x32x32; "
                  "DepthwiseConv2D 3x3-BN-relu-Conv2D 1x1 (64)-BN-relu, GAP, Dense 10)"),
}
PREDICT_FORMS = {"predict": "`model.predict(x1, verbose=0)`", "call": "`model(x1)`",
                 "predict_on_batch": "`model.predict_on_batch(x1)`"}
TORCH_REFS = ["PyTorch eager (NCHW)", "PyTorch eager (channels_last)"]


def data(section: str, n: int) -> tuple:
    """n random NHWC float32 samples and int64 labels, the same for every library."""
    rng = np.random.default_rng(list(SECTIONS).index(section))
    x = rng.random((n, *SECTIONS[section][0]), dtype=np.float32)
    return x, rng.integers(0, 10, n).astype(np.int64)


X1 = np.random.default_rng(99).random((1, 28, 28, 1), dtype=np.float32)


# ---- Keras (ember here, TF/Keras in the worker): the same code for both ----

def keras_model(keras, section: str):
    L = keras.layers
    if section == "cnn":
        return keras.Sequential([
            keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
            L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dense(10)])
    if section == "resnet":
        inp = keras.Input((32, 32, 16))
        h = L.Conv2D(16, 3, padding="same", use_bias=False)(inp)
        h = L.ReLU()(L.BatchNormalization()(h))
        h = L.BatchNormalization()(L.Conv2D(16, 3, padding="same", use_bias=False)(h))
        h = L.ReLU()(L.Add()([h, inp]))
        return keras.Model(inp, L.Dense(10)(L.GlobalAveragePooling2D()(h)))
    return keras.Sequential([
        keras.Input((32, 32, 32)), L.DepthwiseConv2D(3, padding="same", use_bias=False),
        L.BatchNormalization(), L.ReLU(), L.Conv2D(64, 1, use_bias=False),
        L.BatchNormalization(), L.ReLU(), L.GlobalAveragePooling2D(), L.Dense(10)])


def keras_params(model) -> tuple:
    count = lambda ws: sum(int(np.prod(tuple(w.shape))) for w in ws)  # noqa: E731
    return count(model.trainable_weights), count(model.non_trainable_weights)


def keras_fit(keras, section: str, n: int, bs: int) -> tuple:
    """(epoch() -> seconds, parameter counts) for `model.fit` over n samples."""
    x, y = data(section, n)
    model = keras_model(keras, section)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:2 * bs], y[:2 * bs], batch_size=bs, epochs=1, verbose=0)  # warm-up

    def epoch() -> float:
        t = time.perf_counter()
        model.fit(x, y, batch_size=bs, epochs=1, verbose=0)
        return time.perf_counter() - t
    return epoch, keras_params(model)


def keras_predict(keras, form: str):
    """calls(k) -> k per-call seconds of one predict form on the CNN, or None if absent."""
    model = keras_model(keras, "cnn")
    if form == "predict":
        return timed_calls(lambda: model.predict(X1, verbose=0))
    if form == "call":
        return timed_calls(lambda: model(X1))
    method = getattr(model, form, None)
    return timed_calls(lambda: method(X1)) if method else None


def timed_calls(fn):
    for _ in range(5):
        fn()  # warm-up

    def calls(k: int) -> list:
        out = []
        for _ in range(k):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
        return out
    return calls


# ---- PyTorch ----

def torch_model(torch, section: str):
    nn = torch.nn
    bn = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # noqa: E731 (Keras' defaults)
    if section == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(64 * 5 * 5, 10))
    if section == "resnet":
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1, self.b1 = nn.Conv2d(16, 16, 3, padding=1, bias=False), bn(16)
                self.c2, self.b2 = nn.Conv2d(16, 16, 3, padding=1, bias=False), bn(16)
                self.fc = nn.Linear(16, 10)

            def forward(self, x):
                h = self.b2(self.c2(torch.relu(self.b1(self.c1(x)))))
                return self.fc(torch.relu(h + x).mean(dim=(2, 3)))
        return Block()
    return nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), bn(32),
                         nn.ReLU(), nn.Conv2d(32, 64, 1, bias=False), bn(64), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def torch_params(model) -> tuple:
    buffers = sum(b.numel() for name, b in model.named_buffers()
                  if not name.endswith("num_batches_tracked"))
    return sum(p.numel() for p in model.parameters()), buffers


def torch_fit(torch, section: str, n: int, bs: int, channels_last: bool) -> tuple:
    torch.manual_seed(0)
    x, y = data(section, n)
    x, y = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y)
    model = torch_model(torch, section)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(count: int = n) -> float:
        t = time.perf_counter()
        perm = torch.randperm(count)
        for i in range(0, count, bs):
            idx = perm[i:i + bs]
            opt.zero_grad()
            loss = loss_fn(model(x[idx].to(memory_format=fmt)), y[idx])
            loss.backward()
            opt.step()
        return time.perf_counter() - t
    epoch(2 * bs)  # warm-up
    return epoch, torch_params(model)


# ---- the TF/Keras worker (another interpreter) and its client ----

def tf_worker() -> None:
    """One JSON request per stdin line, one JSON answer per stdout line."""
    import tensorflow as tf
    fits, preds = {}, {}
    print(json.dumps({"version": f"TensorFlow {tf.__version__} (Keras "
                      f"{tf.keras.__version__})"}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "setup_fit":
                fits[req["key"]], params = keras_fit(tf.keras, req["section"], req["n"],
                                                     req["bs"])
                ans = {"params": params}
            elif req["op"] == "fit":
                ans = {"seconds": fits[req["key"]]()}
            elif req["op"] == "setup_predict":
                preds[req["form"]] = keras_predict(tf.keras, req["form"])
                ans = {"ok": preds[req["form"]] is not None}
            else:
                ans = {"seconds": preds[req["form"]](req["calls"])}
        except Exception as e:  # noqa: BLE001 (reported to the main process)
            ans = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(ans), flush=True)


class TFClient:
    def __init__(self, python: str):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", "tf"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        first = self.proc.stdout.readline()
        if not first.startswith("{"):
            self.log.seek(0)
            raise RuntimeError(f"its worker did not start: {self.log.read()[-300:].strip()}")
        self.version = json.loads(first)["version"]

    def ask(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("its worker exited")
        ans = json.loads(line)
        if "error" in ans:
            raise RuntimeError(ans["error"])
        return ans

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


# ---- measuring and reporting ----

def interleave(cands: dict, rounds: int, run) -> dict:
    """{name: [run(cands[name]) for each round]}, every round in a fresh random order."""
    out = {k: [] for k in cands}
    for _ in range(rounds):
        order = list(cands)
        random.shuffle(order)
        for k in order:
            out[k].append(run(cands[k]))
    return out


def fit_section(section: str, args, torch, ember_keras, tf, params: dict) -> None:
    shape, (n_full, n_quick), batches, title = SECTIONS[section]
    n = n_quick if args.quick else n_full
    print(f"\n### {title}\n\nTraining, Adam, sparse CE from logits; {n:,} samples per "
          f"epoch, best of {args.rounds} interleaved rounds.")
    refs = TORCH_REFS if section == "cnn" else TORCH_REFS[:1]
    for bs in batches:
        cands = {}
        cands["ember `fit`"], params[section, "ember"] = keras_fit(ember_keras, section, n, bs)
        for ref in refs:
            cands[ref], params[section, "PyTorch"] = torch_fit(torch, section, n, bs,
                                                               "channels_last" in ref)
        if tf is not None and section == "cnn":
            key = f"{section}-{bs}"
            try:
                params[section, "TF/Keras"] = tuple(tf.ask(op="setup_fit", key=key, n=n,
                                                           bs=bs, section=section)["params"])
                cands["TF/Keras `fit` (worker process)"] = (
                    lambda key=key: tf.ask(op="fit", key=key)["seconds"])
            except RuntimeError as e:
                print(f"(TF/Keras skipped: {e})")
        best = {k: n / min(v) for k, v in interleave(cands, args.rounds, lambda f: f()).items()}
        print(f"\nBatch {bs}\n\n| candidate | samples/s | "
              + " | ".join(f"vs {r}" for r in refs) + " |\n|---|---:|"
              + "---:|" * len(refs))
        for name, sps in sorted(best.items(), key=lambda kv: -kv[1]):
            print(f"| {name} | {sps:,.0f} | "
                  + " | ".join(f"{sps / best[r]:.2f}x" for r in refs) + " |")
        print("\nember / PyTorch: " + ", ".join(
            f"{best['ember `fit`'] / best[r]:.2f}x ({r.split('(')[1][:-1]})" for r in refs))


def predict_section(args, torch, ember_keras, tf) -> None:
    calls = 20 if args.quick else 200
    cands = {f"ember {s}": keras_predict(ember_keras, f) for f, s in PREDICT_FORMS.items()}
    torch.manual_seed(0)
    tm = torch_model(torch, "cnn").eval()
    tx = torch.from_numpy(np.ascontiguousarray(X1.transpose(0, 3, 1, 2)))

    def torch_call():
        with torch.no_grad():
            return tm(tx)
    cands["PyTorch `with torch.no_grad(): tm(x)`"] = timed_calls(torch_call)
    if tf is not None:
        for form, s in PREDICT_FORMS.items():
            try:
                if tf.ask(op="setup_predict", form=form)["ok"]:
                    cands[f"TF/Keras {s} (worker process)"] = (
                        lambda k, form=form: tf.ask(op="predict", form=form,
                                                    calls=k)["seconds"])
            except RuntimeError as e:
                print(f"(TF/Keras {form} skipped: {e})")
    cands = {k: v for k, v in cands.items() if v is not None}
    res = interleave(cands, args.rounds, lambda f: f(calls))
    med = {k: float(np.median(np.concatenate(v))) * 1e6 for k, v in res.items()}
    ref = med["PyTorch `with torch.no_grad(): tm(x)`"]
    print(f"\n### Predict on one 28x28x1 image, the CNN above\n\n{calls} calls per round, "
          f"{args.rounds} interleaved rounds; median over all calls; ratio: time / PyTorch's."
          f"\n\n| call | median us | vs PyTorch |\n|---|---:|---:|")
    for name, us in sorted(med.items(), key=lambda kv: kv[1]):
        print(f"| {name} | {us:,.1f} | {us / ref:.2f}x |")
    forms = [k for k in PREDICT_FORMS if f"ember {PREDICT_FORMS[k]}" in med]
    print(f"\n(ember forms found: {', '.join(forms)})")


def print_params(params: dict) -> None:
    libs = [lib for lib in ("ember", "PyTorch", "TF/Keras")
            if any(k[1] == lib for k in params)]
    print("\n### Parameters (trainable + non-trainable, i.e. BatchNorm moving statistics)\n\n"
          "| model | " + " | ".join(libs) + " | same |\n|---|" + "---:|" * len(libs) + "---|")
    for section in dict.fromkeys(k[0] for k in params):
        counts = [params.get((section, lib)) for lib in libs]
        same = "yes" if len({c for c in counts if c}) == 1 else "**NO**"
        print(f"| {section} | " + " | ".join(f"{c[0]:,} + {c[1]:,}" if c else "-"
                                             for c in counts) + f" | {same} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds (5)")
    ap.add_argument("--sections", default="cnn,resnet,depthwise,predict")
    ap.add_argument("--tf-python", default=None,
                    help="a Python with tensorflow installed, for the TF/Keras rows")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: few samples, one round")
    ap.add_argument("--worker", choices=["tf"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "tf":
        return tf_worker()
    args.rounds = args.rounds or (1 if args.quick else 5)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS) - {"predict"}
    if unknown:
        ap.error(f"unknown sections: {', '.join(sorted(unknown))}")

    import ember
    from ember import keras as ember_keras
    try:
        import torch
    except ImportError as e:
        sys.exit(f"PyTorch is needed (every ratio is to it): {e}")
    tf, notes = None, []
    if not args.tf_python:
        notes.append("TF/Keras skipped: no --tf-python given (TF cannot be imported beside "
                     "ember; pass an interpreter with tensorflow, e.g. /tmp/tfvenv/bin/python)")
    elif not set(sections) & {"cnn", "predict"}:
        notes.append("TF/Keras runs only the cnn and predict sections")
    else:
        try:
            tf = TFClient(args.tf_python)
        except (OSError, RuntimeError) as e:
            notes.append(f"TF/Keras skipped: {e}")
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}",
                f"ember {ember.__version__}", f"PyTorch {torch.__version__}"]
    if tf is not None:
        versions.append(tf.version)
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"nproc {nproc}; torch.get_num_threads() {torch.get_num_threads()}; default "
          f"threads everywhere; {', '.join(versions)}"
          + ("; --quick (a smoke run: figures not meaningful)" if args.quick else ""))
    for note in notes:
        print(f"({note})")

    params: dict = {}
    try:
        for section in sections:
            if section == "predict":
                predict_section(args, torch, ember_keras, tf)
            else:
                fit_section(section, args, torch, ember_keras, tf, params)
    finally:
        if tf is not None:
            tf.close()
    if params:
        print_params(params)


if __name__ == "__main__":
    main()
