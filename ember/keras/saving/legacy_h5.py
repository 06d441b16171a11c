"""Legacy HDF5 files (`model.save("m.h5")`, `save_weights("w.h5")`) in tf.keras 2's layout,
through h5py (the optional extra `ember[h5]`).

The layout, as tf.keras 2 (and Keras 3's legacy `.h5` support) reads and writes it:

- root attributes `keras_version`, `backend`, `model_config` (JSON of
  `{"class_name", "config"}`) and, for a compiled model, `training_config` (JSON with
  `loss`, `metrics`, `weighted_metrics`, `loss_weights`, `optimizer_config`);
- group `model_weights` (for a weights-only file: the root itself) with attribute
  `layer_names`, and per layer a group of that name with attribute `weight_names` and one
  dataset per weight at that name (`dense/kernel:0` is a dataset `kernel:0` in a group
  `dense`); a layer's weights are its trainable weights, then its non-trainable ones;
- group `optimizer_weights` with attribute `weight_names`, the optimizer's variables in
  order.

Weights are matched to layers by order (as tf.keras 2 does for models without
`by_name`). Loading reads the config in safe mode (see `serialization_registry.py`), checks every
dataset's shape and dtype against the model before reading it, and never changes the
model when anything is wrong.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.h5")
    >>> model.save(path)
    >>> loaded = keras.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    True
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

from ...dtypes import as_dtype
from .files import DamagedFileError, replacing
from .model_config import compile_from_config, model_from_config

__all__ = ["is_hdf5", "is_legacy_h5_path", "load_model_h5", "load_weights_h5",
           "save_model_h5", "save_weights_h5"]

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ATTR_MAX = 64000  # HDF5's object header limit is 64 KB: longer name lists are split
KERAS_VERSION = "2.15.0"  # the tf.keras 2 layout this module writes


def _h5py() -> Any:
    try:
        import h5py  # optional dependency (pip install 'ember[h5]')
    except ImportError:
        raise ImportError("HDF5 files (.h5 / .hdf5) need the h5py package: pip install "
                          "'ember[h5]' (or pip install h5py). Without it, save to ember's "
                          "'.keras' archive instead.") from None
    return h5py


def is_legacy_h5_path(path: str) -> bool:
    """Whether a path names a legacy HDF5 file (`.h5` / `.hdf5`, but not Keras 3's
    `.weights.h5`, which has Keras 3's own layout).

    Example:
        >>> is_legacy_h5_path("m.h5"), is_legacy_h5_path("m.weights.h5")
        (True, False)
    """
    p = path.lower()
    return p.endswith((".h5", ".hdf5")) and not p.endswith(".weights.h5")


def is_hdf5(path: str) -> bool:
    """Whether the file at `path` starts with HDF5's signature."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == _HDF5_MAGIC
    except OSError:
        return False


# -- attributes ------------------------------------------------------------------------

def _write_names(group: Any, key: str, names: list) -> None:
    data = np.array([n.encode("utf-8") for n in names], dtype="S") if names else \
        np.zeros((0,), "S1")
    if data.nbytes <= _ATTR_MAX:
        group.attrs[key] = data
        return
    chunks = int(np.ceil(data.nbytes / _ATTR_MAX))
    for i, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{key}{i}"] = part


def _read_names(group: Any, key: str) -> list:
    if key in group.attrs:
        raw = list(group.attrs[key])
    else:
        raw, i = [], 0
        while f"{key}{i}" in group.attrs:
            raw.extend(group.attrs[f"{key}{i}"])
            i += 1
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in raw]


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# -- writing ---------------------------------------------------------------------------

def _layer_weights(layer: Any) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _write_weights_group(group: Any, model: Any) -> None:
    layers = list(model.layers)
    _write_names(group, "layer_names", [la.name for la in layers])
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in sorted(layers, key=lambda la: la.name):
        g = group.create_group(layer.name)
        weights = _layer_weights(layer)
        names = _distinct([_weight_name(layer, w, i) for i, w in enumerate(weights)])
        _write_names(g, "weight_names", names)
        for name, w in zip(names, weights):
            g.create_dataset(name, data=np.asarray(w.numpy()))


def _distinct(names: list) -> list:
    """The names with repeats suffixed (`kernel_1:0`): sub-layers of one layer (the cells
    of a Bidirectional or StackedRNNCells) may have weights of the same name; the file is
    read back in order."""
    seen: dict = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else name.replace(":", f"_{n}:", 1) if ":" in name
                   else f"{name}_{n}")
    return out


def _weight_name(layer: Any, w: Any, i: int) -> str:
    """`layer/weight:0` as tf.keras 2 names a weight inside its layer's group."""
    name = str(getattr(w, "name", f"weight_{i}"))
    base = name.split("/")[-1]
    if ":" not in base:
        base += ":0"
    return f"{layer.name}/{base}"


def save_weights_h5(model: Any, path: str) -> None:
    """Writes the model's weights to a legacy HDF5 weights file (tf.keras 2's layout)."""
    h5py = _h5py()
    with replacing(path) as f, h5py.File(f, "w") as h:
        _write_weights_group(h, model)


def save_model_h5(model: Any, path: str, config: dict, compiled: dict | None,
                  include_optimizer: bool) -> None:
    """Writes a whole model (config, weights, training config, optimizer state)."""
    h5py = _h5py()
    with replacing(path) as f, h5py.File(f, "w") as h:
        h.attrs["keras_version"] = KERAS_VERSION
        h.attrs["backend"] = "tensorflow"
        h.attrs["model_config"] = json.dumps(config)
        if compiled is not None:
            training = {k: v for k, v in compiled.items() if k != "optimizer"}
            training["optimizer_config"] = compiled["optimizer"]
            h.attrs["training_config"] = json.dumps(training)
        _write_weights_group(h.create_group("model_weights"), model)
        opt = getattr(model, "optimizer", None) if compiled is not None else None
        if include_optimizer and opt is not None and getattr(opt, "built", False):
            g = h.create_group("optimizer_weights")
            names = [f"{opt.name}/{getattr(v, 'name', f'v{i}')}"
                     for i, v in enumerate(opt.variables)]
            names = [n if ":" in n.split("/")[-1] else n + ":0" for n in names]
            # NOTE: several slots may share a name; the order is what loading uses
            names = [f"{n[:-2]}_{i}:0" if names.count(n) > 1 else n
                     for i, n in enumerate(names)]
            _write_names(g, "weight_names", names)
            for n, v in zip(names, opt.variables):
                g.create_dataset(n, data=np.asarray(v.numpy()))


# -- reading ---------------------------------------------------------------------------

def _damaged(who: str, path: str, why: str) -> DamagedFileError:
    return DamagedFileError(f"{who}: {path!r} is damaged or not a Keras HDF5 file ({why}); "
                            f"nothing was loaded and the model is unchanged.")


def _open(who: str, path: str) -> Any:
    h5py = _h5py()
    if not os.path.exists(path):
        raise FileNotFoundError(f"{who}: no file at {path!r}.")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise _damaged(who, path, f"h5py could not open it: {e}") from e


def _read_weight_values(who: str, path: str, group: Any, model: Any) -> list:
    """Every weight of `model.layers` (in model order) from a `model_weights`-style
    group, checked against the model before any data is read."""
    names = [n for n in _read_names(group, "layer_names")
             if n in group and _read_names(group[n], "weight_names")]
    layers = [la for la in model.layers if _layer_weights(la)]
    if len(names) != len(layers):
        raise ValueError(
            f"{who}: {path!r} holds weights for {len(names)} layers ({', '.join(names[:6])}"
            f"{', ...' if len(names) > 6 else ''}) but model {model.name!r} has "
            f"{len(layers)} layers with weights ({', '.join(la.name for la in layers[:6])}"
            f"{', ...' if len(layers) > 6 else ''}). Layers are matched in order: build the "
            f"model as the saved one. No weight was changed.")
    plan = []
    for name, layer in zip(names, layers):
        g = group[name]
        wnames = _read_names(g, "weight_names")
        weights = _layer_weights(layer)
        if len(wnames) != len(weights):
            raise ValueError(f"{who}: layer {layer.name!r} has {len(weights)} weights but "
                             f"the file's layer {name!r} has {len(wnames)}. No weight was "
                             f"changed.")
        for wn, w in zip(wnames, weights):
            if wn not in g:
                raise _damaged(who, path, f"weight {wn!r} of layer {name!r} is missing")
            d = g[wn]
            want_shape, want = tuple(w.shape), np.dtype(as_dtype(w.dtype).as_numpy_dtype)
            if tuple(d.shape) != want_shape:
                raise ValueError(f"{who}: weight {wn!r} has shape {tuple(d.shape)} in "
                                 f"{path!r} but {w.name!r} in the model has {want_shape}. "
                                 f"No weight was changed.")
            if d.dtype.kind not in "fiub":
                raise _damaged(who, path, f"weight {wn!r} has dtype {d.dtype}")
            plan.append((d, want))
    try:
        return [np.asarray(d[()]).astype(want, copy=False) for d, want in plan]
    except (OSError, ValueError, TypeError) as e:
        raise _damaged(who, path, f"reading a weight failed: {e}") from e


def load_weights_h5(model: Any, path: str, by_name: bool = False,
                    skip_mismatch: bool = False) -> None:
    """Loads a legacy HDF5 weights file (or a whole-model `.h5` file's weights): layers
    in order, or with `by_name` each layer from the file's layer of its name (layers the
    file lacks keep their values); `skip_mismatch` (with `by_name`) skips, with a
    warning, layers whose weights don't fit."""
    with _open("load_weights", path) as h:
        group = h["model_weights"] if "model_weights" in h else h
        if "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
            raise ValueError(f"load_weights: {path!r} is an HDF5 file without tf.keras 2's "
                             f"'layer_names'; ember reads legacy HDF5 weights, Keras 3's "
                             f"'.weights.h5' layout and its own weights files.")
        if by_name:
            plan = _by_name_plan(path, group, model, skip_mismatch)
            values = [np.asarray(d[()]).astype(np.dtype(as_dtype(w.dtype).as_numpy_dtype),
                                               copy=False) for w, d in plan]
            for (w, _), value in zip(plan, values):
                w.assign(value)
            return
        values = _read_weight_values("load_weights", path, group, model)
    model.set_weights(values)


def _by_name_plan(path: str, group: Any, model: Any, skip_mismatch: bool) -> list:
    """[(Variable, Dataset)] of the layers whose name the file has; raises (or, with
    skip_mismatch, warns) before anything is read when a layer's weights don't fit."""
    names = set(_read_names(group, "layer_names"))
    plan, problems = [], []
    for layer in model.layers:
        weights = _layer_weights(layer)
        if not weights or layer.name not in names or layer.name not in group:
            continue
        g = group[layer.name]
        wnames = _read_names(g, "weight_names")
        if len(wnames) != len(weights):
            problems.append(f"layer {layer.name!r} has {len(weights)} weights, the file "
                            f"{len(wnames)}")
            continue
        fits = [wn in g and tuple(g[wn].shape) == tuple(w.shape)
                for wn, w in zip(wnames, weights)]
        if not all(fits):
            problems.append(f"layer {layer.name!r}: the shapes "
                            f"{[tuple(g[wn].shape) for wn in wnames if wn in g]} in the file "
                            f"differ from {[tuple(w.shape) for w in weights]}")
            continue
        plan.extend((w, g[wn]) for wn, w in zip(wnames, weights))
    if problems and not skip_mismatch:
        raise ValueError(f"load_weights(by_name=True): {path!r} does not fit the model: "
                         f"{'; '.join(problems)}. No weight was changed; pass "
                         f"skip_mismatch=True to load the layers that fit.")
    if problems:
        warnings.warn(f"load_weights(by_name=True, skip_mismatch=True): skipped "
                      f"{'; '.join(problems)}.", stacklevel=4)
    return plan


def load_model_h5(path: str, custom_objects: dict | None, compile: bool,
                  safe_mode: bool) -> Any:
    """A whole model from a legacy `.h5` file."""
    who = "load_model"
    with _open(who, path) as h:
        if "model_config" not in h.attrs:
            raise ValueError(f"{who}: {path!r} is an HDF5 file without a model config (a "
                             f"weights file?). Build the model in code and call "
                             f"model.load_weights({path!r}).")
        try:
            config = json.loads(_text(h.attrs["model_config"]))
            training = (json.loads(_text(h.attrs["training_config"]))
                        if "training_config" in h.attrs else None)
        except ValueError as e:
            raise _damaged(who, path, f"its JSON is damaged: {e}") from e
        model = model_from_config(config, custom_objects, safe_mode=safe_mode)
        if "model_weights" not in h:
            raise _damaged(who, path, "it has no model_weights group")
        model.set_weights(_read_weight_values(who, path, h["model_weights"], model))
        if compile and training is not None:
            compiled = {k: v for k, v in training.items() if k != "optimizer_config"}
            compiled["optimizer"] = training.get("optimizer_config")
            compile_from_config(model, compiled, custom_objects)
            if "optimizer_weights" in h:
                _restore_optimizer(model, path, h["optimizer_weights"])
    return model


def _restore_optimizer(model: Any, path: str, group: Any) -> None:
    opt = model.optimizer
    opt.build(model.trainable_variables)
    names = _read_names(group, "weight_names")
    variables = list(opt.variables)
    if len(names) == len(variables) - 1 and len(variables) > 1 and \
            "learning_rate" in str(variables[1].name):
        # tf.keras 2 (2.11+) keeps the learning rate in optimizer_config, not as a weight
        variables = variables[:1] + variables[2:]
    shapes_ok = len(names) == len(variables) and all(
        n in group and tuple(group[n].shape) == tuple(v.shape)
        for n, v in zip(names, variables))
    if not shapes_ok:
        warnings.warn(f"load_model: the optimizer state in {path!r} does not fit "
                      f"{type(opt).__name__}'s variables ({len(names)} saved, "
                      f"{len(variables)} needed); training continues with a fresh "
                      f"optimizer state.", stacklevel=3)
        return
    for n, v in zip(names, variables):
        v.assign(np.asarray(group[n][()]).astype(
            np.dtype(as_dtype(v.dtype).as_numpy_dtype), copy=False))
