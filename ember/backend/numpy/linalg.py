"""NumPy kernels for linear algebra: matmul and einsum."""

from __future__ import annotations

import numpy as np


def matmul(a, b, transpose_a=False, transpose_b=False, out=None):
    """Batched matrix product; the transposes are free views of the last two axes.
    `out` (from the executor's buffer cache) is written into when it fits exactly."""
    if a.ndim < 2 or b.ndim < 2:
        # np.matmul would treat a vector as a matrix silently; TF refuses it.
        raise ValueError("matmul needs operands of rank >= 2")
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    if (out is not None and a.ndim == 2 and b.ndim == 2 and out.dtype == a.dtype == b.dtype
            and out.shape == (a.shape[0], b.shape[1])):
        return np.matmul(a, b, out=out)
    y = np.matmul(a, b)
    # NOTE: np.matmul on bfloat16 (ml_dtypes) computes and returns float32
    return y if y.dtype == a.dtype else y.astype(a.dtype)


matmul.reuse = True  # takes `out=` (see executor._BufferCache)


_PLANS: dict = {}  # equation -> its two-operand matmul plan, or None


def _matmul_plan(equation: str):
    """How `equation` (two operands, explicit output, no `...`, no index repeated in an
    operand) is one batched matmul: (A's axes summed alone, B's, A's permutation to
    [batch, free A, contracted], B's to [batch, contracted, free B], the numbers of
    batch / free A / contracted / free B axes, the output's permutation); else None."""
    if "." in equation or "->" not in equation:
        return None
    ins, out = equation.split("->")
    if ins.count(",") != 1:
        return None
    sa, sb = ins.split(",")
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb) or len(set(out)) != len(out):
        return None
    sum_a = tuple(i for i, c in enumerate(sa) if c not in sb and c not in out)
    sum_b = tuple(i for i, c in enumerate(sb) if c not in sa and c not in out)
    ra = "".join(c for c in sa if c in sb or c in out)
    rb = "".join(c for c in sb if c in sa or c in out)
    batch = [c for c in ra if c in rb and c in out]
    contr = [c for c in ra if c in rb and c not in out]
    free_a = [c for c in ra if c not in rb]
    free_b = [c for c in rb if c not in ra]
    if set(out) != set(batch + free_a + free_b):
        return None
    perm_a = tuple(ra.index(c) for c in batch + free_a + contr)
    perm_b = tuple(rb.index(c) for c in batch + contr + free_b)
    res = batch + free_a + free_b
    perm_out = tuple(res.index(c) for c in out)
    return (sum_a, sum_b, perm_a, perm_b, (len(batch), len(free_a), len(contr), len(free_b)),
            perm_out)


def _einsum_matmul(a, b, plan):
    """The two-operand einsum as transposes, reshapes and one np.matmul (BLAS); None if
    the operands' sizes disagree on a shared axis (np.einsum then says so)."""
    sum_a, sum_b, perm_a, perm_b, (nb, nfa, nc, nfb), perm_out = plan
    if sum_a:
        a = a.sum(axis=sum_a)
    if sum_b:
        b = b.sum(axis=sum_b)
    a, b = a.transpose(perm_a), b.transpose(perm_b)
    bshape, fa, ca = a.shape[:nb], a.shape[nb:nb + nfa], a.shape[nb + nfa:]
    cb, fb = b.shape[nb:nb + nc], b.shape[nb + nc:]
    if b.shape[:nb] != bshape or cb != ca:
        return None
    bsz, m, k, n = (int(np.prod(x, dtype=np.int64)) for x in (bshape, fa, ca, fb))
    y = np.matmul(a.reshape(bsz, m, k), b.reshape(bsz, k, n))
    if y.dtype != a.dtype:  # NOTE: np.matmul on bfloat16 (ml_dtypes) gives float32
        y = y.astype(a.dtype)
    return y.reshape(bshape + fa + fb).transpose(perm_out)


def einsum(*operands, equation):
    """`np.einsum` on an explicit equation; a large two-operand contraction runs as one
    batched `np.matmul` (BLAS), which np.einsum does not use when the operands share a
    batch axis (attention's `bqhd,bkhd->bhqk` is ~2.5x faster)."""
    n = len(operands)
    big = n == 2 and operands[0].size * operands[1].size > 4096
    if big and operands[0].dtype == operands[1].dtype and operands[0].dtype.kind in "fc":
        plan = _PLANS.get(equation, False)
        if plan is False:
            plan = _PLANS[equation] = _matmul_plan(equation)
        if plan is not None:
            y = _einsum_matmul(operands[0], operands[1], plan)
            if y is not None:
                return y
    # NOTE: optimize=True lets NumPy pick a contraction order and BLAS calls (10x faster
    # for a 300x300 product) but costs ~12 us of planning: worth it for three or more
    # operands, or two whose sizes multiply to more than 4096 (about two 8x8 matrices).
    optimize = n > 2 or big
    return np.asarray(np.einsum(equation, *operands, optimize=optimize))


# The form the graph executor may emit in place of a call (shapes are checked at trace
# time there, so the rank check above is not needed).
matmul.inline = lambda transpose_a=False, transpose_b=False: (
    None if transpose_a or transpose_b else "np.matmul({0}, {1})")

KERNELS = {"matmul": matmul, "einsum": einsum}
