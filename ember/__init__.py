"""ember: the TensorFlow 2 / Keras programming model, on NumPy.

`import ember as tf` gives TF's tensor API: eager Tensors, Variables, and one op library.

Example:
    >>> import ember as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.matmul(x, x).numpy()
    array([[ 7., 10.],
           [15., 22.]], dtype=float32)
"""

from __future__ import annotations

import warnings as _warnings

from .core.dtypes import (DType, as_dtype, bfloat16, bool, double, float16, float32,
                          float64, half, int8, int16, int32, int64, uint8, uint16, uint32,
                          uint64, string, complex64, complex128)
from .core.shape import TensorShape, TensorSpec
from .core.tensor import Tensor, is_tensor
from .core.variable import Variable, VariableAggregation, VariableSynchronization
from .core.custom_gradient import custom_gradient, recompute_grad
from .core.tape import UnconnectedGradients
from .ops.gradient_tape import GradientTape
from .core import nest
from .core.function import Function, function
from .core.module import Module
from . import ops as _ops  # fills the operator table of Tensor and Variable
from .backend import current as _backend_current
from .core.registry import use_backend_kernels as _use_backend_kernels
from .ops.array_ops import *  # noqa: F401,F403
from .ops.clip_ops import clip_by_norm  # noqa: F401 - clip_by_global_norm: ops/top_grad.py
from .ops.control_case import case, switch_case  # noqa: F401
from .ops.control_flow import cond, while_loop  # noqa: F401
from .prims.convert import *  # noqa: F401,F403
from .ops.gather_ops import *  # noqa: F401,F403
from .ops.index_ops import *  # noqa: F401,F403
from .ops.linalg_decomp_ops import norm  # noqa: F401 - every ord (the matrix 2 and 'nuc' too)
from .ops.linalg_ops import einsum, matmul, tensordot  # noqa: F401
from .ops.math_ops import *  # noqa: F401,F403
from .ops.reduce_ops import *  # noqa: F401,F403
from .ops.sort_ops import argsort, sort, unique, unique_with_counts  # noqa: F401
from .ops.extra_ops import map_fn, meshgrid, roll, searchsorted, vectorized_map  # noqa: F401
from .ops.py_ops import numpy_function, py_function  # noqa: F401
from .ops.tensor_array import TensorArray  # noqa: F401
from .ops.debug_ops import (Assert, control_dependencies, device,  # noqa: F401
                            executing_eagerly, group, name_scope, no_op, print)
from .prims.index import slice  # noqa: F401,A004 - TF's tf.slice
from . import (bitwise, config, data, debugging, dtypes, errors, image, linalg,  # noqa: E402
               math, nn, random)
from . import compat, io, strings  # noqa: E402 - tf.compat, tf.io, tf.strings (issue 12)
from . import distribute  # noqa: E402 - tf.distribute (issue 14)
from . import experimental  # noqa: E402 - tf.experimental (dlpack)
from . import lookup, ragged  # noqa: E402 - tf.lookup, tf.ragged (issue 16)
from .ragged import RaggedTensor, RaggedTensorSpec  # noqa: E402
# tf.reduce_sum / mean / max / min take RaggedTensors too (dense ones: the same ops)
from .ragged.ragged_ops import reduce_max, reduce_mean, reduce_min, reduce_sum  # noqa: E402
from . import sparse  # noqa: E402 - tf.sparse (issue 16)
from . import signal  # noqa: E402 - tf.signal (issue 18)
from .tensor_proto import make_ndarray, make_tensor_proto  # noqa: E402,F401 - TensorProto
from . import saved_model  # noqa: E402 - tf.saved_model (issue 19)
from . import onnx  # noqa: E402 - ember.onnx.export (issue 19); imports onnx only when called
from .math import acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh  # noqa: E402,F401
from .signal import fftnd, ifftnd, irfftnd, rfftnd  # noqa: E402,F401 - top level in TF 2.21
from .ops.linalg_decomp_ops import eig, eigvals, sqrtm as matrix_square_root  # noqa: E402,F401
from .ops.top_conv import (approx_top_k, conv, conv2d_backprop_filter_v2,  # noqa: E402,F401
                           conv2d_backprop_input_v2)
from .debugging import assert_equal, assert_greater, assert_less, assert_rank  # noqa: E402,F401
from .strings import as_string  # noqa: E402,F401
from .sparse import SparseTensor  # noqa: E402,F401
# TF's top level, issue 18 (ops/top_*.py; OUT_OF_SCOPE in ops/top_more.py lists the rest)
from .ops.top_more import *  # noqa: E402,F401,F403
from .ops.top_loops import dynamic_partition, dynamic_stitch, foldl, foldr, scan  # noqa: E402,F401
from .ops.top_grad import (IndexedSlices, RegisterGradient, clip_by_global_norm,  # noqa: E402,F401
                           gradients, hessians, no_gradient)
from .ops.top_space import (batch_to_space, edit_distance, space_to_batch,  # noqa: E402,F401
                            space_to_batch_nd, required_space_to_batch_paddings)
from .prims.top_more import bitcast, random_index_shuffle  # noqa: E402,F401

__version__ = "0.1.0"
newaxis = None  # TF's `tf.newaxis`, for indexing: x[..., tf.newaxis]

# NOTE: TF returns inf/nan silently for 1/0, log(0), overflow; NumPy warns. The warning
# comes from the ember frame that called the ufunc, so this filter only touches ember.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")

from . import autograph  # noqa: E402  (tf.autograph; installs itself in ember.function)
from . import profiler  # noqa: E402  (tf.profiler)

# The Keras API sits on top of everything above, and tf.losses / tf.metrics /
# tf.optimizers are Keras' (as TF 2.21); tf.summary, tf.test and tf.train use Keras. They
# are imported on first use, as TF loads tf.keras lazily: a process that only runs ops or
# loads a SavedModel starts without them (~0.6 s less here).
_LAZY = {"keras": ("ember.keras", None), "losses": ("ember.keras", "losses"),
         "metrics": ("ember.keras", "metrics"), "optimizers": ("ember.keras", "optimizers"),
         "summary": ("ember.summary", None), "test": ("ember.test", None),
         "train": ("ember.train", None)}


def __getattr__(name: str):
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'ember' has no attribute {name!r}")
    import importlib
    value = importlib.import_module(where[0])
    if where[1] is not None:
        value = getattr(value, where[1])
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

if _backend_current() != "numpy":  # EMBER_BACKEND=jax: eager ops on its kernels too
    _use_backend_kernels(_backend_current())
