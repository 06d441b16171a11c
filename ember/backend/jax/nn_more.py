"""JAX kernels for `prims/nn_more.py`: the CTC loss and its gradient, the NumPy backend's
log-space forward-backward (`ctc_forward_backward`) run with jax.numpy (the frame loop is
unrolled at trace time).

Example:
    >>> from ember.backend.jax.nn_more import KERNELS  # doctest: +SKIP
    >>> sorted(KERNELS)  # doctest: +SKIP
    ['ctc_loss', 'ctc_loss_grad']
"""

from __future__ import annotations

import jax.numpy as jnp

from ..numpy.nn_more import ctc_forward_backward


def ctc_loss(logits, labels, label_length, logit_length, blank_index):
    return ctc_forward_backward(jnp, jnp.asarray(logits), jnp.asarray(labels),
                                jnp.asarray(label_length), jnp.asarray(logit_length),
                                blank_index, False)


def ctc_loss_grad(logits, labels, label_length, logit_length, blank_index):
    return ctc_forward_backward(jnp, jnp.asarray(logits), jnp.asarray(labels),
                                jnp.asarray(label_length), jnp.asarray(logit_length),
                                blank_index, True)


KERNELS = {"ctc_loss": ctc_loss, "ctc_loss_grad": ctc_loss_grad}
