"""Issue 12: layers and models take what Keras 3 (TF 2.21's tf.keras) takes.

Expected values were checked against TF 2.21.0 / Keras 3.15.1 (TensorFlow backend).
"""

import numpy as np
import pytest

import ember as tf
from ember import keras


# -- 1. input autocasting -----------------------------------------------------------------
def _identity_layer(**kw):
    class Ident(keras.layers.Layer):
        def call(self, x):
            return x
    return Ident(**kw)


def test_dense_takes_int64_multi_hot_eager_and_symbolic():
    d = keras.layers.Dense(2, kernel_initializer="ones")
    x = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.int64)
    y = d(x)
    assert y.dtype == tf.float32  # Keras 3: float32
    np.testing.assert_allclose(y.numpy(), [[2, 2], [1, 1]])
    inp = keras.Input((3,), dtype="int64")
    out = keras.layers.Dense(2)(inp)
    assert out.dtype == tf.float32
    assert keras.layers.Dense(2)(np.ones((1, 3), dtype=bool)).dtype == tf.float32


def test_dense_int_inputs_in_fit_and_predict():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, (16, 5)).astype("int64")
    y = x.sum(1).astype("float32")
    m = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    hist = m.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    p = m.predict(x[:3], verbose=0)
    assert p.dtype == np.float32 and p.shape == (3, 1)
    inp = keras.Input((5,), dtype="int64")
    f = keras.Model(inp, keras.layers.Dense(1)(inp))
    f.compile("sgd", "mse")
    f.fit(x, y, verbose=0)
    assert f.predict(x[:2], verbose=0).shape == (2, 1)


def test_autocast_rules_match_keras3():
    # floats take the compute dtype; ints stay; autocast=False keeps float64
    assert _identity_layer()(np.ones((1, 3))).dtype == tf.float32
    assert _identity_layer()(np.ones((1, 3), dtype=np.int32)).dtype == tf.int32
    assert _identity_layer()(tf.ones((1,), dtype=tf.float16)).dtype == tf.float32
    assert _identity_layer(dtype="float16")(np.ones(2)).dtype == tf.float16
    assert _identity_layer(autocast=False)(np.ones((1, 3))).dtype == tf.float64
    e = keras.layers.Embedding(10, 2)
    assert e(np.array([[1, 2]], dtype=np.int64)).dtype == tf.float32


# -- 2. rank adjustment of functional inputs ------------------------------------------------
def test_model_for_trailing_1_takes_rank_1_arrays():
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="ones",
                                                                use_bias=False)])
    x = np.arange(3.0)
    np.testing.assert_allclose(m.predict(x, verbose=0), x[:, None])
    assert m(x).shape == (3, 1)
    inp = keras.Input((1,))
    f = keras.Model(inp, keras.layers.Dense(1)(inp))
    assert f(x).shape == (3, 1)
    m.compile("sgd", "mse")
    hist = m.fit(np.arange(4.0), np.arange(4.0), verbose=0)
    assert hist.history["loss"] == [0.0]


def test_model_drops_trailing_1_and_rejects_other_ranks():
    inp = keras.Input((3,))
    f = keras.Model(inp, keras.layers.Dense(1)(inp))
    assert f(np.ones((2, 3, 1))).shape == (2, 1)
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(2, 3, 2\)"):
        f(np.ones((2, 3, 2)))


# -- 3. Python lists and pandas ---------------------------------------------------------------
def test_python_lists_in_fit_predict_evaluate():
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="ones",
                                                                use_bias=False)])
    m.compile("sgd", "mse")
    assert m.fit([[1.0], [2.0]], [1.0, 2.0], verbose=0).history["loss"] == [0.0]
    np.testing.assert_allclose(m.predict([[1.0], [2.0]], verbose=0), [[1.0], [2.0]])
    assert m.evaluate([[1.0], [2.0]], [1.0, 2.0], verbose=0) == 0.0


def test_pandas_dataframe_and_series():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0]})
    s = pd.Series([1.0, 3.0, 3.0, 5.0])
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones",
                                                                use_bias=False)])
    m.compile("sgd", "mse")
    assert m.evaluate(df, s, verbose=0) == 0.0
    np.testing.assert_allclose(m.predict(df, verbose=0)[:, 0], s.to_numpy())
    assert len(m.fit(df, s, epochs=2, verbose=0).history["loss"]) == 2
    np.testing.assert_allclose(m.predict(df[["a"]].assign(b=0.0), verbose=0)[:, 0],
                               df["a"].to_numpy())
    one = keras.Sequential([keras.Input((1,)), keras.layers.Dense(
        1, kernel_initializer="ones", use_bias=False)])  # a Series into a (None, 1) model
    np.testing.assert_allclose(one.predict(df["a"], verbose=0), df[["a"]].to_numpy())
    with pytest.raises(TypeError, match="non-numeric"):
        m.predict(pd.DataFrame({"a": ["x", "y"], "b": [1.0, 2.0]}), verbose=0)


# -- 4. what losses and metrics receive ----------------------------------------------------------
def test_user_metric_gets_y_true_as_given_and_loss_gets_expanded():
    seen = {}

    def rmse(y_true, y_pred):
        seen["metric"] = (tuple(y_true.shape), tuple(y_pred.shape))
        return tf.sqrt(tf.reduce_mean(tf.square(y_pred - y_true)))

    def my_loss(y_true, y_pred):
        seen["loss"] = (tuple(y_true.shape), tuple(y_pred.shape))
        return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)

    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        1, kernel_initializer="ones", use_bias=False)])
    m.compile("sgd", my_loss, metrics=[rmse, "mae"])
    x = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
    y = np.array([1.5, 2.0, 1.0, 2.0])
    p = x.sum(1)
    logs = m.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    # Keras 3 passes the (batch,) target unchanged to a user metric, so (batch, 1) - (batch,)
    # broadcasts, exactly as in TF 2.21 (0.9013878...)
    assert seen["metric"][0][-1:] == (4,) or seen["metric"][0] in ((None,), (4,))
    assert len(seen["metric"][0]) == 1 and len(seen["metric"][1]) == 2
    assert len(seen["loss"][0]) == 2  # losses: y_true expanded to (batch, 1)
    np.testing.assert_allclose(logs["rmse"], np.sqrt(np.mean((p[:, None] - y[None, :]) ** 2)),
                               rtol=1e-6)
    np.testing.assert_allclose(logs["rmse"], 0.9013878107070923, rtol=1e-6)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(p - y)), rtol=1e-6)
    np.testing.assert_allclose(logs["loss"], np.mean((p - y) ** 2), rtol=1e-6)


# -- 5. compiled metrics in self.metrics in a custom train_step ---------------------------------
class _GuideModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_guide_custom_train_step_logs_compiled_metrics():
    inp = keras.Input((2,))
    m = _GuideModel(inp, keras.layers.Dense(1, kernel_initializer="zeros")(inp))
    m.compile("sgd", "mse", metrics=["mae"])
    x = np.ones((4, 2), "float32")
    y = np.full((4, 1), 2.0, "float32")
    hist = m.fit(x, y, verbose=0)
    assert sorted(hist.history) == ["loss", "mae"]
    np.testing.assert_allclose(hist.history["mae"], [2.0], rtol=1e-6)
    logs = m.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae"]


# -- 6. one_hot with a depth from a shape -------------------------------------------------------
def test_one_hot_depth_from_shape_inside_fit():
    def cce(y_true, y_pred):
        oh = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), depth=tf.shape(y_pred)[1])
        return keras.losses.categorical_crossentropy(oh, y_pred)

    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    m.compile("sgd", cce)
    x = np.ones((4, 2), "float32")
    y = np.array([0, 1, 2, 1])
    hist = m.fit(x, y, verbose=0)
    ref = keras.losses.SparseCategoricalCrossentropy()(y, m.predict(x, verbose=0))
    assert np.isfinite(hist.history["loss"][0])
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0), float(ref), rtol=1e-5)
    assert tf.one_hot([0, 2], depth=tf.constant(3)).shape == (2, 3)

    @tf.function
    def dynamic(x):  # the batch size is only known when the function runs
        return tf.one_hot([0], depth=tf.shape(x)[0])

    with pytest.raises(ValueError, match="one_hot: depth must be known"):
        dynamic.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))


# -- 7. an adapted Normalization in a model built in fit, and reused ----------------------------
def test_adapted_normalization_reused_in_second_model():
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]))
    x = np.ones((4, 2), "float32")
    y = np.ones((4, 1), "float32")
    a = keras.Sequential([norm, keras.layers.Dense(1)])
    a.compile("sgd", "mse")
    assert len(a.fit(x, y, verbose=0).history["loss"]) == 1
    b = keras.Sequential([norm, keras.layers.Dense(1)])
    b.compile("sgd", "mse")
    assert len(b.fit(x, y, verbose=0).history["loss"]) == 1
    n1 = keras.layers.Normalization(axis=None)
    n1.adapt(np.array([1.0, 2.0, 3.0]))
    for _ in range(2):
        c = keras.Sequential([keras.Input((1,)), n1, keras.layers.Dense(1)])
        c.compile("sgd", "mse")
        c.fit(np.ones((4, 1)), np.ones(4), verbose=0)
        np.testing.assert_allclose(n1(np.array([[2.0]])).numpy(), [[0.0]], atol=1e-6)


# -- 8. summary of an unbuilt Sequential ----------------------------------------------------------
def test_summary_of_unbuilt_sequential_prints_unbuilt_rows():
    lines = []
    s = keras.Sequential([keras.layers.Dense(2, name="d1"), keras.layers.Dense(1, name="d2")])
    s.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "d1 (Dense)" in text and "d2 (Dense)" in text
    assert "0 (unbuilt)" in text
    assert "Total params: 0" in text


# -- 9. adjust_contrast has no gradient -----------------------------------------------------------
def test_adjust_contrast_gradient_raises_lookup_error():
    img = tf.Variable(np.random.default_rng(0).random((1, 2, 2, 3)).astype("float32"))
    with tf.GradientTape() as t:
        out = tf.reduce_sum(tf.image.adjust_contrast(img, 2.0))
    with pytest.raises(LookupError, match="AdjustContrastv2"):
        t.gradient(out, img)


# -- 10. small API ----------------------------------------------------------------------------------
def test_pretty_printed_signatures():
    @tf.function
    def fn(a, b=1):
        return a + b

    fn(tf.constant([1.0]))
    text = fn.pretty_printed_concrete_signatures()
    assert "Input Parameters:" in text
    assert "a (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(1,), dtype=tf.float32, name=None)" \
        in text
    assert "b (POSITIONAL_OR_KEYWORD): Literal[1]" in text
    assert "Output Type:\n  TensorSpec(shape=(1,), dtype=tf.float32, name=None)" in text
    cf = fn.get_concrete_function(tf.constant([1.0]))
    assert cf.pretty_printed_signature().startswith("Input Parameters:")


def test_keras_version():
    import ember
    assert keras.__version__.startswith("3.")
    assert keras.ember_version == ember.__version__


@pytest.mark.parametrize("kw, shape, head, total", [  # TF 2.21 / Keras 3.15.1 values
    (dict(strides=2), (1, 9, 2), [0.5714, -0.3, 0.8286, -0.0429, 1.2857, 0.9286], 48.7714),
    (dict(strides=2, padding="same"), (1, 8, 2), [0.5714, -0.3, 0.8286, -0.0429], 36.2857),
    (dict(strides=3, output_padding=1), (1, 13, 2), [0.5714, -0.3, 0.8286, -0.0429, 1.0857,
                                                     0.2143], 48.7714),
    (dict(strides=1, dilation_rate=2), (1, 8, 2), [0.5714, -0.3, 0.7, 0.2143, 1.1571],
     48.7714),
])
def test_conv1d_transpose_matches_keras3(kw, shape, head, total):
    x = np.arange(12, dtype="float32").reshape(1, 4, 3) / 10
    layer = keras.layers.Conv1DTranspose(2, 3, **kw)
    layer.build((None, 4, 3))
    assert tuple(layer.kernel.shape) == (3, 2, 3)  # Keras 3: (kernel_size, filters, in)
    k = np.arange(18, dtype="float32").reshape(3, 2, 3) / 7
    layer.set_weights([k, np.array([0.5, -0.5], "float32")])
    y = layer(x).numpy()
    assert y.shape == shape
    np.testing.assert_allclose(y.ravel()[:len(head)], head, atol=1e-4)
    np.testing.assert_allclose(y.sum(), total, atol=1e-3)
    assert keras.layers.Conv1DTranspose(2, 3, **kw)(keras.Input((4, 3))).shape == \
        (None,) + shape[1:]
    config = layer.get_config()
    assert config["kernel_size"] == (3,) and config["strides"] == (kw["strides"],)
    clone = keras.layers.Conv1DTranspose.from_config(config)
    assert clone.compute_output_shape((None, 4, 3)) == (None,) + shape[1:]


def test_guide_custom_train_step_of_a_subclassed_model():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(3, activation="softmax", kernel_initializer="zeros")

        def call(self, x):
            return self.d(x)

        train_step = _GuideModel.train_step

    m = Sub()
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.ones((4, 2), "float32")
    y = np.array([0, 1, 2, 1])
    hist = m.fit(x, y, verbose=0, batch_size=4)
    assert sorted(hist.history) == ["accuracy", "loss"]
    # zero weights: uniform predictions, argmax 0, so 1 of 4 right (as TF 2.21)
    np.testing.assert_allclose(hist.history["accuracy"], [0.25])
    np.testing.assert_allclose(hist.history["loss"], [np.log(3.0)], rtol=1e-5)
