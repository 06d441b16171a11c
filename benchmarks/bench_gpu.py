"""GPU training throughput: MLP, CNN and a small transformer encoder, `fit` on ember (JAX
backend, XLA), Keras 3 on JAX (the same XLA) and PyTorch (eager, CUDA), in one run.

Each candidate runs in its own worker process (a backend is chosen at import), one model
at a time: it builds the model, runs one epoch (compilation, warm-up), then times
`--epochs` epochs of `fit(x, y, batch_size)` on synthetic data (PyTorch: the usual loop,
each batch moved to the GPU as Keras' fit moves it). The figure is samples per second
over the timed epochs; the table gives each candidate's ratio to Keras-on-JAX and to
PyTorch. Runs on a CPU too (where no GPU is present), as a check of the script.

Targets (issue 14): ember at least 1.0x Keras-on-JAX and at least PyTorch eager.

Usage:  python benchmarks/bench_gpu.py [--epochs 3] [--models mlp,cnn,transformer]
                                       [--candidates ember,keras,torch] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODELS = {  # name: (samples, batch size)
    "mlp": (60_000, 512),
    "cnn": (20_000, 256),
    "transformer": (10_000, 128),
}
SEQ, VOCAB, DIM, HEADS, FF = 64, 1000, 128, 4, 256


def data(model: str, n: int) -> tuple:
    import numpy as np
    rng = np.random.default_rng(0)
    if model == "mlp":
        x = rng.standard_normal((n, 784)).astype(np.float32)
    elif model == "cnn":
        x = rng.standard_normal((n, 32, 32, 3)).astype(np.float32)
    else:
        x = rng.integers(0, VOCAB, (n, SEQ)).astype(np.int32)
    y = rng.integers(0, 10, n).astype(np.int64)
    return x, y


# -- Keras API (ember and Keras 3): one program, `keras` and `ops` per library -----------

def keras_model(keras, ops, model: str):
    L = keras.layers
    if model == "mlp":
        return keras.Sequential([keras.Input((784,)), L.Dense(1024, activation="relu"),
                                 L.Dense(1024, activation="relu"), L.Dense(10)])
    if model == "cnn":
        return keras.Sequential([
            keras.Input((32, 32, 3)), L.Conv2D(32, 3, activation="relu", padding="same"),
            L.MaxPooling2D(), L.Conv2D(64, 3, activation="relu", padding="same"),
            L.MaxPooling2D(), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10)])

    class Attention(L.Layer):
        """Multi-head self-attention written with the library's ops (ember has no
        MultiHeadAttention layer yet; Keras' own would not be the same computation)."""

        def __init__(self, **kw):
            super().__init__(**kw)
            self.qkv, self.out = L.Dense(3 * DIM), L.Dense(DIM)

        def call(self, x):
            b = ops.shape(x)[0]
            qkv = ops.reshape(self.qkv(x), (b, SEQ, 3, HEADS, DIM // HEADS))
            qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))  # 3, b, heads, seq, dh
            q, k, v = qkv[0], qkv[1], qkv[2]
            w = ops.softmax(ops.matmul(q, ops.transpose(k, (0, 1, 3, 2)))
                            * (1.0 / (DIM // HEADS) ** 0.5), axis=-1)
            h = ops.transpose(ops.matmul(w, v), (0, 2, 1, 3))
            return self.out(ops.reshape(h, (b, SEQ, DIM)))

    inp = keras.Input((SEQ,), dtype="int32")
    x = L.Embedding(VOCAB, DIM)(inp)
    for _ in range(2):
        x = L.LayerNormalization()(L.Add()([x, Attention()(x)]))
        f = L.Dense(DIM)(L.Dense(FF, activation="relu")(x))
        x = L.LayerNormalization()(L.Add()([x, f]))
    out = L.Dense(10)(L.GlobalAveragePooling1D()(x))
    return keras.Model(inp, out)


def run_keras_api(lib: str, model: str, epochs: int, n: int, batch: int) -> dict:
    if lib == "ember":
        os.environ["EMBER_BACKEND"] = "jax"
        sys.path.insert(0, ROOT)
        import ember as tf
        from ember import keras

        class ops:  # the ember ops the attention uses, under keras.ops' names
            shape, reshape, transpose, matmul = tf.shape, tf.reshape, tf.transpose, tf.matmul
            softmax = staticmethod(lambda x, axis=-1: tf.nn.softmax(x, axis=axis))
        import jax
    else:
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
        from keras import ops
        import jax
    x, y = data(model, n)
    m = keras_model(keras, ops, model)
    m.compile(keras.optimizers.Adam(1e-3),
              keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)
    m.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)  # compile
    m.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up epoch
    t = time.perf_counter()
    h = m.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    weights = [w._value for w in m.weights] if lib == "ember" else [w.value for w in m.weights]
    jax.block_until_ready(weights)  # the last step has finished on the device
    dt = time.perf_counter() - t
    return {"samples_per_s": n * epochs / dt, "loss": float(h.history["loss"][-1]),
            "device": str(jax.devices()[0])}


# -- PyTorch ------------------------------------------------------------------------------

def run_torch(model: str, epochs: int, n: int, batch: int) -> dict:
    import numpy as np
    import torch
    from torch import nn
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    x, y = data(model, n)
    if model == "mlp":
        net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                            nn.Linear(1024, 10))
    elif model == "cnn":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # NCHW
        net = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.qkv, self.out = nn.Linear(DIM, 3 * DIM), nn.Linear(DIM, DIM)
                self.n1, self.n2 = nn.LayerNorm(DIM, eps=1e-3), nn.LayerNorm(DIM, eps=1e-3)
                self.ff = nn.Sequential(nn.Linear(DIM, FF), nn.ReLU(), nn.Linear(FF, DIM))

            def forward(self, h):
                b = h.shape[0]
                q, k, v = self.qkv(h).view(b, SEQ, 3, HEADS, DIM // HEADS).permute(2, 0, 3, 1, 4)
                w = torch.softmax(q @ k.transpose(-1, -2) / (DIM // HEADS) ** 0.5, dim=-1)
                a = self.out((w @ v).transpose(1, 2).reshape(b, SEQ, DIM))
                h = self.n1(h + a)
                return self.n2(h + self.ff(h))

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(VOCAB, DIM)
                self.blocks = nn.Sequential(Block(), Block())
                self.head = nn.Linear(DIM, 10)

            def forward(self, t):
                return self.head(self.blocks(self.emb(t)).mean(dim=1))
        net = Encoder()
        x = x.astype(np.int64)
    net = net.to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch() -> float:
        perm = torch.randperm(n)
        loss = None
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = xt[idx].to(dev, non_blocking=True), yt[idx].to(dev, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
        return float(loss)
    epoch()  # warm-up
    if dev == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(epochs):
        last = epoch()
    if dev == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t
    name = torch.cuda.get_device_name() if dev == "cuda" else "cpu"
    return {"samples_per_s": n * epochs / dt, "loss": last, "device": name}


def worker(lib: str, model: str, epochs: int, n: int, batch: int) -> None:
    out = run_torch(model, epochs, n, batch) if lib == "torch" else \
        run_keras_api(lib, model, epochs, n, batch)
    print("RESULT " + json.dumps(out), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--models", default="mlp,cnn,transformer")
    ap.add_argument("--candidates", default="ember,keras,torch")
    ap.add_argument("--quick", action="store_true", help="a tenth of the data, 1 epoch")
    ap.add_argument("--worker", nargs=2, metavar=("LIB", "MODEL"))
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    epochs = 1 if args.quick else args.epochs
    if args.worker:
        lib, model = args.worker
        n, batch = MODELS[model]
        worker(lib, model, epochs, n // scale, batch)
        return
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python "
          f"{platform.python_version()}; {epochs} timed epoch(s) after one warm-up\n")
    rows = {}
    for model in args.models.split(","):
        for lib in args.candidates.split(","):
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib, model,
                   "--epochs", str(args.epochs)] + (["--quick"] if args.quick else [])
            p = subprocess.run(cmd, capture_output=True, text=True)
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
            if p.returncode or not line:
                err = (p.stderr.strip().splitlines() or ["no output"])[-1]
                rows[(model, lib)] = {"error": err[:200]}
            else:
                rows[(model, lib)] = json.loads(line[-1][7:])
            print(f"{model:12s} {lib:6s} {rows[(model, lib)]}", flush=True)
    print("\n| model | candidate | device | samples/s | vs Keras-on-JAX | vs PyTorch | last loss |")
    print("|---|---|---|---:|---:|---:|---:|")
    for model in args.models.split(","):
        ref_k = rows.get((model, "keras"), {}).get("samples_per_s")
        ref_t = rows.get((model, "torch"), {}).get("samples_per_s")
        for lib in args.candidates.split(","):
            r = rows[(model, lib)]
            if "error" in r:
                print(f"| {model} | {lib} | - | n/a | - | - | {r['error']} |")
                continue
            s = r["samples_per_s"]
            vk = f"{s / ref_k:.2f}x" if ref_k else "-"
            vt = f"{s / ref_t:.2f}x" if ref_t else "-"
            print(f"| {model} | {lib} | {r['device']} | {s:,.0f} | {vk} | {vt} | "
                  f"{r['loss']:.4f} |")


if __name__ == "__main__":
    main()
