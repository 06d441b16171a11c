"""TF 2.21's top-level conv ops and approx_top_k (ember/ops/top_conv.py): values against
tf.nn.conv2d / convolution and their tape gradients (TF's CPU build has no kernel for the
*_v2 backprops; its gradients of conv2d give the numbers pinned here)."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf

X = np.arange(50, dtype=np.float32).reshape(1, 5, 5, 2)
W = np.arange(24, dtype=np.float32).reshape(2, 2, 2, 3)
G = np.arange(27, dtype=np.float32).reshape(1, 3, 3, 3)


def test_conv2d_backprops_v2_equal_the_tape_gradients_and_tf():
    x, w, g = tf.constant(X), tf.constant(W), tf.constant(G)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.watch(w)
        y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    dw = tf.conv2d_backprop_filter_v2(x, w, g, [1, 2, 2, 1], "SAME")
    dx = tf.conv2d_backprop_input_v2(x, w, g, [1, 2, 2, 1], "SAME")
    np.testing.assert_array_equal(dw.numpy(), tape.gradient(y, w, output_gradients=g).numpy())
    np.testing.assert_array_equal(dx.numpy(), tape.gradient(y, x, output_gradients=g).numpy())
    assert float(dw.numpy().sum()) == 53355.0 and float(dx.numpy().sum()) == 13255.0  # TF


def test_conv_is_the_rank_generic_raw_op():
    x, w = tf.constant(X), tf.constant(W)
    y = tf.conv(x, w, [1, 2, 2, 1], "SAME")
    np.testing.assert_array_equal(y.numpy(), tf.nn.conv2d(x, w, 2, "SAME").numpy())
    assert float(y.numpy().sum()) == 35760.0  # TF 2.21
    yf = tf.conv(tf.transpose(x, [0, 3, 1, 2]), w, [1, 1, 2, 2], "SAME",
                 data_format="CHANNELS_FIRST")
    np.testing.assert_array_equal(yf.numpy(), np.transpose(y.numpy(), [0, 3, 1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="strides must have 4"):
        tf.conv(x, w, [2, 2], "SAME")
    with pytest.raises(NotImplementedError, match="groups=1"):
        tf.conv(x, w, [1, 1, 1, 1], "SAME", groups=2)


def test_approx_top_k_max_and_min():
    x = tf.constant([[3.0, 1.0, 2.0], [0.0, 5.0, -1.0]])
    v, i = tf.approx_top_k(x, 2)
    assert v.numpy().tolist() == [[3.0, 2.0], [5.0, 0.0]] and i.numpy().tolist() == [[0, 2], [1, 0]]
    v, i = tf.approx_top_k(x, 1, reduction_dimension=0, is_max_k=False)
    assert v.numpy().tolist() == [[0.0, 1.0, -1.0]] and i.numpy().tolist() == [[1, 0, 1]]
