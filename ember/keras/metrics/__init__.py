"""`keras.metrics`: streaming metrics and per-sample metric functions (tf.keras 2 names
and semantics).

A metric object accumulates statistics over batches in non-trainable Variables:
`update_state(y_true, y_pred, sample_weight=None)` adds a batch, `result()` gives the
value, `reset_state()` starts over, and calling it does both of the first two. Updates
use `assign_add`, so metrics also work inside `ember.function`.

`get` turns an identifier into a metric: a class name ('AUC', 'Precision'), the snake_case
name of a class ('auc', 'precision', 'f1_score') or 'acc' / 'accuracy' give a new
instance; a function name or alias ('binary_accuracy', 'mse', 'mae', 'mape', 'msle',
'kld', 'logcosh', 'categorical_crossentropy', ...) gives the per-sample function, which
`MeanMetricWrapper` turns into a metric.

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.get("auc")
    >>> float(m([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]))
    0.75
    >>> metrics.get("mse") is metrics.mean_squared_error
    True
"""

from __future__ import annotations

from typing import Any, Callable

from .. import serialization
from ..engine.naming import to_snake_case
from ..losses import (binary_crossentropy, binary_focal_crossentropy,
                      categorical_crossentropy, categorical_hinge, hinge, kl_divergence,
                      log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                      mean_squared_error, mean_squared_logarithmic_error, poisson,
                      sparse_categorical_crossentropy, squared_hinge)
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                       SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                       TopKCategoricalAccuracy, accuracy, binary_accuracy,
                       categorical_accuracy, sparse_categorical_accuracy,
                       sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .at_value import (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
                       SpecificityAtSensitivity)
from .auc import AUC
from .base import (METRIC_FUNCTIONS, Mean, MeanMetricWrapper, MeanTensor, Metric, Reduce, Sum,
                   metric_function)  # noqa: F401 - metric_function: keras.metrics' own
from .confusion import (FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                        TruePositives)
from .fscore import F1Score, FBetaScore
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .loss_metrics import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                           Hinge, KLDivergence, LogCoshError, MeanAbsoluteError,
                           MeanAbsolutePercentageError, MeanSquaredError,
                           MeanSquaredLogarithmicError, Poisson,
                           SparseCategoricalCrossentropy, SquaredHinge)
from .regression import (CosineSimilarity, MeanRelativeError, R2Score, RootMeanSquaredError,
                         cosine_similarity)

# tf.keras's short names: the same function objects (so `serialize` gives the long name).
acc = ACC = accuracy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

_CLASSES = (Metric, Reduce, Sum, Mean, MeanMetricWrapper, Accuracy, BinaryAccuracy,
            CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, TruePositives, FalsePositives, TrueNegatives,
            FalseNegatives, Precision, Recall, AUC, FBetaScore, F1Score, MeanSquaredError,
            RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, LogCoshError, Hinge, SquaredHinge,
            CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, CosineSimilarity,
            MeanTensor, MeanRelativeError, R2Score, SensitivityAtSpecificity,
            SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision, IoU, MeanIoU,
            BinaryIoU, OneHotIoU, OneHotMeanIoU)
_FUNCTIONS: dict[str, Callable] = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, log_cosh, binary_crossentropy,
    binary_focal_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    kl_divergence, poisson, hinge, squared_hinge, categorical_hinge)}
_FUNCTIONS.update({"acc": accuracy, "ACC": accuracy, "mse": mse, "MSE": mse, "mae": mae,
                   "MAE": mae, "mape": mape, "MAPE": mape, "msle": msle, "MSLE": msle,
                   "kld": kld, "KLD": kld, "kullback_leibler_divergence": kl_divergence,
                   "logcosh": log_cosh})
METRIC_FUNCTIONS.update(_FUNCTIONS)  # what MeanMetricWrapper configs may name

_ALL: dict[str, Any] = {
    **{to_snake_case(c.__name__): c for c in _CLASSES},
    "fbeta_score": FBetaScore,
    **_FUNCTIONS,
    **{c.__name__: c for c in _CLASSES},
    # 'accuracy' names the generic Accuracy metric (the training code picks binary /
    # categorical accuracy from the loss before it asks here).
    "acc": Accuracy, "accuracy": Accuracy,
}

__all__ = sorted({c.__name__ for c in _CLASSES} | set(_FUNCTIONS)) + [
    "get", "serialize", "deserialize"]


def _unknown(identifier: Any) -> ValueError:
    return ValueError(f"Could not interpret metric identifier: {identifier!r}. Pass a Metric "
                      f"instance or class, a function fn(y_true, y_pred), a config dict, or "
                      f"a name such as 'accuracy', 'auc', 'precision', 'recall', 'mse', "
                      f"'binary_accuracy' or 'SparseCategoricalAccuracy' (all: "
                      f"{', '.join(sorted(_ALL))}).")


def serialize(metric: Any) -> dict | str | None:
    """`{"class_name": ..., "config": metric.get_config()}` for a `Metric`; a function
    gives its name (aliases give the full name), None gives None.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.serialize(metrics.TopKCategoricalAccuracy(k=2, name="top2"))["config"]
        {'name': 'top2', 'dtype': 'float32', 'k': 2}
        >>> metrics.serialize(metrics.mae)
        'mean_absolute_error'
    """
    return serialization.serialize_object(metric, "metric", "Metric")


def deserialize(config: dict | str | None, custom_objects: dict | None = None) -> Any:
    """The metric that `serialize` described: a class name (or its snake_case, or 'acc' /
    'accuracy') or a config dict gives an instance, a function name or alias gives the
    function; `custom_objects` maps extra names to classes or functions.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metrics.deserialize({"class_name": "Precision",
        ...                      "config": {"thresholds": 0.3}}).thresholds
        [0.3]
        >>> metrics.deserialize("msle") is metrics.mean_squared_logarithmic_error
        True
    """
    return serialization.deserialize_object(config, _ALL, custom_objects, _unknown)


def get(identifier: Any) -> Any:
    """A metric from an identifier: None -> None, a name or config dict -> `deserialize`,
    a `Metric` class -> an instance, a callable (a `Metric` or a function) -> itself.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> type(metrics.get("precision")).__name__, type(metrics.get("Recall")).__name__
        ('Precision', 'Recall')
        >>> metrics.get("binary_accuracy") is metrics.binary_accuracy
        True
    """
    return serialization.get_object(identifier, deserialize, Metric, _unknown)
