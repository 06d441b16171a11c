"""The JAX executor: a Graph lowered to one `jax.jit` function (XLA, on CPU or GPU).

`XlaPlan(graph)` has the NumPy `Plan`'s calling convention (`call(*tensors)` reads the
arguments' and captured Variables' values and returns `(outputs, updates)`), so a
ConcreteFunction runs on either. The lowering walks the graph's live equations once per
input shape (jax.jit traces it; later calls of that shape run the compiled executable):

- each equation calls the JAX backend's kernel of its primitive (`backend/jax/`), found
  by name as the NumPy executor finds NumPy kernels;
- an equation whose inputs are all concrete (constants, or values computed from them,
  such as a shape) runs its NumPy kernel instead, so shape arithmetic stays static per
  compiled shape: `reshape(x, [shape(x)[0], -1])` reshapes to a static shape under jit;
- `cond` / `while_loop` lower their sub-graphs recursively into `lax.cond` /
  `lax.while_loop`;
- the effect primitive `fused_update` (an optimizer's in-place update on NumPy) runs its
  update rule's pure form (`fn.pure`), and the Variables it updates take the new values
  when the call returns, as Variables assigned by the graph do.

The compiled function is functional, `(args, state) -> (outputs, new_state)`; on a GPU
the buffers of the Variables it updates are donated, so an optimizer step updates its
weights in place on the device. Variables keep the device arrays between calls
(`.numpy()` copies to the host when asked), and so do the outputs.

Example:
    >>> import ember as tf
    >>> f = tf.function(lambda x: tf.reduce_sum(x * x), jit_compile=True)
    >>> float(f(tf.constant([1.0, 2.0])))  # doctest: +SKIP
    5.0
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from .. import backend
from .errors import InvalidArgumentError
from .executor import _fold_constants
from .rewrite import live
from .graph import Graph, Tracer
from .xla_effects import HOST_CALLS, reraise_pending


def _jax() -> Any:
    """The jax module, after loading the JAX backend (a clear error if jax is missing)."""
    backend.load("jax")
    import jax  # optional dependency (ember[jax]): present once the backend loaded
    return jax


# -- data parallelism: the device mesh a graph runs on ----------------------------------
# `ember.distribute` strategies (in their scope) and `keras.distribution.set_distribution`
# name a jax Mesh with one axis, "batch": a graph traced or run while one is active shards
# its arguments' first dim over it (a batch that doesn't divide is replicated: every device
# computes all of it, the same values) and replicates the Variables; XLA then sums the
# gradients across devices (an all-reduce) where the batch is reduced.
_MESHES: list = []  # the scopes' meshes, innermost last
_GLOBAL_MESH: list = [None]  # keras.distribution.set_distribution's
_WARNED: set = set()  # (devices, rows) of the batches replicated, each said once


def push_mesh(mesh: Any) -> None:
    _MESHES.append(mesh)


def pop_mesh() -> None:
    _MESHES.pop()


def set_global_mesh(mesh: Any) -> None:
    _GLOBAL_MESH[0] = mesh


def active_mesh() -> Any:
    """The mesh graphs run on now (a scope's, else the global one), or None."""
    return _MESHES[-1] if _MESHES else _GLOBAL_MESH[0]


def _placed(jax: Any, mesh: Any, args: tuple, state: tuple) -> tuple:
    """The arguments sharded on the mesh's batch axis (replicated where the first dim
    doesn't divide) and the state replicated; arrays already placed are left alone."""
    from jax.sharding import NamedSharding, PartitionSpec  # optional (ember[jax])
    n = mesh.shape["batch"]
    rep = NamedSharding(mesh, PartitionSpec())
    bat = NamedSharding(mesh, PartitionSpec("batch"))

    def put(a: Any, s: Any) -> Any:
        return a if getattr(a, "sharding", None) == s else jax.device_put(a, s)

    def spec(a: Any) -> Any:
        if not np.ndim(a):
            return rep
        rows = np.shape(a)[0]
        if rows % n and (n, rows) not in _WARNED:
            _WARNED.add((n, rows))
            warnings.warn(
                f"A batch of {rows} rows doesn't divide over {n} devices: each device "
                f"computes all of it (the same values, no sample dropped, no speed-up). "
                f"Choose a batch size that is a multiple of {n} (the last, partial batch "
                f"of an epoch is the only one to run this way then).", stacklevel=4)
        return bat if rows % n == 0 else rep
    args = tuple(put(a, spec(a)) for a in args)
    return args, tuple(put(a, rep) for a in state)


def _is_traced(a: Any, jax: Any) -> bool:
    return isinstance(a, jax.core.Tracer)


class _Lowering:
    """A graph as a Python function over JAX values (called inside jax.jit)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        eqns, self.consts = _fold_constants(live(graph.eqns, graph))
        self.eqns = eqns
        self._table = backend.load("jax")

    def kernel(self, e: Any) -> Callable:
        k = self._table.get(e.prim.name)
        if k is None:
            raise NotImplementedError(
                f"The JAX backend has no lowering for primitive {e.prim.name!r} (from "
                f"{e.label or e.prim.name}). Run this function on the NumPy backend "
                f"(jit_compile=False, or ember.config.set_backend('numpy')), or add the "
                f"kernel to ember/backend/jax/.")
        return k

    def __call__(self, *arrays: Any, state: dict | None = None) -> tuple:
        """Returns (outputs, graph updates, effect updates {id(Variable): value}).

        `state` holds the values of the Variables the effect equations update, by id
        (each `fused_update` reads them there and leaves its results there)."""
        jax = _jax()
        g = self.graph
        env = {id(t): a for t, a in zip(g.inputs, arrays)}
        consts = self.consts

        def val(a: Any) -> Any:
            if isinstance(a, Tracer):
                c = consts.get(id(a))
                return c.value if c is not None else env[id(a)]
            return a.value

        state = {} if state is None else dict(state)
        effects: dict = {}
        for e in self.eqns:
            ins = [val(a) for a in e.ins]
            name = e.prim.name
            if name in _HIGHER_ORDER:
                outs = _HIGHER_ORDER[name](jax, ins, e.params)
            elif name in HOST_CALLS:  # effects that call Python on the host
                outs = HOST_CALLS[name](jax, e, ins)
            elif name == "fused_update":
                outs = _fused_update(ins, e.params, state)
                flat = [v for vs in e.params["groups"] for v in vs]
                for v, o in zip(flat, outs):
                    state[id(v)] = o
                    effects[id(v)] = (v, o)
            elif not e.prim.effect and not any(_is_traced(a, jax) for a in ins) \
                    and not name.startswith("random_"):
                # concrete inputs (a shape, a constant): NumPy keeps the value static
                outs = e.prim.numpy_kernel(*[np.asarray(a) for a in ins], **e.params)
            else:
                outs = self.kernel(e)(*ins, **e.params)
            for o, v in zip(e.outs, outs if e.prim.multiple_results else (outs,)):
                env[id(o)] = v
        outputs = [None if o is None else val(o) for o in g.outputs]
        updates = [val(a) for _, a in g.updates]
        return outputs, updates, effects


def _fused_update(ins: list, params: dict, state: dict) -> tuple:
    """An optimizer's update as its pure rule: `fn.pure(*per_group, *buffers, *shared)`
    returns the new buffers, once per group (the NumPy rule writes them in place)."""
    fn, groups, n_shared = params["fn"], params["groups"], params["n_shared"]
    pure = getattr(fn, "pure", None)
    if pure is None:
        raise NotImplementedError(
            f"The JAX backend needs the pure form of the in-place update "
            f"{getattr(fn, '__qualname__', fn)!r} (an attribute `pure`: the same rule "
            f"returning the new values instead of writing them). Give it one, or write the "
            f"optimizer's update with ops (`update_step`), or use the NumPy backend.")
    shared = ins[len(ins) - n_shared:] if n_shared else []
    per = ins[:len(ins) - n_shared]
    k = len(per) // len(groups)
    outs: list = []
    for i, vs in enumerate(groups):
        missing = [v.name for v in vs if id(v) not in state]
        if missing:  # only the top-level graph threads the optimizer's state
            raise NotImplementedError(
                f"An optimizer update of {missing} inside a cond or while_loop body is not "
                f"supported on the JAX backend; apply the optimizer outside the branch, or "
                f"use the NumPy backend.")
        buffers = [state[id(v)] for v in vs]
        new = pure(*per[i * k:(i + 1) * k], *buffers, *shared)
        outs.extend(new)
    return tuple(outs)


def _lower_sub(jax: Any, sub: Any) -> Callable:
    if isinstance(sub, _Pick):
        inner = _lower_sub(jax, sub.sub)
        return lambda *xs: tuple(inner(*xs)[k] for k in sub.keep)
    low = getattr(sub, "_xla", None)
    if low is None:
        low = sub._xla = _Lowering(sub.graph)
    return lambda *xs: tuple(low(*xs)[0])


class _Pick:
    """A sub-graph of which only the outputs `keep` are used (a loop body whose other
    outputs are loop-invariant)."""

    def __init__(self, sub: Any, keep: list):
        self.sub, self.keep = sub, keep
        self.graph = sub.graph


def _cond(jax: Any, ins: list, params: dict) -> tuple:
    pred, xs = ins[0], ins[1:]
    branches, maps = params["branches"], params["input_maps"]
    fns = [_lower_sub(jax, b) for b in branches]
    ops = tuple(xs)

    def branch(k: int) -> Callable:
        return lambda ops: fns[k](*[ops[j] for j in maps[k]])
    return tuple(jax.lax.cond(pred, branch(0), branch(1), ops))


def _invariant(params: dict, ins: list, jax: Any) -> set:
    """The loop variables the body passes through unchanged and that are known now (a
    TensorArray's size, say): lowered as constants, so what is computed from them stays
    static inside the loop (XLA carries only values that change)."""
    g = params["body_graph"].graph
    n, bmap = params["n_vars"], params["body_map"]
    position = {k: p for p, k in enumerate(bmap) if k < n}
    return {k for k in range(n) if k in position
            and g.outputs[k] is g.inputs[position[k]] and not _is_traced(ins[k], jax)}


def _while(jax: Any, ins: list, params: dict) -> tuple:
    n = params["n_vars"]
    fixed = _invariant(params, ins, jax)
    if fixed:  # carry only what changes; the rest are constants of the body and cond
        keep = [k for k in range(n) if k not in fixed]
        inner = dict(params, n_vars=len(keep))
        order = keep + sorted(fixed) + list(range(n, len(ins)))
        where = {old: new for new, old in enumerate(order)}
        inner["cond_map"] = tuple(where[j] for j in params["cond_map"])
        inner["body_map"] = tuple(where[j] for j in params["body_map"])
        inner["body_graph"] = _Pick(params["body_graph"], keep)
        outs = _while(jax, [ins[j] for j in order], inner)
        result = list(ins[:n])
        for k, o in zip(keep, outs):
            result[k] = o
        return tuple(result)
    loop, consts = tuple(ins[:n]), tuple(ins[n:])
    cond_fn, body_fn = _lower_sub(jax, params["cond_graph"]), _lower_sub(jax, params["body_graph"])
    cmap, bmap, limit = params["cond_map"], params["body_map"], params["maximum_iterations"]
    jnp = jax.numpy

    def cond(state):
        i, vs = state
        env = list(vs) + list(consts)
        keep = jnp.asarray(cond_fn(*[env[j] for j in cmap])[0], dtype=bool)
        return keep if limit is None else jnp.logical_and(keep, i < limit)

    def body(state):
        i, vs = state
        env = list(vs) + list(consts)
        outs = body_fn(*[env[j] for j in bmap])
        return i + 1, tuple(jnp.asarray(o, dtype=v.dtype) for o, v in zip(outs, vs))

    loop = tuple(jnp.asarray(v) for v in loop)
    try:
        _, out = jax.lax.while_loop(cond, body, (jnp.asarray(0), loop))
    except TypeError as e:
        if "carry" not in str(e):
            raise
        raise NotImplementedError(
            f"while_loop: a loop variable changes shape from one step to the next, which "
            f"XLA can't compile (JAX backend): {str(e).splitlines()[2].strip()} A "
            f"TensorArray written in the loop needs element_shape= (and a size) so its "
            f"buffer is allocated before the loop; otherwise give each loop variable one "
            f"shape, or run this function on the NumPy backend.") from None
    return tuple(out)


def _while_grad(jax: Any, ins: list, params: dict) -> tuple:
    """The gradient of a traced while_loop: the loop's states are recomputed from the
    start for each step back (XLA needs static shapes, and the number of steps is known
    only when the loop has run), so n steps cost n*(n+1)/2 body runs."""
    jnp = jax.numpy
    n_vars, n_consts = params["n_vars"], params["n_consts"]
    f_state, f_const = params["f_state"], params["f_const"]
    loop0 = tuple(jnp.asarray(v) for v in ins[:n_vars])
    consts = list(ins[n_vars:n_vars + n_consts])
    ct0 = tuple(jnp.asarray(c) for c in ins[n_vars + n_consts:n_vars + n_consts + len(f_state)])
    extra = list(ins[n_vars + n_consts + len(f_state):])
    cond_fn = _lower_sub(jax, params["cond_graph"])
    body_fn = _lower_sub(jax, params["body_graph"])
    grad_fn = _lower_sub(jax, params["grad_graph"])
    cmap, bmap, limit = params["cond_map"], params["body_map"], params["maximum_iterations"]

    def step(vs: tuple) -> tuple:
        env = list(vs) + consts
        outs = body_fn(*[env[j] for j in bmap])
        return tuple(jnp.asarray(o, dtype=v.dtype) for o, v in zip(outs, vs))

    def keep(i: Any, vs: tuple) -> Any:
        env = list(vs) + consts
        k = jnp.asarray(cond_fn(*[env[j] for j in cmap])[0], dtype=bool)
        return k if limit is None else jnp.logical_and(k, i < limit)

    n, _ = jax.lax.while_loop(lambda c: keep(*c), lambda c: (c[0] + 1, step(c[1])),
                              (jnp.asarray(0), loop0))

    def state_at(k: Any) -> tuple:  # the loop variables before step k
        return jax.lax.fori_loop(0, k, lambda _, vs: step(vs), loop0)

    def back(carry: tuple) -> tuple:
        k, ct, acc = carry
        outs = grad_fn(*state_at(k), *consts, *ct, *extra)
        ct = tuple(jnp.asarray(o, dtype=c.dtype) for o, c in zip(outs[:len(f_state)], ct))
        acc = tuple(a + jnp.asarray(o, dtype=a.dtype)
                    for a, o in zip(acc, outs[len(f_state):]))
        return k - 1, ct, acc

    acc0 = tuple(jnp.zeros_like(jnp.asarray(consts[k])) for k in f_const)
    _, ct, acc = jax.lax.while_loop(lambda c: c[0] >= 0, back, (n - 1, ct0, acc0))
    return tuple(ct) + tuple(acc)


_HIGHER_ORDER = {"while_grad": _while_grad, "cond": _cond, "cond_effect": _cond, "while_loop": _while,
                 "while_effect": _while}


class XlaPlan:
    """A graph compiled with jax.jit: `call(*tensors) -> (outputs, updates)`.

    The compiled step takes the arguments and the state: the Variables the graph reads,
    then those only its effect equations update (an optimizer's slots). The state it
    updates is donated on a device (XLA writes the new values into the old buffers)."""

    def __init__(self, graph: Graph):
        jax = self._jax = _jax()
        self.graph = graph
        low = self._lowering = _Lowering(graph)
        self.n_eqns = len(low.eqns)
        reads = list(graph.reads)
        seen = {id(v) for v in reads}
        by_id = {id(v): v for e in low.eqns if e.prim.name == "fused_update"
                 for vs in e.params["groups"] for v in vs}  # in order, each once
        effect_vars = self._effect_vars = list(by_id.values())
        self._state = reads + [v for v in effect_vars if id(v) not in seen]
        updated = {id(v) for v, _ in graph.updates} | {id(v) for v in effect_vars}
        self._donated = [i for i, v in enumerate(self._state) if id(v) in updated]
        donated_set = set(self._donated)
        self._kept = [i for i in range(len(self._state)) if i not in donated_set]
        n_reads, state_vars = len(reads), self._state

        def step(args: tuple, kept: tuple, donated: tuple) -> tuple:
            values = [None] * len(state_vars)
            for i, a in zip(self._kept, kept):
                values[i] = a
            for i, a in zip(self._donated, donated):
                values[i] = a
            effect_state = {id(v): values[i] for i, v in enumerate(state_vars)
                            if id(v) in by_id}
            outs, updates, effects = low(*args, *values[:n_reads], state=effect_state)
            return outs, updates, tuple(effects[id(v)][1] if id(v) in effects else None
                                        for v in effect_vars)

        # NOTE: XLA on CPU can't reuse donated buffers (it warns); donate on devices only,
        # and not where a host call (a check, py_function) may fail the run: the state
        # must then survive, and the call waits for the device before applying updates.
        self._host = {e.prim.name for e in low.eqns if e.prim.name in HOST_CALLS}
        self._on_cpu = jax.default_backend() == "cpu"
        donate = (2,) if not self._on_cpu and not self._host else ()
        self._jitted = jax.jit(step, donate_argnums=donate)

    def _inputs(self, tensors: tuple, mesh: Any = None) -> tuple:
        values = [v._value for v in self._state]
        args = tuple(t._value for t in tensors)
        mesh = mesh or self.graph.mesh or active_mesh()
        if mesh is not None:
            args, placed = _placed(self._jax, mesh, args, tuple(values))
            values = list(placed)
        return (args, tuple(values[i] for i in self._kept),
                tuple(values[i] for i in self._donated))

    def compiler_ir(self, *tensors: Any, stage: str = "hlo") -> str:
        """The XLA program for these inputs, as text: "hlo" (before XLA's passes) or
        "optimized_hlo" (what runs: e.g. the all-reduce of data-parallel gradients)."""
        lowered = self._jitted.lower(*self._inputs(tensors))
        if stage == "hlo":
            return lowered.as_text()
        if stage == "optimized_hlo":
            return lowered.compile().as_text()
        raise ValueError(f"compiler_ir: stage must be 'hlo' or 'optimized_hlo', received "
                         f"{stage!r}.")

    def call(self, *tensors: Any) -> tuple:
        mesh = self.graph.mesh or active_mesh()
        if "debug_check" in self._host and mesh is not None and mesh.size > 1:
            # NOTE: a check failing on one device leaves the others waiting at the next
            # all-reduce, and XLA aborts the process: refused before anything runs.
            raise NotImplementedError(
                f"{self.graph.name}: tf.debugging checks (and tf.Assert) inside a step that "
                f"runs on {mesh.size} devices are not supported on the JAX backend; move "
                f"the check out of the distributed step, or run it on one device.")
        args, kept, donated = self._inputs(tensors, mesh)
        try:
            outs, updates, effects = self._jitted(args, kept, donated)
            if self._host or (self._on_cpu and mesh is not None and mesh.size > 1):
                # a host call's error surfaces before any update is applied; and XLA's
                # CPU devices deadlock in their all-reduce when a second step is queued
                # before the first has finished (seen with 2-4 forced host devices on 2
                # cores, in plain JAX too): on CPU meshes each step is waited for
                self._jax.block_until_ready((outs, updates, effects))
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown with the graph it came from
            reraise_pending(exc)  # a print/check/py_function's own error, as it was
            raise InvalidArgumentError(f"{self.graph.name}: the XLA-compiled function "
                                       f"failed: {exc}") from exc
        for v, value in zip(self._effect_vars, effects):
            if value is not None:
                v._value = value
        # NOTE: outputs stay device arrays (no wait for the device here); `.numpy()` and
        # NumPy read them when asked, so a training loop runs ahead of its GPU.
        return list(outs), updates
