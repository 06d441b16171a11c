"""Builds ember's one optional C extension (fused optimizer updates); everything else is
declared in pyproject.toml. Without a C compiler the build is skipped and ember uses its
NumPy kernels instead (same results, slower optimizer steps)."""

import sys

from setuptools import Extension, setup

# -O3 lets GCC/Clang vectorize the loops; errno-free sqrt vectorizes; no contraction into
# FMAs keeps the rounding of the NumPy kernels.
FLAGS = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno", "-ffp-contract=off"]

setup(ext_modules=[Extension("ember.backend.numpy._fused", ["ember/backend/numpy/_fused.c"],
                             extra_compile_args=FLAGS, optional=True)])
