"""NumPy kernels for linear algebra: matmul and einsum."""

from __future__ import annotations

import numpy as np

from . import compiled

_compiled = compiled.load("_conv")  # its gemm_nd: products on the loops' threads, or None
_C = _compiled  # what einsum calls now (None: np.matmul)
compiled_available, use_compiled = compiled.switch(globals(), "linalg")
_POOL_GEMM = _compiled is not None and compiled.hand_blas(_compiled)


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


_GEMMS: dict = {}  # (equation, shapes) -> gemm_nd's geometry and the output shape, or None


def _merge(letters, size: dict, stride: dict):
    """(size, element stride) of `letters` taken as one axis, or None where their strides
    do not nest (the first letter outermost); axes of size 1 do not count."""
    keep = [c for c in letters if size[c] != 1]
    for outer, inner in zip(keep, keep[1:]):
        if stride[outer] != stride[inner] * size[inner]:
            return None
    total = int(np.prod([size[c] for c in keep], dtype=np.int64))
    return total, (stride[keep[-1]] if keep else 0)


def _operand(rows, cols):
    """(transposed, leading dimension) of a row-major BLAS operand whose rows and columns
    are (size, stride) axes, or None where neither axis is contiguous."""
    (r, rs), (c, cs) = rows, cols
    if cs == 1 or c == 1:
        ld = rs if r > 1 else c
        return (False, ld) if ld >= c else None
    if rs == 1 or r == 1:
        ld = cs if c > 1 else r
        return (True, ld) if ld >= r else None
    return None


def _strides(shape) -> list:
    return [int(np.prod(shape[i + 1:], dtype=np.int64)) for i in range(len(shape))]


def _gemm_geometry(equation: str, sha: tuple, shb: tuple):
    """How the two-operand einsum runs as `_conv.gemm_nd` on C-contiguous operands and
    output, reading them in place: (geometry, output shape, swap), or None (an axis summed
    alone, sizes that disagree, an empty axis, or strides BLAS cannot take). `swap`: the
    geometry computes the output's transpose, operands taken in the order (b, a)."""
    if "." in equation or "->" not in equation:
        return None
    ins, out = equation.split("->")
    if ins.count(",") != 1:
        return None
    sa, sb = ins.split(",")
    if (len(set(sa)) != len(sa) or len(set(sb)) != len(sb) or len(set(out)) != len(out)
            or len(sa) != len(sha) or len(sb) != len(shb)):
        return None
    if any(c not in sb and c not in out for c in sa) or any(
            c not in sa and c not in out for c in sb) or not set(out) <= set(sa + sb):
        return None
    size = dict(zip(sa, sha))
    for c, d in zip(sb, shb):
        if size.setdefault(c, d) != d:
            return None
    if 0 in size.values():
        return None
    st_a, st_b = dict(zip(sa, _strides(sha))), dict(zip(sb, _strides(shb)))
    out_shape = tuple(size[c] for c in out)
    st_c = dict(zip(out, _strides(out_shape)))
    batch = [c for c in out if c in sa and c in sb and size[c] > 1]
    contr = [c for c in sa if c in sb and c not in out]
    free_a = [c for c in out if c in sa and c not in sb]
    free_b = [c for c in out if c in sb and c not in sa]
    am, cm = _merge(free_a, size, st_a), _merge(free_a, size, st_c)
    bn, cn = _merge(free_b, size, st_b), _merge(free_b, size, st_c)
    ak, bk = _merge(contr, size, st_a), _merge(contr, size, st_b)
    if None in (am, cm, bn, cn, ak, bk) or len(batch) > 8:
        return None
    bdims = tuple((size[c], st_a[c], st_b[c], st_c[c]) for c in batch)
    swap = not (cn[1] == 1 or cn[0] == 1)
    if swap:  # C's columns are not contiguous but its rows are: run C^T = B^T A^T
        am, bn, cm, cn = bn, am, cn, cm
        ak, bk = bk, ak
        bdims = tuple((s, b_, a_, c_) for s, a_, b_, c_ in bdims)
    if not (cn[1] == 1 or cn[0] == 1):
        return None
    opa, opb = _operand(am, ak), _operand(bk, bn)
    if opa is None or opb is None:
        return None
    m, n, k = am[0], bn[0], ak[0]
    ldc = cm[1] if m > 1 else n
    if ldc < n:
        return None
    return (opa[0], opb[0], m, n, k, opa[1], opb[1], ldc, bdims), out_shape, swap


def _einsum_gemm(a, b, equation: str):
    """The two-operand einsum on the loops' threads (`_conv.gemm_nd`), reading the
    operands in place and writing the output in its own layout; None where it does not
    apply (then `_einsum_matmul`)."""
    key = (equation, a.shape, b.shape)
    plan = _GEMMS.get(key, False)
    if plan is False:
        plan = _GEMMS[key] = _gemm_geometry(equation, a.shape, b.shape)
    if plan is None:
        return None
    geometry, out_shape, swap = plan
    y = np.empty(out_shape, a.dtype)
    _C.gemm_nd(b, a, y, geometry) if swap else _C.gemm_nd(a, b, y, geometry)
    return y


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
        if (plan is not None and _POOL_GEMM and _C is not None
                and operands[0].dtype.char in "fd" and operands[0].flags.c_contiguous
                and operands[1].flags.c_contiguous):
            y = _einsum_gemm(operands[0], operands[1], equation)
            if y is not None:
                return y
        if plan is not None:
            y = _einsum_matmul(operands[0], operands[1], plan)
            if y is not None:
                return y
    # NOTE: optimize=True lets NumPy pick a contraction order and BLAS calls (10x faster
    # for a 300x300 product) but costs ~12 us of planning: worth it for three or more
    # operands, or two whose sizes multiply to more than 4096 (about two 8x8 matrices).
    optimize = n > 2 or big
    return np.asarray(np.einsum(equation, *operands, optimize=optimize))


def einsum_bias(a, b, bias, *z, equation, relu=False, residual=False):
    """einsum(a, b) + bias (over the output's last axes) [+ z, an addend of the output's
    shape], then relu when `relu`: the rewrite of a dense layer's product, bias add,
    residual add and relu (prims/fusion_einsum.py). On the loops' threads these are done
    to each block of rows right after its product, while it is in cache; the same values
    as the separate ops."""
    if (_POOL_GEMM and _C is not None and a.dtype == b.dtype == bias.dtype
            and a.dtype.char in "fd" and a.flags.c_contiguous and b.flags.c_contiguous
            and bias.size > 0 and a.size * b.size > 4096
            and all(t.dtype == a.dtype and t.flags.c_contiguous for t in z)):
        key = (equation, a.shape, b.shape)
        plan = _GEMMS.get(key, False)
        if plan is False:
            plan = _GEMMS[key] = _gemm_geometry(equation, a.shape, b.shape)
        # the bias runs along C's rows: C not transposed (`swap`), and the bias is the
        # output's last axes, n elements (then exactly the axes of C's columns)
        geometry, out_shape, swap = plan or ((), (), True)
        if not swap and geometry[3] == bias.size and (
                out_shape[len(out_shape) - bias.ndim:] == bias.shape) and all(
                t.shape == out_shape for t in z):
            y = np.empty(out_shape, a.dtype)
            _C.gemm_nd(a, b, y, geometry, np.ascontiguousarray(bias), bool(relu), None,
                       z[0] if z else None)
            return y
    y = einsum(a, b, equation=equation)
    y = y + bias
    if z:
        y = y + z[0]
    return np.maximum(y, y.dtype.type(0), out=y) if relu else y


def einsum_relu_grad(a, b, y, equation):
    """relu_grad(einsum(a, b), y) = einsum(a, b) * (y > 0), y of the output's shape: the
    rewrite of a product whose result is a relu's gradient (prims/fusion_einsum.py); on
    the loops' threads the mask is applied to each block right after its product."""
    if (_POOL_GEMM and _C is not None and a.dtype == b.dtype == y.dtype
            and a.dtype.char in "fd" and a.flags.c_contiguous and b.flags.c_contiguous
            and y.flags.c_contiguous and a.size * b.size > 4096):
        key = (equation, a.shape, b.shape)
        plan = _GEMMS.get(key, False)
        if plan is False:
            plan = _GEMMS[key] = _gemm_geometry(equation, a.shape, b.shape)
        if plan is not None and plan[1] == y.shape:
            geometry, out_shape, swap = plan
            out = np.empty(out_shape, a.dtype)
            args = (b, a) if swap else (a, b)
            _C.gemm_nd(*args, out, geometry, None, False, y)
            return out
    g = einsum(a, b, equation=equation)
    if g.shape != y.shape:  # the rewrite took a sum_to_like for an identity
        raise ValueError(f"einsum_relu_grad: the product's shape {g.shape} differs from "
                         f"y's {y.shape}; the rewrite should not have applied.")
    return g * (y > 0).astype(g.dtype)


# The form the graph executor may emit in place of a call (shapes are checked at trace
# time there, so the rank check above is not needed).
matmul.inline = lambda transpose_a=False, transpose_b=False: (
    None if transpose_a or transpose_b else "np.matmul({0}, {1})")

KERNELS = {"matmul": matmul, "einsum": einsum, "einsum_bias": einsum_bias,
           "einsum_relu_grad": einsum_relu_grad}
