"""batch, padded_batch and unbatch.

`batch` stacks `batch_size` consecutive elements along a new first axis (the batch dim
of `element_spec` is None unless `drop_remainder=True`, since the last batch may be
smaller). Over a random-access pipeline it gathers each batch with one NumPy indexing
per component.

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.range(7).batch(3, drop_remainder=True)
    >>> ds.element_spec, [b.numpy().tolist() for b in ds]
    (TensorSpec(shape=(3,), dtype=tf.int64, name=None), [[0, 1, 2], [3, 4, 5]])
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Iterator

import numpy as np

from ..core import nest
from ..core.convert import to_array
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps
from .dataset import Dataset
from ..core.dtypes import as_dtype
from ..core.tensor import wrap
from ..ragged.ragged_spec import RaggedTensorSpec
from ..ragged.ragged_tensor import RAGGED_RANK_FIX, RaggedTensor
from .structure import (
    array_of,
    arrays_of,
    as_positive_int,
    component_paths,
    has_ragged,
    leaves,
    make_packer,
    map_spec,
    pack_leaves,
)

leaves_of = leaves  # NOTE: PaddedBatchDataset.__init__ has a local named `leaves`


def _batch_card(n: int, batch_size: int, drop_remainder: bool) -> int:
    if n < 0:
        return n
    return n // batch_size if drop_remainder else -(-n // batch_size)


def _as_index(chunk: list) -> Any:
    """A slice (a view, no copy) for consecutive ascending indices, else an index array."""
    first = chunk[0]
    if chunk[-1] - first == len(chunk) - 1 and chunk == list(range(first, first + len(chunk))):
        return slice(first, first + len(chunk))
    return np.asarray(chunk, dtype=np.int64)


def _leaves(spec: Any) -> list:
    return [spec] if isinstance(spec, TensorSpec) else nest.flatten(spec)


class BatchDataset(Dataset):
    """`Dataset.batch`."""

    _tf_name = "_BatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, drop_remainder: Any):
        self._bs = as_positive_int(batch_size, "batch", "batch_size")
        self._drop = bool(drop_remainder)
        super().__init__(None, _batch_card(input_dataset._card, self._bs, self._drop),
                         (input_dataset,))
        self._input = input_dataset

    def _row_specs(self) -> list:
        """The spec of each component of an element, as batched: dense ones stacked,
        RaggedTensorSpec(ragged_rank=0) ones (rows of varying length) made ragged."""
        return leaves(self._input.element_spec)

    def _compute_spec(self) -> Any:
        spec = self._input.element_spec
        dim = TensorShape([self._bs if self._drop else None])
        if not has_ragged(spec) and type(self) is BatchDataset:
            return map_spec(lambda s: TensorSpec(dim.concatenate(s.shape), s.dtype), spec)
        names = component_paths(spec)
        out = []
        for s, name in zip(self._row_specs(), names):
            if isinstance(s, RaggedTensorSpec):
                if s.ragged_rank > 0:
                    raise NotImplementedError(
                        f"batch: {name} is a RaggedTensor, and batching it would give a "
                        f"ragged tensor of ragged_rank {s.ragged_rank + 1}. {RAGGED_RANK_FIX}")
                out.append(RaggedTensorSpec(dim.concatenate(s.shape), s.dtype, 1,
                                            s.row_splits_dtype))
            else:
                out.append(TensorSpec(dim.concatenate(s.shape), s.dtype))
        return pack_leaves(spec, out)

    def _chunks(self, it: Iterator) -> Iterator[list]:
        bs, drop = self._bs, self._drop
        while True:
            chunk = list(islice(it, bs))
            if not chunk or (drop and len(chunk) < bs):
                return
            yield chunk

    def _generate(self) -> Iterator:
        if has_ragged(self.element_spec):
            yield from self._ragged_batches()
            return
        pack = make_packer(self.element_spec)
        stream = self._input._index_stream()
        if stream is not None:
            source, indices = stream
            for chunk in self._chunks(indices):
                yield pack(source._gather(_as_index(chunk)))
            return
        names = component_paths(self._input.element_spec)
        for chunk in self._chunks(self._input._elements()):
            columns = zip(*[arrays_of(e) for e in chunk])
            yield pack([_stack(list(c), name) for c, name in zip(columns, names)])

    def _ragged_batches(self) -> Iterator:
        spec = self.element_spec
        out_specs, names = leaves(spec), component_paths(spec)
        for chunk in self._chunks(self._input._elements()):
            columns = zip(*[[array_of(t) for t in leaves(e)] for e in chunk])
            items = []
            for col, s, name in zip(columns, out_specs, names):
                col = list(col)
                if isinstance(s, RaggedTensorSpec):
                    items.append(_ragged_rows(col, name, s.row_splits_dtype))
                else:
                    items.append(wrap(_stack(col, name)))
            yield pack_leaves(spec, items)


def _ragged_rows(rows: list, name: str, splits_dtype: Any) -> RaggedTensor:
    """A RaggedTensor whose rows are `rows` (arrays of one rank, varying first dims)."""
    inner = rows[0].shape[1:]
    for j, r in enumerate(rows):
        if r.ndim == 0 or r.shape[1:] != inner:
            raise InvalidArgumentError(
                f"batch: the rows of the ragged component {name} must share their inner "
                f"dims: the first has shape {list(rows[0].shape)} and row {j} has shape "
                f"{list(r.shape)}. {RAGGED_RANK_FIX}")
    splits = np.zeros(len(rows) + 1, dtype=splits_dtype._numpy())
    np.cumsum([r.shape[0] for r in rows], out=splits[1:])
    return RaggedTensor(wrap(np.concatenate(rows)), wrap(splits), internal=True)


class RaggedBatchDataset(BatchDataset):
    """`Dataset.ragged_batch`: like batch, but components whose shape is not fully known
    (dim 0 of varying size) become RaggedTensors; fully known ones are stacked."""

    _tf_name = "_DenseToRaggedDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, drop_remainder: Any,
                 row_splits_dtype: Any):
        self._splits_dtype = as_dtype(row_splits_dtype)
        super().__init__(input_dataset, batch_size, drop_remainder)
        self.element_spec  # noqa: B018 - unsupported components fail here, not when iterated

    def _row_specs(self) -> list:
        out = []
        names = component_paths(self._input.element_spec)
        for s, name in zip(leaves(self._input.element_spec), names):
            if isinstance(s, TensorSpec) and (s.shape.rank is None or
                                              not s.shape.is_fully_defined()):
                dims = list(s.shape) if s.shape.rank is not None else None
                if dims is None or None in dims[1:]:
                    raise NotImplementedError(
                        f"ragged_batch: {name} has shape {s.shape}; a dimension other than "
                        f"the first of unknown size would give a ragged tensor of "
                        f"ragged_rank > 1. {RAGGED_RANK_FIX}")
                s = RaggedTensorSpec(s.shape, s.dtype, 0, self._splits_dtype)
            out.append(s)
        return out


def _stack(arrays: list, name: str) -> np.ndarray:
    shape = arrays[0].shape
    for j, a in enumerate(arrays):
        if a.shape != shape:
            raise InvalidArgumentError(
                f"batch: cannot batch tensors with different shapes ({name}): the first "
                f"element of the batch has shape {list(shape)} and element {j} has shape "
                f"{list(a.shape)}. Use padded_batch to pad them to a common shape, or map "
                f"them to one shape first.")
    return np.stack(arrays)


class PaddedBatchDataset(BatchDataset):
    """`Dataset.padded_batch`: batch, padding each component to `padded_shapes` (a dim
    of None or -1: the largest in the batch) with `padding_values` (default 0)."""

    _tf_name = "_PaddedBatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, padded_shapes: Any,
                 padding_values: Any, drop_remainder: Any):
        super().__init__(input_dataset, batch_size, drop_remainder)
        spec = input_dataset.element_spec
        for s, name in zip(leaves_of(spec), component_paths(spec)):
            if isinstance(s, RaggedTensorSpec) and s.ragged_rank > 0:
                raise TypeError(f"padded_batch: {name} is a RaggedTensor, which padded_batch "
                                f"does not take (as TF); use batch (it gives a RaggedTensor) "
                                f"and .to_tensor(), or map it to a dense tensor first.")
        leaves = _leaves(spec)
        self._names = component_paths(spec)
        if padded_shapes is None:
            for s, name in zip(leaves, self._names):
                if s.shape.rank is None:
                    raise ValueError(f"padded_batch: {name} has unknown rank; pass "
                                     f"padded_shapes for it.")
            shapes = [s.shape for s in leaves]
        else:
            shapes = [_padded_shape(p, s, name) for p, s, name in
                      zip(_match(padded_shapes, spec, "padded_shapes"), leaves, self._names)]
        self._shapes = shapes
        if padding_values is None:
            pads = [False if s.dtype.is_bool else 0 for s in leaves]
        elif not nest.is_nested(padding_values):
            pads = [padding_values] * len(leaves)
        else:
            pads = _match(padding_values, spec, "padding_values")
        self._pads = []
        for p, s, name in zip(pads, leaves, self._names):
            try:
                v = to_array(array_of(p) if isinstance(p, TensorOps) else p, s.dtype)
            except (TypeError, ValueError) as e:
                raise TypeError(f"padded_batch: the padding value for {name} must be a "
                                f"{s.dtype.name} scalar: {e}") from None
            if v.ndim != 0:
                raise ValueError(f"padded_batch: the padding value for {name} must be a "
                                 f"scalar, received shape {list(v.shape)}.")
            self._pads.append(v)

    def _compute_spec(self) -> Any:
        dim = TensorShape([self._bs if self._drop else None])
        flat = [TensorSpec(dim.concatenate(sh), s.dtype)
                for sh, s in zip(self._shapes, _leaves(self._input.element_spec))]
        spec = self._input.element_spec
        if has_ragged(spec):  # rows of ragged tensors (ragged_rank 0): padded, dense
            spec = pack_leaves(spec, [TensorSpec(s.shape, s.dtype) for s in leaves(spec)])
        return flat[0] if isinstance(spec, TensorSpec) else nest.pack_sequence_as(spec, flat)

    def _generate(self) -> Iterator:
        pack = make_packer(self.element_spec)
        for chunk in self._chunks(self._input._elements()):
            columns = zip(*[arrays_of(e) for e in chunk])
            yield pack([self._pad(list(c), k) for k, c in enumerate(columns)])

    def _pad(self, arrays: list, k: int) -> np.ndarray:
        name, target, pad = self._names[k], self._shapes[k], self._pads[k]
        rank = arrays[0].ndim
        for a in arrays:
            if a.ndim != rank:
                raise InvalidArgumentError(f"padded_batch: the elements of {name} have "
                                           f"different ranks ({rank} and {a.ndim}).")
        if target.rank is not None and target.rank != rank:
            raise InvalidArgumentError(f"padded_batch: {name} has rank {rank} but its "
                                       f"padded shape {target} has rank {target.rank}.")
        biggest = [max(a.shape[d] for a in arrays) for d in range(rank)]
        dims = biggest if target.rank is None else \
            [b if t is None else t for b, t in zip(biggest, target)]
        if any(b > d for b, d in zip(biggest, dims)):
            raise InvalidArgumentError(
                f"padded_batch: attempted to pad to a smaller size than the input element: "
                f"{name} has an element of shape {biggest} (largest dims in the batch) but "
                f"the padded shape is {list(dims)}.")
        out = np.full([len(arrays)] + dims, pad, dtype=arrays[0].dtype)
        for j, a in enumerate(arrays):
            out[(j,) + tuple(slice(0, n) for n in a.shape)] = a
        return out


def _match(value: Any, spec: Any, arg: str) -> list:
    """`value`'s leaves, one per component of `spec`; shapes (lists) are leaves."""
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise ValueError(f"padded_batch: `{arg}` must have the structure of the "
                             f"elements, {spec}; received {value!r}.")
        return [x for k in sorted(spec) for x in _match(value[k], spec[k], arg)]
    if isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise ValueError(f"padded_batch: `{arg}` must have the structure of the "
                             f"elements, {spec}; received {value!r}.")
        return [x for v, s in zip(value, spec) for x in _match(v, s, arg)]
    return [value]


def _padded_shape(p: Any, spec: TensorSpec, name: str) -> TensorShape:
    if hasattr(p, "numpy"):
        p = p.numpy().tolist()
    if isinstance(p, (list, tuple)) and not isinstance(p, TensorShape):
        p = [None if d is None or d == -1 else d for d in p]
    shape = TensorShape(p)
    if shape.rank is not None and spec.shape.rank is not None and (
            shape.rank != spec.shape.rank or any(
                a is not None and b is not None and a < b
                for a, b in zip(shape, spec.shape))):
        raise ValueError(f"padded_batch: the padded shape {shape} is not compatible with "
                         f"the shape {spec.shape} of {name}.")
    return shape


class UnbatchDataset(Dataset):
    """`Dataset.unbatch`: each element split along its first axis."""

    _tf_name = "_UnbatchDataset"

    def __init__(self, input_dataset: Dataset):
        spec = input_dataset.element_spec
        if has_ragged(spec):
            self._init_ragged(input_dataset, spec)
            return
        leaves = _leaves(spec)
        names = component_paths(spec)
        for s, name in zip(leaves, names):
            if s.shape.rank == 0:
                raise ValueError(f"unbatch: cannot unbatch an input with scalar components: "
                                 f"{name} has shape (). Every component needs a first "
                                 f"(batch) dimension.")
        dims = {s.shape[0] if s.shape.rank else None for s in leaves}
        n = input_dataset._card
        if len(dims) == 1 and None not in dims:
            card = n if n < 0 else n * dims.pop()
        else:
            card = -2
        super().__init__(map_spec(lambda s: TensorSpec(s.shape[1:], s.dtype), spec), card,
                         (input_dataset,))
        self._input, self._names = input_dataset, names

    def _init_ragged(self, input_dataset: Dataset, spec: Any) -> None:
        """Unbatching RaggedTensor components: their rows, of spec
        RaggedTensorSpec(ragged_rank=0)."""
        out = []
        for s, name in zip(leaves_of(spec), component_paths(spec)):
            if s.shape.rank == 0:
                raise ValueError(f"unbatch: cannot unbatch an input with scalar components: "
                                 f"{name} has shape ().")
            if isinstance(s, RaggedTensorSpec):
                out.append(RaggedTensorSpec(s.shape[1:], s.dtype, s.ragged_rank - 1,
                                            s.row_splits_dtype) if s.ragged_rank else
                           TensorSpec(s.shape[1:], s.dtype))
            else:
                out.append(TensorSpec(s.shape[1:], s.dtype))
        Dataset.__init__(self, pack_leaves(spec, out), -2, (input_dataset,))
        self._input, self._names = input_dataset, component_paths(spec)

    def _generate(self) -> Iterator:
        if has_ragged(self._input.element_spec):
            yield from self._ragged_rows()
            return
        pack = make_packer(self.element_spec)
        for element in self._input._elements():
            arrays = arrays_of(element)
            n = arrays[0].shape[0]
            for a, name in zip(arrays, self._names):
                if a.shape[0] != n:
                    raise InvalidArgumentError(
                        f"unbatch: the components of an element must have the same size in "
                        f"their first dimension, but {self._names[0]} has {n} and {name} "
                        f"has {a.shape[0]}.")
            for i in range(n):
                yield pack([a[i, ...] for a in arrays])

    def _ragged_rows(self) -> Iterator:
        spec = self.element_spec
        for element in self._input._elements():
            parts = leaves(element)
            rows = [list(p) if isinstance(p, RaggedTensor) else
                    [wrap(a) for a in array_of(p)] for p in parts]
            n = len(rows[0])
            for r, name in zip(rows, self._names):
                if len(r) != n:
                    raise InvalidArgumentError(
                        f"unbatch: the components of an element must have the same size in "
                        f"their first dimension, but {self._names[0]} has {n} and {name} "
                        f"has {len(r)}.")
            for i in range(n):
                yield pack_leaves(spec, [r[i] for r in rows])
