"""GradientTape: reverse-mode autodiff over recorded primitive calls.

While a tape records, it is the top of the dispatch context (core/context.py) unless a graph
trace is, and every `bind` goes through `record_bind`: a Variable input is first
read (an `identity` node from the Variable to a Tensor holding its value at that moment),
then the primitive runs eagerly, and each recording tape that watches one of the inputs
appends a node `(prim, inputs, params, outputs)`. Only floating outputs become watched,
as in TF, so integer tensors never carry gradients.

The backward walk is iterative: the node list is already in execution (topological)
order, so it is walked once in reverse. Cotangents accumulate per tensor; a cotangent of
a broadcast shape is summed back to its input's shape in one place (`_accumulate`). The
walk binds only the primitives of core/grad_prims.py (add, sum_to / sum_to_like, a fill
seed): it needs nothing from the op library above. `jacobian` and `batch_jacobian` are
built on it one layer up (ops/gradient_tape.py).
Gradient rules are written with ember ops, so an outer tape records the backward pass
of an inner one: gradients of gradients work.

Example:
    >>> import ember as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    np.float32(6.0)
"""

from __future__ import annotations

import enum
import warnings
from typing import Any, Callable

from . import context, nest
from .context import CTX
from .convert import to_array
from .errors import DTypeError
from .grad_prims import add, fill_like, sum_to, sum_to_like
from .indexed_slices import IndexedSlices, concat_slices
from .registry import Primitive, run_kernel, symbolic_bind
from .rules import is_trainable
from .tensor import TensorOps, wrap


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target doesn't depend on."""

    NONE = "none"
    ZERO = "zero"




def record_bind(top: Any, prim: Primitive, args: tuple, params: dict) -> Any:
    """Binds while a tape records or a graph trace builds in this thread: the `process`
    of both (see core/context.py). `top` is the context's top: the innermost graph trace
    if there is one (`trace_top` True), else a tape."""
    for a in args:
        if a._trace is not None:  # a KerasTensor: records a functional-graph op
            return a._trace.process(prim, args, params)
    tapes = list(CTX.tapes)
    trace = top if top.trace_top else None
    symbolic = False
    for a in args:
        if a._is_variable:
            args = tuple(_read(a, tapes, trace) if a._is_variable else a for a in args)
            break
    for a in args:
        if not hasattr(a, "_value"):
            symbolic = True
            break
    if symbolic:
        if trace is None:
            return symbolic_bind(prim, args, params)  # raises: a Tracer left its function
        out = trace.add(prim, args, params)
    else:
        out = run_kernel(prim, args, params)
    if tapes:
        outs = out if prim.multiple_results else (out,)
        for tape in tapes:
            tape._record(prim, args, params, outs)
    return out


def _read(v: Any, tapes: list, trace: Any = None) -> Any:
    """The Variable's current value (a Tensor, or in a trace its Tracer), recorded as a
    read on tapes that watch the Variable."""
    r = trace.read(v) if trace is not None else wrap(v._value)
    if trace is not None and tapes:
        r = trace.read_for_tape(v, r)
    for tape in tapes:
        if id(r) in tape._watched:
            continue  # in a trace, every read of `v` is the same Tracer: record it once
        if id(v) in tape._watched or (tape._watch_accessed and v.trainable):
            tape._watch_variable(v)
            tape._nodes.append((_READ, (v,), {}, (r,)))
            tape._watched[id(r)] = r
    return r


def alias(src: Any, dst: Any) -> None:
    """Records that `dst` is the same value as `src` on every tape watching `src`."""
    for tape in CTX.tapes:
        if id(src) in tape._watched:
            tape._nodes.append((_READ, (src,), {}, (dst,)))
            tape._watched[id(dst)] = dst


class _Read:
    """The pseudo-primitive of a Variable read: its gradient passes straight through."""

    name = "read_variable"
    multiple_results = False

    @staticmethod
    def vjp(g: Any, inputs: tuple, out: Any) -> tuple:
        return (g,)


_READ = _Read()


class GradientTape:
    """Records operations for automatic differentiation (TF's `tf.GradientTape`).

    Args:
        persistent: allow several `gradient`/`jacobian` calls (default: one).
        watch_accessed_variables: watch every trainable Variable read while recording.

    Example:
        >>> import ember as tf
        >>> w = tf.Variable([[1.0], [2.0]])
        >>> x = tf.constant([[3.0, 4.0]])
        >>> with tf.GradientTape() as tape:
        ...     loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
        >>> tape.gradient(loss, w).numpy()
        array([[66.],
               [88.]], dtype=float32)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._nodes: list | None = []
        self._watched: dict = {}  # id -> tensor or variable (kept alive while watched)
        self._variables: dict = {}  # id -> Variable, in first-watched order
        self._recording = False

    # -- recording --------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        if self._nodes is None:
            raise RuntimeError("This GradientTape was already used to compute gradients "
                               "and is not persistent; create a new tape.")
        self._push()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pop()

    # A recording tape is a trace of the dispatch context: binds come to `process`.
    process = record_bind
    trace_top = False

    def _push(self) -> None:
        if not self._recording:
            context.push_tape(self)
            self._recording = True

    def _pop(self) -> None:
        if self._recording:
            context.pop_tape(self)
            self._recording = False

    def _record(self, prim: Any, args: tuple, params: dict, outs: tuple) -> None:
        watched = self._watched
        for a in args:
            if id(a) in watched:
                break
        else:
            return
        self._nodes.append((prim, args, params, outs))
        for o in outs:
            if is_trainable(o):
                watched[id(o)] = o

    def _watch_variable(self, v: Any) -> None:
        if id(v) not in self._variables:
            self._variables[id(v)] = v
            self._watched[id(v)] = v

    def watch(self, tensor: Any) -> None:
        """Watches a tensor, a Variable, or a nested structure of them."""
        for t in nest.flatten(tensor):
            if not isinstance(t, TensorOps):
                raise ValueError(f"GradientTape.watch: expected tensors or Variables, "
                                 f"received {type(t).__name__}.")
            if not is_trainable(t):
                warnings.warn(f"GradientTape.watch: a {t.dtype.name} tensor "
                              f"can't have a gradient; only floating and complex tensors do.",
                              stacklevel=2)
            if t._is_variable:
                self._watch_variable(t)
            else:
                self._watched[id(t)] = t

    def watched_variables(self) -> tuple:
        """The Variables this tape watches, in the order they were first watched."""
        return tuple(self._variables.values())

    def stop_recording(self) -> "_StopRecording":
        """A context in which operations are not recorded on this tape."""
        return _StopRecording(self)

    def reset(self) -> None:
        """Forgets everything recorded so far (watched tensors included)."""
        self._nodes = []
        self._watched = {}
        self._variables = {}

    # -- gradients ----------------------------------------------------------------
    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """d(sum of targets)/d(source) for each source, in the structure of `sources`.

        Args:
            target: a tensor or a (nested) list of tensors; several targets add up.
            sources: a Variable/tensor or a nested list/dict of them.
            output_gradients: initial cotangents for the targets (default: ones).
            unconnected_gradients: 'none' (None for unconnected sources) or 'zero'.
        """
        self._check_usable("gradient")
        try:
            return self._gradient(target, sources, output_gradients, unconnected_gradients)
        finally:
            if not self._persistent:
                self._nodes = None
                self._watched = {}

    def _check_usable(self, what: str) -> None:
        if self._nodes is None:
            raise RuntimeError(
                f"GradientTape.{what} can only be called once on a non-persistent tape. "
                f"Create the tape with GradientTape(persistent=True) to call it again.")

    def _gradient(self, target, sources, output_gradients, unconnected) -> Any:
        unconnected = UnconnectedGradients(getattr(unconnected, "value", unconnected))
        flat_targets = nest.flatten(target)
        flat_sources = nest.flatten(sources)
        for s in flat_sources:
            if not isinstance(s, TensorOps):
                raise ValueError(f"GradientTape.gradient: sources must be tensors or "
                                 f"Variables, received {type(s).__name__}.")
        if output_gradients is None:
            ogs = [None] * len(flat_targets)
        else:
            ogs = nest.flatten(output_gradients)
            if len(ogs) != len(flat_targets):
                raise ValueError(f"GradientTape.gradient: {len(flat_targets)} targets but "
                                 f"{len(ogs)} output_gradients.")
        grads = self._backward(flat_targets, flat_sources, ogs, sparse=True)
        out = []
        for s, g in zip(flat_sources, grads):
            if not is_trainable(s):
                warnings.warn(
                    f"GradientTape.gradient: the source has dtype "
                    f"{s.dtype.name}; gradients exist only for floating "
                    f"and complex tensors, so it gets None. Cast it to a float type first.", stacklevel=3)
                g = None
            elif g is None and unconnected is UnconnectedGradients.ZERO:
                g = fill_like(s, 0)
            out.append(g)
        return nest.pack_sequence_as(sources, out)

    def _backward(self, targets: list, sources: list, output_gradients: list,
                  sparse: bool = False) -> list:
        """Cotangents of `sources`, for cotangents `output_gradients` of `targets`.
        `sparse`: a Variable read only by `gather` (axis 0) gets an IndexedSlices."""
        was_recording = self._recording
        self._pop()  # never record our own backward pass (outer tapes still do)
        try:
            return _walk(self._nodes, targets, sources, output_gradients,
                         sparse=sparse and not CTX.tapes)
        finally:
            if was_recording:
                self._push()


class _StopRecording:
    def __init__(self, tape: GradientTape):
        self._tape = tape
        self._was = False

    def __enter__(self) -> None:
        self._was = self._tape._recording
        self._tape._pop()

    def __exit__(self, *exc: Any) -> None:
        if self._was:
            self._tape._push()


def _cotangent(og: Any, t: Any) -> Any:
    """An `output_gradients` entry as a tensor of target `t`'s dtype."""
    if isinstance(og, TensorOps):
        if og.dtype != t.dtype:
            raise DTypeError(f"GradientTape.gradient: an output gradient of dtype "
                             f"{og.dtype.name} for a target of dtype {t.dtype.name}; cast "
                             f"it with ember.cast(g, ember.{t.dtype.name}).")
        return og.value() if og._is_variable else og
    return wrap(to_array(og, t.dtype, copy=True))


def _walk(nodes: list, targets: list, sources: list, ogs: list,
          sparse: bool = False) -> list:
    source_ids = {id(s) for s in sources}
    # Forward: which nodes depend on a source (only those need a backward step).
    reach = set(source_ids)
    relevant = []
    for node in nodes:
        for a in node[1]:
            if id(a) in reach:
                relevant.append(node)
                for o in node[3]:
                    reach.add(id(o))
                break
    cts: dict = {}
    for t, og in zip(targets, ogs):
        if not isinstance(t, TensorOps):
            raise ValueError(f"GradientTape.gradient: target must be a tensor, received "
                             f"{type(t).__name__}.")
        g = fill_like(t, 1) if og is None else _cotangent(og, t)
        _accumulate(cts, t, g, exact=og is None)  # the seed has t's shape
    # Sparse gradients (TF's IndexedSlices): the outputs of Variable reads whose cotangent
    # may be kept sparse when a `gather` along axis 0 is their consumer.
    reads = ({id(n[3][0]) for n in relevant if n[0] is _READ and n[1][0]._is_variable}
             if sparse else set())
    try:
        _backward_steps(relevant, reach, cts, reads)
    finally:
        _NEEDS[0] = None
    return [cts.get(id(s)) for s in sources]


def _backward_steps(relevant: list, reach: set, cts: dict, reads: set = frozenset()) -> None:
    """One gradient rule per relevant node, in reverse; cotangents accumulate in `cts`.
    A primitive in `SPARSE_VJPS` (gather) whose first input is in `reads` (a Variable
    read) gives that input an IndexedSlices cotangent instead of a dense one."""
    for prim, ins, params, outs in reversed(relevant):
        if reads and id(ins[0]) in reads and prim.name in SPARSE_VJPS \
                and prim.name not in GRADIENT_OVERRIDES:
            g0 = cts.get(id(outs[0]))
            if g0 is None:
                continue
            slices = SPARSE_VJPS[prim.name](g0, ins, outs[0], **params)
            if slices is not None:
                _accumulate(cts, ins[0], slices)
                continue
        _NEEDS[0] = tuple(id(x) in reach for x in ins)
        if prim.multiple_results:
            gs = tuple(cts.get(id(o)) for o in outs)
            if all(g is None for g in gs):
                continue
            vjp = _vjp_of(prim)
            in_cts = vjp(gs, ins, outs, **params)
        else:
            g0 = cts.get(id(outs[0]))
            if g0 is None:
                continue
            vjp = _vjp_of(prim)
            in_cts = vjp(g0, ins, outs[0], **params)
        _NEEDS[0] = None
        for i, (x, g) in enumerate(zip(ins, in_cts)):
            if g is not None and is_trainable(x):
                _accumulate(cts, x, g, getattr(prim, "elementwise", False)
                            and _exact_for(ins, i))


_MISSING = object()
_NEEDS: list = [None]  # per input of the node being differentiated: needs a cotangent?


def needs_gradient(i: int) -> bool:
    """Inside a gradient rule: whether input `i` leads to a source of the current
    `gradient` call. A rule may skip computing a cotangent nobody uses (returning None),
    e.g. pow's for a constant exponent. True when unknown."""
    needs = _NEEDS[0]
    return True if needs is None else needs[i]


# Gradient rules that return an IndexedSlices for input 0 (or None: use the dense rule),
# by primitive name; `prims/gather.py` registers gather's. Same signature as a VJP.
SPARSE_VJPS: dict = {}

# Gradient rules registered by the user (`tf.RegisterGradient(name)`), by primitive name:
# they replace the built-in VJP of that primitive for the tape (None: no gradient).
GRADIENT_OVERRIDES: dict = {}


def _vjp_of(prim: Any) -> Callable:
    over = GRADIENT_OVERRIDES.get(getattr(prim, "name", None), _MISSING)
    if over is not _MISSING:
        if over is None:
            return lambda g, ins, out, **params: (None,) * len(ins)
        return over
    if prim.vjp is None:
        raise LookupError(f"No gradient defined for primitive {prim.name!r}; declare "
                          f"one with defvjp (or no_gradient) next to the primitive.")
    return prim.vjp


def _dims(t: Any) -> tuple:
    v = getattr(t, "_value", None)
    return v.shape if v is not None else tuple(t.shape)


def _exact_for(ins: Any, i: int) -> bool:
    """Whether input i of an elementwise op has the op's output shape whatever the unknown
    dims turn out to be: no other input can broadcast it to a larger shape. Then its
    cotangent needs no run-time `sum_to_like` (which would also keep the forward tensor
    alive into the backward pass just for its shape)."""
    xd = _dims(ins[i])
    for j, y in enumerate(ins):
        if j == i:
            continue
        yd = _dims(y)
        if len(yd) > len(xd):
            return False
        for a, b in zip(reversed(xd), reversed(yd)):
            # y's dim b can't grow x's dim a: b is 1, or a is a known size other than 1
            # (then b must be a, or 1, at run time)
            if not (b == 1 or (a is not None and a != 1 and (b is None or b == a))):
                return False
    return True


def _accumulate(cts: dict, x: Any, g: Any, exact: bool = False) -> None:
    prev = cts.get(id(x))
    if isinstance(g, IndexedSlices) or isinstance(prev, IndexedSlices):
        # Sparse + sparse: concatenated (as TF aggregates them); with a dense one: summed
        # densely.
        if prev is None:
            cts[id(x)] = g
        elif isinstance(g, IndexedSlices) and isinstance(prev, IndexedSlices):
            cts[id(x)] = concat_slices(g, prev)  # the backward walk runs in reverse
        else:
            sp, dense = (g, prev) if isinstance(g, IndexedSlices) else (prev, g)
            if _dims(dense) != _dims(x):
                dense = sum_to(dense, _dims(x))
            cts[id(x)] = add(dense, sp._dense())
        return
    xdims = _dims(x)
    if exact and len(_dims(g)) == len(xdims):
        pass  # g has x's shape (see `_exact_for`)
    elif None in xdims:
        # Inside ember.function: a None dim of x may be 1 at run time while g's is not,
        # so the sum back to x's shape is decided at run time.
        g = sum_to_like(g, x)
    elif _dims(g) != xdims:
        g = sum_to(g, xdims)
    cts[id(x)] = g if prev is None else add(prev, g)
