"""Connectionist temporal classification: `tf.nn.ctc_loss` (over the ctc_loss primitive)
the decoders (greedy, and prefix beam search) and ctc_unique_labels.

The decoders have data-dependent output shapes and no gradient. They return the
components of SparseTensors (`(indices, values, dense_shape)` tensors), which `ember.nn`
wraps (ops can't import ember.sparse, a higher layer). Both run inside `ember.function`:
the greedy decoder is graph ops (argmax, where, cumsum), the beam search a host
`numpy_function` step.

Example:
    >>> import ember as tf
    >>> loss = tf.nn.ctc_loss(tf.constant([[1]]), tf.zeros((1, 1, 2)), [1], [1])
    >>> round(float(loss[0]), 4)
    0.6931
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind
from ..core.shape import TensorSpec
from ..prims.convert import as_tensor, cast, stop_gradient
from ..prims.nn_more import ctc_loss_p
from ..prims.reduce import argmax
from . import creation_ops as co
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .gather_ops import gather_nd
from .py_ops import numpy_function

__all__ = ["ctc_loss", "ctc_unique_labels"]


def _concrete(x: Any) -> np.ndarray | None:
    try:
        return np.asarray(x.numpy())
    except Exception:  # a symbolic tensor inside ember.function
        return None


def ctc_loss(labels: Any, logits: Any, label_length: Any, logit_length: Any,
             logits_time_major: bool = True, unique: Any = None, blank_index: Any = None,
             name: str | None = None) -> Any:
    """The CTC negative log-likelihood of each row, as `tf.nn.ctc_loss`.

    `labels` is dense `[batch, max_label_length]` int (with `label_length`) or a
    SparseTensor (then `label_length` is None and `blank_index` is required); `logits`
    is `[frames, batch, classes]` (`[batch, frames, classes]` with
    `logits_time_major=False`), unnormalized. `blank_index` defaults to 0; a negative
    one counts from the number of classes. Differentiable with respect to the logits.

    Example:
        >>> import ember as tf
        >>> x = tf.zeros((2, 1, 3))
        >>> round(float(tf.nn.ctc_loss(tf.constant([[1]]), x, [1], [2])[0]), 4)
        1.0986
    """
    x = as_tensor(logits)
    if x.shape.rank != 3:
        raise ShapeError(f"ctc_loss: logits must be 3-D, received shape {x.shape}.")
    if not logits_time_major:
        x = s.transpose(x, [1, 0, 2])
    c = x.shape[2]
    if hasattr(labels, "indices") and hasattr(labels, "dense_shape"):
        if blank_index is None:
            raise InvalidArgumentError("ctc_loss: blank_index must be given when labels is a "
                                       "SparseTensor (as TF).")
        ind = np.asarray(labels.indices.numpy()).astype(np.int64)
        vals = np.asarray(labels.values.numpy())
        shape = [int(v) for v in np.asarray(labels.dense_shape.numpy())]
        dense = np.zeros(shape, vals.dtype if vals.size else np.int32)
        if ind.size:
            dense[ind[:, 0], ind[:, 1]] = vals
        lengths = np.zeros(shape[0], np.int32)
        if ind.size:
            np.maximum.at(lengths, ind[:, 0], ind[:, 1].astype(np.int32) + 1)
        lab, lab_len = as_tensor(dense.astype(np.int32)), as_tensor(lengths)
    else:
        if label_length is None:
            raise InvalidArgumentError("ctc_loss: label_length is required with dense labels.")
        lab, lab_len = as_tensor(labels), as_tensor(label_length)
    blank = 0 if blank_index is None else int(blank_index)
    if blank < 0 and c is not None:
        blank += c
    t_len = as_tensor(logit_length)
    lab, lab_len, t_len = (cast(v, "int32") for v in (lab, lab_len, t_len))
    lv, ll, tl = _concrete(lab), _concrete(lab_len), _concrete(t_len)
    if lv is not None and ll is not None and tl is not None and c is not None:
        if lv.size and ((lv < 0) | (lv >= c)).any() and \
                (np.arange(lv.shape[1])[None, :] < ll[:, None])[(lv < 0) | (lv >= c)].any():
            raise InvalidArgumentError(f"ctc_loss: labels must be in [0, {c}) (classes of "
                                       f"logits), received {lv.tolist()}.")
        if (ll < 0).any() or (ll > lv.shape[1]).any():
            raise InvalidArgumentError(f"ctc_loss: label_length {ll.tolist()} must be in "
                                       f"[0, {lv.shape[1]}] (labels' width).")
        if (tl < 0).any() or (x.shape[0] is not None and (tl > x.shape[0]).any()):
            raise InvalidArgumentError(f"ctc_loss: logit_length {tl.tolist()} must be in "
                                       f"[0, {x.shape[0]}] (the logits' frames).")
    return bind(ctc_loss_p, x, lab, lab_len, t_len, blank_index=blank)


def _decoder_input(op: str, inputs: Any, sequence_length: Any) -> tuple:
    x = as_tensor(inputs)
    if x.shape.rank != 3:
        raise ShapeError(f"{op}: inputs must be 3-D [max_time, batch, classes], received "
                         f"shape {x.shape}.")
    if x.shape[2] is None:
        raise ShapeError(f"{op}: the number of classes (inputs' last dim) must be known, "
                         f"received shape {x.shape}.")
    lens = cast(as_tensor(sequence_length), "int64")
    if lens.shape.rank != 1:
        raise ShapeError(f"{op}: sequence_length must be 1-D [batch], received shape "
                         f"{lens.shape}.")
    return x, lens


def ctc_greedy(inputs: Any, sequence_length: Any, merge_repeated: bool = True,
               blank_index: Any = None) -> tuple:
    """Greedy (best-path) decoding: `([(indices, values, dense_shape)], neg_sum_logits)`,
    tensors (the SparseTensor's parts), made of graph ops (argmax, where, cumsum), so it
    runs inside `ember.function` too; no gradient (as TF).

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_ctc import ctc_greedy
        >>> x = tf.constant([[[0.0, 5.0, 0.0]], [[0.0, 0.0, 5.0]], [[5.0, 0.0, 0.0]]])
        >>> [(ind, vals, shape)], neg = ctc_greedy(x, [3])
        >>> vals.numpy(), shape.numpy(), neg.numpy()
        (array([1, 0]), array([1, 2]), array([[-15.]], dtype=float32))
    """
    x, lens = _decoder_input("ctc_greedy_decoder", inputs, sequence_length)
    classes = x.shape[2]
    blank = classes - 1 if blank_index is None else int(blank_index)
    if blank < 0:
        blank += classes
    x = stop_gradient(x)
    best = s.transpose(argmax(x, -1), [1, 0])                           # [B, T] int64
    frame = m.subtract(r.cumsum(co.ones_like(best[:1]), 1), np.int64(1))  # [1, T]: 0..T-1
    valid = m.less(frame, s.expand_dims(lens, 1))
    keep = m.logical_and(valid, m.not_equal(best, np.int64(blank)))
    if merge_repeated:
        prev = s.concat([m.subtract(co.zeros_like(best[:, :1]), np.int64(1)), best[:, :-1]], 1)
        keep = m.logical_and(keep, m.not_equal(best, prev))
    top = s.transpose(r.reduce_max(x, -1), [1, 0])                      # [B, T]
    neg = r.reduce_sum(m.where(valid, m.negative(top), co.zeros_like(top)), 1, keepdims=True)
    at = m.where(keep)                                                  # [N, 2]: (b, t)
    kept = cast(keep, "int64")
    col = gather_nd(m.subtract(r.cumsum(kept, 1), np.int64(1)), at)
    indices = s.stack([at[:, 0], col], 1)
    values = gather_nd(best, at)
    width = r.reduce_max(s.concat([r.reduce_sum(kept, 1), co.zeros([1], "int64")], 0))
    shape = s.stack([s.shape(best, out_type="int64")[0], width])
    return [(indices, values, shape)], neg


def _sparse(rows: list) -> tuple:
    ind = [[b, i] for b, r in enumerate(rows) for i in range(len(r))]
    vals = [v for r in rows for v in r]
    width = max((len(r) for r in rows), default=0)
    return (np.array(ind, np.int64).reshape(-1, 2), np.array(vals, np.int64),
            np.array([len(rows), width], np.int64))


def _beam_np(x: np.ndarray, lens: np.ndarray, beam_width: int, top_paths: int) -> list:
    """Prefix beam search on the host: the flat list of each path's (indices, values,
    dense_shape), then the scores [batch, top_paths]."""
    x = x.astype(np.float64)
    T, B, C = x.shape
    blank = C - 1
    lp = x - x.max(-1, keepdims=True)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    paths = [[] for _ in range(top_paths)]
    scores = np.full((B, top_paths), -np.inf, np.float32)
    for b in range(B):
        beams = {(): (0.0, -np.inf)}  # prefix -> (log p ending in blank, log p ending in label)
        for t in range(min(int(lens[b]), T)):
            nxt: dict = {}

            def add(prefix, pb, pnb):
                ob, onb = nxt.get(prefix, (-np.inf, -np.inf))
                nxt[prefix] = (np.logaddexp(ob, pb), np.logaddexp(onb, pnb))
            for prefix, (pb, pnb) in beams.items():
                total = np.logaddexp(pb, pnb)
                add(prefix, total + lp[t, b, blank], -np.inf)
                for k in range(C):
                    if k == blank:
                        continue
                    p = lp[t, b, k]
                    if prefix and prefix[-1] == k:
                        add(prefix, -np.inf, pnb + p)
                        add(prefix + (k,), -np.inf, pb + p)
                    else:
                        add(prefix + (k,), -np.inf, total + p)
            ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
            beams = dict(ranked[:beam_width])
        ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        for j in range(top_paths):
            if j < len(ranked):
                paths[j].append(list(ranked[j][0]))
                scores[b, j] = np.logaddexp(*ranked[j][1])
            else:
                paths[j].append([])
    return [part for rows in paths for part in _sparse(rows)] + [scores]


def ctc_beam(inputs: Any, sequence_length: Any, beam_width: int = 100,
             top_paths: int = 1) -> tuple:
    """Prefix beam search over softmax(inputs) (blank: the last class):
    `([(indices, values, dense_shape)] * top_paths, log_probabilities [batch, top_paths])`.

    The search runs on the host (NumPy); inside `ember.function` it is a
    `numpy_function` node whose outputs have shapes `[None, 2]`, `[None]`, `[2]` per
    path and `[batch, top_paths]` float32. No gradient (as TF).

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_ctc import ctc_beam
        >>> x = tf.math.log(tf.constant([[[0.1, 0.6, 0.3]], [[0.1, 0.6, 0.3]]]))
        >>> [(ind, vals, shape)], lp = ctc_beam(x, [2], beam_width=4)
        >>> vals.numpy(), round(float(lp[0, 0]), 4)
        (array([1]), -0.3285)
    """
    op = "ctc_beam_search_decoder"
    x, lens = _decoder_input(op, inputs, sequence_length)
    if top_paths < 1 or top_paths > beam_width:
        raise InvalidArgumentError(f"{op}: top_paths ({top_paths}) must be in [1, "
                                   f"beam_width = {beam_width}].")
    specs = [TensorSpec([None, 2], "int64"), TensorSpec([None], "int64"),
             TensorSpec([2], "int64")] * top_paths + [TensorSpec([x.shape[1], top_paths],
                                                                 "float32")]
    outs = numpy_function(lambda a, n: _beam_np(a, n, int(beam_width), int(top_paths)),
                          [stop_gradient(x), lens], specs)
    return [tuple(outs[3 * j:3 * j + 3]) for j in range(top_paths)], outs[-1]


def ctc_unique_labels(labels: Any, name: str | None = None) -> tuple:
    """Each row's distinct labels in order of first appearance (zero-padded) and, for each
    label, its index among them, as `tf.nn.ctc_unique_labels`.

    Example:
        >>> import ember as tf
        >>> u, i = tf.nn.ctc_unique_labels(tf.constant([[3, 4, 4, 3]]))
        >>> u.numpy(), i.numpy()
        (array([[3, 4, 0, 0]]), array([[0, 1, 1, 0]], dtype=int32))
    """
    a = np.asarray(as_tensor(labels).numpy())
    if a.ndim != 2:
        raise ShapeError(f"ctc_unique_labels: labels must be 2-D, received shape {a.shape}.")
    uniq = np.zeros(a.shape, np.int64)
    idx = np.zeros(a.shape, np.int32)
    for b in range(a.shape[0]):
        seen: dict = {}
        for i, v in enumerate(a[b].tolist()):
            if v not in seen:
                seen[v] = len(seen)
            idx[b, i] = seen[v]
        uniq[b, :len(seen)] = list(seen)
    return as_tensor(uniq), as_tensor(idx)
