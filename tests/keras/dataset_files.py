"""Small files in the formats Keras caches its datasets in (`~/.keras/datasets/...`), made
deterministically for the `keras.datasets` tests (and for comparing against real Keras)."""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import tarfile

import numpy as np


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ragged(rng: np.random.Generator, n: int, vocab: int, lo: int = 1, hi: int = 9) -> np.ndarray:
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in rng.integers(1, vocab, size=int(rng.integers(lo, hi)))]
    return out


def write_mnist(datasets: str) -> dict:
    rng = _rng(0)
    arrays = dict(x_train=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
                  y_train=rng.integers(0, 10, 5, dtype=np.uint8),
                  x_test=rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
                  y_test=rng.integers(0, 10, 3, dtype=np.uint8))
    np.savez(os.path.join(datasets, "mnist.npz"), **arrays)
    return arrays


def write_fashion_mnist(datasets: str) -> dict:
    rng = _rng(1)
    folder = os.path.join(datasets, "fashion-mnist")
    os.makedirs(folder, exist_ok=True)
    arrays = {}
    for split, n in (("train", 4), ("t10k", 2)):
        y = rng.integers(0, 10, n, dtype=np.uint8)
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[split] = (x, y)
        with gzip.open(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(np.array([2049, n], ">i4").tobytes() + y.tobytes())
        with gzip.open(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(np.array([2051, n, 28, 28], ">i4").tobytes() + x.tobytes())
    return arrays


def write_housing(datasets: str, name: str, n: int, features: int, dtype: str) -> dict:
    rng = _rng(2)
    arrays = dict(x=rng.normal(size=(n, features)).astype(dtype),
                  y=rng.normal(size=n).astype(dtype))
    np.savez(os.path.join(datasets, f"{name}.npz"), **arrays)
    return arrays


def write_imdb(datasets: str) -> None:
    rng = _rng(3)
    np.savez(os.path.join(datasets, "imdb.npz"),
             x_train=_ragged(rng, 6, 30), y_train=rng.integers(0, 2, 6),
             x_test=_ragged(rng, 4, 30), y_test=rng.integers(0, 2, 4))
    with open(os.path.join(datasets, "imdb_word_index.json"), "w") as f:
        json.dump({"the": 1, "and": 2, "film": 3}, f)


def write_reuters(datasets: str) -> None:
    rng = _rng(4)
    np.savez(os.path.join(datasets, "reuters.npz"), x=_ragged(rng, 10, 40),
             y=rng.integers(0, 46, 10))
    with open(os.path.join(datasets, "reuters_word_index.json"), "w") as f:
        json.dump({"said": 1, "mln": 2}, f)


def _batch(rng: np.random.Generator, n: int, label_keys: dict) -> bytes:
    d = {b"batch_label": b"synthetic", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
         b"filenames": [b"img_%d.png" % i for i in range(n)]}
    for key, classes in label_keys.items():
        d[key.encode()] = [int(v) for v in rng.integers(0, classes, n)]
    return pickle.dumps(d, protocol=4)


def cifar_members(version: int, per_batch: int = 2) -> dict:
    """{relative path: bytes} of the unpacked CIFAR archive."""
    rng = _rng(5 + version)
    if version == 10:
        files = {f"cifar-10-batches-py/data_batch_{i}": _batch(rng, per_batch, {"labels": 10})
                 for i in range(1, 6)}
        files["cifar-10-batches-py/test_batch"] = _batch(rng, per_batch, {"labels": 10})
        return files
    keys = {"fine_labels": 100, "coarse_labels": 20}
    return {"cifar-100-python/train": _batch(rng, 3 * per_batch, keys),
            "cifar-100-python/test": _batch(rng, per_batch, keys)}


def write_cifar_archive(path: str, members: dict) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def cifar_arrays(members: dict, names: list, label_key: str) -> tuple:
    xs, ys = [], []
    for name in names:
        d = pickle.loads(members[name], encoding="bytes")
        xs.append(d[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        ys.append(np.array(d[label_key.encode()]).reshape(-1, 1))
    return np.concatenate(xs), np.concatenate(ys)


def write_image_tree(root: str) -> None:
    """root/{cat,dog}/*.png (+ a .txt that is skipped, a nested folder, an RGBA and a
    grayscale image) of different sizes, deterministic."""
    from PIL import Image
    rng = _rng(9)
    specs = {"cat": [("a.png", (6, 8), "RGB"), ("b.png", (5, 5), "RGB"),
                     ("sub/c.png", (4, 9), "RGB")],
             "dog": [("d.png", (7, 4), "RGBA"), ("e.png", (6, 6), "L"),
                     ("f.bmp", (3, 5), "RGB")]}
    for cls, files in specs.items():
        for name, (h, w), mode in files:
            path = os.path.join(root, cls, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
            x = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
            Image.fromarray(x[..., 0] if channels == 1 else x, mode).save(path)
        with open(os.path.join(root, cls, "notes.txt"), "w") as f:
            f.write(f"about {cls}")


def write_text_tree(root: str) -> None:
    for cls, texts in (("neg", ["awful film", "dull"]), ("pos", ["great", "loved it", "fun"])):
        os.makedirs(os.path.join(root, cls))
        for i, t in enumerate(texts):
            with open(os.path.join(root, cls, f"{i}.txt"), "w") as f:
                f.write(t)
