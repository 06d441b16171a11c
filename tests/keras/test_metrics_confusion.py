"""keras.metrics, the thresholded and per-class families: confusion counts, Precision,
Recall, AUC (vs a NumPy version of Keras' formulas), F-scores, rate-at-rate metrics,
IoU, R2 and relative error; shared helpers come from tests/helpers.py."""

from __future__ import annotations

import numpy as np
import pytest

import ember.keras.metrics as metrics
from ember import keras
from ember.errors import ShapeError
from tests.helpers import METRIC_CLASSES as C, METRIC_EPS as EPS
from tests.helpers import batches, metric_data, stream, wmean


@pytest.fixture
def data():
    return metric_data()


# -- confusion counts, Precision, Recall -------------------------------------------------------

def np_counts(y, p, thresholds, w=None):
    """Weighted tp, fp, tn, fn per threshold: positive when p > t, label when y != 0."""
    y, p = np.ravel(y) != 0, np.ravel(p)
    w = np.ones(p.shape) if w is None else np.ravel(w)
    above = p[:, None] > np.asarray(thresholds, np.float32)[None, :]
    out = {}
    for key, lab, pos in (("tp", y, True), ("fp", ~y, True), ("tn", ~y, False),
                          ("fn", y, False)):
        hit = above if pos else ~above
        out[key] = ((w * lab)[:, None] * hit).sum(0)
    return out


def no_nan(a, b):
    """a / b, 0 where b == 0 (TF's divide_no_nan)."""
    return np.where(b != 0, a / np.where(b != 0, b, 1), 0.0)


def np_top_k_filter(p, k):
    """Keeps the k largest of each row (first index wins ties), the rest -> -inf."""
    order = np.argsort(-p, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(p.shape, bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return np.where(mask, p, -1e10)


def test_confusion_counts_with_thresholds(data):
    yb, pb, w = data["yb"], data["pb"], data["w"]
    wb = np.broadcast_to(w[:, None], yb.shape)
    thresholds = [0.2, 0.5, 0.8]
    want = np_counts(yb, pb, thresholds, wb)
    for cls, key in ((metrics.TruePositives, "tp"), (metrics.FalsePositives, "fp"),
                     (metrics.TrueNegatives, "tn"), (metrics.FalseNegatives, "fn")):
        np.testing.assert_allclose(stream(cls(thresholds=thresholds), yb, pb, w), want[key],
                                   rtol=1e-5)
        single = stream(cls(), yb, pb)
        assert single.shape == () and single == np_counts(yb, pb, [0.5])[key][0]


@pytest.mark.parametrize("top_k, class_id", [(None, None), (2, None), (None, 1), (1, 3),
                                             (3, 0)])
def test_precision_recall_top_k_class_id(data, top_k, class_id):
    yb, pb, w = data["yb"], data["pb"], data["w"]
    thresholds = [0.3, 0.6] if top_k is None else None
    p, y, ww = pb.astype(np.float64), yb, np.broadcast_to(w[:, None], yb.shape)
    if top_k is not None:
        p = np_top_k_filter(p, top_k)
    if class_id is not None:
        p, y, ww = p[:, class_id], y[:, class_id], ww[:, class_id]
    c = np_counts(y, p, thresholds or ([0.5] if top_k is None else [-1e10]), ww)
    prec = metrics.Precision(thresholds=thresholds, top_k=top_k, class_id=class_id)
    rec = metrics.Recall(thresholds=thresholds, top_k=top_k, class_id=class_id)
    got_p, got_r = stream(prec, yb, pb, w), stream(rec, yb, pb, w)
    np.testing.assert_allclose(got_p, np.squeeze(no_nan(c["tp"], c["tp"] + c["fp"])),
                               rtol=1e-5)
    np.testing.assert_allclose(got_r, np.squeeze(no_nan(c["tp"], c["tp"] + c["fn"])),
                               rtol=1e-5)
    prec.reset_state()
    assert np.all(np.asarray(prec.result()) == 0)


def test_precision_empty_is_zero_and_weight_shapes():
    m = metrics.Precision()
    m.update_state([1, 0], [0.1, 0.2])  # no positive prediction: 0, not nan
    assert float(m.result()) == 0.0
    r = metrics.Recall()
    r.update_state([[1, 1], [1, 0]], [[0.9, 0.1], [0.8, 0.9]], sample_weight=[[1.0], [0.0]])
    assert float(r.result()) == 0.5


# -- AUC ---------------------------------------------------------------------------------------

def np_auc(y, p, w=None, num_thresholds=200, curve="ROC", summation="interpolation",
           thresholds=None):
    """Keras' AUC from confusion counts at fixed thresholds, in float64."""
    if thresholds is None:
        thresholds = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thr = [-EPS] + sorted(thresholds) + [1 + EPS]
    c = {k: v.astype(np.float64) for k, v in np_counts(y, p, thr, w).items()}
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]

    if curve == "PR" and summation == "interpolation":
        # Davis & Goadrich: between thresholds, tp grows linearly in p = tp + fp.
        pp = tp + fp
        dtp, dp = tp[:-1] - tp[1:], pp[:-1] - pp[1:]
        slope = no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ok = (pp[:-1] > 0) & (pp[1:] > 0)
        ratio = np.where(ok, no_nan(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return no_nan(slope * (dtp + intercept * np.log(ratio)),
                   np.maximum(tp[1:] + fn[1:], 0)).sum()
    recall = no_nan(tp, tp + fn)
    x, yv = (no_nan(fp, fp + tn), recall) if curve == "ROC" else (recall, no_nan(tp, tp + fp))
    heights = {"interpolation": (yv[:-1] + yv[1:]) / 2, "minoring": np.minimum(
        yv[:-1], yv[1:]), "majoring": np.maximum(yv[:-1], yv[1:])}[summation]
    return ((x[:-1] - x[1:]) * heights).sum()


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("summation", ["interpolation", "minoring", "majoring"])
def test_auc_matches_numpy(data, curve, summation):
    yb, pb, w = data["yb"], data["pb"], data["w"]
    wb = np.broadcast_to(w[:, None], yb.shape)
    for n in (200, 7):
        m = metrics.AUC(num_thresholds=n, curve=curve.lower(), summation_method=summation)
        np.testing.assert_allclose(stream(m, yb, pb, w),
                                   np_auc(yb, pb, wb, n, curve, summation), rtol=1e-5)


def test_auc_documented_value_and_options(data):
    m = metrics.AUC(num_thresholds=3)
    assert float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])) == pytest.approx(0.75)
    yb, pb = data["yb"], data["pb"]
    thr = [0.7, 0.2, 0.45]
    m = metrics.AUC(thresholds=thr, curve="PR")
    assert m.num_thresholds == 5 and m.thresholds[1:-1] == sorted(thr)
    np.testing.assert_allclose(stream(m, yb, pb), np_auc(yb, pb, curve="PR", thresholds=thr),
                               rtol=1e-5)
    logits = (pb - 0.5) * 8
    np.testing.assert_allclose(stream(metrics.AUC(from_logits=True), yb, logits),
                               np_auc(yb, 1 / (1 + np.exp(-logits))), rtol=1e-4)
    lw = np.array([1.0, 2.0, 0.5, 3.0])
    np.testing.assert_allclose(stream(metrics.AUC(label_weights=lw), yb, pb),
                               np_auc(yb, pb, np.broadcast_to(lw, yb.shape)), rtol=1e-5)


@pytest.mark.parametrize("label_weights", [None, [1.0, 0.0, 2.0, 1.0]])
def test_auc_multi_label(data, label_weights):
    yb, pb, w = data["yb"], data["pb"], data["w"]
    per_label = np.array([np_auc(yb[:, j], pb[:, j], w, curve="PR") for j in range(C)])
    lw = np.ones(C) if label_weights is None else np.asarray(label_weights)
    m = metrics.AUC(multi_label=True, curve="PR", label_weights=label_weights)
    np.testing.assert_allclose(stream(m, yb, pb, w), (per_label * lw).sum() / lw.sum(),
                               rtol=1e-5)
    assert m.true_positives.shape == (200, C) and m.num_labels == C


# -- F1 / F-beta ------------------------------------------------------------------------------

def np_fbeta(y, p, w, beta, average, threshold):
    if threshold is None:
        pred = ((p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-9)).astype(np.float64)
    else:
        pred = (p > threshold).astype(np.float64)
    ww = w[:, None]
    axis = None if average == "micro" else 0
    tp = (pred * y * ww).sum(axis)
    fp = (pred * (1 - y) * ww).sum(axis)
    fn = ((1 - pred) * y * ww).sum(axis)
    support = (y * ww).sum(axis)
    precision, recall = tp / (tp + fp + EPS), tp / (tp + fn + EPS)
    f = (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall + EPS)
    if average == "macro":
        return f.mean()
    if average == "weighted":
        return (f * support / (support.sum() + EPS)).sum()
    return f


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.45])
def test_f_scores(data, average, threshold):
    yb, pb, w = data["yb"], data["pb"], data["w"]
    for beta, m in ((1.0, metrics.F1Score(average=average, threshold=threshold)),
                    (2.0, metrics.FBetaScore(average=average, beta=2.0, threshold=threshold))):
        np.testing.assert_allclose(stream(m, yb, pb, w),
                                   np_fbeta(yb, pb, w, beta, average, threshold),
                                   rtol=1e-5, atol=1e-7)
    assert m.get_config()["average"] == average


# -- rate at a target rate, IoU, R2, relative error, MeanTensor ---------------------------------

@pytest.mark.parametrize("cls, constrained, dependent", [
    (metrics.SensitivityAtSpecificity, "spec", "sens"),
    (metrics.SpecificityAtSensitivity, "sens", "spec"),
    (metrics.PrecisionAtRecall, "sens", "prec"),
    (metrics.RecallAtPrecision, "prec", "sens")])
@pytest.mark.parametrize("value, num_thresholds, class_id", [(0.5, 200, None), (0.8, 11, 2),
                                                             (0.3, 1, None)])
def test_rate_at_rate(data, cls, constrained, dependent, value, num_thresholds, class_id):
    yb, pb, w = data["yb"], data["pb"], data["w"]
    y, p, ww = yb, pb, np.broadcast_to(w[:, None], yb.shape)
    if class_id is not None:
        y, p, ww = y[:, class_id], p[:, class_id], ww[:, class_id]
    thr = [0.5] if num_thresholds == 1 else [i / (num_thresholds - 1)
                                             for i in range(num_thresholds)]
    c = np_counts(y, p, thr, ww)
    rates = {"sens": no_nan(c["tp"], c["tp"] + c["fn"]),
             "spec": no_nan(c["tn"], c["tn"] + c["fp"]),
             "prec": no_nan(c["tp"], c["tp"] + c["fp"])}
    feasible = rates[constrained] >= value
    want = rates[dependent][feasible].max() if feasible.any() else 0.0
    m = cls(value, num_thresholds=num_thresholds, class_id=class_id)
    np.testing.assert_allclose(stream(m, yb, pb, w), want, rtol=1e-5)


def np_mean_iou(labels, preds, n, w=None, ids=None, ignore=None):
    w = np.ones(len(labels)) if w is None else w
    if ignore is not None:
        w = w * (labels != ignore)
    cm = np.zeros((n, n))
    for lab, pr, wt in zip(labels, preds, w):
        if 0 <= lab < n:
            cm[lab, pr] += wt
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1) - tp
    ids = list(range(n)) if ids is None else ids
    iou = no_nan(tp, denom)[ids]
    return iou.sum() / (denom[ids] != 0).sum()


def test_iou_family(data):
    yi, pb, w = data["yi"], data["pb"], data["w"]
    pi = pb.argmax(-1)
    np.testing.assert_allclose(stream(metrics.MeanIoU(num_classes=C), yi, pi, w),
                               np_mean_iou(yi, pi, C, w), rtol=1e-5)
    np.testing.assert_allclose(
        stream(metrics.IoU(num_classes=C, target_class_ids=[0, 2], ignore_class=1), yi, pi,
               w), np_mean_iou(yi, pi, C, w, [0, 2], ignore=1), rtol=1e-5)
    onehot = np.eye(C)[yi]
    np.testing.assert_allclose(stream(metrics.OneHotMeanIoU(num_classes=C), onehot, pb),
                               np_mean_iou(yi, pi, C), rtol=1e-5)
    np.testing.assert_allclose(
        stream(metrics.OneHotIoU(num_classes=C, target_class_ids=[3]), onehot, pb, w),
        np_mean_iou(yi, pi, C, w, [3]), rtol=1e-5)
    yb = data["yb"].ravel().astype(int)
    pr = (data["pb"].ravel() >= 0.4).astype(int)
    np.testing.assert_allclose(
        stream(metrics.BinaryIoU(threshold=0.4), data["yb"], data["pb"], w),
        np_mean_iou(yb, pr, 2, np.repeat(w, C)), rtol=1e-5)
    # a prediction equal to the threshold is class 1
    assert float(metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)([1], [0.5])) == 1.0


@pytest.mark.parametrize("aggregation", [None, "uniform_average", "variance_weighted_average"])
@pytest.mark.parametrize("num_regressors", [0, 3])
def test_r2_score(data, aggregation, num_regressors):
    t, p, w = data["reg_t"].astype(np.float64), data["reg_p"], data["w"]
    ww = w[:, None].astype(np.float64)
    mean = (t * ww).sum(0) / ww.sum(0)
    ss_tot = (ww * (t - mean) ** 2).sum(0)
    raw = 1 - (ww * (t - p) ** 2).sum(0) / ss_tot
    want = {None: raw, "uniform_average": raw.mean(),
            "variance_weighted_average": (raw * ss_tot).sum() / ss_tot.sum()}[aggregation]
    if num_regressors:
        n = t.size  # Keras counts entries, not rows
        want = 1 - (1 - want) * (n - 1) / (n - num_regressors - 1)
    m = metrics.R2Score(class_aggregation=aggregation, num_regressors=num_regressors)
    np.testing.assert_allclose(stream(m, t, p, w), want, rtol=1e-4)


def test_mean_relative_error_and_mean_tensor(data):
    from ember.keras.backend import clear_session
    clear_session()  # default names are unique per session (mean_relative_error_1 ...)
    t, p, w = data["reg_t"], data["reg_p"], data["w"]
    norm = np.abs(t).mean(0) + 0.5
    m = metrics.MeanRelativeError(normalizer=norm)
    np.testing.assert_allclose(stream(m, t, p, w), wmean(np.abs(t - p) / norm, w), rtol=1e-5)
    assert m.name == "mean_relative_error"
    mt = metrics.MeanTensor()
    for part_t, part_w in batches(t, w):
        for row, wt in zip(part_t, part_w):
            mt.update_state(row, sample_weight=wt)
    np.testing.assert_allclose(mt.result().numpy(), (t * w[:, None]).sum(0) / w.sum(),
                               rtol=1e-5)
    with pytest.raises(ShapeError, match="do not match the metric's shape"):
        mt.update_state(np.ones(5))


@pytest.mark.parametrize("make", [lambda: keras.metrics.AUC(), lambda: keras.metrics.Precision(),
                                  lambda: keras.metrics.Recall(thresholds=[0.3, 0.6]),
                                  lambda: keras.metrics.TruePositives()])
def test_predictions_outside_0_1_are_refused_and_count_nothing(make):
    from ember.errors import InvalidArgumentError
    metric = make()
    metric.update_state([0, 1, 1], [0.2, 0.9, 0.4])
    before = [v.numpy().copy() for v in metric.variables]
    with pytest.raises(InvalidArgumentError, match="predictions must be <= 1"):
        metric.update_state([0, 1], [0.5, 1.5])
    with pytest.raises(InvalidArgumentError, match="predictions must be >= 0"):
        metric.update_state([0, 1], [-0.1, 0.5])
    for b, v in zip(before, metric.variables):
        np.testing.assert_array_equal(b, v.numpy())


def test_fit_with_auc_on_logits_says_predictions_must_be_probabilities():
    from ember.errors import InvalidArgumentError
    x = np.array([[5.0], [-5.0], [3.0], [-2.0]], np.float32)
    y = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])  # logits, no sigmoid
    model.set_weights([np.array([[2.0]], np.float32), np.array([0.0], np.float32)])
    model.compile("sgd", keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.AUC()])
    with pytest.raises(InvalidArgumentError, match="predictions must be"):
        model.evaluate(x, y, verbose=0)
