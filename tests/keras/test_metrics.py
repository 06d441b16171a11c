"""keras.metrics: every metric against NumPy formulas written here, accumulated over
several batches with sample weights; AUC vs a NumPy version of Keras' thresholded
formulas; inside ember.function; config round trips; errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
import ember.keras.metrics as metrics
from ember.errors import ShapeError
from tests.helpers import METRIC_CLASSES as C, METRIC_EPS as EPS, METRIC_SAMPLES as N
from tests.helpers import batches, metric_data, stream, wmean

RNG = np.random.default_rng(1234)


@pytest.fixture
def data():
    return metric_data()


# -- Mean / Sum / Reduce / MeanMetricWrapper -------------------------------------------------

def test_mean_and_sum_accumulate_with_weights():
    values = RNG.normal(size=(9, 3)).astype(np.float32)
    w = RNG.random(9).astype(np.float32)
    m, s = metrics.Mean(), metrics.Sum()
    for part_v, part_w in batches(values, w):
        m.update_state(part_v, sample_weight=part_w)
        s.update_state(part_v, sample_weight=part_w)
    wb = np.broadcast_to(w[:, None], values.shape)
    np.testing.assert_allclose(float(m.result()), (values * wb).sum() / wb.sum(), rtol=1e-5)
    np.testing.assert_allclose(float(s.result()), (values * wb).sum(), rtol=1e-5)
    m.reset_state(), s.reset_state()
    assert float(m.result()) == 0.0 and float(s.result()) == 0.0
    m.update_state([1, 3, 5, 7])  # ints become the metric's dtype
    assert float(m.result()) == 4.0 and m.name == "mean" and s.name == "sum"


@pytest.mark.parametrize("w_shape", [(), (6,), (6, 1), (6, 4), (1, 4)])
def test_mean_weight_shapes_broadcast_as_keras(w_shape):
    values = RNG.normal(size=(6, 4)).astype(np.float32)
    w = RNG.random(w_shape).astype(np.float32)
    m = metrics.Mean()
    m.update_state(values, sample_weight=w)
    wb = np.broadcast_to(w.reshape(w_shape if len(w_shape) != 1 else (6, 1)), values.shape)
    np.testing.assert_allclose(float(m.result()), (values * wb).sum() / wb.sum(), rtol=1e-5)


def test_mean_low_rank_weights_average_trailing_axes():
    values = RNG.normal(size=(5, 2, 3)).astype(np.float32)
    w = RNG.random(5).astype(np.float32)
    m, s = metrics.Mean(), metrics.Sum()
    m.update_state(values, sample_weight=w)
    s.update_state(values, sample_weight=w)
    np.testing.assert_allclose(float(m.result()), wmean(values.mean(axis=(1, 2)), w),
                               rtol=1e-5)
    np.testing.assert_allclose(float(s.result()), (values.sum(axis=(1, 2)) * w).sum(),
                               rtol=1e-5)


def test_reduce_sum_over_batch_size_and_dtype():
    m = metrics.Reduce("sum_over_batch_size", name="r", dtype="float64")
    m.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0])
    assert m.result().dtype == tf.float64 and float(m.result()) == pytest.approx(7 / 3)
    assert m.get_config() == {"name": "r", "dtype": "float64",
                              "reduction": "sum_over_batch_size"}
    with pytest.raises(ValueError, match="reduction must be one of"):
        metrics.Reduce("median")


def test_mean_metric_wrapper_custom_function():
    def abs_err(y_true, y_pred, scale=1.0):
        return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1) * scale

    t, p = RNG.normal(size=(7, 2)), RNG.normal(size=(7, 2))
    w = RNG.random(7)
    m = metrics.MeanMetricWrapper(abs_err, scale=2.0)
    assert m.name == "abs_err"
    np.testing.assert_allclose(stream(m, t, p, w), wmean(2 * np.abs(t - p).mean(-1), w),
                               rtol=1e-5)
    assert m.get_config() == {"name": "abs_err", "dtype": "float32", "fn": "abs_err",
                              "scale": 2.0}
    named = metrics.MeanMetricWrapper.from_config(
        {"name": "bacc", "dtype": "float32", "fn": "binary_accuracy", "threshold": 0.3})
    assert float(named([[1.0], [0.0]], [[0.4], [0.2]])) == 1.0


# -- accuracy ---------------------------------------------------------------------------------

def np_top_k_hits(labels, pred, k):
    """TF's in_top_k: the label is in if fewer than k classes score strictly higher."""
    target = pred[np.arange(len(labels)), labels]
    return ((pred > target[:, None]).sum(-1) < k).astype(np.float64)


def test_accuracy_family(data):
    yb, pb, yi, w = data["yb"], data["pb"], data["yi"], data["w"]
    onehot = np.eye(C, dtype=np.float32)[yi]
    np.testing.assert_allclose(
        stream(metrics.BinaryAccuracy(threshold=0.6), yb, pb, w),
        wmean((yb == (pb > 0.6)).mean(-1), w), rtol=1e-6)
    np.testing.assert_allclose(
        stream(metrics.CategoricalAccuracy(), onehot, pb, w),
        wmean(pb.argmax(-1) == yi, w), rtol=1e-6)
    for labels in (yi, yi[:, None], yi.astype(np.float32)):
        np.testing.assert_allclose(
            stream(metrics.SparseCategoricalAccuracy(), labels, pb, w),
            wmean(pb.argmax(-1) == yi, w), rtol=1e-6)
    ints = np.round(pb * 2)
    np.testing.assert_allclose(stream(metrics.Accuracy(), np.round(yb * 2), ints, w),
                               wmean(np.round(yb * 2) == ints, w), rtol=1e-6)


def test_top_k_accuracy_with_ties():
    pred = np.array([[0.1, 0.5, 0.5, 0.2], [0.3, 0.3, 0.3, 0.1], [0.4, 0.3, 0.2, 0.1],
                     [0.0, 0.0, 0.0, 1.0]], np.float32)
    labels = np.array([2, 2, 3, 0])
    w = np.array([1.0, 2.0, 0.5, 1.0], np.float32)
    for k in (1, 2, 3):
        want = wmean(np_top_k_hits(labels, pred, k), w)
        for y in (labels, labels[:, None]):
            np.testing.assert_allclose(
                stream(metrics.SparseTopKCategoricalAccuracy(k=k), y, pred, w, parts=2),
                want, rtol=1e-6)
        np.testing.assert_allclose(
            stream(metrics.TopKCategoricalAccuracy(k=k), np.eye(4)[labels], pred, w,
                   parts=2), want, rtol=1e-6)


def test_accuracy_functions_shapes():
    assert metrics.sparse_categorical_accuracy([[1], [0]], [[0.2, 0.8], [0.3, 0.7]]
                                               ).shape == (2, 1)
    assert metrics.binary_accuracy([[1.0, 0.0]], [[0.7, 0.2]]).numpy().tolist() == [1.0]
    hits = metrics.sparse_top_k_categorical_accuracy(
        np.zeros((2, 3)), RNG.random((2, 3, 5)).astype(np.float32), k=5)
    assert hits.shape == (2, 3) and hits.numpy().all()


# -- loss metrics -----------------------------------------------------------------------------

def _np_losses(t, p):
    """Per-sample NumPy losses of (t, p) of shape (N, C) (probabilities where needed)."""
    t64, p64 = t.astype(np.float64), p.astype(np.float64)
    tc, pc = np.clip(t64, EPS, 1), np.clip(p64, EPS, 1)
    pcl = np.clip(p64, EPS, 1 - EPS)
    signed = 2 * t64 - 1
    return {
        "MeanSquaredError": ((t64 - p64) ** 2).mean(-1),
        "MeanAbsoluteError": np.abs(t64 - p64).mean(-1),
        "MeanAbsolutePercentageError":
            100 * (np.abs(t64 - p64) / np.maximum(np.abs(t64), EPS)).mean(-1),
        "MeanSquaredLogarithmicError":
            ((np.log1p(np.maximum(t64, EPS)) - np.log1p(np.maximum(p64, EPS))) ** 2).mean(-1),
        "LogCoshError": np.log(np.cosh(p64 - t64)).mean(-1),
        "Hinge": np.maximum(1 - signed * p64, 0).mean(-1),
        "SquaredHinge": (np.maximum(1 - signed * p64, 0) ** 2).mean(-1),
        "CategoricalHinge": np.maximum(
            ((1 - t64) * p64).max(-1) - (t64 * p64).sum(-1) + 1, 0),
        "KLDivergence": (tc * np.log(tc / pc)).sum(-1),
        "Poisson": (p64 - t64 * np.log(p64 + EPS)).mean(-1),
        "BinaryCrossentropy": -(t64 * np.log(pcl) + (1 - t64) * np.log(1 - pcl)).mean(-1),
        "CosineSimilarity": (t64 * p64).sum(-1) / np.linalg.norm(t64, axis=-1)
        / np.linalg.norm(p64, axis=-1),
    }


def test_every_loss_metric_matches_numpy(data):
    yb, pb, w = data["yb"], data["pb"] * 0.9 + 0.05, data["w"]
    yb[0] = [1, 0, 0, 1]  # no all-zero label row (cosine)
    want = _np_losses(yb, pb)
    for name, per_sample in want.items():
        m = getattr(metrics, name)()
        np.testing.assert_allclose(stream(m, yb, pb, w), wmean(per_sample, w), rtol=2e-5,
                                   err_msg=name)
        m.reset_state()
        assert float(m.result()) == 0.0
    t, p = data["reg_t"], data["reg_p"]
    got = stream(metrics.RootMeanSquaredError(), t, p, w)
    np.testing.assert_allclose(got, np.sqrt(wmean(((t - p) ** 2).mean(-1), w)), rtol=1e-5)


def test_crossentropy_metrics(data):
    pb, yi, w = data["pb"], data["yi"], data["w"]
    logits = (pb - 0.5) * 5
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    onehot = np.eye(C)[yi]
    smooth = onehot * 0.8 + 0.2 / C
    np.testing.assert_allclose(
        stream(metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
               onehot, logits, w), wmean(-(smooth * logp).sum(-1), w), rtol=1e-5)
    probs = np.exp(logp).astype(np.float32)
    nll = -logp[np.arange(N), yi]
    np.testing.assert_allclose(
        stream(metrics.SparseCategoricalCrossentropy(), yi[:, None], probs, w),
        wmean(nll, w), rtol=1e-4)
    keep = yi != 1  # ignored labels count in neither the sum nor the weights
    np.testing.assert_allclose(
        stream(metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
               yi, logits, w), (nll * w * keep).sum() / (w * keep).sum(), rtol=1e-5)
    sig = 1 / (1 + np.exp(-logits))
    bce = -(data["yb"] * np.log(sig) + (1 - data["yb"]) * np.log(1 - sig)).mean(-1)
    np.testing.assert_allclose(
        stream(metrics.BinaryCrossentropy(from_logits=True), data["yb"], logits, w),
        wmean(bce, w), rtol=1e-5)


# -- custom metrics, ember.function, state ------------------------------------------------------

class CategoricalTruePositives(metrics.Metric):
    """The Keras guide's custom metric."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.reshape(tf.argmax(y_pred, axis=1), shape=(-1, 1))
        values = tf.cast(tf.cast(y_true, "int32") == tf.cast(y_pred, "int32"), "float32")
        if sample_weight is not None:
            values = tf.multiply(values, tf.reshape(tf.cast(sample_weight, "float32"),
                                                    (-1, 1)))
        self.true_positives.assign_add(tf.reduce_sum(values))

    def result(self):
        return self.true_positives


def test_custom_metric_subclass(data):
    pb, yi, w = data["pb"], data["yi"], data["w"]
    m = CategoricalTruePositives()
    got = stream(m, yi[:, None], pb, w)
    np.testing.assert_allclose(got, (w * (pb.argmax(-1) == yi)).sum(), rtol=1e-5)
    assert [v.name for v in m.variables] == ["ctp:0"] and not m.trainable_weights
    m.reset_states()
    assert float(m.result()) == 0.0
    assert m.add_weight((2,), "ones").numpy().tolist() == [1.0, 1.0]  # Keras 3 order
    m.inner = metrics.Mean()  # metrics held as attributes contribute their state
    assert [v.name for v in m.variables] == ["ctp:0", "variable_1:0", "total:0", "count:0"]


def _mixed_metrics():
    return [metrics.Mean(), metrics.SparseCategoricalAccuracy(), metrics.AUC(),
            metrics.AUC(multi_label=True), metrics.Precision(top_k=2),
            metrics.F1Score(average="macro"), metrics.MeanSquaredError()]


def _update_all(ms, y, yi, p, w):
    ms[0].update_state(p, sample_weight=w)
    ms[1].update_state(yi, p, sample_weight=w)
    for m in ms[2:]:
        m.update_state(y, p, sample_weight=w)


def test_update_state_inside_ember_function(data):
    yb, pb, yi, w = data["yb"], data["pb"], data["yi"], data["w"]
    traced, eager = _mixed_metrics(), _mixed_metrics()

    @tf.function
    def step(y, yi, p, w):
        _update_all(traced, y, yi, p, w)
        return [m.result() for m in traced]

    for yb_, yi_, pb_, w_ in batches(yb, yi, pb, w, parts=3):  # sizes 4, 3, 3: retraces
        outs = step(yb_, yi_, pb_, w_)
        _update_all(eager, yb_, yi_, pb_, w_)
    for m, e, o in zip(traced, eager, outs):
        np.testing.assert_allclose(np.asarray(m.result()), np.asarray(e.result()),
                                   rtol=1e-6, err_msg=m.name)
        np.testing.assert_allclose(np.asarray(o), np.asarray(e.result()), rtol=1e-6)

    @tf.function
    def reset():
        for m in traced:
            m.reset_state()

    reset()
    assert all(np.all(v.numpy() == 0) for m in traced for v in m.variables)


def test_call_returns_result_and_merge_state():
    m = metrics.Mean()
    assert float(m([1.0, 3.0])) == 2.0
    other = metrics.Mean()
    other.update_state([5.0, 7.0, 9.0])
    m.merge_state([other])
    assert float(m.result()) == 5.0
    with pytest.raises(ValueError, match="merge_state"):
        m.merge_state([metrics.AUC()])


# -- get / serialize / deserialize ------------------------------------------------------------

ALL_CLASSES = [metrics.Accuracy, metrics.BinaryAccuracy, metrics.CategoricalAccuracy,
               metrics.SparseCategoricalAccuracy, metrics.TopKCategoricalAccuracy,
               metrics.SparseTopKCategoricalAccuracy, metrics.TruePositives,
               metrics.FalsePositives, metrics.TrueNegatives, metrics.FalseNegatives,
               metrics.Precision, metrics.Recall, metrics.AUC, metrics.F1Score,
               metrics.FBetaScore, metrics.MeanSquaredError, metrics.RootMeanSquaredError,
               metrics.MeanAbsoluteError, metrics.MeanAbsolutePercentageError,
               metrics.MeanSquaredLogarithmicError, metrics.LogCoshError, metrics.Hinge,
               metrics.SquaredHinge, metrics.CategoricalHinge, metrics.KLDivergence,
               metrics.Poisson, metrics.BinaryCrossentropy, metrics.CategoricalCrossentropy,
               metrics.SparseCategoricalCrossentropy, metrics.CosineSimilarity,
               metrics.Mean, metrics.Sum, metrics.R2Score, metrics.MeanTensor, metrics.BinaryIoU]
WITH_ARGS = [lambda: metrics.SensitivityAtSpecificity(0.4, num_thresholds=7),
             lambda: metrics.SpecificityAtSensitivity(0.4, class_id=1),
             lambda: metrics.PrecisionAtRecall(0.2), lambda: metrics.RecallAtPrecision(0.9),
             lambda: metrics.IoU(3, [0, 1], ignore_class=2), lambda: metrics.MeanIoU(4),
             lambda: metrics.OneHotIoU(3, [2]), lambda: metrics.OneHotMeanIoU(2),
             lambda: metrics.MeanRelativeError([1.0, 2.0]),
             lambda: metrics.MeanTensor(shape=(2, 3)),
             lambda: metrics.Reduce("sum_over_batch_size")]


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_serialize_round_trip(cls):
    m = cls()
    config = metrics.serialize(m)
    assert config["class_name"] == cls.__name__
    again = metrics.deserialize(config)
    assert type(again) is cls and again.get_config() == m.get_config()
    assert type(metrics.get(cls.__name__)) is cls and type(metrics.get(cls)) is cls


@pytest.mark.parametrize("make", WITH_ARGS)
def test_serialize_round_trip_with_arguments(make):
    m = make()
    again = metrics.deserialize(metrics.serialize(m))
    assert type(again) is type(m) and again.get_config() == m.get_config()


def test_round_trip_keeps_options():
    for m in (metrics.AUC(curve="PR", summation_method="majoring", thresholds=[0.3, 0.6],
                          multi_label=True, label_weights=[1.0, 2.0], name="pr"),
              metrics.Precision(thresholds=[0.2, 0.4], class_id=1, name="p1"),
              metrics.FBetaScore(average="weighted", beta=0.5, threshold=0.3),
              metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
              metrics.SparseTopKCategoricalAccuracy(k=3, dtype="float64")):
        again = metrics.deserialize(metrics.serialize(m))
        assert again.get_config() == m.get_config()


def test_get_names_and_functions():
    assert type(metrics.get("accuracy")) is metrics.Accuracy
    assert type(metrics.get("acc")) is metrics.Accuracy
    for name, cls in (("auc", metrics.AUC), ("AUC", metrics.AUC),
                      ("precision", metrics.Precision), ("recall", metrics.Recall),
                      ("f1_score", metrics.F1Score), ("fbeta_score", metrics.FBetaScore),
                      ("true_positives", metrics.TruePositives),
                      ("root_mean_squared_error", metrics.RootMeanSquaredError)):
        assert type(metrics.get(name)) is cls, name
    for name, fn in (("mse", metrics.mean_squared_error), ("MAE", metrics.mean_absolute_error),
                     ("mape", metrics.mean_absolute_percentage_error),
                     ("msle", metrics.mean_squared_logarithmic_error),
                     ("binary_accuracy", metrics.binary_accuracy),
                     ("sparse_top_k_categorical_accuracy",
                      metrics.sparse_top_k_categorical_accuracy),
                     ("kld", metrics.kl_divergence), ("logcosh", metrics.log_cosh),
                     ("categorical_crossentropy", metrics.categorical_crossentropy),
                     ("cosine_similarity", metrics.cosine_similarity)):
        assert metrics.get(name) is fn, name
    assert metrics.serialize(metrics.mse) == "mean_squared_error"
    m = metrics.Recall()
    assert metrics.get(m) is m and metrics.get(None) is None
    custom = metrics.deserialize({"class_name": "CTP", "config": {}},
                                 custom_objects={"CTP": CategoricalTruePositives})
    assert isinstance(custom, CategoricalTruePositives)
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'nope'"):
        metrics.get("nope")
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get(3)


# -- errors ---------------------------------------------------------------------------------------

def test_bad_shapes_name_the_metric():
    with pytest.raises(ShapeError, match='Precision "p".*same shape'):
        metrics.Precision(name="p").update_state([1, 0, 1], [0.5, 0.2])
    with pytest.raises(ShapeError, match='Mean "m".*sample_weight of shape \\[3\\]'):
        metrics.Mean(name="m").update_state([1.0, 2.0], sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match='MeanSquaredError "mse".*incompatible'):
        metrics.MeanSquaredError(name="mse").update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0]])
    with pytest.raises(ShapeError, match='AUC "a".*sample_weight'):
        metrics.AUC(name="a").update_state([[1, 0]], [[0.3, 0.2]], sample_weight=[1, 2, 3])
    with pytest.raises(ShapeError, match="expects 2D inputs"):
        metrics.F1Score().update_state([1.0, 0.0], [0.3, 0.6])
    with pytest.raises(ShapeError, match="accuracy: y_true and y_pred"):
        metrics.accuracy([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="class_id=5 is out of range"):
        metrics.Recall(class_id=5).update_state([[1, 0]], [[0.3, 0.2]])


@pytest.mark.parametrize("make, match", [
    (lambda: metrics.Precision(thresholds=1.5), "threshold values must be numbers in"),
    (lambda: metrics.Recall(top_k=0), "top_k must be None or an int >= 1"),
    (lambda: metrics.AUC(num_thresholds=1), "num_thresholds must be an int > 1"),
    (lambda: metrics.AUC(curve="DET"), "invalid curve"),
    (lambda: metrics.AUC(summation_method="trapezoid"), "invalid summation_method"),
    (lambda: metrics.AUC(label_weights=[1.0, -1.0]), "non-negative"),
    (lambda: metrics.F1Score(average="samples"), "average must be one of"),
    (lambda: metrics.FBetaScore(beta=0.0), "beta must be a float > 0"),
    (lambda: metrics.F1Score(threshold=0.0), "threshold must be None or a float in"),
    (lambda: metrics.TopKCategoricalAccuracy(k=0), "k must be a positive int"),
    (lambda: metrics.Mean(foo=1), "unexpected keyword"),
    (lambda: metrics.MeanMetricWrapper(3), "fn must be a function"),
])
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_rank1_labels_with_column_predictions_average_per_sample():
    """(n,) labels against (n, 1) predictions over batches of unequal size: the result
    is the mean over samples (Keras 3), not the mean of per-batch means."""
    rng = np.random.default_rng(3)
    yt = [rng.integers(0, 2, n).astype(np.float32) for n in (32, 28)]
    yp = [rng.random((n, 1)).astype(np.float32) for n in (32, 28)]
    m = metrics.BinaryAccuracy()
    for t, p in zip(yt, yp):
        m.update_state(t, p)
    want = ((np.concatenate(yp)[:, 0] > 0.5) == np.concatenate(yt)).mean()
    np.testing.assert_allclose(float(m.result()), want, rtol=1e-6)
