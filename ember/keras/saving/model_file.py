"""ember's whole-model file: `model.save("m.keras")` and `keras.models.load_model`.

A `.keras` file written by ember is a zip archive (ember's own format, not Keras 3's):

- `metadata.json`: `{"format": "ember.keras", "version": 1, ...}`;
- `config.json`: `{"class_name": ..., "config": model.get_config()}`, plus
  `"compile_config"` (optimizer, loss, metrics, ... serialized by `keras.optimizers`,
  `keras.losses` and `keras.metrics`) when the model is compiled, and `"build_config"`
  (`{"input_shape": ...}`, as Keras 3) for a built subclassed model, which loading builds
  with it before reading the weights;
- `model.weights.npz`: every weight of `model.weights`, in ember's weights file format
  (see weights_file.py);
- `optimizer.weights.npz`: the optimizer's variables (iterations, learning rate, slots),
  when the model is compiled and its optimizer has been used.

The archive is written from memory to a temporary file in the target's folder, then
renamed over the target, so a crash never leaves a half-written model behind, and the
next save to the same target removes what a killed save left. Loading reads the members
from memory (nothing is extracted to disk), checks each member's declared size before
reading it, and runs no code from the file unless `safe_mode=False` (see
`ember/keras/serialization_registry.py`).

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> loaded = keras.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    True
"""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from typing import Any

import numpy as np

from ... import __version__ as ember_version
from ...dtypes import as_dtype
from .files import READ_ERRORS, DamagedFileError, as_path, damaged, read_member, replacing
from .legacy_h5 import is_hdf5, is_legacy_h5_path, load_model_h5, save_model_h5
from .model_config import (compile_config, compile_from_config, dumps_config, model_config,
                           model_from_config)
from .keras3_config import compile_from_keras3, from_keras3, to_keras3
from .keras3_format import read_keras3_archive, save_keras3_archive, weights_limit
from .weights_file import open_weights, read_into, write_weights


def _has_h5py() -> bool:
    try:
        import h5py  # noqa: F401  (optional: Keras 3's weights layout needs it)
    except ImportError:
        return False
    return True

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT_NAME = "ember.keras"
FORMAT_VERSION = 1
_WEIGHTS = "model.weights.npz"
_OPT_WEIGHTS = "optimizer.weights.npz"
_JSON_MAX = 64 << 20  # metadata.json / config.json larger than this are refused


class _Variables:
    """A list of Variables as weights_file.py reads and writes a model's weights."""

    def __init__(self, variables: list, name: str):
        self.weights = list(variables)
        self.name = name

    def get_weights(self) -> list:
        return [v.numpy() for v in self.weights]

    def set_weights(self, arrays: list) -> None:
        for v, a in zip(self.weights, arrays):
            v.assign(a)


# -- the archive ---------------------------------------------------------------------


def save_model(model: Any, filepath: Any, overwrite: bool = True,
               include_optimizer: bool = True, save_format: Any = None, **kwargs: Any) -> None:
    """Writes `model` (config, weights, compile arguments, optimizer state) to a `.keras`
    archive in ember's format; see the module docstring.

    Args:
        model: a Sequential, functional or subclassed Model (a subclassed model's
            config is its get_config(), by default its constructor's arguments; a
            built one also stores `build_config`, its input shape, to be rebuilt).
        filepath: a path ending in `.keras` (ember's archive) or `.h5` / `.hdf5` (tf.keras
            2's legacy HDF5 layout, needs h5py: see legacy_h5.py).
        overwrite: when False and `filepath` exists, raise FileExistsError.
        include_optimizer: also store the optimizer's state (its slots and iterations).
        save_format: None (from the suffix), "keras" or "h5"; "tf" (SavedModel) is not
            supported.

    Example:
        >>> import os, tempfile, zipfile
        >>> from ember import keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> keras.models.save_model(model, path)
        >>> sorted(zipfile.ZipFile(path).namelist())
        ['config.json', 'metadata.json', 'model.weights.h5']
    """
    path = as_path("save_model", filepath)
    h5 = save_format == "h5" or (save_format is None and is_legacy_h5_path(path))
    if not h5 and (save_format not in (None, "keras") or not path.endswith(".keras")):
        raise NotImplementedError(
            f"save_model: ember saves whole models as its own .keras archive or as a legacy "
            f"HDF5 file; received filepath={path!r}, save_format={save_format!r}. Use a "
            f"path ending in '.keras' or '.h5' (SavedModel is not supported; "
            f"model.save_weights writes weights).")
    if kwargs:
        raise TypeError(f"save_model: unexpected argument(s) {sorted(kwargs)}.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save_model: {path!r} is a folder; pass a file path "
                                f"ending in '.keras'.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_model: {path!r} exists and overwrite=False. Pass "
                              f"overwrite=True to replace it, or choose another path.")
    config = model_config(model, "save")
    compiled = compile_config(model)
    if h5:
        dumps_config(config, "save")  # the same clear error for a config JSON can't hold
        save_model_h5(model, path, config, compiled, include_optimizer)
        return
    if _has_h5py():
        config_text = dumps_config(to_keras3(model, compiled), "save", indent=1)
        with replacing(path) as f:
            save_keras3_archive(model, f, config_text, include_optimizer)
        return
    warnings.warn("save_model: h5py is not installed, so the .keras file is written in "
                  "ember's older npz-based layout, which Keras 3 can't read. pip install "
                  "h5py to write Keras 3's format.", stacklevel=3)
    if compiled is not None:
        config["compile_config"] = compiled
    config_text = dumps_config(config, "save", indent=1)
    metadata = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "ember_version": ember_version}
    weights = io.BytesIO()
    write_weights(model, weights)
    opt = getattr(model, "optimizer", None) if compiled is not None else None
    opt_weights = None
    if include_optimizer and opt is not None and getattr(opt, "built", False):
        opt_weights = io.BytesIO()
        write_weights(_Variables(opt.variables, opt.name), opt_weights)
    with replacing(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(metadata))
        z.writestr("config.json", config_text)
        # NOTE: weights are stored, not deflated: float data barely compresses, and deflate
        # made saving ~4x slower
        z.writestr(_WEIGHTS, weights.getbuffer(), zipfile.ZIP_STORED)
        if opt_weights is not None:
            z.writestr(_OPT_WEIGHTS, opt_weights.getbuffer(), zipfile.ZIP_STORED)


def _not_ember(path: str, why: str) -> ValueError:
    return ValueError(f"load_model: {path!r} is not a .keras archive ({why}). ember "
                      f"loads Keras 3's .keras files (written by Keras 3 or ember), "
                      f"ember's older .keras files and legacy .h5 files; SavedModel folders "
                      f"can't be read.")


def _damaged(path: str, why: str) -> DamagedFileError:
    return damaged("load_model", path, why)


def _member(z: zipfile.ZipFile, path: str, name: str, limit: int) -> bytes:
    return read_member(z, name, limit, "load_model", path)


def _json(z: zipfile.ZipFile, path: str, name: str) -> Any:
    try:
        return json.loads(_member(z, path, name, _JSON_MAX).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        if isinstance(e, DamagedFileError):
            raise
        raise _damaged(path, f"its {name} is not valid JSON: {e}") from e


def _read_archive(path: str) -> tuple:
    """(config dict, zipfile.ZipFile) of an ember archive, or a clear error."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no file at {path!r}. Write one with "
                                f"model.save({path!r}) first.")
    if os.path.isdir(path):
        raise _not_ember(path, "it is a folder (a SavedModel?)")
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head != b"PK\x03\x04" and head != b"PK\x05\x06":
            raise _not_ember(path, "it is not a zip archive")
        z = zipfile.ZipFile(path)
    except READ_ERRORS as e:
        if isinstance(e, ValueError) and "is not a .keras" in str(e):
            raise
        raise _damaged(path, f"it is not a readable zip archive: {e}") from e
    try:
        names = set(z.namelist())
        if "metadata.json" not in names or "config.json" not in names:
            raise _not_ember(path, f"it lacks metadata.json or config.json; it holds "
                                   f"{sorted(names)[:5]}")
        metadata = _json(z, path, "metadata.json")
        if isinstance(metadata, dict) and metadata.get("format") != FORMAT_NAME and \
                isinstance(metadata.get("keras_version"), str):
            config = _json(z, path, "config.json")
            if not isinstance(config, dict):
                raise _damaged(path, "its config.json is not a JSON object")
            return config, z, "ember_version" in metadata
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
            raise _not_ember(path, "its metadata names another format")
        version = metadata.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(f"load_model: {path!r} is ember .keras format version "
                             f"{version!r}, newer than this ember reads (version "
                             f"{FORMAT_VERSION}). Update ember to load it.")
        config = _json(z, path, "config.json")
        if not isinstance(config, dict):
            raise _damaged(path, "its config.json is not a JSON object")
        if _WEIGHTS not in names:
            raise _damaged(path, f"it has no {_WEIGHTS}")
    except BaseException:
        z.close()
        raise
    return config, z, None


def _weights_limit(variables: list) -> int:
    """The most bytes an ember weights file of these variables can take."""
    return (1 << 20) + sum(
        np.dtype(as_dtype(v.dtype).as_numpy_dtype).itemsize * int(np.prod(tuple(v.shape)))
        + (1 << 12) for v in variables)


def load_model(filepath: Any, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True) -> Any:
    """The model that `model.save` / `save_model` wrote: architecture, weights and, when
    `compile` is True and it was compiled, its compile arguments and optimizer state.

    Args:
        filepath: an ember `.keras` archive, or a legacy HDF5 `.h5` file (tf.keras 2's
            layout, also what Keras 3 writes for `.h5`).
        custom_objects: `{name: class or function}` for your layers, losses, metrics,
            optimizers.
        compile: compile the model as it was saved (False: leave it uncompiled).
        safe_mode: True (the default) refuses anything in the file that would run code:
            a `Lambda` saved as Python bytecode, or a function named by a module that
            ember would have to import. Pass False only for files you trust.

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model.compile("adam", "mse", metrics=["mae"])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> model.save(path)
        >>> loaded = keras.models.load_model(path)
        >>> type(loaded.optimizer).__name__, loaded.loss
        ('Adam', 'mse')
    """
    path = as_path("load_model", filepath)
    if is_hdf5(path):
        return load_model_h5(path, custom_objects, compile, safe_mode)
    config, z, keras3 = _read_archive(path)
    if keras3 is not None:  # Keras 3's format: True when ember wrote it
        with z:
            return _load_keras3(path, z, config, custom_objects, compile, safe_mode, keras3)
    with z:
        compiled = config.pop("compile_config", None)
        try:
            model = model_from_config(config, custom_objects, safe_mode=safe_mode)
        except (KeyError, TypeError, AttributeError, IndexError) as e:
            raise _damaged(path, f"its config.json does not describe a model that can be "
                                 f"built ({type(e).__name__}: {e})") from e
        raw = _member(z, path, _WEIGHTS, _weights_limit(model.weights))
        with open_weights("load_model", f"{path}:{_WEIGHTS}", raw) as archive:
            read_into(model, archive)
        if compile and compiled is not None:
            if not isinstance(compiled, dict):
                raise _damaged(path, "its compile_config is not a JSON object")
            compile_from_config(model, compiled, custom_objects)
            if _OPT_WEIGHTS in z.namelist():
                _restore_optimizer(model, path, z)
    return model


def _restore_optimizer(model: Any, path: str, z: zipfile.ZipFile) -> None:
    """Builds the optimizer on the model's trainable variables and loads its state; warns
    and keeps a fresh optimizer when the state doesn't fit (a damaged file raises)."""
    opt = model.optimizer
    opt.build(model.trainable_variables)
    raw = _member(z, path, _OPT_WEIGHTS, _weights_limit(opt.variables))
    try:
        with open_weights("load_model", f"{path}:{_OPT_WEIGHTS}", raw) as archive:
            read_into(_Variables(opt.variables, opt.name), archive)
    except DamagedFileError:
        raise
    except (ValueError, TypeError, KeyError) as e:
        warnings.warn(f"load_model: the optimizer's saved state was not restored ({e}); "
                      f"training continues with a fresh optimizer state.", stacklevel=3)


def _load_keras3(path: str, z: zipfile.ZipFile, config: dict, custom_objects: dict | None,
                 compile: bool, safe_mode: bool, by_ember: bool) -> Any:
    """A model from a `.keras` archive in Keras 3's format (Keras 3's or ember's)."""
    compiled = config.get("compile_config")
    ember_config = from_keras3(config, safe_mode=safe_mode, by_ember=by_ember)
    try:
        model = model_from_config(ember_config, custom_objects, safe_mode=safe_mode)
    except (KeyError, TypeError, AttributeError, IndexError) as e:
        raise _damaged(path, f"its config.json does not describe a model that can be "
                             f"built ({type(e).__name__}: {e})") from e
    do_compile = compile and isinstance(compiled, dict) and \
        compiled.get("optimizer") is not None
    if do_compile:
        compile_from_config(model, compile_from_keras3(compiled), custom_objects)
    read_keras3_archive(path, z, model, weights_limit(model), optimizer=do_compile)
    return model
