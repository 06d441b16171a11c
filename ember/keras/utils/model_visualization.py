"""`keras.utils.model_to_dot` / `plot_model`: a model's layers and connections as a
Graphviz graph (Keras' look: one HTML-table node per layer, edges for each connection).

They need pydot (`pip install pydot`), and `plot_model` also the Graphviz programs
(e.g. `apt-get install graphviz`); without them they raise an ImportError that says so.

Example:
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="hidden"),
    ...                           keras.layers.Dense(1, name="out")])
    >>> dot = keras.utils.model_to_dot(model)
    >>> [n.get_name() == str(id(layer)) for n, layer in
    ...  zip([n for n in dot.get_nodes() if n.get("label")], model.layers)]
    [True, True]
    >>> edge = dot.get_edges()[0]
    >>> (edge.get_source(), edge.get_destination()) == tuple(str(id(x)) for x in model.layers)
    True
"""

from __future__ import annotations

import os
from typing import Any

from ..serialization_registry import builtin_layer_class

__all__ = ["model_to_dot", "plot_model"]


def _pydot() -> Any:
    try:
        import pydot  # optional dependency (pip install pydot)
    except ImportError:
        raise ImportError("model_to_dot / plot_model need pydot, which is not installed: "
                          "pip install pydot (plot_model also needs the Graphviz programs, "
                          "e.g. apt-get install graphviz or brew install graphviz).") from None
    return pydot


def _check_graphviz(pydot: Any) -> None:
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, Exception) as e:  # pydot raises its own errors when `dot` is missing
        raise ImportError("plot_model needs the Graphviz programs (the `dot` command), which "
                          "were not found: install Graphviz (e.g. apt-get install graphviz, "
                          "brew install graphviz, or see https://graphviz.org/download/). "
                          f"({type(e).__name__}: {e})") from None


def _activation_name(layer: Any) -> str:
    act = layer.activation
    return getattr(act, "name", None) or getattr(act, "__name__", None) or str(act)


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, (list, tuple)) and shape and not isinstance(shape[0], (int,
                                                                               type(None))):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _io_shapes(layer: Any) -> tuple:
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return None, None
    node = nodes[0]
    ins = [t.shape for t in node.input_tensors]
    outs = [t.shape for t in node.output_tensors]
    return (ins[0] if len(ins) == 1 else ins or None), (outs[0] if len(outs) == 1 else outs or None)


def _label(layer: Any, show_shapes: bool, show_dtype: bool, show_layer_names: bool,
           show_layer_activations: bool, show_trainable: bool) -> str:
    cls = type(layer).__name__
    span = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({cls})" if show_layer_names else f"<b>{cls}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">'
            f"{title}</font></td></tr>"]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        rows.append(f'<tr><td bgcolor="white" colspan="{span}"><font point-size="14">'
                    f"Activation: <b>{_activation_name(layer)}</b></font></td></tr>")
    cols = []
    if show_shapes:
        in_shape, out_shape = _io_shapes(layer)
        if cls != "InputLayer":
            cols.append('<td bgcolor="white"><font point-size="14">Input shape: '
                        f"<b>{_shape_text(in_shape)}</b></font></td>")
        cols.append('<td bgcolor="white"><font point-size="14">Output shape: '
                    f"<b>{_shape_text(out_shape)}</b></font></td>")
    if show_dtype:
        nodes = getattr(layer, "_inbound_nodes", None) or []
        dtypes = [t.dtype.name for t in nodes[0].output_tensors] if nodes else []
        text = "?" if not dtypes else dtypes[0] if len(dtypes) == 1 else str(dtypes)
        cols.append(f'<td bgcolor="white"><font point-size="14">Output dtype: <b>{text}</b>'
                    "</font></td>")
    if show_trainable and getattr(layer, "weights", None):
        if layer.trainable:
            cols.append('<td bgcolor="forestgreen"><font point-size="14" color="white">'
                        "<b>Trainable</b></font></td>")
        else:
            cols.append('<td bgcolor="firebrick"><font point-size="14" color="white">'
                        "<b>Non-trainable</b></font></td>")
    if cols:
        rows.append(f"<tr>{''.join(cols)}</tr>")
    return ('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
            + "".join(rows) + "</table>>")


def _is_model(layer: Any) -> bool:
    # keras.models registers its classes there (utils sits below models)
    return isinstance(layer, builtin_layer_class("Model"))


def _graph_layers(model: Any) -> tuple:
    """`(layers, edges)` of a model: edges as (source layer, destination layer)."""
    graph = getattr(model, "_graph", None)
    if isinstance(model, builtin_layer_class("Sequential")):
        layers = list(model.layers)
        return layers, list(zip(layers[:-1], layers[1:]))
    if graph is None:
        return None, None
    edges = []
    for node in graph.nodes:
        for t in node.input_tensors:
            if t._keras_history is not None:
                edges.append((t._keras_history[0], node.layer))
    return list(graph.layers), edges


def _first_and_last(layer: Any) -> tuple:
    """The inner layers a connection into / out of a nested model attaches to."""
    layers, _ = _graph_layers(layer)
    if not layers:
        return layer, layer
    src = layers[-1]
    graph = getattr(layer, "_graph", None)
    if graph is not None and graph.outputs:
        src = graph.outputs[0]._keras_history[0]
    dst = layers[0]
    while _is_model(src) and _graph_layers(src)[0]:
        src = _first_and_last(src)[1]
    while _is_model(dst) and _graph_layers(dst)[0]:
        dst = _first_and_last(dst)[0]
    return dst, src


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False,
                 splines: str = "ortho", **kwargs: Any) -> Any:
    """A `pydot.Dot` graph of the model: one node per layer (named by `id(layer)`, labelled
    with an HTML table of name/class, and optionally shapes, dtype, activation,
    trainable), one edge per connection. A Sequential model's InputLayer is not drawn;
    a functional model's are. `expand_nested` draws nested models as clusters.

    Args:
        model: a built Keras model.
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable:
            what each node shows.
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        expand_nested: draw the layers of nested models.
        dpi: the image resolution.
        subgraph: return a `pydot.Cluster` (used for nested models).
        splines: Graphviz's edge style.

    Raises:
        ImportError: pydot is not installed. ValueError: the model is not built.
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("model_to_dot: layer_range is no longer supported (Keras 3).")
    if kwargs:
        raise ValueError(f"model_to_dot: unrecognized keyword arguments: {sorted(kwargs)}")
    if not getattr(model, "built", False):
        raise ValueError(f"model_to_dot: model {model.name!r} is not built yet. Build it "
                         f"first: call build(input_shape) or call it on a batch of data.")
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    show = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                show_layer_names=show_layer_names,
                show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    layers, edges = _graph_layers(model)
    if layers is None:  # a subclassed model: one node
        dot.add_node(_node(pydot, model, show))
        return dot
    for layer in layers:
        if expand_nested and _is_model(layer) and _graph_layers(layer)[0]:
            dot.add_subgraph(model_to_dot(layer, rankdir=rankdir, expand_nested=True,
                                          subgraph=True, **show))
        else:
            dot.add_node(_node(pydot, layer, show))
    for src, dst in edges:
        if expand_nested:
            if _is_model(src):
                src = _first_and_last(src)[1]
            if _is_model(dst):
                dst = _first_and_last(dst)[0]
        _edge(pydot, dot, src, dst)
    return dot


def _node(pydot: Any, layer: Any, show: dict) -> Any:
    node = pydot.Node(str(id(layer)), label=_label(layer, **show))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _edge(pydot: Any, dot: Any, src: Any, dst: Any) -> None:
    a, b = str(id(src)), str(id(dst))
    if not dot.get_edge(a, b):
        edge = pydot.Edge(a, b)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def plot_model(model: Any, to_file: str = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False,
               splines: str = "ortho", **kwargs: Any) -> Any:
    """Draws the model with `model_to_dot` and writes it to `to_file` (format from the
    extension: png, svg, pdf, ...). Needs pydot and the Graphviz programs. Returns an
    `IPython.display.Image` in a notebook (not for pdf), else None.
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("plot_model: layer_range is no longer supported (Keras 3).")
    if kwargs:
        raise ValueError(f"plot_model: unrecognized keyword arguments: {sorted(kwargs)}")
    if not getattr(model, "built", False):
        raise ValueError(f"plot_model: model {model.name!r} is not built yet. Build it "
                         f"first: call build(input_shape) or call it on a batch of data.")
    pydot = _pydot()
    _check_graphviz(pydot)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display  # optional: shows the image in a notebook
            return display.Image(filename=to_file)
        except ImportError:
            pass
    return None
