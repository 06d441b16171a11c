"""Property test of the spec table (tests/op_specs): random shapes for every case.

For each spec case whose `shapes` field names a strategy (STRATEGIES below), hypothesis
draws new inputs: any rank (0 to 4), sizes 0 to 4, broadcast-compatible shapes for the
broadcasting ops, valid axes for reductions and scans, permutations, paddings, split
sizes, matmul/einsum operands that fit, indices within their dims. Values come from the
case's own (tests/helpers.py: redraw_like), so each input keeps its dtype and domain.
The primitive's outputs must match the case's NumPy reference (the one
tests/test_registry.py checks) in value, dtype and shape, and its shape rule must give
the outputs' specs. Where TF rejects the drawn inputs (the case's `invalid`), an ember
error naming the primitive is expected instead.

Each case runs EXAMPLES examples (10; EMBER_SHAPES_EXAMPLES=500 in the environment for a
deeper search) from a seed of its own: the same ones in every run (CI too), different
ones for each case.
A primitive none of whose cases can vary its shapes is listed in SKIPPED with the
reason, one line per category; the walk fails for any other primitive without a strategy.
"""

from __future__ import annotations

import os
import warnings
import zlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember  # noqa: F401 - registers every primitive
from ember.core.dtypes import BY_NP
from ember.core.errors import DTypeError, OpError
from ember.core.registry import PRIMITIVES, bind
from ember.core.shape import TensorSpec
from ember.core.tensor import wrap
from tests.helpers import redraw_like
from tests.op_specs import all_shape_skips, all_specs

SPECS = all_specs()
EXAMPLES = int(os.environ.get("EMBER_SHAPES_EXAMPLES", "10"))  # more for a deeper search
MAX_RANK, MAX_SIDE = 4, 4
SEEDS = st.integers(0, 2**32 - 1)

# Primitives whose cases keep their shapes, by category: (reason, primitives). Single
# cases that keep theirs say why in their spec (select's first, einsum's mid-ellipsis).
SKIPPED = {
    "windows": (
        "output sizes follow ksize/strides/padding/dilations picked for the case's shapes "
        "(tests/test_fuzz_registry.py varies their values)",
        ("conv2d", "conv2d_backprop_filter", "conv2d_backprop_input", "max_pool2d",
         "max_pool2d_grad", "max_pool2d_grad_grad", "avg_pool2d", "avg_pool2d_grad",
         "depthwise_conv2d", "depthwise_conv2d_backprop_input",
         "depthwise_conv2d_backprop_filter", "max_pool2d_grad_relu", "conv2d_keep_cols",
         "conv2d_backprop_filter_cols", "bias_relu_max_pool", "max_pool2d_grad_relu_taps",
         "max_pool2d_grad_relu_taps_db")),
    "indices": (
        "index inputs or params (index vectors, slices, bins) address positions of the "
        "case's shapes",
        ("gather_nd", "tensor_scatter_nd", "scatter_add_axis", "strided_slice",
         "strided_slice_grad", "strided_slice_dynamic", "strided_slice_dynamic_grad",
         "bincount")),
    "fixed references": (
        "the NumPy reference is written for the case's shapes (2-D loops, a fixed "
        "reduction, one encoded image)",
        ("sum_to", "sum_to_like", "where_index", "decode_image", "encode_image")),
    "no shaped input": (
        "no array input: the output's size is a param",
        ("range",)),
    "scalars and records": (
        "the input is one scalar string (a file name, a string to split) or serialized "
        "records of a format",
        ("read_file", "string_split", "parse_example", "decode_csv")),
    "ragged and tables": (
        "the inputs are a ragged tensor's parts (values and row_splits that must agree) or a "
        "table's sorted keys and their values",
        ("ragged_to_dense", "ragged_gather_dense", "ragged_reduce", "ragged_row_ids",
         "ragged_splits_from_ids", "string_ngrams", "lookup_table_find")),
    "given statistics": (
        "beside dy and x, the inputs are x's per-channel mean and variance (and gamma), "
        "vectors along x's last axis that no strategy draws together",
        ("batch_norm_train_grad", "batch_norm_relu_train_grad")),
}

SKIPPED.update(all_shape_skips())  # the theme modules' own (tests/op_specs: SHAPE_SKIPS)

# Cases that find a bug in ember, marked xfail(strict=True): (name, index in SPECS[name])
# -> the minimal reproduction. None today (10 examples per case; 300 found none either).
XFAIL: dict = {}


# -- drawing -----------------------------------------------------------------------------

def _shapes(min_rank=0, max_rank=MAX_RANK, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_rank, max_dims=max_rank, min_side=0,
                            max_side=max_side)


def _fill(draw, case, shapes) -> list:
    """New inputs of the given shapes, with values drawn from the case's inputs."""
    rng = np.random.default_rng(draw(SEEDS))
    return [redraw_like(np.asarray(a), tuple(s), rng) for a, s in zip(case.args, shapes)]


def _axis_set(draw, rank) -> tuple:
    """A sorted tuple of distinct axes (each in it or not: maybe none, maybe all)."""
    return tuple(a for a in range(rank) if draw(st.booleans()))


def _parts(draw, total, n) -> list:
    """`n` sizes that add up to `total` (zeros allowed)."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=n - 1, max_size=n - 1)))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


@st.composite
def elementwise(draw, case):
    """One shape for every input."""
    shape = draw(_shapes())
    return _fill(draw, case, [shape] * len(case.args)), dict(case.params)


@st.composite
def broadcast(draw, case):
    """Broadcast-compatible shapes, one per input (1s and missing leading dims)."""
    drawn = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=len(case.args), min_dims=0, max_dims=MAX_RANK, min_side=0,
        max_side=MAX_SIDE))
    return _fill(draw, case, drawn.input_shapes), dict(case.params)


@st.composite
def reduce(draw, case):
    """reduce_*: `axis` None (all) or a sorted set of axes, and `keepdims`."""
    shape = draw(_shapes())
    axis = None if draw(st.sampled_from((False, False, False, True))) else \
        _axis_set(draw, len(shape))
    return _fill(draw, case, [shape]), {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def scan(draw, case):
    """cumsum/cumprod: one axis, exclusive or not, reversed or not."""
    shape = draw(_shapes(min_rank=1))
    params = {"axis": draw(st.integers(0, len(shape) - 1)), "exclusive": draw(st.booleans()),
              "reverse": draw(st.booleans())}
    return _fill(draw, case, [shape]), params


@st.composite
def one_axis(draw, case):
    """softmax (softmax_grad): any shape of rank >= 1 (for every input), one axis of it."""
    shape = draw(_shapes(min_rank=1))
    return (_fill(draw, case, [shape] * len(case.args)),
            {"axis": draw(st.integers(0, len(shape) - 1))})


def _layer_norm_shapes(draw, case) -> tuple:
    """x's shape (rank >= 1), a non-empty sorted set of its axes, and the weights' shapes
    (the normalized axes' sizes) that the case's `scale` / `center` ask for."""
    shape = draw(_shapes(min_rank=1))
    axis = _axis_set(draw, len(shape)) or (draw(st.integers(0, len(shape) - 1)),)
    norm = tuple(shape[a] for a in axis)
    n = int(case.params["scale"]) + int(case.params["center"])
    return shape, {**case.params, "axis": axis}, [norm] * n


@st.composite
def layer_norm(draw, case):
    """layer_norm(x, [gamma], [beta]) over a random set of axes."""
    shape, params, weights = _layer_norm_shapes(draw, case)
    return _fill(draw, case, [shape] + weights), params


@st.composite
def layer_norm_grad(draw, case):
    """layer_norm_grad(g, x, [gamma]) over a random set of axes."""
    shape, params, weights = _layer_norm_shapes(draw, case)
    return _fill(draw, case, [shape, shape] + weights[:int(params["scale"])]), params


@st.composite
def arg_reduce(draw, case):
    """argmax/argmin: one axis (an empty one is invalid, as TF)."""
    shape = draw(_shapes(min_rank=1))
    return _fill(draw, case, [shape]), dict(case.params,
                                            axis=draw(st.integers(0, len(shape) - 1)))


@st.composite
def sort(draw, case):
    """sort: one axis, either direction."""
    shape = draw(_shapes(min_rank=1))
    return _fill(draw, case, [shape]), {"axis": draw(st.integers(0, len(shape) - 1)),
                                        "descending": draw(st.booleans())}


@st.composite
def top_k(draw, case):
    """top_k: k up to one more than the last dim (more than it is invalid, as TF)."""
    shape = draw(_shapes(min_rank=1))
    return _fill(draw, case, [shape]), dict(case.params,
                                            k=draw(st.integers(0, shape[-1] + 1)))


@st.composite
def vector(draw, case):
    """One 1-D input (unique), of 0 to 8 elements."""
    return _fill(draw, case, [(draw(st.integers(0, 2 * MAX_SIDE)),)]), dict(case.params)


@st.composite
def bias(draw, case):
    """bias_relu: x of rank 2 to 4, b a vector along its last axis."""
    shape = draw(_shapes(min_rank=2))
    return _fill(draw, case, [shape, shape[-1:]]), dict(case.params)


@st.composite
def transpose(draw, case):
    """transpose: any permutation of the axes."""
    shape = draw(_shapes())
    return _fill(draw, case, [shape]), {"perm": tuple(draw(st.permutations(range(len(shape)))))}


@st.composite
def reverse(draw, case):
    """reverse: any set of axes."""
    shape = draw(_shapes())
    return _fill(draw, case, [shape]), {"axis": _axis_set(draw, len(shape))}


@st.composite
def tile(draw, case):
    """tile: multiples 0 to 3, one per axis."""
    shape = draw(_shapes(max_rank=3))
    multiples = tuple(draw(st.lists(st.integers(0, 3), min_size=len(shape),
                                    max_size=len(shape))))
    return _fill(draw, case, [shape]), {"multiples": multiples}


@st.composite
def pad(draw, case):
    """pad: 0 to 3 before and after each axis, the case's mode (REFLECT / SYMMETRIC
    paddings beyond the dim are invalid, as TF)."""
    shape = draw(_shapes(max_rank=3))
    paddings = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in shape)
    return _fill(draw, case, [shape]), dict(case.params, paddings=paddings)


@st.composite
def concat(draw, case):
    """concat: as many inputs as the case, equal but for the axis' sizes."""
    shape = draw(_shapes(min_rank=1, max_rank=3))
    axis = draw(st.integers(0, len(shape) - 1))
    shapes = [shape[:axis] + (draw(st.integers(0, MAX_SIDE)),) + shape[axis + 1:]
              for _ in case.args]
    return _fill(draw, case, shapes), {"axis": axis}


def _split_sizes(draw, n):
    """split's `sizes` for a dim of n: a count that divides it, or sizes adding up to it,
    maybe with one -1 (the rest)."""
    if draw(st.booleans()):
        return draw(st.sampled_from([k for k in range(1, 5) if n % k == 0]))
    sizes = _parts(draw, n, draw(st.integers(1, 4)))
    if draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    return tuple(sizes)


@st.composite
def split(draw, case):
    """split: one axis, its dim split by a count or by sizes."""
    shape = draw(_shapes(min_rank=1, max_rank=3))
    axis = draw(st.integers(0, len(shape) - 1))
    return _fill(draw, case, [shape]), {"sizes": _split_sizes(draw, shape[axis]),
                                        "axis": axis}


@st.composite
def split_like(draw, case):
    """split_like: the input split along one axis into parts shaped like the other inputs."""
    shape = draw(_shapes(min_rank=1, max_rank=3))
    axis = draw(st.integers(0, len(shape) - 1))
    sizes = _parts(draw, shape[axis], len(case.args) - 1)
    likes = [shape[:axis] + (s,) + shape[axis + 1:] for s in sizes]
    return _fill(draw, case, [shape] + likes), {"axis": axis}


def _reshaped(draw, shape) -> tuple:
    """A shape of as many elements: `shape`'s dims permuted, some neighbours merged, some
    1s added, and maybe one -1 where the other dims are not 0."""
    dims = list(draw(st.permutations(list(shape))))
    for _ in range(draw(st.integers(0, 2))):
        if len(dims) >= 2:
            k = draw(st.integers(0, len(dims) - 2))
            dims[k:k + 2] = [dims[k] * dims[k + 1]]
    for _ in range(draw(st.integers(0, 2))):
        dims.insert(draw(st.integers(0, len(dims))), 1)
    if dims and draw(st.booleans()):
        k = draw(st.integers(0, len(dims) - 1))
        if int(np.prod(dims[:k] + dims[k + 1:])) > 0:
            dims[k] = -1
    return tuple(dims)


@st.composite
def reshape(draw, case):
    shape = draw(_shapes())
    return _fill(draw, case, [shape]), {"shape": _reshaped(draw, shape)}


@st.composite
def reshape_dynamic(draw, case):
    """reshape_dynamic: the new shape as an int tensor, `dims` its static hint (some dims
    known, -1 never)."""
    shape = draw(_shapes())
    target = _reshaped(draw, shape)
    dims = tuple(d if d != -1 and draw(st.booleans()) else None for d in target)
    x, = _fill(draw, case, [shape])
    return [x, np.array(target, case.args[1].dtype)], {"dims": dims}


def _broadcastable_to(draw, target) -> tuple:
    """A shape that broadcasts to `target`: a suffix of it, some dims 1."""
    k = draw(st.integers(0, len(target)))
    return tuple(1 if draw(st.booleans()) else d for d in target[len(target) - k:])


@st.composite
def broadcast_to(draw, case):
    target = draw(_shapes())
    return _fill(draw, case, [_broadcastable_to(draw, target)]), {"shape": target}


@st.composite
def broadcast_to_dynamic(draw, case):
    """broadcast_to_dynamic: the target shape as an int tensor, `dims` its static hint."""
    target = draw(_shapes())
    x, = _fill(draw, case, [_broadcastable_to(draw, target)])
    dims = tuple(d if draw(st.booleans()) else None for d in target)
    return [x, np.array(target, case.args[1].dtype)], {"dims": dims}


@st.composite
def matmul(draw, case):
    """matmul: broadcast-compatible batch dims (0 to 2 of them), m, k, n of 0 to 4, either
    operand transposed or not."""
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                   min_side=0, max_side=3)).input_shapes
    m, k, n = (draw(st.integers(0, MAX_SIDE)) for _ in range(3))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    shapes = [batch[0] + ((k, m) if ta else (m, k)), batch[1] + ((n, k) if tb else (k, n))]
    return _fill(draw, case, shapes), {"transpose_a": ta, "transpose_b": tb}


@st.composite
def einsum(draw, case):
    """einsum: a size of 0 to 3 for each label of the case's equation; broadcast-compatible
    '...' dims (0 to 2 of them) for the operands that have them."""
    lhs = case.params["equation"].split("->")[0].split(",")
    sizes = {c: draw(st.integers(0, 3)) for c in sorted(set("".join(lhs)) - {"."})}
    with_dots = [t for t in lhs if "..." in t]
    dots = iter(draw(hnp.mutually_broadcastable_shapes(
        num_shapes=len(with_dots), min_dims=0, max_dims=2, min_side=0, max_side=3)
    ).input_shapes if with_dots else ())
    shapes = []
    for term in lhs:
        head, _, tail = term.partition("...")
        middle = next(dots) if "..." in term else ()
        shapes.append(tuple(sizes[c] for c in head) + middle + tuple(sizes[c] for c in tail))
    return _fill(draw, case, shapes), dict(case.params)


@st.composite
def einsum_bias(draw, case):
    """einsum_bias: a size of 0 to 3 for each label; the bias has the output's last axes
    (as many as the case's bias has), the residual addend the output's shape."""
    lhs, out = case.params["equation"].split("->")
    terms = lhs.split(",")
    sizes = {c: draw(st.integers(0, 3)) for c in sorted(set("".join(terms)))}
    k = np.asarray(case.args[2]).ndim
    shapes = [tuple(sizes[c] for c in t) for t in terms] + [
        tuple(sizes[c] for c in out[len(out) - k:])]
    if case.params["residual"]:
        shapes.append(tuple(sizes[c] for c in out))
    return _fill(draw, case, shapes), dict(case.params)


@st.composite
def einsum_relu_grad(draw, case):
    """einsum_relu_grad: a size of 0 to 3 for each label; y has the output's shape."""
    lhs, out = case.params["equation"].split("->")
    terms = lhs.split(",")
    sizes = {c: draw(st.integers(0, 3)) for c in sorted(set("".join(terms)))}
    shapes = [tuple(sizes[c] for c in t) for t in terms] + [tuple(sizes[c] for c in out)]
    return _fill(draw, case, shapes), dict(case.params)


@st.composite
def roll(draw, case):
    """roll: 1 to 3 axes (repeats allowed), a shift of -7 to 7 for each (a scalar shift
    for one axis too)."""
    shape = draw(_shapes(min_rank=1, max_rank=3))
    axis = tuple(draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=3)))
    shift = draw(st.lists(st.integers(-7, 7), min_size=len(axis), max_size=len(axis)))
    scalar = len(axis) == 1 and draw(st.booleans())
    x, = _fill(draw, case, [shape])
    dtype = case.args[1].dtype
    return [x, np.array(shift[0] if scalar else shift, dtype)], {"axis": axis}


@st.composite
def searchsorted(draw, case):
    """searchsorted: the same batch dims (0 to 2 of them) for both inputs, the sequences
    sorted along their last axis, either side."""
    batch = draw(_shapes(max_rank=2))
    seq, values = _fill(draw, case, [batch + (draw(st.integers(0, 5)),),
                                     batch + (draw(st.integers(0, 5)),)])
    side = draw(st.sampled_from(["left", "right"]))
    return [np.sort(seq, axis=-1), values], dict(case.params, side=side)


@st.composite
def gather(draw, case):
    """gather: any axis of params (rank 1 to 3), batch_dims up to it; indices shaped
    params' batch dims plus 0 to 2 more, each within params' axis (which is 1 or more
    where there are indices)."""
    shape = list(draw(_shapes(min_rank=1, max_rank=3)))
    axis = draw(st.integers(0, len(shape) - 1))
    b = draw(st.integers(0, axis))
    ishape = tuple(shape[:b]) + draw(_shapes(max_rank=2))
    if shape[axis] == 0 and int(np.prod(ishape)) > 0:
        shape[axis] = draw(st.integers(1, MAX_SIDE))
    params, = _fill(draw, case, [tuple(shape)])
    rng = np.random.default_rng(draw(SEEDS))
    indices = rng.integers(0, max(shape[axis], 1), ishape).astype(case.args[1].dtype)
    return [params, indices], {"axis": axis, "batch_dims": b}


@st.composite
def labels(draw, case):
    """sparse_softmax_xent (and its gradient): n examples of c classes (1 to 4); integer
    inputs are labels in [0, c), 1-D float inputs per example, 2-D ones per class."""
    n, c = draw(st.integers(0, MAX_SIDE)), draw(st.integers(1, MAX_SIDE))
    shapes = [(n,) if np.ndim(a) == 1 else (n, c) for a in case.args]
    args = _fill(draw, case, shapes)
    rng = np.random.default_rng(draw(SEEDS))
    args = [rng.integers(0, c, n).astype(a.dtype) if a.dtype.kind in "iu" else a
            for a in args]
    return args, dict(case.params)


@st.composite
def sample_shape(draw, case):
    """The random samplers: any output shape (the `shape` param); the key stays."""
    return [np.asarray(a) for a in case.args], dict(case.params, shape=draw(_shapes()))


@st.composite
def sample_shape_dynamic(draw, case):
    """The run-time-shape samplers: any output shape as an int tensor, `dims` its static
    hint (some dims known); the key stays."""
    shape = draw(_shapes())
    dims = tuple(d if draw(st.booleans()) else None for d in shape)
    key, s = case.args
    return [key, np.array(shape, s.dtype)], dict(case.params, dims=dims)


@st.composite
def shuffle(draw, case):
    """random_shuffle: any shape of the shuffled value; the key stays."""
    key, value = case.args
    rng = np.random.default_rng(draw(SEEDS))
    return [key, redraw_like(np.asarray(value), draw(_shapes()), rng)], dict(case.params)


STRATEGIES = {f.__name__: f for f in (
    elementwise, broadcast, reduce, scan, one_axis, layer_norm, layer_norm_grad, arg_reduce,
    sort, top_k, vector, bias, transpose, reverse, tile, pad, concat, split, split_like, reshape,
    reshape_dynamic, broadcast_to, broadcast_to_dynamic, matmul, einsum, einsum_bias, einsum_relu_grad,
    roll, searchsorted,
    gather, labels, sample_shape, sample_shape_dynamic, shuffle)}


# -- the check ---------------------------------------------------------------------------

def _outputs(out) -> list:
    return list(out) if isinstance(out, tuple) else [out]


def check_drawn(name, case, args, params):
    """The primitive on drawn inputs vs the case's reference and the primitive's rule."""
    prim = PRIMITIVES[name]
    what = f"{name}(" + ", ".join(f"{a.dtype}{list(a.shape)}" for a in args) + f", {params})"
    if case.invalid is not None and case.invalid(*args, **params):
        with pytest.raises((OpError, DTypeError, ValueError)) as info:
            bind(prim, *[wrap(a) for a in args], **params)
        assert name in str(info.value), f"{what}: the error does not name {name}: {info.value}"
        return
    out = [np.asarray(o._value) for o in _outputs(bind(prim, *[wrap(a) for a in args],
                                                       **params))]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the mean of no elements
        want = [np.asarray(w) for w in _outputs(case.ref(*[a.copy() for a in args],
                                                         **params))]
    assert len(out) == len(want), f"{what}: {len(out)} outputs, reference {len(want)}"
    for j, (o, w) in enumerate(zip(out, want)):
        assert o.dtype == w.dtype, f"{what} output {j}: dtype {o.dtype}, reference {w.dtype}"
        assert o.shape == w.shape, f"{what} output {j}: shape {o.shape}, reference {w.shape}"
        if not case.compare_values:
            continue
        if o.dtype.kind in "fc":
            np.testing.assert_allclose(o, w, rtol=case.rtol, atol=case.atol, err_msg=what)
        else:
            np.testing.assert_array_equal(o, w, err_msg=what)
    specs = [TensorSpec(a.shape, BY_NP[a.dtype]) for a in args]
    for j, (r, o) in enumerate(zip(_outputs(prim.abstract_eval(*specs, **params)), out)):
        # (a dim the rule can't know, e.g. one of a shape input, is None there)
        assert r.dtype._np == o.dtype and r.shape.is_compatible_with(o.shape) and (
            r.shape.rank is None or None in tuple(r.shape) or tuple(r.shape) == o.shape), (
            f"{what} output {j}: the shape rule gives {r}, the kernel {o.dtype}{o.shape}")


def run_case(name, i, case, shrink=True):
    """Checks EXAMPLES drawn variants of one case (without shrinking a failing one to a
    smaller example unless `shrink`)."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    @seed(zlib.crc32(f"{name}-{i}".encode()))  # fixed examples, different for each case
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=phases,
              suppress_health_check=list(HealthCheck))
    @given(STRATEGIES[case.shapes](case))
    def check(drawn):
        args, params = drawn
        check_drawn(name, case, args, params)

    check()


# -- the walk ----------------------------------------------------------------------------

CASES = [(name, i, case) for name, cases in sorted(SPECS.items())
         for i, case in enumerate(cases) if case.shapes is not None]


def _param(name, i, case):
    reason = XFAIL.get((name, i))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(name, i, case, id=f"{name}-{i}", marks=marks)


def test_every_case_names_a_strategy_or_its_primitive_is_skipped():
    unknown = sorted({c.shapes for cases in SPECS.values() for c in cases} - {None}
                     - set(STRATEGIES))
    assert not unknown, f"spec cases name strategies tests/test_registry_shapes.py lacks: {unknown}"
    skipped = {n for _, names in SKIPPED.values() for n in names}
    drawn = {name for name, _, _ in CASES}
    missing = sorted(set(SPECS) - drawn - skipped)
    assert not missing, (f"primitives with no case of random shapes (give a case `shapes`, "
                         f"or list it in SKIPPED with a reason): {missing}")
    stale = sorted(skipped - (set(SPECS) - drawn))
    assert not stale, f"SKIPPED lists primitives without a spec or with drawn cases: {stale}"


@pytest.mark.parametrize("name,i,case", [_param(*c) for c in CASES])
def test_random_shapes_match_numpy(name, i, case):
    # NOTE: a known failure is not shrunk (its reason gives the minimal example): that
    # would only cost time in every run
    run_case(name, i, case, shrink=(name, i) not in XFAIL)


# -- the walk can fail ---------------------------------------------------------------------

def test_the_walk_catches_wrong_broadcasts_ranks_axes_and_zero_sizes():
    add = SPECS["add"][0]
    same_shapes_only = replace(add, ref=lambda x, y: x + y if x.shape == y.shape else x)
    with pytest.raises(AssertionError, match="add"):
        run_case("add", 0, same_shapes_only, shrink=False)
    relu = SPECS["relu"][0]
    for wrong in (lambda x: np.maximum(x, 0) if x.size else x[..., None],
                  lambda x: np.maximum(x, 0) if x.ndim else x - 1):
        with pytest.raises(AssertionError, match="relu"):
            run_case("relu", 0, replace(relu, ref=wrong), shrink=False)
    total = SPECS["reduce_sum"][0]
    partial_as_all = replace(total, ref=lambda x, axis, keepdims: total.ref(
        x, None if axis is not None and len(axis) < x.ndim else axis, keepdims))
    with pytest.raises(AssertionError, match="reduce_sum"):
        run_case("reduce_sum", 0, partial_as_all, shrink=False)
