"""Hostile files: loading runs no code and writes nothing unless the user opts in.

Every archive here is crafted as an attacker would: a Lambda naming a module to import,
Python bytecode, spoofed registered names, path traversal in zip member names, members
that claim or inflate to huge sizes, pickled arrays. A test module (`evil_mod`) written to
a temporary folder on sys.path records, in a marker file, whether it was ever imported or
called.
"""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

from ember import keras
from ember.keras.saving import DamagedFileError

L = keras.layers


@pytest.fixture
def evil(tmp_path, monkeypatch):
    """A module on sys.path that writes marker files when imported or called."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    marker = tmp_path / "marker"
    (pkg / "evil_mod.py").write_text(
        f"open({str(marker) + '.imported'!r}, 'w').write('x')\n"
        f"def run(x, **kw):\n"
        f"    open({str(marker) + '.called'!r}, 'w').write('x')\n"
        f"    return x\n")
    monkeypatch.syspath_prepend(str(pkg))
    yield marker
    sys.modules.pop("evil_mod", None)


def _ran(marker) -> bool:
    return os.path.exists(str(marker) + ".imported") or os.path.exists(str(marker) + ".called")


def _saved(tmp_path, name="m.keras"):
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, name="d")], name="seq")
    path = tmp_path / name
    model.save(path)
    return model, path


def _rewrite(path, edit_config=None, extra=(), replace=None):
    """Rewrites an ember archive: config edited, extra members added, members replaced."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    if edit_config is not None:
        cfg = json.loads(members["config.json"])
        edit_config(cfg)
        members["config.json"] = json.dumps(cfg).encode()
    members.update(replace or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in list(members.items()) + list(extra):
            z.writestr(n, data)


def _lambda_entry(**config):
    return {"class_name": "Lambda", "config": {"name": "evil_lambda", **config}}


def _add_layer(entry):
    def edit(cfg):
        cfg["config"]["layers"].append(entry)
    return edit


# -- code in configs -----------------------------------------------------------------------

def test_lambda_naming_a_module_is_refused_by_default(tmp_path, evil):
    _, path = _saved(tmp_path)
    _rewrite(path, _add_layer(_lambda_entry(function="run", module="evil_mod",
                                            function_type="function",
                                            arguments={"cmd": "touch /tmp/x"})))
    with pytest.raises(ValueError, match=r'Layer "evil_lambda" \(Lambda\).*safe_mode=False'):
        keras.models.load_model(path)
    assert not _ran(evil) and "evil_mod" not in sys.modules
    # the same config through model_from_json / model_from_config
    with zipfile.ZipFile(path) as z:
        text = z.read("config.json").decode()
    for load in (lambda: keras.models.model_from_json(text),
                 lambda: keras.models.model_from_config(json.loads(text))):
        with pytest.raises(ValueError, match="safe_mode"):
            load()
        assert not _ran(evil)
    # safe_mode=False is the user's explicit choice: then the module is imported
    model = keras.models.load_model(path, safe_mode=False)
    assert os.path.exists(str(evil) + ".imported")
    model.predict(np.ones((1, 3), np.float32), verbose=0)
    assert os.path.exists(str(evil) + ".called")


_MARKERS: list = []


def _touch(x):
    """Records that code from a file ran (the lambda below calls it)."""
    for path in _MARKERS:
        open(path, "w").close()
    return x


def test_lambda_bytecode_is_refused_by_default(tmp_path):
    marker = tmp_path / "bytecode_ran"
    model = keras.Sequential([keras.Input((3,)), L.Lambda(lambda t: _touch(t) * 2.0)])
    path = tmp_path / "lam.keras"
    model.save(path)  # a lambda can be saved (as bytecode) ...
    _MARKERS[:] = [str(marker)]
    try:
        with pytest.raises(ValueError, match="Python lambda as bytecode.*safe_mode=False"):
            keras.models.load_model(path)  # ... but loading it needs the user's opt-in
        with pytest.raises(ValueError, match="bytecode"):
            keras.models.model_from_json(model.to_json())
        assert not marker.exists()
        loaded = keras.models.load_model(path, safe_mode=False)
        out = loaded.predict(np.ones((1, 3), np.float32), verbose=0)
        assert marker.exists()
    finally:
        _MARKERS.clear()
    np.testing.assert_array_equal(out, np.full((1, 3), 2.0, np.float32))


def test_enable_unsafe_deserialization_is_global(tmp_path):
    model = keras.Sequential([keras.Input((2,)), L.Lambda(lambda t: t + 1.0)])
    text = model.to_json()
    from ember.keras import _objects
    try:
        keras.config.enable_unsafe_deserialization()
        again = keras.models.model_from_json(text)
    finally:
        _objects._UNSAFE_EVERYWHERE[0] = False
    np.testing.assert_array_equal(again(np.zeros((1, 2), np.float32)).numpy(), [[1.0, 1.0]])
    with pytest.raises(ValueError, match="bytecode"):
        keras.models.model_from_json(text)


def test_spoofed_names_resolve_only_to_known_objects(tmp_path, evil):
    _, path = _saved(tmp_path)
    spoofs = [
        {"class_name": "evil_mod>run", "config": {}, "module": "evil_mod"},
        {"class_name": "evil_mod.run", "config": {}},
        {"class_name": "__builtins__", "config": {}},
        {"class_name": "__class__", "config": {}},
        {"class_name": ["Dense"], "config": {}},
    ]
    for spoof in spoofs:
        p = tmp_path / "spoof.keras"
        p.write_bytes(path.read_bytes())
        _rewrite(p, _add_layer(spoof))
        with pytest.raises(ValueError, match="Unknown layer|not a layer|damaged"):
            keras.models.load_model(p)
    # a known class name with a module / registered_name pointing elsewhere is ember's class
    p = tmp_path / "dense.keras"
    p.write_bytes(path.read_bytes())
    _rewrite(p, _add_layer({"class_name": "Dense", "module": "evil_mod",
                            "registered_name": "evil_mod>run",
                            "config": {"units": 1, "activation": "evil_mod.run"}}))
    with pytest.raises(ValueError, match="activation"):
        keras.models.load_model(p)
    # a registered function of the same name as the file's is the user's, never the file's
    calls = []

    @keras.saving.register_keras_serializable(package="mine")
    def run(x):
        calls.append(1)
        return x

    p = tmp_path / "registered.keras"
    p.write_bytes(path.read_bytes())
    _rewrite(p, _add_layer(_lambda_entry(function="mine>run", module="evil_mod",
                                         function_type="function")))
    loaded = keras.models.load_model(p)
    assert loaded.layers[-1].function is run and calls
    assert not _ran(evil) and "evil_mod" not in sys.modules


def test_activation_by_module_is_not_imported(evil):
    with pytest.raises(ValueError, match="Could not interpret activation"):
        L.deserialize({"class_name": "Dense", "config": {
            "units": 2, "activation": {"class_name": "function", "config": "run",
                                       "module": "evil_mod"}}})
    assert not _ran(evil)


# -- the archive itself --------------------------------------------------------------------

def _listing(*dirs):
    return {d: sorted(os.listdir(d)) for d in dirs}


def test_path_traversal_members_write_nothing(tmp_path):
    target = tmp_path / "inner"
    target.mkdir()
    model, path = _saved(target)
    absolute = tmp_path / "absolute_evil.txt"
    _rewrite(path, extra=[("../evil.txt", b"x"), ("../../evil.txt", b"x"),
                          (str(absolute), b"x"), ("..\\evil.txt", b"x"),
                          ("model.weights.npz/../../evil.txt", b"x")])
    before = _listing(tmp_path, target)
    loaded = keras.models.load_model(path)
    assert _listing(tmp_path, target) == before
    assert not absolute.exists()
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def _patch_declared_size(path, member: str, size: int) -> None:
    """Sets the uncompressed size the central directory declares for `member`."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        start = z.start_dir
    name = member.encode()
    i = data.index(b"PK\x01\x02" + b"", start)
    while True:
        n = int.from_bytes(data[i + 28:i + 30], "little")
        m = int.from_bytes(data[i + 30:i + 32], "little")
        k = int.from_bytes(data[i + 32:i + 34], "little")
        if bytes(data[i + 46:i + 46 + n]) == name:
            data[i + 24:i + 28] = size.to_bytes(4, "little")
            break
        i += 46 + n + m + k
    path.write_bytes(bytes(data))


def test_huge_members_are_refused_before_reading(tmp_path):
    _, path = _saved(tmp_path)
    for member in ("config.json", "model.weights.h5"):  # Keras 3's layout
        p = tmp_path / "huge.keras"
        p.write_bytes(path.read_bytes())
        _patch_declared_size(p, member, 0xFFFFFFF0)
        with pytest.raises(DamagedFileError, match=f"{member} claims 4294967280 bytes"):
            keras.models.load_model(p)
    # a weights member that really inflates far past what the model's weights need
    bomb = io.BytesIO()
    np.savez(bomb, big=np.zeros(4 << 20, np.float32))  # 16 MB of zeros, ~16 KB deflated
    p = tmp_path / "bomb.keras"
    p.write_bytes(path.read_bytes())
    _rewrite(p, replace={"model.weights.h5": bomb.getvalue()})
    assert p.stat().st_size < 200_000
    with pytest.raises(DamagedFileError, match="model.weights.h5 claims"):
        keras.models.load_model(p)


def test_weights_file_lies_and_pickles_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    before = model.get_weights()
    path = tmp_path / "w.ckpt"  # ember's npz format (.weights.h5 is Keras 3's HDF5)
    model.save_weights(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}

    def write(**replace):
        with zipfile.ZipFile(path, "w") as z:
            for n, d in {**members, **replace}.items():
                z.writestr(n, d)

    # an array whose header claims a huge shape: refused from the manifest/header check
    huge = io.BytesIO()
    np.lib.format.write_array_header_1_0(huge, {"descr": "<f4", "fortran_order": False,
                                                "shape": (1 << 40,)})
    write(**{"weight_00000.npy": huge.getvalue() + b"\0" * 16})
    with pytest.raises(DamagedFileError, match="weight_00000"):
        model.load_weights(path)
    # a pickled object array is never unpickled
    obj = io.BytesIO()
    np.save(obj, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    write(**{"weight_00001.npy": obj.getvalue()})
    with pytest.raises(DamagedFileError, match="Python objects"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
