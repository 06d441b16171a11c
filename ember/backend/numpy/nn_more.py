"""NumPy kernels for `prims/nn_more.py`: the CTC loss and its gradient.

`ctc_forward_backward(xp, ...)` is written for any NumPy-like module `xp` (no in-place
updates), so the JAX backend runs the same code with jax.numpy. The recursions are in log
space over the extended label sequence (a blank before, between and after the labels),
batched over the rows, one step per frame:
  alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [skip] alpha_{t-1}(s-2)) + lp_t(l'_s)
  beta_t(s)  = logsumexp(beta_{t+1}(s), beta_{t+1}(s+1), [skip] beta_{t+1}(s+2)) + lp_t(l'_s)
where the skip is allowed into a non-blank label that differs from the one two before.
The loss is -log p, p = alpha_{T-1}(S-1) + alpha_{T-1}(S-2); the gradient with respect to
the logits is softmax - sum_{s: l'_s = k} exp(alpha + beta - lp - log p).
"""

from __future__ import annotations

import numpy as np


def ctc_forward_backward(xp, logits, labels, label_length, logit_length, blank, want_grad):
    T, B, C = logits.shape
    L = labels.shape[1]
    S = 2 * L + 1
    dtype = logits.dtype
    x = logits.astype(np.float64)
    neg = -np.inf
    lp = x - xp.max(x, axis=-1, keepdims=True) if T * B * C else x
    lp = lp - xp.log(xp.sum(xp.exp(lp), axis=-1, keepdims=True))
    lab = xp.clip(labels.astype(np.int64), 0, max(C - 1, 0))
    blanks = xp.full((B, L), blank, np.int64)
    ext = xp.concatenate([xp.stack([blanks, lab], axis=2).reshape(B, 2 * L),
                          xp.full((B, 1), blank, np.int64)], axis=1)  # [B, S]
    s_len = 2 * label_length.astype(np.int64) + 1
    t_len = logit_length.astype(np.int64)
    sidx = xp.arange(S)[None, :]
    valid = sidx < s_len[:, None]
    prev2 = xp.concatenate([xp.full((B, 2), -1, np.int64), ext[:, :-2]], axis=1)
    skip = (ext != blank) & (ext != prev2) & (sidx >= 2)
    skip_next = xp.concatenate([skip[:, 2:], xp.zeros((B, 2), bool)], axis=1)
    bidx = xp.arange(B)[:, None]
    em = lp[:, bidx, ext]  # [T, B, S]
    ninf_col = xp.full((B, 1), neg)
    ninf_col2 = xp.full((B, 2), neg)

    def lse3(a, b, c):
        return xp.logaddexp(xp.logaddexp(a, b), c)

    alphas = []
    alpha = xp.where(((sidx == 0) | (sidx == 1)) & valid, em[0] if T else 0.0, neg)
    alpha = xp.where((t_len > 0)[:, None], alpha, neg)
    if T:
        alphas.append(alpha)
    for t in range(1, T):
        a1 = xp.concatenate([ninf_col, alpha[:, :-1]], axis=1)
        a2 = xp.concatenate([ninf_col2, alpha[:, :-2]], axis=1)
        new = lse3(alpha, a1, xp.where(skip, a2, neg)) + em[t]
        new = xp.where(valid, new, neg)
        alpha = xp.where((t < t_len)[:, None], new, alpha)
        alphas.append(alpha)
    if T:
        last = xp.take_along_axis(alpha, (s_len - 1)[:, None], axis=1)[:, 0]
        before = xp.take_along_axis(alpha, xp.maximum(s_len - 2, 0)[:, None], axis=1)[:, 0]
        logp = xp.logaddexp(last, xp.where(s_len >= 2, before, neg))
        logp = xp.where(t_len > 0, logp, xp.where(label_length > 0, neg, 0.0))
    else:
        logp = xp.where(label_length > 0, neg, 0.0) * xp.ones((B,))
    loss = (-logp).astype(dtype)
    if not want_grad:
        return loss
    if not T:
        return xp.zeros(logits.shape, dtype)
    init_mask = ((sidx == s_len[:, None] - 1) | (sidx == s_len[:, None] - 2)) & valid
    betas = [None] * T
    beta = xp.full((B, S), neg)
    for t in range(T - 1, -1, -1):
        b1 = xp.concatenate([beta[:, 1:], ninf_col], axis=1)
        b2 = xp.concatenate([beta[:, 2:], ninf_col2], axis=1)
        rec = xp.where(valid, lse3(beta, b1, xp.where(skip_next, b2, neg)) + em[t], neg)
        init = xp.where(init_mask, em[t], neg)
        beta = xp.where((t == t_len - 1)[:, None], init,
                        xp.where((t < t_len - 1)[:, None], rec, neg))
        betas[t] = beta
    A, Bt = xp.stack(alphas), xp.stack(betas)
    ok = xp.isfinite(logp)
    safe = xp.where(ok, logp, 0.0)
    occ = xp.exp(A + Bt - em - safe[None, :, None])  # [T, B, S]
    onehot = ((ext[:, :, None] == xp.arange(C)[None, None, :]) & valid[:, :, None])
    occ_c = xp.einsum("tbs,bsc->tbc", occ, onehot.astype(np.float64))
    active = (xp.arange(T)[:, None] < t_len[None, :]) & ok[None, :]
    grad = xp.where(active[:, :, None], xp.exp(lp) - occ_c, 0.0)
    return grad.astype(dtype)


def ctc_loss(logits, labels, label_length, logit_length, blank_index):
    return ctc_forward_backward(np, logits, labels, label_length, logit_length, blank_index,
                                False)


def ctc_loss_grad(logits, labels, label_length, logit_length, blank_index):
    return ctc_forward_backward(np, logits, labels, label_length, logit_length, blank_index,
                                True)


KERNELS = {"ctc_loss": ctc_loss, "ctc_loss_grad": ctc_loss_grad}
