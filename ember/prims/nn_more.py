"""The CTC loss primitives: `ctc_loss(logits [T, B, C], labels [B, L], label_length [B],
logit_length [B], blank_index=k) -> [B]` (the negative log-likelihood of each row's label
sequence under all alignments) and `ctc_loss_grad` (same operands -> `[T, B, C]`, the
loss's gradient with respect to the logits; zero past each row's logit_length).

NOTE: primitives because the forward-backward recursion is a loop over frames (in log
space, NumPy / JAX kernels in `backend/*/nn_more.py`); composed of ops it would be
several ops per frame on the tape. The VJP of ctc_loss is `g * ctc_loss_grad(...)`;
ctc_loss_grad itself has no gradient (second derivatives of CTC are not supported).
The public op (`tf.nn.ctc_loss`: dense or sparse labels, batch-major logits, blank_index)
is in `ops/nn_ctc.py`.

Example:
    >>> import ember as tf
    >>> from ember.core.registry import bind
    >>> from ember.prims.nn_more import ctc_loss_p
    >>> loss = bind(ctc_loss_p, tf.zeros((1, 1, 2)), tf.constant([[1]]), tf.constant([1]),
    ...             tf.constant([1]), blank_index=0)
    >>> round(float(loss[0]), 4)
    0.6931
"""

from __future__ import annotations

from typing import Any

from ..core.dtypes import NP_FLOATS
from ..core.errors import InvalidArgumentError, ShapeError
from ..core.registry import bind, defvjp, no_gradient, primitive
from ..core.rules import describe
from ..core.shape import TensorSpec
from .index import basic_getitem
from .math import multiply

__all__ = ["ctc_loss_p", "ctc_loss_grad_p"]


def _check(op: str, logits: TensorSpec, labels: TensorSpec, label_length: TensorSpec,
           logit_length: TensorSpec, blank_index: int) -> None:
    if logits.shape.rank is not None and logits.shape.rank != 3:
        raise ShapeError(f"{op}: logits must be 3-D [max_time, batch, num_classes], received "
                         f"{describe(logits)}.")
    if labels.shape.rank is not None and labels.shape.rank != 2:
        raise ShapeError(f"{op}: labels must be 2-D [batch, max_label_length], received "
                         f"{describe(labels)}.")
    for what, spec in (("label_length", label_length), ("logit_length", logit_length)):
        if spec.shape.rank is not None and spec.shape.rank != 1:
            raise ShapeError(f"{op}: {what} must be 1-D [batch], received {describe(spec)}.")
    for spec in (labels, label_length, logit_length):
        if not spec.dtype.is_integer:
            raise InvalidArgumentError(f"{op}: labels and lengths must be integers, received "
                                       f"{describe(labels, label_length, logit_length)}.")
    if logits.shape.rank == 3:
        batch = logits.shape[1]
        for spec in (labels, label_length, logit_length):
            b = spec.shape[0] if spec.shape.rank else None
            if batch is not None and b is not None and b != batch:
                raise ShapeError(f"{op}: the batch of labels and lengths must match the "
                                 f"logits' batch {batch}, received "
                                 f"{describe(logits, labels, label_length, logit_length)}.")
        c = logits.shape[2]
        if c is not None and not 0 <= blank_index < max(c, 1):
            raise InvalidArgumentError(f"{op}: blank_index {blank_index} is out of range for "
                                       f"{c} classes.")


def _loss_rule(logits, labels, label_length, logit_length, blank_index: int) -> TensorSpec:
    _check("ctc_loss", logits, labels, label_length, logit_length, blank_index)
    batch = logits.shape[1] if logits.shape.rank == 3 else None
    return TensorSpec([batch], logits.dtype)


def _grad_rule(logits, labels, label_length, logit_length, blank_index: int) -> TensorSpec:
    _check("ctc_loss_grad", logits, labels, label_length, logit_length, blank_index)
    return TensorSpec(logits.shape, logits.dtype)


ctc_loss_p = primitive("ctc_loss", _loss_rule, allowed=NP_FLOATS)
ctc_loss_grad_p = primitive("ctc_loss_grad", _grad_rule, allowed=NP_FLOATS)


def _ctc_vjp(g: Any, ins: tuple, out: Any, blank_index: int) -> tuple:
    grad = bind(ctc_loss_grad_p, *ins, blank_index=blank_index)
    return multiply(basic_getitem(g, (None, slice(None), None)), grad), None, None, None


defvjp(ctc_loss_p, _ctc_vjp)
no_gradient(ctc_loss_grad_p)
