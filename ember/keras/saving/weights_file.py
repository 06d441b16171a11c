"""ember's weights file: every weight of `model.weights`, in order, in one NumPy .npz.

The file is an uncompressed `.npz` archive (a zip of `.npy` arrays, no pickle) holding
`weight_00000`, `weight_00001`, ... in the order of `model.weights`, and a JSON manifest
(`__ember_manifest__`, UTF-8 bytes as a uint8 array) with the format name and version and,
per weight, its name, shape and dtype. It is written to exactly the path given, whatever
its name ('w.weights.h5', 'ckpt', ...), atomically (a temporary file in the same folder,
then `os.replace`), so a crash never leaves a half-written file behind.

Loading checks the count, shapes and dtypes of every weight against the model first and
changes nothing when anything mismatches (`Model.set_weights` is atomic too).

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember import keras
    >>> from ember.keras.saving import load_weights, save_weights
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
    >>> save_weights(model, path)
    >>> other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> load_weights(other, path)
    >>> all(np.array_equal(a, b) for a, b in zip(model.get_weights(), other.get_weights()))
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
import zipfile
import warnings
from typing import Any, Iterator

import numpy as np

from ...dtypes import as_dtype

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_weights", "read_manifest", "save_weights"]

FORMAT_NAME = "ember.weights"
FORMAT_VERSION = 1
_MANIFEST_KEY = "__ember_manifest__"
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _key(i: int) -> str:
    return f"weight_{i:05d}"


def _path(who: str, filepath: Any) -> str:
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(f"{who}: filepath must be a str or os.PathLike, received "
                        f"{filepath!r} (type {type(filepath).__name__}).") from None


def _storable(arr: np.ndarray) -> np.ndarray:
    """`arr` as an array NumPy's .npy format reads back without pickle.

    NOTE: dtypes outside NumPy (bfloat16 from ml_dtypes) come back from an .npz as raw
    void bytes, so they are stored as unsigned ints of the same width; the manifest keeps
    the real dtype and loading views the bytes back as it.
    """
    if arr.dtype.kind == "V" or arr.dtype.type.__module__ != "numpy":
        return arr.view(f"u{arr.dtype.itemsize}")
    return arr


def save_weights(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Writes every weight of `model.weights` to `filepath` in ember's weights format.

    Args:
        model: a Layer or Model.
        filepath: the file to write (str or os.PathLike), used as given: no suffix is
            added. Missing parent folders are created.
        overwrite: when False and `filepath` exists, raise FileExistsError instead of
            replacing it (TF asks on the terminal; ember never prompts).

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> from ember.keras.saving import read_manifest, save_weights
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt")
        >>> save_weights(model, path)
        >>> [(w["name"], w["shape"]) for w in read_manifest(path)["weights"]]
        [('dense.../kernel:0', [3, 2]), ('dense.../bias:0', [2])]
    """
    path = _path("save_weights", filepath)
    if not path:
        raise ValueError("save_weights: filepath is empty; pass the file to write, e.g. "
                         "'model.weights.h5'.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save_weights: {path!r} is a folder; pass a file path, e.g. "
                                f"{os.path.join(path, 'model.weights.h5')!r}.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_weights: {path!r} exists and overwrite=False. Pass "
                              f"overwrite=True to replace it, or choose another path.")
    variables = list(model.weights)
    values = model.get_weights()
    arrays: dict = {}
    entries = []
    for i, (v, arr) in enumerate(zip(variables, values)):
        arr = np.asarray(arr)
        entries.append({"name": v.name, "shape": list(arr.shape), "dtype": arr.dtype.name,
                        "trainable": bool(getattr(v, "trainable", True))})
        arrays[_key(i)] = _storable(arr)
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "model": getattr(model, "name", None), "class": type(model).__name__,
                "weights": entries}
    arrays[_MANIFEST_KEY] = np.frombuffer(json.dumps(manifest).encode("utf-8"), np.uint8)

    with replacing(path) as f:  # a file object: np.savez adds no '.npz' suffix
        np.savez(f, **arrays)


@contextlib.contextmanager
def replacing(path: str) -> Iterator[Any]:
    """A new binary file next to `path`, renamed over it once the block has written it
    (flushed and fsynced first); if the block fails, the file is removed and `path` keeps
    its old contents.

    Example:
        >>> import os, tempfile
        >>> from ember.keras.saving.weights_file import replacing
        >>> path = os.path.join(tempfile.mkdtemp(), "f.bin")
        >>> with replacing(path) as f:
        ...     _ = f.write(b"new")
        >>> open(path, "rb").read()
        b'new'
    """
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # NOTE: os.open with mode 0o666 lets the umask decide the permissions, as for any new
    # file (tempfile's files are 0o600, which os.replace would carry over).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _not_ember(path: str, why: str) -> ValueError:
    return ValueError(
        f"load_weights: {path!r} is not an ember weights file ({why}). ember reads the "
        f"files written by save_weights / Model.save_weights / ModelCheckpoint; HDF5 files "
        f"and TensorFlow checkpoints written by Keras cannot be read.")


def _parse_manifest(path: str, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _not_ember(path, f"its manifest is not valid JSON: {e}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _not_ember(path, "its manifest names another format")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"load_weights: {path!r} is ember weights format version {version!r},"
                         f" newer than this ember reads (version {FORMAT_VERSION}). Update "
                         f"ember to load it.")
    entries = manifest.get("weights")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and {"name", "shape", "dtype"} <= set(e) for e in entries):
        raise ValueError(f"load_weights: {path!r} is damaged: its manifest has no valid "
                         f"list of weights.")
    return manifest


def _open(path: str) -> tuple:
    """(manifest dict, list of arrays) read from `path`, or a clear error."""
    if not os.path.exists(path):
        if os.path.exists(path + ".index"):
            raise _not_ember(path, f"{path + '.index'!r} exists: it is a TensorFlow "
                                   f"checkpoint prefix")
        raise FileNotFoundError(f"load_weights: no file at {path!r}. Write one with "
                                f"save_weights / Model.save_weights first.")
    if os.path.isdir(path):
        raise _not_ember(path, "it is a folder (a SavedModel or TF checkpoint folder?)")
    with open(path, "rb") as f:
        head = f.read(8)
        if head.startswith(_HDF5_MAGIC):
            raise _not_ember(path, "it is an HDF5 file")
        if not head.startswith(_ZIP_MAGIC):
            raise _not_ember(path, "it is not a NumPy .npz archive")
        f.seek(0)
        try:
            with np.load(f, allow_pickle=False) as z:
                files = set(z.files)
                if _MANIFEST_KEY not in files:
                    raise _not_ember(path, f"it is an .npz archive without ember's manifest;"
                                           f" it holds {sorted(files)[:5]}")
                raw = bytes(z[_MANIFEST_KEY])
                manifest = _parse_manifest(path, raw)
                n = len(manifest["weights"])
                missing = [_key(i) for i in range(n) if _key(i) not in files]
                if missing:
                    raise ValueError(f"load_weights: {path!r} is damaged: the manifest lists "
                                     f"{n} weights but {missing[:3]} are missing.")
                arrays = [z[_key(i)] for i in range(n)]
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise _not_ember(path, f"reading it as an .npz archive failed: {e}") from e
    for i, entry in enumerate(manifest["weights"]):
        if arrays[i].dtype.name != entry["dtype"]:  # stored as raw bytes: see _storable
            arrays[i] = arrays[i].view(np.dtype(as_dtype(entry["dtype"]).as_numpy_dtype))
    return manifest, arrays


def read_manifest(filepath: Any) -> dict:
    """The JSON manifest of an ember weights file: format, version and, under "weights",
    each weight's name, shape, dtype and trainable flag.

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> from ember.keras.saving import read_manifest, save_weights
        >>> path = os.path.join(tempfile.mkdtemp(), "w.weights.h5")
        >>> save_weights(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), path)
        >>> m = read_manifest(path); m["format"], m["version"], len(m["weights"])
        ('ember.weights', 1, 2)
    """
    return _open(_path("read_manifest", filepath))[0]


def _describe(i: int, entry: dict, var: Any) -> str:
    return f"weight {i} ({entry['name']!r} in the file, {var.name!r} in the model)"


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Loads the weights that `save_weights` wrote into `model`, in `model.weights` order.

    Everything is checked before anything changes: the number of weights, then each
    weight's shape and dtype. A mismatch raises a ValueError naming the weights, and the
    model keeps all its values.

    Args:
        model: a built Layer or Model with the same weights as the saved one.
        filepath: a file written by `save_weights` (str or os.PathLike).
        skip_mismatch: when True, weights whose shape or dtype differs keep their current
            values (with a warning) and the others load. The count must still match.

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> from ember.keras.saving import load_weights, save_weights
        >>> path = os.path.join(tempfile.mkdtemp(), "w.weights.h5")
        >>> save_weights(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), path)
        >>> load_weights(keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]), path)
        Traceback (most recent call last):
        ...
        ValueError: load_weights: ... does not match the model: weight 0 (...) has shape (3, 2) in the file, (3, 4) in the model; ...
    """
    path = _path("load_weights", filepath)
    manifest, arrays = _open(path)
    entries = manifest["weights"]
    variables = list(model.weights)
    name = getattr(model, "name", type(model).__name__)
    if len(entries) != len(variables):
        hint = (" The model has no weights yet: build it first (call it on data or "
                "model.build(input_shape))." if not variables else "")
        raise ValueError(
            f"load_weights: {path!r} holds {len(entries)} weights "
            f"({', '.join(e['name'] for e in entries[:6])}{', ...' if len(entries) > 6 else ''})"
            f" but model {name!r} has {len(variables)} "
            f"({', '.join(v.name for v in variables[:6])}"
            f"{', ...' if len(variables) > 6 else ''}).{hint} The weights are matched in "
            f"order, so the model must be built like the one that was saved. No weight was "
            f"changed.")
    problems = []
    bad = set()
    for i, (entry, arr, var) in enumerate(zip(entries, arrays, variables)):
        want_shape = tuple(var.shape)
        want_dtype = as_dtype(var.dtype).name
        if tuple(arr.shape) != want_shape:
            problems.append(f"{_describe(i, entry, var)} has shape {tuple(arr.shape)} in the "
                            f"file, {want_shape} in the model")
            bad.add(i)
        elif arr.dtype.name != want_dtype:
            problems.append(f"{_describe(i, entry, var)} has dtype {arr.dtype.name} in the "
                            f"file, {want_dtype} in the model")
            bad.add(i)
    if problems and not skip_mismatch:
        raise ValueError(f"load_weights: {path!r} does not match the model: "
                         f"{'; '.join(problems)}. No weight was changed. Build the model "
                         f"as the saved one, or pass skip_mismatch=True to load the rest.")
    if problems:
        warnings.warn(f"load_weights(skip_mismatch=True): skipped {len(problems)} "
                      f"mismatching weights, which keep their values: {'; '.join(problems)}.",
                      stacklevel=2)
        current = model.get_weights()
        arrays = [current[i] if i in bad else a for i, a in enumerate(arrays)]
    model.set_weights(arrays)
