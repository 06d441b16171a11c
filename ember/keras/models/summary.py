"""`Model.summary()`: Keras' table of layers, output shapes and parameter counts.

A functional model whose layers form a chain prints three columns like a Sequential
model; any other functional graph adds "Connected to" (`dense[0][0]`: layer, node index,
tensor index).

Example:
    >>> from ember import keras
    >>> m = keras.Sequential([keras.layers.Dense(5, input_shape=(10,), name="d")], name="s")
    >>> m.summary(line_length=50)
    Model: "s"
    __________________________________________________
     Layer (type)          Output Shape        Param #
    ==================================================
     d (Dense)             (None, 5)           55
    <BLANKLINE>
    ==================================================
    Total params: 55 (220.00 Byte)
    Trainable params: 55 (220.00 Byte)
    Non-trainable params: 0 (0.00 Byte)
    __________________________________________________
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..engine.input_layer import InputLayer


def _size(weights: list) -> tuple:
    count = sum(int(np.prod(v._value.shape)) for v in weights)
    nbytes = sum(int(v._value.nbytes) for v in weights)
    return count, nbytes


def readable_memory_size(nbytes: float) -> str:
    """`244.00 Byte`, `1.50 KB`, ... (base 1024, as Keras prints it)."""
    for unit in ("Byte", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} TB"


def _shape_text(shapes: Any) -> str:
    def one(s: Any) -> str:
        dims = ["None" if d is None else str(d) for d in s]
        return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    # NOTE: a list of shapes (several outputs); a TensorShape is a tuple, () for a scalar
    if isinstance(shapes, list) and shapes and not isinstance(shapes[0], (int, type(None))):
        return "[" + ", ".join(one(s) for s in shapes) + "]"
    return one(shapes)


def _output_shape(layer: Any) -> str:
    nodes = layer._inbound_nodes
    if not nodes:
        return "multiple" if layer.built else "?"
    shapes = {_shape_text([t.shape for t in n.output_tensors]
                          if len(n.output_tensors) > 1 else n.output_tensors[0].shape)
              for n in nodes if n.output_tensors}
    if len(shapes) != 1:
        return "multiple"
    text = shapes.pop()
    return f"[{text}]" if isinstance(layer, InputLayer) else text


_UNBUILT = "0 (unbuilt)"


def _params(layer: Any) -> str:
    if not layer.built:
        return _UNBUILT
    return str(_size(layer.weights)[0])


def _sequential_like(model: Any) -> bool:
    g = model._graph
    if g is None or len(g.inputs) != 1 or len(g.outputs) != 1:
        return g is None
    for node in g.nodes:
        if len(node.input_tensors) > 1 or len(node.layer._inbound_nodes) > 1:
            return False
    return True


def _connections(model: Any, layer: Any) -> list:
    g = model._graph
    ours = {id(n) for n in g.nodes}
    out = []
    for node in layer._inbound_nodes:
        if id(node) not in ours:
            continue
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            out.append(f"{src.name}[{node_index}][{tensor_index}]")
    return out


def _wrap(text: str, width: int) -> list:
    width = max(width, 4)
    if len(text) <= width:
        return [text]
    lines, line = [], ""
    for word in text.split(" "):
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _row(fields: list, stops: list, emit: Callable) -> None:
    widths = [stops[0]] + [b - a for a, b in zip(stops, stops[1:])]
    # NOTE: "0 (unbuilt)" stays on one line (it may run one or two characters past its column)
    cells = [_wrap(str(f), max(w - 1, len(f)) if f == _UNBUILT else w - 1)
             for f, w in zip(fields, widths)]
    for i in range(max(len(c) for c in cells)):
        line = ""
        for c, stop in zip(cells, stops):
            text = c[i] if i < len(c) else ""
            line = (line + " " + text).ljust(stop)
        emit(line.rstrip())


def print_summary(model: Any, line_length: int | None = None, positions: Any = None,
                  print_fn: Callable | None = None, expand_nested: bool = False,
                  show_trainable: bool = False) -> None:
    """Prints `model`'s summary table through `print_fn` (default `print`)."""
    # NOTE: an unbuilt model prints its layers with "?" shapes and "0 (unbuilt)" params,
    # as Keras 3 does (tf.keras 2 raised a ValueError)
    emit = print_fn if print_fn is not None else print
    seq = _sequential_like(model)
    line_length = line_length or (65 if seq else 98)
    positions = positions or ([0.45, 0.85, 1.0] if seq else [0.3, 0.6, 0.70, 1.0])
    headers = ["Layer (type)", "Output Shape", "Param #"] + ([] if seq else ["Connected to"])
    if show_trainable:
        positions = [p * 0.9 for p in positions] + [1.0]
        headers.append("Trainable")
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    emit(f'Model: "{model.name}"')
    emit("_" * line_length)
    _row(headers, positions, emit)
    emit("=" * line_length)
    layers = model.layers
    if model._graph is not None and type(model).__name__ == "Sequential":
        layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    _rows(model, layers, positions, emit, seq, expand_nested, show_trainable, 0,
          line_length)
    emit("=" * line_length)
    weights = model.weights
    trainable = model.trainable_weights
    ids = {id(v) for v in trainable}
    frozen = [v for v in weights if id(v) not in ids]
    for label, ws in (("Total", weights), ("Trainable", trainable),
                      ("Non-trainable", frozen)):
        n, b = _size(ws)
        emit(f"{label} params: {n} ({readable_memory_size(b)})")
    emit("_" * line_length)


def _rows(model: Any, layers: list, positions: list, emit: Callable, seq: bool,
          expand_nested: bool, show_trainable: bool, depth: int, line_length: int) -> None:
    prefix = "| " * depth
    for layer in layers:
        fields = [f"{prefix}{layer.name} ({_type_name(layer)})", _output_shape(layer),
                  _params(layer)]
        if not seq:
            fields.append(", ".join(_connections(model, layer)) if model._graph else "")
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        _row(fields, positions, emit)
        inner = getattr(layer, "layers", None)
        if expand_nested and inner and hasattr(layer, "_graph"):
            inner = [x for x in inner if not isinstance(x, InputLayer)] \
                if type(layer).__name__ == "Sequential" else inner
            emit(prefix + "|" + "¯" * (line_length - len(prefix) - 2) + "|")
            _rows(layer, inner, positions, emit, _sequential_like(layer), expand_nested,
                  show_trainable, depth + 1, line_length)
            emit(prefix + "¯" * (line_length - len(prefix)))
        if not (expand_nested and inner):
            emit(" " * 0)


def _type_name(layer: Any) -> str:
    name = type(layer).__name__
    if name == "OpLayer":
        return "TFOpLambda"
    return name
