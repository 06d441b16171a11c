"""The primitive registry and `bind`, the one dispatch point of every op.

A primitive is declared once (see `docs/adding_a_primitive.md`): its name, its shape/dtype
rule (a function of `TensorSpec`s and static params, returning `TensorSpec`s), its kernel
(found by name in the active backend), a slot for its gradient rule, and the cheap checks
that eager dispatch runs inline.

Eager dispatch is lean: it checks dtypes against precomputed NumPy dtype sets, calls the
kernel and wraps the result. It does not evaluate the shape rule on the hot path; when a
kernel fails, the shape rule is evaluated to explain why, so the error names the op and
the operand specs rather than surfacing a NumPy traceback. Primitives whose misuse NumPy
would silently accept declare `check="rule"`, and their rule runs before the kernel.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import backend as _backend
from . import rules
from .context import ACTIVE, CTX, enter_mode, exit_mode
from .dtypes import BY_NP
from .errors import DTypeError, InvalidArgumentError, OpError, SymbolicValueError, fmt_spec
from .shape import TensorSpec
from .tensor import Tensor, wrap


class Primitive:
    """One primitive op: name, shape rule, kernel, gradient slot, eager checks."""

    __slots__ = ("name", "rule", "kernel", "numpy_kernel", "vjp", "allowed", "same_dtype",
                 "check_rule", "multiple_results", "doc", "higher_order", "effect",
                 "elementwise", "value_check")

    def __init__(self, name: str, rule: Callable, *, allowed=None, same_dtype: bool = False,
                 check: str = "fast", multiple_results: bool = False, doc: str = "",
                 kernel: Callable | None = None, effect: bool = False,
                 elementwise: bool = False, value_check: Callable | None = None):
        self.name = name
        # The declared dtype checks (`allowed`, `same_dtype`) run before the shape rule
        # everywhere it is evaluated (graph tracing, KerasTensors, explaining a failed
        # kernel), with the messages eager dispatch raises: one dtype set, one message.
        self.rule = rules.dtype_checked(name, rule, allowed, same_dtype) \
            if allowed is not None or same_dtype else rule
        # Control-flow primitives bring their kernel (it runs compiled sub-graphs, which
        # is the executor's business, not a backend's); every other one is looked up.
        self.kernel = kernel if kernel is not None else _backend.get_kernel(name)
        # The NumPy kernel, whatever backend eager ops run on (`use_backend_kernels`):
        # the NumPy executor and shape arithmetic at lowering time call it.
        self.numpy_kernel = self.kernel
        # Higher-order primitives (cond, while_loop) take sub-graphs as params; they are
        # tested by tests/test_control_flow.py rather than by the NumPy spec table.
        self.higher_order = kernel is not None
        self.vjp = None  # gradient rule slot: filled by `defvjp` (autodiff issue)
        self.allowed = allowed  # frozenset of NumPy dtypes input 0 may have, or None
        self.same_dtype = same_dtype  # all tensor inputs must share input 0's dtype
        self.check_rule = check == "rule"
        self.multiple_results = multiple_results
        self.doc = doc
        # An effect primitive changes state (Variables' buffers, in place) as it runs: a
        # graph keeps it even when no output uses it, and never folds it as a constant.
        self.effect = effect
        # An elementwise primitive's output has the broadcast shape of its inputs, and its
        # gradient rule returns cotangents of that shape: the tape then knows statically
        # when one needs no sum back to an input (see tape._exact_for).
        self.elementwise = elementwise
        # `value_check(*arrays, **params)` raises the op's own error for input values its
        # kernel refused (e.g. a shape read at run time): the same error eager mode raises
        # from the op's checks. `_explain` tries it before the shape rule.
        self.value_check = value_check

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def kernel_for(self, backend: str) -> Callable:
        """This primitive's kernel in `backend` (`self.kernel` is the NumPy one, which
        eager mode calls; a higher-order primitive's kernel is the same everywhere).

        Example:
            >>> from ember.core.registry import PRIMITIVES
            >>> PRIMITIVES["add"].kernel_for("numpy") is PRIMITIVES["add"].kernel
            True
        """
        if self.higher_order or backend == _backend.DEFAULT:
            return self.kernel
        return _backend.get_kernel(self.name, backend)

    def abstract_eval(self, *specs: TensorSpec, **params) -> Any:
        """Output spec(s) for input specs: the shape/dtype rule."""
        return self.rule(*specs, **params)


PRIMITIVES: dict[str, Primitive] = {}


def use_backend_kernels(name: str) -> None:
    """Eager ops run on backend `name`'s kernels from now on (its arrays: on the JAX
    backend, device arrays), where it has one; the others keep their NumPy kernel.

    Example:
        >>> from ember.core.registry import PRIMITIVES, use_backend_kernels
        >>> use_backend_kernels("numpy"); PRIMITIVES["add"].kernel.__name__
        'add'
    """
    table = _backend.load(name)
    for p in PRIMITIVES.values():
        if p.higher_order:
            continue
        p.kernel = p.numpy_kernel if name == _backend.DEFAULT else \
            table.get(p.name, p.numpy_kernel)

_new = object.__new__


def primitive(name: str, rule: Callable, **options) -> Primitive:
    """Declares and registers a primitive; its kernel must exist in the backend.

    Example:
        >>> from ember.core.registry import PRIMITIVES
        >>> PRIMITIVES["add"].name
        'add'
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already registered")
    p = Primitive(name, rule, **options)
    PRIMITIVES[name] = p
    return p


def defvjp(prim: Primitive, rule: Callable) -> None:
    """Attaches a gradient (VJP) rule to a primitive.

    `rule(g, inputs, output, **params)` gets the output cotangent `g` (a tuple for a
    primitive with multiple results, entries None where no gradient arrives), the input
    tensors and the output(s), and returns one cotangent per input, None for "no gradient".
    It is written with ember ops, so gradients of gradients work. A cotangent may have the
    broadcast shape of the output: the tape sums it back to the input's shape.
    """
    prim.vjp = rule


def no_gradient(*prims: Primitive) -> None:
    """Declares primitives with no gradient (comparisons, argmax, random, ...): every
    input's cotangent is None, as TF's NotDifferentiable."""
    for p in prims:
        p.vjp = _no_gradient


def _no_gradient(g: Any, inputs: tuple, out: Any, **params: Any) -> tuple:
    return (None,) * len(inputs)


def spec_of(x: Any) -> TensorSpec:
    """The abstract value of a concrete tensor or array."""
    v = x._value if hasattr(x, "_value") else x
    return TensorSpec(v.shape, BY_NP[v.dtype])


def _check_dtypes(prim: Primitive, args: tuple, params: dict) -> None:
    dt0 = args[0]._value.dtype
    if prim.allowed is not None and dt0 not in prim.allowed:
        raise DTypeError(_bad_dtype_message(prim, args))
    if prim.same_dtype:
        for a in args[1:]:
            if a._value.dtype != dt0:
                raise DTypeError(_mixed_dtype_message(prim, args))


def _bad_dtype_message(prim: Primitive, args: tuple) -> str:
    specs = [spec_of(a) for a in args]
    return str(rules.dtype_error(prim.name, specs[0].dtype, prim.allowed,
                                 rules.describe(*specs)))


def _mixed_dtype_message(prim: Primitive, args: tuple) -> str:
    return str(rules.mixed_dtype_error(prim.name, [spec_of(a) for a in args]))


def _explain(prim: Primitive, args: tuple, params: dict, exc: Exception) -> Exception:
    """The error to raise for a failed kernel: the value check's or the shape rule's, else
    a wrapped one."""
    if isinstance(exc, (OpError, DTypeError)):
        return exc
    if prim.value_check is not None:
        try:
            prim.value_check(*[a._value for a in args], **params)
        except (OpError, DTypeError) as check_exc:
            return check_exc
    specs = [spec_of(a) for a in args]
    try:
        prim.rule(*specs, **params)
    except (OpError, DTypeError, ValueError, TypeError) as rule_exc:
        return rule_exc
    got = ", ".join(fmt_spec(s.shape, s.dtype) for s in specs)
    return InvalidArgumentError(f"{prim.name}: {exc} (received {got}).")


class public_op:
    """`with public_op("zeros"): ...` reports a failure of a primitive bound inside under
    the public op's name (`zeros: ...`, not `broadcast_to_dynamic: ...`): at once when it
    runs eagerly, and, as each equation traced inside keeps the name (`Eqn.label`), when
    a compiled graph runs it. Eager and graph mode then raise the same error.

    Example:
        >>> import ember as tf
        >>> from ember.core.registry import public_op
        >>> try:
        ...     with public_op("my_op"):
        ...         tf.gather(tf.constant([1, 2]), tf.constant([5]))
        ... except tf.errors.InvalidArgumentError as e:
        ...     str(e).split(":")[0]
        'my_op'
    """

    __slots__ = ("name", "_labels")

    def __init__(self, name: str):
        self.name = name
        self._labels = None

    def __enter__(self) -> "public_op":
        # The name is only read by a graph trace (`Trace.add`): with no mode active in any
        # thread, nothing is pushed.
        if ACTIVE:
            self._labels = CTX.labels
            self._labels.append(self.name)
        return self

    def __exit__(self, tp: Any, exc: Any, tb: Any) -> bool:
        if self._labels is not None:
            self._labels.pop()
            self._labels = None
        if exc is not None:
            new = relabel(exc, self.name)
            if new is not exc:
                raise new from None
        return False


def bind_as(op: str, prim: Primitive, *args: Any, **params: Any) -> Any:
    """`bind`, with a failure reported under the public op's name `op` (see `public_op`)."""
    with public_op(op):
        return bind(prim, *args, **params)


def relabel(exc: BaseException, op: str | None) -> BaseException:
    """`exc` with its leading primitive name (`broadcast_to_dynamic: ...`) replaced by the
    public op's name `op`; `exc` itself if it names no primitive or can't be rebuilt."""
    if op is None or not isinstance(exc, (OpError, DTypeError)):
        return exc
    head, sep, rest = str(exc).partition(": ")
    if not sep or head == op or head not in PRIMITIVES:
        return exc
    try:
        return type(exc)(f"{op}: {rest}")
    except Exception:  # noqa: BLE001 - an error class with another signature: keep it
        return exc


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Runs a primitive on tensors (Tensor or Variable), returning Tensor(s).

    `args` are ember tensors; static parameters are keywords. Ops convert Python and NumPy
    values to Tensors before they bind. While a GradientTape records, the call is recorded.
    """
    if ACTIVE:
        top = CTX.top
        if top is not None:
            return top.process(prim, args, params)
    return eager_bind(prim, args, params)


def eager_bind(prim: Primitive, args: tuple, params: dict) -> Any:
    """Runs the kernel (after the eager checks) and wraps the result; records nothing."""
    try:
        values = [a._value for a in args]
    except AttributeError:  # a symbolic input
        return symbolic_bind(prim, args, params)
    return run_kernel(prim, args, params, values)


def symbolic_bind(prim: Primitive, args: tuple, params: dict) -> Any:
    """A bind with a symbolic input and no active trace to take it: the input's own trace
    (a KerasTensor's builds the functional graph) processes it, else it is an error."""
    for a in args:
        if a._trace is not None:
            return a._trace.process(prim, args, params)
    raise SymbolicValueError(
        f"{prim.name}: received a symbolic tensor outside the function that traced "
        f"it (tensors created inside ember.function can't leave it; return them).")


def run_kernel(prim: Primitive, args: tuple, params: dict, values: list | None = None) -> Any:
    """The eager checks, the kernel and the wrapping, for concrete inputs."""
    try:
        if prim.check_rule:
            prim.rule(*[spec_of(a) for a in args], **params)
        elif args:
            _check_dtypes(prim, args, params)
        if values is None:
            values = [a._value for a in args]
        out = prim.kernel(*values, **params)
    except Exception as exc:  # every failure leaves as an ember error
        raise _explain(prim, args, params, exc) from None
    if prim.multiple_results:
        return tuple(wrap(o) for o in out)
    return wrap(out)


def bind1(prim: Primitive, x: Any, **params: Any) -> Any:
    """`bind` for one input of a primitive without `check="rule"`: the fast path of unary
    ops, reductions and indexing."""
    if ACTIVE:
        top = CTX.top
        if top is not None:
            return top.process(prim, (x,), params)
    try:
        xv = x._value
    except AttributeError:  # a symbolic input
        return symbolic_bind(prim, (x,), params)
    if prim.allowed is not None and xv.dtype not in prim.allowed:
        raise DTypeError(_bad_dtype_message(prim, (x,)))
    try:
        out = prim.kernel(xv, **params)
    except Exception as exc:
        raise _explain(prim, (x,), params, exc) from None
    t = _new(Tensor)  # NOTE: `wrap` inlined: this is the hottest path of eager mode
    t._value = out
    return t


def bind2(prim: Primitive, x: Any, y: Any) -> Any:
    """`bind` for two same-dtype inputs without params: the fast path of binary ops."""
    if ACTIVE:
        top = CTX.top
        if top is not None:
            return top.process(prim, (x, y), {})
    try:
        xv = x._value
        yv = y._value
    except AttributeError:  # a symbolic input
        return symbolic_bind(prim, (x, y), {})
    dt = xv.dtype
    if dt is not yv.dtype and dt != yv.dtype:
        raise DTypeError(_mixed_dtype_message(prim, (x, y)))
    if prim.allowed is not None and dt not in prim.allowed:
        raise DTypeError(_bad_dtype_message(prim, (x, y)))
    try:
        out = prim.kernel(xv, yv)
    except Exception as exc:
        raise _explain(prim, (x, y), {}, exc) from None
    t = _new(Tensor)
    t._value = out
    return t


# -- mixed precision: Variables read in a compute dtype ----------------------------------

class _Autocast:
    """The trace on top while a layer computes in another dtype than its Variables hold
    (Keras' mixed precision): each floating Variable a bind receives is cast to the
    compute dtype first (a `cast` the tape differentiates and a graph records), then the
    bind goes to the trace below it (a tape, a graph trace) or runs eagerly."""

    _KEEP = frozenset({"cast"})  # a cast the user asks for reads the Variable as it is

    def __init__(self, dtype: Any, inner: Any = None):
        self.dtype, self.inner = dtype, inner

    def over(self, inner: Any) -> "_Autocast":
        return _Autocast(self.dtype, inner)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if prim.name not in self._KEEP:
            dt = self.dtype
            args = tuple(bind(PRIMITIVES["cast"], a, dtype=dt._numpy())
                         if getattr(a, "_is_variable", False) and a.dtype.is_floating
                         and a.dtype is not dt else a for a in args)
        if self.inner is not None:
            return self.inner.process(prim, args, params)
        return eager_bind(prim, args, params)


def autocast_read(x: Any) -> Any:
    """`x` as the innermost autocast scope reads it: a floating Variable cast to the
    compute dtype (for ops that check their operands' dtypes before they bind)."""
    if ACTIVE and CTX.autocasts and getattr(x, "_is_variable", False) \
            and x.dtype.is_floating and x.dtype is not CTX.autocasts[-1].dtype:
        return bind(PRIMITIVES["cast"], x, dtype=CTX.autocasts[-1].dtype._numpy())
    return x


class autocast:
    """Within it, floating Variables that ops receive are read in `dtype` (a Keras layer
    of a mixed policy calls its `call` so: float32 weights, float16/bfloat16 math).

    Example:
        >>> import ember as tf
        >>> from ember.core.registry import autocast
        >>> v = tf.Variable([1.0, 2.0])
        >>> with autocast(tf.float16):
        ...     (v * tf.constant(2.0, tf.float16)).dtype
        tf.float16
    """

    def __init__(self, dtype: Any):
        self._scope = _Autocast(dtype)

    def __enter__(self) -> "autocast":
        enter_mode()
        CTX.autocasts.append(self._scope)
        CTX._retop()
        return self

    def __exit__(self, *exc: Any) -> None:
        CTX.autocasts.pop()
        CTX._retop()
        exit_mode()
