"""`ember.debugging`: TF's `tf.debugging` namespace (run-time checks, see ops/debug_ops.py)."""

from .ops.debug_ops import (Assert, assert_all_finite, assert_equal,  # noqa: F401
                            assert_greater, assert_greater_equal, assert_less,
                            assert_less_equal, assert_near, assert_negative,
                            assert_non_negative, assert_non_positive, assert_none_equal,
                            assert_positive, assert_rank, assert_rank_at_least,
                            assert_rank_in, assert_scalar, assert_type, check_numerics,
                            is_numeric_tensor)
from .core.placement_log import set_log_device_placement  # noqa: F401,E402
