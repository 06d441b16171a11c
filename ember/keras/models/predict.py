"""`Model.predict` and `predict_on_batch`: batched inference returning NumPy arrays.

The forward pass is compiled once per model and input signature (batch dim None), so
every batch size runs the same plan. A functional or Sequential model uses its graph's
compiled function; a subclassed model's `call` is traced on the first batch (if tracing
fails, e.g. `call` reads tensor values in Python, it runs eagerly with a warning).

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    >>> m.predict([[1.0, 2.0]], verbose=0)
    array([[3.]], dtype=float32)
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable

import numpy as np

from ...core import nest
from ...core.function import Function, functions_run_eagerly
from ...core.shape import TensorSpec
from ...core.dtypes import BY_NP
from ...core.tensor import TensorOps, wrap
from ..distribution import scope_of
from ..utils.progbar import Progbar, write_one_step_line
from .data import (ArrayData, SequenceData, capped_steps, check_batch_size, check_no_batch_size,
                   is_batch_iterable, is_sequence)


def _verbosity(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"predict: verbose must be 'auto', 0, 1 or 2, received {verbose!r}.")
    return int(verbose)


def _runner(model: Any, arrays: list, structure_of: Callable) -> Callable:
    """A function from a batch's flat arrays to the model's flat output tensors (and the
    output structure), compiled where possible."""
    g = model._graph
    if g is None:
        g = model._graph_for(structure_of(arrays))  # a Sequential builds its graph on them
    if g is not None:
        if functions_run_eagerly():
            return lambda batch: model(structure_of(batch), training=False)
        cf = model._graph_function(False)

        def run_graph(batch: list) -> Any:
            tensors = g.conform(g.flatten_inputs(structure_of(batch), model.name), model.name)
            return cf._call_tensors(tensors)
        return run_graph
    key = tuple((a.dtype.str, a.shape[1:]) for a in arrays)
    cf = model._predict_cache.get(key)
    if cf is None and not functions_run_eagerly():
        specs = [TensorSpec((None,) + a.shape[1:], BY_NP[a.dtype]) for a in arrays]
        fn = Function(lambda *xs: model(structure_of(list(xs)), training=False),
                      input_signature=specs, name=f"{model.name}_predict",
                      jit_compile=getattr(model, "_jit_compile", None) is True)
        try:
            with scope_of(model):  # traced for the strategy's devices, if any
                cf = fn.get_concrete_function()
        except Exception as e:  # noqa: BLE001 - any failure to trace: run eagerly instead
            warnings.warn(f'predict: the call of model "{model.name}" could not be compiled '
                          f"({type(e).__name__}: {str(e)[:200]}); running it eagerly.",
                          stacklevel=4)
            cf = False
        model._predict_cache[key] = cf
    if not cf:
        return lambda batch: model(structure_of([wrap(a) for a in batch]), training=False)
    return lambda batch: cf._call_tensors([wrap(a) for a in batch])


def _to_numpy(out: Any, batch: list) -> list:
    flat = []
    for o in nest.flatten(out):
        if isinstance(o, TensorOps):
            arr = o._value
            if type(arr) is not np.ndarray:  # a device array (JAX backend)
                arr = np.asarray(arr)
            elif any(arr is a for a in batch):
                arr = arr.copy()  # never hand back the caller's own array
            flat.append(arr)
        else:
            flat.append(np.asarray(o))
    return flat


def predict(model: Any, x: Any, batch_size: int | None = None, verbose: Any = "auto",
            steps: int | None = None, callbacks: Any = None) -> Any:
    """See `Model.predict`."""
    check_no_batch_size(x, batch_size, "predict")
    bs = check_batch_size(batch_size, "predict")
    verbose = _verbosity(verbose)
    if not callbacks and steps is None:
        # NOTE: one batch of a single-input graph model: the compiled plan, no batching.
        arr = x if type(x) is np.ndarray else getattr(x, "_value", None)
        if type(arr) is np.ndarray and arr.ndim and 0 < arr.shape[0] <= bs:
            start = time.perf_counter() if verbose else 0.0
            out = model._run_fast(x)
            if out is not None:
                if type(out) is not np.ndarray:  # a device array (JAX backend)
                    out = np.asarray(out)
                if out is arr:
                    out = out.copy()
                if verbose:
                    write_one_step_line(time.perf_counter() - start, verbose)
                return out
    steps = capped_steps(steps)
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if hasattr(cb, "set_model"):
            cb.set_model(model)
    if is_sequence(x):  # read by index; its on_epoch_end runs after the last batch
        batches, target, structure_of = SequenceData(x, "predict", steps,
                                                         stacklevel=4).predict_batches()
    elif is_batch_iterable(x):
        batches, target, structure_of = _iter_batches(x, steps)
    else:
        data = ArrayData(x, "predict")
        batches = data.batches(bs, steps)
        target = data.num_batches(bs, steps)
        structure_of = data.pack
    _hook(callbacks, "on_predict_begin", {})
    bar = Progbar(target, verbose=verbose) if verbose else None
    run = None
    out_structure = None
    collected: list = []
    for step, batch in enumerate(batches):
        _hook(callbacks, "on_predict_batch_begin", step, {})
        if run is None:
            run = _runner(model, batch, structure_of)
        out = run(batch)
        if out_structure is None:
            out_structure = out
        flat = _to_numpy(out, batch)
        collected.append(flat)
        _hook(callbacks, "on_predict_batch_end", step, {"outputs": flat})
        if bar is not None:
            bar.update(step + 1)
    if not collected:
        raise ValueError("predict: the input yielded no batches; pass at least one sample.")
    if len(collected) == 1:
        flat = collected[0]
    else:
        flat = [np.concatenate([c[i] for c in collected]) for i in range(len(collected[0]))]
    _hook(callbacks, "on_predict_end", {})
    return nest.pack_sequence_as(out_structure, flat) if nest.is_nested(out_structure) \
        else flat[0]


def predict_on_batch(model: Any, x: Any) -> Any:
    """See `Model.predict_on_batch`."""
    data = ArrayData(x, "predict_on_batch")
    batch = data.arrays
    out = _runner(model, batch, data.pack)(batch)
    flat = _to_numpy(out, batch)
    return nest.pack_sequence_as(out, flat) if nest.is_nested(out) else flat[0]


def _iter_batches(x: Any, steps: int | None) -> tuple:
    it = iter(x)
    first = None

    def gen() -> Any:
        nonlocal first
        count = 0
        for item in it:
            if steps is not None and count >= steps:
                return
            if isinstance(item, tuple):
                item = item[0]  # (x,), (x, y) or (x, y, sample_weight): predict uses x
            d = ArrayData(item, "predict")
            if first is None:
                first = d
            yield d.arrays
            count += 1

    return gen(), steps, lambda flat: first.pack(flat)


def _hook(callbacks: list, name: str, *args: Any) -> None:
    for cb in callbacks:
        fn = getattr(cb, name, None)
        if fn is not None:
            fn(*args)
