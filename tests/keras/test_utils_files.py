"""keras.utils.get_file: Keras' cache layout, hashes, archives (safely), offline errors;
only `file://` URLs, so it runs offline."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from ember import keras
from ember.keras.utils.file_utils import extract_archive, hash_file, validate_file

get_file = keras.utils.get_file


@pytest.fixture
def src(tmp_path):
    p = tmp_path / "src" / "data.bin"
    p.parent.mkdir()
    p.write_bytes(b"payload")
    return p


def test_downloads_into_keras_home_once_with_a_progress_bar(src, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    path = get_file(origin=src.as_uri())
    assert path == str(tmp_path / "home" / "datasets" / "data.bin")
    out = capsys.readouterr().out
    assert f"Downloading data from {src.as_uri()}" in out and "7/7\x1b[0m \x1b[32m━" in out
    src.write_bytes(b"changed")
    assert open(get_file(origin=src.as_uri()), "rb").read() == b"payload"  # cached
    assert capsys.readouterr().out == ""
    path = get_file("data.bin", origin=src.as_uri(), force_download=True)
    assert open(path, "rb").read() == b"changed"


def test_hashes_sha256_and_md5_auto_detected(src, tmp_path, capsys):
    sha = hashlib.sha256(b"payload").hexdigest()
    md5 = hashlib.md5(b"payload").hexdigest()
    assert hash_file(str(src)) == sha and hash_file(str(src), "md5") == md5
    assert validate_file(str(src), sha) and validate_file(str(src), md5)
    cache = str(tmp_path / "c")
    get_file("a", origin=src.as_uri(), file_hash=sha, cache_dir=cache)
    get_file("b", origin=src.as_uri(), md5_hash=md5, cache_dir=cache)
    with pytest.raises(ValueError, match="hash does not match"):
        get_file("c", origin=src.as_uri(), file_hash="0" * 64, cache_dir=cache)
    # a cached file whose hash is wrong is downloaded again
    with open(os.path.join(cache, "datasets", "a"), "wb") as f:
        f.write(b"stale")
    path = get_file("a", origin=src.as_uri(), file_hash=sha, cache_dir=cache)
    assert open(path, "rb").read() == b"payload"
    assert "re-download" in capsys.readouterr().out


def test_cache_subdir_absolute_and_fname_rules(src, tmp_path, capsys):
    target = tmp_path / "abs"
    path = get_file("x.bin", origin=src.as_uri(), cache_subdir=str(target))
    assert path == str(target / "x.bin")
    with pytest.raises(ValueError, match="plain file name"):
        get_file("a/b.bin", origin=src.as_uri(), cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match='specify the "origin"'):
        get_file("a.bin")
    with pytest.raises(ValueError, match="can't tell the file name"):
        get_file(origin="file:///tmp/", cache_dir=str(tmp_path))


def test_offline_error_names_url_and_target(tmp_path, capsys):
    url = (tmp_path / "nowhere" / "f.npz").as_uri()
    with pytest.raises(OSError) as info:
        get_file(origin=url, cache_dir=str(tmp_path / "c"))
    msg = str(info.value)
    assert url in msg and str(tmp_path / "c" / "datasets" / "f.npz") in msg
    assert "offline" in msg and not os.path.exists(tmp_path / "c" / "datasets" / "f.npz")


def _tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)


def _file(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_extract_tar_and_zip_with_keras_names(tmp_path, capsys):
    arc = tmp_path / "pack.tar.gz"
    _tar(arc, [_file("pack/a.txt", b"A")])
    cache = str(tmp_path / "c")
    out = get_file("pack", origin=arc.as_uri(), extract=True, cache_dir=cache)
    assert out == os.path.join(cache, "datasets", "pack")
    assert os.path.exists(os.path.join(cache, "datasets", "pack_archive"))
    assert open(os.path.join(out, "pack", "a.txt")).read() == "A"
    out = get_file("pack.tar.gz", origin=arc.as_uri(), untar=True, cache_dir=cache)
    assert out == os.path.join(cache, "datasets", "pack_extracted")
    assert os.path.exists(os.path.join(out, "pack", "a.txt"))
    z = tmp_path / "z.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("inner/b.txt", "B")
    out = get_file(origin=z.as_uri(), extract=True, cache_dir=cache)
    assert out == os.path.join(cache, "datasets", "z.zip")
    assert open(os.path.join(out, "inner", "b.txt")).read() == "B"


def test_extraction_skips_members_that_escape(tmp_path):
    arc = tmp_path / "evil.tar"
    link = tarfile.TarInfo("ok/link")
    link.type, link.linkname = tarfile.SYMTYPE, "../../outside"
    _tar(arc, [_file("ok/fine.txt", b"1"), _file("../escape.txt", b"2"),
               _file("/abs.txt", b"3"), (link, None)], mode="w")
    dest = tmp_path / "out"
    with pytest.warns(UserWarning, match="Skipping unsafe path"):
        assert extract_archive(str(arc), str(dest))
    assert (dest / "ok" / "fine.txt").read_text() == "1"
    assert not (tmp_path / "escape.txt").exists() and not (dest / "ok" / "link").exists()
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../zescape.txt", "x")
        zf.writestr("good.txt", "y")
    with pytest.warns(UserWarning, match="Skipping unsafe path"):
        extract_archive(str(z), str(dest))
    assert (dest / "good.txt").read_text() == "y" and not (tmp_path / "zescape.txt").exists()
    assert extract_archive(str(z), str(dest), archive_format=None) is False
    assert extract_archive(str(z), str(dest), archive_format="tar") is False
