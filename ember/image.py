"""`ember.image`: TF's `tf.image` namespace."""

from .ops.image_ops import *  # noqa: F401,F403
