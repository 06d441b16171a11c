"""`Model.summary()`: Keras 3's boxed table of layers, output shapes and parameter counts.

With `rich` installed (it comes with Keras) the table is drawn by rich exactly as Keras 3
draws it; without it ember draws the same box characters itself. A functional model whose
layers form a chain gets three columns, any other graph adds "Connected to"
(`dense[0][0]`: layer, node index, tensor index). After the table come the totals
("Total params: 1,234 (4.82 KB)"), and "Optimizer params" once the optimizer is built.

Example:
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((10,)), keras.layers.Dense(5, name="d")],
    ...                      name="s")
    >>> m.summary(line_length=50)
    Model: "s"
    ┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
    ┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
    │ d (Dense)           │ (None, 5)      │      55 │
    └─────────────────────┴────────────────┴─────────┘
     Total params: 55 (220.00 B)
     Trainable params: 55 (220.00 B)
     Non-trainable params: 0 (0.00 B)
"""

from __future__ import annotations

import math
import re
import shutil
import sys
from typing import Any, Callable

from ..engine.input_layer import InputLayer
from . import _summary_box


def _rich() -> Any:
    """The `rich` package's modules, or None where it is not installed."""
    try:
        import rich.console
        import rich.markup
        import rich.table
    except ImportError:
        return None
    return rich


def _count(weights: list) -> int:
    return int(sum(math.prod(tuple(v.shape)) for v in weights))


def _nbytes(weights: list) -> int:
    unique = {id(w): w for w in weights}.values()
    return int(sum(math.prod(tuple(w.shape)) * _itemsize(w) for w in unique))


def _itemsize(w: Any) -> int:
    import numpy as np
    try:
        return np.dtype(getattr(w.dtype, "name", str(w.dtype))).itemsize
    except TypeError:
        return 4


def readable_memory_size(nbytes: float) -> str:
    """A byte count as Keras 3 prints it (base 1024, two decimals).

    Example:
        >>> readable_memory_size(220), readable_memory_size(4940)
        ('220.00 B', '4.82 KB')
    """
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes / 1024 < 1:
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} PB"


# -- cells ------------------------------------------------------------------------------
class _Markup:
    """Cell text: rich markup (colours, escaped names) or plain text."""

    def __init__(self, rich: Any):
        self.rich = rich

    def esc(self, s: str) -> str:
        return self.rich.markup.escape(s) if self.rich else s

    def num(self, x: Any) -> str:
        if not self.rich:
            return str(x)
        return f"[color({45 if x is None else 34})]{x}[/]"

    def sym(self, x: str) -> str:
        return f"[color(33)]{x}[/]" if self.rich else x

    def bold(self, x: str, color: int | None = None) -> str:
        if not self.rich:
            return x
        return f"[bold][color({color})]{x}[/][/]" if color else f"[bold]{x}[/]"


def _shape(m: _Markup, shape: Any) -> str:
    return "(" + ", ".join(m.num(d) for d in shape) + ")"


def _output_shape(m: _Markup, layer: Any) -> str:
    nodes = layer._inbound_nodes
    if not nodes:
        return "multiple" if layer.built else "?"
    outs = nodes[-1].output_tensors
    if len(outs) == 1:
        return _shape(m, outs[0].shape)
    return "[" + ", ".join(_shape(m, t.shape) for t in outs) + "]"


def _params(m: _Markup, layer: Any) -> str:
    if not layer.built:
        return f"{m.num(0)} (unbuilt)"
    return m.num(f"{_count(layer.weights):,}")


def _connections(m: _Markup, model: Any, layer: Any) -> str:
    g = model._graph
    ours = {id(n) for n in g.nodes} if g is not None else set()
    out = []
    for node in layer._inbound_nodes:
        if ours and id(node) not in ours:
            continue
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            out.append(f"{m.esc(src.name)}[{m.num(node_index)}][{m.num(tensor_index)}]")
    return ", ".join(out) or "-"


def _sequential_like(model: Any) -> bool:
    g = model._graph
    if g is None or type(model).__name__ == "Sequential":
        return True
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        return False
    ours = {id(n) for n in g.nodes}
    for node in g.nodes:
        if len(node.input_tensors) > 1:
            return False
        if sum(id(n) in ours for n in node.layer._inbound_nodes) > 1:
            return False  # a shared layer
    return True


def _layers(model: Any) -> list:
    layers = list(model.layers)
    if type(model).__name__ == "Sequential":
        layers = [x for x in layers if not isinstance(x, InputLayer)]
    return layers


def _type_name(layer: Any) -> str:
    name = getattr(layer, "_display_class", None) or type(layer).__name__
    return "TFOpLambda" if name == "OpLayer" else name


def _rows(m: _Markup, model: Any, layer: Any, seq: bool, expand_nested: bool,
          show_trainable: bool, level: int = 0) -> list:
    prefix = "   " * level + "└ " if level else ""
    fields = [f"{m.esc(prefix + layer.name)} ({m.sym(m.esc(_type_name(layer)))})",
              _output_shape(m, layer), _params(m, layer)]
    if not seq:
        fields.append(_connections(m, model, layer))
    if show_trainable:
        if layer.weights:
            fields.append(m.bold("Y", 34) if layer.trainable else m.bold("N", 9))
        else:
            fields.append(m.bold("-"))
    rows = [fields]
    inner = getattr(layer, "layers", None)
    if expand_nested and inner:
        for sub in _layers(layer):
            rows.extend(_rows(m, layer, sub, seq, expand_nested, show_trainable, level + 1))
    return rows


def _layer_range(layers: list, layer_range: Any) -> tuple:
    if layer_range is None:
        return 0, len(layers)
    if (not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2
            or not all(isinstance(s, str) for s in layer_range)):
        raise ValueError("summary: layer_range must be a list or tuple of two layer "
                         f"names (or regexes), received {layer_range!r}. Pass e.g. "
                         "layer_range=['dense', 'dense_2'].")
    lo = [i for i, x in enumerate(layers) if re.match(layer_range[0], x.name)]
    hi = [i for i, x in enumerate(layers) if re.match(layer_range[1], x.name)]
    if not lo or not hi:
        names = [x.name for x in layers]
        raise ValueError(f"summary: layer_range {list(layer_range)} matches no layer of "
                         f"the model; its layers are {names}.")
    if min(lo) > max(hi):
        return min(hi), max(lo) + 1
    return min(lo), max(hi) + 1


def _column_widths(positions: list, line_length: int) -> list:
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current if pos <= 1 else int(pos) - current
        if width < 4:
            raise ValueError(f"summary: a column would be {width} characters wide (at "
                             f"least 4 are needed); received line_length={line_length}, "
                             f"positions={list(positions)}. Pass a larger line_length or "
                             "spread the positions.")
        widths.append(width)
        current += width
    return widths


def _totals(m: _Markup, model: Any) -> list:
    trainable = list(model.trainable_weights)
    frozen = list(model.non_trainable_weights)
    lines = [("Trainable", _count(trainable), _nbytes(trainable)),
             ("Non-trainable", _count(frozen), _nbytes(frozen))]
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "built", False):
        opt_vars = list(opt.variables)
        lines.append(("Optimizer", _count(opt_vars), _nbytes(opt_vars)))
    total = ("Total", sum(x[1] for x in lines), sum(x[2] for x in lines))
    return [m.bold(f" {label} params: ") + m.num(f"{n:,}") + f" ({readable_memory_size(b)})"
            for label, n, b in [total] + lines]


def print_summary(model: Any, line_length: int | None = None, positions: Any = None,
                  print_fn: Callable | None = None, expand_nested: bool = False,
                  show_trainable: bool = False, layer_range: Any = None) -> None:
    """Prints `model`'s summary as Keras 3 does.

    Without `print_fn` the table goes to stdout; with it, the whole summary (one string,
    lines joined by newlines, as Keras 3 passes it) goes to `print_fn`. An unbuilt layer
    shows "?" and "0 (unbuilt)".

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> out = []
        >>> print_summary(m, print_fn=out.append)
        >>> "Total params: 8 (32.00 B)" in out[0]
        True
    """
    seq = _sequential_like(model)
    default_length = 88 if seq else 108
    positions = list(positions or ([0.45, 0.80, 1.0] if seq else [0.3, 0.56, 0.74, 1.0]))
    header = ["Layer (type)", "Output Shape", "Param #"] + ([] if seq else ["Connected to"])
    justify = ["left", "left", "right"] + ([] if seq else ["left"])
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths = _column_widths(positions, line_length)
    rich = _rich()
    m = _Markup(rich)
    layers = _layers(model)
    lo, hi = _layer_range(layers, layer_range)
    rows = [r for layer in layers[lo:hi]
            for r in _rows(m, model, layer, seq, expand_nested, show_trainable)]
    title = m.bold(f'Model: "{m.esc(model.name)}"')
    totals = _totals(m, model)
    if rich is None:
        text = "\n".join([title] + _summary_box.draw(header, justify, widths, rows,
                                                     line_length) + totals) + "\n"
        if print_fn is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            print_fn(text)
        return
    table = rich.table.Table(*[rich.table.Column(h, justify=j, width=w)
                               for h, j, w in zip(header, justify, widths)],
                             width=line_length, show_lines=True)
    for r in rows:
        table.add_row(*r)
    if print_fn is not None:
        console = rich.console.Console(highlight=False, force_terminal=False,
                                       color_system=None)
        console.begin_capture()
    else:
        console = rich.console.Console(highlight=False)
    for item in [title, table] + totals:
        console.print(item)
    if print_fn is not None:
        print_fn(console.end_capture())
