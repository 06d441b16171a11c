"""`tf.signal`: Fourier transforms, framing, windows, spectrograms and cepstra (issue 18).

Example:
    >>> import ember as tf
    >>> hasattr(tf, "signal")
    True
"""

from __future__ import annotations

__all__: list = []
