"""What every application model shares: checking the `weights` argument, the input
tensor, the classifier head's pooling, and finding Keras' published weights files in
the Keras cache.

Pretrained weights are Keras' own `.h5` files (tf.keras 2's HDF5 layout), read from
`$KERAS_HOME/models/<file>` (or `~/.keras/models/<file>`), the folder Keras downloads them
to. ember does not download them: a missing file raises `FileNotFoundError` naming the
file, its URL and where to put it. `load_keras_h5` loads them: each layer from the file's
layer of its name, the layers Keras names automatically in Keras' layer order
(`keras_layer_order`: Keras sorts a functional model's layers by depth, which ember's
`model.layers` does not follow for branching graphs, so the order-based
`model.load_weights` can't read these files).

Example:
    >>> from ember.keras.applications import _common
    >>> _common.check_weights_arg(None, include_top=True, classes=10)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import layers
from ..backend import is_keras_tensor
from ..saving.legacy_h5 import is_hdf5, is_legacy_h5_path
from ..models import Model
from ..utils.file_utils import keras_home
from ..utils.layer_utils import get_source_inputs

__all__ = ["cached_weights_path", "check_weights_arg", "finish", "keras_layer_order",
           "load", "load_keras_h5", "make_input", "pool"]


def check_weights_arg(weights: Any, include_top: bool, classes: int) -> None:
    """Raises ValueError for a `weights` that is not None, "imagenet" or an existing
    file, and for ImageNet weights with a top of other than 1000 classes."""
    if not (weights is None or weights == "imagenet" or
            (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the "
                         f"path to the weights file to be loaded. Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, "
                         f"`classes` should be 1000. Received: classes={classes}")


def make_input(input_tensor: Any, input_shape: tuple) -> Any:
    """The model's image input: `input_tensor` when it is a KerasTensor, else a new
    `keras.Input` (wrapping `input_tensor` when one is given)."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if is_keras_tensor(input_tensor):
        return input_tensor
    return layers.Input(tensor=input_tensor, shape=input_shape)


def pool(x: Any, pooling: str | None, names: bool = True) -> Any:
    """The optional global pooling of a headless model ('avg', 'max' or None)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool" if names else None)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool" if names else None)(x)
    return x


def finish(img_input: Any, input_tensor: Any, outputs: Any, name: str | None) -> Model:
    """The functional model from the image input (or `input_tensor`'s sources)."""
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    return Model(inputs, outputs, name=name)


def cached_weights_path(file_name: str, origin: str, who: str) -> str:
    """The path of Keras' weights file `file_name` in the Keras cache; raises
    FileNotFoundError (naming the file, its URL and the folder) when it is not there.

    Example:
        >>> import os, tempfile
        >>> os.environ["KERAS_HOME"], old = tempfile.mkdtemp(), os.environ.get("KERAS_HOME")
        >>> try:
        ...     cached_weights_path("w.h5", "https://example.com/w.h5", "Net")
        ... except FileNotFoundError as e:
        ...     print("https://example.com/w.h5" in str(e))
        True
        >>> _ = os.environ.pop("KERAS_HOME") if old is None else os.environ.update(KERAS_HOME=old)
    """
    folder = os.path.join(keras_home(), "models")
    path = os.path.join(folder, file_name)
    if os.path.exists(path):
        return path
    raise FileNotFoundError(
        f"{who}(weights='imagenet') needs Keras' pretrained weights file {file_name!r}, "
        f"which is not in the Keras cache: no file at {path}. ember does not download "
        f"weights: fetch {origin} (on a machine with network access, e.g. with "
        f"keras.utils.get_file) and put it at {path} (the cache folder is "
        f"$KERAS_HOME/models, or ~/.keras/models when KERAS_HOME is not set), or pass "
        f"weights='/path/to/{file_name}'.")


def load(model: Model, weights: Any, file_name: str | None, origin: str | None,
         who: str) -> Model:
    """Loads ImageNet weights from the cache (or the file `weights` names) into `model`."""
    if weights == "imagenet":
        if file_name is None:
            raise ValueError(f"{who}: Keras publishes no ImageNet weights for this "
                             f"configuration; pass weights=None or a weights file.")
        load_keras_h5(model, cached_weights_path(file_name, origin or "", who))
    elif weights is not None:
        path = os.fspath(weights)
        if is_legacy_h5_path(path) and is_hdf5(path):
            load_keras_h5(model, path)
        else:
            model.load_weights(path)
    return model


# -- Keras' layer order and its HDF5 weights files ---------------------------------------

def keras_layer_order(model: Model) -> list:
    """The layers of a functional `model` in the order Keras (2 and 3) lists them (which
    is `model.layers`: see `FunctionalGraph._keras_layer_order`).

    Example:
        >>> from ember import keras
        >>> from ember.keras.applications import _common
        >>> x = keras.Input((4,))
        >>> a = keras.layers.Dense(2, name="a")(x)
        >>> b = keras.layers.Dense(2, name="b")(keras.layers.Dense(2, name="c")(x))
        >>> m = keras.Model(x, keras.layers.Add(name="add")([a, b]))
        >>> [la.name for la in _common.keras_layer_order(m)][1:]
        ['c', 'a', 'b', 'add']
    """
    return list(model.layers)


def _names(group: Any, key: str) -> list:
    if key in group.attrs:
        raw = list(group.attrs[key])
    else:  # long lists are split over key0, key1, ...
        raw, i = [], 0
        while f"{key}{i}" in group.attrs:
            raw.extend(group.attrs[f"{key}{i}"])
            i += 1
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in raw]


def _weights_of(layer: Any) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def load_keras_h5(model: Model, path: str) -> None:
    """Loads a Keras `.h5` weights file (tf.keras 2's layout, or a whole-model `.h5`
    file's weights): each layer with weights from the file's layer of the same name, the
    rest (layers Keras names automatically) in Keras' layer order, as Keras loads them.
    Every shape is checked before any weight changes.
    """
    try:
        import h5py
    except ImportError:
        raise ImportError("Loading Keras' .h5 weights files needs h5py: pip install "
                          "'ember[h5]' (or pip install h5py).") from None
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        names = _names(group, "layer_names")
        if not names:
            raise ValueError(f"{path!r} is not a Keras .h5 weights file (it has no "
                             f"'layer_names'); no weight was changed.")
        saved = [(n, _names(group[n], "weight_names")) for n in names if n in group]
        saved = [(n, w) for n, w in saved if w]
        layers = [la for la in keras_layer_order(model) if _weights_of(la)]
        if len(saved) != len(layers):
            raise ValueError(
                f"{path!r} holds weights for {len(saved)} layers but model {model.name!r} "
                f"has {len(layers)} layers with weights; build the model with the "
                f"configuration the file was saved from. No weight was changed.")
        by_name = dict(saved)
        pairs = [(la, la.name) for la in layers if la.name in by_name]
        taken = {n for _, n in pairs}
        rest = iter(n for n, _ in saved if n not in taken)
        pairs += [(la, next(rest)) for la in layers if la.name not in by_name]
        plan = []
        for layer, name in pairs:
            weights, wnames = _weights_of(layer), by_name[name]
            if len(weights) != len(wnames):
                raise ValueError(f"Layer {layer.name!r} has {len(weights)} weights but the "
                                 f"file's layer {name!r} has {len(wnames)} in {path!r}. No "
                                 f"weight was changed.")
            for w, wn in zip(weights, wnames):
                d = group[name][wn]
                if tuple(d.shape) != tuple(w.shape):
                    raise ValueError(f"Weight {wn!r} has shape {tuple(d.shape)} in {path!r} "
                                     f"but {w.name!r} of layer {layer.name!r} has "
                                     f"{tuple(w.shape)}. No weight was changed.")
                plan.append((w, d))
        values = [np.asarray(d[()]) for _, d in plan]
    for (w, _), v in zip(plan, values):
        w.assign(v.astype(w.dtype.as_numpy_dtype, copy=False))
