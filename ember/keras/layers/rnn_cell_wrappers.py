"""TF's RNN cell wrappers (`tf.nn.RNNCellDropoutWrapper`, `RNNCellResidualWrapper`,
`RNNCellDeviceWrapper`): a Keras cell wrapped, itself a cell for `keras.layers.RNN`.

As TF's wrappers (TF1's `DropoutWrapper` semantics), the dropout wrapper drops inputs,
outputs and states on every call, training or not: set the keep probabilities to 1.0 for
inference. Dropped values are scaled by `1 / keep_prob` (`tf.nn.dropout`).

Example:
    >>> import numpy as np, ember as tf
    >>> from ember import keras
    >>> cell = tf.nn.RNNCellResidualWrapper(keras.layers.SimpleRNNCell(3))
    >>> out = keras.layers.RNN(cell)(np.ones((2, 4, 3), np.float32))
    >>> out.shape
    TensorShape([2, 3])
"""

from __future__ import annotations

from typing import Any, Callable

from ...core import nest
from ...ops.dropout_ops import dropout
from ...ops import math_ops as m
from ..engine.layer import Layer
from .serialization import deserialize, serialize

__all__ = ["RNNCellDropoutWrapper", "RNNCellResidualWrapper", "RNNCellDeviceWrapper"]


class _CellWrapper(Layer):
    """A cell around `cell`: its state_size, output_size and initial state, its weights."""

    def __init__(self, cell: Any, **kwargs: Any):
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise TypeError(f"{type(self).__name__}: expected an RNN cell (a Keras cell such "
                            f"as LSTMCell, with `call` and `state_size`), received "
                            f"{type(cell).__name__}.")
        super().__init__(**kwargs)
        self.cell = cell

    @property
    def wrapped_cell(self) -> Any:
        return self.cell

    @property
    def state_size(self) -> Any:
        return self.cell.state_size

    @property
    def output_size(self) -> Any:
        size = getattr(self.cell, "output_size", None)
        if size is not None:
            return size
        ss = self.cell.state_size
        return ss[0] if isinstance(ss, (list, tuple)) else ss

    def get_initial_state(self, batch_size: Any = None) -> Any:
        return self.cell.get_initial_state(batch_size=batch_size)

    def build(self, input_shape: Any) -> None:
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(input_shape)
            self.cell.built = True
        self.built = True

    def _run_cell(self, inputs: Any, states: Any, training: Any) -> tuple:
        if isinstance(self.cell, Layer):
            return self.cell(inputs, states, training=training)
        return self.cell.call(inputs, states)

    def get_config(self) -> dict:
        return {**super().get_config(), "cell": serialize(self.cell)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "_CellWrapper":
        config = dict(config)
        config["cell"] = deserialize(config["cell"], custom_objects=custom_objects)
        return cls(**config)


def _keep(name: str, owner: str, value: Any) -> float:
    p = float(value)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"{owner}: {name} must be in (0, 1], received {value!r}.")
    return p


class RNNCellDropoutWrapper(_CellWrapper):
    """Dropout on a cell's inputs, outputs and states (TF's `tf.nn.RNNCellDropoutWrapper`):
    each kept with its probability and scaled by its inverse, on every call (TF1's
    semantics: no training flag).

    Example:
        >>> import numpy as np, ember as tf
        >>> from ember import keras
        >>> cell = tf.nn.RNNCellDropoutWrapper(keras.layers.GRUCell(2), input_keep_prob=1.0,
        ...                                     output_keep_prob=1.0)
        >>> keras.layers.RNN(cell)(np.ones((1, 3, 4), np.float32)).shape
        TensorShape([1, 2])
    """

    def __init__(self, cell: Any, input_keep_prob: float = 1.0, output_keep_prob: float = 1.0,
                 state_keep_prob: float = 1.0, variational_recurrent: bool = False,
                 input_size: Any = None, dtype: Any = None, seed: int | None = None,
                 dropout_state_filter_visitor: Callable | None = None, **kwargs: Any):
        super().__init__(cell, **kwargs)
        owner = type(self).__name__
        if variational_recurrent:
            raise NotImplementedError(
                f"{owner}: variational_recurrent=True (one dropout mask for every step) is "
                f"not implemented; use the Keras cells' dropout / recurrent_dropout "
                f"arguments, which keep one mask per sequence.")
        self.input_keep_prob = _keep("input_keep_prob", owner, input_keep_prob)
        self.output_keep_prob = _keep("output_keep_prob", owner, output_keep_prob)
        self.state_keep_prob = _keep("state_keep_prob", owner, state_keep_prob)
        self.seed = seed
        self._state_filter = dropout_state_filter_visitor

    def _drop(self, x: Any, keep: float) -> Any:
        if keep >= 1.0:
            return x
        return nest.map_structure(lambda t: dropout(t, rate=1.0 - keep, seed=self.seed), x)

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        out, new_states = self._run_cell(self._drop(inputs, self.input_keep_prob), states,
                                         training)
        if self.state_keep_prob < 1.0:
            keep = self._state_filter
            new_states = nest.map_structure(
                lambda s: self._drop(s, self.state_keep_prob)
                if keep is None or keep(s) else s, new_states)
        return self._drop(out, self.output_keep_prob), new_states

    def get_config(self) -> dict:
        return {**super().get_config(), "input_keep_prob": self.input_keep_prob,
                "output_keep_prob": self.output_keep_prob,
                "state_keep_prob": self.state_keep_prob, "seed": self.seed}


class RNNCellResidualWrapper(_CellWrapper):
    """A residual connection around a cell (TF's `tf.nn.RNNCellResidualWrapper`): the
    output is `residual_fn(inputs, cell_output)`, by default their sum (the input and
    output sizes must match).

    Example:
        >>> import numpy as np, ember as tf
        >>> from ember import keras
        >>> cell = tf.nn.RNNCellResidualWrapper(keras.layers.SimpleRNNCell(2))
        >>> out, _ = cell(np.ones((1, 2), np.float32), [np.zeros((1, 2), np.float32)])
        >>> bool(np.all(out.numpy() > 0))  # 1 + tanh(...) of a positive input
        True
    """

    def __init__(self, cell: Any, residual_fn: Callable | None = None, **kwargs: Any):
        super().__init__(cell, **kwargs)
        self.residual_fn = residual_fn

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        out, new_states = self._run_cell(inputs, states, training)
        if self.residual_fn is not None:
            return self.residual_fn(inputs, out), new_states
        return nest.map_structure(m.add, inputs, out), new_states


class RNNCellDeviceWrapper(_CellWrapper):
    """Runs a cell on `device` (TF's `tf.nn.RNNCellDeviceWrapper`); ember runs every op
    on its backend's device, so the cell runs as it is.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> tf.nn.RNNCellDeviceWrapper(keras.layers.LSTMCell(2), "/cpu:0").state_size
        [2, 2]
    """

    def __init__(self, cell: Any, device: str, **kwargs: Any):
        super().__init__(cell, **kwargs)
        self.device = device

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        return self._run_cell(inputs, states, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "device": self.device}
