"""`keras.Operation`: the base class of a user-defined op, as Keras 3's.

A subclass defines `call` (the computation on tensors) and may define
`compute_output_spec` (the output KerasTensors for input KerasTensors; by default `call`
is run on the KerasTensors, which ember's ops support). Calling the op on tensors runs
`call`; calling it on KerasTensors computes the output spec and records the call in the
functional graph, so `keras.Model(inputs, op(x))` runs the op.

How: the graph is made of layers, so each Operation owns a small adapter layer
(`OperationLayer`, named after the op) whose `call` is the op's `call` and whose symbolic
call uses the op's `compute_output_spec`; the adapter's node is the op's node. Layers are
Operations too (`isinstance(keras.layers.Dense(1), keras.Operation)`), as in Keras 3.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> class Double(keras.Operation):
    ...     def call(self, x):
    ...         return x * 2.0
    >>> Double()(keras.ops.ones(2)).numpy()
    array([2., 2.], dtype=float32)
    >>> x = keras.Input((3,))
    >>> y = Double()(x)
    >>> y.shape, keras.Model(x, y)(np.ones((1, 3))).numpy()
    (TensorShape([None, 3]), array([[2., 2., 2.]], dtype=float32))
"""

from __future__ import annotations

from abc import ABCMeta
from typing import Any

from ..core import nest
from .engine.auto_config import constructor_config
from .engine.keras_tensor import KerasTensor, spec_only
from .engine.layer import Layer
from .engine.naming import to_snake_case, unique_name
from .traceback_utils import filter_traceback

__all__ = ["Operation", "as_layer"]


class Operation(metaclass=ABCMeta):
    """Base class of an op: subclass it and define `call` (and, optionally,
    `compute_output_spec`). See the module docstring.

    Example:
        >>> from ember import keras
        >>> class AddOne(keras.Operation):
        ...     def call(self, x):
        ...         return x + 1
        >>> op = AddOne(name="add_one")
        >>> op.name, int(op(1))
        ('add_one', 2)
    """

    _config_kind = "Operation"  # how auto_config's errors name it

    def __new__(cls, *args: Any, **kwargs: Any) -> "Operation":
        obj = super().__new__(cls)
        obj._init_args = (args, kwargs)  # get_config's default (as Keras 3's Operation)
        return obj

    def __init__(self, name: str | None = None):
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a string without '/', "
                             f"received name={name!r}.")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._layer: OperationLayer | None = None

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The computation on tensors; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define call(self, ...), the "
                                  f"computation of the op.")

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """The output KerasTensor(s) for input KerasTensors; by default `call` runs on them
        (shapes and dtypes only). Override it when `call` can't run symbolically, returning
        e.g. `keras.KerasTensor(shape, dtype)`."""
        with spec_only():
            return self.call(*args, **kwargs)

    @filter_traceback
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, KerasTensor) for a in nest.flatten((args, kwargs))):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args: Any, **kwargs: Any) -> Any:
        """The call on KerasTensors: the outputs of `compute_output_spec`, recorded in the
        functional graph (as a node of the op's adapter layer)."""
        if not args:
            raise TypeError(f'Operation "{self.name}": pass the tensor inputs positionally, '
                            f"e.g. op(x).")
        return as_layer(self)(*args, **kwargs)

    def get_config(self) -> dict:
        """The constructor's arguments by name, as Keras 3's Operation: those given,
        with `__init__`'s defaults, and `name`. Only plain values (str, int, float, bool,
        None, lists/tuples/dicts of them) are kept this way; a subclass taking anything
        else defines its own `get_config`, or this raises NotImplementedError saying so.

        Example:
            >>> from ember import keras
            >>> class Power(keras.Operation):
            ...     def __init__(self, p=2, name=None):
            ...         super().__init__(name=name)
            ...         self.p = p
            ...     def call(self, x):
            ...         return x ** self.p
            >>> Power(3, name="cube").get_config()
            {'name': 'cube', 'p': 3}
        """
        if type(self).__init__ is Operation.__init__:
            return {"name": self.name}
        config, keep_name = constructor_config(self)
        return {"name": self.name, **config} if keep_name else config

    @classmethod
    def from_config(cls, config: dict) -> "Operation":
        """The op rebuilt from `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<Operation name={self.name}>"


Operation.register(Layer)  # a Layer is an Operation, as in Keras 3


class OperationLayer(Layer):
    """The layer that stands for an Operation in a functional graph (see the module
    docstring): no weights, no autocast; `call` is the op's."""

    def __init__(self, op: Operation):
        super().__init__(name=op.name, autocast=False)
        self.op = op
        self.built = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, KerasTensor) for a in nest.flatten((args, kwargs))):
            return self.op.compute_output_spec(*args, **kwargs)
        return self.op.call(*args, **kwargs)

    @property
    def config_source(self) -> Operation:
        """What a config describes: the op (its class and `get_config`), as Keras 3 saves
        an Operation in a functional model."""
        return self.op

    def get_config(self) -> dict:
        """The op's `get_config()` (a file names the op's class, see `config_source`)."""
        try:
            return self.op.get_config()
        except NotImplementedError:
            raise
        except Exception as e:  # noqa: BLE001 - the user's get_config: say whose it is
            raise NotImplementedError(
                f'Operation "{self.op.name}" ({type(self.op).__name__}) in a functional '
                f"model: its get_config() raised {type(e).__name__}: {e}. Define "
                f"get_config returning its constructor's arguments, or save the weights "
                f"only (model.save_weights).") from e


def as_layer(op: Operation) -> OperationLayer:
    """The layer standing for `op` in a functional graph (made once per op).

    Example:
        >>> from ember import keras
        >>> class Neg(keras.Operation):
        ...     def call(self, x):
        ...         return -x
        >>> op = Neg()
        >>> as_layer(op) is as_layer(op), as_layer(op).op is op
        (True, True)
    """
    if op._layer is None:
        op._layer = OperationLayer(op)
    return op._layer
