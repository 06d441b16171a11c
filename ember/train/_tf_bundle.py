"""Reads TensorFlow's own checkpoints (the TensorBundle format), without TensorFlow.

A TF checkpoint `<prefix>` is `<prefix>.index`, a LevelDB-style table (SSTable) mapping
each tensor name to a `BundleEntryProto` (dtype, shape, shard, offset, size, crc32c), the
empty key to a `BundleHeaderProto` (shard count, endianness, version), and
`<prefix>.data-<shard>-of-<count>` holding the tensors' bytes. The object graph of
`tf.train.Checkpoint` is the scalar string `_CHECKPOINTABLE_OBJECT_GRAPH`, a serialized
`TrackableObjectGraph`; restoring by object graph converts it into ember's own `nodes`
(see `ember.train._format`), so `tf.train.Checkpoint.restore` matches it as its own;
Keras 3's names for a model's layers and private weights get ember's names as aliases
(`_keras_aliases`). Optimizer state saved by Keras 3 is not mapped.

Everything is parsed by hand from byte ranges whose bounds are checked first (nothing in
the files is run or unpickled): the table's blocks carry masked crc32c checksums and each
tensor its crc32c, all checked. Numeric and bool tensors are read; string tensors only
for the object graph; partitioned (sliced) variables raise NotImplementedError.

Example:
    >>> from ember.train._tf_bundle import is_tf_index
    >>> is_tf_index(b"{}")
    False
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..io.tfrecord import masked_crc32c  # TF's masked CRC-32C (C code when installed)
from ._files import NotFoundError, damaged, read_range

__all__ = ["is_tf_index", "read_tf_bundle", "TFBundleReader"]

MAGIC = 0xDB4775248B80FB57
_FOOTER = 48
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"

# TF's DataType enum -> ember dtype name (numeric and bool; 7 is DT_STRING).
_DTYPES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8",
           8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16",
           18: "complex128", 19: "float16", 22: "uint32", 23: "uint64"}
_DT_STRING = 7


class _Damaged(Exception):
    """Internal: a parse failure, turned into DamagedFileError naming the file."""


# -- wire formats -----------------------------------------------------------------------
def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """(value, new position) of the varint at `pos`; at most 10 bytes, within `end`."""
    value = shift = 0
    for i in range(10):
        if pos >= end:
            raise _Damaged("a number runs past the end of its record")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
    raise _Damaged("a number is longer than 10 bytes")


def _proto_fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of a protobuf message: ints, or bytes for
    length-delimited fields."""
    out = []
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(buf, pos, end)
        elif wire == 1 or wire == 5:
            n = 8 if wire == 1 else 4
            if pos + n > end:
                raise _Damaged("a fixed-size field runs past its record")
            value = int.from_bytes(buf[pos:pos + n], "little")
            pos += n
        elif wire == 2:
            n, pos = _varint(buf, pos, end)
            if pos + n > end:
                raise _Damaged("a field runs past its record")
            value = bytes(buf[pos:pos + n])
            pos += n
        else:
            raise _Damaged(f"unknown protobuf wire type {wire}")
        out.append((field, wire, value))
    return out


def _parse_entry(name: str, raw: bytes) -> dict:
    """A BundleEntryProto as a dict (dtype enum, shape, shard, offset, size, crc32c)."""
    entry = {"dtype": 0, "shape": [], "shard": 0, "offset": 0, "size": 0, "crc32c": None,
             "sliced": False}
    for field, wire, value in _proto_fields(raw):
        if field == 1 and wire == 0:
            entry["dtype"] = value
        elif field == 2 and wire == 2:
            for f2, w2, dim in _proto_fields(value):
                if f2 == 2 and w2 == 2:
                    size = 0
                    for f3, w3, v3 in _proto_fields(dim):
                        if f3 == 1 and w3 == 0:
                            size = v3 - (1 << 64) if v3 >= 1 << 63 else v3
                    if size < 0:
                        raise _Damaged(f"tensor {name!r} has an unknown dimension")
                    entry["shape"].append(size)
                elif f2 == 3 and w2 == 0 and value:
                    raise _Damaged(f"tensor {name!r} has an unknown rank")
        elif field in (3, 4, 5) and wire == 0:
            entry[{3: "shard", 4: "offset", 5: "size"}[field]] = value
        elif field == 6 and wire == 5:
            entry["crc32c"] = value
        elif field == 7:
            entry["sliced"] = True
    return entry


def _parse_header(raw: bytes) -> dict:
    header = {"num_shards": 0, "endianness": 0}
    for field, wire, value in _proto_fields(raw):
        if field == 1 and wire == 0:
            header["num_shards"] = value
        elif field == 2 and wire == 0:
            header["endianness"] = value
    return header


# -- the table (SSTable) ----------------------------------------------------------------
def is_tf_index(raw: bytes) -> bool:
    """Whether `raw` (a whole `.index` file) ends with the TF table magic number.

    Example:
        >>> is_tf_index(bytes(40) + (0xdb4775248b80fb57).to_bytes(8, "little"))
        True
    """
    return len(raw) >= _FOOTER and int.from_bytes(raw[-8:], "little") == MAGIC


def _block(raw: bytes, handle: bytes) -> bytes:
    """The contents of the block a BlockHandle (varint offset, varint size) points to,
    its trailer's compression type and checksum checked."""
    offset, pos = _varint(handle, 0, len(handle))
    size, _ = _varint(handle, pos, len(handle))
    if offset + size + 5 > len(raw) - _FOOTER:
        raise _Damaged(f"a block at byte {offset} of {size} bytes runs past the table")
    data = raw[offset:offset + size]
    kind = raw[offset + size]
    stored = int.from_bytes(raw[offset + size + 1:offset + size + 5], "little")
    if masked_crc32c(data + bytes([kind])) != stored:
        raise _Damaged(f"the block at byte {offset} fails its checksum")
    if kind != 0:
        raise _Damaged(f"the block at byte {offset} is compressed (type {kind}); TF's "
                       f"checkpoints are not, and ember reads only uncompressed tables")
    return data


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    """The (key, value) entries of a block, prefix compression undone."""
    if len(block) < 4:
        raise _Damaged("a block is too short for its restart count")
    restarts = int.from_bytes(block[-4:], "little")
    end = len(block) - 4 - 4 * restarts
    if restarts < 1 or end < 0:
        raise _Damaged("a block's restart array is malformed")
    out = []
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos, end)
        unshared, pos = _varint(block, pos, end)
        size, pos = _varint(block, pos, end)
        if shared > len(key) or pos + unshared + size > end:
            raise _Damaged("a table entry runs past its block")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        out.append((bytes(key), bytes(block[pos:pos + size])))
        pos += size
    return out


def _table_entries(raw: bytes) -> list[tuple[bytes, bytes]]:
    footer = raw[-_FOOTER:]
    _, pos = _varint(footer, 0, 40)  # the metaindex handle: unused by bundles
    _, pos = _varint(footer, pos, 40)
    index = _block(raw, footer[pos:40])
    out = []
    for _, handle in _block_entries(index):
        out += _block_entries(_block(raw, handle))
    return out


# -- the reader -------------------------------------------------------------------------
def _data_path(prefix: str, shard: int, count: int) -> str:
    return f"{prefix}.data-{shard:05d}-of-{count:05d}"


class TFBundleReader:
    """A TensorFlow checkpoint's index, read and checked; tensors are read on demand.

    It has the methods of TF's `CheckpointReader` (`get_tensor`, `has_tensor`,
    `get_variable_to_shape_map`, `get_variable_to_dtype_map`) and, for
    `tf.train.Checkpoint.restore`, `variables` and `index` (the object graph as ember's
    `nodes`; it needs the `tensorboard` package for TF's proto definitions).
    """

    def __init__(self, prefix: str, entries: dict[str, dict], num_shards: int):
        self.prefix = prefix
        self.entries = entries
        self.num_shards = num_shards
        self.variables = {k: e for k, e in entries.items() if e["dtype"] != _DT_STRING}
        self._index: dict | None = None

    def get_variable_to_shape_map(self) -> dict[str, list]:
        return {k: list(e["shape"]) for k, e in self.entries.items()}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        return {k: as_dtype("string" if e["dtype"] == _DT_STRING else _DTYPES[e["dtype"]])
                for k, e in self.entries.items()}

    def has_tensor(self, key: str) -> bool:
        return key in self.entries

    def _bytes(self, key: str, entry: dict) -> bytes:
        path = _data_path(self.prefix, entry["shard"], self.num_shards)
        raw = read_range(path, entry["offset"], entry["size"], self.prefix + ".index",
                         f"tensor {key!r}")
        if entry["dtype"] != _DT_STRING and entry["crc32c"] is not None and \
                masked_crc32c(raw) != entry["crc32c"]:
            raise damaged(path, f"tensor {key!r} fails its checksum")
        return raw

    def get_tensor(self, key: str) -> np.ndarray:
        """The array stored under `key` (a NumPy array, as TF's reader returns); the
        object graph (a string) comes back as a 0-d object array of bytes, as in TF."""
        entry = self.entries.get(key)
        if entry is None:
            raise NotFoundError(f"Key {key} not found in checkpoint {self.prefix!r}. Its keys "
                                f"are listed by tf.train.list_variables(...).")
        raw = self._bytes(key, entry)
        if entry["dtype"] == _DT_STRING:
            return _strings(key, raw, entry, self.prefix)
        dtype = np.dtype(as_dtype(_DTYPES[entry["dtype"]])._numpy()).newbyteorder("<")
        arr = np.frombuffer(raw, dtype=dtype)
        return arr.astype(dtype.newbyteorder("="), copy=True).reshape(entry["shape"])

    @property
    def index(self) -> dict:
        """The object graph as ember's index header (`{"nodes": [...]}`)."""
        if self._index is None:
            self._index = {"nodes": _object_graph_nodes(self)}
        return self._index


def _strings(key: str, raw: bytes, entry: dict, prefix: str) -> np.ndarray:
    """A DT_STRING tensor: varint64 lengths, the masked crc32c of the lengths (each as a
    little-endian uint32, uint64 past 4 GiB), then the bytes. The entry's crc32c covers
    those lengths, the stored checksum and the bytes."""
    shape = entry["shape"]
    count = int(np.prod(shape, dtype=np.int64))
    try:
        lengths, pos = [], 0
        for _ in range(count):
            n, pos = _varint(raw, pos, len(raw))
            lengths.append(n)
        if pos + 4 + sum(lengths) != len(raw):
            raise _Damaged(f"its strings need {pos + 4 + sum(lengths)} bytes, it has "
                           f"{len(raw)}")
        sizes = b"".join(n.to_bytes(4 if n < 1 << 32 else 8, "little") for n in lengths)
        if masked_crc32c(sizes) != int.from_bytes(raw[pos:pos + 4], "little") or (
                entry["crc32c"] is not None and
                masked_crc32c(sizes + raw[pos:]) != entry["crc32c"]):
            raise _Damaged("it fails its checksum")
        pos += 4
    except _Damaged as e:
        raise damaged(prefix, f"string tensor {key!r}: {e}") from None
    out = []
    for n in lengths:
        out.append(bytes(raw[pos:pos + n]))
        pos += n
    arr = np.empty(count, dtype=object)
    arr[:] = out
    return arr.reshape(shape)


def _object_graph_nodes(reader: TFBundleReader) -> list[dict]:
    """TF's TrackableObjectGraph as ember's `nodes`: children by name, the variable key,
    and an optimizer's slots as [variable node, slot name, key]."""
    if OBJECT_GRAPH_KEY not in reader.entries:
        raise ValueError(f"tf.train.Checkpoint.restore: {reader.prefix!r} has no object "
                         f"graph (a name-based TF 1 checkpoint?). Read its values with "
                         f"tf.train.load_checkpoint(path).get_tensor(key) and assign them.")
    try:
        from tensorboard.compat.proto import trackable_object_graph_pb2
    except ImportError:
        raise ImportError("tf.train.Checkpoint.restore of a TensorFlow checkpoint needs "
                          "TF's proto definitions from the tensorboard package: pip install "
                          "tensorboard (tf.train.load_checkpoint(path).get_tensor(key) "
                          "works without it).") from None
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    try:
        graph.ParseFromString(reader.get_tensor(OBJECT_GRAPH_KEY).reshape(-1)[0])
    except Exception as e:  # protobuf's DecodeError and friends
        raise damaged(reader.prefix, f"its object graph does not parse: {e}") from None
    count = len(graph.nodes)
    nodes = []
    for i, node in enumerate(graph.nodes):
        out: dict = {"children": []}
        for child in node.children:
            if not 0 <= child.node_id < count:
                raise damaged(reader.prefix, f"object {i} has a child out of range")
            out["children"].append([child.local_name, child.node_id])
        for attr in node.attributes:
            if attr.name == "VARIABLE_VALUE" and attr.checkpoint_key in reader.variables:
                out["key"] = attr.checkpoint_key
        nodes.append(out)
    for i, node in enumerate(graph.nodes):
        for s in node.slot_variables:
            ok = 0 <= s.original_variable_node_id < count and \
                0 <= s.slot_variable_node_id < count
            key = nodes[s.slot_variable_node_id].get("key") if ok else None
            if key is not None:
                nodes[i].setdefault("slots", []).append(
                    [s.original_variable_node_id, s.slot_name, key])
    _keras_aliases(nodes)
    return nodes


def _keras_aliases(nodes: list[dict]) -> None:
    """Adds ember's names for the objects Keras 3 (on TF) saves under other names.

    NOTE: Keras 3 tracks a functional model's layers as `_operations/<i>` (inputs
    included, as in ember's `model.layers`), a Sequential's as `_functional/_operations/<i>`
    (0 is its InputLayer, which ember's `Sequential.layers` leaves out), and some weights
    as private attributes (Dense's `_kernel`). ember names them `layer-<i>` and `kernel`.
    The aliases are extra edges to the same saved objects, so a value is still restored
    once; names already present are never replaced.
    """
    def child(node: dict, name: str) -> int | None:
        return next((j for n, j in node["children"] if n == name), None)

    for node in nodes:
        names = {n for n, _ in node["children"]}
        extra = []
        ops = child(node, "_operations")
        first = 0
        if ops is None:
            functional = child(node, "_functional")
            ops = child(nodes[functional], "_operations") if functional is not None else None
            first = 1
        if ops is not None:
            for name, j in nodes[ops]["children"]:
                if name.isdigit() and int(name) >= first:
                    extra.append((f"layer-{int(name) - first}", j))
        for name, j in node["children"]:
            if name.startswith("_") and not name.startswith("__") and name[1:]:
                extra.append((name[1:], j))
        for name, j in extra:
            if name not in names:
                names.add(name)
                node["children"].append([name, j])


def read_tf_bundle(prefix: str, raw: bytes) -> TFBundleReader:
    """Reads the TF table `raw` (the whole `<prefix>.index`) and checks its entries and
    data files; `is_tf_index(raw)` must hold."""
    path = prefix + ".index"
    try:
        pairs = _table_entries(raw)
        header: dict | None = None
        entries: dict[str, dict] = {}
        for key, value in pairs:
            if key == b"":
                header = _parse_header(value)
                continue
            name = key.decode("utf-8")
            entries[name] = _parse_entry(name, value)
    except (_Damaged, UnicodeDecodeError) as e:
        raise damaged(path, str(e)) from None
    if header is None:
        raise damaged(path, "it has no bundle header")
    if header["endianness"] != 0:
        raise NotImplementedError(f"tf.train checkpoint: {path!r} was written big-endian; "
                                  f"ember reads little-endian TF checkpoints only.")
    shards = header["num_shards"]
    for name, e in entries.items():
        if e["sliced"]:
            raise NotImplementedError(
                f"tf.train checkpoint: {name!r} in {path!r} is a partitioned (sliced) "
                f"variable; ember does not read those. Save it unpartitioned.")
        if e["dtype"] != _DT_STRING and e["dtype"] not in _DTYPES:
            raise NotImplementedError(
                f"tf.train checkpoint: {name!r} in {path!r} has TF dtype enum {e['dtype']}, "
                f"which ember does not read (numeric, bool and the object graph only).")
        if e["dtype"] == _DT_STRING and name != OBJECT_GRAPH_KEY:
            raise NotImplementedError(
                f"tf.train checkpoint: {name!r} in {path!r} is a string tensor; ember reads "
                f"numeric and bool tensors (and the object graph) only.")
        if not 0 <= e["shard"] < shards:
            raise damaged(path, f"tensor {name!r} is in shard {e['shard']} of {shards}")
        if e["dtype"] != _DT_STRING:
            itemsize = np.dtype(as_dtype(_DTYPES[e["dtype"]])._numpy()).itemsize
            if e["size"] != int(np.prod(e["shape"], dtype=np.int64)) * itemsize:
                raise damaged(path, f"tensor {name!r} has {e['size']} bytes for shape "
                                     f"{e['shape']}")
    from ._format import NotFoundError
    for shard in range(shards):
        data = _data_path(prefix, shard, shards)
        need = max((e["offset"] + e["size"] for e in entries.values()
                    if e["shard"] == shard), default=0)
        try:
            size = os.path.getsize(data)
        except OSError:
            raise NotFoundError(f"tf.train checkpoint: the data file {data!r} of {path!r} "
                                f"is missing.") from None
        if need > size:
            raise damaged(data, f"it has {size} bytes, the index needs {need}")
    return TFBundleReader(prefix, entries, shards)

