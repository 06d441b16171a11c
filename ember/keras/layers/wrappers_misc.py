"""Keras 3 layers without a home elsewhere: the `Wrapper` base class, `AlphaDropout` and
`ReversibleEmbedding`.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> emb = keras.layers.ReversibleEmbedding(10, 4)
    >>> h = emb(np.array([[1, 2, 3]]))
    >>> h.shape, emb(h, reverse=True).shape
    (TensorShape([1, 3, 4]), TensorShape([1, 3, 10]))
"""

from __future__ import annotations

from typing import Any

from ...ops import linalg_ops
from ...ops import math_ops as m
from ...ops.shape_ops import transpose
from ...prims.convert import cast
from ...prims.math import tanh
from ..engine.layer import Layer
from .core import Embedding
from .regularization import Dropout, _check_float, _dims, _uniform, _when_training
from .serialization import deserialize, serialize

__all__ = ["AlphaDropout", "ReversibleEmbedding", "Wrapper"]

# SELU's constants: AlphaDropout keeps SELU's mean and variance
_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class Wrapper(Layer):
    """The base class of layers that wrap another layer (Keras' `keras.layers.Wrapper`,
    the base of TimeDistributed and Bidirectional): it keeps the wrapped layer as
    `.layer` (its weights are the wrapper's), builds it with the wrapper, and saves it
    nested in the config (`{"layer": keras.layers.serialize(layer), ...}`).

    It is abstract, as in Keras: a subclass defines `call` (e.g. `self.layer(inputs)`
    and more).

    Args:
        layer: the Layer instance to wrap.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> class Doubled(keras.layers.Wrapper):
        ...     def call(self, inputs):
        ...         return 2.0 * self.layer(inputs)
        >>> w = Doubled(keras.layers.Dense(3, kernel_initializer="ones"))
        >>> w(np.ones((1, 2))).numpy(), len(w.weights), w.get_config()["layer"]["class_name"]
        (array([[4., 4., 4.]], dtype=float32), 2, 'Dense')
    """

    def __init__(self, layer: Layer, **kwargs: Any):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: `layer` must be a keras Layer "
                             f"instance, received {layer!r}. Pass e.g. "
                             f"{type(self).__name__}(keras.layers.Dense(4)).")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
            if self.layer._build_input_shape is None:
                self.layer._build_input_shape = input_shape
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Layer "{self.name}" ({type(self).__name__}): Wrapper is an abstract base '
            f"class; subclass it and define call, e.g. `def call(self, inputs): return "
            f"self.layer(inputs)`, or use TimeDistributed.")

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Wrapper":
        """A new wrapper from `get_config()`'s dict; the wrapped layer is rebuilt by
        `keras.layers.deserialize` (`custom_objects` maps names of your classes).

        Example:
            >>> from ember import keras
            >>> class Same(keras.layers.Wrapper):
            ...     def call(self, x):
            ...         return self.layer(x)
            >>> Same.from_config(Same(keras.layers.Dense(2)).get_config()).layer.units
            2
        """
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        trainable = config.pop("trainable", True)
        out = cls(layer, **config)
        if trainable is False:
            out.trainable = False
        return out


class AlphaDropout(Dropout):
    """Dropout that keeps the mean and variance of its inputs, for SELU networks (TF's
    `keras.layers.AlphaDropout`): while training, a random fraction `rate` of the inputs
    is set to SELU's negative saturation `-alpha * scale`, then everything is mapped by
    the affine `a * x + b` that restores zero mean and unit variance. Otherwise the
    identity.

    Args:
        rate: the fraction of inputs to drop, in [0, 1).
        noise_shape: the shape of the keep/drop mask (None entries: the input's dims).
        seed: an int op seed.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> layer = keras.layers.AlphaDropout(0.2)
        >>> layer(np.ones((1, 3))).numpy()  # not training: the identity
        array([[1., 1., 1.]], dtype=float32)
        >>> y = layer(np.zeros((1, 500)), training=True).numpy()
        >>> len(set(y.ravel().round(4).tolist()))  # kept or dropped
        2
    """

    def call(self, inputs: Any, training: Any = None) -> Any:
        if self.rate == 0:
            return inputs
        noise_shape = self._noise_shape(inputs)
        rate = self.rate
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate

        def dropped() -> Any:
            _check_float(self, inputs)
            u = _uniform(_dims(inputs, noise_shape), inputs.dtype, self.seed)
            keep = cast(m.greater_equal(u, rate), inputs.dtype)
            x = inputs * keep + alpha_p * (1.0 - keep)
            return x * a + b

        return _when_training(training, inputs, dropped)


class ReversibleEmbedding(Embedding):
    """An Embedding that can also project back from `output_dim` to `input_dim` logits
    (Keras 3's `keras.layers.ReversibleEmbedding`, for language models): called with
    `reverse=True` on hidden states `(..., output_dim)`, it returns `hidden @
    embeddings.T` (tied weights) or `hidden @ reverse_embeddings` (`tie_weights=False`,
    a separate `(output_dim, input_dim)` weight), optionally soft-capped to
    `tanh(logits / logit_soft_cap) * logit_soft_cap`.

    Args:
        input_dim, output_dim, embeddings_*, mask_zero: as Embedding.
        tie_weights: reuse the embeddings for the reverse projection (default True).
        reverse_dtype: the dtype of the reverse matmul (default the layer's compute dtype).
        logit_soft_cap: None or a positive float.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> emb = keras.layers.ReversibleEmbedding(3, 2, embeddings_initializer="ones")
        >>> emb(np.array([[0.5, 1.0]]), reverse=True).numpy()
        array([[1.5, 1.5, 1.5]], dtype=float32)
    """

    def __init__(self, input_dim: int, output_dim: int, tie_weights: bool = True,
                 embeddings_initializer: Any = "uniform", embeddings_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False,
                 reverse_dtype: Any = None, logit_soft_cap: Any = None, **kwargs: Any):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        if logit_soft_cap is not None and (
                not isinstance(logit_soft_cap, (int, float)) or isinstance(
                    logit_soft_cap, bool) or logit_soft_cap <= 0):
            raise ValueError(f'Layer "{self.name}" (ReversibleEmbedding): logit_soft_cap '
                             f"must be None or a positive number, received "
                             f"logit_soft_cap={logit_soft_cap!r}.")
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape: Any = None) -> None:
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                "reverse_embeddings", shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer)
        self.built = True

    def call(self, inputs: Any, reverse: bool = False) -> Any:
        if not reverse:
            return super().call(inputs)
        if inputs.shape.rank is not None and inputs.shape[-1] not in (None, self.output_dim):
            raise ValueError(
                f'Layer "{self.name}" (ReversibleEmbedding): reverse=True projects vectors '
                f"of size output_dim={self.output_dim} to input_dim={self.input_dim} "
                f"logits, but the inputs have last dim {inputs.shape[-1]} (input shape "
                f"{tuple(inputs.shape)}). Pass the hidden states, shape (..., "
                f"{self.output_dim}).")
        kernel = transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        dtype = self.reverse_dtype or self.compute_dtype
        logits = linalg_ops.matmul(cast(inputs, dtype), cast(kernel, dtype))
        if self.logit_soft_cap is not None:
            cap = float(self.logit_soft_cap)
            logits = tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The ids' mask with `mask_zero=True` (integer ids); None for the float hidden
        states of a reverse call.

        Example:
            >>> import numpy as np
            >>> from ember import keras
            >>> e = keras.layers.ReversibleEmbedding(4, 2, mask_zero=True)
            >>> e.compute_mask(np.array([[2, 0]])).numpy()
            array([[ True, False]])
        """
        kind = getattr(getattr(inputs, "dtype", None), "is_floating", None)
        if kind is None:  # NumPy data
            kind = getattr(getattr(inputs, "dtype", None), "kind", "") == "f"
        return None if kind else super().compute_mask(inputs, mask)

    def get_config(self) -> dict:
        config = super().get_config()
        if config.get("input_length") is None:
            config.pop("input_length", None)
        config.update(tie_weights=self.tie_weights, reverse_dtype=self.reverse_dtype,
                      logit_soft_cap=self.logit_soft_cap)
        return config
