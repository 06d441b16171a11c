"""tf.keras 2's symbolic `model.add_loss(tensor)` / `model.add_metric(tensor, name=...)` on
functional models, and `model.losses` after a call.

Oracles: NumPy formulas on the model's weights (the hidden layer and the added terms
written out in NumPy), central finite differences in float64 for the gradient of an added
term, and per-batch NumPy values averaged as Keras' Mean metrics average them.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras

RNG = np.random.default_rng(7)
X = RNG.normal(size=(32, 10)).astype(np.float32)
Y = RNG.normal(size=(32, 1)).astype(np.float32)
X3 = RNG.normal(size=(30, 3)).astype(np.float32)


def brief_model(lr=0.0):
    """The model of the tf.keras 2 guide: a ReLU hidden layer whose mean |activation| is
    penalized with model.add_loss; returns (model, hidden Dense, output Dense)."""
    inputs = keras.Input((10,))
    hidden = keras.layers.Dense(8, activation="relu",
                                kernel_initializer=keras.initializers.GlorotUniform(1))
    head = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(2))
    x = hidden(inputs)
    model = keras.Model(inputs, head(x))
    model.add_loss(tf.reduce_mean(tf.abs(x)) * 0.01)
    model.compile(keras.optimizers.SGD(lr), "mse")
    return model, hidden, head


def np_forward(hidden, head, x):
    k, b = hidden.get_weights()
    h = np.maximum(x.astype(np.float64) @ k + b, 0.0)
    k2, b2 = head.get_weights()
    return h, h @ k2 + b2


def np_loss(hidden, head, x, y):
    h, out = np_forward(hidden, head, x)
    return np.mean((out - y) ** 2) + 0.01 * np.mean(np.abs(h))


# -- model.losses after a call ------------------------------------------------------------

def test_losses_hold_the_term_of_each_call_from_its_inputs():
    model, hidden, head = brief_model()
    assert len(model.losses) == 1  # a KerasTensor until the first call
    for x in (X, X[:5] * 3.0, X[7:9]):  # recomputed on every call, any batch size
        model(x)
        h, _ = np_forward(hidden, head, x)
        assert len(model.losses) == 1
        assert float(model.losses[0]) == pytest.approx(0.01 * np.mean(np.abs(h)), rel=1e-5)


def test_layer_names_and_output_unchanged():
    model, hidden, head = brief_model()
    names = [layer.name for layer in model.layers]
    assert names[-1].startswith("add_loss") and len(model.outputs) == 1
    _, out = np_forward(hidden, head, X)
    np.testing.assert_allclose(model(X).numpy(), out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(X, verbose=0), out, rtol=1e-5, atol=1e-6)


# -- fit and evaluate -----------------------------------------------------------------------

def linear_penalty_model(lr):
    """Dense(2) without bias whose only loss is mean(square(h)), compiled with loss=None."""
    inp = keras.Input((3,))
    dense = keras.layers.Dense(2, use_bias=False,
                               kernel_initializer=keras.initializers.GlorotUniform(3))
    h = dense(inp)
    model = keras.Model(inp, h)
    model.add_loss(tf.reduce_mean(tf.square(h)))
    model.compile(keras.optimizers.SGD(lr), loss=None)
    return model, dense


def test_evaluate_and_fit_add_the_term_to_the_compiled_loss():
    model, hidden, head = brief_model(lr=0.0)
    want = np_loss(hidden, head, X, Y)
    assert model.evaluate(X, Y, batch_size=32, verbose=0) == pytest.approx(want, rel=1e-5)
    h = model.fit(X, Y, batch_size=32, verbose=0)
    assert h.history["loss"][0] == pytest.approx(want, rel=1e-5)


def test_fit_recomputes_the_term_per_batch():
    model, dense = linear_penalty_model(lr=0.0)
    x = X3.astype(np.float64)
    k = dense.kernel.numpy()
    per_batch = [np.mean((x[i:i + 10] @ k) ** 2) for i in range(0, 30, 10)]
    h = model.fit(X3, batch_size=10, shuffle=False, verbose=0)
    assert h.history["loss"][0] == pytest.approx(np.mean(per_batch), rel=1e-5)
    assert np.ptp(per_batch) > 0.1 * np.mean(per_batch)  # a frozen term would show


def test_train_on_batch_reports_the_loss_before_its_update():
    model, hidden, head = brief_model(lr=0.1)
    want = np_loss(hidden, head, X, Y)
    assert model.train_on_batch(X, Y) == pytest.approx(want, rel=1e-5)
    after = np_loss(hidden, head, X, Y)
    assert model.evaluate(X, Y, batch_size=32, verbose=0) == pytest.approx(after, rel=1e-5)
    assert after < want


def central_difference(f, k, eps=1e-6):
    grad = np.zeros_like(k)
    for idx in np.ndindex(k.shape):
        step = np.zeros_like(k)
        step[idx] = eps
        grad[idx] = (f(k + step) - f(k - step)) / (2 * eps)
    return grad


def test_gradient_of_the_term_enters_the_update():
    model, dense = linear_penalty_model(lr=0.1)
    k = dense.kernel.numpy().astype(np.float64)
    x = X3.astype(np.float64)
    grad = central_difference(lambda w: np.mean((x @ w) ** 2), k)
    model.train_on_batch(X3)
    np.testing.assert_allclose(dense.kernel.numpy(), k - 0.1 * grad, rtol=1e-4, atol=1e-6)


def test_loss_none_trains_on_the_symbolic_term_alone():
    model, dense = linear_penalty_model(lr=0.1)
    h = model.fit(X3, epochs=5, batch_size=10, verbose=0)
    losses = h.history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.5 * losses[0]


def test_gradient_tape_sees_the_losses_of_an_eager_call():
    model, dense = linear_penalty_model(lr=0.0)
    with tf.GradientTape() as tape:
        model(X3)
        loss = tf.add_n(model.losses)
    grad = tape.gradient(loss, dense.kernel)
    k = dense.kernel.numpy().astype(np.float64)
    x = X3.astype(np.float64)
    want = central_difference(lambda w: np.mean((x @ w) ** 2), k)
    np.testing.assert_allclose(grad.numpy(), want, rtol=1e-4, atol=1e-6)


def test_run_eagerly_and_compiled_steps_agree():
    results = []
    for eager in (False, True):
        model, hidden, head = brief_model(lr=0.05)
        model.compile(keras.optimizers.SGD(0.05), "mse", run_eagerly=eager)
        h = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append((h.history["loss"], model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# -- several terms, other kinds of losses, nesting ----------------------------------------

class CallPenalty(keras.layers.Layer):
    """Adds 0.5 * mean(inputs^2) in call."""

    def call(self, inputs):
        self.add_loss(0.5 * tf.reduce_mean(tf.square(inputs)))
        return inputs


def test_several_terms_with_callable_and_in_call_losses():
    inp = keras.Input((3,))
    x = CallPenalty()(inp)
    dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(4))
    out = dense(x)
    model = keras.Model(inp, out)
    model.add_loss(tf.reduce_mean(out))
    model.add_loss(0.1 * tf.reduce_sum(tf.abs(inp)) / tf.cast(tf.shape(inp)[0], tf.float32))
    model.add_loss(lambda: 0.25 * tf.reduce_sum(tf.abs(dense.kernel)))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    k, b = dense.get_weights()
    y = X3[:, :1]
    pred = X3.astype(np.float64) @ k + b
    terms = [0.5 * np.mean(X3.astype(np.float64) ** 2), np.mean(pred),
             0.1 * np.sum(np.abs(X3)) / 30, 0.25 * np.sum(np.abs(k))]
    model(X3)
    assert sorted(float(v) for v in model.losses) == pytest.approx(sorted(terms), rel=1e-5)
    want = np.mean((pred - y) ** 2) + sum(terms)
    assert model.evaluate(X3, y, batch_size=30, verbose=0) == pytest.approx(want, rel=1e-5)


def test_a_nested_model_brings_its_term_along():
    inner, dense = linear_penalty_model(lr=0.0)
    inp = keras.Input((3,))
    outer = keras.Model(inp, keras.layers.Dense(1)(inner(inp)))
    outer(X3)
    h = X3.astype(np.float64) @ dense.kernel.numpy()
    assert len(outer.losses) == 1
    assert float(outer.losses[0]) == pytest.approx(np.mean(h ** 2), rel=1e-5)


def test_add_loss_after_compile_and_fit_enters_the_next_fit():
    inp = keras.Input((3,))
    dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(5))
    out = dense(inp)
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    y = X3[:, :1]
    first = model.fit(X3, y, batch_size=30, verbose=0).history["loss"][0]
    model.add_loss(tf.reduce_mean(tf.square(out)))
    second = model.fit(X3, y, batch_size=30, verbose=0).history["loss"][0]
    k, b = dense.get_weights()
    pred = X3.astype(np.float64) @ k + b
    assert first == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    assert second == pytest.approx(first + np.mean(pred ** 2), rel=1e-5)


def test_sequential_with_an_input_takes_a_symbolic_loss():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        1, kernel_initializer=keras.initializers.GlorotUniform(6))])
    model.add_loss(tf.reduce_mean(tf.square(model.output)))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    k, b = model.get_weights()
    pred = X3.astype(np.float64) @ k + b
    y = X3[:, :1]
    want = np.mean((pred - y) ** 2) + np.mean(pred ** 2)
    assert model.evaluate(X3, y, batch_size=30, verbose=0) == pytest.approx(want, rel=1e-5)


# -- models that are unaffected, and errors ------------------------------------------------

class SubModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(8))

    def call(self, x):
        self.add_loss(0.5 * tf.reduce_mean(tf.square(x)))
        return self.dense(x)


def test_plain_sequential_and_subclassed_models_are_unaffected():
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    seq.compile("sgd", "mse")
    assert seq.losses == [] and seq.metrics_names == ["loss"]
    seq.fit(X3, X3[:, :1], verbose=0)
    sub = SubModel()
    sub.compile(keras.optimizers.SGD(0.0), "mse")
    y = X3[:, :1]
    h = sub.fit(X3, y, batch_size=30, verbose=0)
    k, b = sub.get_weights()
    pred = X3.astype(np.float64) @ k + b
    want = np.mean((pred - y) ** 2) + 0.5 * np.mean(X3.astype(np.float64) ** 2)
    assert h.history["loss"][0] == pytest.approx(want, rel=1e-5)
    with pytest.raises(ValueError, match="no graph"):
        sub.add_loss(tf.reduce_mean(keras.Input((3,))))
    built = SubModel()
    built.build((None, 3))  # a shape-only run of call: its add_loss is a call's
    assert len(built.losses) == 1


def test_bad_terms_raise_and_leave_the_model_unchanged():
    model, hidden, head = brief_model()
    layers = len(model.layers)
    with pytest.raises(ValueError, match="not computed from the model's inputs"):
        model.add_loss(tf.reduce_mean(keras.Input((10,))))
    with pytest.raises(ValueError, match="scalar loss"):
        model.add_loss(model.output)
    with pytest.raises(ValueError, match="zero-argument callable"):
        model.add_loss(tf.reduce_sum(hidden.kernel))
    with pytest.raises(ValueError, match="outside of a call"):
        keras.layers.Dense(1).add_loss(tf.reduce_mean(keras.Input((2,))))
    assert len(model.layers) == layers and len(model.losses) == 1


# -- add_metric -----------------------------------------------------------------------------

def metric_model():
    inp = keras.Input((3,))
    x = keras.layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(9))(inp)
    model = keras.Model(inp, keras.layers.Dense(1)(x))
    model.add_metric(tf.reduce_mean(inp), name="mean_in", aggregation="mean")
    model.add_metric(tf.reduce_sum(inp, axis=1), name="row_sum")
    model.compile(keras.optimizers.SGD(0.0), "mse")
    return model


def test_add_metric_values_in_history_and_evaluate():
    model = metric_model()
    y = X3[:, :1]
    h = model.fit(X3, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                  validation_data=(X3[:12], y[:12]))
    batches = [X3[i:i + 8].astype(np.float64) for i in range(0, 30, 8)]  # 8, 8, 8, 6
    # A scalar counts once per batch (the short last batch included); a per-sample value
    # is averaged over all samples.
    assert h.history["mean_in"] == pytest.approx([np.mean([b.mean() for b in batches])] * 2,
                                                 rel=1e-5)
    assert h.history["row_sum"] == pytest.approx([X3.sum(axis=1).mean()] * 2, rel=1e-5)
    val = [X3[:8].astype(np.float64), X3[8:12].astype(np.float64)]
    assert h.history["val_mean_in"][0] == pytest.approx(np.mean([b.mean() for b in val]),
                                                        rel=1e-5)
    logs = model.evaluate(X3, y, batch_size=30, verbose=0, return_dict=True)
    assert logs["mean_in"] == pytest.approx(X3.mean(), rel=1e-5)
    assert model.metrics_names == ["loss", "mean_in", "row_sum"]


def test_add_metric_in_a_layer_call():
    class Tracked(keras.layers.Layer):
        def call(self, x):
            self.add_metric(tf.reduce_max(x), name="max_in")
            return x

    model = keras.Sequential([keras.Input((3,)), Tracked(), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    h = model.fit(X3, X3[:, :1], batch_size=10, shuffle=False, verbose=0)
    assert h.history["max_in"][0] == pytest.approx(
        np.mean([X3[i:i + 10].max() for i in range(0, 30, 10)]), rel=1e-5)


def test_add_metric_errors():
    model = metric_model()
    inp = model.inputs[0]
    with pytest.raises(ValueError, match="needs a name"):
        model.add_metric(tf.reduce_mean(inp))
    with pytest.raises(ValueError, match="aggregation='mean'"):
        model.add_metric(tf.reduce_mean(inp), name="m", aggregation="sum")
    with pytest.raises(ValueError, match="already used"):
        model.add_metric(tf.reduce_mean(inp), name="mean_in")
    with pytest.raises(ValueError, match="already used"):
        model.add_metric(tf.reduce_mean(inp), name="loss")
    with pytest.raises(ValueError, match="not computed from the model's inputs"):
        model.add_metric(tf.reduce_mean(keras.Input((3,))), name="other")
    with pytest.raises(ValueError, match="needs a KerasTensor"):
        model.add_metric(tf.constant(1.0), name="c")


def test_summary_shows_scalar_outputs_and_the_add_loss_layer(capsys):
    x = keras.Input((3,))
    h = keras.layers.Dense(2)(x)
    model = keras.Model(x, keras.layers.Dense(1)(h))
    model.add_loss(tf.reduce_mean(h))
    model.summary()
    rows = [ln for ln in capsys.readouterr().out.splitlines() if "(AddLoss)" in ln]
    assert len(rows) == 1 and "()" in rows[0]
