"""Activation functions (`keras.activations`), written with ember ops only.

Every function takes a tensor (Tensor, Variable, a symbolic tensor inside
`ember.function`, or a KerasTensor) and returns one of the same shape and dtype, so each
is differentiated by the tape and traced like any other composite op.

`get` turns an identifier into a function: None -> `linear` (as Keras), a name such as
'relu' -> the function, a callable -> itself. `serialize` gives the function's name and
`deserialize` reverses it.

Example:
    >>> import ember as tf
    >>> from ember.keras import activations
    >>> activations.get("relu")(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ember as tf
from ember.core.tensor import TensorOps

from .serialization_registry import get_registered_name, merged

__all__ = [
    "relu", "sigmoid", "softmax", "tanh", "linear", "gelu", "silu", "swish", "elu", "selu",
    "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu",
    "hard_swish", "exponential", "log_softmax", "mish", "get", "serialize", "deserialize",
]


def _as_tensor(x: Any) -> Any:
    """`x` itself if it is an ember tensor of any kind (symbolic ones included), else
    `x` converted to a Tensor."""
    return x if isinstance(x, TensorOps) else tf.convert_to_tensor(x)


def relu(x: Any, alpha: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Any:
    """Rectified linear unit, with Keras's optional leak, saturation and threshold.

    With the defaults this is `max(x, 0)`. Otherwise (Keras 2's definition): values above
    `threshold` pass, the rest become 0; the result is clipped to `[0, max_value]` when
    `max_value` is given; then `alpha * (threshold - x)` is subtracted where
    `x < threshold`.

    Args:
        x: input tensor.
        alpha: slope below the threshold.
        max_value: saturation value (the largest output), or None.
        threshold: values at or below it are damped (to 0, or by `alpha`).

    Returns:
        A tensor of `x`'s shape and dtype.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> x = tf.constant([-10.0, -5.0, 0.0, 5.0, 10.0])
        >>> activations.relu(x, alpha=0.5, max_value=6.0).numpy()
        array([-5. , -2.5,  0. ,  5. ,  6. ], dtype=float32)
    """
    x = _as_tensor(x)
    if threshold != 0:
        y = tf.where(tf.greater(x, threshold), x, 0)
    else:
        y = tf.nn.relu(x)
    if max_value is not None:
        y = tf.minimum(tf.maximum(y, 0), max_value)
    if alpha != 0:
        below = tf.nn.relu(tf.subtract(threshold, x) if threshold != 0 else tf.negative(x))
        y = tf.subtract(y, tf.multiply(below, alpha))
    return y


def sigmoid(x: Any) -> Any:
    """`1 / (1 + exp(-x))`, stable for large |x|.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.sigmoid(tf.constant([-100.0, 0.0, 100.0])).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    return tf.math.sigmoid(_as_tensor(x))


def _axes(x: Any, axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def softmax(x: Any, axis: int | tuple = -1) -> Any:
    """`exp(x) / sum(exp(x), axis)`, computed stably; `axis` may be a tuple of axes.

    Unlike Keras 2 (which rejects 1-D input), a 1-D tensor is normalised along its only
    axis, as in Keras 3.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.softmax(tf.constant([[0.0, 0.0], [0.0, 1000.0]])).numpy()
        array([[0.5, 0.5],
               [0. , 1. ]], dtype=float32)
    """
    x = _as_tensor(x)
    axis = _axes(x, axis)
    if isinstance(axis, tuple):
        z = tf.subtract(x, tf.stop_gradient(tf.reduce_max(x, axis, keepdims=True)))
        e = tf.exp(z)
        return tf.divide(e, tf.reduce_sum(e, axis, keepdims=True))
    return tf.nn.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int | tuple = -1) -> Any:
    """`x - log(sum(exp(x), axis))`, computed stably; `axis` may be a tuple of axes.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.log_softmax(tf.constant([0.0, 1000.0])).numpy()
        array([-1000.,     0.], dtype=float32)
    """
    x = _as_tensor(x)
    axis = _axes(x, axis)
    if isinstance(axis, tuple):
        z = tf.subtract(x, tf.stop_gradient(tf.reduce_max(x, axis, keepdims=True)))
        return tf.subtract(z, tf.math.log(tf.reduce_sum(tf.exp(z), axis, keepdims=True)))
    return tf.nn.log_softmax(x, axis=axis)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.tanh(tf.constant([0.0, 100.0])).numpy()
        array([0., 1.], dtype=float32)
    """
    return tf.math.tanh(_as_tensor(x))


def linear(x: Any) -> Any:
    """The identity: returns `x` unchanged (the activation of `get(None)`).

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.linear(tf.constant([-1.0, 2.0])).numpy()
        array([-1.,  2.], dtype=float32)
    """
    return x


def gelu(x: Any, approximate: bool = False) -> Any:
    """Gaussian error linear unit `x * Phi(x)`; the tanh approximation if `approximate`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.gelu(tf.constant([0.0, 10.0])).numpy()
        array([ 0., 10.], dtype=float32)
    """
    return tf.nn.gelu(_as_tensor(x), approximate=approximate)


def silu(x: Any) -> Any:
    """SiLU, also called swish: `x * sigmoid(x)`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.silu(tf.constant([0.0, 100.0])).numpy()
        array([  0., 100.], dtype=float32)
    """
    return tf.nn.silu(_as_tensor(x))


swish = silu


def elu(x: Any, alpha: float = 1.0) -> Any:
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.elu(tf.constant([-100.0, 0.0, 2.0]), alpha=0.5).numpy()
        array([-0.5,  0. ,  2. ], dtype=float32)
    """
    y = tf.nn.elu(_as_tensor(x))
    if alpha == 1.0:
        return y
    return tf.where(tf.greater(y, 0), y, tf.multiply(y, alpha))


def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507).

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> round(float(activations.selu(tf.constant(1.0))), 4)
        1.0507
    """
    return tf.nn.selu(_as_tensor(x))


def softplus(x: Any) -> Any:
    """`log(exp(x) + 1)`, stable for large |x|.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.softplus(tf.constant([-20.0, 100.0])).numpy() > [0.0, 99.0]
        array([ True,  True])
    """
    return tf.math.softplus(_as_tensor(x))


def softsign(x: Any) -> Any:
    """`x / (abs(x) + 1)`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.softsign(tf.constant([-3.0, 1.0])).numpy()
        array([-0.75,  0.5 ], dtype=float32)
    """
    return tf.nn.softsign(_as_tensor(x))


def leaky_relu(x: Any, negative_slope: float = 0.2, alpha: float | None = None) -> Any:
    """`x` where positive, else `negative_slope * x` (Keras 3's name; `alpha` is TF's).

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.leaky_relu(tf.constant([-1.0, 2.0])).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    slope = negative_slope if alpha is None else alpha
    return tf.nn.leaky_relu(_as_tensor(x), alpha=slope)


def relu6(x: Any) -> Any:
    """`min(max(x, 0), 6)`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.relu6(tf.constant([-1.0, 3.0, 8.0])).numpy()
        array([0., 3., 6.], dtype=float32)
    """
    return tf.nn.relu6(_as_tensor(x))


def hard_sigmoid(x: Any) -> Any:
    """Piecewise-linear sigmoid, Keras 3's definition: `relu6(x + 3) / 6` (slope 1/6,
    0 at or below -3, 1 at or above 3; nan stays nan).

    NOTE: Keras 2 (tf.keras up to TF 2.15) used `clip(0.2 * x + 0.5, 0, 1)`; TF 2.21's
    tf.keras is Keras 3, which ember follows, so hard_sigmoid(-1) is 1/3, not 0.3.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.hard_sigmoid(tf.constant([-3.0, -1.5, 0.0, 1.5, 3.0])).numpy()
        array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    x = _as_tensor(x)
    return tf.divide(tf.nn.relu6(tf.add(x, 3)), 6)


def hard_silu(x: Any) -> Any:
    """Hard SiLU / hard swish (MobileNetV3): `x * relu6(x + 3) / 6`.

    This is Keras 3's `hard_silu`: `x * hard_sigmoid(x)`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.hard_silu(tf.constant([-4.0, 0.0, 3.0, 4.0])).numpy()
        array([-0.,  0.,  3.,  4.], dtype=float32)
    """
    x = _as_tensor(x)
    return tf.multiply(x, tf.divide(tf.nn.relu6(tf.add(x, 3)), 6))


hard_swish = hard_silu


def exponential(x: Any) -> Any:
    """`exp(x)`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.exponential(tf.constant([0.0])).numpy()
        array([1.], dtype=float32)
    """
    return tf.exp(_as_tensor(x))


def mish(x: Any) -> Any:
    """Mish: `x * tanh(softplus(x))`.

    Example:
        >>> import ember as tf
        >>> from ember.keras import activations
        >>> activations.mish(tf.constant([0.0, 100.0])).numpy()
        array([  0., 100.], dtype=float32)
    """
    x = _as_tensor(x)
    return tf.multiply(x, tf.math.tanh(tf.math.softplus(x)))


_BUILTINS: dict[str, Callable] = {
    fn.__name__: fn for fn in (
        relu, sigmoid, softmax, log_softmax, tanh, linear, gelu, silu, elu, selu, softplus,
        softsign, leaky_relu, relu6, hard_sigmoid, hard_silu, exponential, mish)
}
_ALIASES = {"swish": silu, "hard_swish": hard_silu}
_ALL = {**_BUILTINS, **_ALIASES}


def _unknown(identifier: Any) -> ValueError:
    names = ", ".join(sorted(_ALL))
    return ValueError(f"Could not interpret activation function identifier: {identifier!r}. "
                      f"Pass one of the names {names}, a callable, or None (linear).")


def serialize(activation: Callable | None) -> str | dict | None:
    """The name of an activation function (Keras 2's legacy format), e.g. 'relu'.

    Args:
        activation: a built-in activation, or any named function.

    Returns:
        The function's name (`swish` gives 'silu', `hard_swish` 'hard_silu'); None gives
        None; an object with `get_config` gives a `{"class_name", "config"}` dict.

    Example:
        >>> from ember.keras import activations
        >>> activations.serialize(activations.relu)
        'relu'
    """
    if activation is None:
        return None
    if hasattr(activation, "get_config") and not isinstance(activation, type):
        return {"class_name": get_registered_name(type(activation)),
                "config": activation.get_config()}
    name = getattr(activation, "__name__", None)
    if name and name != "<lambda>":
        name = get_registered_name(activation)
    if not callable(activation) or not name or name == "<lambda>":
        raise ValueError(f"Cannot serialize activation {activation!r}: pass a built-in "
                         f"activation or a named function.")
    return name


def deserialize(name: Any, custom_objects: dict | None = None) -> Callable:
    """The activation function named `name` ('relu', ...), looked up in `custom_objects`
    first.

    A dict `{"class_name": "relu"}` (or Keras 3's `{"class_name": "function",
    "config": "relu"}`) is accepted too.

    Example:
        >>> from ember.keras import activations
        >>> activations.deserialize("gelu") is activations.gelu
        True
    """
    custom_objects = merged(custom_objects)
    if isinstance(name, dict):
        if "class_name" not in name:
            raise _unknown(name)
        key = name["class_name"]
        if key == "function" and isinstance(name.get("config"), str):
            key = name["config"]
        elif key in custom_objects and isinstance(custom_objects[key], type):
            return custom_objects[key](**name.get("config", {}))
        return deserialize(key, custom_objects)
    if isinstance(name, str):
        if name in custom_objects:
            return custom_objects[name]
        if name in _ALL:
            return _ALL[name]
    raise _unknown(name)


def get(identifier: Any) -> Callable:
    """An activation function from an identifier: None -> `linear`, a name or dict ->
    `deserialize`, a callable -> itself.

    Example:
        >>> from ember.keras import activations
        >>> activations.get(None) is activations.linear, activations.get("swish").__name__
        (True, 'silu')
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise _unknown(identifier)
