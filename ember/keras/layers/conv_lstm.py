"""Convolutional LSTMs (Keras 3's `ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`): an LSTM whose
input and recurrent transformations are convolutions.

Inputs are `(batch, time, *spatial, channels)` (channels_last) or `(batch, time,
channels, *spatial)` (channels_first). Per step, with `*` a convolution:
`z = x * kernel (strides, padding, dilation_rate) + h * recurrent_kernel ("same", stride
1) + bias`, gates i, f, c, o as `LSTM`. The layer is `RNN(ConvLSTMCell)`, so masks,
`go_backwards`, `stateful`, dropout and Bidirectional work as for the other RNNs; the
weights (`kernel` `(*kernel_size, channels, 4*filters)`, `recurrent_kernel` `(*kernel_size,
filters, 4*filters)`, `bias` `(4*filters,)`) are Keras 3's.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.layers.ConvLSTM2D(2, 3, padding="same")(np.ones((1, 4, 5, 5, 3))).shape
    TensorShape([1, 5, 5, 2])
"""

from __future__ import annotations

from typing import Any

from ...core.shape import TensorShape
from ...ops import creation_ops, shape_ops
from .. import activations, constraints, initializers, regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from ..ops.nn import conv
from .convolutional import as_int_tuple, check_data_format, check_padding
from .recurrent import _ForgetBiasInit
from .rnn_cells import DropoutCellMixin, _tensor
from .rnn_loop import set_gate_options
from .rnn_wrappers import RNN

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _out_len(n: Any, k: int, s: int, d: int, padding: str) -> Any:
    if n is None:
        return None
    if padding == "same":
        return -(-n // s)
    return (n - d * (k - 1) - 1) // s + 1


class ConvLSTMCell(DropoutCellMixin, Layer):
    """One step of a convolutional LSTM on `(batch, *spatial, channels)` (or channels
    first); states `[h, c]` of the output's shape. Used by `ConvLSTM1D/2D/3D`.

    Example:
        >>> import numpy as np
        >>> cell = ConvLSTMCell(2, 4, 3, padding="same")
        >>> cell.build((None, 6, 6, 1))
        >>> h, c = cell.get_initial_state(2)
        >>> out, _ = cell(np.ones((2, 6, 6, 1)), [h, c])
        >>> out.shape
        TensorShape([2, 6, 6, 4])
    """

    def __init__(self, rank: int, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None, **kwargs: Any):
        owner = kwargs.pop("_owner", None)  # the ConvLSTM layer's name, for errors
        super().__init__(**kwargs)
        self._owner = owner or self.name
        kind = f"ConvLSTM{rank}D"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f'Layer "{self._owner}" ({kind}): filters must be a positive int, '
                             f"received filters={filters!r}.")
        self.rank, self.filters = rank, filters
        self.kernel_size = as_int_tuple(kind, self._owner, "kernel_size", kernel_size, rank)
        self.strides = as_int_tuple(kind, self._owner, "strides", strides, rank)
        self.dilation_rate = as_int_tuple(kind, self._owner, "dilation_rate", dilation_rate,
                                          rank)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f'Layer "{self._owner}" ({kind}): strides > 1 cannot be combined '
                             f"with dilation_rate > 1, received strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}. Set one of them to 1.")
        self.padding = check_padding(kind, self._owner, padding)
        self.data_format = check_data_format(kind, self._owner, data_format,
                                             channels_first=True)
        set_gate_options(self, kind, self._owner, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.seed = seed
        self.spatial_dims: tuple = ()
        self._state_shape: list = []

    @property
    def state_size(self) -> list:
        return [TensorShape(self._state_shape)] * 2

    @property
    def output_size(self) -> Any:
        return TensorShape(self._state_shape)

    def build(self, input_shape: Any) -> None:
        kind = f"ConvLSTM{self.rank}D"
        shape = list(input_shape)
        first = self.data_format == "channels_first"
        if len(shape) != self.rank + 2:
            raise ValueError(f'Layer "{self._owner}" ({kind}): expected one step of rank '
                             f"{self.rank + 2} (batch, *spatial, channels), received shape "
                             f"{tuple(shape)}.")
        channels = shape[1] if first else shape[-1]
        spatial = shape[2:] if first else shape[1:-1]
        if channels is None or any(d is None for d in spatial):
            raise ValueError(f'Layer "{self._owner}" ({kind}): the spatial and channel dims '
                             f"must be known, received step shape {tuple(shape)}.")
        self.spatial_dims = tuple(int(d) for d in spatial)
        out = [_out_len(n, k, s, d, self.padding) for n, k, s, d in zip(
            self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate)]
        if any(o <= 0 for o in out):
            raise ValueError(f'Layer "{self._owner}" ({kind}): the kernel {self.kernel_size} '
                             f"does not fit the spatial dims {self.spatial_dims} with "
                             f'padding="{self.padding}"; use padding="same" or a smaller '
                             f"kernel.")
        self._state_shape = [self.filters] + out if first else out + [self.filters]
        n4 = 4 * self.filters
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (int(channels), n4),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", shape=self.kernel_size + (self.filters, n4),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = _ForgetBiasInit(self.bias_initializer, self.filters) \
                if self.unit_forget_bias else self.bias_initializer
            self.bias = self.add_weight("bias", shape=(n4,), initializer=init,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def get_initial_state(self, batch_size: Any = None) -> list:
        return [creation_ops.zeros([batch_size] + self._state_shape, dtype=self.compute_dtype)
                for _ in range(2)]

    def _gate(self, z: Any, i: int) -> Any:
        f = self.filters
        if self.data_format == "channels_first":
            return z[:, i * f:(i + 1) * f]
        return z[..., i * f:(i + 1) * f]

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        h, c = [_tensor(s, self.kernel.dtype) for s in states]
        dp = self.get_dropout_mask(inputs, training)
        rdp = self.get_recurrent_dropout_mask(h, training)
        x = inputs if dp is None else inputs * dp
        hr = h if rdp is None else h * rdp
        z = conv(x, self.kernel, self.strides, self.padding, self.data_format,
                 self.dilation_rate)
        z = z + conv(hr, self.recurrent_kernel, 1, "same", self.data_format, 1)
        if self.bias is not None:
            b = self.bias
            if self.data_format == "channels_first":
                b = shape_ops.reshape(b, [-1] + [1] * self.rank)
            z = z + b
        ra, act = self.recurrent_activation, self.activation
        i, f, o = ra(self._gate(z, 0)), ra(self._gate(z, 1)), ra(self._gate(z, 3))
        c = f * c + i * act(self._gate(z, 2))
        h = o * act(c)
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(), **_cell_options(self)}


def _cell_options(cell: ConvLSTMCell) -> dict:
    return {
        "filters": cell.filters, "kernel_size": cell.kernel_size, "strides": cell.strides,
        "padding": cell.padding, "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
        "dropout": cell.dropout, "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed}


_CELL_KEYS = ("strides", "padding", "data_format", "dilation_rate", "activation",
              "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "seed")


class _ConvLSTM(RNN):
    """`RNN(ConvLSTMCell(rank, ...))` with the options of the cell as the layer's own."""

    _rank = 2
    _default_name = "conv_lstm"

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, **kwargs: Any):
        options = dict(locals())
        cell_kw = {k: options[k] for k in _CELL_KEYS}
        cell = ConvLSTMCell(self._rank, filters, kernel_size, name="conv_lstm_cell",
                            dtype=kwargs.get("dtype"),
                            _owner=kwargs.get("name") or self._default_name, **cell_kw)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=self._rank + 3)
        cell._owner = self.name

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != self._rank + 3:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): expected inputs of rank '
                f"{self._rank + 3} (batch, time, *{self._rank} spatial dims, channels), "
                f"received input shape {tuple(input_shape)}.")
        super().build(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["cell"]
        config.update(_cell_options(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "_ConvLSTM":
        """A new layer from `get_config()`'s dict (the cell's options are the layer's)."""
        return cls(**config)


def _cell_option(key: str) -> property:
    return property(lambda self: getattr(self.cell, key),
                    doc=f"The cell's `{key}` (read-only, as Keras).")


for _key in _CELL_KEYS + ("filters", "kernel_size"):  # the cell's options, as the layer's
    setattr(_ConvLSTM, _key, _cell_option(_key))


class ConvLSTM1D(_ConvLSTM):
    """1-D convolutional LSTM on `(batch, time, width, channels)` (Keras 3's
    `keras.layers.ConvLSTM1D`).

    Args: `filters`, `kernel_size`, `strides`, `padding` ("valid"/"same"), `data_format`,
    `dilation_rate`, the LSTM's activations, initializers, regularizers, constraints,
    `unit_forget_bias`, `dropout`, `recurrent_dropout`, `seed`, and the RNN options
    (`return_sequences`, `return_state`, `go_backwards`, `stateful`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ConvLSTM1D(2, 3, return_sequences=True)(np.ones((1, 4, 6, 3))).shape
        TensorShape([1, 4, 4, 2])
    """

    _rank = 1
    _default_name = "conv_lstm1d"


class ConvLSTM2D(_ConvLSTM):
    """2-D convolutional LSTM on `(batch, time, rows, cols, channels)` (Keras 3's
    `keras.layers.ConvLSTM2D`). Args: as `ConvLSTM1D`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.ConvLSTM2D(4, (3, 3), return_state=True)
        >>> out, h, c = layer(np.ones((2, 3, 6, 6, 1)))
        >>> out.shape, [tuple(w.shape) for w in layer.weights]
        (TensorShape([2, 4, 4, 4]), [(3, 3, 1, 16), (3, 3, 4, 16), (16,)])
    """

    _rank = 2
    _default_name = "conv_lstm2d"


class ConvLSTM3D(_ConvLSTM):
    """3-D convolutional LSTM on `(batch, time, dim1, dim2, dim3, channels)` (Keras 3's
    `keras.layers.ConvLSTM3D`). Args: as `ConvLSTM1D`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.ConvLSTM3D(2, 2)(np.ones((1, 2, 3, 3, 3, 1))).shape
        TensorShape([1, 2, 2, 2, 2])
    """

    _rank = 3
    _default_name = "conv_lstm3d"
