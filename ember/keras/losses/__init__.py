"""`keras.losses`: loss functions and `Loss` classes (tf.keras 2 names and semantics).

A loss *function* `fn(y_true, y_pred)` returns per-sample losses (usually averaged over
the last axis); a loss *class* wraps it and returns the weighted, reduced loss:

    >>> from ember.keras import losses
    >>> y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
    >>> losses.mse(y_true, y_pred).numpy()
    array([0.5, 0.5], dtype=float32)
    >>> float(losses.MeanSquaredError()(y_true, y_pred, sample_weight=[1.0, 0.0]))
    0.25
    >>> losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    True
"""

from __future__ import annotations

from typing import Any

from .. import serialization
from .categorical import (CategoricalCrossentropy, CategoricalFocalCrossentropy,
                          SparseCategoricalCrossentropy, categorical_crossentropy,
                          categorical_focal_crossentropy, sparse_categorical_crossentropy)
from .hinge import (CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge,
                    squared_hinge)
from .loss import Loss, LossFunctionWrapper, Reduction, compute_weighted_loss
from .loss_serialization import LOSSES, deserialize, serialize, unknown_loss
from .overlap import Dice, Tversky, dice, tversky
from .probabilistic import (BinaryCrossentropy, BinaryFocalCrossentropy, KLDivergence,
                            Poisson, binary_crossentropy, binary_focal_crossentropy,
                            kl_divergence, poisson)
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error,
                         mean_squared_error, mean_squared_logarithmic_error)

# tf.keras's short names: the same function objects (so `serialize` gives the long name).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

_CLASSES = (Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh,
            CosineSimilarity, BinaryCrossentropy, BinaryFocalCrossentropy,
            CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge, SquaredHinge,
            CategoricalHinge, Dice, Tversky)
_FUNCTIONS = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity,
              binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
              categorical_focal_crossentropy, sparse_categorical_crossentropy,
              kl_divergence, poisson, hinge, squared_hinge, categorical_hinge, dice,
              tversky)
_ALIASES = {"mse": mse, "MSE": MSE, "mae": mae, "MAE": MAE, "mape": mape, "MAPE": MAPE,
            "msle": msle, "MSLE": MSLE, "kld": kld, "KLD": KLD,
            "kullback_leibler_divergence": kl_divergence, "logcosh": log_cosh}

_ALL: dict[str, Any] = {**{c.__name__: c for c in _CLASSES},
                        **{f.__name__: f for f in _FUNCTIONS}, **_ALIASES}

LOSSES.update(_ALL)  # what serialize / deserialize know by name

__all__ = sorted(_ALL) + ["Reduction", "compute_weighted_loss", "get", "serialize",
                          "deserialize"]


def get(identifier: Any) -> Any:
    """A loss from an identifier: None -> None, a name or config dict -> `deserialize`, a
    `Loss` class -> an instance, a callable (a `Loss` or a function) -> itself.

    Example:
        >>> from ember.keras import losses
        >>> losses.get("SparseCategoricalCrossentropy")
        SparseCategoricalCrossentropy(reduction='sum_over_batch_size', name='sparse_categorical_crossentropy', from_logits=False, ignore_class=None, axis=-1)
        >>> losses.get("mse") is losses.mean_squared_error
        True
    """
    return serialization.get_object(identifier, deserialize, Loss, unknown_loss)
