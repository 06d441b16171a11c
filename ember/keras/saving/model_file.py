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
`ember/keras/_objects.py`).

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

from .. import _objects
from .files import READ_ERRORS, DamagedFileError, _path, damaged, read_member, replacing
from .legacy_h5 import is_hdf5, is_legacy_h5_path, load_model_h5, save_model_h5
from .weights_file import open_weights, read_into, write_weights

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "clone_model", "load_model", "model_from_config",
           "model_from_json", "model_to_json", "save_model"]

FORMAT_NAME = "ember.keras"
FORMAT_VERSION = 1
_WEIGHTS = "model.weights.npz"
_OPT_WEIGHTS = "optimizer.weights.npz"
_JSON_MAX = 64 << 20  # metadata.json / config.json larger than this are refused


# -- configs -------------------------------------------------------------------------
def _check_serializable(model: Any, who: str) -> None:
    from ..models import Model
    if not isinstance(model, Model):
        raise TypeError(f"{who}: expected a keras Model, received {type(model).__name__}.")


def _is_subclassed(model: Any) -> bool:
    from ..models import Sequential
    return not isinstance(model, Sequential) and getattr(model, "_graph", None) is None


def _shape_to_json(shape: Any) -> Any:
    """A build input shape (TensorShape, tuple, or lists / dicts of them) as JSON."""
    if isinstance(shape, dict):
        return {k: _shape_to_json(v) for k, v in shape.items()}
    if hasattr(shape, "as_list"):
        return shape.as_list() if shape.rank is not None else None
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return [None if d is None else int(d) for d in shape]
        return [_shape_to_json(v) for v in shape]
    return shape


def _shape_from_json(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: _shape_from_json(v) for k, v in shape.items()}
    if isinstance(shape, list):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [_shape_from_json(v) for v in shape]
    return shape


def _config(model: Any, who: str) -> dict:
    """`serialize(model)`, plus, for a built subclassed model, Keras 3's `build_config`
    (`{"input_shape": ...}`): loading builds the model with it before reading weights."""
    from ..layers import serialize
    _check_serializable(model, who)
    try:
        config = serialize(model)
    except NotImplementedError as e:
        raise NotImplementedError(
            f"{who}: the config of model {model.name!r} can't be made: {e}\n(Or save only "
            f"the weights: model.save_weights(path), then rebuild the model in code and "
            f"load_weights.)") from e
    shape = getattr(model, "_build_input_shape", None)
    if _is_subclassed(model) and model.built and shape is not None:
        config["build_config"] = {"input_shape": _shape_to_json(shape)}
    return config


def _build(model: Any, build_config: Any) -> None:
    """Builds a subclassed model as `build_config` says (Keras 3's `build_from_config`)."""
    shape = build_config.get("input_shape") if isinstance(build_config, dict) else None
    if model.built or shape is None:
        return
    shape = _shape_from_json(shape)
    try:
        model.build(shape)
    except Exception as e:
        raise ValueError(f"{type(model).__name__} ({model.name!r}): building the loaded "
                         f"model on input shape {shape} failed ({type(e).__name__}: {e}). "
                         f"Its call() must run on inputs of the shape it was saved with; "
                         f"or save its weights with save_weights, rebuild it in code and "
                         f"load_weights.") from e


def _dumps(obj: Any, who: str, **kwargs: Any) -> str:
    try:
        return json.dumps(obj, **kwargs)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{who}: the model's config is not JSON-serializable ({e}). Make "
                        f"every get_config() return plain Python values (numbers, strings, "
                        f"lists, dicts), and pass only such values as call keywords.") from e


def model_to_json(model: Any, **kwargs: Any) -> str:
    """`{"class_name": ..., "config": model.get_config()}` as JSON (`model.to_json()`).

    Example:
        >>> import json
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> json.loads(model_to_json(m))["class_name"]
        'Sequential'
    """
    return _dumps(_config(model, "to_json"), "to_json", **kwargs)


def model_from_config(config: dict, custom_objects: dict | None = None, *,
                      safe_mode: bool = True) -> Any:
    """A new model (fresh weights) from `{"class_name": ..., "config": ...}`.

    Names resolve only to ember's classes, registered objects and `custom_objects`;
    `safe_mode=True` refuses configs that would run code (see `load_model`).

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> cfg = {"class_name": "Sequential", "config": m.get_config()}
        >>> model_from_config(cfg).output_shape
        TensorShape([None, 2])
    """
    from ..layers import deserialize
    from ..models import Model
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"model_from_config: expected a dict with 'class_name' and "
                         f"'config' (as model.to_json() writes), received {config!r:.200}.")
    with _objects.safe_mode_scope(safe_mode):
        model = deserialize(config, custom_objects=custom_objects)
        if not isinstance(model, Model):
            raise ValueError(f"model_from_config: the config describes a "
                             f"{type(model).__name__}, not a model.")
        if "build_config" in config:
            _build(model, config["build_config"])
    return model


def model_from_json(json_string: str, custom_objects: dict | None = None, *,
                    safe_mode: bool = True) -> Any:
    """A new model (fresh weights) from `model.to_json()`'s string (`safe_mode` as in
    `model_from_config`).

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
        >>> keras.models.model_from_json(m.to_json()).layers[0].name
        'd'
    """
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e}); pass the "
                         f"string of model.to_json().") from e
    return model_from_config(config, custom_objects, safe_mode=safe_mode)


def clone_model(model: Any, input_tensors: Any = None, clone_function: Any = None) -> Any:
    """A new model of the same architecture with new (freshly initialized) weights.

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> c = keras.models.clone_model(m)
        >>> c.output_shape, c.layers[0] is m.layers[0]
        (TensorShape([None, 2]), False)
    """
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model: input_tensors and clone_function are not "
                                  "supported by ember yet; clone with the defaults.")
    # the config comes from a live model of this program, not from a file
    return model_from_config(_config(model, "clone_model"), safe_mode=False)


# -- compile config ------------------------------------------------------------------
def _encode(x: Any, serialize: Any) -> Any:
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    if isinstance(x, (list, tuple)):
        return [_encode(v, serialize) for v in x]
    if isinstance(x, dict) and "class_name" not in x:
        return {k: _encode(v, serialize) for k, v in x.items()}
    return serialize(x)


def _decode(x: Any, deserialize: Any, custom_objects: dict) -> Any:
    if isinstance(x, str):
        return custom_objects.get(x, x)  # other names resolve in compile
    if isinstance(x, list):
        return [_decode(v, deserialize, custom_objects) for v in x]
    if isinstance(x, dict):
        if isinstance(x.get("class_name"), str) and "config" in x:
            return deserialize(x, custom_objects=custom_objects)
        return {k: _decode(v, deserialize, custom_objects) for k, v in x.items()}
    return x


def compile_config(model: Any) -> dict | None:
    """The arguments of the model's `compile` call, serialized (None if not compiled)."""
    if not getattr(model, "_is_compiled", False):
        return None
    from .. import losses, metrics, optimizers
    loss, mets = model.compiled_loss, model.compiled_metrics
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _encode(loss._user_loss, losses.serialize),
            "loss_weights": _encode(loss._user_weights, float),
            "metrics": _encode(mets._user, metrics.serialize),
            "weighted_metrics": _encode(mets._user_weighted, metrics.serialize),
            "run_eagerly": getattr(model, "_run_eagerly", None),
            "steps_per_execution": getattr(model, "_steps_per_execution", 1)}


def compile_from_config(model: Any, config: dict, custom_objects: dict | None = None) -> None:
    """Compiles `model` with `compile_config`'s dict."""
    from .. import losses, metrics, optimizers
    co = dict(custom_objects or {})
    try:
        model.compile(optimizer=optimizers.deserialize(config["optimizer"], custom_objects=co),
                      loss=_decode(config.get("loss"), losses.deserialize, co),
                      loss_weights=config.get("loss_weights"),
                      metrics=_decode(config.get("metrics"), metrics.deserialize, co),
                      weighted_metrics=_decode(config.get("weighted_metrics"),
                                               metrics.deserialize, co),
                      run_eagerly=config.get("run_eagerly"),
                      steps_per_execution=config.get("steps_per_execution", 1))
    except ValueError as e:
        raise ValueError(f"load_model: compiling the loaded model failed: {e} If the model "
                         f"was compiled with your own loss, metric or optimizer, pass it in "
                         f"custom_objects={{'name': object}}, or load with compile=False."
                         ) from e


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
        ['config.json', 'metadata.json', 'model.weights.npz']
    """
    path = _path("save_model", filepath)
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
    config = _config(model, "save")
    compiled = compile_config(model)
    if h5:
        _dumps(config, "save")  # the same clear error for a config JSON can't hold
        save_model_h5(model, path, config, compiled, include_optimizer)
        return
    if compiled is not None:
        config["compile_config"] = compiled
    config_text = _dumps(config, "save", indent=1)
    from ... import __version__ as ember_version
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
    return ValueError(f"load_model: {path!r} is not an ember .keras archive ({why}). ember "
                      f"loads the files written by model.save('....keras'); Keras 3 .keras "
                      f"files, HDF5 files and SavedModel folders can't be read.")


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
        if isinstance(e, ValueError) and "is not an ember" in str(e):
            raise
        raise _damaged(path, f"it is not a readable zip archive: {e}") from e
    try:
        names = set(z.namelist())
        if "metadata.json" not in names or "config.json" not in names:
            raise _not_ember(path, f"it lacks metadata.json or config.json; it holds "
                                   f"{sorted(names)[:5]}")
        metadata = _json(z, path, "metadata.json")
        if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
            who = " (written by Keras)" if isinstance(metadata, dict) and \
                "keras_version" in metadata else ""
            raise _not_ember(path, f"its metadata names another format{who}")
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
    return config, z


def _weights_limit(variables: list) -> int:
    """The most bytes an ember weights file of these variables can take."""
    from ...dtypes import as_dtype
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
    path = _path("load_model", filepath)
    if is_hdf5(path):
        return load_model_h5(path, custom_objects, compile, safe_mode)
    config, z = _read_archive(path)
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
