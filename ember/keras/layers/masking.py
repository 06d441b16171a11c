"""`keras.layers.Masking`: marks padded time steps so that later layers skip them.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    >>> y = keras.layers.Masking(mask_value=0.0)(x)
    >>> y._keras_mask.numpy()
    array([[ True, False,  True]])
"""

from __future__ import annotations

from typing import Any

from ...ops import creation_ops, reduce_ops
from ...prims.convert import cast
from ...prims.math import not_equal, where
from ..engine.layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Masks the time steps whose features all equal `mask_value` (TF's
    `keras.layers.Masking`).

    For inputs `(batch, steps, features)` the mask is `any(x != mask_value, axis=-1)`:
    a step is kept when at least one feature differs. The output is the input with the
    masked steps set to zero, and carries the mask (`_keras_mask`), which layers such as
    LSTM / GRU / SimpleRNN and GlobalAveragePooling1D use.

    Args:
        mask_value: the padding value (default 0.0).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> x = np.array([[[5.0], [-1.0], [2.0]]])
        >>> keras.layers.Masking(mask_value=-1.0)(x).numpy()[0, :, 0]
        array([5., 0., 2.], dtype=float32)
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        try:
            self.mask_value = float(mask_value)
        except (TypeError, ValueError):
            raise TypeError(f'Masking "{self.name}": mask_value must be a number, received '
                            f"{mask_value!r}.") from None
        self.supports_masking = True

    def _keep(self, inputs: Any, keepdims: bool) -> Any:
        return reduce_ops.reduce_any(not_equal(inputs, cast(self.mask_value, inputs.dtype)),
                                     -1, keepdims=keepdims)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self._keep(inputs, False)

    def call(self, inputs: Any) -> Any:
        # NOTE: a `where`, not `inputs * mask`: masked steps are +0.0 (a product gives
        # -0.0 for negative padding values).
        return where(self._keep(inputs, True), inputs, creation_ops.zeros_like(inputs))

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
