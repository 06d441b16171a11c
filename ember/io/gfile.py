"""`tf.io.gfile`: file functions on the local filesystem, with TF's names and errors.

Paths may be str, bytes, `os.PathLike` or scalar string tensors. A missing file raises
`ember.errors.NotFoundError` (also a `FileNotFoundError`).

Example:
    >>> import os, tempfile, ember as tf
    >>> d = os.path.join(tempfile.mkdtemp(), "a", "b")
    >>> tf.io.gfile.makedirs(d)
    >>> with tf.io.gfile.GFile(os.path.join(d, "f.txt"), "w") as f:
    ...     _ = f.write("hello")
    >>> tf.io.gfile.listdir(d), tf.io.gfile.exists(os.path.join(d, "f.txt"))
    (['f.txt'], True)
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
from typing import Any

from ..core.errors import NotFoundError


def _p(path: Any) -> str:
    if hasattr(path, "numpy"):
        path = path.numpy()
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    return os.fspath(path)


def exists(path: Any) -> bool:
    """Whether `path` exists."""
    return os.path.exists(_p(path))


def isdir(path: Any) -> bool:
    """Whether `path` is a directory."""
    return os.path.isdir(_p(path))


def glob(pattern: Any) -> list:
    """The paths matching `pattern` (or each of a list of patterns), sorted.

    Example:
        >>> import os, tempfile, ember as tf
        >>> d = tempfile.mkdtemp()
        >>> for n in ("b.csv", "a.csv", "c.txt"):
        ...     open(os.path.join(d, n), "w").close()
        >>> [os.path.basename(p) for p in tf.io.gfile.glob(os.path.join(d, "*.csv"))]
        ['a.csv', 'b.csv']
    """
    if isinstance(pattern, (list, tuple)):
        return sorted({p for pat in pattern for p in glob(pat)})
    pat = _p(pattern)
    return sorted(_glob.glob(pat))


def listdir(path: Any) -> list:
    """The names of the entries of a directory (NotFoundError if it is missing)."""
    p = _p(path)
    if not os.path.isdir(p):
        raise NotFoundError(f"Could not find directory {p}")
    return sorted(os.listdir(p))


def makedirs(path: Any) -> None:
    """Creates a directory and its parents (no error if it exists)."""
    os.makedirs(_p(path), exist_ok=True)


def mkdir(path: Any) -> None:
    """Creates one directory (its parent must exist)."""
    os.mkdir(_p(path))


def remove(path: Any) -> None:
    """Deletes a file (NotFoundError if it is missing)."""
    p = _p(path)
    try:
        os.remove(p)
    except FileNotFoundError:
        raise NotFoundError(f"{p}; No such file or directory") from None


def rmtree(path: Any) -> None:
    """Deletes a directory and everything in it (NotFoundError if it is missing)."""
    p = _p(path)
    if not os.path.exists(p):
        raise NotFoundError(f"{p}; No such file or directory")
    shutil.rmtree(p)


def rename(src: Any, dst: Any, overwrite: bool = False) -> None:
    """Renames `src` to `dst` (an error if `dst` exists, unless `overwrite`)."""
    s, d = _p(src), _p(dst)
    if os.path.exists(d) and not overwrite:
        raise FileExistsError(f"rename: {d} already exists; pass overwrite=True.")
    os.replace(s, d)


def copy(src: Any, dst: Any, overwrite: bool = False) -> None:
    """Copies a file (an error if `dst` exists, unless `overwrite`)."""
    s, d = _p(src), _p(dst)
    if os.path.exists(d) and not overwrite:
        raise FileExistsError(f"copy: {d} already exists; pass overwrite=True.")
    shutil.copyfile(s, d)


def walk(top: Any, topdown: bool = True, onerror: Any = None):
    """`os.walk` over `top`: (dirname, subdirs, filenames) triples."""
    return os.walk(_p(top), topdown=topdown, onerror=onerror)


class _Stat:
    def __init__(self, st: os.stat_result, is_dir: bool):
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = is_dir


def stat(path: Any) -> _Stat:
    """A file's size (`length`), modification time and kind."""
    p = _p(path)
    try:
        return _Stat(os.stat(p), os.path.isdir(p))
    except FileNotFoundError:
        raise NotFoundError(f"{p}; No such file or directory") from None


class GFile:
    """A file object (`tf.io.gfile.GFile`): modes "r", "rb", "w", "wb", "a", "ab"; text
    modes read and write str (UTF-8), binary modes bytes. A context manager.

    Example:
        >>> import os, tempfile, ember as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "t.txt")
        >>> with tf.io.gfile.GFile(path, "w") as f:
        ...     _ = f.write("a\\nb\\n")
        >>> tf.io.gfile.GFile(path).readlines()
        ['a\\n', 'b\\n']
    """

    def __init__(self, name: Any, mode: str = "r"):
        self.name = _p(name)
        self.mode = mode
        if mode not in ("r", "rb", "w", "wb", "a", "ab"):
            raise ValueError(f"GFile: mode must be one of r, rb, w, wb, a, ab; received "
                             f"{mode!r}.")
        binary = "b" in mode
        try:
            self._f = open(self.name, mode, **({} if binary else {"encoding": "utf-8",
                                                                   "newline": ""}))
        except FileNotFoundError:
            raise NotFoundError(f"{self.name}; No such file or directory") from None

    def read(self, n: int = -1) -> Any:
        return self._f.read(n)

    def readline(self) -> Any:
        return self._f.readline()

    def readlines(self) -> list:
        return self._f.readlines()

    def write(self, data: Any) -> Any:
        if "b" not in self.mode and isinstance(data, bytes):
            data = data.decode("utf-8")
        return self._f.write(data)

    def seek(self, offset: int, whence: int = 0) -> Any:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()

    def __iter__(self):
        return iter(self._f)

    def __enter__(self) -> "GFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


Open = GFile

__all__ = ["GFile", "Open", "copy", "exists", "glob", "isdir", "listdir", "makedirs",
           "mkdir", "remove", "rename", "rmtree", "stat", "walk"]
