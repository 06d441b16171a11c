"""`ember.profiler`: TF's `tf.profiler` (its `experimental` API: `start`, `stop`,
`Profile`, `Trace`, `ProfilerOptions`). See `ember.profiler.experimental`.

Example:
    >>> import tempfile
    >>> import ember as tf
    >>> with tf.profiler.experimental.Profile(tempfile.mkdtemp()):
    ...     _ = tf.ones([2]) + 1.0
"""

from . import experimental

__all__ = ["experimental"]
