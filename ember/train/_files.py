"""What both checkpoint readers (ember's format, `_format`, and TF's TensorBundle,
`_tf_bundle`) share: the error for a damaged file, and reading a value's byte range.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.data-00000-of-00001")
    >>> _ = open(path, "wb").write(b"0123456789")
    >>> read_range(path, 2, 3, "ckpt.index", "'w'")
    b'234'
"""

from __future__ import annotations

from ..core.errors import NotFoundError
from ..keras.saving.weights_file import DamagedFileError

__all__ = ["damaged", "read_range", "NotFoundError"]


def damaged(path: str, why: str) -> DamagedFileError:
    """The error for a checkpoint file that doesn't hold what its index says."""
    return DamagedFileError(f"tf.train checkpoint: {path!r} is damaged ({why}); nothing was "
                            f"restored. Use another checkpoint, or save it again.")


def read_range(path: str, offset: int, size: int, index: str, what: str) -> bytes:
    """`size` bytes at `offset` of data file `path` (of the checkpoint whose index is
    `index`): NotFoundError if the file is missing, DamagedFileError if it is short."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            raw = f.read(size)
    except FileNotFoundError:
        raise NotFoundError(f"tf.train checkpoint: the data file {path!r} of {index!r} is "
                            f"missing.") from None
    if len(raw) != size:
        raise damaged(path, f"{what} is cut short: {len(raw)} of {size} bytes")
    return raw
