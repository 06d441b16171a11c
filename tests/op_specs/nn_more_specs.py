"""Specs of the CTC primitives (ember/prims/nn_more.py): ctc_loss and ctc_loss_grad.

The references enumerate every alignment (every path of classes over the frames) and
keep those that collapse (repeats merged, blanks removed) to the label sequence: an
independent brute force of the forward-backward recursion, feasible at these sizes.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import Case, rng

R = rng(11)
LOGITS = R.standard_normal((4, 3, 3))  # [T, B, C]
LABELS = np.array([[1, 2], [2, 2], [1, 0]], np.int32)
LABEL_LEN = np.array([2, 2, 1], np.int32)
LABELS_2 = np.array([[1, 0], [0, 0], [1, 1]], np.int32)  # no label is the blank (2)
LOGIT_LEN = np.array([4, 4, 3], np.int32)
LOGITS_B = R.standard_normal((3, 2, 4))
LABELS_B = np.array([[0, 3], [1, 1]], np.int32)
LABEL_LEN_B = np.array([1, 0], np.int32)
LOGIT_LEN_B = np.array([3, 2], np.int32)


def _collapse(path, blank):
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def _brute(logits, labels, label_length, logit_length, blank):
    """(loss [B], grad [T, B, C]) by enumerating the alignments."""
    T, B, C = logits.shape
    x = logits.astype(np.float64)
    p = np.exp(x - x.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    loss = np.zeros(B)
    grad = np.zeros((T, B, C))
    for b in range(B):
        n = int(logit_length[b])
        target = [int(v) for v in labels[b, :label_length[b]]]
        total, occ = 0.0, np.zeros((n, C))
        for path in itertools.product(range(C), repeat=n):
            if _collapse(path, blank) != target:
                continue
            pr = float(np.prod([p[t, b, k] for t, k in enumerate(path)]))
            total += pr
            for t, k in enumerate(path):
                occ[t, k] += pr
        loss[b] = -np.log(total)
        grad[:n, b] = p[:n, b] - occ / total
    return loss, grad


def _loss_ref(logits, labels, label_length, logit_length, blank_index):
    return _brute(logits, labels, label_length, logit_length, blank_index)[0].astype(
        logits.dtype)


def _grad_ref(logits, labels, label_length, logit_length, blank_index):
    return _brute(logits, labels, label_length, logit_length, blank_index)[1].astype(
        logits.dtype)


def _cases(ref, diff):
    return [
        Case((LOGITS, LABELS, LABEL_LEN, LOGIT_LEN), ref, params={"blank_index": 0},
             rtol=1e-6, atol=1e-8, diff_args=diff, vary="none", specials=()),
        Case((LOGITS, LABELS_2, LABEL_LEN, LOGIT_LEN), ref, params={"blank_index": 2},
             rtol=1e-6, atol=1e-8, diff_args=diff, vary="none", specials=()),
        Case((LOGITS_B, LABELS_B, LABEL_LEN_B, LOGIT_LEN_B), ref, params={"blank_index": 2},
             rtol=1e-6, atol=1e-8, diff_args=diff, vary="none", specials=()),
        Case((np.zeros((3, 0, 3)), np.zeros((0, 2), np.int32), np.zeros(0, np.int32),
              np.zeros(0, np.int32)), ref, params={"blank_index": 0}, diff_args=diff,
             vary="none", specials=()),
        Case((LOGITS.astype(np.float32), LABELS, LABEL_LEN, LOGIT_LEN), ref,
             params={"blank_index": 0}, rtol=1e-4, atol=1e-5, diff_args=(), vary="none",
             specials=()),
    ]


SPECS = {
    "ctc_loss": _cases(_loss_ref, (0,)),
    "ctc_loss_grad": _cases(_grad_ref, ()),
}

SHAPE_SKIPS = {
    "the labels and lengths must fit the logits' frames and classes (no strategy draws "
    "them)": ("ctc_loss", "ctc_loss_grad"),
}
