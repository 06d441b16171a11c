"""Specs of cast, identity and stop_gradient (ember/ops/convert.py)."""

from __future__ import annotations

import numpy as np

from . import Case, rng, varying

R = rng(2)
F64 = R.standard_normal((2, 3)) * 3
C128 = F64 + 1j * R.standard_normal((2, 3)) * 3

SPECS = {
    "cast": varying([
        # nan, inf and out-of-range floats have no defined integer (TF gives INT_MIN on x86)
        Case((F64,), lambda x, dtype: np.trunc(x).astype(np.int32), {"dtype": np.dtype(np.int32)},
             specials=(-0.0,)),
        Case((F64,), lambda x, dtype: x.astype(np.float32), {"dtype": np.dtype(np.float32)}),
        Case((F64,), lambda x, dtype: x != 0, {"dtype": np.dtype(np.bool_)}),
        Case((np.array([True, False]),), lambda x, dtype: np.where(x, 1.0, 0.0),
             {"dtype": np.dtype(np.float64)}),
        # complex <-> real, as TF's Cast: to a real dtype the real part; to complex a zero
        # imaginary part
        Case((C128,), lambda x, dtype: x.real.astype(dtype), {"dtype": np.dtype(np.float64)}),
        Case((C128,), lambda x, dtype: np.trunc(x.real).astype(np.int32),
             {"dtype": np.dtype(np.int32)}),
        Case((C128,), lambda x, dtype: (x.real != 0) | (x.imag != 0),
             {"dtype": np.dtype(np.bool_)}),
        Case((C128,), lambda x, dtype: x.astype(np.complex64), {"dtype": np.dtype(np.complex64)},
             rtol=1e-6),
        Case((F64,), lambda x, dtype: x.astype(dtype), {"dtype": np.dtype(np.complex128)}),
    ], shapes="elementwise"),
    "identity": [Case((F64,), lambda x: x, shapes="elementwise")],
    "stop_gradient": [Case((F64,), lambda x: x, shapes="elementwise")],
}
