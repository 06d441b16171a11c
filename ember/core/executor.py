"""The NumPy executor: a Graph compiled once into a flat, pre-planned Python function.

Planning removes dead equations (those no output or Variable update needs), applies the
registered peephole rewrites (`rewrite.py`: fused primitives such as bias + relu), folds
equations whose inputs are all constants, and then generates straight-line Python source
(`v3 = k0(v1, v2)` ...) calling each primitive's kernel directly, with kernels and static
params bound as globals of the generated function. A call then costs one Python function
call plus one kernel call per equation: none of eager dispatch's conversion, dtype checks
or Tensor wrapping in between.

If a kernel fails at run time (e.g. an index out of range), the ember error of the
failing op is raised, as eager mode would: the failed line of the generated code names
the equation, and its inputs are read from the failed frame (replaying the plan from the
start would run an in-place update twice). Only if that can't be found is the plan
replayed step by step.

A plan binds its kernels when it is compiled. Tools that wrap kernels for a while (the
profiler) wrap them in `registry.PRIMITIVES` for what compiles later, and in the plans
alive now through `swap_kernels`: the executor keeps a weak set of its plans, so the
generated code stays as it is (a kernel is one global lookup) and nothing is kept alive.

Example:
    >>> import ember as tf
    >>> f = tf.function(lambda x: tf.reduce_sum(x * x))
    >>> float(f(tf.constant([1.0, 2.0])))
    5.0
"""

from __future__ import annotations

import re
import sys
import threading
import weakref
from typing import Any, Callable, Iterator

import numpy as np

from . import rewrite
from .graph import Const, Eqn, Graph, Tracer
from .registry import _explain, relabel
from .tensor import wrap


class Plan:
    """A compiled graph: `run(arrays) -> (outputs, updates)` over NumPy arrays."""

    def __init__(self, graph: Graph):
        self.graph = graph
        eqns = rewrite.rewrite(rewrite.live(graph.eqns, graph), graph)
        eqns, self._consts = _fold_constants(eqns)
        self.n_eqns = len(eqns)
        self._steps = eqns
        self._kernels: tuple = ()  # the names of the kernels in the generated code
        self.run = self._compile(eqns)
        with _PLANS_LOCK:
            _PLANS.add(self)

    def _compile(self, eqns: list) -> Callable:
        g = self.graph
        names: dict = {}  # id(Tracer) -> local name
        glob: dict = {}
        lines = []
        for i, t in enumerate(g.inputs):
            names[id(t)] = f"x{i}"

        consts = self._consts

        def ref(a: Any) -> str:
            if isinstance(a, Tracer):
                a = consts.get(id(a), a)
            if isinstance(a, Tracer):
                return names[id(a)]
            key = f"c{len(glob)}"
            glob[key] = a.value
            return key

        glob["np"] = np
        # NOTE: the generated code's module name starts with "ember.", so NumPy's
        # RuntimeWarnings (inf - inf, 1/0) are silenced there as in every ember module
        # (ember/__init__.py): TF returns nan/inf without a word.
        glob["__name__"] = "ember.core.executor.plan"
        reusable: dict = {}  # local name -> equation index, for outputs kept for reuse
        arg_refs: list = []  # per equation, the names its inputs have in the code
        self._buffers = _BufferCache()
        glob["_free"] = self._buffers.take
        glob["_keep"] = self._buffers.keep
        for j, e in enumerate(eqns):
            lines.append(None)  # marks where equation j starts (for `_free_dead`)
            kernel = f"k{j}"
            glob[kernel] = e.prim.kernel
            args = [ref(a) for a in e.ins]
            arg_refs.append(list(args))
            # NOTE: a backend kernel may give the expression to emit in place of a call
            # (e.g. `np.matmul(a, b)` when no transpose is asked): one call less per op.
            reuse = getattr(e.prim.kernel, "reuse", False) and not e.prim.multiple_results
            inline = None if reuse else getattr(e.prim.kernel, "inline", None)
            if inline is not None and e.outs and e.outs[0].spec.dtype.name == "bfloat16":
                inline = None  # NumPy's own expression may compute bfloat16 in float32
            if callable(inline):
                inline = inline(**e.params)
            if inline is not None and not e.prim.multiple_results:
                names[id(e.outs[0])] = f"v{j}_0"
                lines.append(f"    v{j}_0 = {inline.format(*args)}  # e{j}")
                continue
            for k, v in e.params.items():
                pname = f"p{j}_{k}"
                glob[pname] = v
                args.append(f"{k}={pname}")
            if reuse:  # see `_BufferCache`: last call's dead output, if nothing else holds it
                args.append(f"out=_free({j})")
                reusable[f"v{j}_0"] = j
            outs = []
            for n, o in enumerate(e.outs):
                names[id(o)] = f"v{j}_{n}"
                outs.append(names[id(o)])
            target = ", ".join(outs) + ("," if e.prim.multiple_results and len(outs) == 1
                                        else "")
            if not e.prim.multiple_results:
                target = outs[0]
            target = target or "_"  # an effect equation with no outputs
            lines.append(f"    {target} = {kernel}({', '.join(args)})  # e{j}")
        results = [("None" if o is None else ref(o)) for o in g.outputs]
        updates = [ref(a) for _, a in g.updates]
        lines = _free_dead(lines, set(results) | set(updates), reusable)
        params = ", ".join(f"x{i}" for i in range(len(g.inputs)))
        body = ("\n".join(lines) + ("\n" if lines else "")
                + f"    return ({', '.join(results)}{',' if len(results) == 1 else ''}), "
                + f"({', '.join(updates)}{',' if len(updates) == 1 else ''})\n")
        # `call` takes the tensor arguments as Tensors and reads the captured Variables
        # itself: the whole per-call path of a ConcreteFunction is this one function.
        n_args = len(g.inputs) - len(g.reads)
        head = [f"    x{i} = a{i}._value" for i in range(n_args)]
        for k, v in enumerate(g.reads):
            glob[f"R{k}"] = v
            head.append(f"    x{n_args + k} = R{k}._value")
        call_params = ", ".join(f"a{i}" for i in range(n_args))
        call_body = "\n".join("    " + ln for ln in (head + body.rstrip("\n").split("\n")))
        src = (f"def run({params}):\n{body}\n"
               f"def call({call_params}):\n    try:\n{call_body}\n"
               f"    except Exception as exc:\n"
               f"        return fallback(exc, ({call_params}{',' if n_args == 1 else ''}))\n")
        self.source = src
        replay = self._replay
        # The line of each equation in the source (marked `# e<j>`): a failure's line
        # tells which equation failed.
        eqn_at = {n: int(ln.rsplit("# e", 1)[1]) for n, ln in
                  enumerate(src.split("\n"), start=1) if "  # e" in ln}
        codes: set = set()

        def explain(exc: Exception) -> None:
            """Raises the failing op's ember error, its inputs read from the failed frame.

            NOTE: not by replaying the plan from the start, which would run an effect
            equation (an optimizer's in-place update) a second time."""
            tb = exc.__traceback__
            frame = lineno = None
            while tb is not None:  # the innermost frame of this plan's code
                if tb.tb_frame.f_code in codes:
                    frame, lineno = tb.tb_frame, tb.tb_lineno
                tb = tb.tb_next
            j = eqn_at.get(lineno) if frame is not None else None
            if j is None:
                return
            local = frame.f_locals
            try:
                ins = [local[r] if r in local else glob[r] for r in arg_refs[j]]
            except KeyError:
                return
            e = eqns[j]
            raise relabel(_explain(e.prim, tuple(wrap(np.asarray(a)) for a in ins), e.params,
                                   exc), e.label) from None

        def fallback(exc: Exception, tensors: tuple) -> tuple:
            explain(exc)
            arrays = [t._value for t in tensors] + [v._value for v in g.reads]
            return replay(tuple(arrays))  # the failure could not be located: step by step

        glob["fallback"] = fallback
        code = compile(src, f"<ember.function {g.name}>", "exec")
        exec(code, glob)  # noqa: S102 - our own generated code, from the graph
        self._globals = glob
        self._kernels = tuple(f"k{j}" for j in range(len(eqns)))
        fast = glob["run"]
        self.call = glob["call"]
        codes.update((fast.__code__, self.call.__code__))

        def run(*arrays: Any) -> tuple:
            try:
                return fast(*arrays)
            except Exception as exc:  # noqa: BLE001 - explained as the op's own error
                explain(exc)
                return replay(arrays)

        return run

    def _replay(self, arrays: tuple) -> tuple:
        """Runs the plan one equation at a time to raise the failing op's ember error."""
        g = self.graph
        env = {id(t): a for t, a in zip(g.inputs, arrays)}

        def val(a: Any) -> Any:
            if isinstance(a, Tracer):
                a = self._consts.get(id(a), a)
            return env[id(a)] if isinstance(a, Tracer) else a.value

        for e in self._steps:
            ins = [val(a) for a in e.ins]
            try:
                out = e.prim.kernel(*ins, **e.params)
            except Exception as exc:  # noqa: BLE001
                raise relabel(_explain(e.prim, tuple(wrap(a) for a in ins), e.params, exc),
                              e.label) from None
            outs = out if e.prim.multiple_results else (out,)
            for o, v in zip(e.outs, outs):
                env[id(o)] = v
        return (tuple(None if o is None else val(o) for o in g.outputs),
                tuple(val(a) for _, a in g.updates))


# Every Plan alive (weakly held), for `swap_kernels`.
_PLANS: "weakref.WeakSet[Plan]" = weakref.WeakSet()
_PLANS_LOCK = threading.Lock()


def live_plans() -> Iterator[Plan]:
    """The compiled plans alive now (a snapshot; plans compiled meanwhile are not in it).

    Example:
        >>> import ember as tf
        >>> from ember.core.executor import live_plans
        >>> cf = tf.function(lambda x: x * 2.0).get_concrete_function(tf.TensorSpec([2]))
        >>> plan = cf.plan  # compiled on first use
        >>> any(p is plan for p in live_plans())
        True
    """
    with _PLANS_LOCK:
        plans = list(_PLANS)
    return iter(plans)


def swap_kernels(replace: Callable[[Callable], Callable | None]) -> int:
    """In every plan alive now, replaces each kernel `k` its generated code calls by
    `replace(k)`, unless that is None; returns how many were replaced. A plan's code
    reads its kernels as globals at each call: the next call uses the new ones.

    Example:
        >>> import ember as tf
        >>> from ember.core.executor import swap_kernels
        >>> from ember.core.registry import PRIMITIVES
        >>> f = tf.function(lambda x: tf.exp(x))
        >>> _ = f(tf.constant(0.0))  # compiled: its plan calls the exp kernel
        >>> exp, calls = PRIMITIVES["exp"].kernel, []
        >>> def counted(*args, **params):
        ...     calls.append(1)
        ...     return exp(*args, **params)
        >>> _ = swap_kernels(lambda k: counted if k is exp else None)
        >>> float(f(tf.constant(0.0))), len(calls)
        (1.0, 1)
        >>> _ = swap_kernels(lambda k: exp if k is counted else None)  # back
    """
    n = 0
    for plan in live_plans():
        glob = plan._globals
        for key in plan._kernels:
            new = replace(glob[key])
            if new is not None:
                glob[key] = new
                n += 1
    return n


_NAME = re.compile(r"\b[xv]\d+(?:_\d+)?\b")


def _free_dead(lines: list, keep: set, reusable: dict | None = None) -> list:
    """Adds `del` after the last use of each local array (but those returned), so a
    buffer is freed as soon as the plan is done with it: peak memory drops, and an effect
    equation (an optimizer's in-place update) sees no stale reference to a Variable's
    buffer. A `reusable` local (name -> equation index) is handed to the plan's buffer
    cache first (`_keep(j, v)`), for the next call to write into. `lines` holds None where
    an equation starts; they are dropped here."""
    reusable = reusable or {}
    last: dict = {}
    for i, ln in enumerate(lines):
        if ln is not None:
            for name in _NAME.findall(ln):
                last[name] = i
    dead_after: dict = {}
    for name, i in last.items():
        if name not in keep:
            dead_after.setdefault(i, []).append(name)
    out = []
    for i, ln in enumerate(lines):
        if ln is None:
            continue
        out.append(ln)
        if i in dead_after:
            names = sorted(dead_after[i])
            out.extend(f"    _keep({reusable[n]}, {n})" for n in names if n in reusable)
            out.append(f"    del {', '.join(names)}")
    return out


class _BufferCache:
    """Output buffers of a plan's `reuse` kernels (matmul), kept from one call to the next.

    A fresh NumPy array of 100 KB or more is mapped from the OS on allocation and returned
    on free, so every call of a training step page-faulted its matmul outputs in again
    (~10% of the step for an MLP). Instead, when an output of a `reuse` kernel dies in the
    plan, `keep` holds on to it, and the same equation's next run gets it back from `take`
    as `out=`; the kernel writes into it if its shape and dtype fit, else allocates.

    Safety by reference count, as `prims.effects._own`: `take` hands a buffer out only if
    nothing but the cache references it (a view of it that escaped, e.g. a reshaped output
    the caller holds, keeps its base alive and so keeps it from reuse); popping it from
    the cache first makes a concurrent call of the same plan get None. Buffers above
    `MAX_BYTES` are not kept, so a one-off large call does not pin its intermediates, nor
    below `MIN_BYTES`, which come from the heap without page faults anyway; and a plan
    holds at most `MAX_TOTAL` bytes between calls, however many matmuls it has.
    """

    MIN_BYTES = 64 << 10
    MAX_BYTES = 8 << 20
    MAX_TOTAL = 32 << 20

    def __init__(self):
        self._slots: dict = {}
        self._bytes = 0  # held now (approximate under concurrent calls: a budget only)

    def keep(self, j: int, a: Any) -> None:
        if (type(a) is np.ndarray and self.MIN_BYTES <= a.nbytes <= self.MAX_BYTES
                and a.base is None and self._bytes + a.nbytes <= self.MAX_TOTAL
                and j not in self._slots):
            self._slots[j] = a
            self._bytes += a.nbytes

    def take(self, j: int) -> Any:
        a = self._slots.pop(j, None)
        if a is None:
            return None
        self._bytes -= a.nbytes
        return a if _refcount(a) == _SOLE else None


_refcount = sys.getrefcount


def _calibrate() -> int:
    """The reference count `take` sees for a buffer only the cache held (it differs
    between CPython versions, so it is measured through the same code path)."""
    cache = _BufferCache()
    cache.keep(0, np.empty(_BufferCache.MIN_BYTES, np.uint8))
    slots = cache._slots
    a = slots.pop(0)
    return _refcount(a)


_SOLE = _calibrate()


def _fold_constants(eqns: list) -> tuple:
    """Evaluates equations whose inputs are all constants, once, at planning time.
    Returns the remaining equations and the folded values (id(Tracer) -> Const)."""
    consts: dict = {}
    kept = []
    for e in eqns:
        ins = [consts.get(id(a), a) if isinstance(a, Tracer) else a for a in e.ins]
        if not e.prim.effect and all(isinstance(a, Const) for a in ins):
            out = e.prim.kernel(*[a.value for a in ins], **e.params)
            outs = out if e.prim.multiple_results else (out,)
            for o, v in zip(e.outs, outs):
                consts[id(o)] = Const(v)
            continue
        kept.append(Eqn(e.prim, ins, e.params, e.outs, e.label) if ins != e.ins else e)
    return kept, consts
