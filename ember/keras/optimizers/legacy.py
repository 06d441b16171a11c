"""`keras.optimizers.legacy`: tf.keras 2's names for the optimizers, kept for old code.

In ember these are the same classes as `keras.optimizers.*` (Keras 3 formulas); the
legacy-only `decay=` argument is refused with a pointer to learning-rate schedules.

Example:
    >>> from ember import keras
    >>> keras.optimizers.legacy.Adam is keras.optimizers.Adam
    True
"""

from __future__ import annotations

from .adagrad import Adadelta, Adagrad
from .adam import Adam
from .adamax import Adamax, Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD


def __getattr__(name: str) -> None:
    if name == "Ftrl":
        raise NotImplementedError("keras.optimizers.legacy.Ftrl is not implemented in "
                                  "ember; use Adagrad or Adam.")
    raise AttributeError(f"module 'keras.optimizers.legacy' has no attribute {name!r}.")


__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "Nadam", "Optimizer", "RMSprop"]
