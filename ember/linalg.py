"""`ember.linalg`: TF's `tf.linalg` namespace."""

from .ops.linalg_extra import *  # noqa: F401,F403
from .ops.linalg_ops import *  # noqa: F401,F403
from .ops.clip_ops import global_norm  # noqa: F401
from .ops.array_ops import eye  # noqa: F401
from .ops.linalg_decomp_ops import *  # noqa: F401,F403
from .ops.linear_operator import *  # noqa: F401,F403
from .ops.linear_operator_more import *  # noqa: F401,F403
from .ops.linalg_operators_identity import *  # noqa: F401,F403
from .ops.linalg_banded import *  # noqa: F401,F403
from .ops import linalg_experimental as experimental  # noqa: F401,E402
