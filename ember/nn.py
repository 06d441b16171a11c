"""`ember.nn`: TF's `tf.nn` namespace."""

from .ops.nn_ops import *  # noqa: F401,F403
from .ops.dropout_ops import dropout  # noqa: F401
from .prims.math import sigmoid, softplus, tanh  # noqa: F401
from .ops.sort_ops import in_top_k, top_k  # noqa: F401
from .ops.conv_ops import avg_pool1d, avg_pool2d, conv1d, conv2d, max_pool1d, max_pool2d  # noqa: F401
from .ops.conv_extra import conv2d_transpose, depthwise_conv2d, separable_conv2d  # noqa: F401
from .ops.nn3d import avg_pool3d, conv3d, conv3d_transpose, max_pool3d  # noqa: F401
