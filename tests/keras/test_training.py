"""Model.fit / evaluate / train_on_batch against NumPy: losses, metrics, compile forms, data.

Oracles: the loss and metric formulas written here in NumPy on `model.predict` outputs, and
training with `SGD(0.0)` (weights frozen), for which the epoch's logged loss must equal
`evaluate` on the same data.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3)).astype(np.float32)
W_TRUE = np.array([[1.0], [2.0], [-1.0]], np.float32)
Y = X @ W_TRUE + 0.5
LABELS = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0).astype(np.int64)  # 3 classes


def dense_model(units=1, activation=None, inputs=3, seed=1, **kw):
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([keras.Input((inputs,)),
                             keras.layers.Dense(units, activation=activation,
                                                kernel_initializer=init, **kw)])


def frozen(model, loss, **kw):
    """`model` compiled with a learning rate of 0: fit logs the loss of fixed weights."""
    model.compile(keras.optimizers.SGD(0.0), loss, **kw)
    return model


def np_sparse_ce(p, labels):
    return -np.log(np.clip(p[np.arange(len(labels)), labels], 1e-7, 1.0))


# -- fit lowers the loss --------------------------------------------------------------------

def test_fit_regression_lowers_mse_and_history_is_keras_shaped():
    model = dense_model()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    h = model.fit(X, Y, epochs=12, batch_size=8, verbose=0, validation_split=0.25)
    assert h is model.history
    assert set(h.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(v) == 12 for v in h.history.values())
    assert h.epoch == list(range(12))
    assert h.params == {"verbose": 0, "epochs": 12, "steps": 4}  # 30 training samples / 8
    assert h.history["loss"][-1] < 0.05 * h.history["loss"][0]
    # The last validation figures are evaluate() on the last 25% of the samples.
    val = model.evaluate(X[30:], Y[30:], verbose=0, return_dict=True)
    assert val["loss"] == pytest.approx(h.history["val_loss"][-1], rel=1e-6)
    assert val["mae"] == pytest.approx(h.history["val_mae"][-1], rel=1e-6)


@pytest.mark.parametrize("kind", ["sparse", "binary", "categorical"])
def test_fit_classification_lowers_the_loss_and_raises_accuracy(kind):
    if kind == "binary":
        model, loss, y = dense_model(1, "sigmoid"), "binary_crossentropy", X[:, :1] > 0
        y = y.astype(np.float32)
    elif kind == "sparse":
        model, loss, y = dense_model(3, "softmax"), "sparse_categorical_crossentropy", LABELS
    else:
        model, loss = dense_model(3, "softmax"), keras.losses.CategoricalCrossentropy()
        y = np.eye(3, dtype=np.float32)[LABELS]
    model.compile(keras.optimizers.Adam(0.05), loss, metrics=["accuracy"])
    h = model.fit(X, y, epochs=30, batch_size=10, verbose=0)
    assert h.history["loss"][-1] < 0.6 * h.history["loss"][0]
    assert h.history["accuracy"][-1] >= 0.75
    assert h.history["accuracy"][-1] > h.history["accuracy"][0]


# -- logged values equal evaluate and NumPy ------------------------------------------------

def test_frozen_fit_logs_equal_evaluate_and_numpy():
    model = frozen(dense_model(3, "softmax"), "sparse_categorical_crossentropy",
                   metrics=["acc"])
    p = model.predict(X, verbose=0)
    h = model.fit(X, LABELS, batch_size=7, epochs=2, shuffle=False, verbose=0,
                  validation_data=(X, LABELS))
    ev = model.evaluate(X, LABELS, batch_size=7, verbose=0)
    ce = np_sparse_ce(p, LABELS).mean()
    acc = np.mean(p.argmax(1) == LABELS)
    for got in (h.history["loss"][-1], h.history["val_loss"][-1], ev[0]):
        assert got == pytest.approx(ce, rel=1e-5)
    for got in (h.history["acc"][-1], h.history["val_acc"][-1], ev[1]):
        assert got == pytest.approx(acc, abs=1e-6)


@pytest.mark.parametrize("loss,y_kind,expected", [
    ("binary_crossentropy", "binary_1d", "BinaryAccuracy"),
    ("binary_crossentropy", "binary_col", "BinaryAccuracy"),
    ("sparse_categorical_crossentropy", "int", "SparseCategoricalAccuracy"),
    ("categorical_crossentropy", "onehot", "CategoricalAccuracy"),
    ("mse", "onehot", "CategoricalAccuracy"),       # no loss hint: decided by shapes
    ("mse", "int_col", "SparseCategoricalAccuracy"),
])
def test_accuracy_resolves_by_loss_and_shapes_and_matches_numpy(loss, y_kind, expected):
    units, act = (1, "sigmoid") if y_kind.startswith("binary") else (3, "softmax")
    model = frozen(dense_model(units, act), loss, metrics=["accuracy", "acc"])
    p = model.predict(X, verbose=0)
    y = {"binary_1d": (X[:, 0] > 0.3).astype(np.float32),
         "binary_col": (X[:, :1] > 0.3).astype(np.float32),
         "int": LABELS, "int_col": LABELS[:, None],
         "onehot": np.eye(3, dtype=np.float32)[LABELS]}[y_kind]
    logs = model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True)  # 16+16+8
    assert [type(m).__name__ for m in model.metrics[1:]] == [expected] * 2
    if units == 1:
        want = np.mean((p[:, 0] > 0.5) == y.reshape(-1))
    else:
        want = np.mean(p.argmax(1) == LABELS)
    assert logs["accuracy"] == pytest.approx(want, abs=1e-6)
    assert logs["acc"] == pytest.approx(want, abs=1e-6)


def test_rank_1_targets_do_not_broadcast_against_a_column_output():
    # y of shape (n,) against a (n, 1) output: tf.keras adds the axis before loss and
    # metrics (a custom loss would otherwise broadcast to (n, n)).
    def my_mse(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

    model = frozen(dense_model(), my_mse, metrics=["mae"])
    p = model.predict(X, verbose=0)[:, 0]
    y = Y[:, 0].astype(np.float64)  # float64 targets take the output's dtype
    logs = model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-5)
    assert logs["mae"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-5)


# -- compile forms ----------------------------------------------------------------------------

def my_abs_loss(y_true, y_pred):
    return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)


def max_error(y_true, y_pred):
    return tf.reduce_max(tf.abs(y_true - y_pred), axis=-1)


@pytest.mark.parametrize("optimizer,loss,metrics,names", [
    ("sgd", "mean_squared_error", ["mae"], ["loss", "mae"]),
    (keras.optimizers.SGD, keras.losses.MeanSquaredError, [keras.metrics.MeanAbsoluteError],
     ["loss", "mean_absolute_error"]),
    (keras.optimizers.Adam(), my_abs_loss, [max_error, "mse"], ["loss", "max_error", "mse"]),
    ("rmsprop", keras.losses.MeanSquaredError(), [keras.metrics.RootMeanSquaredError(name="r")],
     ["loss", "r"]),
])
def test_compile_accepts_names_classes_functions_and_objects(optimizer, loss, metrics, names):
    model = dense_model()
    model.compile(optimizer, loss, metrics=metrics)
    p = model.predict(X, verbose=0)
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert list(logs) == names == model.metrics_names
    err = p - Y
    want_loss = np.mean(np.abs(err)) if loss is my_abs_loss else np.mean(err ** 2)
    assert logs["loss"] == pytest.approx(want_loss, rel=1e-5)
    oracle = {"mae": np.mean(np.abs(err)), "mean_absolute_error": np.mean(np.abs(err)),
              "max_error": np.mean(np.abs(err)), "mse": np.mean(err ** 2),
              "r": np.sqrt(np.mean(err ** 2))}
    for name in names[1:]:
        assert logs[name] == pytest.approx(oracle[name], rel=1e-5)
    h = model.fit(X, Y, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


def two_output_model():
    inp = keras.Input((3,), name="inp")
    reg = keras.layers.Dense(1, name="reg",
                             kernel_initializer=keras.initializers.GlorotUniform(2))(inp)
    cls = keras.layers.Dense(3, activation="softmax", name="cls",
                             kernel_initializer=keras.initializers.GlorotUniform(3))(inp)
    return keras.Model(inp, [reg, cls])


@pytest.mark.parametrize("form", ["list", "dict"])
def test_multi_output_losses_weights_metrics_and_log_names(form):
    model = two_output_model()
    if form == "list":
        model.compile(keras.optimizers.SGD(0.0), ["mse", "sparse_categorical_crossentropy"],
                      loss_weights=[2.0, 0.5], metrics=[["mae"], ["accuracy"]],
                      weighted_metrics=[["mae"], []])
        y = [Y, LABELS]
    else:
        model.compile(keras.optimizers.SGD(0.0),
                      {"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      loss_weights={"reg": 2.0, "cls": 0.5},
                      metrics={"reg": "mae", "cls": ["accuracy"]},
                      weighted_metrics={"reg": ["mae"]})
        y = {"reg": Y, "cls": LABELS}
    pr, pc = model.predict(X, verbose=0)
    mse, ce = np.mean((pr - Y) ** 2), np_sparse_ce(pc, LABELS).mean()
    want = {"loss": 2 * mse + 0.5 * ce, "reg_loss": mse, "cls_loss": ce,
            "reg_mae": np.mean(np.abs(pr - Y)), "reg_weighted_mae": np.mean(np.abs(pr - Y)),
            "cls_accuracy": np.mean(pc.argmax(1) == LABELS)}
    logs = model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True)
    assert model.metrics_names == list(want)
    assert list(logs) == sorted(want)  # Keras 3 (TF 2.21) sorts its logs by name
    for k, v in want.items():
        assert logs[k] == pytest.approx(v, rel=1e-5), k
    h = model.fit(X, y, epochs=1, verbose=0, validation_split=0.5)
    assert list(h.history) == sorted(want) + [f"val_{k}" for k in sorted(want)]


def test_a_flat_metrics_list_applies_to_every_output_with_its_own_state():
    model = two_output_model()
    model.compile("sgd", "mse", metrics=["mae", keras.metrics.RootMeanSquaredError(name="r")])
    onehot = np.eye(3, dtype=np.float32)[LABELS]
    logs = model.evaluate(X, [Y, onehot], verbose=0, return_dict=True)
    pr, pc = model.predict(X, verbose=0)
    assert list(logs) == sorted(["loss", "reg_loss", "cls_loss", "reg_mae", "reg_r", "cls_mae",
                                 "cls_r"])
    assert logs["reg_r"] == pytest.approx(np.sqrt(np.mean((pr - Y) ** 2)), rel=1e-5)
    assert logs["cls_r"] == pytest.approx(np.sqrt(np.mean((pc - onehot) ** 2)), rel=1e-5)


def test_subclassed_model_with_two_outputs_gets_keras_pseudo_names():
    class Two(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = keras.layers.Dense(1)
            self.b = keras.layers.Dense(3, activation="softmax")

        def call(self, x):
            return self.a(x), self.b(x)

    model = Two()
    model.compile(keras.optimizers.SGD(0.0), ["mse", "sparse_categorical_crossentropy"],
                  metrics=[[], ["acc"]])
    logs = model.evaluate(X, (Y, LABELS), verbose=0, return_dict=True)
    pr, pc = model.predict(X, verbose=0)
    assert model.metrics_names == ["loss", "output_1_loss", "output_2_loss", "output_2_acc"]
    assert list(logs) == ["loss", "output_1_loss", "output_2_acc", "output_2_loss"]
    assert logs["output_1_loss"] == pytest.approx(np.mean((pr - Y) ** 2), rel=1e-5)
    assert logs["output_2_acc"] == pytest.approx(np.mean(pc.argmax(1) == LABELS), abs=1e-6)


def test_run_eagerly_gives_the_same_training_as_compiled():
    results = []
    for eager in (False, True):
        model = keras.Sequential([keras.Input((3,)),
                                  keras.layers.Dense(4, activation="tanh", kernel_initializer=
                                                     keras.initializers.GlorotUniform(5)),
                                  keras.layers.Dense(1, kernel_initializer=
                                                     keras.initializers.GlorotUniform(6))])
        model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"], run_eagerly=eager)
        assert model.run_eagerly is eager
        h = model.fit(X, Y, epochs=3, batch_size=9, shuffle=False, verbose=0)
        results.append((h.history, model.get_weights()))
    (h1, w1), (h2, w2) = results
    for k in h1:
        np.testing.assert_allclose(h1[k], h2[k], rtol=1e-5)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_steps_per_execution_runs_every_step_and_batch_hooks_per_execution():
    model = dense_model()
    model.compile(keras.optimizers.SGD(0.05), "mse", steps_per_execution=4)
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    model.fit(X[:20], Y[:20], batch_size=2, epochs=1, verbose=0, callbacks=[cb])
    assert int(model.optimizer.iterations.numpy()) == 10
    assert seen == [3, 7, 9]  # as tf.keras: the end step of each execution


# -- the compiled step ------------------------------------------------------------------------

def test_one_train_function_traced_once_for_every_batch_size():
    model = dense_model()
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(X, Y, batch_size=7, epochs=2, verbose=0, validation_split=0.1)  # 36 = 5*7+1
    model.fit(X, Y, batch_size=13, epochs=1, verbose=0)
    model.train_on_batch(X[:3], Y[:3])
    model.evaluate(X, Y, batch_size=11, verbose=0)
    assert len(model._train_fns) == 1 and len(model._test_fns) == 1
    (fn,) = model._train_fns.values()
    assert isinstance(fn, type(tf.function(lambda v: v)))  # an ember.function
    assert fn.experimental_get_tracing_count() == 1
    (test_fn,) = model._test_fns.values()
    assert test_fn.experimental_get_tracing_count() == 1


def test_generator_of_varying_sequence_lengths_retraces_once_relaxed():
    model = keras.Sequential([keras.Input((None, 2)),
                              keras.layers.Lambda(lambda t: tf.reduce_mean(t, axis=1)),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")

    def batches():
        for length in (5, 7, 3, 9):
            yield RNG.normal(size=(4, length, 2)).astype(np.float32), np.ones((4, 1))

    h = model.fit(batches(), verbose=0)
    assert np.isfinite(h.history["loss"][0])
    (fn,) = model._train_fns.values()
    assert fn.experimental_get_tracing_count() == 2  # (None, 5, 2), then (None, None, 2)


# -- fit arguments ----------------------------------------------------------------------------

def test_batch_size_with_a_last_partial_batch_weights_the_epoch_mean_by_samples():
    model = frozen(dense_model(), "mse")
    p = model.predict(X, verbose=0)
    h = model.fit(X[:23], Y[:23], batch_size=10, verbose=0, shuffle=False)
    assert h.params["steps"] == 3
    assert int(model.optimizer.iterations.numpy()) == 3
    assert h.history["loss"][0] == pytest.approx(np.mean((p[:23] - Y[:23]) ** 2), rel=1e-5)


def test_epochs_and_initial_epoch():
    model = dense_model()
    model.compile("sgd", "mse")
    h = model.fit(X, Y, epochs=5, initial_epoch=3, verbose=0)
    assert h.epoch == [3, 4] and len(h.history["loss"]) == 2
    assert model.fit(X, Y, epochs=2, initial_epoch=2, verbose=0).history == {}


def batches_seen(shuffle, epochs=2):
    model = dense_model()
    model.compile(keras.optimizers.SGD(0.0), "mse")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append([])

    # The samples of each batch, recovered from x (an index column).
    x = np.arange(12, dtype=np.float32)[:, None].repeat(3, axis=1)
    model.train_step_orig = model.train_step

    def train_step(data):
        seen[-1].append(data[0])
        return model.train_step_orig(data)

    model.train_step = train_step
    model.compile(keras.optimizers.SGD(0.0), "mse", run_eagerly=True)
    model.fit(x, np.zeros((12, 1)), batch_size=4, epochs=epochs, shuffle=shuffle, verbose=0,
              callbacks=[Record()])
    return [np.concatenate([b.numpy()[:, 0] for b in ep]) for ep in seen]


def test_shuffle_false_keeps_order_and_true_permutes_each_epoch():
    for order in batches_seen(False):
        np.testing.assert_array_equal(order, np.arange(12))
    orders = batches_seen(True, epochs=3)
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(12))
    assert any(not np.array_equal(o, np.arange(12)) for o in orders)


def test_validation_data_forms_steps_batch_size_and_freq():
    model = frozen(dense_model(), "mse", metrics=["mae"])
    p = model.predict(X, verbose=0)
    sw = RNG.uniform(0.5, 2.0, size=40).astype(np.float32)
    # With sample weights: the loss is mean(sw * err^2) over samples.
    h = model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y, sw),
                  validation_batch_size=6)
    assert h.history["val_loss"][0] == pytest.approx(np.mean(sw * (p - Y)[:, 0] ** 2),
                                                     rel=1e-5)

    def gen():
        while True:
            yield X[:8], Y[:8]

    h = model.fit(X, Y, epochs=2, verbose=0, validation_data=gen(), validation_steps=3)
    assert h.history["val_loss"] == pytest.approx([np.mean((p[:8] - Y[:8]) ** 2)] * 2,
                                                  rel=1e-5)
    calls = []
    cb = keras.callbacks.LambdaCallback(on_test_batch_end=lambda b, logs: calls.append(b))
    model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), validation_steps=2,
              validation_batch_size=5, callbacks=[cb])
    assert calls == [0, 1]
    calls.clear()
    model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), validation_batch_size=6,
              callbacks=[cb])
    assert calls == list(range(7))  # 40 samples in batches of 6
    h = model.fit(X, Y, epochs=4, verbose=0, validation_data=(X, Y), validation_freq=2)
    assert len(h.history["loss"]) == 4 and len(h.history["val_loss"]) == 2
    h = model.fit(X, Y, epochs=4, verbose=0, validation_data=(X, Y), validation_freq=[1, 4])
    assert len(h.history["val_loss"]) == 2


def test_sample_weight_and_class_weight_scale_the_loss_as_numpy():
    model = frozen(dense_model(3, "softmax"), "sparse_categorical_crossentropy",
                   weighted_metrics=["acc"])
    p = model.predict(X, verbose=0)
    ce, hit = np_sparse_ce(p, LABELS), (p.argmax(1) == LABELS)
    sw = RNG.uniform(0.0, 2.0, size=40).astype(np.float32)
    h = model.fit(X, LABELS, sample_weight=sw, batch_size=40, verbose=0)
    # Keras' default reduction divides the weighted sum by the number of samples.
    assert h.history["loss"][0] == pytest.approx(np.mean(sw * ce), rel=1e-5)
    assert h.history["acc"][0] == pytest.approx(np.sum(sw * hit) / sw.sum(), rel=1e-5)
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    w = np.array([cw[k] for k in LABELS])
    h = model.fit(X, LABELS, class_weight=cw, batch_size=8, verbose=0)
    assert h.history["loss"][0] == pytest.approx(np.mean(w * ce), rel=1e-5)
    assert h.history["acc"][0] == pytest.approx(np.sum(w * hit) / w.sum(), rel=1e-5)
    h = model.fit(X, LABELS, class_weight=cw, sample_weight=sw, batch_size=8, verbose=0)
    assert h.history["loss"][0] == pytest.approx(np.mean(w * sw * ce), rel=1e-5)


def test_steps_per_epoch_with_arrays_and_an_endless_generator():
    model = dense_model()
    model.compile("sgd", "mse")
    h = model.fit(X, Y, batch_size=4, steps_per_epoch=3, epochs=2, verbose=0)
    assert h.params["steps"] == 3 and int(model.optimizer.iterations.numpy()) == 6

    def endless():
        while True:
            yield X[:5], Y[:5]

    h = model.fit(endless(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and int(model.optimizer.iterations.numpy()) == 18


@pytest.mark.parametrize("kind", ["numpy", "list", "tensor", "variable"])
def test_data_as_numpy_lists_tensors_and_variables(kind):
    convert = {"numpy": lambda a: a, "list": lambda a: a.tolist(), "tensor": tf.constant,
               "variable": tf.Variable}[kind]
    model = frozen(dense_model(), "mse")
    p = model.predict(X, verbose=0)
    h = model.fit(convert(X), convert(Y), batch_size=16, verbose=0)
    assert h.history["loss"][0] == pytest.approx(np.mean((p - Y) ** 2), rel=1e-5)
    assert model.evaluate(convert(X), convert(Y), verbose=0) == pytest.approx(
        np.mean((p - Y) ** 2), rel=1e-5)


def test_multi_input_model_takes_lists_dicts_and_generators_of_dicts():
    a, b = keras.Input((2,), name="a"), keras.Input((1,), name="b")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    xa, xb = X[:, :2], X[:, 2:]
    want = np.mean((model.predict([xa, xb], verbose=0) - Y) ** 2)
    assert model.evaluate([xa, xb], Y, verbose=0) == pytest.approx(want, rel=1e-5)
    assert model.evaluate({"a": xa, "b": xb}, Y, verbose=0) == pytest.approx(want, rel=1e-5)
    h = model.fit({"b": xb, "a": xa}, Y, batch_size=40, verbose=0)
    assert h.history["loss"][0] == pytest.approx(want, rel=1e-5)

    def gen():
        for i in range(0, 40, 10):
            yield {"a": xa[i:i + 10], "b": xb[i:i + 10]}, Y[i:i + 10]

    assert model.evaluate(gen(), verbose=0) == pytest.approx(want, rel=1e-5)


def test_generators_and_iterables_of_x_y_and_x_y_sample_weight():
    model = frozen(dense_model(), "mse")
    err2 = ((model.predict(X, verbose=0) - Y) ** 2)[:, 0]
    sw = np.linspace(0.0, 2.0, 40).astype(np.float32)

    def gen(with_weights):
        for i in range(0, 40, 16):
            s = slice(i, i + 16)
            yield (X[s], Y[s], sw[s]) if with_weights else (X[s], Y[s])

    assert model.fit(gen(False), verbose=0).history["loss"][0] == pytest.approx(
        err2.mean(), rel=1e-5)
    assert model.fit(gen(True), verbose=0).history["loss"][0] == pytest.approx(
        np.mean(sw * err2), rel=1e-5)
    class Batches:  # a re-iterable: every epoch starts over
        def __iter__(self):
            return gen(False)

    h = model.fit(Batches(), epochs=3, verbose=0)
    assert h.history["loss"] == pytest.approx([err2.mean()] * 3, rel=1e-5)


def test_evaluate_return_forms_and_on_batch_methods():
    model = frozen(dense_model(), "mse", metrics=["mae"])
    p = model.predict(X, verbose=0)
    mse, mae = np.mean((p - Y) ** 2), np.mean(np.abs(p - Y))
    assert model.evaluate(X, Y, verbose=0) == pytest.approx([mse, mae], rel=1e-5)
    assert model.evaluate(X, Y, verbose=0, return_dict=True) == pytest.approx(
        {"loss": mse, "mae": mae}, rel=1e-5)
    assert model.train_on_batch(X, Y) == pytest.approx([mse, mae], rel=1e-5)
    assert model.test_on_batch(X, Y, return_dict=True) == pytest.approx(
        {"loss": mse, "mae": mae}, rel=1e-5)
    single = frozen(dense_model(), "mse")
    assert isinstance(single.evaluate(X, Y, verbose=0), float)
    assert isinstance(single.train_on_batch(X, Y), float)
    # reset_metrics=False accumulates over calls.
    single.test_on_batch(X[:10], Y[:10])
    both = single.test_on_batch(X[10:20], Y[10:20], reset_metrics=False)
    p2 = single.predict(X[:20], verbose=0)
    assert both == pytest.approx(np.mean((p2 - Y[:20]) ** 2), rel=1e-5)


def test_train_on_batch_updates_weights_once_like_numpy_sgd():
    model = dense_model()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    k, b = model.get_weights()
    loss = model.train_on_batch(X[:8], Y[:8])
    err = X[:8] @ k + b - Y[:8]
    assert loss == pytest.approx(np.mean(err ** 2), rel=1e-5)
    k1, b1 = model.get_weights()
    np.testing.assert_allclose(k1, k - 0.1 * X[:8].T @ (2 * err / 8), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, b - 0.1 * (2 * err / 8).sum(0), rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations.numpy()) == 1


def test_predict_after_fit_uses_the_trained_weights():
    model = dense_model()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(X, Y, epochs=20, verbose=0)
    k, b = model.get_weights()
    np.testing.assert_allclose(model.predict(X, verbose=0), X @ k + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.predict(X, verbose=0), Y, atol=0.2)
