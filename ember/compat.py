"""`tf.compat`: TF's text helpers (`as_bytes`, `as_text`, `as_str`).

Example:
    >>> import ember as tf
    >>> tf.compat.as_bytes("JFIF"), tf.compat.as_text(b"JFIF")
    (b'JFIF', 'JFIF')
"""

from __future__ import annotations

from typing import Any

__all__ = ["as_bytes", "as_str", "as_text"]


def as_bytes(bytes_or_text: Any, encoding: str = "utf-8") -> bytes:
    """`bytes_or_text` as bytes: str is encoded, bytes / bytearray are returned as bytes.

    Example:
        >>> as_bytes(bytearray(b"ab"))
        b'ab'
    """
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"as_bytes: expected binary or unicode string, received "
                    f"{bytes_or_text!r} (type {type(bytes_or_text).__name__}).")


def as_text(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """`bytes_or_text` as str: bytes are decoded, str is returned as is.

    Example:
        >>> as_text("é".encode())
        'é'
    """
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"as_text: expected binary or unicode string, received "
                    f"{bytes_or_text!r} (type {type(bytes_or_text).__name__}).")


as_str = as_text
