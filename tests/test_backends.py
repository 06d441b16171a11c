"""Choosing a backend (issue 14): NumPy by default; `ember.config.set_backend`, the
environment variable EMBER_BACKEND and `jit_compile=True` ask for JAX, with a clear error
where jax is not installed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import ember as tf
from ember import backend

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


NO_JAX = "import sys; sys.modules['jax'] = None\n"  # as if jax were not installed


def test_numpy_is_the_default_backend():
    assert tf.config.get_backend() == "numpy" == backend.current()
    f = tf.function(lambda x: x + 1)
    assert type(f.get_concrete_function(tf.constant(1.0)).plan).__name__ == "Plan"


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown backend 'torch'; the backends are "
                                         r"\['jax', 'numpy'\]"):
        tf.config.set_backend("torch")
    assert tf.config.get_backend() == "numpy"


@pytest.mark.parametrize("ask", [
    "tf.config.set_backend('jax')",
    "tf.function(lambda x: x + 1, jit_compile=True)(tf.constant(1.0))",
])
def test_asking_for_jax_without_jax_says_what_to_install(ask):
    p = _run(NO_JAX + "import ember as tf\n" + ask)
    assert p.returncode != 0
    assert "ImportError: The jax backend needs the `jax` package" in p.stderr
    assert "pip install 'ember[jax]'" in p.stderr


def test_the_environment_variable_chooses_the_backend_at_import():
    p = _run(NO_JAX + "import ember", env={"EMBER_BACKEND": "jax"})
    assert "The jax backend needs the `jax` package" in p.stderr
    p = _run("import ember; print(ember.config.get_backend())", env={"EMBER_BACKEND": "numpy"})
    assert p.stdout.strip() == "numpy"


def test_eager_ops_on_the_jax_backend_run_on_device_arrays():
    pytest.importorskip("jax")
    code = ("import ember as tf, numpy as np\n"
            "a = tf.constant([[1.0, 2.0], [3.0, 4.0]])\n"
            "c = tf.matmul(a, a) + 1.0\n"
            "s = tf.strings.length(tf.constant(['ab']))\n"  # no JAX kernel: NumPy's
            "print(type(c._value).__module__.split('.')[0], c.numpy().tolist(), "
            "int(s.numpy()[0]))\n"
            "tf.config.set_backend('numpy')\n"
            "print(type((a + a)._value).__name__)\n")
    p = _run(code, env={"EMBER_BACKEND": "jax"})
    assert p.returncode == 0, p.stderr[-2000:]
    first, second = p.stdout.strip().splitlines()
    assert first.startswith("jax") or first.startswith("jaxlib")
    assert "[[8.0, 11.0], [16.0, 23.0]] 2" in first
    assert second == "ndarray"


def test_malloc_tuning_is_on_by_default_and_can_be_turned_off():
    import subprocess
    import sys
    code = "import ember; from ember.backend.numpy import allocator; print(allocator.TUNED)"
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "EMBER_TUNE_MALLOC": "0"})
    assert off.stdout.strip() == "False"
    if sys.platform.startswith("linux") and "glibc" in " ".join(
            __import__("platform").libc_ver()):
        assert on.stdout.strip() == "True"
