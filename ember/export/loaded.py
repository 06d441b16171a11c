"""What `tf.saved_model.load` returns: objects whose attributes are the saved Variables,
sub-objects and functions; functions that run the stored graphs, dispatching a call to
the graph whose input signature it matches; and signatures (keyword arguments in, a dict
of named tensors out), as TF's restored objects behave. A stored composite argument
(`structure.Composite`) matches a value of its class by its components; a composite
result is rebuilt from the graph's output tensors.

Example:
    >>> import tempfile, ember as tf
    >>> m = tf.Module()
    >>> m.f = tf.function(lambda x, k=2: x * k)
    >>> _ = m.f(tf.constant(1.0)), m.f(tf.constant([1.0, 2.0]), k=3)
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(m, path)
    >>> f = tf.saved_model.load(path).f
    >>> f(tf.constant(4.0)).numpy(), f(tf.constant([1.0, 1.0]), k=3).numpy()
    (np.float32(8.0), array([3., 3.], dtype=float32))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import nest
from ..core.function import _TENSOR, ConcreteFunction
from ..core.module import Module
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import ConcreteTensor, Tensor, TensorOps
from ..prims.convert import convert_to_tensor
from .structure import Composite, Leaf

__all__ = ["LoadedObject", "LoadedFunction", "Signature", "loaded_concrete"]


class _NoMatch(Exception):
    pass


class LoadedConcreteFunction(ConcreteFunction):
    """A stored graph with its argument structure (TensorSpecs and Python values)."""

    def __init__(self, graph: Any, args: Any, outputs: Any, arg_names: list, name: str):
        specs = [leaf.spec for leaf in nest.flatten(args) if leaf.spec is not None]
        skeleton = nest.map_structure(lambda leaf: _OUT if leaf.tensor else leaf.python,
                                      outputs)
        python = [_TENSOR if leaf.tensor else leaf.python for leaf in nest.flatten(outputs)]
        kinds = ["T" if leaf.spec is not None else "P" for leaf in nest.flatten(args)]
        super().__init__(graph, specs, kinds, skeleton, python, name)
        self._single = skeleton is _OUT  # one tensor out: returned without packing
        self.structured_input_signature = _public_signature(args)
        self._args = args
        self._arg_names = list(arg_names)

    def _match(self, args: tuple, kwargs: dict, convert: bool) -> list:
        """The tensors to call the graph with, or _NoMatch."""
        stored_args, stored_kwargs = self._args
        args = list(args)
        kwargs = dict(kwargs)
        for i in range(len(args), len(stored_args)):  # keywords naming positional params
            name = self._arg_names[i] if i < len(self._arg_names) else None
            if name in kwargs:
                args.append(kwargs.pop(name))
        out: list = []
        _walk(stored_args, args, out, convert)
        _walk(stored_kwargs, kwargs, out, convert)
        return out

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            tensors = self._match(args, kwargs, convert=True)
        except _NoMatch as exc:
            raise TypeError(f"{self.name}: the arguments don't match this concrete "
                            f"function's signature {self._describe()} ({exc}).") from None
        return self._call_tensors(tensors)

    def _call_tensors(self, tensors: list) -> Any:
        if any(not isinstance(t, ConcreteTensor) for t in tensors):
            # symbolic inputs (inside another ember.function, or KerasTensors of a
            # functional model): the stored ops are bound one by one, inlined
            return self._replay_on_tape(tensors)
        return super()._call_tensors(tensors)

    def _describe(self) -> str:
        args, kwargs = self.structured_input_signature
        return f"(args={args!r}, kwargs={kwargs!r})"


class _Out:
    def __repr__(self) -> str:
        return "<output>"


_OUT = _Out()


def _public_signature(stored: Any) -> Any:
    """The stored argument structure as TF shows it: TensorSpecs, TypeSpecs of the
    composites (SparseTensorSpec, RaggedTensorSpec) and Python values."""
    if isinstance(stored, Composite):
        return stored.spec()
    if isinstance(stored, dict):
        return {k: _public_signature(v) for k, v in stored.items()}
    if isinstance(stored, (list, tuple)):
        items = [_public_signature(v) for v in stored]
        return items if isinstance(stored, list) else tuple(items)
    return stored.spec if stored.spec is not None else stored.python


def _walk(stored: Any, value: Any, out: list, convert: bool) -> None:
    if isinstance(stored, Composite):
        # NOTE: the value's components in nest's order (those the graph was traced on)
        if not isinstance(value, stored.value_type):
            raise _NoMatch(f"expected a {stored.tag} like {stored.spec()}, received "
                           f"{type(value).__name__}")
        parts = value._nest_components()
        if parts is None or len(parts) != len(stored.parts):
            raise _NoMatch(f"expected a {stored.tag} like {stored.spec()}")
        shape = stored.static.get("shape")
        if shape is not None and not TensorShape(shape).is_compatible_with(
                getattr(value, "shape", None)):  # a SparseTensor's static dense shape
            raise _NoMatch(f"expected a {stored.tag} of shape {TensorShape(shape)}, "
                           f"received {value.shape}")
        for s, v in zip(stored.parts, parts):
            _walk(s, v, out, convert)
        return
    if isinstance(stored, dict):
        if not isinstance(value, dict) or set(value) != set(stored):
            raise _NoMatch(f"expected a dict with keys {sorted(stored)}")
        for k in sorted(stored):
            _walk(stored[k], value[k], out, convert)
        return
    if isinstance(stored, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(stored):
            raise _NoMatch(f"expected a sequence of {len(stored)}")
        for s, v in zip(stored, value):
            _walk(s, v, out, convert)
        return
    leaf: Leaf = stored
    if leaf.spec is None:
        if isinstance(value, TensorOps) or not _equal(value, leaf.python):
            raise _NoMatch(f"expected the Python value {leaf.python!r}, received "
                           f"{value!r}")
        return
    spec: TensorSpec = leaf.spec
    if isinstance(value, TensorOps):
        t = value
    elif isinstance(value, np.ndarray) or convert:
        try:
            t = convert_to_tensor(value, dtype=spec.dtype)
        except (TypeError, ValueError) as exc:
            raise _NoMatch(f"expected a tensor like {spec}, received {value!r}") from exc
    else:
        raise _NoMatch(f"expected a tensor like {spec}, received {value!r}")
    if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
        raise _NoMatch(f"expected {spec}, received {t.dtype.name}{list(t.shape)}")
    out.append(t.value() if getattr(t, "_is_variable", False) else t)


def _equal(a: Any, b: Any) -> bool:
    if type(a) is bool or type(b) is bool:
        return a is b
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def loaded_concrete(graph: Any, args: Any, outputs: Any, arg_names: list,
                    name: str) -> LoadedConcreteFunction:
    return LoadedConcreteFunction(graph, args, outputs, arg_names, name)


class LoadedFunction:
    """A restored `ember.function`: its stored concrete functions, called by matching
    the arguments against each one's input signature (tensors first, then Python values
    converted)."""

    def __init__(self, name: str, concrete: list):
        self.__name__ = name
        self._concrete = concrete
        self._fast: dict = {}  # (dtype, shape) of each positional tensor -> concrete

    def _fast_call(self, args: tuple) -> Any:
        """The common call, positional tensors only: the concrete function matched before
        for the same dtypes and shapes, without matching again (None: no such call)."""
        key = []
        for a in args:
            if type(a) is not Tensor:
                return None
            key.append((a.dtype, a._value.shape))
        cf = self._fast.get(tuple(key))
        return None if cf is None else cf._call_tensors(list(args))

    @property
    def concrete_functions(self) -> list:
        return list(self._concrete)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            out = self._fast_call(args)
            if out is not None:
                return out
        problems = []
        for convert in (False, True):
            for cf in self._concrete:
                try:
                    tensors = cf._match(args, kwargs, convert)
                except _NoMatch as exc:
                    problems.append(f"{cf._describe()}: {exc}")
                    continue
                if not kwargs and not convert and len(tensors) == len(args) and all(
                        t is a for t, a in zip(tensors, args)) and all(
                        type(a) is Tensor for a in args):
                    self._fast[tuple((a.dtype, a._value.shape) for a in args)] = cf
                return cf._call_tensors(tensors)
        shown = "\n  ".join(dict.fromkeys(problems))
        raise ValueError(f"Could not find a matching function to call loaded from the "
                         f"SavedModel ({self.__name__}). Got args={args!r}, "
                         f"kwargs={kwargs!r}; expected one of:\n  {shown}")

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> LoadedConcreteFunction:
        """The stored concrete function whose signature these arguments (TensorSpecs or
        values) match."""
        for cf in self._concrete:
            try:
                cf._match(tuple(_from_spec(a) for a in args),
                          {k: _from_spec(v) for k, v in kwargs.items()}, True)
                return cf
            except _NoMatch:
                continue
        raise ValueError(f"{self.__name__}: no stored concrete function matches "
                         f"{args!r} {kwargs!r}.")

    def __repr__(self) -> str:
        return f"<LoadedFunction {self.__name__} ({len(self._concrete)} concrete)>"


def _from_spec(a: Any) -> Any:
    if isinstance(a, TensorSpec):
        shape = [1 if d is None else d for d in (a.shape.as_list() if a.shape.rank is not None
                                                 else [])]
        return np.zeros(shape, a.dtype._numpy())
    return a


class Signature:
    """A restored signature (`loaded.signatures[name]`): keyword arguments in, a dict of
    named tensors out, as TF's signature functions."""

    def __init__(self, name: str, concrete: LoadedConcreteFunction, input_names: list,
                 output_names: list):
        self.name = name
        self._cf = concrete
        self._inputs = list(input_names)
        self._outputs = list(output_names)
        specs = concrete.input_specs
        self.structured_input_signature = ((), {n: TensorSpec(s.shape, s.dtype, name=n)
                                                for n, s in zip(self._inputs, specs)})

    @property
    def structured_outputs(self) -> dict:
        outs = self._cf.graph.outputs
        return {n: TensorSpec(o.spec.shape, o.spec.dtype, name=n)
                for n, o in zip(self._outputs, [o for o in outs if o is not None])}

    @property
    def variables(self) -> list:
        return list(self._cf.graph.reads)

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        if args:
            raise TypeError(f"signature {self.name!r} takes keyword arguments only "
                            f"({', '.join(self._inputs)}), as TF's signature functions; "
                            f"received {len(args)} positional.")
        missing = [n for n in self._inputs if n not in kwargs]
        extra = [k for k in kwargs if k not in self._inputs]
        if missing or extra:
            raise TypeError(f"signature {self.name!r} takes {self._inputs}; missing "
                            f"{missing}, unexpected {extra}.")
        tensors = []
        for n, spec in zip(self._inputs, self._cf.input_specs):
            t = kwargs[n] if isinstance(kwargs[n], TensorOps) else convert_to_tensor(
                kwargs[n], dtype=spec.dtype)
            if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
                raise ValueError(f"signature {self.name!r}: input {n!r} must be {spec}, "
                                 f"received {t.dtype.name}{list(t.shape)}.")
            tensors.append(t.value() if getattr(t, "_is_variable", False) else t)
        result = self._cf._call_tensors(tensors)
        if isinstance(result, dict):
            return result
        flat = [x for x in nest.flatten(result) if isinstance(x, TensorOps)]
        return dict(zip(self._outputs, flat))

    def __repr__(self) -> str:
        return f"<Signature {self.name}({', '.join(self._inputs)}) -> {self._outputs}>"


class LoadedObject(Module):
    """A restored object: its saved attributes (Variables, sub-objects, lists / dicts of
    them), functions, and `variables` / `trainable_variables` (tf.Module's walk, plus
    Variables the saved functions read)."""

    def __init__(self, name: str | None, type_name: str):
        super().__init__(name=name if name and name.isidentifier() else None)
        self._saved_type = type_name
        self._saved_variables: list = []

    def _set_function(self, name: str, fn: LoadedFunction) -> None:
        self.__dict__[name] = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fn = self.__dict__.get("__call__")
        if fn is None:
            raise TypeError(f"This restored {self._saved_type} object is not callable: "
                            f"no __call__ function was saved with it.")
        return fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<restored {self._saved_type} {self.name!r}>"
