"""Sequential, functional and subclassed models: structure, calling, predict."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers


def _np_forward(x, weights, acts):
    for (k, b), act in zip(weights, acts):
        x = act(x @ k + b)
    return x


RELU = lambda z: np.maximum(z, 0)  # noqa: E731
SIGMOID = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731


def seed_model(kind):
    if kind == "sequential":
        return keras.Sequential([layers.Dense(5, activation="relu", input_shape=(10,)),
                                 layers.Dense(1, activation="sigmoid")])
    inp = keras.Input(shape=(10,))
    x = layers.Dense(5, activation="relu")(inp)
    return keras.Model(inputs=inp, outputs=layers.Dense(1, activation="sigmoid")(x))


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_seed_model_matches_numpy_on_every_input_kind(kind):
    model = seed_model(kind)
    w = model.get_weights()
    data = np.random.default_rng(1).random((3, 10)).astype("float32")
    want = _np_forward(data, [(w[0], w[1]), (w[2], w[3])], [RELU, SIGMOID])
    for x in (data, data.tolist(), tf.constant(data), tf.Variable(data),
              data.astype("float64")):
        out = model(x)
        assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-5)
        pred = model.predict(x, verbose=0)
        assert isinstance(pred, np.ndarray)
        np.testing.assert_allclose(pred, want, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(data), want, rtol=1e-5)


def test_symbolic_in_gives_symbolic_out():
    model = seed_model("functional")
    out = model(keras.Input((10,)))
    assert isinstance(out, keras.KerasTensor) and out.shape == (None, 1)


def test_predict_traces_once_for_all_batch_sizes_and_batches_correctly():
    model = seed_model("functional")
    data = np.random.default_rng(2).random((100, 10)).astype("float32")
    full = model.predict(data, batch_size=7, verbose=0)
    rows = np.concatenate([model.predict(data[i:i + 1], verbose=0) for i in range(100)])
    np.testing.assert_allclose(full, rows, rtol=1e-6)
    model(data[:3])
    assert len(model._compiled) == 1  # one compiled graph for batch sizes 1, 3, 7, 2
    assert model.predict(data, batch_size=10, steps=2, verbose=0).shape == (20, 1)


def test_one_sample_without_batch_axis_is_a_clear_error():
    model = seed_model("functional")
    with pytest.raises(ValueError) as e:
        model.predict(np.zeros(10), verbose=0)
    msg = str(e.value)
    assert "expected shape (None, 10)" in msg and "received shape (10,)" in msg
    assert "x[None]" in msg
    with pytest.raises(ValueError, match=r"expected shape \(None, 10\), received shape \(1, 12\)"):
        model(np.zeros((1, 12)))


def test_sequential_with_first_layer_dense_reports_the_dense_layer():
    model = keras.Sequential([layers.Dense(3, name="dense")])
    model(np.zeros((2, 10)))  # built by the first call
    assert model.inputs[0].shape == (None, 10) and model.outputs[0].shape == (None, 3)
    with pytest.raises(ValueError, match=r"expected shape \(None, 10\)"):
        model(np.zeros((1, 12)))


def test_predict_outputs_and_errors():
    model = seed_model("sequential")
    with pytest.raises(ValueError, match="0 samples"):
        model.predict(np.zeros((0, 10)), verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(np.zeros((1, 10)), batch_size=0, verbose=0)
    with pytest.raises(tf.errors.SymbolicValueError):
        model.predict(keras.Input((10,)), verbose=0)
    gen = (np.ones((2, 10)) for _ in range(3))
    assert model.predict(gen, verbose=0).shape == (6, 1)


def test_predict_progress_bar(capsys):
    model = seed_model("sequential")
    model.predict(np.zeros((64, 10)), batch_size=32)
    out = capsys.readouterr().out
    assert "2/2\x1b[0m \x1b[32m" + "━" * 20 in out and "step" in out  # Keras 3's bar
    model.predict(np.zeros((64, 10)), verbose=0)
    assert capsys.readouterr().out == ""


def test_predict_callbacks_see_each_batch():
    seen = []

    class Recorder:
        def on_predict_batch_end(self, batch, logs):
            seen.append((batch, logs["outputs"][0].shape))

    seed_model("sequential").predict(np.zeros((5, 10)), batch_size=2, verbose=0,
                                     callbacks=[Recorder()])
    assert seen == [(0, (2, 1)), (1, (2, 1)), (2, (1, 1))]


# -- Sequential ------------------------------------------------------------------------

def test_sequential_forms_add_pop_and_get_layer():
    a = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="h"), layers.Dense(1)])
    b = keras.Sequential()
    b.add(layers.Dense(3, input_shape=(4,)))
    b.add(layers.Dense(1))
    for m in (a, b):
        assert m.built and m.input_shape == (None, 4) and m.output_shape == (None, 1)
        assert len(m.layers) == 2 and m.count_params() == 4 * 3 + 3 + 3 + 1
    assert a.get_layer("h") is a.layers[0] and a.get_layer(index=1) is a.layers[1]
    popped = a.pop()
    assert isinstance(popped, layers.Dense) and a.output_shape == (None, 3)
    assert a(np.ones((2, 4))).shape == (2, 3)
    with pytest.raises(ValueError, match="No such layer"):
        a.get_layer("nope")


def test_deferred_sequential_builds_on_first_call():
    m = keras.Sequential([layers.Dense(2), layers.Dense(1)])
    assert not m.built and m.weights == []
    with pytest.raises(AttributeError, match="no inputs"):
        m.inputs
    m(np.ones((3, 5)))
    assert m.built and m.inputs[0].shape == (None, 5) and m.input.shape == (None, 5)
    assert m.predict(np.ones((7, 5)), verbose=0).shape == (7, 1)
    m2 = keras.Sequential([layers.Dense(2)])
    m2.build((None, 6))
    assert m2.layers[0].kernel.shape == (6, 2)


def test_sequential_add_bad_layer_leaves_model_unchanged():
    m = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(TypeError, match="expects a keras layer"):
        m.add("dense")
    with pytest.raises(ValueError):
        m.add(layers.Reshape((5,)))  # 2 values can't become 5
    assert len(m.layers) == 1 and m.output_shape == (None, 2)


def test_sequential_config_round_trip():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="relu", name="d")])
    m2 = keras.Sequential.from_config(m.get_config())
    m2.set_weights(m.get_weights())
    x = np.random.default_rng(0).random((2, 3))
    np.testing.assert_allclose(m(x).numpy(), m2(x).numpy())


# -- functional ------------------------------------------------------------------------

def test_multi_input_multi_output_list_and_dict():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = layers.Dense(4, name="h")(tf.concat([a, b], axis=-1))
    m = keras.Model([a, b], [h, tf.reduce_sum(h, axis=-1)])
    xa, xb = np.ones((5, 3)), np.zeros((5, 2))
    out_list = m([xa, xb])
    out_dict = m({"a": xa, "b": xb})
    assert isinstance(out_list, list) and out_list[0].shape == (5, 4)
    np.testing.assert_allclose(out_list[1].numpy(), out_dict[1].numpy())
    preds = m.predict({"a": xa, "b": xb}, verbose=0)
    assert [p.shape for p in preds] == [(5, 4), (5,)]
    dm = keras.Model({"a": a, "b": b}, {"h": h})
    assert dm({"a": xa, "b": xb})["h"].shape == (5, 4)
    with pytest.raises(ValueError, match="expects 2 inputs"):
        m(xa)
    with pytest.raises(ValueError, match="missing input"):
        m({"a": xa})


def test_shared_layers_nested_models_and_feature_extraction():
    shared = layers.Dense(3, name="shared")
    a, b = keras.Input((4,)), keras.Input((4,))
    merged = shared(a) + shared(b)
    inner = keras.Sequential([layers.Dense(2, input_shape=(3,), name="inner_d")], name="inner")
    out = inner(merged)
    model = keras.Model([a, b], out)
    x = np.random.default_rng(3).random((2, 4)).astype("float32")
    k, bias = shared.get_weights()
    want = ((x @ k + bias) * 2) @ inner.get_weights()[0] + inner.get_weights()[1]
    np.testing.assert_allclose(model([x, x]).numpy(), want, rtol=1e-5)
    assert model.get_layer("inner") is inner
    assert model.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    feat = keras.Model(model.inputs, model.get_layer("shared").get_output_at(0)
                       if hasattr(model.get_layer("shared"), "get_output_at") else merged)
    assert feat([x, x]).shape == (2, 3)
    with pytest.raises(AttributeError, match="called 2 times"):
        shared.output


def test_feature_extraction_from_a_seed_model():
    inp = keras.Input((10,))
    h = layers.Dense(5, activation="relu", name="hidden")(inp)
    m = keras.Model(inp, layers.Dense(1)(h))
    features = keras.Model(m.input, m.get_layer("hidden").output)
    x = np.ones((2, 10), "float32")
    k, b = m.get_layer("hidden").get_weights()
    np.testing.assert_allclose(features(x).numpy(), np.maximum(x @ k + b, 0), rtol=1e-6)


def test_graph_disconnected_is_a_clear_error():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*'b'"):
        keras.Model(a, out)
    with pytest.raises(TypeError, match="KerasTensors"):
        keras.Model(a, tf.ones((1, 2)))


def test_gradient_through_a_compiled_model_call_matches_finite_differences():
    tf.random.set_seed(3)  # fixed weights: a perturbation crossing a ReLU kink breaks FD
    model = seed_model("functional")
    x = np.random.default_rng(4).random((4, 10)).astype("float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads)
    k = model.trainable_weights[0]
    base = k.numpy().copy()
    eps = 1e-2
    num = np.zeros_like(base)
    for idx in [(0, 0), (3, 2), (9, 4)]:
        for sign in (1, -1):
            pert = base.copy()
            pert[idx] += sign * eps
            k.assign(pert)
            num[idx] += sign * float(tf.reduce_sum(model(x))) / (2 * eps)
        np.testing.assert_allclose(grads[0].numpy()[idx], num[idx], rtol=2e-2, atol=1e-3)
    k.assign(base)


# -- subclassed ------------------------------------------------------------------------

class TwoLayer(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(5, activation="relu")
        self.d2 = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=None):
        return self.d2(self.d1(inputs))


def test_subclassed_model_tracks_layers_and_predicts_compiled():
    m = TwoLayer()
    x = np.random.default_rng(5).random((3, 10)).astype("float32")
    out = m(x)
    assert len(m.layers) == 2 and len(m.weights) == 4 and m.count_params() == 61
    w = m.get_weights()
    want = _np_forward(x, [(w[0], w[1]), (w[2], w[3])], [RELU, SIGMOID])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(m.predict(x, batch_size=2, verbose=0), want, rtol=1e-5)
    assert len([cf for cf in m._predict_cache.values() if cf]) == 1


def test_subclassed_model_whose_call_needs_values_predicts_eagerly_with_a_warning():
    class Pythonic(keras.Model):
        def call(self, x):
            return x * 2 if float(tf.reduce_sum(x)) > 0 else x

    with pytest.warns(UserWarning, match="running it eagerly"):
        out = Pythonic().predict(np.ones((2, 2)), verbose=0)
    np.testing.assert_array_equal(out, np.full((2, 2), 2.0))


def test_subclassed_model_build_and_missing_call():
    m = TwoLayer()
    m.build((None, 7))
    assert m.d1.kernel.shape == (7, 5)

    class NoCall(keras.Model):
        pass

    with pytest.raises(NotImplementedError, match="must define"):
        NoCall()(np.ones((1, 2)))


# -- summary ---------------------------------------------------------------------------

def test_summary_table_and_print_fn():
    keras.backend.clear_session()
    lines = []
    seed_model("sequential").summary(print_fn=lines.append)
    assert len(lines) == 1  # Keras 3 passes the whole summary in one call
    lines = lines[0].splitlines()
    text = "\n".join(lines)
    assert lines[0] == 'Model: "sequential"'
    assert "dense (Dense)" in text and "(None, 5)" in text and "55" in text
    assert "Total params: 61 (244.00 B)" in text
    assert "Trainable params: 61" in text and "Non-trainable params: 0" in text
    assert all(len(line) <= 88 for line in lines)


def test_summary_functional_connected_to_nested_and_frozen(monkeypatch):
    monkeypatch.setenv("COLUMNS", "130")  # a terminal wide enough for line_length=120
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    inner = keras.Sequential([layers.Dense(2, input_shape=(2,), name="inner_dense")],
                             name="inner")
    out = layers.Dense(1, name="top")(inner(a) + b)
    m = keras.Model([a, b], out)
    inner.trainable = False
    lines = []
    m.summary(print_fn=lines.append, expand_nested=True, line_length=120)
    text = "\n".join(lines)
    assert "Connected to" in text and "a[0][0]" in text and "inner (Sequential)" in text
    assert "inner_dense (Dense)" in text  # expanded
    assert "Non-trainable params: 6" in text and "Trainable params: 3" in text


def test_summary_of_unbuilt_model_prints_unbuilt_layers():
    # Keras 3 (TF 2.21) prints an unbuilt model; tf.keras 2 raised
    lines: list = []
    keras.Sequential([layers.Dense(1, name="d")]).summary(print_fn=lines.append)
    assert any("d (Dense)" in line and "?" in line and "0 (unbuilt)" in line
               for line in lines)


def test_fit_and_evaluate_before_compile_say_to_compile_first():
    model = seed_model("sequential")
    before = model.get_weights()
    for call in (lambda: model.fit(np.ones((1, 10)), np.ones((1, 1))),
                 lambda: model.evaluate(np.ones((1, 10)), np.ones((1, 1))),
                 lambda: model.train_on_batch(np.ones((1, 10)), np.ones((1, 1)))):
        with pytest.raises(RuntimeError, match="compile"):
            call()
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
