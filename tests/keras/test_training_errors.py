"""Bad input to compile / fit / evaluate: a clear error, raised before any weight changes.

Each case checks the message (what is wrong and how to fix it), that `get_weights()` is
unchanged and that `optimizer.iterations` is still 0.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import ShapeError
from tests.helpers import assert_untouched

RNG = np.random.default_rng(2)
X = RNG.normal(size=(8, 3)).astype(np.float32)
Y = np.ones((8, 1), np.float32)
LABELS = RNG.integers(0, 3, size=8)


def compiled(loss="mse", units=1, activation=None, **kw):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units,
                                                                    activation=activation)])
    model.compile("sgd", loss, **kw)
    return model


def test_x_and_y_of_different_lengths():
    model = compiled()
    assert_untouched(model, lambda: model.fit(X, Y[:7], verbose=0), ValueError,
                     r"Data cardinality is ambiguous: x sizes: 8, y sizes: 7")
    assert_untouched(model, lambda: model.fit(X, Y, sample_weight=np.ones(5), verbose=0),
                     ValueError, r"sample_weight sizes: 5")
    assert_untouched(model, lambda: model.evaluate(X[:6], Y, verbose=0), ValueError,
                     r"x sizes: 6, y sizes: 8")
    assert_untouched(model, lambda: model.fit(X, Y, validation_data=(X, Y[:3]), verbose=0),
                     ValueError, r"x sizes: 8, y sizes: 3")

    def unequal_batch():
        yield X, Y[:5]

    assert_untouched(model, lambda: model.fit(unequal_batch(), verbose=0), ValueError,
                     r"batch 0 of the generator has 8 / 5 samples in x / y")


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy",
                                  keras.losses.SparseCategoricalCrossentropy()])
def test_one_hot_labels_with_sparse_crossentropy_name_shapes_and_the_fix(loss):
    model = compiled(loss, 3, "softmax")
    onehot = np.eye(3, dtype=np.float32)[LABELS]
    assert_untouched(model, lambda: model.fit(X, onehot, verbose=0),
                     ValueError, r"(?s)\[None, 3\].*one-hot.*CategoricalCrossentropy")


@pytest.mark.parametrize("loss,labels", [
    ("categorical_crossentropy", LABELS),
    (keras.losses.CategoricalCrossentropy(), LABELS[:, None]),
])
def test_integer_labels_with_categorical_crossentropy_name_shapes_and_the_fix(loss, labels):
    model = compiled(loss, 3, "softmax")
    assert_untouched(model, lambda: model.fit(X, labels, verbose=0), ValueError,
                     r"(?s)\[None, 1\].*integer class indices.*\[None, 3\].*"
                     r"SparseCategoricalCrossentropy")


def test_fit_evaluate_and_on_batch_before_compile():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    for call in (lambda: model.fit(X, Y, verbose=0), lambda: model.evaluate(X, Y, verbose=0),
                 lambda: model.train_on_batch(X, Y), lambda: model.test_on_batch(X, Y)):
        # Keras 3 raises ValueError (ember's error is a RuntimeError too, for tf.keras 2)
        assert_untouched(model, call, ValueError, r"must call `compile\(\)`.*model\.compile")


def test_empty_data_arrays_lists_and_generators():
    model = compiled()
    assert_untouched(model, lambda: model.fit(np.zeros((0, 3)), np.zeros((0, 1)), verbose=0),
                     ValueError, r"0 samples")
    assert_untouched(model, lambda: model.fit([], [], verbose=0), ValueError, r"empty")
    assert_untouched(model, lambda: model.fit(iter([]), verbose=0), ValueError,
                     r"training data yielded no batches")
    assert_untouched(model, lambda: model.evaluate((b for b in []), verbose=0), ValueError,
                     r"evaluate: the data yielded no batches")
    assert_untouched(model, lambda: model.fit(None, Y, verbose=0), ValueError, r"x is None")


@pytest.mark.parametrize("where", ["x", "y", "val"])
def test_nan_in_arrays_names_the_input_and_the_sample(where):
    model = compiled()
    x, y = X.copy(), Y.copy()
    bad = x if where in ("x", "val") else y
    bad[5, 0] = np.nan
    if where == "val":
        call = lambda: model.fit(X, Y, validation_data=(x, y), verbose=0)  # noqa: E731
        match = r"fit \(validation_data\): x contains 1 NaN.*sample 5"
    else:
        call = lambda: model.fit(x, y, verbose=0)  # noqa: E731
        match = rf"fit: {where} contains 1 NaN or infinite value.*sample 5.*nan_to_num"
    assert_untouched(model, call, ValueError, match)


def test_nan_in_a_dict_input_names_its_key_and_evaluate_checks_too():
    a, b = keras.Input((2,), name="a"), keras.Input((1,), name="b")
    model = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    model.compile("sgd", "mse")
    xb = np.ones((8, 1), np.float32)
    xb[2, 0] = np.inf
    assert_untouched(model, lambda: model.fit({"a": X[:, :2], "b": xb}, Y, verbose=0),
                     ValueError, r"fit: x\['b'\] contains 1 NaN or infinite.*sample 2")
    assert_untouched(model, lambda: model.evaluate([X[:, :2], xb], Y, verbose=0),
                     ValueError, r"evaluate: x\[1\] contains 1 NaN")
    assert_untouched(model, lambda: model.evaluate([X[:, :2], xb], Y, verbos=0), TypeError,
                     r"invalid keyword argument\(s\) \['verbos'\]")


def test_wrong_input_feature_size_from_arrays_and_a_later_generator_batch():
    model = compiled()
    assert_untouched(model, lambda: model.fit(np.ones((8, 4)), Y, verbose=0),
                     ShapeError,
                     r"expected shape \(None, 3\), received shape \(8, 4\)")
    assert_untouched(model, lambda: model.evaluate(np.ones((8, 2)), Y, verbose=0),
                     ShapeError, r"expected shape \(None, 3\)")

    def batches():
        yield X, Y
        yield X[:, :2], Y

    before = model.get_weights()
    with pytest.raises(ShapeError, match=r"expected shape \(None, 3\), received shape \(8, 2\)"):
        model.fit(batches(), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 1  # only the good batch trained
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_wrong_number_of_inputs_and_a_list_of_batches():
    model = compiled()
    assert_untouched(model, lambda: model.fit([(X, Y), (X, Y)], verbose=0), ValueError,
                     r"expects 1 input\(s\).*x holds 4 arrays.*iter\(batches\)")


def test_non_numeric_labels_and_bad_validation_data():
    model = compiled()
    assert_untouched(model, lambda: model.fit(X, np.array(["a"] * 8), verbose=0), TypeError,
                     r"fit: y has dtype <U1.*numbers")
    assert_untouched(model, lambda: model.fit(X, Y, validation_data=X, verbose=0), ValueError,
                     r"validation_data must be a tuple \(x_val, y_val\)")
    assert_untouched(model, lambda: model.fit(iter([(X, Y)]), validation_split=0.5, verbose=0),
                     ValueError, r"validation_split is only supported for in-memory data")
    assert_untouched(model, lambda: model.fit(X, Y, validation_split=1.5, verbose=0),
                     ValueError, r"validation_split must be in \(0, 1\)")


def test_missing_targets_and_bad_arguments():
    model = compiled()
    assert_untouched(model, lambda: model.fit(X, verbose=0), ValueError,
                     r"has a loss but fit/evaluate received no target")
    assert_untouched(model, lambda: model.fit(X, Y, batch_size=0, verbose=0), ValueError,
                     r"batch_size must be a positive int")
    assert_untouched(model, lambda: model.fit(X, Y, epochs=-1, verbose=0), ValueError,
                     r"epochs must be an int >= 0")
    assert_untouched(model, lambda: model.fit(X, Y, verbose=3), ValueError,
                     r"verbose must be 'auto', 0, 1 or 2")


def test_compile_errors():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"optimizer identifier: 'nope'"):
        model.compile("nope", "mse")
    with pytest.raises(ValueError, match=r"loss identifier: 'nope'"):
        model.compile("sgd", "nope")
    with pytest.raises(ValueError, match=r"steps_per_execution must be an int >= 1"):
        model.compile("sgd", "mse", steps_per_execution=0)
    with pytest.raises(TypeError, match=r"unexpected argument"):
        model.compile("sgd", "mse", bogus=1)
    inp = keras.Input((3,))
    two = keras.Model(inp, [keras.layers.Dense(1, name="a")(inp),
                            keras.layers.Dense(1, name="b")(inp)])
    with pytest.raises(ValueError, match=r"loss has 3 entries but the model has 2 output"):
        two.compile("sgd", ["mse"] * 3)
    with pytest.raises(ValueError, match=r"keys \['c'\] that are not output names"):
        two.compile("sgd", {"a": "mse", "c": "mse"})
    model.compile("sgd", "mse", metrics=["nope"])
    assert_untouched(model, lambda: model.fit(X, Y, verbose=0), ValueError,
                     r"metric identifier: 'nope'")


def test_a_symbolic_add_loss_from_another_graph_is_refused_and_changes_nothing():
    inp = keras.Input((3,))
    out = keras.layers.Dense(1)(inp)
    model = keras.Model(inp, out)
    stranger = keras.layers.Dense(1)(keras.Input((3,)))  # not computed from model's inputs
    model.compile("sgd", "mse")
    assert_untouched(model, lambda: model.add_loss(tf.reduce_mean(stranger)), ValueError,
                     r"add_loss")
    model.fit(X, Y, verbose=0)  # still trains, without the refused term
    assert len(model.losses) == 0


def test_a_generator_used_up_by_validation_says_how_to_fix():
    model = compiled()

    def once():
        yield X, Y

    with pytest.raises(ValueError, match=r"validation data yielded no batches.*"
                                         r"validation_steps"):
        model.fit(X, Y, epochs=2, validation_data=once(), verbose=0)


def test_a_generator_that_runs_out_warns_and_stops():
    model = compiled()

    def three():
        for _ in range(3):
            yield X, Y

    with pytest.warns(UserWarning, match=r"ran out of data.*\(9 batches here\)"):
        h = model.fit(three(), epochs=3, verbose=0)
    assert h.epoch == [0]


# -- labels outside the classes ----------------------------------------------------------

def _train_plan_steps(model) -> list:
    """The primitive names of the compiled train step, in the order its plan runs them."""
    fns = [fn for key, fn in model._step_calls.items() if key[0] == "train"]
    assert len(fns) == 1, "expected one traced train step"
    return [e.prim.name for e in fns[0].__self__.plan._steps]


@pytest.mark.parametrize("run_eagerly", [False, True])
@pytest.mark.parametrize("label", [7, -1])
def test_labels_outside_the_classes_raise_before_any_state_changes(run_eagerly, label):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    model.fit(X, LABELS, verbose=0)  # builds the optimizer's slots
    weights = model.get_weights()
    slots = [v.numpy().copy() for v in model.optimizer.variables]
    iterations = int(model.optimizer.iterations.numpy())
    bad = np.full(len(X), label)
    calls = {"fit": lambda: model.fit(X, bad, epochs=2, verbose=0),
             "evaluate": lambda: model.evaluate(X, bad, verbose=0),
             "train_on_batch": lambda: model.train_on_batch(X, bad),
             "test_on_batch": lambda: model.test_on_batch(X, bad)}
    for name, call in calls.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no NaN-loss (or any other) warning
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"label value of {label} which is outside the valid "
                                     rf"range of \[0, 3\).*labels\[0\] = {label}"):
                call()
        for a, b in zip(weights, model.get_weights()):
            np.testing.assert_array_equal(a, b, err_msg=name)
        for a, v in zip(slots, model.optimizer.variables):
            np.testing.assert_array_equal(a, v.numpy(), err_msg=name)
        assert int(model.optimizer.iterations.numpy()) == iterations, name
    if not run_eagerly:  # the label check runs before the optimizer's in-place update
        steps = _train_plan_steps(model)
        assert steps.index("sparse_softmax_xent") < steps.index("fused_update")
