"""Small local stand-ins for the datasets the transcribed tutorials download.

Every generator is seeded and returns NumPy arrays with the real dataset's shapes, dtypes
and structure, small enough that a program trains in a second or two. The data are
learnable (each class has its own pattern), so accuracies have something to reach.
"""

from __future__ import annotations

import gzip
import os

import numpy as np


def image_classes(n, shape=(28, 28), classes=10, seed=0, noise=60.0):
    """uint8 images `(n, *shape)` in 0..255 and uint8 labels `(n,)`: class templates + noise."""
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(1234).uniform(0, 255, size=(classes,) + tuple(shape))
    labels = rng.integers(0, classes, size=n).astype(np.uint8)
    x = templates[labels] * 0.7 + rng.normal(0, noise, size=(n,) + tuple(shape))
    return np.clip(x, 0, 255).astype(np.uint8), labels


def mnist(n_train=600, n_test=200, seed=0):
    """`((x_train, y_train), (x_test, y_test))` shaped like `keras.datasets.mnist.load_data()`."""
    x, y = image_classes(n_train + n_test, seed=seed)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def write_fashion_mnist_cache(keras_home, n_train=600, n_test=200):
    """Writes the four gzipped IDX files of `datasets/fashion-mnist/` under `keras_home`."""
    (xt, yt), (xs, ys) = mnist(n_train, n_test, seed=1)
    d = os.path.join(str(keras_home), "datasets", "fashion-mnist")
    os.makedirs(d, exist_ok=True)

    def idx(name, arr, images):
        header = (np.array([2051 if images else 2049, len(arr)], ">i4").tobytes()
                  + (np.array([28, 28], ">i4").tobytes() if images else b""))
        skip = 16 if images else 8
        assert len(header) == skip
        with gzip.open(os.path.join(d, name), "wb") as f:
            f.write(header + arr.astype(np.uint8).tobytes())

    idx("train-labels-idx1-ubyte.gz", yt, False)
    idx("train-images-idx3-ubyte.gz", xt, True)
    idx("t10k-labels-idx1-ubyte.gz", ys, False)
    idx("t10k-images-idx3-ubyte.gz", xs, True)
    return (xt, yt), (xs, ys)


def auto_mpg(n=120, seed=0):
    """Columns of the Auto MPG table (after `dropna` and one-hot `Origin`) as float64 arrays.

    Returns `(features, labels, names)`: features `(n, 9)` in the order the tutorial's
    DataFrame has them, labels MPG `(n,)` a smooth function of them plus noise.
    """
    rng = np.random.default_rng(seed)
    cyl = rng.choice([4, 6, 8], size=n).astype(np.float64)
    disp = cyl * 40 + rng.normal(0, 20, n)
    hp = disp * 0.45 + rng.normal(0, 10, n)
    weight = disp * 8 + 1500 + rng.normal(0, 150, n)
    accel = 20 - hp / 30 + rng.normal(0, 1, n)
    year = rng.integers(70, 83, n).astype(np.float64)
    origin = rng.integers(0, 3, n)
    onehot = np.eye(3)[origin]
    mpg = 46 - 0.007 * weight + 0.6 * (year - 70) - 0.03 * hp + rng.normal(0, 1.5, n)
    names = ["Cylinders", "Displacement", "Horsepower", "Weight", "Acceleration",
             "Model Year", "Europe", "Japan", "USA"]
    features = np.column_stack([cyl, disp, hp, weight, accel, year, onehot])
    return features, mpg, names


def blobs(n, features, classes, seed=0, spread=1.0):
    """float32 `(n, features)` points around one centre per class, int64 labels `(n,)`."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(0, 3, size=(classes, features))
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.normal(0, spread, size=(n, features))
    return x.astype(np.float32), y.astype(np.int64)


def to_plain(v):
    """Tensors / arrays / nested containers -> lists, floats rounded to 5 digits, for compare."""
    if hasattr(v, "numpy"):
        v = v.numpy()
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (np.floating, float)):
        return round(float(v), 5)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, dict):
        return {k: to_plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_plain(x) for x in v]
    return v
