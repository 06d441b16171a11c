"""`ember.math`: TF's `tf.math` namespace."""

from .ops.linalg_ops import matmul, tensordot  # noqa: F401
from .ops.math_ops import *  # noqa: F401,F403
from .ops.reduce_ops import *  # noqa: F401,F403
from .ops.sort_ops import in_top_k, top_k  # noqa: F401
from .ops.nn_ops import softmax, log_softmax, l2_normalize  # noqa: F401
from .ops.extra_ops import bincount, searchsorted  # noqa: F401
from .ragged.ragged_ops import reduce_max, reduce_mean, reduce_min, reduce_sum  # noqa: F401,E402 - ragged too
# issue 18: trigonometric/hyperbolic primitives, special functions, segment reductions, ...
from .prims.math import (acos, acosh, asin, asinh, atan, atan2, atanh, cosh,  # noqa: F401,E402
                         erfc, nextafter, rint, sinh)
from .prims.special import (bessel_i0, bessel_i0e, bessel_i1, bessel_i1e,  # noqa: F401,E402
                            betainc, digamma, erfcinv, erfinv, igamma, igammac, lbeta, lgamma,
                            ndtri, polygamma, zeta)
from .ops.math_more import *  # noqa: F401,F403,E402
