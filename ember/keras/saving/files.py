"""Writing a file so that a crash or a kill never leaves a half-written one, and the
error every damaged file gives.

`replacing(path)` writes to `.NAME.<pid>.<hex>.tmp` beside the target, fsyncs and renames
it over the target; before that it removes the temporary files of earlier saves to the
same target whose writer process is dead (a save killed by SIGKILL).

Example:
    >>> import os, tempfile
    >>> from ember.keras.saving.files import replacing
    >>> path = os.path.join(tempfile.mkdtemp(), "f.bin")
    >>> with replacing(path) as f:
    ...     _ = f.write(b"data")
    >>> open(path, "rb").read()
    b'data'
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
import uuid
import zipfile
import zlib
from typing import Any, Iterator

__all__ = ["READ_ERRORS", "DamagedFileError", "damaged", "read_member", "replacing"]

# What reading a damaged or hostile zip can raise besides our own errors: BadZipFile
# (bad CRC, bad headers), zlib.error (bad deflate data), NotImplementedError (a flipped
# compression method), RuntimeError (a flipped encryption bit), EOFError / struct.error
# (truncation), OverflowError / ValueError (absurd sizes and offsets).
READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
                RuntimeError, EOFError, struct.error, OverflowError, ValueError, OSError,
                KeyError, UnicodeDecodeError)



class DamagedFileError(ValueError):
    """A weights file or model archive that is truncated, corrupted or not what it claims.

    A ValueError (what Keras raises for a bad file), with the file and what is wrong.
    """



def damaged(who: str, path: str, why: str) -> DamagedFileError:
    """The error for a damaged file: who read it, the file, what is wrong."""
    return DamagedFileError(f"{who}: {path!r} is damaged ({why}); nothing was loaded and "
                            f"the model is unchanged. Save the file again, or restore it "
                            f"from a copy.")


def read_member(z: zipfile.ZipFile, name: str, limit: int, who: str, path: str) -> bytes:
    """The bytes of zip member `name`, refusing a member declared larger than `limit`
    (zipfile never reads past the declared size, so this bounds the memory a hostile file
    takes); any failure to read it is a `DamagedFileError`."""
    try:
        info = z.getinfo(name)
        if info.file_size > limit:
            raise damaged(who, path, f"its member {name} claims {info.file_size} bytes, more "
                                     f"than the {limit} it can hold")
        return z.read(info)
    except DamagedFileError:
        raise
    except READ_ERRORS as e:
        raise damaged(who, path, f"reading {name} failed: {e}") from e

def as_path(who: str, filepath: Any) -> str:
    """`filepath` (a str or os.PathLike) as a str; a TypeError naming `who` otherwise.

    Example:
        >>> import pathlib
        >>> as_path("save", pathlib.Path("m.keras"))
        'm.keras'
    """
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(f"{who}: filepath must be a str or os.PathLike, received "
                        f"{filepath!r} (type {type(filepath).__name__}).") from None


_ACTIVE: set = set()  # temporary files this process is writing now
_ACTIVE_LOCK = threading.Lock()
_LEGACY_AGE_S = 3600.0  # temporary files of older ember versions (no pid in the name)


def _alive(pid: int) -> bool:
    """Whether process `pid` may still be writing (True when it can't be told)."""
    if os.name == "nt":  # NOTE: os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. another user's process
    return True


def _remove_stale(parent: str, base: str) -> None:
    """Removes temporary files of earlier saves to `base` whose writer died (killed mid
    save); a live writer's file (another thread, another process) is left alone."""
    prefix = f".{base}."
    try:
        names = [n for n in os.listdir(parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for name in names:
        full = os.path.join(parent, name)
        parts = name[len(prefix):-len(".tmp")].split(".")
        with _ACTIVE_LOCK:
            if full in _ACTIVE:
                continue
        try:
            if len(parts) == 2 and parts[0].isdigit():  # .NAME.<pid>.<hex>.tmp
                pid = int(parts[0])
                stale = not _alive(pid) or (
                    os.name == "nt" and now - os.path.getmtime(full) > 24 * _LEGACY_AGE_S)
            elif len(parts) == 1 and len(parts[0]) == 12:  # .NAME.<hex>.tmp (older ember)
                stale = now - os.path.getmtime(full) > _LEGACY_AGE_S
            else:
                continue
            if stale:
                os.remove(full)
        except OSError:
            continue  # gone already, or not ours to remove


@contextlib.contextmanager
def replacing(path: str) -> Iterator[Any]:
    """A new binary file next to `path`, renamed over it once the block has written it
    (flushed and fsynced first); if the block fails, the file is removed and `path` keeps
    its old contents. Temporary files that killed earlier saves to `path` left behind
    are removed first.

    Example:
        >>> import os, tempfile
        >>> from ember.keras.saving.weights_file import replacing
        >>> path = os.path.join(tempfile.mkdtemp(), "f.bin")
        >>> with replacing(path) as f:
        ...     _ = f.write(b"new")
        >>> open(path, "rb").read(), os.listdir(os.path.dirname(path))
        (b'new', ['f.bin'])
    """
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(path)
    _remove_stale(parent, base)
    tmp = os.path.join(parent, f".{base}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    # NOTE: os.open with mode 0o666 lets the umask decide the permissions, as for any new
    # file (tempfile's files are 0o600, which os.replace would carry over).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    with _ACTIVE_LOCK:
        _ACTIVE.add(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(tmp)
