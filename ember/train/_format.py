"""ember's checkpoint files: `<prefix>.index` (JSON) + `<prefix>.data-00000-of-00001`.

NOTE: TensorFlow's checkpoints are TensorBundle files with protobuf headers; ember reads
them (`read_bundle` hands an index that is not JSON to `ember.train._tf_bundle`) but does
not write that format. It keeps TF's file names (so code that globs for
'ckpt-*.index' keeps working) with its own contents:

- `<prefix>.data-00000-of-00001`: the variables' raw bytes (C order, little-endian), one
  after another;
- `<prefix>.index`: UTF-8 JSON with the format name and version, the object graph
  (`nodes`: each node's children by name and its variable key), the optimizer slots,
  and per variable key its dtype, shape, byte offset and size in the data file.

Both are written atomically (a temporary file renamed over the old one), the data file
first, so a crash leaves the previous checkpoint whole. Reading never unpickles: arrays
are read from their byte ranges, their sizes checked against shapes and dtypes first.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember.train._format import read_bundle, write_bundle
    >>> prefix = os.path.join(tempfile.mkdtemp(), "ckpt-1")
    >>> write_bundle(prefix, {"nodes": []}, {"w/.ATTRIBUTES/VARIABLE_VALUE": np.ones(3)})
    >>> sorted(os.listdir(os.path.dirname(prefix)))
    ['ckpt-1.data-00000-of-00001', 'ckpt-1.index']
    >>> read_bundle(prefix).get_tensor("w/.ATTRIBUTES/VARIABLE_VALUE")
    array([1., 1., 1.])
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..keras.saving.weights_file import replacing
from . import _tf_bundle
from ._files import NotFoundError, damaged, read_range

__all__ = ["FORMAT_NAME", "NotFoundError", "BundleReader", "read_bundle", "write_bundle",
           "data_path", "index_path", "exists", "remove_bundle"]

FORMAT_NAME = "ember.checkpoint"
FORMAT_VERSION = 1
_INDEX_MAX = 256 << 20


def index_path(prefix: str) -> str:
    return prefix + ".index"


def data_path(prefix: str) -> str:
    return prefix + ".data-00000-of-00001"


def exists(prefix: str) -> bool:
    """Whether a checkpoint (its index file) exists at `prefix`."""
    return os.path.isfile(index_path(prefix))


def remove_bundle(prefix: str) -> None:
    """Deletes a checkpoint's files (missing ones are ignored)."""
    for p in (index_path(prefix), data_path(prefix)):
        try:
            os.remove(p)
        except FileNotFoundError:
            pass


def _dtype_name(arr: np.ndarray) -> str:
    return as_dtype(arr.dtype).name


def write_bundle(prefix: str, header: dict, arrays: dict[str, np.ndarray]) -> None:
    """Writes `arrays` (key -> array) and `header` (the object graph) under `prefix`."""
    variables: dict[str, dict] = {}
    with replacing(data_path(prefix)) as f:
        offset = 0
        for key, arr in arrays.items():
            arr = np.asarray(arr)  # tobytes() writes C order whatever the layout
            if arr.dtype.byteorder == ">":
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            raw = arr.tobytes()
            f.write(raw)
            variables[key] = {"dtype": _dtype_name(arr), "shape": list(arr.shape),
                              "offset": offset, "size": len(raw)}
            offset += len(raw)
    index = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **header,
             "variables": variables}
    with replacing(index_path(prefix)) as f:
        f.write(json.dumps(index).encode("utf-8"))


OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


class BundleReader:
    """A checkpoint's index, read and checked; arrays are read on demand.

    `get_variable_to_shape_map()`, `get_variable_to_dtype_map()`, `has_tensor(key)` and
    `get_tensor(key)` are TF's `CheckpointReader` methods.
    """

    def __init__(self, prefix: str, index: dict):
        self.prefix = prefix
        self.index = index
        self.variables: dict[str, dict] = index["variables"]

    def get_variable_to_shape_map(self) -> dict[str, list]:
        out = {k: list(v["shape"]) for k, v in self.variables.items()}
        out[OBJECT_GRAPH_KEY] = []  # TF lists its object graph as a scalar string
        return out

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        out = {k: as_dtype(v["dtype"]) for k, v in self.variables.items()}
        out[OBJECT_GRAPH_KEY] = as_dtype("string")
        return out

    def has_tensor(self, key: str) -> bool:
        return key in self.variables or key == OBJECT_GRAPH_KEY

    def get_tensor(self, key: str) -> np.ndarray:
        """The array stored under `key` (a NumPy array, as TF's reader returns); the object
        graph key gives the graph as JSON bytes (TF: a serialized protobuf)."""
        if key == OBJECT_GRAPH_KEY:
            graph = {k: v for k, v in self.index.items() if k != "variables"}
            return np.array(json.dumps(graph).encode("utf-8"), dtype=object)
        if key not in self.variables:
            raise NotFoundError(f"Key {key} not found in checkpoint {self.prefix!r}. Its keys "
                                f"are listed by tf.train.list_variables(...).")
        entry = self.variables[key]
        dtype = as_dtype(entry["dtype"])._numpy()
        shape = tuple(entry["shape"])
        raw = read_range(data_path(self.prefix), entry["offset"], entry["size"],
                         index_path(self.prefix), f"variable {key!r}")
        arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        return arr.astype(dtype, copy=True).reshape(shape)


def _valid_entry(e: Any) -> bool:
    if not isinstance(e, dict):
        return False
    shape, offset, size = e.get("shape"), e.get("offset"), e.get("size")
    if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)
            and type(offset) is int and offset >= 0 and type(size) is int):
        return False
    try:
        itemsize = np.dtype(as_dtype(e.get("dtype"))._numpy()).itemsize
    except (TypeError, ValueError, KeyError):
        return False
    return size == int(np.prod(shape, dtype=np.int64)) * itemsize


def read_bundle(prefix: Any) -> BundleReader:
    """Reads and checks the index of the checkpoint at `prefix`: ember's own, or one
    written by TensorFlow (a `_tf_bundle.TFBundleReader`, with the same methods)."""
    prefix = os.fspath(prefix)
    path = index_path(prefix)
    try:
        with open(path, "rb") as f:
            raw = f.read(_INDEX_MAX + 1)
    except FileNotFoundError:
        hint = ""
        if os.path.isfile(prefix):
            hint = (" A file exists at exactly that path: Keras' save_weights files are read "
                    "with model.load_weights(path).")
        elif os.path.isdir(prefix):
            hint = " It is a folder: pass tf.train.latest_checkpoint(folder) instead."
        raise NotFoundError(f"Failed to find any matching files for {prefix} (no "
                            f"{os.path.basename(path)!r}).{hint}") from None
    if len(raw) > _INDEX_MAX:
        raise damaged(path, "the index is too large")
    if raw[:1] != b"{":  # not ember's JSON: TensorFlow's own TensorBundle, or neither
        if _tf_bundle.is_tf_index(raw):
            return _tf_bundle.read_tf_bundle(prefix, raw)  # type: ignore[return-value]
        raise ValueError(f"tf.train checkpoint: {path!r} is not an ember checkpoint nor a "
                         f"TensorFlow one (it is not JSON and lacks TF's table magic number "
                         f"at its end); it may be truncated or another kind of file.")
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise damaged(path, f"its index is not valid JSON: {e}") from e
    if not isinstance(index, dict) or index.get("format") != FORMAT_NAME:
        raise ValueError(f"tf.train checkpoint: {path!r} is not an ember checkpoint (JSON "
                         f"without ember's format name).")
    if not isinstance(index.get("version"), int) or index["version"] > FORMAT_VERSION:
        raise ValueError(f"tf.train checkpoint: {path!r} has format version "
                         f"{index.get('version')!r}; this ember reads version "
                         f"{FORMAT_VERSION}. Upgrade ember to read it.")
    variables = index.get("variables")
    if not isinstance(variables, dict) or not all(
            isinstance(k, str) and _valid_entry(v) for k, v in variables.items()):
        raise damaged(path, "its variable table is malformed")
    nodes = index.get("nodes", [])
    if not isinstance(nodes, list) or not all(_valid_node(n, len(nodes), variables)
                                              for n in nodes):
        raise damaged(path, "its object graph is malformed")
    data = data_path(prefix)
    if variables:
        try:
            size = os.path.getsize(data)
        except OSError:
            raise NotFoundError(f"tf.train checkpoint: the data file {data!r} of {path!r} "
                                f"is missing.") from None
        end = max(v["offset"] + v["size"] for v in variables.values())
        if end > size:
            raise damaged(data, f"it has {size} bytes, the index needs {end}")
    return BundleReader(prefix, index)


def _valid_node(n: Any, count: int, variables: dict) -> bool:
    if not isinstance(n, dict):
        return False
    children = n.get("children", [])
    if not isinstance(children, list) or not all(
            isinstance(c, list) and len(c) == 2 and isinstance(c[0], str)
            and type(c[1]) is int and 0 <= c[1] < count for c in children):
        return False
    key = n.get("key")
    slots = n.get("slots", [])
    if not isinstance(slots, list) or not all(
            isinstance(s, list) and len(s) == 3 and type(s[0]) is int and 0 <= s[0] < count
            and isinstance(s[1], str) and s[2] in variables for s in slots):
        return False
    return key is None or key in variables
