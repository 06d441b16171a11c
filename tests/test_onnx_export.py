"""ONNX export (`ember.onnx.export`): the exported model passes `onnx.checker` and, run by
onnxruntime, gives ember's outputs, for Keras models (an MLP, a CNN, LSTMs, a transformer
block) at two batch sizes, and for plain functions of ops; unmapped primitives and bad
arguments give clear errors and write nothing."""

import numpy as np
import pytest

import ember as tf
import ember.onnx
from ember import keras
from ember.keras import layers as L

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(proto):
    onnx.checker.check_model(proto, full_check=True)
    return ort.InferenceSession(proto.SerializeToString(),
                                providers=["CPUExecutionProvider"])


def _randomize(model, seed):
    """Random weights, seeded (variances positive), so every weight matters."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        shape = tuple(v.shape)
        if "variance" in v.name:
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.5, shape)
        v.assign(value.astype(v.dtype.name))


def _check_model(model, batches, rtol=1e-5, atol=1e-5):
    """Exports `model`, runs each input batch through onnxruntime and model.predict."""
    proto = ember.onnx.export(model)
    sess = _session(proto)
    dims = sess.get_inputs()[0].shape
    assert dims[0] == "batch"
    for x in batches:
        want = model.predict(x, verbose=0)
        (got,) = sess.run(None, {sess.get_inputs()[0].name: x})
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    return proto


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# -- Keras models --------------------------------------------------------------------------

def test_mlp_matches_predict_at_two_batch_sizes():
    model = keras.Sequential([L.Input((8,)), L.Dense(16, activation="relu"),
                              L.Dense(12, activation="tanh"),
                              L.Dense(10, activation="softmax")])
    _randomize(model, 0)
    proto = _check_model(model, [_normal(1, 8), _normal(7, 8, seed=1)])
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    for v in model.weights:  # each weight an initializer named after it
        np.testing.assert_array_equal(inits[v.name.split(":")[0]], v.numpy())


def test_cnn_matches_predict_at_two_batch_sizes():
    model = keras.Sequential([
        L.Input((12, 12, 3)), L.Conv2D(4, (4, 3), padding="same"), L.BatchNormalization(),
        L.ReLU(), L.MaxPooling2D(), L.Conv2D(5, 3, strides=2, padding="valid"),
        L.AveragePooling2D(padding="same"), L.Conv2D(4, 3, dilation_rate=2, padding="same"),
        L.DepthwiseConv2D(3, padding="same", depth_multiplier=2), L.Dropout(0.5),
        L.Flatten(), L.Dense(6, activation="sigmoid"), L.Dense(3)])
    _randomize(model, 1)
    _check_model(model, [_normal(2, 12, 12, 3), _normal(5, 12, 12, 3, seed=2)])


def test_cnn_with_global_pooling_and_transposed_conv():
    model = keras.Sequential([
        L.Input((5, 5, 2)), L.Conv2DTranspose(3, 3, strides=2, padding="same"),
        L.Conv2DTranspose(2, 3, strides=2, padding="valid"),
        L.MaxPooling2D(3, strides=2, padding="same"), L.GlobalAveragePooling2D(),
        L.Dense(2)])
    _randomize(model, 2)
    _check_model(model, [_normal(1, 5, 5, 2), _normal(3, 5, 5, 2, seed=3)])


def test_lstm_on_embeddings_matches_predict():
    model = keras.Sequential([L.Input((5,), dtype="int32"), L.Embedding(20, 6),
                              L.LSTM(7), L.Dense(2)])
    _randomize(model, 3)
    rng = np.random.default_rng(4)
    _check_model(model, [rng.integers(0, 20, (2, 5)).astype(np.int32),
                         rng.integers(0, 20, (6, 5)).astype(np.int32)], 1e-4, 1e-5)


def test_recurrent_layers_over_unknown_time_are_an_onnx_loop():
    # a None time dim: the layers loop with ember.while_loop, exported as ONNX Loop
    model = keras.Sequential([L.Input((None, 4)), L.LSTM(3, return_sequences=True),
                              L.GRU(3, return_sequences=True), L.SimpleRNN(2)])
    _randomize(model, 5)
    proto = _check_model(model, [_normal(2, 6, 4), _normal(3, 2, 4, seed=6)], 1e-4, 1e-5)
    assert "Loop" in [n.op_type for n in proto.graph.node]


def test_masked_lstm_matches_predict():
    model = keras.Sequential([L.Input((6,), dtype="int32"),
                              L.Embedding(10, 4, mask_zero=True), L.LSTM(3)])
    _randomize(model, 7)
    x = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 6, 7, 8], [9, 0, 0, 0, 0, 0]], np.int32)
    _check_model(model, [x[:2], x], 1e-4, 1e-5)


def test_transformer_block_matches_predict():
    inp = L.Input((6, 8))
    att = L.MultiHeadAttention(num_heads=2, key_dim=4)(inp, inp)
    x = L.LayerNormalization()(inp + att)
    y = L.Dense(16, activation="gelu")(x)
    y = L.Dense(8)(y)
    out = L.LayerNormalization(epsilon=1e-5)(x + y)
    model = keras.Model(inp, out)
    _randomize(model, 8)
    proto = _check_model(model, [_normal(2, 6, 8), _normal(4, 6, 8, seed=9)])
    ops = {n.op_type for n in proto.graph.node}
    assert {"Einsum", "Softmax", "LayerNormalization"} <= ops


def test_causal_attention_over_unknown_length_matches_predict():
    inp = L.Input((None, 8))
    att = L.MultiHeadAttention(num_heads=2, key_dim=4)(inp, inp, use_causal_mask=True)
    out = L.GlobalAveragePooling1D()(L.LayerNormalization()(inp + att))
    model = keras.Model(inp, out)
    _randomize(model, 20)
    _check_model(model, [_normal(2, 5, 8, seed=21), _normal(3, 7, 8, seed=22)])


def test_model_of_two_inputs_and_two_outputs():
    a, b = L.Input((3,), name="a"), L.Input((2,), name="b")
    h = L.Concatenate()([a, b])
    model = keras.Model([a, b], [L.Dense(2)(h), L.Dense(1, activation="sigmoid")(h)])
    _randomize(model, 23)
    sess = _session(ember.onnx.export(model))
    assert [i.name for i in sess.get_inputs()] == ["a", "b"]
    xa, xb = _normal(4, 3, seed=24), _normal(4, 2, seed=25)
    for got, want in zip(sess.run(None, {"a": xa, "b": xb}), model.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_signatures_of_functions_and_layers():
    f = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None, 2])])
    assert [n.op_type for n in ember.onnx.export(f).graph.node] == ["Mul", "Identity"]
    layer = L.Dense(3)
    layer.build((None, 4))
    with pytest.raises(ValueError, match="input_signature"):
        ember.onnx.export(layer)  # a bare layer has no inputs to read the signature from
    proto = ember.onnx.export(layer, [tf.TensorSpec([None, 4])])
    x = _normal(2, 4, seed=26)
    np.testing.assert_allclose(_session(proto).run(None, {"input_0": x})[0],
                               layer(x).numpy(), rtol=1e-5, atol=1e-6)


# -- plain functions ---------------------------------------------------------------------

def _check_fn(fn, signature, *xs, opset=17):
    proto = ember.onnx.export(fn, signature, opset=opset)
    sess = _session(proto)
    got = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})
    want = [np.asarray(w) for w in tf.nest.flatten(fn(*xs))]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    return proto


FLOAT_OPS = {
    "slices": lambda x: (x[:, 1:3], x[::-1, ::2], x[..., -1], x[:, None, 0], x[1], x[-2:]),
    "reverse_transpose": lambda x: (tf.reverse(x, [1]), tf.transpose(x),
                                    tf.reshape(x, [-1, 2]), tf.expand_dims(x, 0),
                                    tf.squeeze(x[:, :1], 1)),
    "reductions": lambda x: (tf.reduce_mean(x, 1), tf.reduce_max(x),
                             tf.reduce_min(x, 0, keepdims=True), tf.reduce_prod(x, 1),
                             tf.reduce_sum(x, [0, 1]), tf.reduce_logsumexp(x, 1),
                             tf.reduce_any(x > 1.0, 1), tf.reduce_all(x > -3.0)),
    "arg_and_scan": lambda x: (tf.argmax(x, 1), tf.argmin(x, 0, output_type=tf.int32),
                               tf.math.cumsum(x, 1, exclusive=True, reverse=True)),
    "join_and_split": lambda x: (tf.concat([x, x * 2.0], 1), tf.stack([x, x], 1),
                                 *tf.split(x, 2, axis=1), *tf.split(x, [1, 3], axis=1),
                                 tf.tile(x, [1, 2])),
    "pad": lambda x: (tf.pad(x, [[1, 0], [0, 2]], constant_values=3.0),
                      tf.pad(x, [[0, 0], [1, 1]], mode="REFLECT")),
    "select_clip_cast": lambda x: (tf.where(x > 0, x, -x), tf.clip_by_value(x, -0.5, 0.5),
                                   tf.cast(x > 0, tf.int32), tf.math.is_finite(x),
                                   tf.math.not_equal(x, x[0]), tf.sign(x)),
    "unary_math": lambda x: (tf.math.log1p(tf.abs(x)), tf.math.expm1(x),
                             tf.math.rsqrt(tf.abs(x) + 1.0), tf.math.erfc(x),
                             tf.sqrt(tf.abs(x)), tf.exp(x), tf.math.log(tf.abs(x) + 1.0),
                             tf.sin(x), tf.cos(x), tf.math.round(x * 3.0), tf.math.floor(x),
                             tf.math.ceil(x), tf.math.atan(x), tf.square(x)),
    "binary_math": lambda x: (tf.math.floormod(x, 0.7), tf.math.floordiv(x, 0.7),
                              tf.maximum(x, 0.1), tf.minimum(x, x[0]), x / (x * x + 1.0),
                              tf.pow(tf.abs(x), 1.5)),
    "activations": lambda x: (tf.nn.log_softmax(x), tf.nn.softmax(x, axis=0), tf.nn.silu(x),
                              tf.nn.elu(x), tf.nn.gelu(x), tf.nn.softplus(x),
                              tf.nn.relu6(x), tf.nn.leaky_relu(x), tf.sigmoid(x),
                              tf.tanh(x)),
    "sort_and_top_k": lambda x: (tf.nn.top_k(x, 2).values, tf.nn.top_k(x, 2).indices,
                                 tf.sort(x, axis=1), tf.argsort(x, direction="DESCENDING")),
    "matmul_einsum": lambda x: (tf.matmul(x, x, transpose_b=True),
                                tf.matmul(x, x, transpose_a=True),
                                tf.einsum("ij,kj->ik", x, x)),
}


@pytest.mark.parametrize("name", sorted(FLOAT_OPS))
def test_ops_of_a_plain_function_match_eager(name):
    x = _normal(3, 4, seed=10)
    _check_fn(FLOAT_OPS[name], [tf.TensorSpec([None, 4])], x)


def test_integer_ops_match_eager():
    def f(a, b):
        return (a // b, a % b, tf.gather(a, [2, 0], axis=1), tf.gather(a, tf.abs(b) % 3,
                                                                        axis=1),
                a * b - a, tf.maximum(a, b), tf.cast(a, tf.float32) / 3.0, a / b)

    rng = np.random.default_rng(11)
    a = rng.integers(-9, 9, (4, 3)).astype(np.int32)
    b = (rng.integers(1, 5, (4, 3)) * rng.choice([-1, 1], (4, 3))).astype(np.int32)
    _check_fn(f, [tf.TensorSpec([None, 3], tf.int32)] * 2, a, b)


def _control(x, n):
    r = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * 1.5 + 1.0),
                      [tf.constant(0), x])[1]
    c = tf.cond(tf.reduce_sum(x) > 0, lambda: x + 1.0, lambda: x * 3.0)
    return (r, c, x[n:], x[: n + 1], tf.slice(x, [0, n], [-1, 1]), x[n], x[:, n],
            tf.gather_nd(x, [[0, 1], [1, 0]]))


@pytest.mark.parametrize("opset", [17, 18])
def test_control_flow_and_run_time_slices(opset):
    x = _normal(3, 4, seed=12)
    spec = [tf.TensorSpec([None, 4]), tf.TensorSpec([], tf.int32)]
    proto = _check_fn(_control, spec, x, np.array(2, np.int32), opset=opset)
    assert {"Loop", "If"} <= {n.op_type for n in proto.graph.node}
    assert proto.opset_import[0].version == opset
    _check_fn(_control, spec, -x, np.array(0, np.int32), opset=opset)


def test_variables_become_uniquely_named_initializers():
    w1 = tf.Variable(np.full((2, 2), 2.0, np.float32), name="w")
    w2 = tf.Variable(np.full((2,), 3.0, np.float32), name="w")
    proto = ember.onnx.export(tf.function(lambda x: x @ w1 + w2),
                              [tf.TensorSpec([None, 2], name="features")])
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    assert {"w", "w_1"} <= set(inits)
    assert proto.graph.input[0].name == "features"
    got = _session(proto).run(None, {"features": np.ones((1, 2), np.float32)})[0]
    np.testing.assert_array_equal(got, [[7.0, 7.0]])


def test_dynamic_batch_false_fixes_the_batch_to_one():
    model = keras.Sequential([L.Input((3,)), L.Dense(2)])
    proto = ember.onnx.export(model, dynamic_batch=False)
    dim = proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_value == 1 and not dim.dim_param


# -- files and errors ---------------------------------------------------------------------

def test_path_writes_a_loadable_file(tmp_path):
    model = keras.Sequential([L.Input((4,)), L.Dense(3, activation="relu")])
    _randomize(model, 13)
    path = tmp_path / "model.onnx"
    proto = ember.onnx.export(model, None, path)
    loaded = onnx.load(str(path))
    assert loaded.SerializeToString() == proto.SerializeToString()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = _normal(2, 4, seed=14)
    np.testing.assert_allclose(sess.run(None, {sess.get_inputs()[0].name: x})[0],
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_an_unmapped_primitive_names_itself_and_writes_nothing(tmp_path):
    path = tmp_path / "never.onnx"
    with pytest.raises(NotImplementedError) as info:
        ember.onnx.export(lambda x: tf.math.lgamma(x) + 1.0, [tf.TensorSpec([None])], path)
    text = str(info.value)
    assert "'lgamma'" in text and "nothing was exported" in text
    assert not path.exists()


def test_an_unmapped_primitive_inside_a_loop_body_is_found_first():
    def f(x):
        return tf.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, tf.math.lgamma(y)),
                             [0, x])[1]

    with pytest.raises(NotImplementedError, match="lgamma"):
        ember.onnx.export(f, [tf.TensorSpec([3])])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="input_signature"):
        ember.onnx.export(lambda x: x * 2.0)
    with pytest.raises(ValueError, match="opset"):
        ember.onnx.export(lambda x: x * 2.0, [tf.TensorSpec([2])], opset=11)
    with pytest.raises(TypeError, match="TensorSpec"):
        ember.onnx.export(lambda x: x * 2.0, [np.zeros(2)])
    v = tf.Variable(1.0, name="counter")

    def assigns(x):
        v.assign_add(1.0)
        return x * v

    with pytest.raises(NotImplementedError, match="counter"):
        ember.onnx.export(assigns, [tf.TensorSpec([2])])


def test_fused_primitives_and_fill_like_map_too():
    # Not in traced graphs (the executor's rewrites make the fused ones, gradients make
    # fill_like), but mapped should a graph hold them.
    from ember.core.registry import PRIMITIVES, bind

    w = tf.constant(_normal(4, 3, seed=15))
    b = tf.constant(_normal(3, seed=16))

    def f(x):
        x = tf.convert_to_tensor(x)
        y = bind(PRIMITIVES["einsum_bias"], x, w, b, x[:, :3], equation="ij,jk->ik",
                 relu=True, residual=True)
        return (y, bind(PRIMITIVES["bias_relu"], x[:, :3], b),
                bind(PRIMITIVES["fill_like"], x, value=2.5))

    x = _normal(2, 4, seed=17)
    _check_fn(f, [tf.TensorSpec([None, 4])], x)
    want = np.maximum(x @ w.numpy() + b.numpy() + x[:, :3], 0)
    np.testing.assert_allclose(f(x)[0].numpy(), want, rtol=1e-5, atol=1e-6)


def test_an_already_called_function_exports_its_traced_graph():
    f = tf.function(lambda x, b: tf.nn.relu(x + b))
    x, b = _normal(2, 3, seed=18), _normal(3, seed=19)
    f(x, b)  # its plan fuses add + relu into bias_relu; the export sees the trace
    proto = _check_fn(f, [tf.TensorSpec([None, 3]), tf.TensorSpec([3])], x, b)
    assert [n.op_type for n in proto.graph.node] == ["Add", "Relu", "Identity"]


def test_log1p_and_expm1_keep_tiny_and_infinite_values():
    f = lambda x: (tf.math.log1p(x), tf.math.expm1(x))  # noqa: E731
    x = np.array([-1.0, -0.5, -200.0, -1e-7, 1e-7, 0.0, 3e-3, 2.0, 100.0, 1e30, np.inf],
                 np.float32)
    sess = _session(ember.onnx.export(f, [tf.TensorSpec([None])]))
    for got, want in zip(sess.run(None, {"input_0": x}), f(x)):
        np.testing.assert_allclose(got, want.numpy(), rtol=2e-7)


def test_parameters_without_a_mapping_are_clear_errors(tmp_path):
    path = tmp_path / "never.onnx"
    with pytest.raises(NotImplementedError, match="'split'.*unknown size.*Nothing was export"):
        ember.onnx.export(lambda x: tf.split(x, [1, -1], 0), [tf.TensorSpec([None])], path)
    assert not path.exists()
    f = lambda a, b: tf.bitwise.bitwise_and(a, b)  # noqa: E731
    spec = [tf.TensorSpec([None], tf.int32)] * 2
    with pytest.raises(NotImplementedError, match="opset 18"):
        ember.onnx.export(f, spec)
    a, b = np.array([12, 5], np.int32), np.array([10, 4], np.int32)
    _check_fn(f, spec, a, b, opset=18)
