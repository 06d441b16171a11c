"""The source datasets: tensor slices, one tensor, ranges, generators, zip and random.

Example:
    >>> import ember as tf
    >>> ds = tf.data.Dataset.from_tensor_slices({"x": [[1.0], [2.0]], "y": [0, 1]})
    >>> ds.element_spec["x"], len(ds)
    (TensorSpec(shape=(1,), dtype=tf.float32, name=None), 2)
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..core import nest
from ..core.convert import to_array
from ..core.dtypes import as_dtype, int64
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps, wrap
from ..ragged.ragged_spec import RaggedTensorSpec
from ..ragged.ragged_tensor import RaggedTensor
from .dataset import Dataset
from .structure import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    _is_dataset,
    array_of,
    as_int,
    component_paths,
    has_ragged,
    leaves,
    make_rng,
    map_spec,
    pack_leaves,
    resolve_seed,
    spec_of,
    to_element,
)


def _flat_arrays(element: Any) -> list:
    return [array_of(t) for t in ([element] if isinstance(element, TensorOps)
                                  else nest.flatten(element))]


class TensorSliceDataset(Dataset):
    """`Dataset.from_tensor_slices`: element i is component[i] of every component."""

    _tf_name = "_TensorSliceDataset"

    def __init__(self, tensors: Any):
        what = "from_tensor_slices"
        element = to_element(tensors, what, "tensors")
        if has_ragged(element):
            self._init_ragged(element, what)
            return
        arrays = _flat_arrays(element)
        names = component_paths(element, "tensors")
        for a, name in zip(arrays, names):
            if a.ndim == 0:
                raise ValueError(
                    f"{what}: {name} is a scalar (shape ()), but slicing needs rank >= 1: "
                    f"the first dimension is the number of elements. Use "
                    f"Dataset.from_tensors for a single element.")
        sizes = [a.shape[0] for a in arrays]
        for j, n in enumerate(sizes):
            if n != sizes[0]:
                raise ValueError(
                    f"{what}: all components must have the same size in their first "
                    f"dimension (the number of elements), but {names[0]} has {sizes[0]} and "
                    f"{names[j]} has {n} (shapes {list(arrays[0].shape)} and "
                    f"{list(arrays[j].shape)}).")
        spec = map_spec(lambda s: TensorSpec(s.shape[1:], s.dtype), spec_of(element))
        super().__init__(spec, sizes[0])
        self._arrays = arrays
        self._ra_len = sizes[0]

    def _init_ragged(self, element: Any, what: str) -> None:
        """Slices of an element with RaggedTensor components: a ragged component's
        slices are its rows (dense tensors of spec RaggedTensorSpec(ragged_rank=0))."""
        parts, names = leaves(element), component_paths(element, "tensors")
        sizes, specs, self._slicers = [], [], []
        for t, name in zip(parts, names):
            if isinstance(t, RaggedTensor):
                v, sp = t.values._value, t.row_splits._value
                sizes.append(sp.shape[0] - 1)
                specs.append(RaggedTensorSpec(t.shape[1:], t.dtype, 0, t.row_splits.dtype))
                self._slicers.append(lambda i, v=v, sp=sp: v[sp[i]:sp[i + 1]])
            else:
                a = array_of(t)
                if a.ndim == 0:
                    raise ValueError(f"{what}: {name} is a scalar (shape ()), but slicing "
                                     f"needs rank >= 1.")
                sizes.append(a.shape[0])
                specs.append(TensorSpec(a.shape[1:], t.dtype))
                self._slicers.append(lambda i, a=a: a[i, ...])
        for j, n in enumerate(sizes):
            if n != sizes[0]:
                raise ValueError(f"{what}: all components must have the same size in their "
                                 f"first dimension (the number of elements), but {names[0]} "
                                 f"has {sizes[0]} and {names[j]} has {n}.")
        super().__init__(pack_leaves(element, specs), sizes[0])
        self._ra_len = sizes[0]

    def _get(self, i: int) -> list:
        if self._slicers is not None:
            return [f(i) for f in self._slicers]
        return [a[i, ...] for a in self._arrays]

    def _gather(self, idx: Any) -> list:
        return [a[idx] for a in self._arrays]

    _slicers = None


class TensorDataset(Dataset):
    """`Dataset.from_tensors`: a single element."""

    _tf_name = "_TensorDataset"

    def __init__(self, tensors: Any):
        element = to_element(tensors, "from_tensors", "tensors")
        super().__init__(spec_of(element), 1)
        self._arrays = _flat_arrays(element)
        self._ra_len = 1

    def _get(self, i: int) -> list:
        return list(self._arrays)

    def _gather(self, idx: Any) -> list:
        n = len(range(1)[idx]) if isinstance(idx, slice) else len(idx)
        return [np.repeat(a[None], n, axis=0) for a in self._arrays]


class RangeDataset(Dataset):
    """`Dataset.range` (and `counter`, with no stop): `start + i * step`."""

    _tf_name = "_RangeDataset"

    def __init__(self, args: tuple, output_type: Any, what: str = "range"):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"{what}: expected 1 to 3 integer arguments (stop, or start, "
                             f"stop[, step]), received {len(args)}.")
        if len(args) == 1:
            args = (0, args[0], 1)
        elif len(args) == 2:
            args = (args[0], args[1], 1)
        start = as_int(args[0], what, "start")
        stop = None if args[1] is None else as_int(args[1], what, "stop")
        step = as_int(args[2], what, "step")
        if step == 0:
            raise InvalidArgumentError(f"{what}: step must be a non-zero integer.")
        dtype = as_dtype(output_type)
        n = INFINITE_CARDINALITY if stop is None else len(range(start, stop, step))
        super().__init__(TensorSpec([], dtype), n)
        self._start, self._step = start, step
        self._np = dtype.as_numpy_dtype
        if stop is not None:
            self._ra_len = n

    def _get(self, i: int) -> list:
        return [np.asarray(self._start + i * self._step, dtype=self._np)]

    def _gather(self, idx: Any) -> list:
        if isinstance(idx, slice):
            idx = np.arange(self._ra_len)[idx]
        v = self._start + np.asarray(idx, dtype=np.int64) * self._step
        return [v.astype(self._np, copy=False)]

    def _generate(self) -> Iterator:
        value, step, dt = self._start, self._step, self._np
        while True:
            yield wrap(np.asarray(value, dtype=dt))
            value += step


def _signature(output_types: Any, output_shapes: Any, output_signature: Any) -> Any:
    what = "from_generator"
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError(f"{what}: pass either `output_signature` or `output_types` "
                            f"(+ `output_shapes`), not both.")
        sig = tuple(output_signature) if isinstance(output_signature, list) else \
            output_signature
        for leaf in ([sig] if not nest.is_nested(sig) else nest.flatten(sig)):
            if not isinstance(leaf, TensorSpec):
                raise TypeError(f"{what}: `output_signature` must be a structure of "
                                f"ember.TensorSpec, but it holds {leaf!r}.")
        return sig
    if output_types is None:
        raise TypeError(f"{what}: to specify the output signature you need to provide "
                        f"either the `output_signature` argument or the `output_types` "
                        f"argument.")
    types = tuple(output_types) if isinstance(output_types, list) else output_types
    if output_shapes is None:
        return map_spec(lambda t: TensorSpec(TensorShape(None), as_dtype(t)),
                        types) if nest.is_nested(types) else \
            TensorSpec(TensorShape(None), as_dtype(types))
    if not nest.is_nested(types):
        return TensorSpec(output_shapes, as_dtype(types))
    shapes = output_shapes
    flat_t = nest.flatten(types)
    # NOTE: a shape is itself a list/tuple, so the shapes are matched component by component.
    flat_s = _shape_leaves(types, shapes)
    return nest.pack_sequence_as(types, [TensorSpec(s, as_dtype(t))
                                         for t, s in zip(flat_t, flat_s)])


def _shape_leaves(types: Any, shapes: Any) -> list:
    if isinstance(types, dict):
        return [s for k in sorted(types) for s in _shape_leaves(types[k], shapes[k])]
    if isinstance(types, (tuple, list)):
        if len(types) != len(shapes):
            raise ValueError(f"from_generator: output_shapes {shapes!r} doesn't match the "
                             f"structure of output_types {types!r}.")
        return [s for t, sh in zip(types, shapes) for s in _shape_leaves(t, sh)]
    return [shapes]


class GeneratorDataset(Dataset):
    """`Dataset.from_generator`: the values a generator yields, checked against a spec."""

    _tf_name = "_FlatMapDataset"

    def __init__(self, generator: Callable, output_types: Any, output_shapes: Any,
                 args: Any, output_signature: Any):
        if not callable(generator):
            raise TypeError(
                "from_generator: `generator` must be a callable that returns an iterator "
                "(pass the generator function, from_generator(gen), not a generator "
                f"object, from_generator(gen())); received {type(generator).__name__}.")
        super().__init__(_signature(output_types, output_shapes, output_signature),
                         UNKNOWN_CARDINALITY)
        self._fn = generator
        self._args = tuple(args) if args is not None else ()

    def _generate(self) -> Iterator:
        args = [np.asarray(a) for a in self._args]
        spec = self._spec
        for value in self._fn(*args):
            yield _conform(value, spec, value, "element")


def _conform(value: Any, spec: Any, whole: Any, path: str) -> Any:
    """A yielded value as an element of structure `spec`, or a TypeError like TF's."""
    what = "from_generator: `generator`"
    if isinstance(spec, TensorSpec):
        try:
            if isinstance(value, TensorOps):
                arr = array_of(value)
                if arr.dtype != spec.dtype.as_numpy_dtype:
                    raise TypeError(f"a {value.dtype.name} tensor")
            else:
                arr = to_array(value, spec.dtype, copy=True)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{what} yielded an element that could not be converted to the "
                            f"expected type. The expected type of {path} was "
                            f"{spec.dtype.name}, but the yielded value was {value!r} ({e})."
                            ) from None
        if not spec.shape.is_compatible_with(arr.shape):
            raise TypeError(f"{what} yielded an element of shape {tuple(arr.shape)} where an "
                            f"element of shape {spec.shape} was expected ({path}).")
        return wrap(arr)
    ok = (isinstance(value, dict) and set(value) == set(spec)) if isinstance(spec, dict) else \
        (isinstance(value, (tuple, list)) and len(value) == len(spec))
    if not ok:
        raise TypeError(f"{what} yielded an element that did not match the expected "
                        f"structure. The expected structure was {spec}, but the yielded "
                        f"element was {whole!r}.")
    if isinstance(spec, dict):
        return {k: _conform(value[k], spec[k], whole, f"{path}[{k!r}]") for k in spec}
    items = [_conform(v, s, whole, f"{path}[{i}]") for i, (v, s) in enumerate(zip(value, spec))]
    return type(spec)(*items) if hasattr(spec, "_fields") else tuple(items)


class ZipDataset(Dataset):
    """`Dataset.zip`: the elements of a structure of datasets, side by side."""

    _tf_name = "_ZipDataset"

    def __init__(self, structure: Any):
        structure = _tuples(structure)
        flat = [structure] if not nest.is_nested(structure) else nest.flatten(structure)
        for d in flat:
            if not _is_dataset(d):
                raise TypeError(f"zip: the inputs must be (nested) structures of Datasets, "
                                f"but one is {d!r} of type {type(d).__name__}.")
        card = INFINITE_CARDINALITY
        for d in flat:
            n = d._card
            if n == UNKNOWN_CARDINALITY:
                card = n
                break
            if n != INFINITE_CARDINALITY:
                card = n if card == INFINITE_CARDINALITY else min(card, n)
        super().__init__(None, card, flat)
        self._structure, self._flat = structure, flat
        if all(d._ra_len is not None for d in flat):
            self._ra_len = min(d._ra_len for d in flat)

    def _compute_spec(self) -> Any:
        return self._pack([d.element_spec for d in self._flat])

    def _pack(self, items: list) -> Any:
        if not nest.is_nested(self._structure):
            return items[0]
        return nest.pack_sequence_as(self._structure, items)

    def _get(self, i: int) -> list:
        return [a for d in self._flat for a in d._get(i)]

    def _gather(self, idx: Any) -> list:
        return [a for d in self._flat for a in d._gather(idx)]

    def _generate(self) -> Iterator:
        iters = [d._elements() for d in self._flat]
        while True:
            items = []
            for it in iters:
                try:
                    items.append(next(it))
                except StopIteration:
                    return
            yield self._pack(items)


def _tuples(structure: Any) -> Any:
    """Lists of datasets given to zip are read as tuples."""
    if isinstance(structure, list):
        return tuple(_tuples(s) for s in structure)
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(_tuples(s) for s in structure)
    if isinstance(structure, dict):
        return {k: _tuples(v) for k, v in structure.items()}
    return structure


class RandomDataset(Dataset):
    """`Dataset.random`: endless uniform int64 values."""

    _tf_name = "_RandomDataset"

    def __init__(self, seed: Any, rerandomize: bool):
        super().__init__(TensorSpec([], int64), INFINITE_CARDINALITY)
        self._base = resolve_seed(seed, "random")
        self._rerandomize = rerandomize
        self._iterations = 0

    def _generate(self) -> Iterator:
        k = self._iterations if self._rerandomize else 0
        self._iterations += 1
        rng = make_rng(self._base, k)
        while True:
            chunk = rng.integers(0, 2**63 - 1, size=256, dtype=np.int64)
            for i in range(256):
                yield wrap(chunk[i, ...])


__all__ = ["TensorSliceDataset", "TensorDataset", "RangeDataset", "GeneratorDataset",
           "ZipDataset", "RandomDataset"]
