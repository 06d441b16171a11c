"""Nested argument and output structures (lists, tuples, dicts of leaves) as JSON data,
in `ember.core.nest`'s leaf order (dicts by sorted key), for saved functions.

A composite value (SparseTensor, RaggedTensor, IndexedSlices) is stored as its type tag,
its static spec (dtype; a SparseTensor's static dense shape, a RaggedTensor's
ragged_rank and row_splits dtype) and its components, in the order `nest` flattens them
(so they line up with the graph's inputs and outputs). It decodes to a `Composite`, a
nest composite itself, which rebuilds the value from the tensors of a call. Loading maps
only the fixed tags in `COMPOSITE_TAGS` to ember's classes: no code named in a file is
imported or run.

Example:
    >>> data = encode_structure(([1.5, "a"], {"k": None}), lambda x: {"python": x})
    >>> decode_structure(data)
    ([Leaf(python=1.5), Leaf(python='a')], {'k': Leaf(python=None)})
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import nest
from ..core.shape import TensorShape, TensorSpec
from ..core.dtypes import as_dtype
from ..core.tensor import TensorOps
from .graph_io import GraphLoadError, GraphSaveError, _Decoder, _Encoder

__all__ = ["encode_structure", "decode_structure", "Leaf", "StructureError", "Composite",
           "COMPOSITE_TAGS", "has_composite"]

# The composite types a saved function may take or return, by the tag stored in the file.
COMPOSITE_TAGS = ("SparseTensor", "RaggedTensor", "IndexedSlices")
_SPEC_TAGS = {"RaggedTensorSpec": "RaggedTensor",  # composite specs, by the value's tag
              "SparseTensorSpec": "SparseTensor"}


class StructureError(ValueError):
    """A structure holds a value that can't be stored as data."""


class Leaf:
    """A decoded leaf: a TensorSpec (`spec`), a tensor output (`tensor`), or a Python
    value (`python`)."""

    __slots__ = ("spec", "tensor", "python")

    def __init__(self, spec: Any = None, tensor: bool = False, python: Any = None):
        self.spec, self.tensor, self.python = spec, tensor, python

    def __repr__(self) -> str:
        if self.spec is not None:
            return f"Leaf(spec={self.spec!r})"
        return "Leaf(tensor)" if self.tensor else f"Leaf(python={self.python!r})"


def _python(x: Any) -> Any:
    if isinstance(x, np.generic):
        x = x.item()
    enc = _Encoder(None)
    try:
        out = enc.param(x, "argument")
    except GraphSaveError as exc:
        raise StructureError(f"a Python value {x!r} in its arguments or results can't be "
                             f"stored ({exc})") from None
    if enc.arrays:
        raise StructureError(f"an array {x!r} passed as a Python value can't be stored; "
                             f"pass it as a tensor")
    return out


def encode_structure(s: Any, leaf: Callable[[Any], dict]) -> Any:
    """`s` as JSON data; `leaf(x)` gives each leaf's dict (`{"spec": ...}`,
    `{"tensor": True}` or `{"python": value}`)."""
    if isinstance(s, dict):
        for k in s:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise StructureError(f"a dict key {k!r} can't be stored (str or int keys "
                                     f"only)")
        return {"D": [[k, encode_structure(s[k], leaf)] for k in sorted(s)]}
    if isinstance(s, (list, tuple)) and not isinstance(s, TensorShape):
        return {"L" if isinstance(s, list) else "T": [encode_structure(x, leaf) for x in s]}
    if type(s) in nest._COMPOSITES:
        # a RaggedTensorSpec / SparseTensorSpec stands for its value (a trace from the spec)
        tag = _SPEC_TAGS.get(type(s).__name__, type(s).__name__)
        if tag not in COMPOSITE_TAGS or type(s).__name__ not in (
                tag, *[k for k, v in _SPEC_TAGS.items() if v == tag]):
            raise StructureError(f"a {tag} can't be stored (the composites a saved "
                                 f"function may take or return: {', '.join(COMPOSITE_TAGS)})")
        parts = s._nest_components()
        if parts is None:  # a composite that stays a leaf (nest's protocol)
            return _leaf(s, leaf)
        # NOTE: a component is one leaf, as nest.flatten takes it (a SparseTensor's static
        # dense shape is one Python tuple), never a structure walked further.
        return {"C": [tag, _static(tag, s), [_leaf(p, leaf) for p in parts]]}
    return _leaf(s, leaf)


def _leaf(x: Any, leaf: Callable[[Any], dict]) -> dict:
    out = dict(leaf(x))
    if "python" in out:
        out["python"] = _python(out["python"])
    return {"leaf": out}


def _classes() -> dict:
    """The fixed tag -> class map (imported here: ember.sparse / ember.ragged load after
    ember.export's modules are defined)."""
    from ..core.indexed_slices import IndexedSlices
    from ..ragged.ragged_tensor import RaggedTensor
    from ..sparse.sparse_tensor import SparseTensor
    return {"SparseTensor": SparseTensor, "RaggedTensor": RaggedTensor,
            "IndexedSlices": IndexedSlices}


def _static(tag: str, s: Any) -> dict:
    """The static spec of a composite (its components carry their own shapes)."""
    if tag == "SparseTensor":
        shape = TensorShape(s.shape)
        return {"dtype": as_dtype(s.dtype).name,
                "shape": None if shape.rank is None else shape.as_list()}
    if tag == "RaggedTensor":
        values, splits = s._nest_components()
        return {"dtype": as_dtype(values.dtype).name, "ragged_rank": 1,
                "row_splits_dtype": as_dtype(splits.dtype).name}
    return {"dtype": as_dtype(s.dtype).name}


def has_composite(s: Any) -> bool:
    """Whether a structure holds a composite value (SparseTensor, RaggedTensor, ...).

    Example:
        >>> has_composite([1, {"a": 2}])
        False
    """
    return any(type(x) in nest._COMPOSITES for x in _walk_leaves(s))


def _walk_leaves(s: Any) -> list:
    out, stack = [], [s]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)) and not isinstance(x, TensorShape):
            stack.extend(x)
        else:
            out.append(x)
    return out


@nest.register_composite
class Composite:
    """A decoded composite: its tag (one of `COMPOSITE_TAGS`), static spec and component
    structures (`Leaf`s, or what a nest map made of them). Rebuilt into the real value
    (SparseTensor, RaggedTensor, IndexedSlices) once its components hold a tensor.

    Example:
        >>> import ember as tf
        >>> c = Composite("RaggedTensor", {"dtype": "float32", "ragged_rank": 1,
        ...                                "row_splits_dtype": "int64"}, ["v", "s"])
        >>> c.spec()
        RaggedTensorSpec(TensorShape([None, None]), tf.float32, 1, tf.int64)
        >>> c._nest_rebuild([tf.constant([1.0, 2.0]), tf.constant([0, 2], tf.int64)])
        <tf.RaggedTensor [[1.0, 2.0]]>
    """

    __slots__ = ("tag", "static", "parts")

    def __init__(self, tag: str, static: dict, parts: list):
        self.tag, self.static, self.parts = tag, static, list(parts)

    @property
    def value_type(self) -> type:
        """The ember class of the values this composite describes."""
        return _classes()[self.tag]

    def spec(self) -> Any:
        """Its TypeSpec (SparseTensorSpec, RaggedTensorSpec), or self for the others."""
        dtype = as_dtype(self.static["dtype"])
        if self.tag == "SparseTensor":
            from ..ops.type_spec import SparseTensorSpec
            return SparseTensorSpec(self.static.get("shape"), dtype)
        if self.tag == "RaggedTensor":
            from ..ragged.ragged_spec import RaggedTensorSpec
            values, splits = (getattr(p, "spec", p) for p in self.parts)
            inner, rows = [], None
            if isinstance(values, TensorSpec) and values.shape.rank is not None:
                inner = list(values.shape)[1:]
            if isinstance(splits, TensorSpec) and splits.shape.rank == 1 and \
                    splits.shape[0] is not None:
                rows = splits.shape[0] - 1
            return RaggedTensorSpec([rows, None] + inner, dtype, 1,
                                    as_dtype(self.static["row_splits_dtype"]))
        return self

    def _nest_components(self) -> list:
        return list(self.parts)

    def _nest_rebuild(self, parts: list) -> Any:
        if not any(isinstance(p, TensorOps) for p in parts):
            return Composite(self.tag, self.static, parts)
        if self.tag == "RaggedTensor":
            return self.value_type(parts[0], parts[1], internal=True)
        return self.value_type(*parts)

    def __repr__(self) -> str:
        if self.tag == "IndexedSlices":  # no spec class: shown by its static spec
            return f"<IndexedSlices dtype={self.static['dtype']}>"
        return f"Composite({self.tag}, {self.static!r}, {self.parts!r})"


def decode_structure(data: Any) -> Any:
    """The structure `encode_structure` stored, with `Leaf` leaves."""
    (tag, x), = data.items()
    if tag == "D":
        return {k: decode_structure(v) for k, v in x}
    if tag in ("L", "T"):
        items = [decode_structure(v) for v in x]
        return items if tag == "L" else tuple(items)
    if tag == "C":
        kind, static, parts = x
        if kind not in COMPOSITE_TAGS:
            raise GraphLoadError(f"tf.saved_model.load: the file holds a composite value "
                                 f"of type {kind!r}; ember loads only "
                                 f"{', '.join(COMPOSITE_TAGS)}.")
        return Composite(kind, dict(static), [decode_structure(p) for p in parts])
    if "spec" in x:
        shape, dtype, name = x["spec"]
        return Leaf(spec=TensorSpec(shape, as_dtype(dtype), name=name))
    if x.get("tensor"):
        return Leaf(tensor=True)
    return Leaf(python=_Decoder([], []).param(x["python"]))
