"""Real Keras 3 on its NumPy backend (pure Python, no TensorFlow) as the oracle of
`ember.keras.ops` and of the Keras 3 file formats (issue 15).

`keras3()` gives the `keras` module (the test skips where it is not installed);
`check_op(name, *args, **kwargs)` runs `keras.ops.<name>` on ember and on Keras 3 and
compares values and dtypes, then runs ember's op on ember Tensors, on Variables and on
KerasTensors (the op recorded in a functional model, the model then called on the
arguments) and checks each gives the same.

64-bit dtypes: ember follows Keras 3 on its TensorFlow backend (TF 2.21's tf.keras), where
int64 and float64 stay 64-bit; Keras' NumPy backend maps them to int32 / float32.
`check_op` compares dtypes after that mapping, so a case with 64-bit inputs checks
ember's own 64-bit dtype against Keras' 32-bit one.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")  # before keras is first imported

_64_TO_32 = {"int64": "int32", "float64": "float32", "uint64": "uint32",
             "complex128": "complex64"}


def keras3() -> Any:
    """Real Keras 3 on the NumPy backend (skips the test where keras is missing)."""
    k = pytest.importorskip("keras")
    if k.backend.backend() != "numpy":
        pytest.skip(f"real Keras was imported with the {k.backend.backend()!r} backend")
    return k


def _ember_ops() -> Any:
    from ember.keras import ops
    return ops


def _as_numpy(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_as_numpy(v) for v in x)
    if hasattr(x, "numpy"):
        return x.numpy()
    return np.asarray(x)


def _dtype_name(x: Any) -> str:
    return np.asarray(x).dtype.name if not hasattr(x, "dtype") else \
        getattr(x.dtype, "name", str(x.dtype))


def assert_same(ours: Any, theirs: Any, rtol: float = 1e-5, atol: float = 1e-6,
                check_dtype: bool = True, where: str = "") -> None:
    """`ours` (ember) equals `theirs` (Keras 3): values to tolerance, dtypes after the
    64-bit mapping, nested lists/tuples element by element."""
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), \
            f"{where}: ember gave {type(ours).__name__} of {len(ours) if hasattr(ours, '__len__') else '?'}, Keras {len(theirs)} values"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, rtol, atol, check_dtype, f"{where}[{i}]")
        return
    a, b = _as_numpy(ours), np.asarray(theirs)
    if check_dtype:
        da, db = _dtype_name(ours), _dtype_name(theirs)
        assert _64_TO_32.get(da, da) == _64_TO_32.get(db, db), \
            f"{where}: dtype {da} (ember) vs {db} (Keras 3)"
    assert a.shape == b.shape, f"{where}: shape {a.shape} (ember) vs {b.shape} (Keras 3)"
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else
                                            np.float64),
                                   b.astype(np.complex128 if b.dtype.kind == "c" else
                                            np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
    else:
        np.testing.assert_array_equal(a, b, err_msg=where)


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "biufc"


def check_op(name: str, *args: Any, rtol: float = 1e-5, atol: float = 1e-6,
             check_dtype: bool = True, symbolic: bool = True, module: str = "",
             **kwargs: Any) -> Any:
    """Compares `keras.ops[.module].<name>(*args, **kwargs)` on ember with Keras 3.

    NumPy-array arguments are also passed as ember Tensors, as Variables (floating
    ones) and, where `symbolic`, as KerasTensors of a functional model: each way must
    give Keras 3's values. Returns ember's result."""
    import ember as tf
    from ember import keras as ekeras
    k = keras3()
    ours_mod = _ember_ops()
    theirs_mod = k.ops
    for part in filter(None, module.split(".")):
        ours_mod, theirs_mod = getattr(ours_mod, part), getattr(theirs_mod, part)
    ours_fn, theirs_fn = getattr(ours_mod, name), getattr(theirs_mod, name)
    where = f"keras.ops.{module + '.' if module else ''}{name}"
    # copies: some of Keras' NumPy-backend ops (scatter_update) write into their input
    expected = theirs_fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    got = ours_fn(*args, **kwargs)
    assert_same(got, expected, rtol, atol, check_dtype, f"{where} (NumPy arguments)")
    arrays = [i for i, a in enumerate(args) if _is_array(a)]
    if not arrays:
        return got
    as_tensors = [tf.constant(a) if i in arrays else a for i, a in enumerate(args)]
    assert_same(ours_fn(*as_tensors, **kwargs), expected, rtol, atol, check_dtype,
                f"{where} (ember Tensors)")
    as_vars = [tf.Variable(a) if i in arrays and a.dtype.kind == "f" else a
               for i, a in enumerate(args)]
    assert_same(ours_fn(*as_vars, **kwargs), expected, rtol, atol, check_dtype,
                f"{where} (Variables)")
    if symbolic:
        inputs = {i: ekeras.Input(batch_shape=args[i].shape, dtype=args[i].dtype.name)
                  for i in arrays}
        sym = [inputs.get(i, a) for i, a in enumerate(args)]
        out = ours_fn(*sym, **kwargs)
        model = ekeras.Model([inputs[i] for i in arrays], out)
        result = model([args[i] for i in arrays])
        assert_same(result, expected, rtol, atol, check_dtype, f"{where} (KerasTensors)")
    return got
