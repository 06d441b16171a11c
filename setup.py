"""Builds ember's optional C extensions; everything else is declared in pyproject.toml.

- `_fused`: the optimizer updates as one loop per weight.
- `_conv`: the memory-bound loops of convolution and pooling (im2col, col2im, pooling and
  its gradient, bias + relu), on every core (POSIX threads; one thread on Windows).

Without a C compiler the build is skipped and ember uses its NumPy kernels instead (same
results, slower).
"""

import sys

from setuptools import Extension, setup

# -O3 lets GCC/Clang vectorize the loops; errno-free sqrt vectorizes; no contraction into
# FMAs keeps the rounding of the NumPy kernels.
FLAGS = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno", "-ffp-contract=off"]
THREADS = [] if sys.platform == "win32" else ["-pthread"]  # _conv's worker threads

setup(
    ext_modules=[
        Extension("ember.backend.numpy._fused", ["ember/backend/numpy/_fused.c"],
                  extra_compile_args=FLAGS, optional=True),
        Extension("ember.backend.numpy._conv", ["ember/backend/numpy/_conv.c"],
                  depends=["ember/backend/numpy/_conv_kernels.h",
                           "ember/backend/numpy/_conv_bn.h", "ember/backend/numpy/_pool.h",
                           "ember/backend/numpy/_gemm.h",
                           "ember/backend/numpy/_rows.h", "ember/backend/numpy/_rows_kernels.h"],
                  extra_compile_args=FLAGS + THREADS, extra_link_args=THREADS,
                  optional=True),
    ])
