"""ember's weights file: every weight of `model.weights`, in order, in one NumPy .npz.

(A path ending in `.weights.h5` gets Keras 3's HDF5 layout instead, see
keras3_format.py, and `.h5` / `.hdf5` tf.keras 2's, see legacy_h5.py; this format is for
any other name, and for `.weights.h5` when h5py is missing.)

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
import io
import json
import os
import zipfile
import warnings
from typing import Any, Iterator

import numpy as np

from ...dtypes import as_dtype
from .files import READ_ERRORS, DamagedFileError, as_path, damaged, read_member, replacing
from .keras3_format import is_keras3_weights, load_keras3_weights, save_keras3_weights
from .legacy_h5 import is_hdf5, is_legacy_h5_path, load_weights_h5, save_weights_h5

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_weights", "read_manifest", "save_weights",
           "DamagedFileError"]

FORMAT_NAME = "ember.weights"
FORMAT_VERSION = 1
_MANIFEST_KEY = "__ember_manifest__"
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_NPY_HEADER_MAX = 10000  # bytes of an .npy member before its data (NumPy's own bound)
_MANIFEST_MAX = 64 << 20  # a manifest bigger than this is damaged, not read


def _key(i: int) -> str:
    return f"weight_{i:05d}"


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
    path = as_path("save_weights", filepath)
    if not path:
        raise ValueError("save_weights: filepath is empty; pass the file to write, e.g. "
                         "'model.weights.h5'.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save_weights: {path!r} is a folder; pass a file path, e.g. "
                                f"{os.path.join(path, 'model.weights.h5')!r}.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_weights: {path!r} exists and overwrite=False. Pass "
                              f"overwrite=True to replace it, or choose another path.")
    if is_legacy_h5_path(path):  # 'w.h5': tf.keras 2's HDF5 layout
        save_weights_h5(model, path)
        return
    if path.lower().endswith(".weights.h5"):  # Keras 3's layout (ember's npz without h5py)
        try:
            import h5py  # noqa: F401
        except ImportError:
            warnings.warn("save_weights: h5py is not installed, so the .weights.h5 file is "
                          "written in ember's npz-based format, which Keras 3 can't read. "
                          "pip install h5py to write Keras 3's layout.", stacklevel=3)
        else:
            save_keras3_weights(model, path)
            return
    with replacing(path) as f:  # a file object: np.savez adds no '.npz' suffix
        write_weights(model, f)


def write_weights(model: Any, f: Any) -> None:
    """Writes `model.weights` in ember's weights format to the binary file object `f`."""
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
    np.savez(f, **arrays)


def _not_ember(path: str, why: str) -> ValueError:
    return ValueError(
        f"load_weights: {path!r} is not an ember weights file ({why}). ember reads the "
        f"files written by save_weights / Model.save_weights / ModelCheckpoint; HDF5 files "
        f"and TensorFlow checkpoints written by Keras cannot be read.")


def _parse_manifest(who: str, path: str, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise damaged(who, path, f"its manifest is not valid JSON: {e}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _not_ember(path, "its manifest names another format")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"{who}: {path!r} is ember weights format version {version!r}, "
                         f"newer than this ember reads (version {FORMAT_VERSION}). Update "
                         f"ember to load it.")
    entries = manifest.get("weights")
    if not isinstance(entries, list) or not all(_valid_entry(e) for e in entries):
        raise damaged(who, path, "its manifest has no valid list of weights")
    return manifest


def _valid_entry(e: Any) -> bool:
    if not (isinstance(e, dict) and {"name", "shape", "dtype"} <= set(e)):
        return False
    shape = e["shape"]
    if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**62 for d in shape):
        return False
    try:
        as_dtype(e["dtype"])
    except (TypeError, ValueError, KeyError):
        return False
    return isinstance(e["name"], str)


def _stored_dtype(name: str) -> np.dtype:
    """The dtype an entry's array has inside the .npz (see `_storable`)."""
    dt = np.dtype(as_dtype(name).as_numpy_dtype)
    return np.dtype(f"u{dt.itemsize}") if dt.type.__module__ != "numpy" else dt


def _read_npy(raw: bytes, who: str, path: str, member: str, shape: tuple | None,
              dtype: np.dtype | None) -> np.ndarray:
    """The array of an .npy member, checked against `shape` and `dtype` (when given) from
    its header before any data is read; never unpickles."""
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    got_shape, fortran, got_dtype = read_header(f, max_header_size=_NPY_HEADER_MAX)
    if got_dtype.hasobject:
        raise damaged(who, path, f"{member!r} holds Python objects, which ember never "
                                  f"loads")
    if (shape is not None and tuple(got_shape) != tuple(shape)) or (
            dtype is not None and got_dtype != dtype):
        raise damaged(who, path, f"{member!r} holds {got_dtype}{list(got_shape)} but the "
                                  f"manifest says {dtype}{list(shape or ())}")
    count = int(np.prod(got_shape, dtype=np.int64))
    offset = f.tell()
    if len(raw) - offset != count * got_dtype.itemsize:
        raise damaged(who, path, f"{member!r} has {len(raw) - offset} bytes of data, its "
                                  f"header asks for {count * got_dtype.itemsize}")
    arr = np.frombuffer(raw, got_dtype, count, offset)
    return arr.reshape(got_shape, order="F" if fortran else "C").copy()


class _Archive:
    """An open ember weights file: the manifest now, each array on request."""

    def __init__(self, who: str, path: str, source: Any):
        self.who, self.path = who, path
        try:
            head = source[:8] if isinstance(source, bytes) else _head(source)
            if head.startswith(_HDF5_MAGIC):
                raise _not_ember(path, "it is an HDF5 file")
            if not head.startswith(_ZIP_MAGIC):
                raise _not_ember(path, "it is not a NumPy .npz archive")
            self.zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes)
                                       else source)
        except READ_ERRORS as e:
            if isinstance(e, DamagedFileError) or "is not an ember" in str(e):
                raise
            raise damaged(who, path, f"it is not a readable zip archive: {e}") from e
        try:
            names = set(self.zip.namelist())
            if _MANIFEST_KEY + ".npy" not in names:
                raise _not_ember(path, f"it is an .npz archive without ember's manifest; it "
                                       f"holds {sorted(names)[:5]}")
            raw = read_member(self.zip, _MANIFEST_KEY + ".npy", _MANIFEST_MAX, who, path)
            manifest_bytes = _read_npy(raw, who, path, _MANIFEST_KEY, None, np.dtype(np.uint8))
            self.manifest = _parse_manifest(who, path, manifest_bytes.tobytes())
            n = len(self.manifest["weights"])
            missing = [_key(i) for i in range(n) if _key(i) + ".npy" not in names]
            if missing:
                raise damaged(who, path, f"the manifest lists {n} weights but {missing[:3]} "
                                          f"are missing")
        except READ_ERRORS as e:
            self.zip.close()
            if isinstance(e, DamagedFileError) or "is not an ember" in str(e) or \
                    "newer than this ember" in str(e):
                raise
            raise damaged(who, path, f"reading its manifest failed: {e}") from e
        except BaseException:
            self.zip.close()
            raise

    def array(self, i: int) -> np.ndarray:
        entry = self.manifest["weights"][i]
        shape, dtype = tuple(entry["shape"]), _stored_dtype(entry["dtype"])
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        member = _key(i) + ".npy"
        try:
            raw = read_member(self.zip, member, size + _NPY_HEADER_MAX + 16, self.who,
                               self.path)
            arr = _read_npy(raw, self.who, self.path, member, shape, dtype)
        except DamagedFileError:
            raise
        except READ_ERRORS as e:
            raise damaged(self.who, self.path, f"reading {member!r} failed: {e}") from e
        if arr.dtype.name != entry["dtype"]:  # stored as raw bytes: see _storable
            arr = arr.view(np.dtype(as_dtype(entry["dtype"]).as_numpy_dtype))
        return arr

    def close(self) -> None:
        self.zip.close()


def _head(f: Any) -> bytes:
    pos = f.tell()
    head = f.read(8)
    f.seek(pos)
    return head


@contextlib.contextmanager
def open_weights(who: str, path: str, source: Any = None) -> Iterator[_Archive]:
    """The weights file at `path` (or in `source`: bytes or a binary file object), opened
    and its manifest checked, or a clear error."""
    if source is None:
        if not os.path.exists(path):
            if os.path.exists(path + ".index"):
                raise _not_ember(path, f"{path + '.index'!r} exists: it is a TensorFlow "
                                       f"checkpoint prefix")
            raise FileNotFoundError(f"{who}: no file at {path!r}. Write one with "
                                    f"save_weights / Model.save_weights first.")
        if os.path.isdir(path):
            raise _not_ember(path, "it is a folder (a SavedModel or TF checkpoint folder?)")
        with open(path, "rb") as f:
            archive = _Archive(who, path, f)
            try:
                yield archive
            finally:
                archive.close()
        return
    archive = _Archive(who, path, source)
    try:
        yield archive
    finally:
        archive.close()


def read_manifest(filepath: Any) -> dict:
    """The JSON manifest of an ember weights file: format, version and, under "weights",
    each weight's name, shape, dtype and trainable flag.

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> from ember.keras.saving import read_manifest, save_weights
        >>> path = os.path.join(tempfile.mkdtemp(), "w.ckpt")
        >>> save_weights(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), path)
        >>> m = read_manifest(path); m["format"], m["version"], len(m["weights"])
        ('ember.weights', 1, 2)
    """
    path = as_path("read_manifest", filepath)
    with open_weights("read_manifest", path) as archive:
        return archive.manifest


def _describe(i: int, entry: dict, var: Any) -> str:
    return f"weight {i} ({entry['name']!r} in the file, {var.name!r} in the model)"


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False,
                 by_name: bool = False) -> None:
    """Loads the weights that `save_weights` wrote into `model`, in `model.weights` order.

    Everything is checked before anything changes: the number of weights, then each
    weight's shape and dtype. A mismatch raises a ValueError naming the weights, and the
    model keeps all its values.

    Args:
        model: a built Layer or Model with the same weights as the saved one.
        filepath: a file written by `save_weights` (str or os.PathLike).
        skip_mismatch: when True, weights whose shape or dtype differs keep their current
            values (with a warning) and the others load. The count must still match
            (in ember's format; Keras 3's layout skips missing layers too).
        by_name: for a legacy tf.keras 2 HDF5 file only: match layers by name (layers
            not in the file keep their values).

    Example:
        >>> import os, tempfile
        >>> from ember import keras
        >>> from ember.keras.saving import load_weights, save_weights
        >>> path = os.path.join(tempfile.mkdtemp(), "w.ckpt")
        >>> save_weights(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), path)
        >>> load_weights(keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]), path)
        Traceback (most recent call last):
        ...
        ValueError: load_weights: ... does not match the model: weight 0 (...) has shape (3, 2) in the file, (3, 4) in the model; ...
    """
    path = as_path("load_weights", filepath)
    if is_hdf5(path):
        from .legacy_h5 import _open
        with _open("load_weights", path) as h:
            try:
                keras3 = is_keras3_weights(h)
            except (KeyError, OSError, RuntimeError, ValueError, TypeError) as e:
                raise damaged("load_weights", path, f"h5py can't read it: {e}") from e
        if keras3:
            if by_name:
                raise ValueError(f"load_weights: by_name=True is for legacy tf.keras 2 .h5 "
                                 f"files; {path!r} is in Keras 3's layout, which matches "
                                 f"by position in the model. Call it without by_name.")
            load_keras3_weights(model, path, skip_mismatch)
        else:
            load_weights_h5(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
        return
    if by_name:
        raise ValueError(f"load_weights: by_name=True needs a legacy tf.keras 2 .h5 file; "
                         f"{path!r} is in ember's own format, matched by order. Call it "
                         f"without by_name.")
    with open_weights("load_weights", path) as archive:
        read_into(model, archive, skip_mismatch)


def read_into(model: Any, archive: _Archive, skip_mismatch: bool = False) -> None:
    """Checks the archive's manifest against `model.weights`, reads the arrays that fit
    and sets them all at once; on any error no weight changes."""
    who, path, entries = archive.who, archive.path, archive.manifest["weights"]
    variables = list(model.weights)
    name = getattr(model, "name", type(model).__name__)
    if len(entries) != len(variables):
        hint = (" The model has no weights yet: build it first (call it on data or "
                "model.build(input_shape))." if not variables else "")
        raise ValueError(
            f"{who}: {path!r} holds {len(entries)} weights "
            f"({', '.join(e['name'] for e in entries[:6])}{', ...' if len(entries) > 6 else ''})"
            f" but model {name!r} has {len(variables)} "
            f"({', '.join(v.name for v in variables[:6])}"
            f"{', ...' if len(variables) > 6 else ''}).{hint} The weights are matched in "
            f"order, so the model must be built like the one that was saved. No weight was "
            f"changed.")
    problems = []
    bad = set()
    for i, (entry, var) in enumerate(zip(entries, variables)):
        want_shape = tuple(var.shape)
        want_dtype = as_dtype(var.dtype).name
        if tuple(entry["shape"]) != want_shape:
            problems.append(f"{_describe(i, entry, var)} has shape {tuple(entry['shape'])} in "
                            f"the file, {want_shape} in the model")
            bad.add(i)
        elif as_dtype(entry["dtype"]).name != want_dtype:
            problems.append(f"{_describe(i, entry, var)} has dtype {entry['dtype']} in the "
                            f"file, {want_dtype} in the model")
            bad.add(i)
    if problems and not skip_mismatch:
        raise ValueError(f"{who}: {path!r} does not match the model: "
                         f"{'; '.join(problems)}. No weight was changed. Build the model "
                         f"as the saved one, or pass skip_mismatch=True to load the rest.")
    # every array is read (and checked) before any weight changes
    arrays = [None if i in bad else archive.array(i) for i in range(len(entries))]
    if problems:
        warnings.warn(f"load_weights(skip_mismatch=True): skipped {len(problems)} "
                      f"mismatching weights, which keep their values: {'; '.join(problems)}.",
                      stacklevel=3)
        current = model.get_weights()
        arrays = [current[i] if i in bad else a for i, a in enumerate(arrays)]
    model.set_weights(arrays)
