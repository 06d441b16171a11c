"""`ember.dtypes`: TF's `tf.dtypes` namespace."""

from .core.dtypes import (DType, as_dtype, bfloat16, bool, double, float16, float32,  # noqa: F401
                          float64, half, int8, int16, int32, int64, uint8, uint16, uint32,
                          uint64, string, complex64, complex128)
from .prims.convert import cast  # noqa: F401
from .ops.top_more import saturate_cast  # noqa: F401,E402
