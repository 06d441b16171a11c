"""Training throughput: a small transformer encoder, Adam, sparse CE from logits (issue 16).

The model, the same in every library: token ids (vocab 1,000, sequence 64) -> Embedding
(1000, 128) + a learned position embedding (64, 128) -> 2 post-norm encoder blocks
(multi-head self-attention, 4 heads of key_dim 32, + residual + LayerNorm; feed-forward
128->512->128 relu + residual + LayerNorm; LayerNorm epsilon 1e-5, PyTorch's; no dropout,
so the math matches) -> global average pooling over the sequence -> Dense(10). Synthetic
sequence classification: the label of a sequence is the argmax of the sum, over its
tokens, of a fixed random (1000, 10) table's rows. Every candidate starts from the same
initial weights (PyTorch's packed attention projections are mapped onto Keras' per-head
kernels), and before timing the script checks that ember and PyTorch have the same
number of parameters, give the same logits on the same weights, and that a few training
steps reduce the loss of each.

One epoch over 1,024 samples at batch 32, side by side in one run:

- ember `model.fit(x, y, batch_size=32, epochs=1, verbose=0)` (shuffled, as Keras'
  default);
- PyTorch eager: `nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=128, nhead=4,
  dim_feedforward=512, dropout=0.0, batch_first=True, norm_first=False), num_layers=2)`
  with the usual loop (randperm, zero_grad, forward, loss, backward, step);
- tf.keras `model.fit` (TF 2.21 is Keras 3 on TensorFlow), and Keras 3 on JAX `model.fit`,
  each in a worker process run by its own Python (`--tf-python`, `--jax-python`; Keras
  picks its backend at import) that runs an epoch when asked, so its rounds interleave
  with the others'. A candidate whose Python or library is missing is skipped, with a note.

Each round runs every candidate once, in a fresh random order; a candidate's figure is its
best round, in samples per second, and its ratio to PyTorch. Every library uses its
default threads (all cores). Each candidate has a warm-up of 4 batches before the rounds
(Keras' compile of its train step), so the losses after the last epoch compare.

Target (issue 16): ember at least 1.0x PyTorch's samples/s.

Usage:  python benchmarks/bench_transformer.py [--rounds 5] [--samples 1024]
            [--tf-python PATH] [--jax-python PATH] [--no-check]

Run it with a Python that has ember and torch (e.g. /tmp/kjax/bin/python, where ember is
installed editable). `--tf-python` defaults to /tmp/tfvenv/bin/python and `--jax-python`
to /tmp/kjax/bin/python, where they exist. 1,024 samples make an ember epoch a few
seconds on a 2-core VM.
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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

VOCAB, SEQ, DIM, HEADS, FF, BLOCKS, C, BATCH = 1000, 64, 128, 4, 512, 2, 10, 32
KEY_DIM = DIM // HEADS
EPS = 1e-5  # LayerNorm epsilon: PyTorch's default (Keras' is 1e-3)
N = 1024    # samples per epoch; --samples changes it (the worker gets it on its command line)


def make_data(n: int) -> tuple:
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (n, SEQ)).astype(np.int64)
    table = rng.standard_normal((VOCAB, C)).astype(np.float32)
    y = np.argmax(table[x].sum(axis=1), axis=1).astype(np.int64)
    return x, y


def make_weights() -> dict:
    """The initial weights, in PyTorch's layout (Linear weights are (out, in))."""
    rng = np.random.default_rng(1)

    def glorot(fan_out: int, fan_in: int) -> np.ndarray:
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-lim, lim, (fan_out, fan_in)).astype(np.float32)

    w = {"embed": rng.uniform(-0.05, 0.05, (VOCAB, DIM)).astype(np.float32),
         "pos": rng.uniform(-0.05, 0.05, (SEQ, DIM)).astype(np.float32)}
    for i in range(BLOCKS):
        w[f"{i}.in_proj"] = np.concatenate([glorot(DIM, DIM) for _ in range(3)])
        w[f"{i}.in_bias"] = np.zeros(3 * DIM, np.float32)
        w[f"{i}.out_proj"] = glorot(DIM, DIM)
        w[f"{i}.out_bias"] = np.zeros(DIM, np.float32)
        w[f"{i}.ff1"], w[f"{i}.ff1_bias"] = glorot(FF, DIM), np.zeros(FF, np.float32)
        w[f"{i}.ff2"], w[f"{i}.ff2_bias"] = glorot(DIM, FF), np.zeros(DIM, np.float32)
        for ln in ("ln1", "ln2"):
            w[f"{i}.{ln}.gamma"] = np.ones(DIM, np.float32)
            w[f"{i}.{ln}.beta"] = np.zeros(DIM, np.float32)
    w["head"], w["head_bias"] = glorot(C, DIM), np.zeros(C, np.float32)
    return w


WEIGHTS = make_weights()


def keras_model(keras):
    """The model in the Keras API of module `keras`, with WEIGHTS set, compiled."""
    class PositionEmbedding(keras.layers.Layer):
        """Adds a learned (SEQ, DIM) position embedding."""

        def build(self, input_shape):
            self.pos = self.add_weight(name="pos", shape=(SEQ, DIM),
                                       initializer="zeros", trainable=True)

        def call(self, x):
            return x + self.pos

        def compute_output_shape(self, input_shape):
            return input_shape

    L = keras.layers
    ids = keras.Input((SEQ,), dtype="int32")
    embed, pos = L.Embedding(VOCAB, DIM), PositionEmbedding()
    h = pos(embed(ids))
    blocks = []
    for _ in range(BLOCKS):
        mha = L.MultiHeadAttention(HEADS, KEY_DIM)
        ln1, ln2 = L.LayerNormalization(epsilon=EPS), L.LayerNormalization(epsilon=EPS)
        ff1, ff2 = L.Dense(FF, activation="relu"), L.Dense(DIM)
        h = ln1(L.Add()([h, mha(h, h)]))
        h = ln2(L.Add()([h, ff2(ff1(h))]))
        blocks.append((mha, ln1, ln2, ff1, ff2))
    head = L.Dense(C)
    model = keras.Model(ids, head(L.GlobalAveragePooling1D()(h)))

    w = WEIGHTS
    embed.set_weights([w["embed"]])
    pos.set_weights([w["pos"]])
    for i, (mha, ln1, ln2, ff1, ff2) in enumerate(blocks):
        # PyTorch: y = x @ W.T, heads are consecutive KEY_DIM-column slices of y.
        wq, wk, wv = np.split(w[f"{i}.in_proj"], 3)
        bq, bk, bv = np.split(w[f"{i}.in_bias"], 3)
        mha_w = []
        for m, b in ((wq, bq), (wk, bk), (wv, bv)):
            mha_w += [m.T.reshape(DIM, HEADS, KEY_DIM), b.reshape(HEADS, KEY_DIM)]
        mha_w += [w[f"{i}.out_proj"].T.reshape(HEADS, KEY_DIM, DIM), w[f"{i}.out_bias"]]
        mha.set_weights(mha_w)
        ln1.set_weights([w[f"{i}.ln1.gamma"], w[f"{i}.ln1.beta"]])
        ln2.set_weights([w[f"{i}.ln2.gamma"], w[f"{i}.ln2.beta"]])
        ff1.set_weights([w[f"{i}.ff1"].T, w[f"{i}.ff1_bias"]])
        ff2.set_weights([w[f"{i}.ff2"].T, w[f"{i}.ff2_bias"]])
    head.set_weights([w["head"].T, w["head_bias"]])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def keras_epoch(keras, x: np.ndarray, y: np.ndarray, jit_compile: bool = False):
    """A compiled (warmed-up) model and a function that fits it for one epoch;
    `jit_compile=True` recompiles it for XLA (ember with jax installed)."""
    model = keras_model(keras)
    if jit_compile:
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True,
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)

    def epoch():
        return model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0).history["loss"][-1]

    return model, epoch


def torch_model():
    import torch
    nn = torch.nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, DIM)
            self.pos = nn.Parameter(torch.zeros(SEQ, DIM))
            layer = nn.TransformerEncoderLayer(d_model=DIM, nhead=HEADS, dim_feedforward=FF,
                                               dropout=0.0, batch_first=True,
                                               norm_first=False, layer_norm_eps=EPS)
            self.encoder = nn.TransformerEncoder(layer, num_layers=BLOCKS,
                                                 enable_nested_tensor=False)
            self.head = nn.Linear(DIM, C)

        def forward(self, ids):
            h = self.encoder(self.embed(ids) + self.pos)
            return self.head(h.mean(dim=1))

    model = Encoder()
    w = {k: torch.from_numpy(v.copy()) for k, v in WEIGHTS.items()}
    with torch.no_grad():
        model.embed.weight.copy_(w["embed"])
        model.pos.copy_(w["pos"])
        for i, layer in enumerate(model.encoder.layers):
            layer.self_attn.in_proj_weight.copy_(w[f"{i}.in_proj"])
            layer.self_attn.in_proj_bias.copy_(w[f"{i}.in_bias"])
            layer.self_attn.out_proj.weight.copy_(w[f"{i}.out_proj"])
            layer.self_attn.out_proj.bias.copy_(w[f"{i}.out_bias"])
            layer.linear1.weight.copy_(w[f"{i}.ff1"])
            layer.linear1.bias.copy_(w[f"{i}.ff1_bias"])
            layer.linear2.weight.copy_(w[f"{i}.ff2"])
            layer.linear2.bias.copy_(w[f"{i}.ff2_bias"])
            for ln, name in ((layer.norm1, "ln1"), (layer.norm2, "ln2")):
                ln.weight.copy_(w[f"{i}.{name}.gamma"])
                ln.bias.copy_(w[f"{i}.{name}.beta"])
        model.head.weight.copy_(w["head"])
        model.head.bias.copy_(w["head_bias"])
    return model


def torch_epoch(x: np.ndarray, y: np.ndarray):
    import torch
    model = torch_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras' epsilon
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run(xt, yt):
        model.train()
        n = len(xt)
        perm = torch.randperm(n)
        total = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        return total / n

    run(xt[:BATCH * 4], yt[:BATCH * 4])  # warm-up, as the Keras candidates' (4 batches)
    return model, lambda: run(xt, yt)


def check() -> list:
    """Same parameter count and logits for ember and PyTorch on the same weights, and a
    few steps on one batch reduce the loss of each. Returns lines to print."""
    from ember import keras
    x, y = make_data(BATCH)
    lines = []
    ember_model = keras_model(keras)
    n_ember = int(sum(np.prod(v.shape) for v in ember_model.trainable_weights))
    out_ember = np.asarray(ember_model(x.astype(np.int32)))
    lines.append(f"ember: {n_ember:,} trainable parameters")
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        tm = torch_model()
        n_torch = sum(p.numel() for p in tm.parameters() if p.requires_grad)
        with torch.no_grad():
            out_torch = tm(torch.from_numpy(x)).numpy()
        diff = float(np.max(np.abs(out_ember - out_torch)))
        lines.append(f"PyTorch: {n_torch:,} trainable parameters; max |logits ember - "
                     f"logits PyTorch| on the same weights: {diff:.2e}")
        if n_torch != n_ember or diff > 1e-3:
            raise SystemExit("ember and PyTorch models differ:\n" + "\n".join(lines))
        opt = torch.optim.Adam(tm.parameters(), lr=1e-3, eps=1e-7)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        losses = []
        for _ in range(6):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tm(xt), yt)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        lines.append("PyTorch, 6 steps on one batch: loss " +
                     " -> ".join(f"{v:.4f}" for v in losses))
    losses = [float(ember_model.train_on_batch(x, y)) for _ in range(6)]
    lines.append("ember, 6 train_on_batch on one batch: loss " +
                 " -> ".join(f"{v:.4f}" for v in losses))
    if not losses[-1] < losses[0]:
        raise SystemExit("ember's loss does not decrease:\n" + "\n".join(lines))
    return lines


def ember_candidates(x, y) -> dict:
    import ember
    from ember import keras
    _, epoch = keras_epoch(keras, x, y)
    fits = {"ember fit": epoch}
    try:
        import jax  # noqa: F401  (ember's XLA path: model.compile(jit_compile=True))
        _, fits["ember fit, jit_compile=True (XLA)"] = keras_epoch(keras, x, y,
                                                                   jit_compile=True)
    except ImportError:
        print("ember with jit_compile=True skipped: jax is not installed")
    return {"fits": fits, "version": f"ember {ember.__version__}"}


def torch_candidates(x, y) -> dict:
    try:
        import torch
    except ImportError as e:
        return {"note": f"PyTorch skipped: {e}"}
    _, epoch = torch_epoch(x, y)
    return {"fits": {"PyTorch eager loop": epoch}, "version": f"PyTorch {torch.__version__} "
            f"({torch.get_num_threads()} threads)"}


def worker(backend: str, n: int) -> None:
    """Serves Keras epochs on request (a line in; a JSON `[seconds, loss]` line out), so
    they interleave with the other candidates' rounds. The first line out is a JSON
    object: the version, or the error that stopped the worker."""
    try:
        if backend == "tf":
            import tensorflow as tf
            keras = tf.keras
            version = f"TensorFlow {tf.__version__} (Keras {keras.__version__})"
        else:
            os.environ["KERAS_BACKEND"] = "jax"
            import jax
            import keras
            version = f"Keras {keras.__version__} on JAX {jax.__version__}"
        x, y = make_data(n)
        _, epoch = keras_epoch(keras, x, y)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which skips us
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
        return
    print(json.dumps({"version": version}), flush=True)
    for _ in sys.stdin:
        t = time.perf_counter()
        loss = float(epoch())
        print(json.dumps([time.perf_counter() - t, loss]), flush=True)


def worker_candidates(backend: str, python: str | None, n: int) -> dict:
    label = {"tf": "tf.keras fit", "jax": "Keras-on-JAX fit"}[backend]
    if not python:
        return {"note": f"{label} skipped: no Python given (--{backend}-python)"}
    if not os.path.exists(python):
        return {"note": f"{label} skipped: {python} does not exist"}
    err = tempfile.TemporaryFile("w+")  # a file, not a pipe: TF's logging can't block it
    proc = subprocess.Popen([python, __file__, "--worker", backend, "--samples", str(n)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            text=True)
    first = proc.stdout.readline()
    info = json.loads(first) if first.startswith("{") else {}
    if "version" not in info:
        proc.kill()
        proc.wait()
        err.seek(0)
        lines = [ln.strip() for ln in err.read().splitlines() if ln.strip()]
        why = info.get("error") or (lines[-1] if lines else "it did not start")
        return {"note": f"{label} skipped: its worker ({python}) failed: {why}"}

    def epoch():
        proc.stdin.write("epoch\n")
        proc.stdin.flush()
        seconds, loss = json.loads(proc.stdout.readline())
        return Timed(seconds, loss)

    return {"fits": {f"{label} (worker process)": epoch}, "version": info["version"],
            "proc": proc}


class Timed(float):
    """A loss whose epoch was timed elsewhere (in a worker process): `measure` takes
    `seconds` as its time."""

    def __new__(cls, seconds: float, loss: float):
        obj = super().__new__(cls, loss)
        obj.seconds = seconds
        return obj


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


def _default(path: str) -> str | None:
    return path if os.path.exists(path) else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=N, help="samples per epoch")
    ap.add_argument("--tf-python", default=_default("/tmp/tfvenv/bin/python"),
                    help="a Python with TensorFlow installed, for the tf.keras column")
    ap.add_argument("--jax-python", default=_default("/tmp/kjax/bin/python"),
                    help="a Python with keras and jax installed, for the Keras-on-JAX column")
    ap.add_argument("--no-check", action="store_true",
                    help="skip the parameter count / logits / loss check")
    ap.add_argument("--worker", choices=["tf", "jax"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.samples)
    if not args.no_check:
        for line in check():
            print(line)
        print()
    x, y = make_data(args.samples)
    # The workers start first: they load their libraries while this process builds.
    workers = [worker_candidates("tf", args.tf_python, args.samples),
               worker_candidates("jax", args.jax_python, args.samples)]
    parts = [ember_candidates(x, y), torch_candidates(x, y)] + workers
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
          f"{', '.join(versions)}; default threads; {args.rounds} rounds; "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")
    for n in notes:
        print(f"({n})")
    ref = res.get("PyTorch eager loop", (None,))[0]
    print(f"\nTransformer encoder ({BLOCKS} blocks, d={DIM}, {HEADS} heads, sequence {SEQ}), "
          f"one epoch, {args.samples:,} samples, batch {BATCH}\n\n| candidate | samples/s "
          f"| vs PyTorch | loss after the last epoch |\n|---|---:|---:|---:|")
    for name, (s, loss) in sorted(res.items(), key=lambda kv: kv[1][0]):
        ratio = f"{ref / s:.2f}x" if ref else "-"
        print(f"| {name} | {args.samples / s:,.0f} | {ratio} | {loss:.4f} |")


if __name__ == "__main__":
    main()
