"""Elements of a dataset: structures of Tensors, their specs, and the checks around them.

An element is a Tensor, or a tuple (namedtuples included) or dict of elements, as in
tf.data: tuples and dicts are structures, everything else becomes one tensor. A Python
list is a value, not a structure (`[1.0, 2.0]` is one float32 tensor), except that a
function returning a list at its top level gives a tuple, as TF does.

The pipeline itself runs eagerly, outside any trace: it reads the NumPy values of the
tensors (no copy) to slice, stack and pad them, and wraps the results as Tensors.

Example:
    >>> from ember.data.structure import to_element, spec_of
    >>> spec_of(to_element(([1.0, 2.0], {"a": 3})))
    (TensorSpec(shape=(2,), dtype=tf.float32, name=None), {'a': TensorSpec(shape=(), dtype=tf.int32, name=None)})
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator

import numpy as np

from ..core import nest
from ..core.dtypes import int64
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import Tensor, TensorOps, wrap
from ..ops import random_ops
from ..prims.convert import convert_to_tensor
from ..ragged.ragged_spec import RaggedTensorSpec
from ..ragged.ragged_tensor import RaggedTensor

AUTOTUNE = -1  # tf.data.AUTOTUNE
INFINITE_CARDINALITY = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN_CARDINALITY = -2  # tf.data.UNKNOWN_CARDINALITY
_MASK = (1 << 64) - 1


# -- converting values into elements ---------------------------------------------------

def _is_dataset(x: Any) -> bool:
    return getattr(x, "_is_ember_dataset", False)


def to_tensor(value: Any, what: str, path: str = "element") -> Any:
    """`value` as a Tensor (Tensors and RaggedTensors pass through; a Variable gives its
    value)."""
    if type(value) is Tensor or type(value) is RaggedTensor:
        return value
    if value is None:
        raise ValueError(f"{what}: {path} is None, but every component of a dataset "
                         f"element must be a tensor (or a value convertible to one).")
    if _is_dataset(value):
        raise TypeError(f"{what}: {path} is a Dataset; ember datasets can't hold datasets "
                        f"as elements. Use flat_map or interleave to read nested datasets.")
    try:
        return convert_to_tensor(value)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{what}: {path} can't be converted to a tensor: {e}") from None


def to_element(value: Any, what: str = "Dataset", base: str = "element") -> Any:
    """`value` as an element: tuples and dicts stay structures, other values become
    tensors (a Python float list float32, an int list int32, NumPy keeps its dtype).

    Example:
        >>> to_element((1, [2.5]))
        (<tf.Tensor: shape=(), dtype=int32, numpy=1>, <tf.Tensor: shape=(1,), dtype=float32, numpy=array([2.5], dtype=float32)>)
    """
    def conv(v: Any, path: str) -> Any:
        if isinstance(v, dict):
            if not v:
                raise ValueError(f"{what}: {path} is an empty dict; an element needs at "
                                 f"least one component.")
            return {k: conv(x, f"{path}[{k!r}]") for k, x in v.items()}
        if isinstance(v, tuple) and not isinstance(v, TensorShape):
            if not v:
                raise ValueError(f"{what}: {path} is an empty tuple; an element needs at "
                                 f"least one component.")
            items = [conv(x, f"{path}[{i}]") for i, x in enumerate(v)]
            return type(v)(*items) if hasattr(v, "_fields") else tuple(items)
        return to_tensor(v, what, path)

    return conv(value, base)


def normalize_output(out: Any, what: str) -> Any:
    """A user function's result as an element (a top-level list becomes a tuple)."""
    if type(out) is Tensor:
        return out
    if out is None:
        raise ValueError(f"{what}: the function returned None, but it must return the new "
                         f"element: a tensor, or a tuple or dict of tensors. Did you forget "
                         f"a `return`?")
    if isinstance(out, list):
        out = tuple(out)
    if type(out) is tuple and all(type(t) is Tensor for t in out):
        return out  # NOTE: the common (x, y) case, without the generic walk
    return to_element(out, what, "the returned element")


def call_fn(fn: Callable, element: Any, *extra: Any) -> Any:
    """Calls `fn` on an element as tf.data does: a tuple's components are passed as
    separate positional arguments, any other element as one argument."""
    if type(element) is tuple:
        return fn(*extra, *element)
    return fn(*extra, element)


def check_arity(fn: Callable, element_spec: Any, what: str, arg: str) -> None:
    """Raises a clear TypeError when `fn` can't take the element's components."""
    if not callable(fn):
        raise TypeError(f"{what}: `{arg}` must be callable, received {fn!r} of type "
                        f"{type(fn).__name__}.")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    n = len(element_spec) if type(element_spec) is tuple else 1
    try:
        sig.bind(*([None] * n))
    except TypeError as e:
        kind = f"tuples of {n} components" if type(element_spec) is tuple else "single values"
        hint = ("tf.data passes a tuple's components as separate arguments: write "
                f"`lambda {', '.join(f'x{i}' for i in range(n))}: ...` (or `lambda *t: ...`)"
                if type(element_spec) is tuple else "it is passed as one argument")
        raise TypeError(f"{what}: `{arg}` can't be called on this dataset's elements, which "
                        f"are {kind} ({e}); {hint}.") from None


# -- specs -----------------------------------------------------------------------------

# -- ragged components ---------------------------------------------------------------
# A RaggedTensor component is one leaf of an element (its spec a RaggedTensorSpec), though
# `nest.flatten` gives its two component tensors (values, row_splits): the flat arrays of
# an element (`arrays_of`, `_get`) hold those, and `make_packer` rebuilds the RaggedTensor.
# Inside a dataset, the rows of a ragged tensor are dense tensors of varying length, of
# spec RaggedTensorSpec(ragged_rank=0), which `batch` stacks into a RaggedTensor (as TF).

def leaves(structure: Any) -> list:
    """The components of an element or spec in flatten order, ragged ones whole."""
    if isinstance(structure, dict):
        return [x for k in sorted(structure) for x in leaves(structure[k])]
    if isinstance(structure, tuple) and not isinstance(structure, TensorShape):
        return [x for v in structure for x in leaves(v)]
    return [structure]


def pack_leaves(structure: Any, items: list) -> Any:
    """`items` (one per component, as `leaves` orders them) in `structure`'s shape."""
    it = iter(items)

    def build(s: Any) -> Any:
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in sorted(s)}
            return {k: built[k] for k in s}
        if isinstance(s, tuple) and not isinstance(s, TensorShape):
            vals = [build(v) for v in s]
            return type(s)(*vals) if hasattr(s, "_fields") else tuple(vals)
        return next(it)

    return build(structure)


def has_ragged(spec: Any) -> bool:
    """Whether a spec (or element) has a ragged component."""
    return any(isinstance(x, (RaggedTensorSpec, RaggedTensor)) for x in leaves(spec))


def _spec1(t: Any) -> Any:
    if isinstance(t, RaggedTensor):
        return t._type_spec
    return TensorSpec(t.shape, t.dtype)


def spec_of(element: Any) -> Any:
    """The structure of TensorSpecs (RaggedTensorSpecs for ragged components) describing
    an element (or a structure of tensors)."""
    if isinstance(element, TensorOps):
        return TensorSpec(element.shape, element.dtype)
    if has_ragged(element):
        return pack_leaves(element, [_spec1(t) for t in leaves(element)])
    return nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), element)


def map_spec(fn: Callable, spec: Any) -> Any:
    """`fn(TensorSpec)` applied to every TensorSpec of a spec structure."""
    if isinstance(spec, TensorSpec):
        return fn(spec)
    return nest.map_structure(fn, spec)


def component_paths(structure: Any, base: str = "element") -> list:
    """Readable names of the leaves, in flatten order: element[0], element['a'], ..."""
    out: list = []

    def walk(s: Any, path: str) -> None:
        if isinstance(s, dict):
            for k in sorted(s):
                walk(s[k], f"{path}[{k!r}]")
        elif isinstance(s, tuple) and not isinstance(s, TensorShape):
            for i, v in enumerate(s):
                walk(v, f"{path}[{i}]")
        else:
            out.append(path)

    walk(structure, base)
    return out


def same_structure(a: Any, b: Any) -> bool:
    """Whether two elements or specs have the same nesting (dict keys, tuple lengths)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b)
                and all(same_structure(a[k], b[k]) for k in a))
    a_seq = isinstance(a, tuple) and not isinstance(a, TensorShape)
    b_seq = isinstance(b, tuple) and not isinstance(b, TensorShape)
    if a_seq or b_seq:
        return a_seq and b_seq and len(a) == len(b) and all(
            same_structure(x, y) for x, y in zip(a, b))
    return True


def common_spec(a: Any, b: Any, what: str) -> Any:
    """The most specific spec both `a` and `b` fit (for concatenate / interleave)."""
    fa, fb = nest.flatten(a), nest.flatten(b)
    if not same_structure(a, b) or any(x.dtype != y.dtype for x, y in zip(fa, fb)):
        raise TypeError(f"{what}: incompatible dataset elements:\n  {a} vs.\n  {b}\nBoth "
                        f"datasets need the same structure and dtypes (shapes may differ).")
    flat = [TensorSpec(x.shape.most_specific_compatible_shape(y.shape), x.dtype)
            for x, y in zip(fa, fb)]
    return flat[0] if isinstance(a, TensorSpec) else nest.pack_sequence_as(a, flat)


# -- flat arrays <-> elements ------------------------------------------------------------

def array_of(t: Any) -> np.ndarray:
    """The NumPy value of a concrete tensor (no copy)."""
    v = getattr(t, "_value", None)
    return v if isinstance(v, np.ndarray) else np.asarray(t)


def arrays_of(element: Any) -> list:
    """The flat NumPy values of an element's components (no copies)."""
    if isinstance(element, TensorOps):
        return [array_of(element)]
    if type(element) is tuple and all(type(t) is Tensor for t in element):
        return [t._value for t in element]
    return [array_of(t) for t in nest.flatten(element)]


def make_packer(spec: Any) -> Callable[[list], Any]:
    """A function from flat NumPy arrays to an element of structure `spec`."""
    if isinstance(spec, TensorSpec):
        return lambda arrays: wrap(arrays[0])
    if type(spec) is tuple and all(isinstance(s, TensorSpec) for s in spec):
        return lambda arrays: tuple(map(wrap, arrays))
    return lambda arrays: nest.pack_sequence_as(spec, list(map(wrap, arrays)))


def to_numpy(element: Any) -> Any:
    """An element with every tensor replaced by its NumPy value (0-d: a NumPy scalar); a
    RaggedTensor stays one (its `to_list()` and `numpy()` give its values, as TF's
    RaggedTensorValue)."""
    if isinstance(element, TensorOps):
        return element.numpy()
    if has_ragged(element):
        return pack_leaves(element, [t if isinstance(t, RaggedTensor) else t.numpy()
                                     for t in leaves(element)])
    return nest.map_structure(lambda t: t.numpy(), element)


# -- argument checks -------------------------------------------------------------------

def as_int(value: Any, what: str, arg: str) -> int:
    """`value` as a Python int: an int, a NumPy integer or a scalar integer tensor."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, TensorOps) and value.dtype.is_integer and value.shape.rank == 0:
        return int(value)
    raise TypeError(f"{what}: `{arg}` must be an integer (a Python int, a NumPy integer or "
                    f"a scalar integer tensor); received {value!r} of type "
                    f"{type(value).__name__}.")


def as_positive_int(value: Any, what: str, arg: str) -> int:
    n = as_int(value, what, arg)
    if n <= 0:
        raise InvalidArgumentError(f"{what}: `{arg}` must be greater than zero; received "
                                   f"{n}.")
    return n


# -- seeds and random streams ----------------------------------------------------------

def resolve_seed(seed: Any, what: str) -> int:
    """A 64-bit seed from an op seed and the global seed, with TF's rules: an op seed
    gives the same stream whenever the dataset is rebuilt (after `ember.random.set_seed`,
    a different one); no op seed draws one (reproducible only with a global seed)."""
    if seed is None:
        return int(random_ops.uniform((), maxval=2**62, dtype=int64)) & _MASK
    s = as_int(seed, what, "seed")
    g = random_ops._STATE.global_seed
    g = random_ops.DEFAULT_GLOBAL_SEED if g is None else g
    return random_ops.mix(0x7F4A7C15, g, s)


def make_rng(base: int, iteration: int) -> np.random.Generator:
    """The random generator of one iteration of a seeded dataset."""
    return np.random.default_rng([base & _MASK, iteration])


def uniforms(rng: np.random.Generator, chunk: int = 1024) -> Iterator[float]:
    """An endless stream of uniform floats in [0, 1), drawn in chunks."""
    while True:
        yield from rng.random(chunk).tolist()


def cardinality_text(n: int) -> str:
    return {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(n, str(n))
