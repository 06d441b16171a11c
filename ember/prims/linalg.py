"""The linear-algebra primitives, their rules and gradients: `matmul` (batched,
broadcasting batch dims; the `@` operator) and `einsum` (the equation a static param),
with the thin ops that convert their operands and bind them.

tensordot, matvec, norm, diag, trace, ... are composites in `ops/linalg_ops.py` and
`ops/linalg_extra.py`.

Example:
    >>> import ember as tf
    >>> from ember.prims.linalg import einsum, matmul
    >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> matmul(a, a, transpose_b=True).numpy()
    array([[ 5., 11.],
           [11., 25.]], dtype=float32)
    >>> einsum("ii->", a).numpy()
    np.float32(5.0)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core import rules
from ..core.dtypes import NP_ARITH, as_dtype
from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.registry import bind, bind2, defvjp, primitive
from ..core.shape import TensorSpec
from ..core.tape import needs_gradient
from ..core.tensor import TensorOps
from .convert import as_tensor, cast, like, pair
from .math import conj, holomorphic

__all__ = ["matmul", "einsum"]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# -- matmul ----------------------------------------------------------------------

def _matmul_rule(a: TensorSpec, b: TensorSpec, transpose_a: bool = False,
                 transpose_b: bool = False) -> TensorSpec:
    dt = a.dtype  # dtypes: the primitive's allowed / same_dtype
    ra, rb = a.shape.rank, b.shape.rank
    if (ra is not None and ra < 2) or (rb is not None and rb < 2):
        raise ShapeError(
            f"matmul: both operands need rank >= 2 (matrices or batches of matrices), "
            f"received {rules.describe(a)} @ {rules.describe(b)}. For a matrix-vector "
            f"product make the vector a column with ember.expand_dims(v, -1) (or use "
            f"ember.linalg.matvec); for a dot product of vectors use "
            f"ember.tensordot(u, v, 1).")
    if ra is None or rb is None:
        return TensorSpec(None, dt)
    rows, ka = (a.shape[-1], a.shape[-2]) if transpose_a else (a.shape[-2], a.shape[-1])
    kb, cols = (b.shape[-1], b.shape[-2]) if transpose_b else (b.shape[-2], b.shape[-1])
    if ka is not None and kb is not None and ka != kb:
        flags = "".join(f", {f}=True" for f, on in (("transpose_a", transpose_a),
                                                     ("transpose_b", transpose_b)) if on)
        raise ShapeError(
            f"matmul: inner dimensions don't match: {rules.describe(a)} @ "
            f"{rules.describe(b)}{flags} ({ka} vs {kb}). The last dimension of a must "
            f"equal the second-to-last of b; transpose one operand (transpose_a / "
            f"transpose_b) or fix its shape.")
    try:
        batch = rules.broadcast_shapes("matmul", TensorSpec(a.shape[:-2], dt),
                                       TensorSpec(b.shape[:-2], dt))
    except ShapeError:
        raise ShapeError(
            f"matmul: batch dimensions don't broadcast: {rules.describe(a)} @ "
            f"{rules.describe(b)} (batch {list(a.shape[:-2])} vs {list(b.shape[:-2])}). "
            f"Leading dimensions must be equal or 1.") from None
    return TensorSpec(batch + (rows, cols), dt)


# NOTE: transposes are static bool params of the primitive rather than separate
# `transpose` ops: NumPy swaps axes as a free view, the gradient rule of matmul is again
# a matmul with flags (dA = g @ B^T), and the op has no dependency on the array module.
# Without flags, `matmul` binds with no params through `bind2`, the lean binary path.
matmul_p = primitive("matmul", _matmul_rule, allowed=NP_ARITH, same_dtype=True)


def _matmul_vjp(g: Any, ins: tuple, out: Any, transpose_a: bool = False,
                transpose_b: bool = False) -> tuple:
    a, b = ins
    if not (g.dtype.is_floating or g.dtype.is_complex):
        return None, None
    # C = op(A) @ op(B): d op(A) = g @ op(B)^T, d op(B) = op(A)^T @ g, each transposed
    # back when its operand was. Batch dims come out broadcast; the tape sums them back.
    ga = gb = None
    if needs_gradient(0):
        if transpose_a:
            ga = matmul(b, g, transpose_a=transpose_b, transpose_b=True)
        else:
            ga = matmul(g, b, transpose_b=not transpose_b)
    if needs_gradient(1):
        if transpose_b:
            gb = matmul(g, a, transpose_a=True, transpose_b=transpose_a)
        else:
            gb = matmul(a, g, transpose_a=not transpose_a)
    return ga, gb


defvjp(matmul_p, holomorphic(_matmul_vjp))


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, output_type: Any = None, name: str | None = None) -> Any:
    """The matrix product `a @ b` over the last two axes, batch dims broadcast (TF's
    `tf.linalg.matmul`). Both operands need rank >= 2 and one dtype.

    `adjoint_*` equals `transpose_*` for real dtypes. `output_type=int32` accumulates
    (u)int8 operands in int32. The sparsity hints are accepted and ignored.

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> tf.matmul(a, a, transpose_b=True).numpy()
        array([[ 5., 11.],
               [11., 25.]], dtype=float32)
    """
    a, b = pair(a, b)
    if not (transpose_a or transpose_b or adjoint_a or adjoint_b) and output_type is None:
        return bind2(matmul_p, a, b)
    if (transpose_a and adjoint_a) or (transpose_b and adjoint_b):
        raise InvalidArgumentError(
            "matmul: only one of transpose_a and adjoint_a (and of transpose_b and "
            "adjoint_b) can be True.")
    if output_type is not None:
        a, b = _matmul_output_type(a, b, as_dtype(output_type))
    if adjoint_a and a.dtype.is_complex:  # the adjoint is the conjugate transpose
        a = conj(a)
    if adjoint_b and b.dtype.is_complex:
        b = conj(b)
    ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    if not (ta or tb):
        return bind2(matmul_p, a, b)
    return bind(matmul_p, a, b, transpose_a=ta, transpose_b=tb)


def _matmul_output_type(a: Any, b: Any, out: Any) -> tuple:
    if a.dtype == out and b.dtype == out:
        return a, b
    if out.name == "int32" and a.dtype.name in ("int8", "uint8") and \
            b.dtype.name in ("int8", "uint8"):
        return cast(a, out), cast(b, out)
    raise DTypeError(
        f"matmul: output_type={out.name} is not supported for {a.dtype.name} x "
        f"{b.dtype.name} operands; it is for (u)int8 operands with output_type=int32. "
        f"Cast the operands instead, e.g. ember.cast(a, ember.{out.name}).")


# -- einsum ------------------------------------------------------------------------

def _split_equation(equation: Any, n_operands: int) -> tuple[list[str], str | None]:
    """The operand terms and the output term (None in implicit mode), with '...' as '.'."""
    if not isinstance(equation, str):
        raise InvalidArgumentError(
            f"einsum: equation must be a string like 'ij,jk->ik', received {equation!r}.")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise InvalidArgumentError(f"einsum: equation {equation!r} has more than one '->'.")
    terms = lhs.split(",")
    if len(terms) != n_operands:
        raise InvalidArgumentError(
            f"einsum: equation {equation!r} names {len(terms)} operand(s) but "
            f"received {n_operands}; pass one tensor per comma-separated term.")
    out_terms = []
    for term in terms + ([rhs] if arrow else []):
        if term.count("...") > 1:
            raise InvalidArgumentError(
                f"einsum: equation {equation!r}: the term {term!r} has more than one '...'.")
        t = term.replace("...", ".")
        bad = sorted({c for c in t if c != "." and c not in _LETTERS})
        if bad:
            raise InvalidArgumentError(
                f"einsum: equation {equation!r} has invalid character(s) {bad}; "
                f"subscripts are letters a-z, A-Z and '...'.")
        out_terms.append(t)
    return (out_terms[:-1], out_terms[-1]) if arrow else (out_terms, None)


def _canonical_equation(equation: Any, n_operands: int) -> str:
    """The explicit form of an equation ('...' kept), checked for label errors."""
    terms, out = _split_equation(equation, n_operands)
    labels = "".join(terms).replace(".", "")
    if out is None:  # implicit mode, as NumPy: labels seen once, in ASCII order
        once = sorted(c for c in set(labels) if labels.count(c) == 1)
        out = ("." if any("." in t for t in terms) else "") + "".join(once)
    for c in out.replace(".", ""):
        if c not in labels:
            raise InvalidArgumentError(
                f"einsum: equation {equation!r}: output label '{c}' does not appear in "
                f"any input term.")
        if out.count(c) > 1:
            raise InvalidArgumentError(
                f"einsum: equation {equation!r}: output label '{c}' appears more than once.")
    if "." in out and not any("." in t for t in terms):
        raise InvalidArgumentError(
            f"einsum: equation {equation!r} has '...' in the output but in no input.")
    return ",".join(terms).replace(".", "...") + "->" + out.replace(".", "...")


def _einsum_rule(*specs: TensorSpec, equation: str) -> TensorSpec:
    terms, out = _split_equation(equation, len(specs))
    if out is None:
        terms, out = _split_equation(_canonical_equation(equation, len(specs)), len(specs))
    if not specs:
        raise InvalidArgumentError("einsum: needs at least one operand.")
    dt = specs[0].dtype  # dtypes: the primitive's allowed / same_dtype
    if any(s.shape.rank is None for s in specs):
        return TensorSpec(None, dt)
    sizes: dict = {}
    ellipses = []
    for k, (term, spec) in enumerate(zip(terms, specs)):
        shape = tuple(spec.shape)
        named = term.replace(".", "")
        if "." in term:
            if len(shape) < len(named):
                raise ShapeError(
                    f"einsum: operand {k} ({rules.describe(spec)}) has rank {len(shape)} "
                    f"but its subscripts {term.replace('.', '...')!r} name {len(named)} "
                    f"dimensions besides '...'.")
            i = term.index(".")
            n_ell = len(shape) - len(named)
            ellipses.append(TensorSpec(shape[i:i + n_ell], dt))
            dims = shape[:i] + shape[i + n_ell:]
        else:
            if len(shape) != len(named):
                raise ShapeError(
                    f"einsum: operand {k} ({rules.describe(spec)}) has rank {len(shape)} "
                    f"but its subscripts {term!r} name {len(named)} dimensions; use '...' "
                    f"for dimensions the equation does not name.")
            dims = shape
        for label, d in zip(named, dims):
            prev = sizes.get(label)
            if prev is not None and d is not None and prev != d:
                raise ShapeError(
                    f"einsum: label '{label}' stands for dimensions of size {prev} and {d} "
                    f"in {equation!r} (operands {rules.describe(*specs)}); every occurrence "
                    f"of a label must have the same size.")
            if prev is None:
                sizes[label] = d
    ell_shape: tuple = ()
    if ellipses:
        try:
            ell_shape = rules.broadcast_shapes("einsum", *ellipses)
        except ShapeError:
            raise ShapeError(
                f"einsum: the dimensions under '...' don't broadcast in {equation!r} "
                f"(operands {rules.describe(*specs)}).") from None
    if ell_shape and "." not in out:
        raise ShapeError(
            f"einsum: {equation!r}: the operands {rules.describe(*specs)} have dimensions "
            f"under '...' but the output has no '...'; add '...' to the output.")
    shape = []
    for c in out:
        shape.extend(ell_shape if c == "." else (sizes[c],))
    return TensorSpec(tuple(shape), dt)


# NOTE: check="rule": np.einsum silently broadcasts a labelled dimension of size 1
# against a larger one; TF (and ember) require every occurrence of a label to match.
einsum_p = primitive("einsum", _einsum_rule, allowed=NP_ARITH, same_dtype=True,
                     check="rule")


def _fresh(spare: list, equation: str) -> str:
    if not spare:
        raise InvalidArgumentError(f"einsum: the gradient of {equation!r} needs more than "
                                   f"{len(_LETTERS)} distinct labels.")
    return spare.pop()


def _explicit_labels(equation: str, shapes: list) -> tuple:
    """The equation with every '...' spelled out as letters: (terms, output, sizes, spare).

    The '...' dims get one letter each, aligned from the right; a size-1 dim of an operand
    broadcast against a larger one gets a letter of its own (it then appears in that
    operand only, so its gradient sums over the broadcast). `spare`: the unused letters."""
    lhs, out = equation.replace("...", ".").split("->")
    terms = lhs.split(",")
    spare = [c for c in reversed(_LETTERS) if c not in equation]
    n_ell = [len(s) - len(t) + 1 if "." in t else 0 for t, s in zip(terms, shapes)]
    n_max = max(n_ell, default=0)
    bcast = [1] * n_max
    for t, s, n in zip(terms, shapes, n_ell):
        start = t.find(".")
        for p in range(n):
            if s[start + p] != 1:
                bcast[n_max - n + p] = s[start + p]
    ell = [_fresh(spare, equation) for _ in range(n_max)]
    sizes: dict = {}
    new_terms = []
    for t, s, n in zip(terms, shapes, n_ell):
        labels: list = []
        for c in t:
            if c != ".":
                labels.append(c)
            for q in range(n_max - n, n_max) if c == "." else ():
                own = s[len(labels)] == 1 and bcast[q] != 1
                labels.append(_fresh(spare, equation) if own else ell[q])
        sizes.update(zip(labels, s))
        new_terms.append(labels)
    new_out = [c for x in out for c in (ell if x == "." else [x])]
    return new_terms, new_out, sizes, spare


def _einsum_vjp(g: Any, ins: tuple, out: Any, equation: str) -> tuple:
    if not (g.dtype.is_floating or g.dtype.is_complex):
        return (None,) * len(ins)
    terms, out_labels, sizes, spare = _explicit_labels(equation, [tuple(x.shape) for x in ins])
    np_dtype = g.dtype._numpy()
    grads = []
    for i, term in enumerate(terms):
        # d operand i = einsum of g with the other operands, to operand i's labels.
        lhs = ["".join(out_labels)] + ["".join(t) for j, t in enumerate(terms) if j != i]
        operands = [g] + [x for j, x in enumerate(ins) if j != i]
        # Labels summed away inside operand i alone: the cotangent is constant along them.
        alone = [c for c in dict.fromkeys(term) if c not in "".join(lhs)]
        if alone:
            lhs.append("".join(alone))
            operands.append(as_tensor(np.ones([sizes[c] for c in alone], np_dtype)))
        # A label repeated within operand i (a diagonal): the cotangent sits on the
        # diagonal, zero elsewhere; each repeat gets a new label tied by an identity.
        target: list = []
        free = list(spare)
        for c in term:
            if c in target:
                d = _fresh(free, equation)
                lhs.append(c + d)
                operands.append(as_tensor(np.eye(sizes[c], dtype=np_dtype)))
                c = d
            target.append(c)
        if len(operands) == 1 and lhs[0] == "".join(target):
            grads.append(g)
        else:
            eq = ",".join(lhs) + "->" + "".join(target)
            grads.append(bind(einsum_p, *operands, equation=eq))
    return tuple(grads)


defvjp(einsum_p, holomorphic(_einsum_vjp))


def _as_tensors(values: Sequence) -> list:
    """Tensors of one dtype: plain values take the dtype of the first tensor given."""
    first = next((v for v in values if isinstance(v, TensorOps)), None)
    if first is None:
        return [as_tensor(v) for v in values]
    np_dtype = first.dtype._numpy()
    return [v if isinstance(v, TensorOps) else like(v, np_dtype) for v in values]


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Any:
    """Einstein summation (TF's `tf.einsum`): contracts the operands as `equation` says,
    e.g. 'ij,jk->ik' (matmul), 'bij,bjk->bik' (batched), 'ii->' (trace), '...ij->...ji'.
    Without '->' the output has the labels that appear once, in alphabetical order.

    Example:
        >>> import ember as tf
        >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> tf.einsum('ij,j->i', a, tf.constant([1.0, 1.0])).numpy()
        array([3., 7.], dtype=float32)
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword argument(s) {sorted(unknown)}.")
    tensors = _as_tensors(inputs)
    eq = _canonical_equation(equation, len(tensors))
    return bind(einsum_p, *tensors, equation=eq)

