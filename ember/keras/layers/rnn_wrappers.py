"""`RNN` (any cell over a sequence), `StackedRNNCells` and `Bidirectional` (Keras 3).

`RNN(cell)` runs `cell.call(x_t, states) -> (output, new_states)` over axis 1 of inputs
`(batch, timesteps, ...)` with the loop of `rnn_loop.py` (unrolled for a known number of
steps, an `ember.while_loop` otherwise), so it works eagerly, under GradientTape, in
`ember.function` / compiled `fit` and on the JAX backend. A cell is a built-in cell, a
`StackedRNNCells`, a list of cells, or your own layer with `state_size` (an int or a list
of ints) and `call(inputs, states)`; `output_size` and `get_initial_state(batch_size)`
are optional.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> cells = [keras.layers.LSTMCell(4), keras.layers.GRUCell(2)]
    >>> keras.layers.RNN(cells)(np.ones((3, 5, 6))).shape
    TensorShape([3, 2])
"""

from __future__ import annotations

import copy
from typing import Any

from ...core import nest
from ...core.shape import TensorShape
from ...core.tensor import TensorOps
from ...ops import creation_ops, shape_ops
from ...prims.convert import cast, convert_to_tensor
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .rnn_cells import DropoutCellMixin
from .rnn_loop import StatefulMixin, check_mask, time_loop
from .serialization import deserialize, serialize

__all__ = ["Bidirectional", "RNN", "StackedRNNCells"]


def _check_cell(owner: str, cell: Any) -> None:
    if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
        missing = "a `call` method" if not hasattr(cell, "call") else "a `state_size`"
        raise ValueError(f"{owner}: every cell needs {missing} (an int or a list of ints, "
                         f"one per state), received {cell!r}. Use a keras.layers cell "
                         f"(LSTMCell, GRUCell, SimpleRNNCell) or define both on yours.")


def _call_cell(cell: Any, inputs: Any, states: Any, training: Any) -> tuple:
    if isinstance(cell, Layer):
        return cell(inputs, states, training=training)
    return cell.call(inputs, states)


def _output_size(cell: Any) -> Any:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    ss = cell.state_size
    return ss[0] if isinstance(ss, (list, tuple)) else ss


def _zeros_for(size: Any, batch: Any, dtype: Any) -> Any:
    if isinstance(size, (list, tuple)) and size and isinstance(size[0], (list, tuple)):
        return [_zeros_for(s, batch, dtype) for s in size]
    dims = list(size) if isinstance(size, (list, tuple, TensorShape)) else [int(size)]
    return creation_ops.zeros([batch] + dims, dtype=dtype)


def _cells(cell: Any) -> list:
    """The cell and, for StackedRNNCells, every cell inside (depth first)."""
    out = [cell]
    for c in getattr(cell, "cells", None) or []:
        out.extend(_cells(c))
    return out


class RNN(StatefulMixin, Layer):
    """A recurrent layer running `cell` over the time axis (Keras 3's
    `keras.layers.RNN`).

    Args:
        cell: an RNN cell, or a list of cells (run as `StackedRNNCells`).
        return_sequences: return every step's output `(batch, timesteps, output_size)`
            instead of the last `(batch, output_size)`.
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the sequence in reverse (the sequence output is in
            processing order, i.e. reversed).
        stateful: the final states of each batch are the initial states of the next
            (needs a fixed batch size); `reset_states()` zeros them.
        unroll: accepted (a known number of steps is always unrolled); needs a known
            number of steps, as Keras.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call with `initial_state=[...]` (one tensor per state, zeros by default; nested or
    flat for stacked cells), `mask=` (batch, timesteps) and `training=`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> class MinimalRNNCell(keras.layers.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units, self.state_size = units, units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        ...     def call(self, inputs, states):
        ...         h = keras.ops.matmul(inputs, self.kernel) + states[0]
        ...         return h, [h]
        >>> keras.layers.RNN(MinimalRNNCell(3), return_sequences=True)(
        ...     np.ones((2, 4, 5))).shape
        TensorShape([2, 4, 3])
    """

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell, dtype=kwargs.get("dtype"))
        _check_cell(f"{type(self).__name__}", cell)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    @property
    def state_size(self) -> list:
        ss = self.cell.state_size
        return list(ss) if isinstance(ss, (list, tuple)) else [ss]

    def _err(self, what: str) -> ValueError:
        return ValueError(f'Layer "{self.name}" ({type(self).__name__}): {what}')

    def build(self, input_shape: Any) -> None:
        shape = TensorShape(input_shape)
        if shape.rank is None or shape.rank < 3:
            raise self._err(f"expected inputs of shape (batch, timesteps, features...), "
                            f"received input shape {input_shape}. Add a time axis, e.g. "
                            f"x[:, None, :] for one step.")
        step = TensorShape([shape[0]] + list(shape)[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step)
            self.cell.built = True
            if self.cell._build_input_shape is None:
                self.cell._build_input_shape = step
        if self.stateful and self.states is None:
            self._make_state_vars(shape, self.get_initial_state)
        self._build_input_shape = input_shape

    def get_initial_state(self, batch_size: Any) -> list:
        """The zero states for `batch_size` (the cell's `get_initial_state` if it has
        one), as a list: one entry per state (nested for stacked cells)."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
        else:
            dtype = getattr(self.cell, "compute_dtype", None) or self.compute_dtype
            states = [_zeros_for(s, batch_size, dtype) for s in self.state_size]
        return list(states) if isinstance(states, (list, tuple)) else [states]

    def _flat_state_count(self) -> int:
        holder = self.states
        if holder is not None:
            return len(holder)
        return len(nest.flatten(self.get_initial_state(1)))

    def _given_states(self, given: Any, template: list) -> list:
        """`initial_state` (nested like `template`, or flat) checked and cast."""
        flat_t = nest.flatten(template)
        given = list(given) if isinstance(given, (list, tuple)) else [given]
        flat_g = nest.flatten(given)
        if len(flat_g) != len(flat_t):
            shapes = [tuple(t.shape)[1:] for t in flat_t]
            raise self._err(f"initial_state must be {len(flat_t)} tensor(s), one per state "
                            f"of the cell, of shapes (batch,) + {shapes}; received "
                            f"{len(flat_g)}.")
        out = []
        for g, t in zip(flat_g, flat_t):
            g = g if isinstance(g, TensorOps) else convert_to_tensor(g)
            if g.dtype != t.dtype:
                g = cast(g, t.dtype)
            want, got = list(t.shape)[1:], list(g.shape)[1:]
            if len(want) != len(got) or any(a is not None and b is not None and a != b
                                            for a, b in zip(want, got)):
                raise self._err(f"each initial state must have shape (batch,) + "
                                f"{tuple(want)}, received {tuple(g.shape)}.")
            out.append(g)
        return out

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        if isinstance(inputs, (list, tuple)):
            raise NotImplementedError(
                f'Layer "{self.name}" (RNN): nested (multiple) inputs are not supported; '
                f"pass one tensor (batch, timesteps, ...), and initial states as "
                f"initial_state=[...].")
        steps = inputs.shape[1]
        if self.unroll and steps is None:
            raise self._err("unroll=True needs a known number of time steps, received "
                            f"input shape {tuple(inputs.shape)}. Give the time dim to "
                            f"keras.Input(shape=(timesteps, features)), or use "
                            f"unroll=False.")
        if steps == 0:
            raise self._err(f"the inputs have 0 time steps (input shape "
                            f"{tuple(inputs.shape)}); need at least one.")
        mask = check_mask(self, inputs, mask)
        batch = inputs.shape[0] if inputs.shape[0] is not None else \
            shape_ops.shape(inputs)[0]
        template = self.get_initial_state(batch)
        if initial_state is not None:
            flat = self._given_states(initial_state, template)
        elif self.stateful and self.states is not None:
            flat = self._read_states(inputs.shape[0])
        else:
            flat = nest.flatten(template)

        def step(x_t: Any, flat_states: list) -> tuple:
            states = nest.pack_sequence_as(template, list(flat_states))
            out, new = _call_cell(self.cell, x_t, states, training)
            new = new if isinstance(new, (list, tuple)) else [new]
            return out, nest.flatten(new)

        cells = [c for c in _cells(self.cell) if isinstance(c, DropoutCellMixin)]
        for c in cells:
            c._dropout_cache = {}
        try:
            last, seq, final = time_loop(step, inputs, flat, mask=mask,
                                         go_backwards=self.go_backwards,
                                         return_sequences=self.return_sequences,
                                         zero_output_for_mask=self.zero_output_for_mask)
        finally:
            for c in cells:
                c._dropout_cache = None
        if self.stateful and self.states is not None:
            self._write_states(final)
        output = seq if self.return_sequences else last
        if self.return_state:
            return [output] + list(nest.pack_sequence_as(template, list(final)))
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask for the sequence output (`return_sequences`), else None; the
        states of `return_state` carry no mask."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * self._flat_state_count()
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize(self.cell)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "RNN":
        """A new RNN from `get_config()`'s dict; the cell is rebuilt by
        `keras.layers.deserialize` (`custom_objects` maps names of your cell classes)."""
        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


class StackedRNNCells(Layer):
    """Several cells run as one (Keras 3's `keras.layers.StackedRNNCells`): each step
    feeds the output of a cell to the next; the states are one entry per cell.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> cells = keras.layers.StackedRNNCells([keras.layers.LSTMCell(3),
        ...                                       keras.layers.SimpleRNNCell(2)])
        >>> cells.state_size, cells.output_size
        ([[3, 3], 2], 2)
        >>> keras.layers.RNN(cells, return_sequences=True)(np.ones((1, 4, 5))).shape
        TensorShape([1, 4, 2])
    """

    def __init__(self, cells: list, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f'Layer "{self.name}" (StackedRNNCells): cells must be a '
                             f"non-empty list of RNN cells, received {cells!r}.")
        for cell in cells:
            _check_cell(f'Layer "{self.name}" (StackedRNNCells)', cell)
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> Any:
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size: Any = None) -> list:
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size=batch_size))
            else:
                ss = cell.state_size
                dtype = getattr(cell, "compute_dtype", None) or self.compute_dtype
                out.append([_zeros_for(s, batch_size, dtype) for s in ss]
                           if isinstance(ss, (list, tuple)) else
                           _zeros_for(ss, batch_size, dtype))
        return out

    def build(self, input_shape: Any) -> None:
        shape = TensorShape(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
                if cell._build_input_shape is None:
                    cell._build_input_shape = shape
            shape = TensorShape([shape[0], _output_size(cell)])

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(self.cells):
            raise ValueError(f'Layer "{self.name}" (StackedRNNCells): expected one state '
                             f"entry per cell ({len(self.cells)}), received {len(states)}.")
        new_states = []
        for cell, st in zip(self.cells, states):
            nested = isinstance(st, (list, tuple))
            inputs, st = _call_cell(cell, inputs, list(st) if nested else [st], training)
            st = list(st) if isinstance(st, (list, tuple)) else [st]
            new_states.append(st if nested or len(st) != 1 else st[0])
        return inputs, new_states

    def get_config(self) -> dict:
        return {**super().get_config(), "cells": [serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict,
                    custom_objects: dict | None = None) -> "StackedRNNCells":
        config = dict(config)
        cells = [deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def _copy_layer(layer: Layer, name: str, go_backwards: bool) -> Layer:
    """A fresh layer from `layer`'s config (no weights shared), renamed."""
    config = {**layer.get_config(), "name": name, "go_backwards": go_backwards}
    try:
        return type(layer).from_config(config)
    except (ValueError, TypeError):
        if layer.built:
            raise
        clone = copy.deepcopy(layer)
        clone._name, clone.go_backwards = name, go_backwards
        return clone


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards and merges their outputs
    (Keras 3's `keras.layers.Bidirectional`).

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN, ConvLSTM...); a copy of it runs
            forwards (`forward_layer`), another backwards (`backward_layer`).
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (a list of both).
        backward_layer: an optional RNN layer for the backward direction (with
            `go_backwards=True` and the same `return_sequences` / `return_state`).

    With `return_state` the output is followed by the forward then the backward states.
    `initial_state=[...]`: the forward layer's states, then the backward layer's.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> bi = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))
        >>> bi(np.ones((2, 5, 4))).shape, len(bi.weights)
        (TensorShape([2, 5, 6]), 6)
    """

    def __init__(self, layer: Layer, merge_mode: Any = "concat", weights: Any = None,
                 backward_layer: Layer | None = None, **kwargs: Any):
        kind = "Bidirectional"
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"{kind}: `layer` must be a recurrent keras Layer (LSTM, GRU, "
                             f"SimpleRNN, RNN, ...), received {layer!r}.")
        if backward_layer is not None and (not isinstance(backward_layer, Layer) or
                                           not hasattr(backward_layer, "go_backwards")):
            raise ValueError(f"{kind}: `backward_layer` must be a recurrent keras Layer, "
                             f"received {backward_layer!r}.")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"{kind}: merge_mode must be one of {list(_MERGE_MODES)}, "
                             f"received merge_mode={merge_mode!r}.")
        super().__init__(**kwargs)
        base = _strip(layer.name, "forward_")
        self.forward_layer = _copy_layer(layer, f"forward_{base}", layer.go_backwards)
        self.backward_layer = backward_layer if backward_layer is not None else \
            _copy_layer(layer, f"backward_{_strip(layer.name, 'backward_')}", True)
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError(f'Layer "{self.name}" ({kind}): the forward and backward layers '
                             f"must have different go_backwards, received "
                             f"{fw.go_backwards} for both.")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fw, attr, False) != getattr(bw, attr, False):
                raise ValueError(f'Layer "{self.name}" ({kind}): the forward and backward '
                                 f"layers must have the same {attr}, received "
                                 f"{getattr(fw, attr, False)} (forward) and "
                                 f"{getattr(bw, attr, False)} (backward).")
        for sub in (fw, bw):  # Keras: masked steps of a returned sequence output zeros
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        if weights:
            half = len(weights) // 2
            fw._initial_weights, bw._initial_weights = list(weights[:half]), \
                list(weights[half:])
        self.stateful = bool(getattr(layer, "stateful", False))
        self.return_sequences = bool(layer.return_sequences)
        self.return_state = bool(getattr(layer, "return_state", False))
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape: Any) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(input_shape)
                sub.built = True
                if sub._build_input_shape is None:
                    sub._build_input_shape = input_shape
            if sub._initial_weights is not None:
                sub.set_weights(sub._initial_weights)
                sub._initial_weights = None
        self._build_input_shape = input_shape

    def _split_states(self, initial_state: Any) -> tuple:
        if initial_state is None:
            return None, None
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        if len(states) % 2:
            raise ValueError(f'Layer "{self.name}" (Bidirectional): initial_state must hold '
                             f"the forward layer's states then the backward layer's (an "
                             f"even number), received {len(states)}.")
        half = len(states) // 2
        return states[:half], states[half:]

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        fs, bs = self._split_states(initial_state)
        kwargs: dict = {}
        if training is not None:
            kwargs["training"] = training
        if mask is not None:
            kwargs["mask"] = mask
        y = self.forward_layer(inputs, initial_state=fs, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=bs, **kwargs)
        f_states, b_states = [], []
        if self.return_state:
            y, f_states = y[0], list(y[1:])
            y_rev, b_states = y_rev[0], list(y_rev[1:])
        if self.return_sequences:
            y_rev = shape_ops.reverse(y_rev, [1])
        mode = self.merge_mode
        if mode == "concat":
            out: Any = shape_ops.concat([y, y_rev], axis=-1)
        elif mode == "sum":
            out = y + y_rev
        elif mode == "ave":
            out = (y + y_rev) / 2.0
        elif mode == "mul":
            out = y * y_rev
        else:
            out = [y, y_rev]
        outs = out if mode is None else [out]
        if self.return_state:
            return outs + f_states + b_states
        return out

    def _n_states(self) -> int:
        counts = []
        for sub in (self.forward_layer, self.backward_layer):
            fn = getattr(sub, "_flat_state_count", None)
            counts.append(fn() if fn is not None else getattr(sub, "_n_states", 0))
        return sum(counts)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask on the merged sequence output (on both with merge_mode=None),
        none on the last-step output and on the states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + [None] * self._n_states()
        return outs if self.merge_mode is None else out

    @property
    def states(self) -> Any:
        fw, bw = self.forward_layer.states, self.backward_layer.states
        return None if fw is None or bw is None else list(fw) + list(bw)

    def reset_states(self, states: Any = None) -> None:
        """Zeros the states of both directions (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" (Bidirectional) is not stateful.')
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(list(states[:half]))
        self.backward_layer.reset_states(list(states[half:]))

    def reset_state(self) -> None:
        self.reset_states()

    def get_config(self) -> dict:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize(self.forward_layer),
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict,
                    custom_objects: dict | None = None) -> "Bidirectional":
        """A new Bidirectional from `get_config()`'s dict (both layers rebuilt by
        `keras.layers.deserialize`)."""
        config = copy.deepcopy(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        back = config.pop("backward_layer", None)
        if back is not None:
            back = deserialize(back, custom_objects=custom_objects)
        return cls(layer, backward_layer=back, **config)
