"""`tf.autograph.experimental`: loop options and conversion switches.

Example:
    >>> import ember as tf
    >>> @tf.function
    ... def grow(n):
    ...     x = tf.zeros([0])
    ...     for i in tf.range(n):
    ...         tf.autograph.experimental.set_loop_options(
    ...             shape_invariants=[(x, tf.TensorShape([None]))])
    ...         x = tf.concat([x, [tf.cast(i, tf.float32)]], 0)
    ...     return x
    >>> grow(tf.constant(3)).numpy()
    array([0., 1., 2.], dtype=float32)
"""

from __future__ import annotations

import enum
from typing import Any


class Feature(enum.Enum):
    """AutoGraph's optional features (accepted, all behave as ALL)."""
    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def set_loop_options(parallel_iterations: Any = None, swap_memory: Any = None,
                     maximum_iterations: Any = None, shape_invariants: Any = None) -> None:
    """Options of the loop whose body starts with this call (read by the converter;
    `shape_invariants` is a list of `(variable, TensorShape)`). A no-op when run."""


def do_not_convert(func: Any = None) -> Any:  # replaced by ember.autograph's at import
    return func
