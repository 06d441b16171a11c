"""Saves killed midway, and corrupted or truncated files.

A save killed with SIGKILL keeps the previous file, leaves nothing in the system's temp
folder, and its temporary file is removed by the next save to the same target. Every
bit-flipped or truncated model archive or weights file either loads the same weights (the
flip hit a byte the format doesn't use) or raises one ember error (a ValueError naming the
file) and leaves the model unchanged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from ember import keras

L = keras.layers
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.Dense(3)])
    model.compile("adam", "mse", metrics=["mae"])
    model.fit(np.ones((8, 4), np.float32), np.zeros((8, 3), np.float32), epochs=1,
              verbose=0)
    return model


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b)) and len(a) == len(b)


# -- killed saves ----------------------------------------------------------------------

_CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    import numpy as np
    from ember import keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64)])
    model.save({path!r})                      # a first, complete save
    real_fsync = os.fsync
    def hang(fd):                              # the second save stops before its rename
        open({ready!r}, "w").close()
        time.sleep(60)
    os.fsync = hang
    model.save({path!r})
""")


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_killed_save_keeps_the_old_file_and_the_next_save_cleans_up(tmp_path):
    path = str(tmp_path / "m.keras")
    ready = str(tmp_path / "ready")
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "TEMP": str(scratch), "TMP": str(scratch)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=ROOT, path=path,
                                                                  ready=ready)], env=env)
    try:
        deadline = time.time() + 60
        while not os.path.exists(ready):
            assert child.poll() is None, "the child process ended before saving"
            assert time.time() < deadline, "the child never reached the second save"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    left = sorted(os.listdir(tmp_path))
    assert any(n.startswith(".m.keras.") and n.endswith(".tmp") for n in left), left
    assert os.listdir(scratch) == []  # nothing in the system temp folder
    loaded = keras.models.load_model(path)  # the first save survived
    assert loaded.layers[0].units == 64
    model = _model()
    model.save(path)  # the next save removes the dead save's temporary file
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "ready", "tmpdir"]
    assert _same(keras.models.load_model(path).get_weights(), model.get_weights())


def test_stale_temporary_files_of_live_writers_are_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".w.weights.h5.{dead_pid}.0123456789ab.tmp"
    live = tmp_path / f".w.weights.h5.{os.getppid()}.0123456789ab.tmp"
    legacy = tmp_path / ".w.weights.h5.0123456789ab.tmp"  # older ember: no pid
    other = tmp_path / ".other.h5.1.0123456789ab.tmp"
    for p in (stale, live, legacy, other):
        p.write_bytes(b"partial")
    old = time.time() - 7200
    os.utime(legacy, (old, old))
    _model().save_weights(tmp_path / "w.weights.h5")
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name, "w.weights.h5"])


# -- corrupted files -------------------------------------------------------------------

def _variants(data: bytes, rng: np.random.Generator, flips: int, cuts: int):
    """Single-bit flips at random positions, and truncations."""
    for pos in rng.choice(len(data), size=min(flips, len(data)), replace=False):
        out = bytearray(data)
        out[pos] ^= 1 << int(rng.integers(8))
        yield f"flip@{pos}", bytes(out)
    for n in sorted(set(rng.integers(0, len(data), size=cuts).tolist()) | {0, 10}):
        yield f"cut@{n}", data[:n]


def test_corrupted_model_archives_raise_one_clear_error(tmp_path):
    model = _model()
    good = tmp_path / "good.keras"
    model.save(good)
    data = good.read_bytes()
    want = model.get_weights()
    bad = tmp_path / "bad.keras"
    rng = np.random.default_rng(11)
    outcomes = {"loaded": 0, "refused": 0}
    for label, variant in _variants(data, rng, flips=150, cuts=25):
        bad.write_bytes(variant)
        try:
            loaded = keras.models.load_model(bad)
        except ValueError as e:  # DamagedFileError, or "not an ember archive"
            assert str(bad) in str(e), (label, str(e))
            outcomes["refused"] += 1
            continue
        except Exception as e:  # noqa: BLE001 - any other class is the bug this tests
            pytest.fail(f"{label}: {type(e).__name__}: {e}")
        assert _same(loaded.get_weights(), want), label
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 100  # nearly every flip is caught (CRCs, headers, JSON)


def test_corrupted_weights_files_raise_and_leave_the_model_unchanged(tmp_path):
    saved = _model(seed=1)
    good = tmp_path / "good.weights.h5"
    saved.save_weights(good)
    data = good.read_bytes()
    target = _model(seed=2)
    before = target.get_weights()
    bad = tmp_path / "bad.weights.h5"
    rng = np.random.default_rng(12)
    for label, variant in _variants(data, rng, flips=150, cuts=25):
        bad.write_bytes(variant)
        try:
            target.load_weights(bad)
        except ValueError as e:
            assert str(bad) in str(e), (label, str(e))
            assert _same(target.get_weights(), before), label
            continue
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{label}: {type(e).__name__}: {e}")
        assert _same(target.get_weights(), saved.get_weights()), label
        target.set_weights(before)
