"""`tf.summary.trace_on` / `trace_off` / `trace_export` and `tf.summary.graph`.

While a trace is on, every `ember.function` graph that is traced or called is recorded
(once each). `trace_export(name, step)` writes them to the default writer as TF and
TensorBoard's graph dashboard expect: a graph event (`Event.graph_def`, one GraphDef with
each function's nodes in a name scope of the function's name; TensorBoard's
`EventAccumulator.Graph()` returns it) and a summary `name` holding a `RunMetadata` with
one function graph per function (plugin `graph_run_metadata_graph`, as TF writes). The
node layout is `ember.summary.graph_def`'s. `trace_on(profiler=True,
profiler_outdir=...)` also runs `tf.profiler.experimental` until the export, which saves
the profile under `profiler_outdir` (given to `trace_on`, as TF 2.21, or to
`trace_export`, as older TF).

While a trace is on, it is a listener of compiled functions (`core.context.add_listener`:
told of each graph traced and each compiled function called) and so a mode of the dispatch
context: Keras' fast inference path steps aside, and `model(x)` is recorded too. With no
trace on, nothing is registered and calls of compiled functions cost nothing more.

As TF: `trace_export` without `trace_on` raises ValueError; without a default writer (or
under a false `record_if`) it writes nothing; with one but no step, ValueError.

Example:
    >>> import tempfile
    >>> import ember as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> @tf.function
    ... def f(x):
    ...     return tf.nn.relu(x)
    >>> tf.summary.trace_on(graph=True)
    >>> _ = f(tf.constant([1.0, -1.0]))
    >>> with writer.as_default():
    ...     tf.summary.trace_export(name="f_trace", step=0)
    >>> writer.close()
"""

from __future__ import annotations

import inspect
import os
import threading
import time
import warnings
from typing import Any

from ..core import nest
from ..core.context import Listener, add_listener, remove_listener
from ..core.shape import TensorSpec
from ..errors import UnavailableError
from ..ops.debug_ops import executing_eagerly
from ..profiler import experimental as prof
from . import _step, _writer  # defined in __init__ before it imports this module
from .graph_def import _clean, graph_def
from .protos import tensorboard_protos as protos

__all__ = ["graph", "trace_export", "trace_off", "trace_on"]

_LOCK = threading.RLock()
_CONTEXT: list = [None]  # the active _TraceContext, or None


class _TraceContext(Listener):
    """What `trace_on` started: options and the graphs recorded. While it records, it is
    a listener of compiled functions: each one traced or called is noted."""

    def __init__(self, graph: bool, profiler: bool, outdir: str | None):
        self.graph = graph
        self.profiler = profiler  # True when this trace started the profiler
        self.outdir = outdir
        self.graphs: dict = {}  # id(graph) -> (name, graph, concrete function)

    def note(self, cf: Any) -> None:
        g = cf.graph
        if id(g) not in self.graphs:
            self.graphs[id(g)] = (getattr(cf, "name", None) or "function", g, cf)

    on_trace = on_call = note


def _eager(who: str, what: str) -> bool:
    if executing_eagerly():
        return True
    warnings.warn(f"tf.summary.{who}: {what}", UserWarning, stacklevel=3)
    return False


def trace_on(graph: bool = True, profiler: bool = False,
             profiler_outdir: Any = None) -> None:
    """Starts recording the graphs of `ember.function`s traced or called from now on
    (and, with `profiler=True`, profiling; see `tf.profiler.experimental`).

    Call it eagerly (inside a function it warns and does nothing); a second call while
    a trace is on warns "Trace already enabled". Stop with `trace_export` (writes) or
    `trace_off` (discards). With `profiler=True` the profiler starts now (raising
    `tf.errors.AlreadyExistsError` if one runs) and saves under `profiler_outdir` at
    the export; without a folder here, pass one to `trace_export` (TF <= 2.15's way; TF
    2.21 would not profile then).

    Example:
        >>> import ember as tf
        >>> tf.summary.trace_on(graph=True)
        >>> _ = tf.function(lambda x: x + 1)(tf.constant(1.0))
        >>> tf.summary.trace_off()
    """
    if not _eager("trace_on", "Cannot enable trace inside a tf.function."):
        return
    outdir = None
    if profiler_outdir is not None:
        try:
            outdir = os.fspath(profiler_outdir)
        except TypeError:
            raise TypeError(f"tf.summary.trace_on: profiler_outdir must be a str or "
                            f"os.PathLike, received {profiler_outdir!r}.") from None
    with _LOCK:
        if _CONTEXT[0] is not None:
            warnings.warn("tf.summary.trace_on: Trace already enabled", UserWarning,
                          stacklevel=2)
            return
        ctx = _TraceContext(bool(graph), bool(profiler), outdir)
        if ctx.profiler:
            prof._start(outdir, None, "tf.summary.trace_on")  # AlreadyExistsError if busy
        if ctx.graph or ctx.profiler:  # the profiler collects graphs too, as TF's
            add_listener(ctx)
        _CONTEXT[0] = ctx


def trace_off() -> None:
    """Stops the trace and discards what it recorded (nothing when no trace is on).

    Example:
        >>> import ember as tf
        >>> tf.summary.trace_off()  # no trace on: nothing to do
    """
    with _LOCK:
        ctx = _CONTEXT[0]
        if ctx is None:
            return
        _CONTEXT[0] = None
        remove_listener(ctx)  # nothing if it was not listening
    if ctx.profiler:
        try:
            prof.stop(save=False)
        except UnavailableError:
            pass  # the user stopped it already


def _input_names(cf: Any) -> list | None:
    """The graph inputs' names from the Python signature (`x`, or `x_0`, `x_1` for an
    argument holding several tensors; `args_0` ... for `*args`), None if unknown."""
    try:
        fn, (args, kwargs) = cf._signature
        params = list(inspect.signature(fn).parameters.values())
    except (AttributeError, TypeError, ValueError):
        return None
    names: list = []

    def add(base: str, value: Any) -> None:
        n = sum(isinstance(x, TensorSpec) for x in nest.flatten(value))
        names.extend([base] if n == 1 else [f"{base}_{j}" for j in range(n)])

    star = next((i for i, p in enumerate(params) if p.kind is p.VAR_POSITIONAL), None)
    for i, a in enumerate(args):
        if star is not None and i >= star:
            add(f"{params[star].name}_{i - star}", a)
        elif i < len(params):
            add(params[i].name, a)
        else:
            add(f"args_{i}", a)
    for k in sorted(kwargs):
        add(str(k), kwargs[k])
    return names if len(names) == len(cf.graph.arg_inputs) else None


def _graph_defs(ctx: _TraceContext) -> tuple:
    """(one GraphDef of every recorded graph, scoped by function name; [GraphDef per
    function])."""
    pb = protos()
    merged = pb.graph_pb2.GraphDef()
    scopes: set = set()
    each = []
    for name, g, cf in ctx.graphs.values():
        names = _input_names(cf) if cf is not None else None
        base = scope = _clean(name)
        k = 0
        while scope in scopes:
            k += 1
            scope = f"{base}_{k}"
        scopes.add(scope)
        graph_def(g, names, scope=scope, into=merged)
        each.append(graph_def(g, names))
    return merged, each


def _write_graphs(name: str, ctx: _TraceContext, step: Any, graph_event: bool) -> None:
    writer = _writer()
    if writer is None or not ctx.graphs:
        return
    s = _step("trace_export", step)
    pb = protos()
    merged, each = _graph_defs(ctx)
    if graph_event:
        writer._add_event(pb.event_pb2.Event(wall_time=time.time(), step=s,
                                             graph_def=merged.SerializeToString()))
    run = pb.config_pb2.RunMetadata(function_graphs=[
        pb.config_pb2.RunMetadata.FunctionGraphs(pre_optimization_graph=gd) for gd in each])
    plugin = "graph_run_metadata" if ctx.profiler else "graph_run_metadata_graph"
    meta = pb.summary_pb2.SummaryMetadata(
        plugin_data=pb.summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin,
                                                              content=b"1"))
    tensor = pb.tensor_pb2.TensorProto(dtype=pb.types_pb2.DT_STRING,
                                       tensor_shape=pb.tensor_shape_pb2.TensorShapeProto(),
                                       string_val=[run.SerializeToString()])
    writer._add(pb.summary_pb2.Summary.Value(tag=name, tensor=tensor, metadata=meta), s)


def trace_export(name: str, step: Any = None, profiler_outdir: Any = None) -> None:
    """Writes the graphs recorded since `trace_on` to the default writer (tag `name`, at
    `step`, default `tf.summary.experimental.get_step()`) and stops the trace; a profiler
    started by `trace_on(profiler=True)` is stopped and saved under `profiler_outdir`
    (the one given to `trace_on`, else this one).

    Raises ValueError without `trace_on` first ("Must enable trace before export"), or
    when a default writer exists but no step is set.

    Example:
        >>> import os, tempfile
        >>> import ember as tf
        >>> logdir = tempfile.mkdtemp()
        >>> writer = tf.summary.create_file_writer(logdir)
        >>> f = tf.function(lambda x: x * 2.0)
        >>> tf.summary.trace_on(graph=True)
        >>> _ = f(tf.constant(1.0))
        >>> with writer.as_default(step=0):
        ...     tf.summary.trace_export("f_graph")
        >>> writer.close()
        >>> os.listdir(logdir)[0].startswith("events.out.tfevents.")
        True
    """
    export_trace(name, step, profiler_outdir, graph_event=True)


def export_trace(name: str, step: Any, profiler_outdir: Any, graph_event: bool) -> None:
    """`trace_export`; without `graph_event`, only the RunMetadata summary is written
    (Keras' profiled batches: the callback's `write_graph` wrote the graph event).

    Example:
        >>> import ember as tf
        >>> from ember.summary.trace import export_trace
        >>> export_trace(3, 0, None, graph_event=True)
        Traceback (most recent call last):
        ...
        TypeError: tf.summary.trace_export: name must be a str (the summary's tag), received 3.
    """
    if not isinstance(name, str):
        raise TypeError(f"tf.summary.trace_export: name must be a str (the summary's "
                        f"tag), received {name!r}.")
    if not _eager("trace_export", "Cannot export trace inside a tf.function."):
        return
    with _LOCK:
        ctx = _CONTEXT[0]
        if ctx is None:
            raise ValueError("Must enable trace before export through "
                             "tf.summary.trace_on.")
    if ctx.graph or ctx.profiler:
        # a missing step raises here, the trace still on (as TF)
        _write_graphs(name, ctx, step, graph_event)
    if ctx.profiler:
        _finish_profile(ctx, profiler_outdir)
    else:
        trace_off()


def _finish_profile(ctx: _TraceContext, profiler_outdir: Any) -> None:
    """Ends a trace that runs the profiler: stops it, saving where asked."""
    with _LOCK:
        if _CONTEXT[0] is ctx:
            _CONTEXT[0] = None
        remove_listener(ctx)  # nothing if it was not listening
    outdir = ctx.outdir or (None if profiler_outdir is None else os.fspath(profiler_outdir))
    try:
        if outdir is None:
            prof.stop(save=False)
            warnings.warn("tf.summary.trace_export: the profile was discarded: no "
                          "profiler_outdir was given. Pass one to tf.summary.trace_on("
                          "profiler=True, profiler_outdir=logdir).", UserWarning,
                          stacklevel=3)
        else:
            prof._stop(True, outdir)
    except UnavailableError:
        pass  # the user stopped it already


def graph(graph_data: Any) -> bool:
    """Writes a graph (an ember graph, a concrete function, or a `GraphDef` proto) to the
    default writer as a graph event at step 0, as TF's `tf.summary.graph`; returns
    whether it was written (False without a default writer).

    Example:
        >>> import tempfile
        >>> import ember as tf
        >>> cf = tf.function(lambda x: x + 1).get_concrete_function(tf.TensorSpec([2]))
        >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default():
        ...     tf.summary.graph(cf.graph)
        True
    """
    if not executing_eagerly():
        raise ValueError("tf.summary.graph cannot be invoked inside a graph context "
                         "(ember.function); call it eagerly.")
    pb = protos()
    if isinstance(graph_data, pb.graph_pb2.GraphDef):
        gd = graph_data
    elif hasattr(graph_data, "eqns") and hasattr(graph_data, "inputs"):
        gd = graph_def(graph_data)
    elif hasattr(getattr(graph_data, "graph", None), "eqns"):
        gd = graph_def(graph_data.graph, _input_names(graph_data))
    else:
        raise ValueError(f"tf.summary.graph: graph_data must be a graph (e.g. "
                         f"concrete_function.graph), a concrete function or a GraphDef, "
                         f"received {type(graph_data).__name__}. For an ember.function, "
                         f"pass f.get_concrete_function(...).graph.")
    writer = _writer()
    if writer is None:
        return False
    writer._add_event(pb.event_pb2.Event(wall_time=time.time(), step=0,
                                         graph_def=gd.SerializeToString()))
    return True
