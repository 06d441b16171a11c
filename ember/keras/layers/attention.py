"""Attention layers (Keras 3): EinsumDense, MultiHeadAttention, GroupQueryAttention,
Attention (dot-product, Luong) and AdditiveAttention (Bahdanau).

Everything is written with ember's differentiable ops (einsum, softmax, where, ...), so
the layers work eagerly, on KerasTensors, under GradientTape, in `ember.function` and on
the JAX backend. Weight names, shapes and order follow Keras 3, so
`set_weights(keras3_layer.get_weights())` works both ways, and `.keras` files go both ways.

Masks: a padding mask rides on a tensor (`Embedding(mask_zero=True)`) or is passed
(`query_mask=`, `value_mask=`, `key_mask=`, `attention_mask=`); `use_causal_mask=True`
adds the lower-triangular mask. A masked position gets a -1e9 score before the softmax.
As Keras 3, a query row with every key masked gets zero probabilities when the scores
are returned or dropout is on, and a uniform average otherwise (Keras' fused path).

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.ones((2, 5, 8), "float32")
    >>> mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> out, scores = mha(x, x, return_attention_scores=True)
    >>> out.shape, scores.shape
    (TensorShape([2, 5, 8]), TensorShape([2, 2, 5, 5]))
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

import ember as tf
from ...core.errors import ShapeError
from ...core.tensor import TensorOps
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from ..engine.layer_utils import to_tensor

__all__ = ["AdditiveAttention", "Attention", "EinsumDense", "GroupQueryAttention",
           "MultiHeadAttention"]


def _who(layer: Layer) -> str:
    return f'{type(layer).__name__} "{layer.name}"'


def _shape(s: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in s)


def _as_tensor(x: Any, dtype: Any = None) -> Any:
    """`x` as a tensor (KerasTensors pass); floating values take `dtype` when given."""
    x = to_tensor(x, dtype)
    if dtype is not None and isinstance(x, TensorOps) and x.dtype.is_floating and \
            x.dtype != dtype:
        x = tf.cast(x, dtype)
    return x


def _as_mask(m: Any) -> Any:
    if m is None:
        return None
    m = m if isinstance(m, TensorOps) else tf.convert_to_tensor(np.asarray(m))
    return m if m.dtype == tf.bool else tf.cast(m, tf.bool)


def _and(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else tf.logical_and(a, b)


def _steps(x: Any, axis: int) -> Any:
    """int32 [0, 1, ..., n - 1] for the n steps of `x` along `axis` (read from `x` itself,
    so it works for unknown lengths and on KerasTensors)."""
    axis %= len(x.shape)
    line = x[tuple(slice(None) if i == axis else 0 for i in range(len(x.shape)))]
    return tf.cumsum(tf.ones_like(line, dtype=tf.int32)) - 1


def _positions(query: Any, value: Any) -> tuple:
    """int32 (row, col) index grids of shape (1, T, 1) and (1, 1, S) over axis 1."""
    return tf.reshape(_steps(query, 1), [1, -1, 1]), tf.reshape(_steps(value, 1), [1, 1, -1])


def causal_mask(query: Any, value: Any) -> Any:
    """The (1, T, S) bool mask where step t of `query` may see step s of `value`: s <= t.

    Example:
        >>> import numpy as np
        >>> causal_mask(np.zeros((1, 3, 2)), np.zeros((1, 3, 2))).numpy()[0].astype(int)
        array([[1, 0, 0],
               [1, 1, 0],
               [1, 1, 1]])
    """
    rows, cols = _positions(_as_tensor(query), _as_tensor(value))
    return tf.greater_equal(rows, cols)


def _large_negative(dtype: Any) -> float:
    return -3e4 if dtype == tf.float16 else -1e9


def _masked_softmax(scores: Any, mask: Any, axes: tuple, zero_masked: bool) -> Any:
    """Softmax of `scores` over `axes` where masked (False) scores count as -1e9; with
    `zero_masked` the masked probabilities are exactly 0 (a fully masked row gives 0)."""
    if mask is not None:
        scores = tf.where(mask, scores, tf.cast(_large_negative(scores.dtype), scores.dtype))
    if len(axes) == 1:
        probs = tf.nn.softmax(scores, axis=axes[0])
    else:
        probs = tf.exp(scores - tf.reduce_logsumexp(scores, axis=list(axes), keepdims=True))
    if mask is not None and zero_masked:
        probs = tf.where(mask, probs, tf.zeros_like(probs))
    return probs


def _dropout(x: Any, rate: float, seed: Any, training: Any) -> Any:
    """Inverted dropout of `x` when `training` (a bool, or a bool tensor)."""
    if rate <= 0 or training is None or training is False:
        return x

    def drop() -> Any:
        u = tf.random.uniform(tf.shape(x), dtype=x.dtype, seed=seed)
        return x * tf.cast(u >= rate, x.dtype) * (1.0 / (1.0 - rate))
    if isinstance(training, TensorOps):
        return tf.cond(tf.cast(training, tf.bool), drop, lambda: x)
    return drop() if training else x


def _check_rate(layer: Layer, rate: Any) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{_who(layer)}: dropout must be a number in [0, 1), received "
                         f"dropout={rate!r}.")
    return float(rate)


def _check_positive(layer: Layer, what: str, value: Any, allow_none: bool = False) -> Any:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{_who(layer)}: {what} must be a positive int"
                         f"{' or None' if allow_none else ''}, received {what}={value!r}.")
    return int(value)


# -- EinsumDense ---------------------------------------------------------------------------

_EQUATION = re.compile(r"(\.\.\.)?([a-zA-Z]+)(\.\.\.)?,([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]+)(\.\.\.)?")


class _FanAxesInit(initializers.Initializer):
    """A VarianceScaling initializer with Keras 3's fans for an einsum kernel: fan_in the
    product of the input axes, fan_out that of the output axes (draws iid, reshaped)."""

    def __init__(self, base: Any, input_axes: list, output_axes: list):
        self.base, self.input_axes, self.output_axes = base, input_axes, output_axes

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        shape = tuple(int(d) for d in shape)
        fan_in = int(np.prod([shape[a] for a in self.input_axes]))
        fan_out = int(np.prod([shape[a] for a in self.output_axes]))
        return tf.reshape(self.base((fan_in, fan_out), dtype=dtype), list(shape))


def _einsum_shapes(layer: Layer, input_shape: tuple) -> tuple:
    """(kernel shape, bias shape or None, full output shape, input axes, output axes,
    {input axis: size} the kernel binds) for `layer`'s equation on `input_shape`."""
    who, eq = _who(layer), layer.equation
    m = _EQUATION.fullmatch(eq)
    ell = [bool(m.group(i)) for i in (1, 3, 5, 7)] if m else None
    side = None if ell == [False] * 4 else "left" if ell == [True, False, True, False] \
        else "right" if ell == [False, True, False, True] else "bad"
    if side == "bad":
        raise ValueError(f"{who}: invalid equation {eq!r}; it must look like 'ab,bc->ac', "
                         f"'...b,bc->...c' or 'ab...,bc->ac...'.")
    ins, ws, outs = m.group(2), m.group(4), m.group(6)
    rank = len(input_shape)
    elided = rank - len(ins)
    if (side is None and elided != 0) or (side is not None and elided < 1):
        need = f"rank {len(ins)}" if side is None else f"rank > {len(ins)}"
        raise ShapeError(f"{who}: equation {eq!r} takes inputs of {need}, received input "
                         f"shape {input_shape}. Pass inputs of that rank, or change the "
                         f"equation (use '...' for extra leading axes).")
    partial = list(layer.partial_output_shape)
    want = len(outs) if side == "left" else len(outs) - 1
    if len(partial) != want:
        raise ValueError(f"{who}: output_shape {tuple(partial)} has {len(partial)} entries; "
                         f"equation {eq!r} needs {want} (the output axes after the batch "
                         f"axis and any '...').")
    full = [input_shape[0]] + (list(input_shape[1:elided]) if side == "left" else []) + \
        partial + (list(input_shape[rank - elided:]) if side == "right" else [])
    shift = elided if side == "left" else 0
    in_pos = {c: i + shift for i, c in enumerate(ins)}
    out_pos = {c: i + shift for i, c in enumerate(outs)}
    for c in outs:
        if c not in ins and c not in ws:
            raise ValueError(f"{who}: output axis {c!r} of equation {eq!r} is in neither "
                             f"the input nor the kernel spec.")
        if c in ins:
            d_in, d_out = input_shape[in_pos[c]], full[out_pos[c]]
            if d_out is not None and d_in is not None and d_in != d_out:
                raise ShapeError(f"{who}: axis {c!r} is {d_in} in the input (shape "
                                 f"{input_shape}) but {d_out} in output_shape "
                                 f"{tuple(partial)}; they must match.")
    kernel, in_axes, out_axes, bound = [], [], [], {}
    for i, c in enumerate(ws):
        if c in out_pos:
            d = full[out_pos[c]]
            out_axes.append(i)
        elif c in in_pos:
            d = input_shape[in_pos[c]]
            in_axes.append(i)
            bound[in_pos[c] - rank if side == "left" else in_pos[c]] = d
        else:
            raise ValueError(f"{who}: kernel axis {c!r} of equation {eq!r} is in neither "
                             f"the input nor the output spec.")
        if d is None:
            raise ShapeError(f"{who}: the size of kernel axis {c!r} is unknown (input shape "
                             f"{input_shape}, output_shape {tuple(partial)}); give it in "
                             f"output_shape or as a known input dim.")
        kernel.append(int(d))
    bias = None
    if layer.bias_axes is not None:
        for c in layer.bias_axes:
            if c not in outs:
                raise ValueError(f"{who}: bias axis {c!r} is not an output axis of "
                                 f"equation {eq!r}.")
        first = min(outs.index(c) for c in layer.bias_axes)
        bias = [int(full[out_pos[c]]) if c in layer.bias_axes else 1 for c in outs[first:]]
        bias += [1] * (elided if side == "right" else 0)
    return kernel, bias, full, in_axes, out_axes, bound


class EinsumDense(Layer):
    """A dense layer written as one einsum: `activation(einsum(equation, x, kernel) +
    bias)` (Keras 3's `keras.layers.EinsumDense`).

    Args:
        equation: 'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...' style: input, kernel
            and output axes; the first input / output axis (or '...') is the batch.
        output_shape: the output's shape without the batch axis and the '...' axes (an int
            for one axis); None entries are taken from the input.
        activation: as Dense's. bias_axes: the output axes that get a bias (None: none).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint: as Dense's.

    Example:
        >>> from ember import keras
        >>> layer = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4),
        ...                                  bias_axes="d")
        >>> layer(keras.Input((3, 5))).shape, layer.kernel.shape, layer.bias.shape
        (TensorShape([None, 3, 4]), TensorShape([5, 4]), TensorShape([4]))
    """

    def __init__(self, equation: str, output_shape: Any, activation: Any = None,
                 bias_axes: str | None = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"{_who(self)}: equation must be a string such as 'ab,bc->ac', "
                            f"received {equation!r}.")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) \
            else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape: Any) -> None:
        shape = _shape(input_shape)
        kernel, bias, _, in_axes, out_axes, bound = _einsum_shapes(self, shape)
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling):
            init = _FanAxesInit(init, in_axes, out_axes)
        self.kernel = self.add_weight("kernel", shape=tuple(kernel), initializer=init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None if bias is None else self.add_weight(
            "bias", shape=tuple(bias), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=len(shape), axes=bound)

    def call(self, inputs: Any) -> Any:
        if not inputs.dtype.is_floating:
            inputs = tf.cast(inputs, self.kernel.dtype)
        y = tf.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y) if self.activation is not activations.linear else y

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape (None where the input's size is unknown).

        Example:
            >>> from ember import keras
            >>> keras.layers.EinsumDense("ab,bc->ac", 4).compute_output_shape((None, 3))
            (None, 4)
        """
        shape = _shape(input_shape)
        return tuple(_einsum_shapes(self, shape)[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}




# -- Attention and AdditiveAttention -------------------------------------------------------

def _is_shape_list(s: Any) -> bool:
    return isinstance(s, (list, tuple)) and len(s) > 0 and all(
        hasattr(e, "__len__") and not isinstance(e, str) for e in s)


class Attention(Layer):
    """Dot-product (Luong) attention over `[query, value]` or `[query, value, key]`
    (Keras 3's `keras.layers.Attention`): `softmax(scores(query, key)) @ value`, with
    scores `query @ key^T` (times a learned `scale` with `use_scale`) for
    `score_mode="dot"`, or `concat_score_weight * sum(tanh(query + key))` for "concat".

    Args:
        use_scale: learn a scalar `scale` of the scores. score_mode: "dot" or "concat".
        dropout: the fraction of attention weights dropped while training. seed: its seed.

    Call arguments: `inputs` (a list: query `(batch, Tq, dim)`, value `(batch, Tv, dim)`,
    optional key `(batch, Tv, dim)`), `mask` (a list `[query_mask, value_mask]`: masked
    values get no weight, masked query steps output 0), `return_attention_scores`,
    `training`, `use_causal_mask`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> q = np.array([[[1.0, 0.0]]])  # one query step; two value steps
        >>> v = np.array([[[1.0, 0.0], [0.0, 1.0]]])
        >>> out, scores = keras.layers.Attention()([q, v], return_attention_scores=True)
        >>> scores.numpy().round(3), out.numpy().round(3)
        (array([[[0.731, 0.269]]], dtype=float32), array([[[0.731, 0.269]]], dtype=float32))
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot",
                 dropout: float = 0.0, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{_who(self)}: score_mode must be 'dot' or 'concat', received "
                             f"score_mode={score_mode!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = _check_rate(self, dropout)
        self.seed = seed
        self.supports_masking = True
        self.scale = self.concat_score_weight = None
        self._returns_scores = False

    def _check(self, shapes: Any) -> list:
        who = _who(self)
        if not _is_shape_list(shapes) or not 2 <= len(shapes) <= 3:
            raise ValueError(f"{who}: call it on a list [query, value] or [query, value, "
                             f"key] of (batch, steps, dim) tensors; received input shape(s) "
                             f"{shapes!r}.")
        shapes = [_shape(s) for s in shapes]
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) == 3 else v
        if len(q) < 3 or len(v) != len(q) or len(k) != len(q):
            raise ShapeError(f"{who}: query, value and key must all have rank >= 3 and the "
                             f"same rank; received shapes query {q}, value {v}, key {k}.")
        if None not in (q[-1], k[-1]) and q[-1] != k[-1]:
            raise ShapeError(f"{who}: the last dims of query and key must match (the "
                             f"scores compare them); received query {q}, key {k}. Project "
                             f"one of them with a Dense layer first.")
        if None not in (v[-2], k[-2]) and v[-2] != k[-2]:
            raise ShapeError(f"{who}: value and key must have the same number of steps "
                             f"(axis -2); received value {v}, key {k}.")
        return shapes

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        if self.use_scale:
            self.scale = self.add_weight("scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight("concat_score_weight", shape=(),
                                                       initializer="ones")

    def _scores(self, query: Any, key: Any) -> Any:
        if self.score_mode == "dot":
            scores = tf.matmul(query, key, transpose_b=True)
            return scores * self.scale if self.scale is not None else scores
        pair = tf.expand_dims(query, -2) + tf.expand_dims(key, -3)
        if self.scale is not None:
            pair = self.scale * pair
        return self.concat_score_weight * tf.reduce_sum(tf.tanh(pair), axis=-1)

    def _masks(self, mask: Any) -> tuple:
        if mask is None:
            return None, None
        if not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3:
            raise ValueError(f"{_who(self)}: mask must be a list [query_mask, value_mask], "
                             f"received {mask!r}.")
        return _as_mask(mask[0]), _as_mask(mask[1])

    def call(self, inputs: Any, mask: Any = None, training: Any = None,
             return_attention_scores: bool = False, use_causal_mask: bool = False) -> Any:
        self._check([x.shape for x in inputs] if isinstance(inputs, (list, tuple))
                    else inputs.shape)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = self._masks(mask)
        scores = self._scores(q, k)
        keep = None if v_mask is None else tf.expand_dims(v_mask, -2)
        if use_causal_mask:
            rows, cols = _steps(q, -2), _steps(k, -2)
            keep = _and(keep, tf.greater_equal(tf.reshape(rows, [-1, 1]),
                                               tf.reshape(cols, [1, -1])))
        if keep is not None:
            big = 65504.0 if scores.dtype == tf.float16 else 1e9  # Keras 3's offsets
            scores = tf.where(keep, scores, scores - tf.cast(big, scores.dtype))
        weights = _dropout(tf.nn.softmax(scores, axis=-1), self.dropout, self.seed,
                           training)
        out = tf.matmul(weights, v)
        if q_mask is not None:
            out = tf.where(tf.expand_dims(q_mask, -1), out, tf.zeros_like(out))
        self._returns_scores = bool(return_attention_scores)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The query's mask (the first of `mask`), or None.

        Example:
            >>> from ember import keras
            >>> keras.layers.Attention().compute_mask([None, None], [[True], None])
            [True]
        """
        first = mask[0] if isinstance(mask, (list, tuple)) and mask else None
        return [first, None] if self._returns_scores and first is not None else first

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = self._check(input_shape)
        return shapes[0][:-1] + (shapes[1][-1],)

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention over `[query, value]` or `[query, value, key]`
    (Keras 3's `keras.layers.AdditiveAttention`): scores
    `sum(scale * tanh(query + key), axis=-1)`, `scale` a learned vector of the feature
    size (with `use_scale`, the default); otherwise as `Attention`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> layer = keras.layers.AdditiveAttention()
        >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape, layer.scale.shape
        (TensorShape([2, 3, 4]), TensorShape([4]))
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape: Any) -> None:
        shapes = self._check(input_shape)
        if shapes[0][-1] is None:
            raise ShapeError(f"{_who(self)}: the query's last dim must be known to create "
                             f"`scale`; received query shape {shapes[0]}.")
        if self.use_scale:
            self.scale = self.add_weight("scale", shape=(shapes[0][-1],),
                                         initializer="glorot_uniform")

    def _scores(self, query: Any, key: Any) -> Any:
        pair = tf.tanh(tf.expand_dims(query, -2) + tf.expand_dims(key, -3))
        return tf.reduce_sum(pair * self.scale if self.scale is not None else pair, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config


from .attention_heads import GroupQueryAttention, MultiHeadAttention  # noqa: E402,F401
