"""`keras.layers.Layer`: the layer contract (`__init__` / `build` / `call` / `get_config`).

`Layer.__call__` is a numbered pipeline:
  1. inputs: NumPy arrays, Python lists and scalars become tensors; Tensors, Variables and
     KerasTensors pass through (a Variable is read in place, no copy);
  2. autocast: floating inputs take the layer's dtype (a float64 batch into a float32 layer);
  3. input_spec: rank, dtype and axis sizes are checked, with an error naming the layer;
  4. build: on the first call, `build(input_shape)` creates the weights;
  5. call: with `training` filled in from the enclosing call when not given, and `mask`
     from the inputs' masks when `call` takes one (see engine/masking.py);
  6. on KerasTensors, the call only computes output shapes and records a Node;
  7. masks: `compute_mask(inputs, mask)` gives the outputs' masks (`_keras_mask`).

Weights made with `add_weight`, Variables set as attributes and sub-layers set as
attributes (also inside lists and dicts) are all tracked.

Example:
    >>> import ember as tf, numpy as np
    >>> from ember import keras
    >>> class Scale(keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.s = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.s
    >>> layer = Scale()
    >>> layer(np.ones((2, 3))).shape, len(layer.weights)
    (TensorShape([2, 3]), 1)
"""

from __future__ import annotations

import functools

from typing import Any

import numpy as np

from ...autograph import maybe_convert
from ...core import nest
from ...core.context import CTX
from ...core.convert import to_array
from ...core.dtypes import as_dtype
from ...core.registry import autocast
from ...core.errors import ShapeError
from ...core.module import Module
from ...core.shape import TensorShape, as_shape
from ...core.tensor import TensorOps
from ...core.variable import Variable
from ...prims.convert import cast
from ...ops.shape_ops import shape as dynamic_shape
from .. import constraints, initializers, regularizers
from ..mixed_precision import DTypePolicy, global_policy
from ..traceback_utils import filter_traceback
from .auto_config import constructor_config, init_config, uses_default_config
from .input_spec import check_input_spec
from .naming import warn_input_shape_arg
from .layer_utils import (all_numbers, batch_input_shape, call_info, dedup, init_scope,
                          placeholders, to_tensor)
from .call_context import CALL, MASKS, pop_training, push_training
from .keras_tensor import KerasTensor, spec_only
from . import masking
from .layer_losses import LossesMetricsMixin
from .naming import to_snake_case, unique_name
from .node import Node

# Bumped whenever some layer's `trainable` is set: models drop their compiled graphs and
# steps, traced with the old flags (tf.keras needs a new compile() for that; ember not).
TRAINABLE_VERSION: list = [0]
_ALLOWED_KWARGS = {"input_dim", "input_shape", "batch_input_shape", "batch_size", "weights",
                   "activity_regularizer", "autocast", "dynamic", "trainable", "dtype",
                   "name", "input_length"}
_K2_ORDER = ("name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint")
_K3_ORDER = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
             "constraint", "aggregation", "name")
_NOT_TRACKED = {"_inbound_nodes", "_call_losses", "_init_args", "_build_input_shape",
                "_metrics"}


class Layer(LossesMetricsMixin, Module):
    """The base class of all layers (TF's `keras.layers.Layer`).

    Subclasses create weights in `build(input_shape)` with `add_weight` and compute in
    `call(inputs, training=None)`. See the module docstring for the call pipeline.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a unique name; by default the snake-cased class name (`dense_1`).
        dtype: the dtype of the weights and computations (default float32).
        input_shape / batch_input_shape / batch_size / input_dim: the input's shape, for
            the first layer of a Sequential model (Keras 2 style).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Layer":
        obj = super().__new__(cls)
        obj._init_args = (args, kwargs)  # for get_config of layers that don't define it
        return obj

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 dynamic: bool = False, **kwargs: Any):
        unknown = set(kwargs) - _ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}: keyword argument(s) not understood: "
                            f"{sorted(unknown)}.")
        self._trainable = bool(trainable)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, received "
                            f"{name!r}.")
        self._name = name or unique_name(
            type(self).__dict__.get("_default_name") or to_snake_case(type(self).__name__))
        self._set_dtype(dtype)
        self.autocast = kwargs.pop("autocast", True)
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._inbound_nodes: list = []
        self._own_weights: list = []
        self._regularized: list = []  # (Variable, regularizer)
        self._call_losses: list = []
        self._added_losses: list = []
        self._metrics: list = []  # Mean metrics made by add_metric in call
        self._build_input_shape = None
        self.activity_regularizer = regularizers.get(kwargs.pop("activity_regularizer", None))
        if ("input_shape" in kwargs or "input_dim" in kwargs) and \
                type(self).__name__ != "InputLayer":
            warn_input_shape_arg()
        self._batch_input_shape = batch_input_shape(kwargs)
        self._initial_weights = kwargs.pop("weights", None)

    def _set_dtype(self, dtype: Any) -> None:
        """The layer's dtype policy (keras.mixed_precision): a dtype, a policy name such
        as "mixed_float16", a DTypePolicy, or None for the global policy. `_dtype` is the
        compute dtype (the layer's math), `_variable_dtype` its weights'."""
        policy = global_policy() if dtype is None else DTypePolicy(dtype)
        self._policy = policy
        self._dtype = as_dtype(policy.compute_dtype)
        self._variable_dtype = as_dtype(policy.variable_dtype)

    # -- identity --------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights, as a string (Keras 2)."""
        return self._variable_dtype.name

    @property
    def compute_dtype(self) -> str:
        return self._dtype.name

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype.name

    @property
    def dtype_policy(self) -> DTypePolicy:
        return self._policy

    @property
    def dynamic(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # -- weights ---------------------------------------------------------------------
    def add_weight(self, *args: Any, **kwargs: Any) -> Variable:
        """Creates a weight Variable of this layer and tracks it.

        Takes `name, shape, dtype, initializer, regularizer, trainable, constraint`, by
        keyword or in Keras 2's order (`add_weight("w", (2, 3))`), or positionally in
        Keras 3's order (`add_weight((2, 3), "zeros")`, shape first).

        Example:
            >>> from ember import keras
            >>> layer = keras.layers.Layer(name="l")
            >>> w = layer.add_weight("w", shape=(2,), initializer="zeros")
            >>> w.name, layer.weights[0] is w
            ('l/w:0', True)
        """
        order = _K3_ORDER if args and not isinstance(args[0], str) else _K2_ORDER
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f'Layer "{self.name}": add_weight got two values for {key}.')
            kwargs[key] = value
        return self._add_weight(**kwargs)

    def _add_weight(self, name: str | None = None, shape: Any = None, dtype: Any = None,
                    initializer: Any = None, regularizer: Any = None,
                    trainable: bool | None = None, constraint: Any = None,
                    **kwargs: Any) -> Variable:
        if shape is None:
            shape = ()
        try:
            shape = tuple(int(d) for d in as_shape(shape))
        except TypeError:
            raise ShapeError(f'Layer "{self.name}": add_weight needs a fully known shape, '
                             f"received {shape!r} for weight {name!r}.") from None
        dt = as_dtype(dtype if dtype is not None else self._variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dt.is_floating else "zeros"
        init = initializers.get(initializer)
        if trainable is None:
            trainable = True
        name = name or f"variable_{len(self._own_weights)}"
        with init_scope():
            value = init(shape, dtype=dt) if not isinstance(init, (int, float)) else init
            value = to_array(value._value if hasattr(value, "_value") else value, dt)
            if value.shape != shape:
                value = np.broadcast_to(value, shape)
            var = Variable(value, trainable=trainable, name=f"{self.name}/{name}",
                           dtype=dt, constraint=constraints.get(constraint))
        self._own_weights.append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularized.append((var, reg))
        return var

    def _tracked(self) -> tuple:
        """(own Variables, direct sub-layers) found in the attributes, in order."""
        own = list(self._own_weights)
        seen = {id(v) for v in own}
        layers: list = []
        stack = [v for k, v in reversed(list(vars(self).items())) if k not in _NOT_TRACKED]
        while stack:
            v = stack.pop()
            if isinstance(v, Layer):
                if v is not self and id(v) not in seen:
                    seen.add(id(v))
                    layers.append(v)
            elif isinstance(v, Variable):
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
            elif isinstance(v, dict):
                stack.extend(reversed(list(v.values())))
            elif isinstance(v, (list, tuple)) and not isinstance(v, TensorShape):
                stack.extend(reversed(v))
        return own, layers

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> list:
        out, seen = [], set()
        stack = [self] if include_self else list(reversed(self._tracked()[1]))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive or layer is self:
                stack.extend(reversed(layer._tracked()[1]))
        return out

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
        TRAINABLE_VERSION[0] += 1

    @property
    def trainable_weights(self) -> list:
        if not self._trainable:
            return []
        own, layers = self._tracked()
        out = [v for v in own if v.trainable]
        for layer in layers:
            out.extend(layer.trainable_weights)
        return dedup(out)

    @property
    def non_trainable_weights(self) -> list:
        own, layers = self._tracked()
        if not self._trainable:
            out = list(own)
            for layer in layers:
                out.extend(layer.weights)
            return dedup(out)
        out = [v for v in own if not v.trainable]
        for layer in layers:
            out.extend(layer.non_trainable_weights)
        return dedup(out)

    @property
    def weights(self) -> list:
        """Trainable weights first, then the others (Keras 2's order)."""
        return dedup(self.trainable_weights + self.non_trainable_weights)

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays (copies)."""
        return [np.array(v._value, copy=True) for v in self.weights]

    def set_weights(self, weights: list) -> None:
        """Sets every weight from a list of arrays, checked first: a wrong count, shape or
        dtype raises and changes nothing.

        Example:
            >>> from ember import keras
            >>> import numpy as np
            >>> d = keras.layers.Dense(2); d.build((None, 3))
            >>> d.set_weights([np.ones((3, 2)), np.zeros(2)])
            >>> d.set_weights([np.ones((2, 2)), np.zeros(2)])
            Traceback (most recent call last):
            ...
            ember.core.errors.ShapeError: Layer "dense...": weight 0 ('dense.../kernel:0') has shape (3, 2), the value given has shape (2, 2). ...
        """
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f'Layer "{self.name}": set_weights expects {len(params)} arrays '
                f"({', '.join(v.name for v in params) or 'the layer has no weights yet'}), "
                f"received {len(weights)}. Use layer.get_weights() to see the expected list.")
        checked = []
        for i, (v, w) in enumerate(zip(params, weights)):
            arr = to_array(w._value if hasattr(w, "_value") else w, v.dtype, copy=True)
            if arr.shape != v._value.shape:
                raise ShapeError(
                    f'Layer "{self.name}": weight {i} ({v.name!r}) has shape '
                    f"{v._value.shape}, the value given has shape {arr.shape}. No weight "
                    f"was changed.")
            checked.append((v, arr))
        for v, arr in checked:
            v._value = arr

    def count_params(self) -> int:
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f'You tried to call count_params on layer "{self.name}", but the layer '
                f"isn't built. Build it first: call it on data, or layer.build(input_shape).")
        return int(sum(int(np.prod(v._value.shape)) for v in self.weights))

    # -- building and calling --------------------------------------------------------
    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own `build` marks the layer built when it returns (Keras 3), so a
        `build(shape)` called directly (by a loader, or the user) without
        `super().build()` isn't run again, on the first call, over weights loaded since."""
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is None or getattr(build, "_marks_built", False):
            return

        @functools.wraps(build)
        def build_and_mark(self: Any, *args: Any, **kw: Any) -> Any:
            out = build(self, *args, **kw)
            self.built = True
            return out
        build_and_mark._marks_built = True  # type: ignore[attr-defined]
        cls.build = build_and_mark

    def build(self, input_shape: Any = None) -> None:
        """Creates the weights; called once, before the first `call`."""
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation of the layer. The base layer returns its inputs."""
        return inputs

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shapes = nest.map_structure(lambda x: x.shape, inputs)
        if not getattr(type(self).build, "_is_default", False):
            with init_scope():
                self.build(shapes)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = shapes
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    @filter_traceback
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            inputs, rest = args[0], args[1:]
        elif "inputs" in kwargs:
            kwargs = dict(kwargs)
            inputs, rest = kwargs.pop("inputs"), ()
        else:
            raise TypeError(f'Layer "{self.name}": call it on its inputs, e.g. layer(x).')
        # 1. inputs, 2. autocast
        given, given_kwargs = inputs, kwargs
        inputs = self._convert_inputs(inputs)
        flat = nest.flatten(inputs)
        symbolic = any(isinstance(x, KerasTensor) for x in flat) or any(
            isinstance(x, KerasTensor) for x in nest.flatten((rest, kwargs)))
        # 3. input_spec, 4. build
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        if not self.built:
            self._maybe_build(inputs)
            if self.input_spec is not None:
                check_input_spec(self, inputs)
        # 5. training
        accepts_training, var_kw = call_info(type(self))
        training = kwargs.get("training")
        outer = CALL.training[-1]
        ctx = training if training is not None else outer
        if accepts_training and training is None and outer is not None:
            kwargs = {**kwargs, "training": outer}
        elif not accepts_training and "training" in kwargs and not var_kw:
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
            given_kwargs = kwargs
        # 5b. masks: explicit `mask=`, else those the inputs carry
        masks = kwargs.get("mask")
        if masks is None and MASKS:
            masks = masking.collect_masks(given)
            if masks is not None:
                masking.copy_masks(given, inputs)
                if masking.expects_mask(type(self)):
                    kwargs = {**kwargs, "mask": masks}
        if symbolic:
            return self._symbolic_call((given,) + tuple(rest), kwargs, inputs, rest,
                                       given_kwargs, ctx, masks)
        self._call_losses = []
        push_training(ctx)
        try:
            # inside ember.function, AutoGraph converts a user-defined call (as tf.keras)
            call = maybe_convert(self.call) if CTX.traces else self.call
            if self._dtype is not self._variable_dtype and self.autocast:
                with autocast(self._dtype):  # mixed precision: weights read in _dtype
                    outputs = call(inputs, *rest, **kwargs)
            else:
                outputs = call(inputs, *rest, **kwargs)
        finally:
            pop_training()
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        # 7. output masks (without input masks, only a layer's own compute_mask makes one)
        if masks is not None or type(self).compute_mask is not Layer.compute_mask:
            masking.attach_output_masks(self, inputs, outputs, masks)
        return outputs

    def _symbolic_call(self, args: tuple, kwargs: dict, inputs: Any, rest: tuple,
                       given_kwargs: dict, ctx: Any, masks: Any = None) -> Any:
        """6. On KerasTensors: output shapes from a shape-only call, and a Node."""
        push_training(ctx)
        try:
            with spec_only():
                if self.autocast and self._dtype.is_floating:
                    cast_in = nest.map_structure(lambda x: cast(x, self._dtype) if isinstance(
                        x, KerasTensor) and x.dtype.is_floating and x.dtype != self._dtype
                        else x, inputs)
                    masking.copy_masks(inputs, cast_in)
                    inputs = cast_in
                if self._dtype is not self._variable_dtype and self.autocast:
                    with autocast(self._dtype):
                        out = self.call(inputs, *rest, **kwargs)
                else:
                    out = self.call(inputs, *rest, **kwargs)
                if masks is not None or type(self).compute_mask is not Layer.compute_mask:
                    masking.attach_output_masks(self, inputs, out, masks)
        finally:
            pop_training()
        if CALL.spec_only:
            return out
        outputs = nest.map_structure(
            lambda o: KerasTensor.from_spec(o.spec) if isinstance(o, TensorOps)
            and not hasattr(o, "_value") else o, out)
        masking.copy_masks(out, outputs)
        Node(self, args, given_kwargs, outputs)
        return outputs

    def _convert_inputs(self, inputs: Any) -> Any:
        dt = self._dtype if self.autocast and self._dtype.is_floating else None
        if type(inputs) in (list, tuple) and inputs and all_numbers(inputs):
            return to_tensor(inputs, dt)  # a nested list of numbers is one tensor
        return nest.map_structure(lambda x: to_tensor(x, dt), inputs)

    def _add_activity_loss(self, outputs: Any) -> None:
        """Keras' activity regularization: the regularizer of each output over the batch."""
        for o in nest.flatten(outputs):
            if isinstance(o, TensorOps):
                batch = cast(dynamic_shape(o)[0], o.dtype)
                self._call_losses.append(self.activity_regularizer(o) / batch)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the outputs for `inputs` carrying `mask` (tf.keras 2): the input
        mask unchanged when the layer supports masking, else None.

        Example:
            >>> import ember as tf
            >>> from ember import keras
            >>> m = tf.constant([[True, False]])
            >>> keras.layers.Dropout(0.5).compute_mask(tf.ones((1, 2, 3)), m) is m
            True
        """
        return mask if self.supports_masking else None

    compute_mask._is_default = True  # type: ignore[attr-defined]  # see masking.py

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape`, from a shape-only call of the layer.

        Example:
            >>> from ember import keras
            >>> keras.layers.Dense(3).compute_output_shape((None, 5))
            TensorShape([None, 3])
        """
        specs = placeholders(input_shape, self._dtype)
        with spec_only():
            out = self(specs)
        return nest.map_structure(lambda t: t.shape, out)

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        with spec_only():
            return self(*args, **kwargs)

    # -- graph connectivity ----------------------------------------------------------
    def _single_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(
                f'Layer "{self.name}" has never been called on a KerasTensor, so it has no '
                f"defined {what}. Call it on keras.Input(...) first.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f'Layer "{self.name}" has been called {len(self._inbound_nodes)} times '
                f"(shared), so its {what} is ambiguous. Use the tensors each call returned.")
        return self._inbound_nodes[0]

    @property
    def input(self) -> Any:
        node = self._single_node("input")
        return node.call_args[0] if node.call_args else node.outputs

    @property
    def output(self) -> Any:
        return self._single_node("output").outputs

    @property
    def input_shape(self) -> Any:
        return nest.map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self) -> Any:
        return nest.map_structure(lambda t: t.shape, self.output)

    @property
    def inbound_nodes(self) -> list:
        return list(self._inbound_nodes)

    # -- config ----------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (without its weights).

        A subclass with its own `__init__` and no `get_config` gets the arguments it was
        created with (plain values only, as Keras 3; see engine/auto_config.py).

        Example:
            >>> from ember import keras
            >>> class Block(keras.layers.Layer):
            ...     def __init__(self, units, **kwargs):
            ...         super().__init__(**kwargs)
            >>> Block(4, name="b").get_config()
            {'name': 'b', 'units': 4, 'trainable': True, 'dtype': 'float32'}
        """
        config: dict = {"name": self.name}
        if uses_default_config(type(self)) and type(self).__init__ is not Layer.__init__:
            args, keep_name = constructor_config(self)
            if not keep_name:
                del config["name"]
            config.update(args)
            if args.get("activity_regularizer") is not None:
                config["activity_regularizer"] = regularizers.serialize(
                    self.activity_regularizer)
        config.update(trainable=self.trainable, dtype=self.dtype)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    get_config._is_default = True  # type: ignore[attr-defined]  # see auto_config.py

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        """A new layer from `get_config()`'s dict: `cls(**config)`."""
        config, trainable = init_config(cls, config)
        layer = cls(**config)
        if trainable is False:
            layer.trainable = False
        return layer
