"""keras.losses: CategoricalFocalCrossentropy, Dice and Tversky (class, function, string)
against NumPy formulas written here, sample weights and reductions, gradients against
central finite differences, extreme logits, configs, compile + fit, and input errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
import ember.keras.losses as losses
from ember import keras
from tests.helpers import check_loss_gradient

EPS = 1e-7
HI = float(np.float32(1 - EPS))  # the upper clip as float32 rounds it
B, C = 6, 4
RNG = np.random.default_rng(11)


def f32(a):
    return np.asarray(a, np.float32)


# -- NumPy oracles (float64) -------------------------------------------------------------

def _log_softmax(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def np_cfce(z, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
            axis=-1):
    z = z * (1 - label_smoothing) + label_smoothing / p.shape[axis]
    if from_logits:
        logq = _log_softmax(p, axis)
        q = np.exp(logq)
    else:
        q = np.clip(p / p.sum(axis, keepdims=True), EPS, HI)
        logq = np.log(q)
    a = np.asarray(alpha, np.float64)
    if a.ndim:  # one weight per class, along the class axis
        shape = [1] * p.ndim
        shape[axis] = -1
        a = a.reshape(shape)
    return -np.sum(a * (1 - q) ** gamma * z * logq, axis)


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def np_dice(z, p, axis=None):
    axis = _axis(axis)
    return 1 - 2 * np.sum(z * p, axis) / (np.sum(z, axis) + np.sum(p, axis) + EPS)


def np_tversky(z, p, alpha=0.5, beta=0.5, axis=None):
    axis = _axis(axis)
    overlap = np.sum(z * p, axis)
    missed, extra = np.sum(z * (1 - p), axis), np.sum((1 - z) * p, axis)
    return 1 - overlap / (overlap + alpha * missed + beta * extra + EPS)


# -- data --------------------------------------------------------------------------------

PROBS = f32(RNG.uniform(0.02, 1, (B, C)))
PROBS[0, 0] = 0.0  # exercise the clip
DIST = f32(RNG.dirichlet(np.ones(C), B))
LOGITS = f32(RNG.normal(0, 3, (B, C)))
ONEHOT = f32(np.eye(C)[RNG.integers(0, C, B)])
SOFT = f32(RNG.dirichlet(np.ones(C), B))
MASK = f32(RNG.integers(0, 2, (B, 3, 3, 1)))
SCORE = f32(RNG.uniform(0, 1, (B, 3, 3, 1)))
SW = f32(RNG.uniform(0, 2, B))
ONEHOT_4D = f32(np.eye(C)[RNG.integers(0, C, (2, 3, 3))])  # (2, 3, 3, C)
LOGITS_4D = f32(RNG.normal(0, 2, (2, 3, 3, C)))

# name, class, function, kwargs, oracle, y_true, y_pred, per-sample shape
SPECS = [
    ("cfce", losses.CategoricalFocalCrossentropy, losses.categorical_focal_crossentropy,
     {}, np_cfce, ONEHOT, PROBS, (B,)),
    ("cfce_soft_smooth", losses.CategoricalFocalCrossentropy,
     losses.categorical_focal_crossentropy,
     {"alpha": 0.6, "gamma": 1.5, "label_smoothing": 0.2}, np_cfce, SOFT, PROBS, (B,)),
    ("cfce_logits", losses.CategoricalFocalCrossentropy,
     losses.categorical_focal_crossentropy,
     {"from_logits": True, "gamma": 3.0, "label_smoothing": 0.1}, np_cfce, ONEHOT, LOGITS,
     (B,)),
    ("cfce_alpha_list", losses.CategoricalFocalCrossentropy,
     losses.categorical_focal_crossentropy,
     {"alpha": [0.1, 0.2, 0.3, 0.4], "gamma": 0.0}, np_cfce, ONEHOT, PROBS, (B,)),
    ("cfce_axis0", losses.CategoricalFocalCrossentropy,
     losses.categorical_focal_crossentropy,
     {"axis": 0, "from_logits": True, "alpha": [1.0, 2.0, 3.0, 4.0]}, np_cfce,
     ONEHOT.T.copy(), LOGITS.T.copy(), (B,)),
    ("cfce_4d", losses.CategoricalFocalCrossentropy, losses.categorical_focal_crossentropy,
     {"from_logits": True}, np_cfce, ONEHOT_4D, LOGITS_4D, (2, 3, 3)),
    ("dice", losses.Dice, losses.dice, {}, np_dice, MASK, SCORE, ()),
    ("dice_axes", losses.Dice, losses.dice, {"axis": (1, 2, 3)}, np_dice, MASK, SCORE,
     (B,)),
    ("dice_last", losses.Dice, losses.dice, {"axis": -1}, np_dice, ONEHOT, DIST, (B,)),
    ("tversky", losses.Tversky, losses.tversky, {"alpha": 0.7, "beta": 0.3}, np_tversky,
     MASK, SCORE, ()),
    ("tversky_axes", losses.Tversky, losses.tversky,
     {"alpha": 0.2, "beta": 0.9, "axis": [1, 2]}, np_tversky, MASK, SCORE, (B, 1)),
    ("tversky_default", losses.Tversky, losses.tversky, {"axis": 1}, np_tversky, ONEHOT,
     DIST, (B,)),
]
IDS = [s[0] for s in SPECS]


def close(got, want, rtol=1e-4, atol=1e-6):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_function_and_string_forms(spec):
    _, cls, fn, kw, oracle, t, p, shape = spec
    want = oracle(t.astype(np.float64), p.astype(np.float64), **kw)
    got = fn(t, p, **kw)
    assert tuple(got.shape) == shape and got.dtype == tf.float32
    close(got, want)
    assert losses.get(fn.__name__) is fn
    close(losses.get(fn.__name__)(t, p, **kw), want)
    assert type(losses.get(cls.__name__)) is cls
    got64 = fn(t.astype(np.float64), tf.constant(p.astype(np.float64)), **kw)
    assert got64.dtype == tf.float64
    close(got64, want, rtol=1e-9, atol=1e-12)


def _weighted(per, w, weights, reduction):
    """Keras's weighting: per-sample losses times the weights (a scalar loss is broadcast
    to the weights' shape), then 'none', 'sum' or the sum over the element count."""
    if w is not None:
        if per.ndim == 0:
            per = per * np.asarray(w, np.float64)
        elif weights == "column" and per.ndim == 1:
            per = per * np.reshape(w, -1)
        else:
            w = np.asarray(w, np.float64)
            per = per * w.reshape(w.shape + (1,) * (per.ndim - w.ndim))
    if reduction == "none":
        return per
    return per.sum() if reduction == "sum" else per.sum() / max(per.size, 1)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "auto", "sum", "none"])
@pytest.mark.parametrize("weights", ["none", "vector", "column", "scalar"])
def test_class_weights_and_reductions(spec, reduction, weights):
    _, cls, _, kw, oracle, t, p, shape = spec
    n = shape[0] if shape else B
    sw = SW[:n] if n <= B else f32(RNG.uniform(0, 2, n))
    w = {"none": None, "vector": sw, "column": sw[:, None], "scalar": 0.5}[weights]
    if weights == "vector" and len(shape) > 2:  # ember expands (batch,) by one axis only
        w = sw[:, None, None]
    per = oracle(t.astype(np.float64), p.astype(np.float64), **kw)
    want = _weighted(per, w, weights, reduction)
    got = cls(reduction=reduction, **kw)(t, p, sample_weight=w)
    assert tuple(got.shape) == np.shape(want)
    close(got, want)


def test_keras_reference_values():
    # The examples of the Keras 3 docs.
    t, p = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    close(losses.CategoricalFocalCrossentropy()(t, p), 0.23315276)
    close(losses.CategoricalFocalCrossentropy()(t, p, sample_weight=[0.3, 0.7]), 0.1632)
    close(losses.CategoricalFocalCrossentropy(reduction="none")(t, p),
          [3.2058331e-05, 4.6627346e-01])
    t = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    p = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    close(losses.Dice(axis=(1, 2, 3), reduction="none")(t, p), [0.5, 0.75757575])
    close(losses.Dice()(t, p), 0.6164384)
    # alpha = beta = 0.5 is Dice up to the epsilon
    close(losses.tversky(t, p, axis=(1, 2, 3)), [0.5, 0.75757575])


# -- from_logits stability and gradients ---------------------------------------------------

EXTREME = f32([[100.0, -100.0, 50.0], [-100.0, 100.0, 0.0]])


@pytest.mark.parametrize("kw", [{}, {"gamma": 0.5, "label_smoothing": 0.1},
                                {"gamma": 0.0, "alpha": [1.0, 2.0, 3.0]}],
                         ids=["default", "gamma_half_smooth", "gamma0_alpha_list"])
def test_from_logits_extreme_values_are_finite(kw):
    x = tf.constant(EXTREME)
    labels = f32([[0, 1, 0], [0, 1, 0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = losses.CategoricalFocalCrossentropy(from_logits=True, **kw)(labels, x)
    grad = tape.gradient(value, x).numpy()
    assert np.isfinite(float(value)) and np.all(np.isfinite(grad))
    assert float(value) > 10  # the wrong row costs ~alpha * 200 nats, not a clipped 16
    per = losses.categorical_focal_crossentropy(labels, EXTREME, from_logits=True)
    close(per, [0.25 * 200.0, 0.0])  # (1 - p)**2 = 1 for the wrong row, 0 for the right


@pytest.mark.parametrize("loss, t, p", [
    (losses.CategoricalFocalCrossentropy(), ONEHOT[:3], DIST[:3]),
    (losses.CategoricalFocalCrossentropy(gamma=1.5, label_smoothing=0.2), SOFT[:3],
     DIST[:3]),
    (losses.CategoricalFocalCrossentropy(from_logits=True, alpha=[0.5, 1.0, 1.5, 2.0],
                                         label_smoothing=0.1), ONEHOT[:3], LOGITS[:3]),
    (losses.CategoricalFocalCrossentropy(from_logits=True, gamma=0.5), ONEHOT[:3],
     LOGITS[:3]),
    (losses.Dice(), MASK[:2], SCORE[:2]),
    (losses.Dice(axis=(1, 2, 3)), MASK[:2], SCORE[:2]),
    (losses.Tversky(alpha=0.8, beta=0.2), MASK[:2], SCORE[:2]),
    (losses.Tversky(alpha=0.3, beta=1.2, axis=-1, reduction="sum"), ONEHOT[:3], DIST[:3]),
], ids=["cfce", "cfce_smooth", "cfce_logits_alpha", "cfce_gamma_half", "dice",
        "dice_axes", "tversky", "tversky_last"])
def test_gradients_match_finite_differences(loss, t, p):
    n = len(t)
    check_loss_gradient(lambda yt, yp: loss(yt, yp, sample_weight=SW[:n].astype(np.float64)), t, p)


# -- ember.function and KerasTensors -------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS[::3], ids=IDS[::3])
def test_traced_matches_eager(spec):
    _, cls, _, kw, _, t, p, _ = spec
    loss = cls(**kw)
    traced = tf.function(lambda yt, yp: loss(yt, yp))
    close(traced(tf.constant(t), tf.constant(p)), loss(t, p).numpy(), rtol=1e-6)


def test_keras_tensors():
    out = losses.CategoricalFocalCrossentropy(from_logits=True)(keras.Input((C,)),
                                                                keras.Input((C,)))
    assert keras.backend.is_keras_tensor(out) and tuple(out.shape) == ()
    out = losses.dice(keras.Input((3, 3, 1)), keras.Input((3, 3, 1)), axis=(1, 2, 3))
    assert keras.backend.is_keras_tensor(out) and tuple(out.shape) == (None,)


# -- config, identifiers and compile -------------------------------------------------------

CONFIGURED = [
    losses.CategoricalFocalCrossentropy(),
    losses.CategoricalFocalCrossentropy(alpha=[0.1, 0.2, 0.3, 0.4], gamma=3.0,
                                        from_logits=True, label_smoothing=0.1,
                                        reduction="sum", name="focal"),
    losses.Dice(), losses.Dice(axis=(0, 1), reduction="none", name="d"),
    losses.Tversky(), losses.Tversky(alpha=0.3, beta=0.7, axis=-1, dtype="float64"),
]


@pytest.mark.parametrize("loss", CONFIGURED, ids=lambda x: x.name)
def test_serialize_round_trip(loss):
    config = losses.serialize(loss)
    assert config["class_name"] == type(loss).__name__
    again = losses.deserialize(config)
    assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert type(losses.get(config)) is type(loss)
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()
    t, p = (ONEHOT, LOGITS) if isinstance(loss, losses.CategoricalFocalCrossentropy) \
        else (ONEHOT, DIST)
    close(again(t, p), loss(t, p).numpy())


def test_get_config_holds_the_constructor_arguments():
    config = CONFIGURED[1].get_config()
    assert config == {"reduction": "sum", "name": "focal", "alpha": [0.1, 0.2, 0.3, 0.4],
                      "gamma": 3.0, "from_logits": True, "label_smoothing": 0.1,
                      "axis": -1}
    assert losses.Dice(axis=(1, 2)).get_config() == {
        "reduction": "sum_over_batch_size", "name": "dice", "axis": [1, 2]}
    assert CONFIGURED[5].get_config() == {
        "reduction": "sum_over_batch_size", "name": "tversky", "dtype": "float64",
        "alpha": 0.3, "beta": 0.7, "axis": -1}
    assert losses.serialize(losses.dice) == "dice"
    assert losses.get("categorical_focal_crossentropy") is \
        losses.categorical_focal_crossentropy
    assert losses.get("tversky") is losses.tversky
    assert "Dice" in losses.__all__ and "categorical_focal_crossentropy" in losses.__all__


X = RNG.normal(size=(48, 3)).astype(np.float32)
LABELS = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0).astype(np.int64)  # 3 classes


@pytest.mark.parametrize("loss", ["categorical_focal_crossentropy", "dice", "tversky",
                                  losses.CategoricalFocalCrossentropy(gamma=1.0),
                                  losses.Dice(axis=-1), losses.Tversky(alpha=0.7, beta=0.3)],
                         ids=lambda x: x if isinstance(x, str) else type(x).__name__)
def test_compile_and_fit_lower_the_loss(loss):
    init = keras.initializers.GlorotUniform(seed=3)
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(3, "softmax", kernel_initializer=init)])
    model.compile(keras.optimizers.Adam(0.1), loss)
    y = np.eye(3, dtype=np.float32)[LABELS]
    h = model.fit(X, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    assert len(h.history["loss"]) == 2
    assert h.history["loss"][1] < h.history["loss"][0]


# -- bad input -----------------------------------------------------------------------------

def test_shape_mismatch_errors():
    with pytest.raises(ValueError, match=r"Dice: y_true and y_pred have incompatible "
                       r"shapes: received y_true float32\[6, 4\] and y_pred "
                       r"float32\[6, 3\]"):
        losses.Dice()(ONEHOT, DIST[:, :3])
    with pytest.raises(ValueError, match=r"tversky: y_true float32\[6, 1\] and y_pred "
                       r"float32\[6, 4\] must have the same shape"):
        losses.tversky(ONEHOT[:, :1], DIST)
    with pytest.raises(ValueError, match=r"dice: y_true float32\[6, 1\] and y_pred"):
        losses.Dice()(ONEHOT[:, :1], DIST)
    with pytest.raises(ValueError, match=r"CategoricalFocalCrossentropy: y_true "
                       r"float32\[6, 3\] and y_pred float32\[6, 4\] must have the "
                       r"same shape"):
        losses.CategoricalFocalCrossentropy()(ONEHOT[:, :3], PROBS)
    ints = ONEHOT.argmax(-1).astype(np.int32)
    with pytest.raises(ValueError, match=r"categorical_focal_crossentropy: y_true "
                       r"int32\[6\].*SparseCategoricalCrossentropy"):
        losses.categorical_focal_crossentropy(ints, PROBS)


def test_argument_errors():
    with pytest.raises(ValueError, match=r"gamma must be a number >= 0"):
        losses.CategoricalFocalCrossentropy(gamma=-1.0)
    with pytest.raises(ValueError, match=r"alpha must be a number or a non-empty list"):
        losses.CategoricalFocalCrossentropy(alpha="big")
    with pytest.raises(ValueError, match=r"label_smoothing must be a float in \[0, 1\]"):
        losses.categorical_focal_crossentropy(ONEHOT, PROBS, label_smoothing=2.0)
    with pytest.raises(ValueError, match=r"alpha has 3 per-class weights but y_pred "
                       r"float32\[6, 4\] has 4 classes"):
        losses.categorical_focal_crossentropy(ONEHOT, PROBS, alpha=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Dice: axis must be None .* received "
                       r"axis='rows'"):
        losses.Dice(axis="rows")
    with pytest.raises(ValueError, match=r"dice: axis=\[1, 5\] must hold distinct axes in "
                       r"\[-4, 4\) for y_pred float32\[6, 3, 3, 1\]"):
        losses.dice(MASK, SCORE, axis=(1, 5))
    with pytest.raises(ValueError, match=r"Tversky: beta must be a number"):
        losses.Tversky(beta=None)
    with pytest.raises(ValueError, match="Invalid loss reduction"):
        losses.Dice(reduction="mean")


def test_a_batch_scalar_loss_is_spread_over_sample_weights_in_fit_too():
    from ember.keras.losses import compute_weighted_loss
    w = np.array([1.0, 0.0, 3.0, 0.0], np.float32)
    assert np.isclose(float(compute_weighted_loss(tf.constant(0.5), w)), 0.5 * w.mean())
    assert np.isclose(float(compute_weighted_loss(tf.constant(0.5), w, reduction="sum")),
                      0.5 * w.sum())
    rng = np.random.default_rng(0)
    x = rng.random((32, 4)).astype("float32")
    y = (x > 0.5).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="dice")
    hist = model.fit(x, y, sample_weight=np.full(32, 2.0), epochs=3, verbose=0).history
    assert hist["loss"][-1] < hist["loss"][0]


def test_accuracy_with_the_focal_loss_is_categorical_accuracy():
    rng = np.random.default_rng(1)
    x = rng.random((40, 3)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalFocalCrossentropy(),
                  metrics=["accuracy"])
    got = model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"]
    pred = model.predict(x, verbose=0)
    assert np.isclose(got, np.mean(pred.argmax(1) == y.argmax(1)))
