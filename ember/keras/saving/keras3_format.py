"""Keras 3's weights layout (`model.weights.h5`, also inside a `.keras` zip) and its
`.keras` archive, read and written through h5py.

Keras 3 names each object by where it sits in the model, not by its (generated) name:
the root's own variables are `vars/0`, `vars/1`, ...; a Sequential or functional model's
layers are `layers/<snake-cased class name>` (`layers/dense`, `layers/dense_1`, ...); a
custom layer's sub-layers are found by attribute name (`block/inner/vars/0`), lists of
layers as containers (`block/extra/dense_1`); an RNN layer's weights sit in its `cell`;
the optimizer's variables are `optimizer/vars/<i>`. Each `vars` group has an attribute
`name` (the object's name). A layer's own variables are numbered trainable first.
A layer may add arrays under names (`vars/idf_weights` of a lookup layer) and, in a
`.keras` archive, files (`assets/<path>/vocabulary.txt`), as Keras 3 does; see
`_keras3_extra_variables` / `_keras3_assets` in keras/layers/index_lookup.py.

`variable_groups(model)` lists those paths for an ember model; the writers and readers
below use it, so a file goes both ways between ember and Keras 3.

Example:
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> [(path, len(vs)) for path, _, vs in variable_groups(m)]
    [('', 0), ('layers/dense', 2)]
"""

from __future__ import annotations

import io
import json
import re
import time
import warnings
import zipfile
from typing import Any

import numpy as np

from ... import __version__ as ember_version
from ...dtypes import as_dtype
from ..serialization_registry import builtin_layer_class
from .files import DamagedFileError, damaged, replacing

__all__ = ["KERAS_VERSION", "is_keras3_weights", "layer_paths", "load_keras3_weights",
           "read_keras3_archive", "save_keras3_archive", "save_keras3_weights",
           "variable_groups"]

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose format ember writes
_RNN = ("LSTM", "GRU", "SimpleRNN")
_WRAPPERS = {"TimeDistributed": ("layer",), "RNN": ("cell",), "StackedRNNCells": ("cells",),
             "Bidirectional": ("forward_layer", "backward_layer"), "ConvLSTM1D": ("cell",),
             "ConvLSTM2D": ("cell",), "ConvLSTM3D": ("cell",), "Pipeline": ("layers",),
             "SpectralNormalization": ("layer",),
             "MultiHeadAttention": ("query_dense", "key_dense", "value_dense", "output_dense",
                                    "_gate_dense"),
             "GroupQueryAttention": ("_query_dense", "_key_dense", "_value_dense",
                                     "_output_dense", "_gate_dense"),
             "TextVectorization": ("_lookup_layer",)}
_LAYER_ATTRS: set = set()


def _h5py() -> Any:
    from .legacy_h5 import _h5py as get
    return get()


# classes Keras 3 exports under another name than its class's (the weights path uses the
# class's own name)
_CLASS_NAMES = {"GroupQueryAttention": "GroupedQueryAttention"}


def _snake(name: str) -> str:
    name = _CLASS_NAMES.get(name, name)
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique(base: str, used: dict) -> str:
    if base not in used:
        used[base] = 0
        return base
    used[base] += 1
    return f"{base}_{used[base]}"


def _own(layer: Any) -> list:
    own = layer._tracked()[0]
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _layer_base_attrs() -> set:
    if not _LAYER_ATTRS:
        from ..engine.layer import Layer
        _LAYER_ATTRS.update(dir(Layer()))
    return _LAYER_ATTRS


def _is_builtin(obj: Any) -> bool:
    return builtin_layer_class(type(obj).__name__) is type(obj)


def _children(obj: Any) -> list:
    """(attribute, child) pairs in the order Keras 3 visits them."""
    from ..engine.layer import Layer
    name = type(obj).__name__
    if _is_builtin(obj) and getattr(obj, "_graph", None) is not None or \
            name == "Sequential" and _is_builtin(obj):
        layers = [la for la in obj.layers]
        if name == "Sequential":
            layers = [la for la in layers if type(la).__name__ != "InputLayer"]
        return [("layers", layers)]
    if _is_builtin(obj):
        if name in _WRAPPERS:
            return [(a, getattr(obj, a)) for a in _WRAPPERS[name]]
        subs = obj._tracked()[1]
        if subs:
            raise NotImplementedError(
                f"Keras 3's weights layout: ember doesn't know where Keras 3 keeps the "
                f"sub-layers of {name} (layer {obj.name!r}); save with "
                f"model.save_weights('x.h5') (tf.keras 2 layout) instead.")
        return []
    skip = _layer_base_attrs()
    attrs = [k for k in vars(obj) if not k.startswith("__") and k not in skip]
    is_model = builtin_layer_class("Model") is not None and \
        isinstance(obj, builtin_layer_class("Model"))
    if is_model:
        attrs.append("layers")
    out = []
    for attr in sorted(set(attrs), key=lambda a: "~" + a if a.startswith("_") else a):
        if attr == "layers" and is_model:
            out.append((attr, list(obj._tracked()[1])))
            continue
        value = vars(obj).get(attr)
        if isinstance(value, Layer) or isinstance(value, (list, tuple, dict)):
            out.append((attr, value))
    return out


def _walk(obj: Any, path: str, out: list, seen: set, objs: list | None = None) -> None:
    from ..engine.layer import Layer
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if objs is not None:
        objs.append((path, obj))
    if _is_builtin(obj) and type(obj).__name__ in _RNN:
        out.append((path, obj.name, []))
        out.append((_join(path, "cell"), f"{_snake(type(obj).__name__)}_cell", _own(obj)))
        return
    out.append((path, obj.name, _own(obj)))
    for attr, child in _children(obj):
        if isinstance(child, Layer):
            _walk(child, _join(path, attr), out, seen, objs)
        else:
            _walk_container(child, _join(path, attr), out, seen, objs)


def _walk_container(items: Any, path: str, out: list, seen: set,
                    objs: list | None = None) -> None:
    from ..engine.layer import Layer
    used: dict = {}
    for item in (list(items.values()) if isinstance(items, dict) else items):
        if isinstance(item, Layer):
            if id(item) not in seen:
                _walk(item, _join(path, _unique(_snake(type(item).__name__), used)), out,
                      seen, objs)
        elif isinstance(item, (list, tuple, dict)):
            _walk_container(item, _join(path, _unique("container", used)), out, seen, objs)


def _join(a: str, b: str) -> str:
    return f"{a}/{b}" if a else b


def variable_groups(model: Any) -> list:
    """`[(path, name, [Variable, ...]), ...]`: where Keras 3 keeps each of the model's
    variables (the optimizer's are not included).

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3, 4)), keras.layers.LSTM(2)])
        >>> [p for p, _, _ in variable_groups(m)]
        ['', 'layers/lstm', 'layers/lstm/cell']
    """
    out: list = []
    _walk(model, "", out, set())
    return out


def layer_paths(model: Any) -> list:
    """`[(path, layer), ...]`: each layer at its Keras 3 path (as `variable_groups`).

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> [p for p, _ in layer_paths(m)]
        ['', 'layers/dense']
    """
    objs: list = []
    _walk(model, "", [], set(), objs)
    return objs


def _optimizer(model: Any) -> Any:
    opt = getattr(model, "optimizer", None)
    return opt if opt is not None and getattr(opt, "built", False) else None


# -- writing ----------------------------------------------------------------------------

def _write_group(h: Any, path: str, name: str, variables: list) -> None:
    group = h.require_group(_join(path, "vars")) if path else h.require_group("vars")
    group.attrs["name"] = name
    for i, v in enumerate(variables):
        value = np.asarray(v.numpy())
        # NOTE: a Fletcher-32 checksum per array (h5py and Keras 3 read it transparently)
        # makes a flipped bit in the data a read error, not silently wrong weights
        checked = value.ndim > 0 and value.size > 0
        group.create_dataset(str(i), data=value, fletcher32=checked,
                             chunks=value.shape if checked else None)


def write_h5(model: Any, f: Any, include_optimizer: bool = True) -> None:
    """Writes the model's (and its built optimizer's) variables to the binary file
    object `f` in Keras 3's layout."""
    h5py = _h5py()
    groups = variable_groups(model)
    with h5py.File(f, "w", libver=("v108", "latest")) as h:  # metadata checksums too
        for path, name, variables in groups:
            _write_group(h, path, name, variables)
        for path, layer in layer_paths(model):  # Keras 3's named arrays (idf_weights)
            extra = getattr(layer, "_keras3_extra_variables", None)
            for key, value in (extra() if extra is not None else {}).items():
                h.require_group(_join(path, "vars")).create_dataset(key,
                                                                    data=np.asarray(value))
        opt = _optimizer(model) if include_optimizer else None
        if opt is not None:
            _write_group(h, "optimizer", opt.name, list(opt.variables))


def save_keras3_weights(model: Any, path: str) -> None:
    """`model.save_weights("x.weights.h5")`: Keras 3's layout, written atomically.

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> p = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
        >>> save_keras3_weights(m, p); load_keras3_weights(m, p)
    """
    with replacing(path) as f:
        write_h5(model, f)


# -- reading ----------------------------------------------------------------------------

def is_keras3_weights(h: Any) -> bool:
    """Whether an open h5py File is in Keras 3's layout (not tf.keras 2's)."""
    return "layer_names" not in h.attrs and "layer_names0" not in h.attrs and \
        "model_weights" not in h and ("vars" in h or "layers" in h)


def _plan(who: str, path: str, h: Any, groups: list, skip_mismatch: bool) -> list:
    """[(Variable, h5py Dataset)] to load; raises (or, skipping, warns) on mismatches
    before anything is read."""
    plan, problems = [], []
    for where, name, variables in groups:
        if not variables:
            continue
        key = _join(where, "vars")
        group = h.get(key)
        keys = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1) \
            if group is not None else []
        if len(keys) != len(variables):
            problems.append(f"{where or 'the model'} ({name!r}) has {len(variables)} "
                            f"variables, the file has {len(keys)} at {key!r}")
            continue
        for i, v in enumerate(variables):
            d = group.get(str(i))
            if d is None or not hasattr(d, "shape"):
                raise damaged(who, path, f"{key}/{i} is missing or not a dataset")
            if tuple(d.shape) != tuple(v.shape):
                problems.append(f"{key}/{i} has shape {tuple(d.shape)} in the file, "
                                f"{tuple(v.shape)} in the model ({v.name!r})")
                continue
            if d.dtype.kind not in "fiub":
                raise damaged(who, path, f"{key}/{i} has dtype {d.dtype}")
            plan.append((v, d))
    if problems and not skip_mismatch:
        raise _Mismatch(f"{who}: {path!r} does not match the model: "
                         f"{'; '.join(problems[:8])}{' ...' if len(problems) > 8 else ''}. "
                         f"No weight was changed. Build the model as the saved one, or "
                         f"pass skip_mismatch=True to load the rest.")
    if problems:
        warnings.warn(f"{who}(skip_mismatch=True): skipped what doesn't fit, which keeps "
                      f"its values: {'; '.join(problems)}.", stacklevel=6)
    return plan


def _values(who: str, path: str, plan: list) -> list:
    """[(Variable, its new value)], every dataset read and cast."""
    return [(v, np.asarray(d[()]).astype(np.dtype(as_dtype(v.dtype).as_numpy_dtype),
                                         copy=False)) for v, d in plan]


class _Mismatch(ValueError):
    """The file is sound but doesn't fit the model (ours, not h5py's)."""


_H5_ERRORS = (KeyError, OSError, RuntimeError, TypeError, AttributeError, IndexError,
              OverflowError, ValueError, SystemError)


def read_h5(who: str, path: str, h: Any, model: Any, skip_mismatch: bool = False,
            optimizer: bool = True) -> None:
    """Loads an open Keras-3-layout h5py File into `model` (and its optimizer, building
    it first, when `optimizer` and the file has its variables). Everything is read and
    checked before any variable changes; what h5py can't read is a DamagedFileError."""
    try:
        updates = _read_all(who, path, h, model, skip_mismatch, optimizer)
        extras = _read_extras(h, model)
    except (DamagedFileError, _Mismatch):
        raise
    except _H5_ERRORS as e:
        raise damaged(who, path, f"reading it failed ({type(e).__name__}: {e})") from e
    for v, value in updates:
        v.assign(value)
    for load, arrays in extras:
        load(arrays)


def _read_extras(h: Any, model: Any) -> list:
    """[(a layer's loader, {name: array})] of the named (not numbered) arrays of layers
    that keep some (Keras 3's `idf_weights` of the lookup layers)."""
    out = []
    for where, layer in layer_paths(model):
        load = getattr(layer, "_keras3_load_extra_variables", None)
        group = h.get(_join(where, "vars")) if load is not None else None
        if group is None:
            continue
        arrays = {k: np.asarray(group[k][()]) for k in group.keys()
                  if not k.isdigit() and hasattr(group[k], "shape")}
        if arrays:
            out.append((load, arrays))
    return out


def _read_all(who: str, path: str, h: Any, model: Any, skip_mismatch: bool,
              optimizer: bool) -> list:
    groups = variable_groups(model)
    if not any(vs for _, _, vs in groups) and any(
            n != "optimizer" and [d for d in _datasets(h[n])
                                  if d.name.rsplit("/", 1)[-1].isdigit()] for n in h
            if not hasattr(h[n], "shape")):
        raise _Mismatch(f"{who}: model {model.name!r} has no weights yet: build it first "
                        f"(call it on data or model.build(input_shape)).")
    updates = _values(who, path, _plan(who, path, h, groups, skip_mismatch))
    opt = getattr(model, "optimizer", None)
    if optimizer and opt is not None and "optimizer/vars" in h and \
            len(h["optimizer/vars"]) > 0:
        if not getattr(opt, "built", False):
            opt.build(model.trainable_variables)
        variables = list(opt.variables)
        group = h["optimizer/vars"]
        ok = len(group) == len(variables) and all(
            str(i) in group and tuple(group[str(i)].shape) == tuple(v.shape)
            for i, v in enumerate(variables))
        if not ok:
            warnings.warn(f"{who}: the optimizer state in {path!r} does not fit "
                          f"{type(opt).__name__}'s variables ({len(group)} saved, "
                          f"{len(variables)} needed); training continues with a fresh "
                          f"optimizer state.", stacklevel=5)
        else:
            updates += _values(who, path, [(v, group[str(i)])
                                           for i, v in enumerate(variables)])
    return updates


def _datasets(group: Any) -> list:
    out: list = []
    group.visititems(lambda _, obj: out.append(obj) if hasattr(obj, "shape") else None)
    return out


def load_keras3_weights(model: Any, path: str, skip_mismatch: bool = False) -> None:
    """`model.load_weights("x.weights.h5")` for a file in Keras 3's layout."""
    h5py = _h5py()
    try:
        h = h5py.File(path, "r")
    except OSError as e:
        raise damaged("load_weights", path, f"h5py could not open it: {e}") from e
    with h:
        read_h5("load_weights", path, h, model, skip_mismatch)


# -- the .keras archive -----------------------------------------------------------------

def save_keras3_archive(model: Any, f: Any, config_text: str,
                        include_optimizer: bool) -> None:
    """Writes a Keras 3 `.keras` zip (metadata.json, config.json, model.weights.h5) to
    the binary file object `f`."""
    weights = io.BytesIO()
    write_h5(model, weights, include_optimizer)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S"),
                "ember_version": ember_version}
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(metadata))
        z.writestr("config.json", config_text)
        z.writestr("model.weights.h5", weights.getbuffer(), zipfile.ZIP_STORED)
        for path, layer in layer_paths(model):  # Keras 3's assets (lookup vocabularies)
            assets = getattr(layer, "_keras3_assets", None)
            for name, data in (assets() if assets is not None else {}).items():
                z.writestr(f"assets/{_join(path, name)}", data)


def read_keras3_archive(path: str, z: zipfile.ZipFile, model: Any, limit: int,
                        optimizer: bool) -> None:
    """Loads `model.weights.h5` of an open Keras 3 `.keras` zip into `model`."""
    from .files import read_member
    names = set(z.namelist())
    if "model.weights.h5" not in names:
        if "model.weights.npz" in names or "model.weights.json" in names:
            raise NotImplementedError(
                f"load_model: {path!r} keeps its weights in Keras 3's npz or sharded "
                f"layout; ember reads the default model.weights.h5. Save it again with "
                f"Keras 3's defaults.")
        raise damaged("load_model", path, "it has no model.weights.h5")
    raw = read_member(z, "model.weights.h5", limit, "load_model", path)
    h5py = _h5py()
    try:
        h = h5py.File(io.BytesIO(raw), "r")
    except OSError as e:
        raise damaged("load_model", path, f"its model.weights.h5 is not HDF5: {e}") from e
    with h:
        read_h5("load_model", path, h, model, optimizer=optimizer)
    for where, layer in layer_paths(model):
        load = getattr(layer, "_keras3_load_assets", None)
        if load is None:
            continue
        prefix = f"assets/{where}/" if where else "assets/"
        files = {n[len(prefix):]: read_member(z, n, _ASSET_LIMIT, "load_model", path)
                 for n in sorted(names) if n.startswith(prefix) and n != prefix
                 and "/" not in n[len(prefix):]}
        load(files)


_ASSET_LIMIT = 1 << 28  # a larger asset (a vocabulary file) is refused


def weights_limit(model: Any) -> int:
    """The most bytes a weights file of the model (and an optimizer's slots) can take."""
    total = 0
    for v in model.weights:
        total += np.dtype(as_dtype(v.dtype).as_numpy_dtype).itemsize * \
            int(np.prod(tuple(v.shape)))
    return (1 << 20) + 4 * total + 8192 * len(model.weights)


_ = DamagedFileError  # re-exported for callers' isinstance checks
