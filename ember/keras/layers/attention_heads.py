"""Multi-head attention layers (Keras 3): MultiHeadAttention and GroupQueryAttention.

Both project query, key and value with EinsumDense sub-layers named `query`, `key`,
`value` (and `gate` with `use_gate=True`) and the result with `attention_output`, as
Keras 3 does, so their weights line up with Keras 3's (`get_weights` / `set_weights`,
`.keras` files). They are exported from `keras.layers` through attention.py.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> gqa = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
    ...                                        num_key_value_heads=2)
    >>> gqa(np.ones((2, 3, 8)), np.ones((2, 5, 8))).shape
    TensorShape([2, 3, 8])
"""

from __future__ import annotations

import math
from typing import Any

import ember as tf
from ...core.errors import ShapeError
from .. import constraints, initializers, regularizers
from ..engine.layer import Layer
from ..engine.layer_utils import init_scope
from ..engine.masking import get_mask
from .attention import (EinsumDense, _and, _as_mask, _as_tensor, _check_positive,
                        _check_rate, _dropout, _masked_softmax, _positions,
                        _shape, _who, causal_mask)

__all__ = ["GroupQueryAttention", "MultiHeadAttention"]

_L = "abcdefghijklmnopqrstuvwxyz"


def _projection(free: int, bound: int, out: int) -> tuple:
    """(einsum equation, bias axes) of a projection keeping `free` input axes,
    contracting `bound` axes with the kernel and adding `out` kernel axes."""
    f, b, o = _L[:free], _L[free:free + bound], _L[free + bound:free + bound + out]
    return f"{f}{b},{b}{o}->{f}{o}", o


def _attention_equations(rank: int, axes: tuple) -> tuple:
    """(scores equation, combine equation, scores rank) for projected tensors of `rank`
    (batch, ..., heads, channels) attending over `axes`: scores are laid out as
    (batch axes and heads, query attention axes, key attention axes)."""
    target = _L[:rank]
    extra = iter(_L[rank:])
    source = "".join(next(extra) if i in axes else target[i] for i in range(rank))
    batch = [i for i in range(rank - 1) if i not in axes]
    scores = "".join(target[i] for i in batch) + "".join(target[i] for i in axes) + \
        "".join(source[i] for i in axes)
    return f"{target},{source}->{scores}", f"{scores},{source}->{target}", len(scores)


class _HeadsAttention(Layer):
    """What MultiHeadAttention and GroupQueryAttention share: options, sub-layer
    arguments, masks, the attention itself and `query=` as a keyword."""

    def _set_options(self, dropout: Any, use_bias: Any, sliding_window: Any,
                     flash_attention: Any, kernel_initializer: Any, bias_initializer: Any,
                     kernel_regularizer: Any, bias_regularizer: Any,
                     activity_regularizer: Any, kernel_constraint: Any,
                     bias_constraint: Any, use_gate: Any, seed: Any) -> None:
        if flash_attention:
            raise NotImplementedError(
                f"{_who(self)}: flash_attention=True is not supported by ember (a fused GPU "
                f"kernel); leave it None or False, the result is the same.")
        self._dropout = _check_rate(self, dropout)
        self._use_bias = bool(use_bias)
        self._use_gate = bool(use_gate)
        self._sliding_window = _check_positive(self, "sliding_window", sliding_window, True)
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_reg = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.supports_masking = True
        self._returns_scores = False
        # sub-layers, in Keras 3's weight order (made in build)
        self._query_dense = self._key_dense = self._gate = None
        self._value_dense = self._output_dense = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args and "query" in kwargs:  # layer(query=q, value=v) as in Keras
            kwargs = dict(kwargs)
            args = (kwargs.pop("query"),)
        return super().__call__(*args, **kwargs)

    @property
    def _gate_dense(self) -> Any:
        return self._gate if self._gate is not None else []

    def _dense(self, equation: str, shape: tuple, bias_axes: str, name: str,
               activation: Any = None) -> EinsumDense:
        def clone(obj: Any) -> Any:
            return type(obj).from_config(obj.get_config()) if hasattr(
                obj, "get_config") else obj
        return EinsumDense(
            equation, output_shape=shape, bias_axes=bias_axes if self._use_bias else None,
            activation=activation, name=name,
            kernel_initializer=clone(self._kernel_initializer),
            bias_initializer=clone(self._bias_initializer),
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_reg,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint, dtype=self.dtype_policy)

    def _inputs(self, query: Any, value: Any, key: Any, value_mask: Any,
                key_mask: Any) -> tuple:
        """value / key as tensors of the layer's dtype, and their masks (given, else
        the ones they carry)."""
        if value_mask is None:
            value_mask = get_mask(value)
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = get_mask(key)
        return _as_tensor(value, self._dtype), _as_tensor(key, self._dtype), \
            value_mask, key_mask

    def _mask(self, query: Any, value: Any, query_mask: Any, value_mask: Any,
              key_mask: Any, attention_mask: Any, use_causal_mask: bool) -> Any:
        """The (B, T, S) bool attention mask from every source (or None)."""
        mask = None
        if query_mask is not None:
            mask = tf.expand_dims(_as_mask(query_mask), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                mask = _and(mask, tf.expand_dims(_as_mask(m), -2))
        if use_causal_mask:
            mask = _and(mask, causal_mask(query, value))
        if self._sliding_window is not None:
            rows, cols = _positions(query, value)
            mask = _and(mask, tf.less(tf.abs(rows - cols), self._sliding_window))
        return _and(_as_mask(attention_mask), mask)

    def _attend(self, q: Any, k: Any, v: Any, mask: Any, training: Any,
                zero_masked: bool, scale: float) -> tuple:
        """(combined values, attention probabilities) of projected q, k, v."""
        q = q * tf.cast(scale, q.dtype)
        scores = tf.einsum(self._dot_equation, q, k)
        if mask is not None:
            while len(mask.shape) < len(scores.shape):
                mask = tf.expand_dims(mask, -2 * len(self._axes) - 1)
        probs = _masked_softmax(scores, mask, self._norm_axes, zero_masked)
        dropped = _dropout(probs, self._dropout, self.seed, training)
        return tf.einsum(self._combine_equation, dropped, v), probs

    def _finish(self, out: Any, gate: Any, probs: Any, return_attention_scores: bool) -> Any:
        if gate is not None:
            out = out * gate
        out = self._output_dense(out)
        self._returns_scores = bool(return_attention_scores)
        if self._build_input_shape is not None:  # Keras 3 rebuilds it from its inputs
            self._build_input_shape = None
        return (out, probs) if return_attention_scores else out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The query's Keras mask (on the attention output only).

        Example:
            >>> from ember import keras
            >>> keras.layers.MultiHeadAttention(1, 2).compute_mask(None, None) is None
            True
        """
        if mask is not None and self._returns_scores:
            return [mask, None]
        return mask

    def _common_config(self) -> dict:
        return {"kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_reg),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed}

    def _check_kv(self, query: tuple, value: tuple, key: tuple, rank: Any = None) -> None:
        who = _who(self)
        r = len(query)
        if (rank is not None and r != rank) or r < 3 or len(value) != r or len(key) != r:
            want = f"rank {rank}" if rank is not None else "the same rank, at least 3"
            raise ShapeError(f"{who}: query, value and key must be (batch, steps, features) "
                             f"tensors of {want}; received shapes query {query}, value "
                             f"{value}, key {key}.")
        if any(a is not None and b is not None and a != b
               for a, b in zip(value[1:-1], key[1:-1])):
            raise ShapeError(f"{who}: value and key must have the same shape but for the "
                             f"last axis; received value {value}, key {key}.")
        for what, s in (("query", query), ("value", value), ("key", key)):
            if s[-1] is None:
                raise ShapeError(f"{who}: the last dim of {what} must be known, received "
                                 f"{what} shape {s}.")
        dims = getattr(self, "_dims", None)
        if dims is not None and dims != (query[-1], value[-1], key[-1]):
            raise ShapeError(f"{who}: the layer was built for last dims (query, value, key) "
                             f"{dims}, received shapes query {query}, value {value}, key "
                             f"{key}. Use a new layer for inputs of other sizes.")


class MultiHeadAttention(_HeadsAttention):
    """Multi-head attention (Keras 3's `keras.layers.MultiHeadAttention`): query, key and
    value are projected to `num_heads` heads, each head attends with scaled dot products
    (`softmax(q k^T / sqrt(key_dim))`), and the heads' results are projected back to the
    query's last dim (or `output_shape`). `key` defaults to `value`.

    Args:
        num_heads, key_dim: the heads and the size of each query / key head.
        value_dim: the size of each value head (default key_dim).
        dropout: dropout of the attention probabilities while training.
        use_bias: biases in the projections. output_shape: the output's last dims.
        attention_axes: the axes attended over (default all but batch and features).
        sliding_window: attend only to keys within `sliding_window - 1` steps.
        use_gate: gate the heads' outputs by `sigmoid(query projection)`.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint: of the projections.
        seed: the dropout seed.

    Call arguments: `query (B, T, dim)`, `value (B, S, dim)`, `key` (optional), the
    padding masks `query_mask (B, T)`, `value_mask (B, S)`, `key_mask (B, S)` (default:
    the Keras masks the tensors carry), `attention_mask (B, T, S)` (True attends),
    `return_attention_scores` (also return the (B, heads, T, S) probabilities),
    `training`, `use_causal_mask`. (An explicit `query_mask` is honoured; Keras 3 reads
    only the query's Keras mask and ignores the argument.)

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = keras.Input((6, 16))
        >>> keras.layers.MultiHeadAttention(4, 8)(x, x, use_causal_mask=True).shape
        TensorShape([None, 6, 16])
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape: Any = None,
                 attention_axes: Any = None, sliding_window: int | None = None,
                 flash_attention: Any = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 use_gate: bool = False, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._num_heads = _check_positive(self, "num_heads", num_heads)
        self._key_dim = _check_positive(self, "key_dim", key_dim)
        self._value_dim = _check_positive(self, "value_dim", value_dim, True) or key_dim
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) \
                else tuple(output_shape)
        self._out_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None:
            if not isinstance(attention_axes, (list, tuple)):
                raise ValueError(f"{_who(self)}: attention_axes must be an int, a list or a "
                                 f"tuple, received attention_axes={attention_axes!r}.")
            attention_axes = tuple(attention_axes)
        self._attention_axes = attention_axes
        self._set_options(dropout, use_bias, sliding_window, flash_attention,
                          kernel_initializer, bias_initializer, kernel_regularizer,
                          bias_regularizer, activity_regularizer, kernel_constraint,
                          bias_constraint, use_gate, seed)

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Creates the projections for these input shapes; with the query's shape only
        (a plain first call), it waits for the call, which knows all three."""
        if value_shape is not None:
            self._build_all(_shape(query_shape), _shape(value_shape),
                            _shape(key_shape if key_shape is not None else value_shape))

    def _build_all(self, q: tuple, v: tuple, k: tuple) -> None:
        self._check_kv(q, v, k)
        r, h = len(q), self._num_heads
        with init_scope():
            eq, bias = _projection(r - 1, 1, 2)
            self._query_dense = self._dense(eq, (None,) * (r - 2) + (h, self._key_dim),
                                            bias, "query")
            self._query_dense.build(q)
            self._key_dense = self._dense(eq, (None,) * (r - 2) + (h, self._key_dim),
                                          bias, "key")
            self._key_dense.build(k)
            if self._use_gate:
                self._gate = self._dense(eq, (None,) * (r - 2) + (h, self._value_dim), bias,
                                         "gate", activation="sigmoid")
                self._gate.build(q)
            self._value_dense = self._dense(eq, (None,) * (r - 2) + (h, self._value_dim),
                                            bias, "value")
            self._value_dense.build(v)
            axes = self._attention_axes
            axes = tuple(range(1, r - 1)) if axes is None else tuple(
                a if a >= 0 else r + a for a in axes)
            if not axes or any(not 1 <= a < r - 1 for a in axes):
                raise ValueError(f"{_who(self)}: attention_axes {self._attention_axes} must "
                                 f"name axes between the batch and the features of inputs "
                                 f"of shape {q}.")
            self._attention_axes = self._axes = axes
            self._dot_equation, self._combine_equation, n = _attention_equations(r + 1, axes)
            self._norm_axes = tuple(range(n - len(axes), n))
            out = self._out_shape or (q[-1],)
            eq, bias = _projection(r - 1, 2, len(out))
            self._output_dense = self._dense(eq, (None,) * (r - 2) + tuple(out), bias,
                                             "attention_output")
            self._output_dense.build(q[:-1] + (h, self._value_dim))
        self._dims = (q[-1], v[-1], k[-1])

    def call(self, query: Any, value: Any, key: Any = None, query_mask: Any = None,
             value_mask: Any = None, key_mask: Any = None, attention_mask: Any = None,
             return_attention_scores: bool = False, training: Any = None,
             use_causal_mask: bool = False) -> Any:
        value, key, value_mask, key_mask = self._inputs(query, value, key, value_mask,
                                                        key_mask)
        shapes = (_shape(query.shape), _shape(value.shape), _shape(key.shape))
        if self._query_dense is None:
            self._build_all(*shapes)
        self._check_kv(*shapes)
        if query_mask is None:
            query_mask = get_mask(query)
        mask = self._mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                          use_causal_mask)
        gate = self._gate(query) if self._gate is not None else None
        q, k = self._query_dense(query), self._key_dense(key)
        v = self._value_dense(value)
        # NOTE: Keras 3's fused path (no dropout, no scores returned, 3-D inputs) gives a
        # fully masked query row a uniform average; its explicit path gives it zeros
        zero = self._dropout > 0 or return_attention_scores or len(shapes[0]) != 3
        out, probs = self._attend(q, k, v, mask, training, zero,
                                  1.0 / math.sqrt(float(self._key_dim)))
        return self._finish(out, gate, probs, return_attention_scores)

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None,
                             key_shape: Any = None) -> tuple:
        """The output's shape: the query's, with `output_shape` as its last dims.

        Example:
            >>> from ember import keras
            >>> mha = keras.layers.MultiHeadAttention(2, 4, output_shape=3)
            >>> mha.compute_output_shape((None, 5, 8), (None, 7, 6))
            (None, 5, 3)
        """
        q = _shape(query_shape)
        v = _shape(value_shape) if value_shape is not None else q
        self._check_kv(q, v, _shape(key_shape) if key_shape is not None else v)
        return q[:-1] + tuple(self._out_shape) if self._out_shape else q

    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self._num_heads,
                "key_dim": self._key_dim, "value_dim": self._value_dim,
                "dropout": self._dropout, "use_bias": self._use_bias,
                "use_gate": self._use_gate, "output_shape": self._out_shape,
                "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window, **self._common_config()}


class GroupQueryAttention(_HeadsAttention):
    """Grouped-query attention (Keras 3's `keras.layers.GroupQueryAttention`): as
    MultiHeadAttention, but `num_key_value_heads` key / value heads are shared by the
    `num_query_heads` query heads (each by `num_query_heads // num_key_value_heads`).
    Inputs are (batch, steps, features); the output has the query's shape.

    Args:
        head_dim: the size of each head. num_query_heads, num_key_value_heads: the heads
            (the first a multiple of the second). The rest as MultiHeadAttention's.

    Example:
        >>> from ember import keras
        >>> layer = keras.layers.GroupQueryAttention(8, 4, 1)
        >>> layer(keras.Input((5, 16)), keras.Input((7, 16))).shape
        TensorShape([None, 5, 16])
    """

    _default_name = "grouped_query_attention"  # Keras 3's (its class is GroupedQuery...)

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int,
                 dropout: float = 0.0, use_bias: bool = True,
                 sliding_window: int | None = None, flash_attention: Any = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, use_gate: bool = False,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.head_dim = _check_positive(self, "head_dim", head_dim)
        self.num_query_heads = _check_positive(self, "num_query_heads", num_query_heads)
        self.num_key_value_heads = _check_positive(self, "num_key_value_heads",
                                                   num_key_value_heads)
        if num_query_heads % num_key_value_heads:
            raise ValueError(f"{_who(self)}: num_query_heads ({num_query_heads}) must be a "
                             f"multiple of num_key_value_heads ({num_key_value_heads}).")
        self.num_repeats = num_query_heads // num_key_value_heads
        self._set_options(dropout, use_bias, sliding_window, flash_attention,
                          kernel_initializer, bias_initializer, kernel_regularizer,
                          bias_regularizer, activity_regularizer, kernel_constraint,
                          bias_constraint, use_gate, seed)
        self._axes, self._norm_axes = (1,), (-1,)
        self._dot_equation, self._combine_equation = "bquh,bkuh->buqk", "buqk,bkuh->bquh"

    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    use_gate = property(lambda self: self._use_gate)
    sliding_window = property(lambda self: self._sliding_window)

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """As MultiHeadAttention.build."""
        if value_shape is not None:
            self._build_all(_shape(query_shape), _shape(value_shape),
                            _shape(key_shape if key_shape is not None else value_shape))

    def _build_all(self, q: tuple, v: tuple, k: tuple) -> None:
        self._check_kv(q, v, k, rank=3)
        uq, uk, hd = self.num_query_heads, self.num_key_value_heads, self.head_dim
        with init_scope():
            self._query_dense = self._dense("bqm,muh->bquh", (None, uq, hd), "uh", "query")
            self._query_dense.build(q)
            self._key_dense = self._dense("bkm,mvh->bkvh", (None, uk, hd), "vh", "key")
            self._key_dense.build(k)
            if self._use_gate:
                self._gate = self._dense("bqm,muh->bquh", (None, uq, hd), "uh", "gate",
                                         activation="sigmoid")
                self._gate.build(q)
            self._value_dense = self._dense("bkm,mvh->bkvh", (None, uk, hd), "vh", "value")
            self._value_dense.build(v)
            self._output_dense = self._dense("bquh,uhm->bqm", (None, q[-1]), "m",
                                             "attention_output")
            self._output_dense.build((None, None, uq, hd))
        self._dims = (q[-1], v[-1], k[-1])

    def call(self, query: Any, value: Any, key: Any = None, query_mask: Any = None,
             value_mask: Any = None, key_mask: Any = None, attention_mask: Any = None,
             return_attention_scores: bool = False, training: Any = None,
             use_causal_mask: bool = False) -> Any:
        value, key, value_mask, key_mask = self._inputs(query, value, key, value_mask,
                                                        key_mask)
        shapes = (_shape(query.shape), _shape(value.shape), _shape(key.shape))
        if self._query_dense is None:
            self._build_all(*shapes)
        self._check_kv(*shapes, rank=3)
        if query_mask is None:
            query_mask = get_mask(query)
        mask = self._mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                          use_causal_mask)
        gate = self._gate(query) if self._gate is not None else None
        q = self._query_dense(query)
        k = tf.repeat(self._key_dense(key), self.num_repeats, axis=2)
        v = tf.repeat(self._value_dense(value), self.num_repeats, axis=2)
        zero = self._dropout > 0 or return_attention_scores
        out, probs = self._attend(q, k, v, mask, training, zero,
                                  1.0 / math.sqrt(float(self.head_dim)))
        return self._finish(out, gate, probs, return_attention_scores)

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None,
                             key_shape: Any = None) -> tuple:
        """The query's shape.

        Example:
            >>> from ember import keras
            >>> keras.layers.GroupQueryAttention(4, 2, 1).compute_output_shape(
            ...     (None, 3, 8), (None, 5, 8))
            (None, 3, 8)
        """
        q = _shape(query_shape)
        v = _shape(value_shape) if value_shape is not None else q
        self._check_kv(q, v, _shape(key_shape) if key_shape is not None else v, rank=3)
        return q

    def get_config(self) -> dict:
        return {**super().get_config(), "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads,
                "use_bias": self._use_bias, "use_gate": self._use_gate,
                "sliding_window": self._sliding_window, "dropout": self._dropout,
                **self._common_config()}
