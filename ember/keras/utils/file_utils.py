"""`keras.utils.get_file`: download a file once into Keras' cache, check it, unpack it.

The cache is Keras' own: `~/.keras/<cache_subdir>/<fname>` (`$KERAS_HOME` instead of
`~/.keras` when that variable is set; `cache_dir=` overrides both), so files that Keras
downloaded are found by ember and the other way round. A file already in the cache is
not downloaded again (unless its hash does not match, or `force_download=True`), so
everything works offline once the files are there; `file://` URLs work too.

Archives (tar, tar.gz, tar.bz2, zip) are unpacked safely: members whose path (or link
target) would land outside the extraction folder are skipped with a warning.

Example:
    >>> import contextlib, io, os, tempfile, pathlib
    >>> from ember import keras
    >>> tmp = tempfile.mkdtemp()
    >>> src = pathlib.Path(tmp, "hello.txt"); _ = src.write_text("hi")
    >>> with contextlib.redirect_stdout(io.StringIO()):  # "Downloading data from ..." + bar
    ...     path = keras.utils.get_file(origin=src.as_uri(), cache_dir=os.path.join(tmp, "cache"))
    >>> os.path.relpath(path, tmp), open(path).read()
    ('cache/datasets/hello.txt', 'hi')
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
from typing import Any

from .progbar import Progbar

__all__ = ["extract_archive", "get_file", "hash_file", "keras_home", "validate_file"]


def keras_home() -> str:
    """The Keras cache root: `$KERAS_HOME` if set, else `~/.keras` (read at each call).

    Example:
        >>> import os
        >>> from ember.keras.utils.file_utils import keras_home
        >>> keras_home() == os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras"))
        True
    """
    env = os.environ.get("KERAS_HOME")
    if env:
        return env
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def _resolve_hasher(algorithm: str, file_hash: str | None = None) -> Any:
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("auto", "md5"):
        return hashlib.md5()
    raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5'. "
                     f"Received: hash_algorithm={algorithm!r}")


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The hex sha256 (or md5) digest of a file, read in chunks.

    Example:
        >>> import tempfile
        >>> from ember.keras.utils.file_utils import hash_file
        >>> f = tempfile.NamedTemporaryFile(delete=False); f.close()
        >>> hash_file(f.name)
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    hasher = _resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = 65535) -> bool:
    """Whether the file's hash equals `file_hash` ('auto': 64 hex digits = sha256, else md5).

    Example:
        >>> import tempfile
        >>> from ember.keras.utils.file_utils import validate_file
        >>> f = tempfile.NamedTemporaryFile(delete=False); f.close()
        >>> validate_file(f.name, "d41d8cd98f00b204e9800998ecf8427e")  # md5 of b""
        True
    """
    hasher = _resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash)


def _inside(base: str, relative: str) -> bool:
    path = os.path.realpath(os.path.join(base, relative))
    try:
        return os.path.commonpath([path, base]) == base
    except ValueError:
        return False


def _safe_tar_members(archive: tarfile.TarFile, base: str) -> Any:
    for info in archive:
        ok = _inside(base, info.name)
        if ok and info.islnk():
            ok = _inside(base, info.linkname)
        elif ok and info.issym():
            dest = os.path.dirname(os.path.join(base, info.name))
            ok = _inside(base, os.path.relpath(os.path.join(dest, info.linkname), base))
        if ok and (info.isdev() or info.isfifo()):
            ok = False
        if ok:
            yield info
        else:
            warnings.warn(f"Skipping unsafe path during archive extraction: {info.name!r} "
                          f"(it would land outside {base!r}).", stacklevel=3)


def _safe_zip_members(archive: zipfile.ZipFile, base: str) -> Any:
    for info in archive.infolist():
        if _inside(base, info.filename):
            yield info
        else:
            warnings.warn(f"Skipping unsafe path during archive extraction: "
                          f"{info.filename!r} (it would land outside {base!r}).",
                          stacklevel=3)


def extract_archive(file_path: str, path: str = ".", archive_format: Any = "auto") -> bool:
    """Unpacks a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`, skipping any
    member that would land outside it. Returns whether the file was an archive of one of
    the formats asked for ('auto' = ["tar", "zip"], None = none).

    Example:
        >>> import io, os, tarfile, tempfile
        >>> from ember.keras.utils.file_utils import extract_archive
        >>> tmp = tempfile.mkdtemp(); arc = os.path.join(tmp, "a.tar.gz")
        >>> with tarfile.open(arc, "w:gz") as t:
        ...     info = tarfile.TarInfo("d/x.txt"); info.size = 2
        ...     t.addfile(info, io.BytesIO(b"ok"))
        >>> extract_archive(arc, os.path.join(tmp, "out"))
        True
        >>> open(os.path.join(tmp, "out", "d", "x.txt")).read()
        'ok'
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats)
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(f"extract_archive: archive_format must be 'auto', 'tar', 'zip', "
                             f"a list of them, or None. Received: {archive_format!r}")
        is_kind = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_kind(file_path):
            continue
        opener = tarfile.open if kind == "tar" else zipfile.ZipFile
        os.makedirs(path, exist_ok=True)
        base = os.path.realpath(path)
        with opener(file_path) as archive:
            try:
                if kind == "zip":
                    archive.extractall(path, members=list(_safe_zip_members(archive, base)))
                else:
                    members = list(_safe_tar_members(archive, base))
                    if sys.version_info >= (3, 12) or hasattr(tarfile, "data_filter"):
                        archive.extractall(path, members=members, filter="data")
                    else:  # pragma: no cover - old Pythons without extraction filters
                        archive.extractall(path, members=members)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                shutil.rmtree(path, ignore_errors=True)
                raise
        return True
    return False


class _DownloadProgress:
    """urlretrieve's reporthook drawing ember's Progbar (bytes)."""

    def __init__(self) -> None:
        self.bar: Progbar | None = None
        self.done = False

    def __call__(self, block: int, block_size: int, total: int) -> None:
        total_or_none = None if total is None or total < 0 else total
        if self.bar is None:
            self.bar = Progbar(total_or_none)
        current = block * block_size
        if total_or_none is None:
            self.bar.update(current)
        elif current < total_or_none:
            self.bar.update(current)
        elif not self.done:
            self.done = True
            self.bar.update(total_or_none)


def _offline_help(origin: str, target: str, extraction_dir: str | None) -> str:
    where = f"put the file at {target}"
    if extraction_dir is not None:
        where += f" (or its unpacked contents in the folder {extraction_dir})"
    return (f"If this machine is offline, download {origin} on another machine and {where}; "
            f"that is the cache Keras and ember share (set the KERAS_HOME environment "
            f"variable or pass cache_dir= to use another folder).")


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: Any = "auto",
             cache_dir: str | None = None, force_download: bool = False) -> str:
    """Downloads `origin` into the cache unless it is already there; returns its path.

    Args:
        fname: the file's name in the cache (default: the last part of the URL). With
            `extract=True`, a name without a dot names the extraction folder (the archive
            is stored as `<fname>_archive`); a name with a dot names the archive (the
            folder is `<name up to the first dot>_extracted`).
        origin: the URL (http(s)://, ftp:// or file://).
        untar: deprecated, same as `extract=True, archive_format="tar"`.
        md5_hash: deprecated, same as `file_hash=..., hash_algorithm="md5"`.
        file_hash: the expected sha256 (64 hex digits) or md5 of the downloaded file.
        cache_subdir: folder under the cache root (an absolute path is used as is).
        hash_algorithm: "auto", "sha256" or "md5".
        extract: unpack the archive (tar, tar.gz, tar.bz2, zip); returns its folder.
        archive_format: "auto", "tar", "zip", a list of them, or None.
        cache_dir: cache root (default `$KERAS_HOME` or `~/.keras`).
        force_download: download again even when the file is cached.

    Returns:
        The path of the file (or of the extraction folder with `extract=True`).

    Raises:
        OSError: the download failed (the message names the URL and where to put the
            file by hand); ValueError: the downloaded file's hash does not match.
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the '
                         'file to download), e.g. get_file("data.npz", origin="https://...").')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir) if cache_dir is not None else keras_home())
    if not os.access(base, os.W_OK) and os.path.exists(base):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    given = os.fspath(fname) if fname is not None else None
    if not given:
        given_name = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not given_name or given_name in (os.curdir, os.pardir):
            raise ValueError(f"get_file: can't tell the file name from the origin "
                             f"{origin!r}; pass fname='name.ext'.")
        name = given_name
    else:
        if os.sep in given or (os.altsep and os.altsep in given) or given in ("..", "."):
            raise ValueError(f"get_file: fname must be a plain file name, not a path; put the "
                             f"folder in cache_dir= or cache_subdir=. Received: fname={given!r}")
        name = given

    extraction_dir = None
    if extract or untar:
        if given and "." in name:
            target = os.path.join(datadir, name)
            extraction_dir = os.path.join(datadir, f"{name[:name.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, name)
            target = os.path.join(datadir, f"{name}_archive")
    else:
        target = os.path.join(datadir, name)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and \
            not validate_file(target, file_hash, algorithm=hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because "
              f"the {hash_algorithm} file hash does not match the original value of "
              f"{file_hash} so we will re-download the data.")
        download = True

    if download:
        print(f"Downloading data from {origin}")
        try:
            urllib.request.urlretrieve(origin, target, _DownloadProgress())
        except (Exception, KeyboardInterrupt) as e:
            if os.path.exists(target):
                os.remove(target)
            if isinstance(e, KeyboardInterrupt):
                raise
            reason = getattr(e, "reason", None) or getattr(e, "msg", None) or e
            code = getattr(e, "code", None)
            detail = f"{code} -- {reason}" if code is not None else f"{reason}"
            raise OSError(f"get_file: URL fetch failure on {origin}: {detail}. "
                          f"{_offline_help(origin, target, extraction_dir)}") from e
        if file_hash is not None and not validate_file(target, file_hash,
                                                       algorithm=hash_algorithm):
            raise ValueError(f"get_file: incomplete or corrupted file detected at {target}: "
                             f"the {hash_algorithm} file hash does not match the provided "
                             f"value of {file_hash}. Delete it and try again.")

    if extract or untar:
        fmt = "tar" if untar else archive_format
        if download or not os.path.isdir(extraction_dir):
            if not extract_archive(target, extraction_dir, fmt):
                warnings.warn(f"get_file: could not extract {target}: it is not a "
                              f"{fmt} archive.", stacklevel=2)
        return extraction_dir
    return target
