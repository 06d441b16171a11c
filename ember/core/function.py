"""`ember.function`: trace a Python function into a graph once per input signature.

- Tensor arguments become graph inputs (by dtype and shape); NumPy arrays count as
  tensors; Python values are part of the signature (a new value traces again).
- After a retrace caused by new shapes, the new trace relaxes every dim that differed to
  None, so a function called with batch sizes 1..100 traces twice, not 100 times.
- Variables captured by closure are read fresh on every call; `assign` inside works and is
  applied when the call ends.
- While a GradientTape records, the graph is replayed op by op through the tape, so
  gradients of a traced function equal eager gradients.

Example:
    >>> import ember as tf
    >>> v = tf.Variable(1.0)
    >>> @tf.function
    ... def step(x):
    ...     v.assign_add(x)
    ...     return v * 2.0
    >>> float(step(tf.constant(2.0))), float(v)
    (6.0, 3.0)
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable

import numpy as np

from .. import backend
from . import nest, registry
from .context import ACTIVE, CTX, LISTENERS, enter_mode, exit_mode
from .convert import to_array
from .dtypes import BY_NP, as_dtype
from .errors import DTypeError, ShapeError, fmt_spec
from .executor import Plan
from .graph import Trace, Tracer
from .shape import TensorShape, TensorSpec
from .signature_text import signature_text
from .tensor import ConcreteTensor, Tensor, TensorOps, wrap
from .variable import Variable
from .xla import XlaPlan, active_mesh

_RUN_EAGERLY = [False]
# AutoGraph's converter, installed by ember.autograph (core never imports upward): maps a
# Python function to the one to trace.
_AUTOGRAPH: list = [None]
_TENSOR = object()  # marks a tensor slot among a function's output leaves
RETRACE_WARNING_THRESHOLD = 5


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Makes every ember.function run its Python code eagerly (for debugging). While on, it
    is a mode of the dispatch context (fast paths step aside).

    Example:
        >>> import ember as tf
        >>> tf.config.run_functions_eagerly(True)
        >>> tf.config.functions_run_eagerly()
        True
        >>> tf.config.run_functions_eagerly(False)
    """
    new = bool(run_eagerly)
    if new and not _RUN_EAGERLY[0]:
        enter_mode()
    elif not new and _RUN_EAGERLY[0]:
        exit_mode()
    _RUN_EAGERLY[0] = new


def functions_run_eagerly() -> bool:
    return _RUN_EAGERLY[0]


def structure_key(x: Any) -> Any:
    """A hashable description of a nested structure, leaves replaced by '*'.

    Example:
        >>> structure_key({"b": [1, 2], "a": 3})
        ('dict', ('a', 'b'), ('*', ('list', ('*', '*'))))
    """
    if isinstance(x, dict):
        return ("dict", tuple(sorted(x)), tuple(structure_key(x[k]) for k in sorted(x)))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(structure_key(v) for v in x))
    return "*"


def _leaf_key(x: Any) -> tuple:
    if isinstance(x, TensorSpec):
        return ("T", x.dtype.name, x.shape)
    if isinstance(x, ConcreteTensor):
        if x._is_variable:
            return ("V", id(x))
        return ("T", BY_NP[x._value.dtype].name, TensorShape(x._value.shape))
    if isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype in BY_NP:
        return ("T", BY_NP[np.asarray(x).dtype].name, TensorShape(np.shape(x)))
    try:
        hash(x)
    except TypeError:
        raise TypeError(
            f"ember.function: an argument of type {type(x).__name__} is not hashable, so it "
            f"can't be part of the trace signature. Pass tensors, or hashable Python "
            f"values.") from None
    return ("P", type(x).__name__, x)


def _fast_key(args: tuple) -> tuple | None:
    """A signature key for positional Tensors and Variables only, else None."""
    key = []
    for a in args:
        if type(a) is Tensor:
            v = a._value
            key.append((v.dtype, v.shape))
        elif type(a) is Variable:
            key.append(id(a))
        else:
            return None
    return tuple(key)


class ConcreteFunction:
    """One traced graph of a Function, with its plan; callable on matching inputs."""

    def __init__(self, graph: Any, specs: list, leaf_kinds: list, out_structure: Any,
                 out_python: list, name: str):
        self.graph = graph
        self.input_specs = specs  # one TensorSpec per tensor leaf of the arguments
        self._leaf_kinds = leaf_kinds  # per leaf: "T", "V" or "P"
        self.structured_outputs = out_structure
        self._out_python = out_python  # per output leaf: a Python value, or _TENSOR
        self.name = name
        self._plan: Plan | None = None
        self._jit = False  # jit_compile=True: run on the JAX backend (XLA)
        self._single = (len(out_python) == 1 and out_python[0] is _TENSOR
                        and isinstance(out_structure, TensorOps))

    @property
    def plan(self) -> Any:
        """The compiled graph: the NumPy executor's Plan, or an XlaPlan (jax.jit) when the
        function asked for `jit_compile=True` or the backend is JAX."""
        if self._plan is None:
            if self._jit or backend.current() == "jax":
                self._plan = XlaPlan(self.graph)
            else:
                self._plan = Plan(self.graph)
        return self._plan

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        leaves = nest.flatten((args, kwargs))
        return self._call_flat([x for x, k in zip(leaves, self._leaf_kinds) if k == "T"])

    def _call_flat(self, tensors: list) -> Any:
        """Calls the graph on the tensor arguments (NumPy arrays are wrapped first)."""
        return self._call_tensors([t if isinstance(t, ConcreteTensor) else wrap(np.asarray(t))
                                   for t in tensors])

    def _call_tensors(self, tensors: list) -> Any:
        """Calls the graph on Tensors/Variables (the fast path of a call)."""
        if ACTIVE:  # a mode: listeners (they count in ACTIVE) and tapes want to know
            if LISTENERS:
                for listener in tuple(LISTENERS):
                    listener.on_call(self)
            if CTX.tapes:
                return self._replay_on_tape(tensors)
        outs, updates = (self._plan or self.plan).call(*tensors)
        if updates:
            _apply_updates(self.graph.updates, updates, [t._value for t in tensors])
        if self._single:
            return wrap(outs[0])
        return self._pack([None if o is None else wrap(o) for o in outs])

    def _pack(self, tensors: list) -> Any:
        it = iter(tensors)
        flat = [next(it) if p is _TENSOR else p for p in self._out_python]
        return nest.pack_sequence_as(self.structured_outputs, flat)

    def _replay_on_tape(self, tensors: list) -> Any:
        """Runs the graph op by op through `bind`, so recording tapes see every op."""
        g = self.graph
        env: dict = {}
        n_args = len(g.inputs) - len(g.reads)
        for t, x in zip(g.inputs[:n_args], tensors):
            env[id(t)] = x if isinstance(x, TensorOps) else wrap(np.asarray(x))
        for t, v in zip(g.inputs[n_args:], g.reads):
            env[id(t)] = v  # the Variable itself: the tape records the read

        def val(a: Any) -> Any:
            return env[id(a)] if isinstance(a, Tracer) else wrap(a.value)

        for e in g.eqns:
            out = registry.bind(e.prim, *[val(a) for a in e.ins], **e.params)
            outs = out if e.prim.multiple_results else (out,)
            for o, x in zip(e.outs, outs):
                env[id(o)] = x
        results = [None if o is None else val(o) for o in g.outputs]
        for v, a in g.updates:
            v.assign(val(a))
        return self._pack(results)

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        """TF's text of this signature: `Input Parameters:`, `Output Type:`, `Captures:`."""
        fn, (args, kwargs) = getattr(self, "_signature", (None, ((), {})))
        outputs = nest.map_structure(
            lambda o: TensorSpec(o.shape, o.dtype) if isinstance(o, TensorOps) else o,
            self.structured_outputs)
        return signature_text(fn, args, kwargs, outputs, list(self.graph.reads))

    def __repr__(self) -> str:
        sig = ", ".join(fmt_spec(s.shape, s.dtype) for s in self.input_specs)
        return f"<ConcreteFunction {self.name}({sig})>"


def _apply_updates(pairs: list, values: tuple, inputs: list) -> None:
    """Writes the new Variable values, all or none (each checked first)."""
    checked = []
    for (v, _), arr in zip(pairs, values):
        cur = v._value
        if arr is cur:  # updated in place (an optimizer's fused update): nothing to do
            continue
        if isinstance(arr, (np.generic, float, int, bool)):
            arr = np.asarray(arr)  # a NumPy scalar from a kernel (a device array stays)
        if arr.shape == cur.shape and arr.dtype == cur.dtype:
            # NOTE: the common case (same shape and dtype) skips the TensorShape checks.
            checked.append((v, arr.copy() if any(arr is x for x in inputs) else arr))
            continue
        declared = v._shape if v._shape is not None else TensorShape(v._value.shape)
        if not declared.is_compatible_with(arr.shape) or len(arr.shape) != len(declared):
            raise ShapeError(f"Variable {v.name!r}: ember.function assigned a value of shape "
                             f"{arr.shape} to a variable of shape {declared}; no variable "
                             f"was changed.")
        if any(arr is x for x in inputs):
            arr = arr.copy()  # never alias a caller's array
        checked.append((v, arr))
    for v, arr in checked:
        v._value = arr


class Function:
    """A Python function compiled by tracing (TF's `tf.function`). See `function`."""

    def __init__(self, python_function: Callable, input_signature: Any = None,
                 reduce_retracing: bool = False, jit_compile: Any = None,
                 name: str | None = None, autograph: bool = True):
        self._python_function = python_function
        self._autograph = autograph
        self._converted: Callable | None = None
        self._input_signature = (None if input_signature is None
                                 else list(input_signature))
        self._reduce_retracing = reduce_retracing
        self._jit_compile = jit_compile
        self._name = name or getattr(python_function, "__name__", "function")
        self._exact: dict = {}  # full key -> ConcreteFunction
        self._fast: dict = {}  # key of positional Tensor/Variable args -> ConcreteFunction
        self._by_family: dict = {}  # key without shapes -> [ConcreteFunction, ...]
        self._tracing_count = 0
        self._warned = False
        functools.update_wrapper(self, python_function)

    def _traced_function(self) -> Callable:
        """The function to trace: AutoGraph's conversion of it (made once), or itself."""
        if self._converted is None:
            convert = _AUTOGRAPH[0]
            use = self._autograph and convert is not None
            self._converted = convert(self._python_function) if use else self._python_function
        return self._converted

    @property
    def python_function(self) -> Callable:
        return self._python_function

    @property
    def input_signature(self) -> Any:
        return self._input_signature

    def experimental_get_tracing_count(self) -> int:
        """How many graphs this function has traced."""
        return self._tracing_count

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """The signatures traced so far, in order, each as TF prints it (blank-line
        separated)."""
        seen, cfs = set(), []
        for cf in self._exact.values():
            if id(cf) not in seen:
                seen.add(id(cf))
                cfs.append(cf)
        return "\n\n".join(cf.pretty_printed_signature(verbose) for cf in cfs)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        bound = functools.partial(self.__call__, instance)
        bound.get_concrete_function = functools.partial(self.get_concrete_function, instance)
        return bound

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _RUN_EAGERLY[0] or (ACTIVE and CTX.traces):
            # Eager debugging, or a call inside another traced function: inline it.
            if _RUN_EAGERLY[0]:
                return self._python_function(*args, **kwargs)
            return self._traced_function()(*args, **kwargs)
        if not kwargs:
            # NOTE: the common call (a few positional tensors) skips the general signature.
            key = _fast_key(args)
            if key is not None:
                cf = self._fast.get(key)
                if cf is None:
                    cf = self._fast[key] = self._concrete(args, kwargs)[0]
                return cf._call_tensors([a for a in args if not a._is_variable])
        cf, leaves = self._concrete(args, kwargs)
        return cf._call_flat([x for x, k in zip(leaves, cf._leaf_kinds) if k == "T"])

    def experimental_get_compiler_ir(self, *args: Any, **kwargs: Any) -> Callable:
        """TF's `experimental_get_compiler_ir(*args)(stage=...)`: the XLA program the
        function runs for these arguments ("hlo" or "optimized_hlo"); for functions that
        run through XLA (`jit_compile=True`, or the JAX backend)."""
        cf = self.get_concrete_function(*args, **kwargs)
        plan = cf.plan
        if not isinstance(plan, XlaPlan):
            raise ValueError(f"experimental_get_compiler_ir: {self._name} runs on the NumPy "
                             f"backend, which compiles no XLA program; pass jit_compile=True "
                             f"or use the JAX backend.")
        leaves = nest.flatten((args, kwargs))
        tensors = [x if isinstance(x, ConcreteTensor) else wrap(np.asarray(x))
                   for x, k in zip(leaves, cf._leaf_kinds) if k == "T"]
        return lambda stage="hlo", device_name=None: plan.compiler_ir(*tensors, stage=stage)

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The traced graph for these arguments (tensors or TensorSpecs).

        Example:
            >>> import ember as tf
            >>> f = tf.function(lambda x: x + 1)
            >>> f.get_concrete_function(tf.TensorSpec([None], tf.float32)).input_specs
            [TensorSpec(shape=(None,), dtype=tf.float32, name=None)]
        """
        if self._input_signature is not None and not kwargs and (
                not args or (len(args) == 1 and self._is_method())):
            args = args + tuple(self._input_signature)  # (the instance of a method first)
        return self._concrete(args, kwargs)[0]

    def _bound_to(self, args: tuple) -> bool:
        """Whether args[0] is the instance of a method with an input_signature (as the
        signature lists the arguments after `self`)."""
        return (self._input_signature is not None
                and len(args) == len(self._input_signature) + 1 and self._is_method())

    def _is_method(self) -> bool:
        method = getattr(self, "_method", None)
        if method is None:  # asked on every call with a signature: inspected once
            params = positional_names(self._python_function)
            method = self._method = bool(params) and params[0] == "self"
        return method

    # -- signature and cache -------------------------------------------------------
    def _concrete(self, args: tuple, kwargs: dict) -> tuple:
        if self._input_signature is not None:
            args = self._conform(args, kwargs)
            kwargs = {}
        leaves = nest.flatten((args, kwargs))
        keys = [_leaf_key(x) for x in leaves]
        struct = structure_key((args, kwargs))
        full = (struct, tuple(keys))
        cf = self._exact.get(full)
        if cf is not None:
            return cf, leaves
        family = (struct, tuple(k if k[0] != "T" else ("T", k[1]) for k in keys))
        shapes = [k[2] for k in keys if k[0] == "T"]
        known = self._by_family.get(family, [])
        for cand in known:  # a relaxed trace that accepts these shapes
            if all(s.shape.is_compatible_with(sh) and s.shape.rank == sh.rank
                   for s, sh in zip(cand.input_specs, shapes)):
                self._exact[full] = cand
                return cand, leaves
        reason = "first call"
        if known:
            prev = known[-1]
            shapes = [s.shape.most_specific_compatible_shape(sh) if s.shape.rank == sh.rank
                      else sh for s, sh in zip(prev.input_specs, shapes)]
            reason = "new input shapes " + ", ".join(
                f"{list(sh)}" for sh in shapes)
        elif self._tracing_count:
            reason = "new Python values or argument structure: " + ", ".join(
                repr(k[2]) for k in keys if k[0] == "P")
        cf = self._trace(args, kwargs, leaves, keys, shapes)
        self._exact[full] = cf
        self._by_family.setdefault(family, []).append(cf)
        self._note_retrace(reason)
        return cf, leaves

    def _conform(self, args: tuple, kwargs: dict) -> tuple:
        sig = self._input_signature
        if kwargs:
            raise TypeError(f"{self._name}: with an input_signature, pass arguments by "
                            f"position, received keywords {sorted(kwargs)}.")
        head: tuple = ()
        if self._bound_to(args):
            head, args = args[:1], args[1:]
        if len(args) != len(sig):
            raise TypeError(f"{self._name}: input_signature has {len(sig)} arguments, "
                            f"received {len(args)}.")
        out = list(head)
        for i, (a, spec) in enumerate(zip(args, sig)):
            flat_spec = nest.flatten(spec)
            # a nest of specs, or a composite's spec (RaggedTensorSpec: its components)
            structured = nest.is_nested(spec) or len(flat_spec) != 1 or flat_spec[0] is not spec
            flat_a = nest.flatten(a) if structured else [a]
            if structured and not nest.is_nested(spec) and type(a) is not type(spec):
                _check_composite(self._name, i, spec, a)
            if len(flat_a) != len(flat_spec):
                raise ValueError(f"{self._name}: argument {i} does not match the structure "
                                 f"of input_signature {spec}.")
            conv = []
            for x, s in zip(flat_a, flat_spec):
                if isinstance(x, TensorSpec) or not isinstance(s, TensorSpec):
                    if not isinstance(s, TensorSpec) and not isinstance(x, TensorSpec) \
                            and x != s:  # a static part of a composite's spec
                        raise ValueError(f"{self._name}: argument {i} has {x!r} where "
                                         f"input_signature {spec} fixes {s!r}.")
                    conv.append(x)
                    continue
                if not isinstance(x, ConcreteTensor):
                    x = wrap(to_array(x, s.dtype, copy=True))
                if x.dtype != s.dtype or not s.shape.is_compatible_with(x.shape):
                    raise (DTypeError if x.dtype != s.dtype else ShapeError)(
                        f"{self._name}: argument {i} is {fmt_spec(x.shape, x.dtype)}, which "
                        f"does not match input_signature {s}.")
                conv.append(x)
            out.append(nest.pack_sequence_as(spec, conv) if structured else conv[0])
        return tuple(out)

    def _trace(self, args: tuple, kwargs: dict, leaves: list, keys: list,
               shapes: list) -> ConcreteFunction:
        if self._input_signature is not None:
            sig_specs = nest.flatten(self._input_signature)
            shapes = [s.shape for s in sig_specs]
        trace = Trace(self._name)
        specs, kinds, traced_leaves = [], [], []
        shape_it = iter(shapes)
        with trace:
            for x, k in zip(leaves, keys):
                if k[0] == "T":
                    spec = TensorSpec(next(shape_it), as_dtype(k[1]),
                                      name=x.name if isinstance(x, TensorSpec) else None)
                    specs.append(spec)
                    traced_leaves.append(trace.placeholder(spec))
                else:
                    traced_leaves.append(x)
                kinds.append(k[0] if k[0] != "V" else "V")
            targs, tkwargs = nest.pack_sequence_as((args, kwargs), traced_leaves)
            result = self._traced_function()(*targs, **tkwargs)
        # NOTE: a composite result (IndexedSlices, SparseTensor, RaggedTensor: registered
        # with nest) flattens to its component tensors here and is rebuilt by `_pack`, so
        # an IndexedSlices comes back as an IndexedSlices, as from TF's tf.function.
        flat = nest.flatten(result)
        tensors = [o for o in flat if isinstance(o, TensorOps)]
        python = [_TENSOR if isinstance(o, TensorOps) else o for o in flat]
        graph = trace.finish(tensors)
        # traced inside a strategy's scope (or strategy.run): runs on its devices
        graph.mesh = graph.mesh or active_mesh()
        self._tracing_count += 1
        cf = ConcreteFunction(graph, specs, kinds, result, python, self._name)
        cf._jit = self._jit_compile is True
        spec_it = iter(specs)  # for pretty_printed_signature: TensorSpecs for the tensors
        cf._signature = (self._python_function, nest.pack_sequence_as(
            (args, kwargs), [next(spec_it) if k[0] == "T" else x for x, k in zip(leaves, keys)]))
        if LISTENERS:
            for listener in tuple(LISTENERS):
                listener.on_trace(cf)
        return cf

    def _note_retrace(self, reason: str) -> None:
        n = self._tracing_count
        if n >= RETRACE_WARNING_THRESHOLD and not self._warned:
            self._warned = True
            warnings.warn(
                f"{n} calls to ember.function {self._name!r} triggered tracing (last reason: "
                f"{reason}). Tracing is expensive. Common causes: passing Python numbers "
                f"that change between calls (pass tensors instead), tensors of new ranks or "
                f"dtypes, or creating the ember.function inside a loop (create it once). An "
                f"input_signature with None dims fixes the signature.", stacklevel=3)

    def __repr__(self) -> str:
        return f"<ember.function {self._name}>"


def function(func: Callable | None = None, input_signature: Any = None,
             autograph: bool = True, jit_compile: Any = None, reduce_retracing: bool = False,
             experimental_implements: Any = None, experimental_autograph_options: Any = None,
             experimental_attributes: Any = None, experimental_relax_shapes: Any = None,
             experimental_compile: Any = None, experimental_follow_type_hints: Any = None,
             name: str | None = None) -> Any:
    """Compiles a Python function into a graph, traced once per input signature.

    Usable as `@ember.function` or `@ember.function(input_signature=[...])`. With
    `jit_compile=True` the graph runs through XLA on the JAX backend (`ember[jax]`), as
    every graph does after `ember.config.set_backend("jax")`; otherwise (None, False, the
    default) on the current backend, NumPy by default. With `autograph` (the
    default) Python `if`/`while`/`for` on tensors become graph control flow
    (`ember.autograph`).

    Example:
        >>> import ember as tf
        >>> @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        ... def norm_rows(x):
        ...     return tf.sqrt(tf.reduce_sum(x * x, axis=1))
        >>> norm_rows(tf.constant([[3.0, 4.0]])).numpy()
        array([5.], dtype=float32)
    """
    def decorate(f: Callable) -> Function:
        return Function(f, input_signature=input_signature,
                        reduce_retracing=bool(reduce_retracing or experimental_relax_shapes),
                        jit_compile=jit_compile, name=name, autograph=bool(autograph))

    return decorate if func is None else decorate(func)


def positional_names(fn: Callable) -> list:
    """The names of `fn`'s positional parameters (empty where Python can't tell).

    Example:
        >>> positional_names(lambda x, y=1, *rest, k=2: x)
        ['x', 'y']
    """
    try:
        return [p.name for p in inspect.signature(fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _check_composite(name: str, i: int, spec: Any, value: Any) -> None:
    """A composite argument (SparseTensor, RaggedTensor) against its input_signature spec:
    the spec's static shape and dtype hold, as TF checks them."""
    from_value = getattr(type(spec), "from_value", None)
    if from_value is None or not hasattr(spec, "is_compatible_with"):
        return
    try:
        got = from_value(value)
    except (TypeError, ValueError, AttributeError):
        raise TypeError(f"{name}: argument {i} is {type(value).__name__}; input_signature "
                        f"wants {spec}.") from None
    if not spec.is_compatible_with(got):
        raise ValueError(f"{name}: argument {i} is {got}, which does not match "
                         f"input_signature {spec}.")
