"""`ember.onnx`: export an `ember.function`, a Python function or a Keras model to ONNX.

The function is traced with `ember.function` for `input_signature`, and its graph, as
traced, becomes an ONNX model (ember/export/onnx_export.py): Variables are initializers,
a None leading dim is the symbolic dim `batch`, and every primitive maps to ONNX ops of
opset 17 or later; a primitive with no mapping is an error naming it, and nothing is
written. Needs the `onnx` package; run the model with `onnxruntime`.

Example:
    >>> import numpy as np
    >>> import ember as tf
    >>> import ember.onnx
    >>> w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    >>> model = ember.onnx.export(lambda x: tf.nn.relu(x @ w), [tf.TensorSpec([None, 3])])
    >>> [n.op_type for n in model.graph.node], model.graph.initializer[0].name
    (['MatMul', 'Relu', 'Identity'], 'w')
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from .core.function import Function, function
from .core.shape import TensorShape, TensorSpec
from .export.onnx_export import DEFAULT_OPSET, graph_to_onnx

__all__ = ["export"]


def _is_layer(obj: Any) -> bool:
    """A Keras layer or model (told by its protocol: ember.onnx sits below ember.keras)."""
    return hasattr(obj, "trainable_weights") and hasattr(obj, "built") and callable(obj)


def _keras_signature(model: Any) -> list:
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            f"ember.onnx.export: {type(model).__name__} {getattr(model, 'name', '')!r} has "
            f"no known inputs (a subclassed model or a bare layer); pass input_signature, "
            f"e.g. [ember.TensorSpec([None, 784], ember.float32)].")
    return [TensorSpec([None] + list(t.shape)[1:], t.dtype,
                       name=getattr(t, "name", None)) for t in inputs]


def _as_specs(signature: Any) -> list:
    if isinstance(signature, TensorSpec):
        signature = [signature]
    specs = list(signature)
    for s in specs:
        if not isinstance(s, TensorSpec):
            raise TypeError(f"ember.onnx.export: input_signature must be a list of "
                            f"ember.TensorSpec, received an entry {s!r}.")
    return specs


def _fix_batch(spec: TensorSpec) -> TensorSpec:
    """The spec with an unknown leading dim set to 1 (`dynamic_batch=False`)."""
    dims = list(spec.shape) if spec.shape.rank is not None else None
    if dims and dims[0] is None:
        dims[0] = 1
    return TensorSpec(TensorShape(dims), spec.dtype, name=spec.name)


def export(fn_or_model: Any, input_signature: Sequence[TensorSpec] | None = None,
           path: str | os.PathLike | None = None, *, opset: int = DEFAULT_OPSET,
           dynamic_batch: bool = True) -> Any:
    """Exports a function or a Keras model to an ONNX model (and writes it to `path`).

    Args:
        fn_or_model: an `ember.function`, a Python function of tensors, or a Keras model /
            layer (called with `training=False`).
        input_signature: one `ember.TensorSpec` per tensor argument (for an
            `ember.function` with its own signature, or a built Keras model with known
            inputs, it may be left out: the model's inputs with batch None).
        path: where to write the `.onnx` file (None: write nothing).
        opset: the ONNX opset, 17 or later (onnxruntime 1.17+ runs 17..21).
        dynamic_batch: keep an unknown leading dim as the symbolic dim `batch`; False
            exports for batch size 1.

    Returns:
        The `onnx.ModelProto`.

    Raises:
        NotImplementedError: a primitive of the traced graph has no ONNX mapping (its
            name and op are in the message; no file is written).

    Example:
        >>> import ember as tf
        >>> import ember.onnx
        >>> m = ember.onnx.export(tf.function(lambda x: tf.nn.softmax(x * 2.0)),
        ...                       [tf.TensorSpec([None, 10], name="logits")])
        >>> m.graph.input[0].name, [n.op_type for n in m.graph.node][:2]
        ('logits', ['Mul', 'Softmax'])
    """
    target = fn_or_model
    layer = _is_layer(target)
    if input_signature is None:
        if layer:
            input_signature = _keras_signature(target)
        elif isinstance(target, Function) and target.input_signature is not None:
            input_signature = target.input_signature
        else:
            raise ValueError("ember.onnx.export: pass input_signature, a list of "
                             "ember.TensorSpec (one per tensor argument), e.g. "
                             "[ember.TensorSpec([None, 784], ember.float32)].")
    specs = _as_specs(input_signature)
    if not dynamic_batch:
        specs = [_fix_batch(s) for s in specs]
    if layer:
        model = target
        if len(specs) == 1:
            fn = function(lambda x: model(x, training=False))
        else:
            fn = function(lambda *xs: model(list(xs), training=False))
    elif isinstance(target, Function):
        fn = target
    elif callable(target):
        fn = function(target)
    else:
        raise TypeError(f"ember.onnx.export: expected an ember.function, a Python function "
                        f"or a Keras model, received {type(target).__name__}.")
    graph = fn.get_concrete_function(*specs).graph
    names = _input_names(specs)
    proto = graph_to_onnx(graph, opset=opset, input_names=names,
                          batch_dim="batch" if dynamic_batch else None,
                          name=getattr(target, "name", None) or
                          getattr(target, "__name__", None) or "ember")
    if path is not None:
        with open(os.fspath(path), "wb") as f:
            f.write(proto.SerializeToString())
    return proto


def _input_names(specs: list) -> list:
    names, seen = [], set()
    for i, s in enumerate(specs):
        n = s.name or f"input_{i}"
        while n in seen:
            n = f"{n}_{i}"
        seen.add(n)
        names.append(n)
    return names
