"""`ember.strings`: the part of TF's `tf.strings` that ember has (issue 16 adds the rest)."""

from .ops.string_ops import as_string, join, length, split, to_number  # noqa: F401
