"""ONNX emitters of the neural-network primitives: matmul and einsum, softmax, layer
normalization, 2-D convolution (depthwise too) and pooling, sort, and the fused
primitives of the NumPy executor's rewrites (bias_relu, einsum_bias), should a graph
hold them.

ember's images are NHWC and its filters HWIO; ONNX's Conv and pools take NCHW and OIHW,
so each of them is wrapped in Transposes (onnxruntime folds the pairs between layers).
TF's 'SAME' padding (the odd pixel at the end) is ONNX's SAME_UPPER; where the spatial
size is known the pads are written out, and where it is not, a dilated conv's pads and a
transposed conv's crop are computed at run time from the `Shape` of its inputs.

Example:
    >>> from ember.export.onnx_ops import EMITTERS
    >>> EMITTERS["conv2d"].__name__
    '_conv2d'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .onnx_ops import emits, np_dtype

_TO_NCHW = [0, 3, 1, 2]
_TO_NHWC = [0, 2, 3, 1]


# -- products ----------------------------------------------------------------------------

def _swap_last(ctx: Any, x: str, rank: int) -> str:
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return ctx.add_node("Transpose", [x], perm=perm)


@emits("matmul")
def _matmul(ctx: Any) -> str:
    a, b = ctx.ins
    if ctx.params.get("transpose_a"):
        a = _swap_last(ctx, a, ctx.in_specs[0].shape.rank)
    if ctx.params.get("transpose_b"):
        b = _swap_last(ctx, b, ctx.in_specs[1].shape.rank)
    return ctx.add_node("MatMul", [a, b])


@emits("einsum")
def _einsum(ctx: Any) -> str:
    return ctx.add_node("Einsum", ctx.ins, equation=str(ctx.params["equation"]))


@emits("einsum_bias")
def _einsum_bias(ctx: Any) -> str:
    a, b, bias, *z = ctx.ins
    y = ctx.add_node("Add", [ctx.add_node("Einsum", [a, b],
                                          equation=str(ctx.params["equation"])), bias])
    if z:
        y = ctx.add_node("Add", [y, z[0]])
    return ctx.add_node("Relu", [y]) if ctx.params.get("relu") else y


@emits("bias_relu")
def _bias_relu(ctx: Any) -> str:
    return ctx.add_node("Relu", [ctx.add_node("Add", ctx.ins)])


# -- softmax and normalization --------------------------------------------------------------

@emits("softmax")
def _softmax(ctx: Any) -> str:
    return ctx.add_node("Softmax", ctx.ins, axis=int(ctx.params["axis"]))


@emits("layer_norm")
def _layer_norm(ctx: Any) -> str:
    p = ctx.params
    x, weights = ctx.ins[0], ctx.ins[1:]
    axes = [int(a) for a in p["axis"]]
    rank = ctx.in_specs[0].shape.rank
    eps = float(p["epsilon"])
    gamma = weights[0] if p["scale"] else None
    beta = weights[-1] if p["center"] else None
    trailing = axes == list(range(rank - len(axes), rank))
    if trailing and gamma is not None:
        # NOTE: ONNX LayerNormalization (opset 17) normalizes the last axes from `axis` on,
        # with scale and bias of their shape: exactly ember's layer_norm there.
        ins = [x, gamma] + ([beta] if beta is not None else [])
        return ctx.add_node("LayerNormalization", ins, axis=axes[0], epsilon=eps)
    # other axes, or no scale: the composition (mean, variance, rsqrt) over `axes`
    mean = ctx.reduce("ReduceMean", x, axes, True)
    d = ctx.add_node("Sub", [x, mean])
    var = ctx.reduce("ReduceMean", ctx.add_node("Mul", [d, d]), axes, True)
    eps_c = ctx.const(eps, np_dtype(ctx.out_spec))
    y = ctx.add_node("Div", [d, ctx.add_node("Sqrt", [ctx.add_node("Add", [var, eps_c])])])
    shape = [ctx.in_specs[0].shape[a] if a in axes else 1 for a in range(rank)]
    for w, op in ((gamma, "Mul"), (beta, "Add")):
        if w is not None:
            if None in shape:
                raise ctx.unsupported("needs the normalized axes' sizes known when "
                                      "exporting.")
            y = ctx.add_node(op, [y, ctx.add_node("Reshape", [w, ctx.ints(shape)])])
    return y


# -- convolution and pooling ----------------------------------------------------------------

def _same_pads(n: Any, k: int, s: int, d: int) -> Any:
    """TF's SAME padding of one spatial axis (before, after), or None if `n` is unknown."""
    if n is None:
        return None
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _pad_attrs(ctx: Any, padding: Any, ksize: tuple, strides: tuple,
               dilations: tuple, x: Any = None) -> dict:
    """The Conv / pool attributes for ember's `padding` ('SAME', 'VALID' or explicit) of
    an input of shape `x` (default: the first input's)."""
    x = ctx.in_specs[0].shape if x is None else x
    if isinstance(padding, str):
        if padding.upper() == "VALID":
            return {"pads": [0, 0, 0, 0]}
        pads = [_same_pads(x[1 + i], ksize[i], strides[i], dilations[i]) for i in range(2)]
        if None in pads:
            return {"auto_pad": "SAME_UPPER"}
    else:
        pads = [tuple(int(v) for v in p) for p in padding]
        if len(pads) == 4:  # NHWC entries: keep the spatial ones
            pads = pads[1:3]
    return {"pads": [pads[0][0], pads[1][0], pads[0][1], pads[1][1]]}


def _conv_input(ctx: Any, padding: Any, ksize: tuple, strides: tuple,
                dilations: tuple) -> tuple:
    """The (NHWC) input of a Conv and its pad attributes. onnxruntime refuses SAME_UPPER
    with dilations, so there, over unknown spatial sizes, TF's SAME pads are computed at
    run time and added by a Pad node."""
    attrs = _pad_attrs(ctx, padding, ksize, strides, dilations)
    if "auto_pad" not in attrs or tuple(dilations) == (1, 1):
        return ctx.ins[0], attrs
    n = ctx.add_node("Shape", [ctx.ins[0]], start=1, end=3)
    s = ctx.ints(strides)
    out = ctx.add_node("Div", [ctx.add_node("Add", [n, ctx.ints([v - 1 for v in strides])]),
                               s])  # ceil(n / s)
    span = ctx.ints([(k - 1) * d + 1 for k, d in zip(ksize, dilations)])
    total = ctx.add_node("Sub", [ctx.add_node("Add", [ctx.add_node(
        "Mul", [ctx.add_node("Sub", [out, ctx.ints([1, 1])]), s]), span]), n])
    total = ctx.add_node("Max", [total, ctx.ints([0, 0])])
    before = ctx.add_node("Div", [total, ctx.ints([2, 2])])
    after = ctx.add_node("Sub", [total, before])
    pads = ctx.add_node("Concat", [ctx.ints([0]), before, ctx.ints([0, 0]), after,
                                   ctx.ints([0])], axis=0)
    zero = ctx.const(0, np_dtype(ctx.in_specs[0]))
    x = ctx.add_node("Pad", [ctx.ins[0], pads, zero], mode="constant")
    return x, {"pads": [0, 0, 0, 0]}


def _nchw_op(ctx: Any, op: str, x: str, extra: list, **attrs: Any) -> str:
    y = ctx.add_node(op, [ctx.add_node("Transpose", [x], perm=_TO_NCHW)] + extra, **attrs)
    return ctx.add_node("Transpose", [y], perm=_TO_NHWC)


def _filter_size(ctx: Any) -> tuple:
    kh, kw = ctx.in_specs[1].shape[0], ctx.in_specs[1].shape[1]
    if kh is None or kw is None:
        raise ctx.unsupported("needs the filter's spatial size known when exporting.")
    return kh, kw


@emits("conv2d")
def _conv2d(ctx: Any) -> str:
    p = ctx.params
    ksize = _filter_size(ctx)
    strides, dil = tuple(p["strides"]), tuple(p["dilations"])
    w = ctx.add_node("Transpose", [ctx.ins[1]], perm=[3, 2, 0, 1])  # HWIO -> OIHW
    x, pads = _conv_input(ctx, p["padding"], ksize, strides, dil)
    return _nchw_op(ctx, "Conv", x, [w], kernel_shape=list(ksize), strides=list(strides),
                    dilations=list(dil), **pads)


@emits("conv2d_backprop_input")
def _conv2d_transpose(ctx: Any) -> str:
    # NOTE: the gradient of conv2d for its input is a transposed convolution (Keras'
    # Conv2DTranspose): ONNX ConvTranspose with the forward conv's filter (OIHW is also
    # ConvTranspose's [in, out, kh, kw]) and pads, and the output_padding that gives the
    # forward input's size back.
    p = ctx.params
    ksize = _filter_size(ctx)
    strides, dil = tuple(p["strides"]), tuple(p["dilations"])
    x, g = ctx.in_specs[2].shape, ctx.in_specs[0].shape
    if None in (x[1], x[2], g[1], g[2]):
        return _conv2d_transpose_dynamic(ctx, ksize, strides, dil)
    pads = _pad_attrs(ctx, p["padding"], ksize, strides, dil, x)["pads"]
    extra = [(x[1 + i] + pads[i] + pads[2 + i] - (ksize[i] - 1) * dil[i] - 1) % strides[i]
             for i in range(2)]
    w = ctx.add_node("Transpose", [ctx.ins[1]], perm=[3, 2, 0, 1])
    return _nchw_op(ctx, "ConvTranspose", ctx.ins[0], [w], kernel_shape=list(ksize),
                    strides=list(strides), dilations=list(dil), pads=pads,
                    output_padding=extra)


def _conv2d_transpose_dynamic(ctx: Any, ksize: tuple, strides: tuple, dil: tuple) -> str:
    """conv2d_backprop_input where spatial sizes are known only at run time: the whole
    ConvTranspose (no pads), zeros for the last (stride - 1) rows / columns no input
    reaches, then the forward input's window: from the forward conv's top / left pad
    (SAME's computed from the run-time sizes), as many as the forward input has."""
    padding = ctx.params["padding"]
    w = ctx.add_node("Transpose", [ctx.ins[1]], perm=[3, 2, 0, 1])
    y = ctx.add_node("ConvTranspose", [ctx.add_node("Transpose", [ctx.ins[0]], perm=_TO_NCHW),
                                       w], kernel_shape=list(ksize), strides=list(strides),
                     dilations=list(dil), pads=[0, 0, 0, 0])
    if max(strides) > 1:
        y = ctx.add_node("Pad", [y, ctx.ints([0, 0, 0, 0, 0, 0, strides[0] - 1,
                                              strides[1] - 1])], mode="constant")
    n_x = ctx.add_node("Shape", [ctx.ins[2]], start=1, end=3)
    if isinstance(padding, str) and padding.upper() == "SAME":
        n_g = ctx.add_node("Shape", [ctx.ins[0]], start=1, end=3)
        span = [(k - 1) * d + 1 for k, d in zip(ksize, dil)]
        full = ctx.add_node("Add", [ctx.add_node("Mul", [ctx.add_node(
            "Sub", [n_g, ctx.ints([1, 1])]), ctx.ints(strides)]), ctx.ints(span)])
        total = ctx.add_node("Max", [ctx.add_node("Sub", [full, n_x]), ctx.ints([0, 0])])
        start = ctx.add_node("Div", [total, ctx.ints([2, 2])])
    elif isinstance(padding, str):  # VALID
        start = ctx.ints([0, 0])
    else:
        pads = [tuple(int(v) for v in p) for p in padding]
        pads = pads[1:3] if len(pads) == 4 else pads
        start = ctx.ints([pads[0][0], pads[1][0]])
    end = ctx.add_node("Add", [start, n_x])
    y = ctx.add_node("Slice", [y, start, end, ctx.ints([2, 3])])
    return ctx.add_node("Transpose", [y], perm=_TO_NHWC)


@emits("depthwise_conv2d")
def _depthwise_conv2d(ctx: Any) -> str:
    p = ctx.params
    ksize = _filter_size(ctx)
    c, m = ctx.in_specs[1].shape[2], ctx.in_specs[1].shape[3]
    if c is None or m is None:
        raise ctx.unsupported("needs the filter's channels known when exporting.")
    strides, dil = tuple(p["strides"]), tuple(p["dilations"])
    # [kh, kw, c, m] -> [kh, kw, 1, c*m] -> [c*m, 1, kh, kw]: output channel c*m + j, as TF
    w = ctx.add_node("Reshape", [ctx.ins[1], ctx.ints([ksize[0], ksize[1], 1, c * m])])
    w = ctx.add_node("Transpose", [w], perm=[3, 2, 0, 1])
    x, pads = _conv_input(ctx, p["padding"], ksize, strides, dil)
    return _nchw_op(ctx, "Conv", x, [w], kernel_shape=list(ksize), strides=list(strides),
                    dilations=list(dil), group=int(c), **pads)


@emits("max_pool2d", "avg_pool2d")
def _pool(ctx: Any) -> str:
    p = ctx.params
    ksize, strides = tuple(p["ksize"]), tuple(p["strides"])
    op = "MaxPool" if ctx.prim == "max_pool2d" else "AveragePool"
    # NOTE: AveragePool's default count_include_pad=0 averages over the window's pixels
    # inside the image, as TF's SAME average pooling.
    return _nchw_op(ctx, op, ctx.ins[0], [], kernel_shape=list(ksize), strides=list(strides),
                    **_pad_attrs(ctx, p["padding"], ksize, strides, (1, 1)))


# -- sorting --------------------------------------------------------------------------------

@emits("sort")
def _sort(ctx: Any) -> list:
    p = ctx.params
    axis = int(p["axis"])
    rank = ctx.in_specs[0].shape.rank
    axis = axis + rank if axis < 0 else axis
    k = ctx.add_node("Shape", [ctx.ins[0]], start=axis, end=axis + 1)
    values, idx = ctx.add_node("TopK", [ctx.ins[0], k], n_out=2, axis=axis,
                               largest=int(bool(p.get("descending"))), sorted=1)
    dt = np_dtype(ctx.out_specs[1])
    return [values, idx if dt == np.int64 else ctx.cast(idx, dt)]
