"""keras.losses: every loss (class, function, string) against a NumPy formula written
here, sample weights and reductions, from_logits stability, gradients against central
finite differences, label checks, config round trips, KerasTensors and ember.function."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
import ember.keras.losses as losses
from ember import keras
from tests.helpers import check_loss_gradient

EPS = 1e-7
HI = float(np.float32(1 - EPS))  # the upper clip as float32 rounds it (0.99999988)
B, C = 6, 4
RNG = np.random.default_rng(7)


# -- NumPy oracles (float64) -------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _log_softmax(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def _signed(z):
    return 2 * z - 1 if np.all((z == 0) | (z == 1)) else z


def np_mse(z, p):
    return np.mean((p - z) ** 2, -1)


def np_mae(z, p):
    return np.mean(np.abs(p - z), -1)


def np_mape(z, p):
    return 100 * np.mean(np.abs((z - p) / np.maximum(np.abs(z), EPS)), -1)


def np_msle(z, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(z, EPS) + 1)) ** 2, -1)


def np_huber(z, p, delta=1.0):
    e = np.abs(p - z)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), -1)


def np_logcosh(z, p):
    return np.mean(np.log(np.cosh(p - z)), -1)


def np_cosine(z, p, axis=-1):
    def unit(v):
        return v / np.sqrt(np.maximum((v ** 2).sum(axis, keepdims=True), 1e-12))
    return -np.sum(unit(z) * unit(p), axis)


def np_bce(z, p, from_logits=False, label_smoothing=0.0):
    z = z * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        loss = np.maximum(p, 0) - p * z + np.log1p(np.exp(-np.abs(p)))
    else:
        q = np.clip(p, EPS, HI)
        loss = -(z * np.log(q) + (1 - z) * np.log(1 - q))
    return loss.mean(-1)


def np_focal(z, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0):
    z = z * (1 - label_smoothing) + 0.5 * label_smoothing
    bce = np_bce(z[..., None], p[..., None], from_logits)  # elementwise
    prob = _sigmoid(p) if from_logits else p
    p_t = z * prob + (1 - z) * (1 - prob)
    loss = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        loss = loss * (z * alpha + (1 - z) * (1 - alpha))
    return loss.mean(-1)


def np_cce(z, p, from_logits=False, label_smoothing=0.0):
    z = z * (1 - label_smoothing) + label_smoothing / p.shape[-1]
    if from_logits:
        return -np.sum(z * _log_softmax(p), -1)
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, HI)
    return -np.sum(z * np.log(q), -1)


def np_scce(c, p, from_logits=False, ignore_class=None):
    c = np.asarray(c).reshape(-1).astype(int)
    logp = _log_softmax(p if from_logits else np.log(np.clip(p, EPS, HI)))
    keep = np.ones_like(c, bool) if ignore_class is None else c != ignore_class
    picked = logp[np.arange(len(c)), np.where(keep, c, 0)]
    return np.where(keep, -picked, 0.0)


def np_kld(z, p):
    z, p = np.clip(z, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(z * np.log(z / p), -1)


def np_poisson(z, p):
    return np.mean(p - z * np.log(p + EPS), -1)


def np_hinge(z, p):
    return np.mean(np.maximum(1 - _signed(z) * p, 0), -1)


def np_squared_hinge(z, p):
    return np.mean(np.maximum(1 - _signed(z) * p, 0) ** 2, -1)


def np_categorical_hinge(z, p):
    pos = np.sum(z * p, -1)
    neg = np.max((1 - z) * p, -1)
    return np.maximum(neg - pos + 1, 0)


# -- data --------------------------------------------------------------------------------

def f32(a):
    return np.asarray(a, np.float32)


REG_T, REG_P = f32(RNG.normal(size=(B, C))), f32(RNG.normal(size=(B, C)))
FAR_T = f32(np.sign(REG_T) * (np.abs(REG_T) + 0.5))  # away from 0, for MAPE
POS_T, POS_P = f32(RNG.uniform(0, 3, (B, C))), f32(RNG.uniform(0.1, 3, (B, C)))
PROBS = f32(RNG.uniform(0.02, 1, (B, C)))
PROBS[0, 0], PROBS[1, 1] = 0.0, 1.0  # exercise the clip
DIST = f32(RNG.dirichlet(np.ones(C), B))
LOGITS = f32(RNG.normal(0, 3, (B, C)))
BIN = f32(RNG.integers(0, 2, (B, C)))
ONEHOT = f32(np.eye(C)[RNG.integers(0, C, B)])
INTS = ONEHOT.argmax(-1).astype(np.int32)
SW = f32(RNG.uniform(0, 2, B))

# name, class, function, extra string names, kwargs, oracle, y_true, y_pred
SPECS = [
    ("mse", losses.MeanSquaredError, losses.mean_squared_error, ["mse", "MSE"], {},
     np_mse, REG_T, REG_P),
    ("mae", losses.MeanAbsoluteError, losses.mean_absolute_error, ["mae", "MAE"], {},
     np_mae, REG_T, REG_P),
    ("mape", losses.MeanAbsolutePercentageError, losses.mean_absolute_percentage_error,
     ["mape", "MAPE"], {}, np_mape, FAR_T, REG_P),
    ("msle", losses.MeanSquaredLogarithmicError, losses.mean_squared_logarithmic_error,
     ["msle", "MSLE"], {}, np_msle, POS_T, REG_P),
    ("huber", losses.Huber, losses.huber, [], {"delta": 0.7}, np_huber, REG_T, REG_P * 2),
    ("log_cosh", losses.LogCosh, losses.log_cosh, ["logcosh"], {}, np_logcosh, REG_T,
     REG_P * 5),
    ("cosine", losses.CosineSimilarity, losses.cosine_similarity, [], {"axis": -1},
     np_cosine, REG_T, REG_P),
    ("bce", losses.BinaryCrossentropy, losses.binary_crossentropy, [], {}, np_bce, BIN,
     PROBS),
    ("bce_smooth", losses.BinaryCrossentropy, losses.binary_crossentropy, [],
     {"label_smoothing": 0.2}, np_bce, BIN, PROBS),
    ("bce_logits", losses.BinaryCrossentropy, losses.binary_crossentropy, [],
     {"from_logits": True, "label_smoothing": 0.1}, np_bce, BIN, LOGITS),
    ("focal", losses.BinaryFocalCrossentropy, losses.binary_focal_crossentropy, [], {},
     np_focal, BIN, PROBS),
    ("focal_balanced", losses.BinaryFocalCrossentropy, losses.binary_focal_crossentropy, [],
     {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "label_smoothing": 0.1},
     np_focal, BIN, PROBS),
    ("focal_logits", losses.BinaryFocalCrossentropy, losses.binary_focal_crossentropy, [],
     {"from_logits": True, "gamma": 3.0}, np_focal, BIN, LOGITS),
    ("cce", losses.CategoricalCrossentropy, losses.categorical_crossentropy, [], {},
     np_cce, ONEHOT, PROBS),
    ("cce_smooth", losses.CategoricalCrossentropy, losses.categorical_crossentropy, [],
     {"label_smoothing": 0.3}, np_cce, ONEHOT, PROBS),
    ("cce_logits", losses.CategoricalCrossentropy, losses.categorical_crossentropy, [],
     {"from_logits": True, "label_smoothing": 0.1}, np_cce, ONEHOT, LOGITS),
    ("scce", losses.SparseCategoricalCrossentropy, losses.sparse_categorical_crossentropy,
     [], {}, np_scce, INTS, PROBS),
    ("scce_logits", losses.SparseCategoricalCrossentropy,
     losses.sparse_categorical_crossentropy, [], {"from_logits": True}, np_scce,
     INTS[:, None], LOGITS),
    ("kld", losses.KLDivergence, losses.kl_divergence,
     ["kld", "KLD", "kullback_leibler_divergence"], {}, np_kld, DIST, PROBS),
    ("poisson", losses.Poisson, losses.poisson, [], {}, np_poisson, POS_T, POS_P),
    ("hinge", losses.Hinge, losses.hinge, [], {}, np_hinge, BIN, REG_P),
    ("hinge_signed", losses.Hinge, losses.hinge, [], {}, np_hinge, 2 * BIN - 1, REG_P),
    ("squared_hinge", losses.SquaredHinge, losses.squared_hinge, [], {}, np_squared_hinge,
     BIN, REG_P),
    ("categorical_hinge", losses.CategoricalHinge, losses.categorical_hinge, [], {},
     np_categorical_hinge, ONEHOT, REG_P),
]
IDS = [s[0] for s in SPECS]


def close(got, want, rtol=1e-4, atol=1e-5):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_function_and_string_forms(spec):
    _, cls, fn, names, kw, oracle, t, p = spec
    want = oracle(t.astype(np.float64), p.astype(np.float64), **kw)
    got = fn(t, p, **kw)
    assert tuple(got.shape) == (B,) and got.dtype == tf.float32
    close(got, want)
    for name in [fn.__name__] + names:
        assert losses.get(name) is fn
        close(losses.get(name)(t, p, **kw), want)
    by_name = losses.get(cls.__name__)
    assert type(by_name) is cls


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "auto", "sum", "none"])
@pytest.mark.parametrize("weights", ["none", "vector", "column", "scalar"])
def test_class_weights_and_reductions(spec, reduction, weights):
    _, cls, _, _, kw, oracle, t, p = spec
    per = oracle(t.astype(np.float64), p.astype(np.float64), **kw)
    w = {"none": None, "vector": SW, "column": SW[:, None], "scalar": 0.5}[weights]
    weighted = per * (1.0 if w is None else np.reshape(w, -1) if weights != "scalar" else w)
    want = {"none": weighted, "sum": weighted.sum()}.get(reduction, weighted.sum() / B)
    got = cls(reduction=reduction, **kw)(t, p, sample_weight=w)
    assert tuple(got.shape) == np.shape(want)
    close(got, want)


def test_integer_and_float64_inputs():
    got = losses.MeanSquaredError()(np.array([[1, 2]]), np.array([[1, 4]]))
    assert got.dtype == tf.float32 and float(got) == 2.0
    got = losses.mean_absolute_error([[1, 2]], tf.constant([[0.5, 2.0]], tf.float64))
    assert got.dtype == tf.float64
    got = losses.MeanSquaredError(dtype="float64")([[0.0]], tf.constant([[0.5]]))
    assert got.dtype == tf.float64 and float(got) == 0.25
    assert losses.Huber().get_config()["delta"] == 1.0


def test_rank_rule_squeezes_or_expands_a_trailing_one():
    t, p = REG_T[:, 0], REG_P[:, :1]  # (B,) vs (B, 1)
    want = (t - p[:, 0]) ** 2
    for yt, yp in [(t, p), (t[:, None], p[:, 0])]:
        got = losses.MeanSquaredError(reduction="none")(yt, yp)
        assert tuple(got.shape) == (B,)
        close(got, want)
        close(losses.mean_squared_error(yt, yp), want)
    # (B, T) losses with (B,) weights: the weights are expanded (temporal weighting)
    t3, p3 = REG_T.reshape(B, 2, 2), REG_P.reshape(B, 2, 2)
    got = losses.MeanSquaredError(reduction="sum")(t3, p3, sample_weight=SW)
    close(got, np.sum(np.mean((t3 - p3) ** 2, -1) * SW[:, None]))


def test_compute_weighted_loss():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    close(losses.compute_weighted_loss(x), 2.5)
    close(losses.compute_weighted_loss(x, [1.0, 0.0], reduction="sum"), 3.0)
    close(losses.compute_weighted_loss(x, [[2.0], [0.0]]), 1.5)
    close(losses.compute_weighted_loss(x, reduction="none"), x.numpy())
    close(losses.compute_weighted_loss(tf.zeros([0])), 0.0)
    close(losses.compute_weighted_loss(x, mask=[[True, False], [True, False]]), 2.0)
    with pytest.raises(ValueError, match=r"sample_weight float32\[3\] cannot be broadcast"):
        losses.compute_weighted_loss(x, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Invalid loss reduction"):
        losses.MeanSquaredError(reduction="mean_please")
    assert losses.Reduction.validate(None) == "none"
    assert losses.Reduction.all() == ("auto", "none", "sum", "sum_over_batch_size")


# -- from_logits stability and gradients ---------------------------------------------------

EXTREME = f32([[100.0, -100.0, 50.0], [-100.0, 100.0, 0.0]])


@pytest.mark.parametrize("loss, labels", [
    (losses.BinaryCrossentropy(from_logits=True), f32([[1, 0, 1], [1, 0, 0]])),
    (losses.BinaryFocalCrossentropy(from_logits=True), f32([[1, 0, 1], [1, 0, 0]])),
    (losses.BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True,
                                    gamma=0.5), f32([[1, 0, 1], [1, 0, 0]])),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
     f32([[1, 0, 0], [1, 0, 0]])),
    (losses.SparseCategoricalCrossentropy(from_logits=True), np.array([0, 0])),
], ids=["bce", "focal", "focal_gamma_half", "cce", "scce"])
def test_from_logits_extreme_values_are_finite(loss, labels):
    x = tf.constant(EXTREME)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss(labels, x)
    grad = tape.gradient(value, x).numpy()
    assert np.isfinite(float(value)) and np.all(np.isfinite(grad))
    assert float(value) > 10  # the wrong row costs ~100-200 nats, not a clipped 16


def test_from_logits_values_at_extremes():
    x = f32([[100.0], [-100.0]])
    close(losses.binary_crossentropy(f32([[0.0], [1.0]]), x, from_logits=True), [100, 100])
    close(losses.binary_crossentropy(f32([[1.0], [0.0]]), x, from_logits=True), [0, 0])
    close(losses.sparse_categorical_crossentropy([1, 0], EXTREME, from_logits=True),
          [200.0, 200.0])
    close(losses.categorical_crossentropy(f32([[0, 1, 0], [0, 1, 0]]), EXTREME,
                                          from_logits=True), [200.0, 0.0])


@pytest.mark.parametrize("loss, t, p", [
    (losses.MeanSquaredError(), REG_T[:3], REG_P[:3]),
    (losses.Huber(delta=0.5), REG_T[:3], REG_P[:3] * 2),
    (losses.LogCosh(), REG_T[:3], REG_P[:3] * 3),
    (losses.CosineSimilarity(), REG_T[:3], REG_P[:3]),
    (losses.BinaryCrossentropy(label_smoothing=0.1), BIN[:3], DIST[:3]),
    (losses.BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True),
     BIN[:3], LOGITS[:3]),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), ONEHOT[:3],
     LOGITS[:3]),
    (losses.CategoricalCrossentropy(), ONEHOT[:3], DIST[:3]),
    (losses.SparseCategoricalCrossentropy(from_logits=True), INTS[:3], LOGITS[:3]),
    (losses.KLDivergence(), DIST[3:], DIST[:3]),
], ids=["mse", "huber", "logcosh", "cosine", "bce", "focal", "cce_logits", "cce",
        "scce", "kld"])
def test_gradients_match_finite_differences(loss, t, p):
    check_loss_gradient(lambda yt, yp: loss(yt, yp, sample_weight=SW[:3].astype(np.float64)), t, p)


# -- label smoothing and ignore_class ------------------------------------------------------

def test_label_smoothing_moves_labels():
    p = f32([[0.9, 0.1]])
    z = np.array([[1.0, 0.0]])
    close(losses.binary_crossentropy([[1.0, 0.0]], p, label_smoothing=0.4),
          np_bce(z * 0.6 + 0.2, p.astype(np.float64)))
    # categorical: 1 -> 1 - s + s/C, 0 -> s/C
    close(losses.categorical_crossentropy([[1.0, 0.0]], p, label_smoothing=0.4),
          -(0.8 * np.log(0.9) + 0.2 * np.log(0.1)))
    with pytest.raises(ValueError, match=r"label_smoothing must be a float in \[0, 1\]"):
        losses.BinaryCrossentropy(label_smoothing=1.5)


def test_ignore_class():
    labels = np.array([0, -1, 2, -1, 1, 3], np.int32)
    per = np_scce(labels, LOGITS.astype(np.float64), from_logits=True, ignore_class=-1)
    close(losses.sparse_categorical_crossentropy(labels, LOGITS, from_logits=True,
                                                 ignore_class=-1), per)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    close(loss(labels, LOGITS), per.sum() / 4)  # the mean over the 4 kept samples
    close(loss(labels[:, None], LOGITS, sample_weight=SW), (per * SW).sum() / 4)
    close(losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(
        labels, PROBS), np_scce(labels, PROBS.astype(np.float64), ignore_class=-1).sum())
    close(loss([-1, -1], LOGITS[:2]), 0.0)  # all ignored: 0, not nan
    x = tf.constant(LOGITS)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss(labels, x)
    assert np.all(tape.gradient(value, x).numpy()[labels == -1] == 0)


def test_wrapped_sparse_function_keeps_integer_labels():
    wrapped = losses.LossFunctionWrapper(losses.sparse_categorical_crossentropy,
                                         from_logits=True)
    close(wrapped(INTS, LOGITS), np_scce(INTS, LOGITS.astype(np.float64), True).mean())
    with pytest.raises(ValueError, match=r"y_true float32\[6, 4\].*one-hot"):
        wrapped(ONEHOT, LOGITS)


def test_sparse_axis_and_out_of_range_label():
    x = np.transpose(LOGITS)  # classes first
    close(losses.sparse_categorical_crossentropy(INTS, x, from_logits=True, axis=0),
          np_scce(INTS, LOGITS.astype(np.float64), from_logits=True))
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        losses.sparse_categorical_crossentropy([7], LOGITS[:1], from_logits=True)


# -- label-shape errors ----------------------------------------------------------------------

def test_sparse_given_one_hot_labels():
    with pytest.raises(ValueError, match=r"SparseCategoricalCrossentropy: y_true "
                       r"float32\[6, 4\].*y_pred float32\[6, 4\].*CategoricalCrossentropy"):
        losses.SparseCategoricalCrossentropy()(ONEHOT, PROBS)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy: .*one-hot"):
        losses.sparse_categorical_crossentropy(ONEHOT, PROBS)


@pytest.mark.parametrize("labels", [INTS, INTS[:, None]], ids=["(batch,)", "(batch,1)"])
def test_categorical_given_integer_labels(labels):
    shape = ", ".join(str(d) for d in labels.shape)
    with pytest.raises(ValueError, match=rf"CategoricalCrossentropy: y_true int32\[{shape}\]"
                       r".*y_pred's shape float32\[6, 4\].*SparseCategoricalCrossentropy"):
        losses.CategoricalCrossentropy(from_logits=True)(labels, LOGITS)
    with pytest.raises(ValueError, match=r"categorical_crossentropy: y_true int32.*Sparse"):
        losses.categorical_crossentropy(labels, LOGITS)


def test_regression_shape_mismatch():
    with pytest.raises(ValueError, match=r"MeanSquaredError: y_true and y_pred have "
                       r"incompatible shapes: received y_true float32\[6, 4\] and y_pred "
                       r"float32\[6, 3\]"):
        losses.MeanSquaredError()(REG_T, REG_P[:, :3])
    with pytest.raises(ValueError, match="huber: y_true and y_pred have incompatible"):
        losses.huber(REG_T[:, 0], REG_P)
    with pytest.raises(ValueError, match="BinaryCrossentropy: y_true and y_pred"):
        losses.BinaryCrossentropy()(BIN[:, :2], PROBS)


def test_label_checks_on_keras_tensors_and_in_traces():
    logits = keras.Input((10,))
    with pytest.raises(ValueError, match=r"y_true float32\[None, 10\].*Categorical"):
        losses.SparseCategoricalCrossentropy()(keras.Input((10,)), logits)
    with pytest.raises(ValueError, match=r"y_true int32\[None\].*Sparse"):
        losses.CategoricalCrossentropy()(keras.Input((), dtype="int32"), logits)
    out = losses.SparseCategoricalCrossentropy(from_logits=True)(
        keras.Input((), dtype="int32"), logits)
    assert keras.backend.is_keras_tensor(out) and tuple(out.shape) == ()

    @tf.function(input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([None, 4])])
    def wrong(t, p):
        return losses.SparseCategoricalCrossentropy()(t, p)

    with pytest.raises(ValueError, match="SparseCategoricalCrossentropy.*one-hot"):
        wrong(tf.constant(ONEHOT), tf.constant(PROBS))


# -- ember.function ----------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS[::3], ids=IDS[::3])
def test_traced_matches_eager(spec):
    _, cls, _, _, kw, _, t, p = spec
    loss = cls(**kw)
    traced = tf.function(lambda yt, yp, w: loss(yt, yp, sample_weight=w))
    eager = loss(t, p, sample_weight=SW)
    close(traced(tf.constant(t), tf.constant(p), tf.constant(SW)), eager.numpy(), rtol=1e-6)
    spec_t = tf.TensorSpec([None] + list(t.shape[1:]), tf.as_dtype(t.dtype))
    dynamic = tf.function(lambda yt, yp: loss(yt, yp),
                          input_signature=[spec_t, tf.TensorSpec([None, C])])
    close(dynamic(tf.constant(t), tf.constant(p)), loss(t, p).numpy(), rtol=1e-6)


def test_traced_training_step_gradient():
    w = tf.Variable(np.zeros((C, C), np.float32))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            value = loss(y, tf.matmul(x, w))
        return value, tape.gradient(value, w)

    value, grad = step(tf.constant(REG_P), tf.constant(INTS))
    close(value, np.log(C))
    onehot = np.eye(C)[INTS]
    close(grad, REG_P.T @ (np.full((B, C), 1.0 / C) - onehot) / B)


# -- config ------------------------------------------------------------------------------------

CONFIGURED = [
    losses.MeanSquaredError(reduction="sum", name="sq"), losses.MeanAbsoluteError(),
    losses.MeanAbsolutePercentageError(), losses.MeanSquaredLogarithmicError(),
    losses.Huber(delta=2.5), losses.LogCosh(), losses.CosineSimilarity(axis=0),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1),
    losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=3.0),
    losses.CategoricalCrossentropy(label_smoothing=0.2, reduction="none"),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255),
    losses.KLDivergence(dtype="float64"), losses.Poisson(), losses.Hinge(),
    losses.SquaredHinge(), losses.CategoricalHinge(),
    losses.LossFunctionWrapper(losses.huber, name="wrapped", delta=0.3),
]


@pytest.mark.parametrize("loss", CONFIGURED, ids=lambda x: type(x).__name__)
def test_serialize_round_trip(loss):
    config = losses.serialize(loss)
    assert config["class_name"] == type(loss).__name__
    again = losses.deserialize(config)
    assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert type(losses.get(config)) is type(loss)
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()
    t, p = (BIN, PROBS) if not isinstance(loss, losses.SparseCategoricalCrossentropy) \
        else (INTS, LOGITS)
    t = ONEHOT if isinstance(loss, losses.CategoricalCrossentropy) else t
    close(again(t, p), loss(t, p).numpy())


def test_get_identifiers():
    assert losses.get(None) is None
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.Poisson()
    assert losses.get(instance) is instance
    custom = lambda t, p: tf.reduce_mean(p - t)  # noqa: E731
    assert losses.get(custom) is custom
    assert losses.serialize(losses.kld) == "kl_divergence"
    assert losses.deserialize("my_loss", custom_objects={"my_loss": np_mse}) is np_mse
    assert losses.get("CategoricalHinge").name == "categorical_hinge"
    assert losses.LossFunctionWrapper(losses.mse).name == "mean_squared_error"
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'nope'"):
        losses.get("nope")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)


def test_custom_loss_subclass():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.square(tf.square(y_pred - y_true)), axis=-1)

    loss = Quartic(reduction="sum")
    assert loss.name == "quartic"
    close(loss(REG_T, REG_P, sample_weight=SW), np.sum(np.mean((REG_P - REG_T) ** 4, -1) * SW))
    assert Quartic.from_config(loss.get_config()).reduction == "sum"
    with pytest.raises(NotImplementedError, match="must implement call"):
        losses.Loss()(REG_T, REG_P)
