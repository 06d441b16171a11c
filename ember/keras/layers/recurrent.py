"""Recurrent layers: LSTM, GRU and SimpleRNN (tf.keras 2 semantics, batch-major inputs).

Each layer reads inputs of shape `(batch, timesteps, features)`. One time step is a few
matmuls and activations written with ember ops. The loop over a statically known time
axis is unrolled in Python, so the layers work eagerly, under GradientTape and inside
`ember.function` (also with an unknown batch dim). When the number of steps is unknown
(`keras.Input((None, features))`, a traced signature with a None time dim) the loop is an
`ember.while_loop`, differentiable like the unrolled one.

Masks (tf.keras 2): a `mask` (batch, timesteps), given as `mask=` or carried by the
inputs (`Embedding(mask_zero=True)`, `Masking`), makes a masked step keep the previous
states, and its output (with `return_sequences`) repeat the previous output (zeros before
the first unmasked step). The sequence output carries the mask on.

`dropout` / `recurrent_dropout` act when training (one mask per sequence, drawn per
call), `stateful=True` keeps the final states for the next call (`reset_states()`) and
`zero_output_for_mask` makes masked steps output zeros (see rnn_loop.py). Not supported
(NotImplementedError): `time_major=True`. `unroll` is accepted (a known number of steps
is always unrolled). Cells, `RNN` and `Bidirectional` are in rnn_cells.py / rnn_wrappers.py.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.layers.LSTM(4)(np.zeros((2, 5, 3))).shape
    TensorShape([2, 4])
"""

from __future__ import annotations

from typing import Any

from ...core.shape import TensorShape, TensorSpec
from ...core.tensor import TensorOps
from ...ops import creation_ops, linalg_ops, shape_ops
from ...ops.control_flow import while_loop
from ...prims.convert import cast, constant, convert_to_tensor
from ...ops.gather_ops import gather
from ...prims.reduce import cumsum
from ...prims.math import where
from ...ops.shape_ops import shape
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import Layer
from .rnn_loop import StatefulMixin, add_gate_weights, dropout_mask, set_gate_options

__all__ = ["LSTM", "GRU", "SimpleRNN"]


class _ForgetBiasInit:
    """The LSTM bias with `unit_forget_bias`: `bias_initializer` everywhere but ones on the
    forget gate (Keras' i, f, c, o layout)."""

    def __init__(self, base: Any, units: int):
        self.base, self.units = base, units

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        u = self.units
        return shape_ops.concat([self.base((u,), dtype=dtype), creation_ops.ones((u,), dtype=dtype),
                           self.base((2 * u,), dtype=dtype)], axis=0)


class _RNN(StatefulMixin, Layer):
    """Shared machinery: options, weights, the time loop, output assembly and config."""

    _n_states = 1
    _gates = 1
    _has_recurrent_activation = True

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, time_major: bool = False,
                 zero_output_for_mask: bool = False, seed: int | None = None,
                 **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        kind = type(self).__name__
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f'Layer "{self.name}" ({kind}): units must be a positive int, '
                             f"received units={units!r}.")
        if time_major:
            raise NotImplementedError(
                f'Layer "{self.name}" ({kind}): time_major=True is not supported; '
                f"transpose the inputs to (batch, timesteps, features) with "
                f"ember.transpose(x, [1, 0, 2]).")
        self.units = units
        set_gate_options(self, kind, self.name, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout)
        self.seed = seed
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = False
        self.input_spec = InputSpec(ndim=3)
        self.supports_masking = True

    # -- weights ---------------------------------------------------------------------
    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        kind = type(self).__name__
        if len(input_shape) != 3:
            raise ValueError(f'Layer "{self.name}" ({kind}): expected inputs of shape '
                             f"(batch, timesteps, features), received input shape "
                             f"{tuple(input_shape)}.")
        last = input_shape[-1]
        if last is None:
            raise ValueError(f'Layer "{self.name}" ({kind}): the features dim of the inputs '
                             f"must be known to create the kernel, received input shape "
                             f"{tuple(input_shape)}.")
        add_gate_weights(self, int(last), self._bias_initializer())
        self.input_spec = InputSpec(ndim=3, axes={-1: int(last)})
        if self.stateful and self.states is None:
            self._make_state_vars(input_shape, lambda b: [
                creation_ops.zeros((b, self.units), dtype=self.kernel.dtype)] * self._n_states)
        self.built = True

    # -- the loop --------------------------------------------------------------------
    def _input_projection(self, inputs: Any) -> Any:
        """`inputs @ kernel` (+ the input bias) for every time step at once: (B, T, n)."""
        xw = linalg_ops.tensordot(inputs, self.kernel, [[2], [0]])
        if self.bias is not None:
            xw = xw + (self.bias[0] if len(self._bias_shape()) == 2 else self.bias)
        return xw

    def _recurrent_weights(self) -> tuple:
        rb = self.bias[1] if self.bias is not None and len(self._bias_shape()) == 2 \
            else None
        return self.recurrent_kernel, rb

    def _step(self, xw_t: Any, states: list, rk: Any, rb: Any, rd: Any = None) -> list:
        """One time step: the new states, the output first (`rk`: the recurrent kernel,
        `rb`: the recurrent bias of GRU(reset_after=True), else None; `rd`: the recurrent
        dropout mask on the h fed to `rk`, or None)."""
        raise NotImplementedError

    def _initial_states(self, initial_state: Any, zeros: Any) -> list:
        kind = type(self).__name__
        if initial_state is None:
            if self.stateful and self.states is not None:
                return self._read_states(zeros.shape[0])
            return [zeros] * self._n_states
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        if len(states) != self._n_states:
            raise ValueError(f'Layer "{self.name}" ({kind}): initial_state must be a list '
                             f"of {self._n_states} tensor(s) of shape (batch, "
                             f"{self.units}), received {len(states)}.")
        out = []
        for s in states:
            if not isinstance(s, TensorOps):
                s = convert_to_tensor(s)
            if s.dtype != self.kernel.dtype:
                s = cast(s, self.kernel.dtype)
            if s.shape.rank != 2 or s.shape[-1] not in (None, self.units):
                raise ValueError(f'Layer "{self.name}" ({kind}): each initial state must '
                                 f"have shape (batch, {self.units}), received "
                                 f"{tuple(s.shape)}.")
            out.append(s)
        return out

    def _check_mask(self, inputs: Any, mask: Any) -> Any:
        """The mask as a bool tensor (batch, steps), checked against the inputs."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not isinstance(mask, TensorOps):
            mask = convert_to_tensor(mask)
        if not mask.dtype.is_bool:
            mask = cast(mask, "bool")
        ms, xs = mask.shape, inputs.shape
        if ms.rank != 2 or not all(a is None or b is None or a == b
                                   for a, b in zip(ms, list(xs)[:2])):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): the mask must '
                             f"have shape (batch, timesteps) = {tuple(xs)[:2]}, received "
                             f"{tuple(ms)}.")
        return mask

    def _masked_step(self, xw_t: Any, states: list, prev: Any, m_t: Any, rk: Any,
                     rb: Any, rd: Any = None) -> tuple:
        """One step under a mask (tf.keras 2): where `m_t` (batch,) is False the states
        stay the previous ones and the output is the previous one (zeros with
        `zero_output_for_mask`). Returns (states, output)."""
        new = self._step(xw_t, states, rk, rb, rd)
        if m_t is None:
            return new, new[0]
        keep = shape_ops.expand_dims(m_t, 1)
        fill = creation_ops.zeros_like(prev) if self.zero_output_for_mask else prev
        return [where(keep, n, s) for n, s in zip(new, states)], where(keep, new[0], fill)

    def _dropout_masks(self, inputs: Any, training: Any) -> tuple:
        """(inputs with input dropout, recurrent dropout mask or None) for this call."""
        if training is None or training is False:
            return inputs, None
        if self.dropout:
            dp = dropout_mask(inputs[:, 0, :], self.dropout, self.seed, training)
            inputs = inputs * shape_ops.expand_dims(dp, 1)
        if not self.recurrent_dropout:
            return inputs, None
        like = creation_ops.zeros_like(inputs[:, 0, :1]) + creation_ops.zeros(
            (self.units,), dtype=inputs.dtype)
        return inputs, dropout_mask(like, self.recurrent_dropout, self.seed, training)

    def call(self, inputs: Any, mask: Any = None, training: Any = None,
             initial_state: Any = None) -> Any:
        kind = type(self).__name__
        if mask is not None:
            mask = self._check_mask(inputs, mask)
        inputs, rd = self._dropout_masks(inputs, training)
        steps = inputs.shape[1]
        if steps is None:
            return self._dynamic_loop(inputs, initial_state, mask, rd)
        if steps == 0:
            raise ValueError(f'Layer "{self.name}" ({kind}): the inputs have 0 time steps '
                             f"(input shape {tuple(inputs.shape)}); need at least one.")
        xw = self._input_projection(inputs)
        zeros = creation_ops.zeros_like(xw[:, 0, :self.units])
        states = self._initial_states(initial_state, zeros)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        rk, rb = self._recurrent_weights()
        prev = zeros  # the output before the first step (a masked first step gives it)
        for t in order:
            m_t = None if mask is None else mask[:, t]
            states, prev = self._masked_step(xw[:, t, :], states, prev, m_t, rk, rb, rd)
            if self.return_sequences:
                outputs.append(prev)
        if self.stateful and self.states is not None:
            self._write_states(states)
        output = shape_ops.stack(outputs, axis=1) if self.return_sequences else prev
        if self.return_state:
            return [output] + list(states)
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask for the sequence output (`return_sequences`), else None; the
        states of `return_state` carry no mask (tf.keras 2)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * self._n_states
        return out

    def _dynamic_loop(self, inputs: Any, initial_state: Any, mask: Any = None,
                      rd: Any = None) -> Any:
        """The time loop for an unknown number of steps: a shape-only result on KerasTensors,
        else an `ember.while_loop` (traced once inside ember.function, differentiable)."""
        xw = self._input_projection(inputs)
        zeros = creation_ops.zeros_like(xw[:, 0, :self.units])
        states = self._initial_states(initial_state, zeros)
        state_inv = [TensorShape([None, self.units])] * len(states)
        rk, rb = self._recurrent_weights()
        if isinstance(inputs, KerasTensor):  # shapes only: one step gives the state specs
            states = self._step(xw[:, 0, :], states, rk, rb, rd)
            last = states[0]
            seq = KerasTensor.from_spec(TensorSpec(
                TensorShape([inputs.shape[0], None, self.units]), states[0].dtype))
        else:
            n = shape(inputs)[1]
            # NOTE: the sequence is allocated whole and step t writes its row (a select),
            # so the loop's state keeps one shape, as XLA needs (the JAX backend); a
            # growing concat copies as much on NumPy.
            seq0 = creation_ops.zeros_like(xw[:, :, :self.units]) if self.return_sequences \
                else zeros[:, None, :]
            steps = cast(cumsum(creation_ops.ones_like(xw[0, :, 0]), exclusive=True),
                         "int32")  # 0 .. n-1, n known only when the loop runs

            def body(t: Any, seq: Any, prev: Any, *carry: Any) -> tuple:
                idx = n - 1 - t if self.go_backwards else t
                m_t = None if mask is None else gather(mask, idx, axis=1)
                new, out_t = self._masked_step(gather(xw, idx, axis=1), list(carry), prev,
                                               m_t, rk, rb, rd)
                if self.return_sequences:
                    at_t = (steps == t)[None, :, None]
                    seq = where(at_t, out_t[:, None, :], seq)
                return (t + 1, seq, out_t, *new)

            out = while_loop(lambda t, *_: t < n, body,
                             (constant(0, dtype="int32"), seq0, zeros, *states),
                             shape_invariants=(TensorShape([]),
                                               TensorShape([None, None, self.units]),
                                               TensorShape([None, self.units]),
                                               *state_inv))
            seq, last, states = out[1], out[2], list(out[3:])
            if self.stateful and self.states is not None:
                self._write_states(states)
        output = seq if self.return_sequences else last
        return [output] + list(states) if self.return_state else output

    # -- config ----------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation)}
        if self._has_recurrent_activation:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful,
            "unroll": self.unroll, "time_major": self.time_major,
            "zero_output_for_mask": self.zero_output_for_mask, "seed": self.seed})
        return config


class LSTM(_RNN):
    """Long Short-Term Memory (TF's `keras.layers.LSTM`), gates in Keras' order i, f, c, o.

    Per step: `z = x @ kernel + h @ recurrent_kernel + bias`, split into i, f, c~, o;
    `c = ra(f) * c + ra(i) * act(c~)`, `h = ra(o) * act(c)` (act = `activation`,
    ra = `recurrent_activation`).

    Args:
        units: the size of the hidden and cell states.
        activation, recurrent_activation: default tanh and sigmoid.
        kernel_initializer / recurrent_initializer / bias_initializer: default
            glorot_uniform / orthogonal / zeros; `unit_forget_bias` adds 1 to the forget
            gate's bias at initialization.
        return_sequences: return every step's h (B, T, units) instead of the last (B, units).
        return_state: also return the final states: `[output, h, c]`.
        go_backwards: read the sequence in reverse (the returned sequence is reversed too).
        dropout, recurrent_dropout: the fraction of the inputs / of h (fed to the
            recurrent kernel) dropped when training.
        stateful: keep the final states for the next call (`reset_states()` zeros them).

    Call with `initial_state=[h0, c0]` to start from given states (zeros by default).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> out, h, c = keras.layers.LSTM(3, return_sequences=True, return_state=True)(
        ...     np.ones((2, 4, 5)))
        >>> out.shape, h.shape, c.shape
        (TensorShape([2, 4, 3]), TensorShape([2, 3]), TensorShape([2, 3]))
    """

    _n_states = 2
    _gates = 4

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self) -> Any:
        if self.unit_forget_bias:
            return _ForgetBiasInit(self.bias_initializer, self.units)
        return self.bias_initializer

    def _step(self, xw_t: Any, states: list, rk: Any, rb: Any, rd: Any = None) -> list:
        h, c = states
        u = self.units
        z = xw_t + linalg_ops.matmul(h if rd is None else h * rd, rk)
        ra, act = self.recurrent_activation, self.activation
        i, f, o = ra(z[:, :u]), ra(z[:, u:2 * u]), ra(z[:, 3 * u:])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        return [o * act(c), c]

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(_RNN):
    """Gated Recurrent Unit (TF's `keras.layers.GRU`), gates in Keras' order z, r, h.

    Per step, with `reset_after=True` (the default; bias shape (2, 3*units): input and
    recurrent biases): `x_* = x @ kernel_* + b_in_*`, `r_* = h @ recurrent_kernel_* + b_rec_*`,
    `z = ra(x_z + r_z)`, `r = ra(x_r + r_r)`, `hh = act(x_h + r * r_h)`,
    `h = z * h + (1 - z) * hh`. With `reset_after=False` (bias (3*units,)) the reset gate
    is applied before the matmul: `hh = act(x_h + (r * h) @ recurrent_kernel_h)`.

    Args: as `LSTM` (no `unit_forget_bias`), plus `reset_after`. `return_state` returns
    `[output, h]`; `initial_state=[h0]`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> gru = keras.layers.GRU(3)
        >>> gru(np.ones((2, 4, 5))).shape, tuple(gru.bias.shape)
        (TensorShape([2, 3]), (2, 9))
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 reset_after: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _step(self, xw_t: Any, states: list, rk: Any, rb: Any, rd: Any = None) -> list:
        (h,) = states
        u = self.units
        ra, act = self.recurrent_activation, self.activation
        hr = h if rd is None else h * rd
        if self.reset_after:
            inner = linalg_ops.matmul(hr, rk)
            if rb is not None:
                inner = inner + rb
            z = ra(xw_t[:, :u] + inner[:, :u])
            r = ra(xw_t[:, u:2 * u] + inner[:, u:2 * u])
            hh = act(xw_t[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            inner = linalg_ops.matmul(hr, rk[:, :2 * u])
            z = ra(xw_t[:, :u] + inner[:, :u])
            r = ra(xw_t[:, u:2 * u] + inner[:, u:])
            hh = act(xw_t[:, 2 * u:] + linalg_ops.matmul(r * hr, rk[:, 2 * u:]))
        return [z * h + (1.0 - z) * hh]

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}


class SimpleRNN(_RNN):
    """A fully connected RNN (TF's `keras.layers.SimpleRNN`):
    `h = activation(x @ kernel + h @ recurrent_kernel + bias)`.

    Args: as `GRU`, without `recurrent_activation` and `reset_after`. `return_state`
    returns `[output, h]`; `initial_state=[h0]`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.SimpleRNN(3, return_sequences=True)(np.ones((2, 4, 5))).shape
        TensorShape([2, 4, 3])
    """

    _has_recurrent_activation = False

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 **kwargs: Any):
        if "recurrent_activation" in kwargs:
            raise TypeError(f"SimpleRNN: keyword argument not understood: "
                            f"recurrent_activation (SimpleRNN has only `activation`), "
                            f"received recurrent_activation="
                            f"{kwargs['recurrent_activation']!r}.")
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)

    def _step(self, xw_t: Any, states: list, rk: Any, rb: Any, rd: Any = None) -> list:
        h = states[0] if rd is None else states[0] * rd
        return [self.activation(xw_t + linalg_ops.matmul(h, rk))]
