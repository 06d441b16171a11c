"""`keras.ops.ctc_decode(..., strategy="beam_search")`: CTC prefix beam search.

The search keeps, for each candidate labelling (prefix) at each step, two probabilities:
that its alignment so far ends in a blank (`pb`) and that it ends in its last label
(`pnb`). A step extends each prefix by every label and keeps the `beam_width` most
probable prefixes (Graves' CTC, the prefix search as Hannun et al. describe it; TF's
`ctc_beam_search_decoder` and Keras 3 compute the same):

- a blank: the prefix stays, `pb' += (pb + pnb) * p(blank)`;
- its last label again: the prefix stays, `pnb' += pnb * p(c)` (a repeat collapses), and
  the prefix + c gets `pb * p(c)` (a blank separated the two);
- another label c: the prefix + c gets `(pb + pnb) * p(c)`.

Inputs are logits (log-softmaxed per step first, as Keras 3); steps past a sequence's
length are skipped. The search runs on NumPy values (it is not differentiable): eagerly
on the values, inside `ember.function` as a host call, on KerasTensors as a node of
known output shape.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> logits = np.log(np.array([[[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]], "float32"))
    >>> paths, scores = keras.ops.ctc_decode(logits, [2], strategy="beam_search",
    ...                                      beam_width=4, top_paths=2)
    >>> paths.numpy()[:, 0]
    array([[ 1,  2],
           [ 2, -1]], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.context import CTX
from ...core.shape import TensorSpec
from ...core.tensor import TensorOps, wrap
from ...ops.py_ops import numpy_function
from ..engine.keras_tensor import KerasTensor

__all__ = ["ctc_beam_search"]

_NEG = -np.inf


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _search_one(lp: np.ndarray, blank: int, beam_width: int) -> tuple:
    """(prefixes, log probabilities) after the steps of `lp [time, classes]`, best first."""
    prefixes: list = [()]
    pb, pnb = np.array([0.0]), np.array([_NEG])
    classes = lp.shape[1]
    for row in lp:
        total = np.logaddexp(pb, pnb)
        last = np.array([p[-1] if p else -1 for p in prefixes])
        # extensions by each label: from the total, or from pb alone for the last label
        ext = total[:, None] + row[None, :]
        repeat = last >= 0
        ext[repeat, last[repeat]] = pb[repeat] + row[last[repeat]]
        ext[:, blank] = _NEG
        stay_pb = total + row[blank]
        stay_pnb = np.where(repeat, pnb + row[np.maximum(last, 0)], _NEG)
        # an extension that is already a kept prefix adds to it
        index = {p: i for i, p in enumerate(prefixes)}
        for i, p in enumerate(prefixes):
            j = index.get(p[:-1]) if p else None
            if j is not None:
                stay_pnb[i] = np.logaddexp(stay_pnb[i], ext[j, p[-1]])
                ext[j, p[-1]] = _NEG
        stay_total = np.logaddexp(stay_pb, stay_pnb)
        scores = np.concatenate([stay_total, ext.ravel()])
        keep = min(beam_width, int(np.isfinite(scores).sum()) or 1)
        top = np.argsort(-scores, kind="stable")[:keep]
        new_prefixes, new_pb, new_pnb = [], [], []
        for k in top:
            if k < len(prefixes):
                new_prefixes.append(prefixes[k])
                new_pb.append(stay_pb[k])
                new_pnb.append(stay_pnb[k])
            else:
                i, c = divmod(int(k) - len(prefixes), classes)
                new_prefixes.append(prefixes[i] + (c,))
                new_pb.append(_NEG)
                new_pnb.append(ext[i, c])
        prefixes, pb, pnb = new_prefixes, np.array(new_pb), np.array(new_pnb)
    total = np.logaddexp(pb, pnb)
    order = np.argsort(-total, kind="stable")
    return [prefixes[i] for i in order], total[order]


def _decode(logits: np.ndarray, lengths: np.ndarray, blank: int, beam_width: int,
            top_paths: int) -> tuple:
    batch, steps, _ = logits.shape
    lp = _log_softmax(logits.astype(np.float64))
    paths = np.full((top_paths, batch, steps), -1, np.int32)
    scores = np.full((batch, top_paths), _NEG, logits.dtype)
    for b in range(batch):
        n = int(min(max(int(lengths[b]), 0), steps))
        found, logp = _search_one(lp[b, :n], blank, beam_width)
        for k, (path, score) in enumerate(zip(found[:top_paths], logp[:top_paths])):
            paths[k, b, :len(path)] = path
            scores[b, k] = score
    return paths, scores


def ctc_beam_search(x: Any, lengths: Any, blank: int, beam_width: int,
                    top_paths: int) -> tuple:
    """`(paths [top_paths, batch, time] int32 padded with -1, log probabilities
    [batch, top_paths])` of `x [batch, time, classes]` (float logits, see the module
    docstring) and `lengths [batch]`."""
    batch, steps, classes = x.shape
    if not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"keras.ops.ctc_decode: beam_width must be a positive int, "
                         f"received {beam_width!r}.")
    if not isinstance(top_paths, int) or not 1 <= top_paths <= beam_width:
        raise ValueError(f"keras.ops.ctc_decode: top_paths must be an int in "
                         f"[1, beam_width={beam_width}], received {top_paths!r}.")
    if isinstance(x, KerasTensor) or isinstance(lengths, KerasTensor):
        return (KerasTensor((top_paths, batch, steps), "int32"),
                KerasTensor((batch, top_paths), x.dtype.name))

    def run(values: np.ndarray, lens: np.ndarray) -> tuple:
        return _decode(np.asarray(values), np.asarray(lens), blank, beam_width, top_paths)

    if CTX.traces:  # inside ember.function: a host call each time the graph runs
        return tuple(numpy_function(run, [x, lengths], [
            TensorSpec([top_paths, batch, steps], "int32"),
            TensorSpec([batch, top_paths], x.dtype.name)]))
    values = x.numpy() if isinstance(x, TensorOps) else np.asarray(x)
    lens = lengths.numpy() if isinstance(lengths, TensorOps) else np.asarray(lengths)
    paths, scores = run(values, lens)
    return wrap(paths), wrap(scores)
