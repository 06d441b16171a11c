"""`keras.ops.nn`: Connectionist Temporal Classification, the loss (the forward
algorithm in log space, unrolled over the static number of time steps, as optax's
`ctc_loss`) and the greedy and beam-search decoders.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> logits = np.log(np.array([[[0.1, 0.9], [0.9, 0.1]]], "float32"))
    >>> keras.ops.nn.ctc_decode(logits, [2])[0].numpy()
    array([[[ 1, -1]]], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.creation_ops import one_hot
from ...ops.linalg_ops import einsum
from ...prims.convert import cast
from ._dtypes import result_type, to_tensor
from ._nn_common import floating
from ._nn_ctc_beam import ctc_beam_search

__all__ = ["ctc_decode", "ctc_loss"]

_LOG_EPS = -1e5


def _logaddexp(a: Any, b: Any) -> Any:
    return m.add(m.maximum(a, b), m.log1p(m.exp(m.negative(m.abs(m.subtract(a, b))))))


def _shape3(op: str, x: Any, what: str) -> tuple:
    if x.shape.rank != 3 or None in tuple(x.shape)[1:]:
        raise ValueError(f"keras.ops.{op}: {what} must be 3-D [batch, time, classes] with "
                         f"known time and classes. Received: {what}.shape={tuple(x.shape)}")
    return tuple(x.shape)


def ctc_loss(target: Any, output: Any, target_length: Any, output_length: Any,
             mask_index: int = 0) -> Any:
    """The CTC loss per batch entry: `target [batch, max_label_length]` integer labels,
    `output [batch, time, classes]` logits, the valid lengths of each, `mask_index` the
    blank class.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> out = np.zeros((1, 2, 2), "float32")
        >>> round(float(keras.ops.nn.ctc_loss([[1]], out, [1], [2])[0]), 4)
        0.2877
    """
    op = "ctc_loss"
    out = floating(output)
    out = cast(out, result_type(out.dtype.name, "float32"))
    _, steps, classes = _shape3(op, out, "output")
    tgt = to_tensor(target)
    if tgt.shape.rank != 2 or tgt.shape[1] is None:
        raise ValueError(f"keras.ops.{op}: target must be 2-D [batch, max_label_length]. "
                         f"Received: target.shape={tuple(tgt.shape)}")
    tgt = cast(tgt, "int32")
    labels = tgt.shape[1]
    dt = out.dtype
    tlen = cast(to_tensor(target_length), "int32")
    olen = cast(to_tensor(output_length), "int32")
    from .nn import log_softmax
    logp = log_softmax(out, axis=-1)
    # emit[t][b, n]: the log-probability of label n at time t; phi[t][b, 1]: of the blank
    emit = einsum("btk,bnk->btn", logp, one_hot(tgt, classes, dtype=dt))
    phi = logp[:, :, mask_index:mask_index + 1]
    repeat = cast(m.equal(tgt[:, :-1], tgt[:, 1:]), dt)
    repeat = s.pad(repeat, [[0, 0], [0, 1]])
    valid = cast(m.less(to_tensor(np.arange(steps, dtype=np.int32))[None, :],
                        olen[:, None]), dt)
    eps = cast(_LOG_EPS, dt)
    one = cast(1.0, dt)
    init_phi = np.full((1, labels + 1), _LOG_EPS, dt.as_numpy_dtype)
    init_phi[0, 0] = 0.0
    zeros_b = m.multiply(r.reduce_sum(phi[:, 0], -1, keepdims=True), cast(0.0, dt))
    prev_phi = m.add(zeros_b, to_tensor(init_phi))
    prev_emit = m.add(zeros_b, to_tensor(np.full((1, labels), _LOG_EPS,
                                                 dt.as_numpy_dtype)))

    def update(p: Any, added: Any) -> Any:
        return s.concat([p[:, :1], _logaddexp(p[:, 1:], added)], -1)

    for t in range(steps):
        orig = prev_phi
        p = update(prev_phi, m.add(prev_emit, m.multiply(eps, repeat)))
        e_t, phi_t = emit[:, t], phi[:, t]
        next_emit = _logaddexp(m.add(p[:, :-1], e_t), m.add(prev_emit, e_t))
        next_phi = update(m.add(p, phi_t),
                          m.add(m.add(prev_emit, phi_t),
                                m.multiply(eps, m.subtract(one, repeat))))
        keep = valid[:, t:t + 1]
        prev_emit = m.add(m.multiply(m.subtract(one, keep), prev_emit),
                          m.multiply(keep, next_emit))
        prev_phi = m.add(m.multiply(m.subtract(one, keep), orig),
                         m.multiply(keep, next_phi))
    last = update(prev_phi, prev_emit)
    pick = one_hot(tlen, labels + 1, dtype=dt)
    return m.negative(r.reduce_sum(m.multiply(last, pick), -1))


def ctc_decode(inputs: Any, sequence_lengths: Any, strategy: str = "greedy",
               beam_width: int = 100, top_paths: int = 1, merge_repeated: bool = True,
               mask_index: int = 0) -> tuple:
    """Decodes `inputs [batch, time, classes]` (logits): greedy (the best class per
    step, repeats merged, blanks dropped) gives `(decoded [1, batch, time] int32 padded
    with -1, scores [batch, 1])`; 'beam_search' (CTC prefix beam search, see
    `_nn_ctc_beam.py`) the `top_paths` best labellings, `(decoded [top_paths, batch,
    time], log probabilities [batch, top_paths])`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([[[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]], "float32")
        >>> keras.ops.nn.ctc_decode(x, [3])[0].numpy()
        array([[[ 1, -1, -1]]], dtype=int32)
    """
    op = "ctc_decode"
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"keras.ops.{op}: invalid strategy {strategy!r}. Supported values "
                         f"are 'greedy' and 'beam_search'.")
    x = floating(inputs)
    x = cast(x, result_type(x.dtype.name, "float32"))
    _, steps, classes = _shape3(op, x, "inputs")
    blank = classes - 1 if mask_index is None else int(mask_index)
    lengths = cast(to_tensor(sequence_lengths), "int32")
    if strategy == "beam_search":
        return ctc_beam_search(x, lengths, blank, beam_width, top_paths)
    idx = cast(r.argmax(x, -1), "int32")
    scores = r.reduce_max(x, -1)
    beyond = m.greater_equal(to_tensor(np.arange(steps, dtype=np.int32))[None, :],
                             lengths[:, None])
    idx = m.where(beyond, blank, idx)
    scores = m.where(beyond, cast(0.0, x.dtype), scores)
    if merge_repeated and steps > 1:
        rep = s.pad(m.equal(idx[:, 1:], idx[:, :-1]), [[0, 0], [1, 0]], constant_values=False)
        idx = m.where(rep, blank, idx)
    keep = m.not_equal(idx, blank)
    # the kept labels moved to the front, in order: position = running count of kept ones
    pos = m.subtract(r.cumsum(cast(keep, "int32"), axis=1), 1)
    pos = m.where(keep, pos, -1)
    place = one_hot(pos, steps, dtype="float64")  # [batch, time, slot]
    labels = einsum("bts,bt->bs", place, cast(idx, "float64"))
    filled = m.greater(r.reduce_sum(place, 1), 0.0)
    decoded = m.where(filled, cast(labels, "int32"), -1)
    return s.expand_dims(decoded, 0), m.negative(r.reduce_sum(scores, 1, keepdims=True))
