"""Nested argument and output structures (lists, tuples, dicts of leaves) as JSON data,
in `ember.core.nest`'s leaf order (dicts by sorted key), for saved functions.

Example:
    >>> data = encode_structure(([1.5, "a"], {"k": None}), lambda x: {"python": x})
    >>> decode_structure(data)
    ([Leaf(python=1.5), Leaf(python='a')], {'k': Leaf(python=None)})
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.shape import TensorShape, TensorSpec
from ..core.dtypes import as_dtype
from .graph_io import GraphSaveError, _Decoder, _Encoder

__all__ = ["encode_structure", "decode_structure", "Leaf", "StructureError"]


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
    if hasattr(s, "_nest_components"):
        raise StructureError(f"a {type(s).__name__} can't be stored yet (dense tensors "
                             f"only)")
    out = dict(leaf(s))
    if "python" in out:
        out["python"] = _python(out["python"])
    return {"leaf": out}


def decode_structure(data: Any) -> Any:
    """The structure `encode_structure` stored, with `Leaf` leaves."""
    (tag, x), = data.items()
    if tag == "D":
        return {k: decode_structure(v) for k, v in x}
    if tag in ("L", "T"):
        items = [decode_structure(v) for v in x]
        return items if tag == "L" else tuple(items)
    if "spec" in x:
        shape, dtype, name = x["spec"]
        return Leaf(spec=TensorSpec(shape, as_dtype(dtype), name=name))
    if x.get("tensor"):
        return Leaf(tensor=True)
    return Leaf(python=_Decoder([], []).param(x["python"]))
