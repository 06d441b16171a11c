"""The Lambda layer: any function of ember ops, wrapped as a layer.

Ops on KerasTensors already work without it (`x * 2` in a functional model), so Lambda is
mostly for Sequential models and for Keras code that uses it.

Example:
    >>> from ember import keras
    >>> import ember as tf, numpy as np
    >>> layer = keras.layers.Lambda(lambda x: tf.reduce_sum(x, axis=-1, keepdims=True))
    >>> layer(np.ones((2, 3))).numpy()
    array([[3.],
           [3.]], dtype=float32)
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ...core import nest
from ...core.shape import TensorShape, as_shape
from ...core.tensor import Tensor
from ...core.variable import Variable
from .. import function_serialization as functions
from .. import serialization_registry as registry
from ..engine.layer import Layer

__all__ = ["Lambda"]


def _wants(fn: Callable, name: str) -> bool:
    """Whether `fn` takes a keyword argument `name` (or **kwargs)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _is_shape(s: Any) -> bool:
    return isinstance(s, TensorShape) or (isinstance(s, (list, tuple)) and all(
        d is None or isinstance(d, int) and not isinstance(d, bool) for d in s))


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer (TF's `keras.layers.Lambda`).

    The function must use ember ops, so the layer runs on data, inside `ember.function`
    and on KerasTensors (where its output shape is found by a shape-only call).

    Args:
        function: the function; it may also take `mask` and `training` keywords, which
            the layer then passes on.
        output_shape: the output shape without the batch axis (a tuple, or a function of
            the input shape returning the full shape); only used by
            `compute_output_shape`. By default the shape is inferred.
        mask: accepted for Keras compatibility; masks are not supported and it is ignored.
        arguments: extra keyword arguments for `function`.

    `get_config` describes `function` by name when it can be found again (an ember op, a
    registered or module-level function) and as Python bytecode otherwise (a lambda);
    loading a file refuses bytecode, and names ember would have to import, unless
    `safe_mode=False` (see `ember/keras/function_serialization.py`).

    Example:
        >>> from ember import keras
        >>> layer = keras.layers.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
        >>> layer([1.0, 2.0]).numpy()
        array([3., 6.], dtype=float32)
    """

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f'Layer "{self.name}" (Lambda): function must be callable, '
                            f"received function={function!r}.")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f'Layer "{self.name}" (Lambda): arguments must be a dict of '
                            f"keyword arguments for the function, received "
                            f"arguments={arguments!r}.")
        if output_shape is not None and not callable(output_shape) and not _is_shape(
                output_shape):
            raise TypeError(f'Layer "{self.name}" (Lambda): output_shape must be a tuple of '
                            f"ints/None (without the batch axis) or a function of the input "
                            f"shape, received output_shape={output_shape!r}.")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self._output_shape = output_shape
        self._pass_mask = _wants(function, "mask")
        self._pass_training = _wants(function, "training")

    def call(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        kwargs = dict(self.arguments)
        if self._pass_mask:
            kwargs["mask"] = mask
        if self._pass_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape: from `output_shape` when given, else a shape-only call.

        Example:
            >>> from ember import keras
            >>> keras.layers.Lambda(lambda x: x, output_shape=(4,)).compute_output_shape(
            ...     (None, 4))
            TensorShape([None, 4])
        """
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            out = self._output_shape(input_shape)
            return nest.map_structure(as_shape, out) if not _is_shape(out) else as_shape(out)
        shapes = [input_shape] if _is_shape(input_shape) else list(input_shape)
        first = tuple(shapes[0]) if shapes else ()
        batch = first[0] if first else None
        return as_shape((batch,) + tuple(self._output_shape))

    def get_config(self) -> dict:
        """Keras 3's Lambda config: `function` (and a callable `output_shape`) as
        `function_serialization.to_config` writes it, a tuple `output_shape`, `arguments`.

        Example:
            >>> from ember import keras
            >>> import ember as tf
            >>> keras.layers.Lambda(tf.math.exp, name="e").get_config()["function"]
            {'module': 'ember', 'class_name': 'function', 'config': 'exp', 'registered_name': 'function'}
        """
        who = f'Layer "{self.name}" (Lambda)'
        config = {**super().get_config(), "function": functions.to_config(self.function, who)}
        out = self._output_shape
        if callable(out):
            config["output_shape"] = functions.to_config(out, who)
        elif out is not None:
            config["output_shape"] = tuple(out)
        config["arguments"] = {k: _encode_argument(v, who) for k, v in self.arguments.items()}
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None,
                    safe_mode: bool | None = None) -> Lambda:
        """A Lambda from `get_config()`'s dict (Keras 3's, or tf.keras 2's with
        `function_type` / `module`).

        A function given by name is looked up in `custom_objects`, the registered objects
        and ember's ops. Python bytecode (a saved lambda) runs only where the user opted
        in: `safe_mode=False` here or in the loading call, or
        `keras.config.enable_unsafe_deserialization()`; as in Keras 3, a direct call
        without either is safe mode. A name that needs importing `module` follows
        `function_serialization.decode`.

        Example:
            >>> from ember import keras
            >>> cfg = keras.layers.Lambda(lambda x: x + 1.0, name="inc").get_config()
            >>> keras.layers.Lambda.from_config(cfg)
            Traceback (most recent call last):
            ...
            ValueError: Layer "inc" (Lambda): the config holds a Python lambda as bytecode, ...
            >>> keras.layers.Lambda.from_config(cfg, safe_mode=False)([1.0]).numpy()
            array([2.], dtype=float32)
        """
        if not isinstance(config, dict):
            raise ValueError(f"Lambda.from_config: expected the dict of get_config(), "
                             f"received {type(config).__name__}.")
        config = dict(config)
        who = 'Layer "%s" (Lambda)' % config.get("name", "lambda")
        if safe_mode is None:
            safe_mode = registry.in_safe_mode()
        fn = config.get("function")
        module = config.pop("module", None)
        fn_type = config.pop("function_type", None)
        out_type = config.pop("output_shape_type", None)
        out_module = config.pop("output_shape_module", None)
        out = config.get("output_shape")
        out_is_fn = not callable(out) and (isinstance(out, dict) or out_type is not None and (
            out_type == "lambda" or isinstance(out, str)))
        if safe_mode is not False and (
                not callable(fn) and functions.is_bytecode(fn, fn_type)
                or out_is_fn and functions.is_bytecode(out, out_type)):
            raise functions._refuse(who, "holds a Python lambda as bytecode")
        # an explicit safe_mode holds for the names too; else the enclosing call's rule
        with registry.safe_mode_scope(safe_mode) if safe_mode is not None else \
                contextlib.nullcontext():
            if not callable(fn):
                config["function"] = functions.decode(fn, fn_type, module, custom_objects,
                                                      who)
            if out_is_fn:
                config["output_shape"] = functions.decode(out, out_type, out_module,
                                                          custom_objects, who)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        arguments = config.get("arguments")
        if isinstance(arguments, dict):
            config["arguments"] = {k: _decode_argument(v, who) for k, v in arguments.items()}
        return cls(**config)


_ARRAYS = ("__tensor__", "__numpy__")


def _encode_argument(value: Any, who: str) -> Any:
    """An `arguments` value for the config: arrays and tensors as Keras 3 writes them."""
    from ..engine import op_serialization
    if isinstance(value, (np.ndarray, Tensor)) and not isinstance(value, Variable):
        return op_serialization.encode(value, who)
    return value


def _decode_argument(value: Any, who: str) -> Any:
    from ..engine import op_serialization
    if isinstance(value, dict) and value.get("class_name") in _ARRAYS:
        return op_serialization.decode(value, who)
    return value
