"""`keras.ops.nn` against real Keras 3 (NumPy backend): values, dtypes, and each op on
Tensors, Variables and KerasTensors (tests/keras3_oracle.py); gradients against central
finite differences; errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras3_oracle import check_op, keras3

keras3()  # skips the module where real Keras 3 is missing

RNG = np.random.default_rng(0)


def _r(*shape, dtype="float32", lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(dtype)


X = _r(2, 5)
X64 = _r(3, 4, dtype="float64")

ACTIVATIONS = ["relu", "relu6", "sigmoid", "sparse_sigmoid", "softplus", "softsign",
               "soft_shrink", "sparse_plus", "silu", "swish", "squareplus", "log_sigmoid",
               "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu",
               "gelu", "celu", "glu", "hard_tanh", "hard_shrink", "tanh_shrink", "softmax",
               "log_softmax", "sparsemax"]


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("x", [X, X64], ids=["f32", "f64"])
def test_activations(name, x):
    x = x[:, :4]  # glu needs an even axis
    check_op(name, x, module="nn")


@pytest.mark.parametrize("name,kwargs", [
    ("leaky_relu", {"negative_slope": 0.5}), ("elu", {"alpha": 0.3}),
    ("celu", {"alpha": 2.0}), ("gelu", {"approximate": False}), ("glu", {"axis": 0}),
    ("squareplus", {"b": 1}), ("soft_shrink", {"threshold": 1.0}),
    ("hard_shrink", {"threshold": 1.0}), ("softmax", {"axis": 0}),
    ("softmax", {"axis": (0, 1)}), ("softmax", {"axis": None}),
    ("log_softmax", {"axis": (0, 1)}), ("sparsemax", {"axis": 0}),
])
def test_activation_options(name, kwargs):
    check_op(name, _r(4, 6), module="nn", **kwargs)


def test_threshold():
    check_op("threshold", X, 0.5, -1.0, module="nn")


def test_relu_int_keeps_dtype():
    check_op("relu", np.array([-2, 3], "int32"), module="nn")


# -- losses, normalisations, encodings ----------------------------------------------------

P = RNG.uniform(0.05, 1.0, (3, 4)).astype("float32")
T = np.eye(4, dtype="float32")[[0, 2, 3]]


@pytest.mark.parametrize("from_logits", [False, True])
def test_crossentropies(from_logits):
    out = P if not from_logits else _r(3, 4)
    check_op("categorical_crossentropy", T, out, from_logits=from_logits, module="nn")
    check_op("sparse_categorical_crossentropy", np.array([0, 2, 3], "int32"), out,
             from_logits=from_logits, module="nn")
    check_op("binary_crossentropy", (T > 0).astype("float32"),
             P / 1.1 if not from_logits else out, from_logits=from_logits, module="nn",
             rtol=1e-4)


def test_crossentropy_axis_and_trailing_one():
    check_op("categorical_crossentropy", T.T.copy(), P.T.copy(), axis=0, module="nn")
    check_op("sparse_categorical_crossentropy", np.array([[0], [2], [3]], "int64"), P,
             module="nn")


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"dtype": "int32"}, {"dtype": "bool"}])
def test_one_hot(kwargs):
    check_op("one_hot", np.array([[0, 3], [-1, 2]], "int32"), 4, module="nn", **kwargs)


@pytest.mark.parametrize("x", [np.array([0, 2, 2], "int32"),
                               np.array([[0, 1], [3, 3]], "int32")])
def test_multi_hot(x):
    check_op("multi_hot", x, 4, module="nn")
    check_op("multi_hot", x, 4, dtype="bool", module="nn")


@pytest.mark.parametrize("axes,keepdims", [([0], False), ([0, 2], True), ((1,), False)])
def test_moments(axes, keepdims):
    check_op("moments", _r(3, 4, 5), axes, keepdims=keepdims, module="nn", atol=1e-5)


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_normalization(axis):
    x = _r(2, 3, 3)
    mean, var, off, sc = _r(3), _r(3, lo=0.5), _r(3), _r(3)
    check_op("batch_normalization", x, mean, var, axis, module="nn")
    check_op("batch_normalization", x, mean, var, axis, offset=off, scale=sc,
             epsilon=0.1, module="nn")


@pytest.mark.parametrize("axis", [-1, (1, 2), 0])
def test_layer_and_rms_normalization(axis):
    x = _r(2, 3, 4)
    # NOTE: normalizing 4 float32 values divides by their spread: when a draw happens to
    # be nearly constant along the axis, float32 rounding (different summation orders
    # here and in Keras) is amplified to ~3e-5; the tolerance allows for that
    check_op("layer_normalization", x, axis=axis, module="nn", atol=1e-4, rtol=1e-4)
    check_op("rms_normalization", x, axis=axis, module="nn", atol=1e-5)
    check_op("layer_normalization", x, _r(4), _r(4), module="nn", atol=1e-4, rtol=1e-4)
    check_op("rms_normalization", x, _r(4), module="nn", atol=1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"order": 1}, {"order": 3},
                                    {"axis": (0, 1)}])
def test_normalize(kwargs):
    check_op("normalize", _r(3, 4), module="nn", **kwargs)


def test_psnr_polar():
    check_op("psnr", P, P * 0.9, 1.0, module="nn", rtol=1e-4)
    check_op("polar", _r(3, lo=0.1), _r(3), module="nn")


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"scale": 0.5}])
def test_dot_product_attention(kwargs):
    q, k, v = _r(2, 3, 2, 4), _r(2, 5, 2, 4), _r(2, 5, 2, 4)
    if kwargs.get("is_causal"):
        k, v = _r(2, 3, 2, 4), _r(2, 3, 2, 4)
    check_op("dot_product_attention", q, k, v, module="nn", atol=1e-5, **kwargs)


def test_dot_product_attention_bias_mask():
    q, k, v = _r(1, 3, 2, 4), _r(1, 4, 2, 4), _r(1, 4, 2, 4)
    bias = _r(1, 2, 3, 4)
    mask = RNG.uniform(size=(1, 2, 3, 4)) > 0.3
    mask[..., 0] = True
    check_op("dot_product_attention", q, k, v, bias, mask, module="nn", atol=1e-5)


# -- convolution and pooling ---------------------------------------------------------------

FORMATS = ["channels_last", "channels_first"]


def _image(n, fmt, c=3, size=7):
    shape = (2,) + (size,) * n + (c,) if fmt == "channels_last" else (2, c) + (size,) * n
    return _r(*shape)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("opts", [
    {}, {"strides": 2, "padding": "same"}, {"dilation_rate": 2},
    {"strides": 2, "padding": "valid"}])
def test_conv(fmt, n, opts):
    x = _image(n, fmt)
    w = _r(*((3,) * n + (3, 4)))
    check_op("conv", x, w, data_format=fmt, module="nn", atol=1e-5, rtol=1e-4, **opts)


@pytest.mark.parametrize("fmt", FORMATS)
def test_grouped_conv(fmt):
    check_op("conv", _image(2, fmt, c=4), _r(2, 2, 2, 6), data_format=fmt, padding="same",
             module="nn", atol=1e-5)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("opts", [{}, {"strides": 2, "padding": "same"},
                                  {"dilation_rate": 2}])
def test_depthwise_separable_conv(fmt, n, opts):
    x = _image(n, fmt)
    dw = _r(*((3,) * n + (3, 2)))
    pw = _r(*((1,) * n + (6, 4)))
    check_op("depthwise_conv", x, dw, data_format=fmt, module="nn", atol=1e-5, **opts)
    check_op("separable_conv", x, dw, pw, data_format=fmt, module="nn", atol=1e-5,
             rtol=1e-4, **opts)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("opts", [{}, {"strides": 2}, {"strides": 2, "padding": "same"},
                                  {"padding": "same"}, {"dilation_rate": 2},
                                  {"strides": 2, "output_padding": 1}])
def test_conv_transpose(fmt, n, opts):
    x = _image(n, fmt, size=4)
    w = _r(*((3,) * n + (5, 3)))
    check_op("conv_transpose", x, w, data_format=fmt, module="nn", atol=1e-5, rtol=1e-4,
             **opts)


@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("opts", [{"pool_size": 2, "strides": 2}, {"pool_size": 3, "strides": 2,
                                                     "padding": "same"},
                                  {"pool_size": 2, "strides": 1}])
def test_pools(name, fmt, n, opts):
    check_op(name, _image(n, fmt, size=5), data_format=fmt, module="nn", atol=1e-6, **opts)


@pytest.mark.parametrize("name", ["adaptive_max_pool", "adaptive_average_pool"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n,size", [(1, 3), (2, (3, 2)), (3, 2)])
def test_adaptive_pools(name, fmt, n, size):
    check_op(name, _image(n, fmt, size=5), size, data_format=fmt, module="nn")


@pytest.mark.parametrize("opts", [{}, {"stride": 2}, {"padding": 1, "dilation": 2},
                                  {"stride": (1, 2), "padding": (1, 0)}])
def test_unfold_fold(opts):
    x = _r(2, 3, 6, 5)
    cols = check_op("unfold", x, (2, 3), module="nn", **opts)
    check_op("fold", cols.numpy(), (6, 5), (2, 3), module="nn", atol=1e-5, **opts)


@pytest.mark.parametrize("fmt", FORMATS)
def test_depth_space(fmt):
    x = _r(2, 4, 6, 8) if fmt == "channels_last" else _r(2, 8, 4, 6)
    check_op("space_to_depth", x, 2, data_format=fmt, module="nn")
    check_op("depth_to_space", x, 2, data_format=fmt, module="nn")


# -- CTC -----------------------------------------------------------------------------------

def test_ctc_loss():
    target = np.array([[1, 2, 2, 0], [3, 1, 0, 0]], "int32")
    output = _r(2, 7, 4)
    check_op("ctc_loss", target, output, np.array([3, 2], "int32"),
             np.array([7, 5], "int32"), module="nn", rtol=1e-4, atol=1e-4)


def test_ctc_loss_mask_index():
    target = np.array([[0, 1, 1]], "int32")
    check_op("ctc_loss", target, _r(1, 6, 3), np.array([3], "int32"),
             np.array([6], "int32"), mask_index=2, module="nn", rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("merge_repeated", [True, False])
@pytest.mark.parametrize("mask_index", [0, 2])
def test_ctc_decode_greedy(merge_repeated, mask_index):
    x = _r(2, 6, 3)
    x[0, 1] = x[0, 0]  # a repeat
    check_op("ctc_decode", x, np.array([6, 4], "int32"), merge_repeated=merge_repeated,
             mask_index=mask_index, module="nn")


# -- gradients (ember's tape vs central finite differences, float64) -------------------

def _numeric_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (float(np.sum(f(up))) - float(np.sum(f(down)))) / (2 * h)
    return g


def _ops():
    from ember import keras
    return keras.ops.nn


GRADS = {
    "activations": (lambda x: _ops().gelu(x) * _ops().celu(x) + _ops().sparsemax(x)
                    + _ops().log_softmax(x, axis=0) + _ops().hard_silu(x), (4, 3)),
    "conv3d": (lambda x: _ops().conv(x, np.linspace(-1, 1, 24).reshape(2, 2, 2, 3, 1),
                                     strides=(2, 1, 1), padding="same"), (1, 3, 3, 3, 3)),
    "conv_transpose3d": (lambda x: _ops().conv_transpose(
        x, np.linspace(-1, 1, 16).reshape(2, 2, 2, 1, 2), strides=2, padding="same"),
        (1, 2, 2, 2, 2)),
    "depthwise": (lambda x: _ops().depthwise_conv(
        x, np.linspace(-1, 1, 12).reshape(2, 3, 2), dilation_rate=2), (1, 6, 3)),
    "pools": (lambda x: _ops().max_pool(x, 2, 1) * _ops().average_pool(x, 2, 1)
              + _ops().adaptive_average_pool(x, (2, 2, 2)), (1, 3, 3, 3, 1)),
    "fold": (lambda x: _ops().fold(_ops().unfold(x, 2) ** 2, (3, 3), 2), (1, 2, 3, 3)),
    "losses": (lambda x: _ops().categorical_crossentropy(np.eye(3)[[0, 2]], x,
                                                         from_logits=True)
               + _ops().binary_crossentropy(np.eye(3)[[0, 2]], _ops().sigmoid(x))[:, 0],
               (2, 3)),
    "normalization": (lambda x: _ops().layer_normalization(x, axis=(0, 1))
                      * _ops().normalize(x) + _ops().rms_normalization(x), (3, 4)),
    "attention": (lambda x: _ops().dot_product_attention(x, x[:, ::-1], x, is_causal=True),
                  (1, 3, 2, 2)),
    "ctc_loss": (lambda x: _ops().ctc_loss(np.array([[1, 2]]), x, np.array([2]),
                                           np.array([4])), (1, 4, 3)),
}


@pytest.mark.parametrize("family", sorted(GRADS))
def test_gradients(family):
    import ember as tf
    fn, shape = GRADS[family]
    x = RNG.uniform(-1, 1, shape)
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(xv))
    got = tape.gradient(y, xv).numpy()
    want = _numeric_grad(lambda v: fn(tf.constant(v)).numpy(), x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("call,error,match", [
    (lambda nn: nn.conv(np.ones((2, 3), "float32"), np.ones((1, 1), "float32")),
     ValueError, "rank 3 or 4 or 5"),
    (lambda nn: nn.conv(np.ones((1, 4, 3), "float32"), np.ones((2, 2, 1), "float32")),
     ValueError, "divisible by kernel.shape"),
    (lambda nn: nn.conv(np.ones((1, 4, 1), "float32"), np.ones((2, 1, 1), "float32"),
                        padding="full"), ValueError, "padding must be 'valid' or 'same'"),
    (lambda nn: nn.max_pool(np.ones((1, 4, 1), "float32"), 2, data_format="NHWC"),
     ValueError, "data_format must be"),
    (lambda nn: nn.glu(np.ones((2, 3), "float32")), ValueError, "divisible by 2"),
    (lambda nn: nn.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4))),
     ValueError, "same shape"),
    (lambda nn: nn.normalize(np.ones(3), order=0), ValueError, "order"),
    (lambda nn: nn.dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3))),
     ValueError, "4D inputs"),
    (lambda nn: nn.depth_to_space(np.ones((1, 2, 2, 3)), 2), ValueError, "divisible"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(_ops())
