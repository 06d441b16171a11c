"""keras.layers merge layers: Add ... Minimum, Concatenate, Dot and the functional forms."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import ShapeError
from tests.helpers import assert_close, run_layer_test, x32

L = keras.layers

ELEMENTWISE = {
    L.Add: lambda xs: sum(xs[1:], xs[0]),
    L.Multiply: lambda xs: np.prod(np.broadcast_arrays(*xs), axis=0),
    L.Average: lambda xs: sum(xs[1:], xs[0]) / len(xs),
    L.Maximum: lambda xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
    L.Minimum: lambda xs: np.minimum.reduce(np.broadcast_arrays(*xs)),
}
FUNCTIONS = {L.Add: L.add, L.Multiply: L.multiply, L.Average: L.average,
             L.Maximum: L.maximum, L.Minimum: L.minimum, L.Subtract: L.subtract}


@pytest.mark.parametrize("cls", list(ELEMENTWISE))
@pytest.mark.parametrize("shapes", [[(2, 3), (2, 3)], [(2, 3, 4)] * 3,
                                    [(2, 1), (2, 4)], [(2, 4), (2, 1, 4), (2, 3, 1)]])
def test_elementwise(cls, shapes):
    xs = [x32(*s) for s in shapes]
    top = max(len(s) for s in shapes)
    # Keras 2: a lower-rank input gets its new axes after the batch axis
    aligned = [x.reshape(x.shape[:1] + (1,) * (top - x.ndim) + x.shape[1:]) for x in xs]
    want = ELEMENTWISE[cls](aligned)
    run_layer_test(cls, {}, xs, want)
    assert_close(FUNCTIONS[cls](xs).numpy(), want, 1e-6)


def test_subtract():
    a, b = x32(3, 4), x32(3, 4)
    run_layer_test(L.Subtract, {}, [a, b], a - b)
    assert_close(L.subtract([a, b]).numpy(), a - b, 0)
    with pytest.raises(ValueError, match=r'Layer "sub".*exactly 2 inputs.*Received 3'):
        L.Subtract(name="sub")([a, b, a])


def test_functional_forms_in_a_model():
    a, b = keras.Input((4,)), keras.Input((4,))
    s = L.add([a, b])
    out = L.concatenate([L.multiply([s, b]), L.dot([a, b], axes=1)])
    model = keras.Model([a, b], out)
    assert tuple(out.shape) == (None, 5)
    x, y = x32(3, 4), x32(3, 4)
    want = np.concatenate([(x + y) * y, (x * y).sum(-1, keepdims=True)], axis=-1)
    assert_close(model.predict([x, y], verbose=0), want, 1e-5)
    assert L.add([a, b], name="my_add").node.layer.name == "my_add"


def test_merge_one_input_shared_twice():
    x = keras.Input((4,))
    model = keras.Model(x, L.Add()([x, x]))
    assert_close(model.predict(np.ones((2, 4)), verbose=0), np.full((2, 4), 2.0), 0)


@pytest.mark.parametrize("cls", [L.Add, L.Multiply, L.Average, L.Maximum, L.Minimum])
def test_merge_input_count_errors(cls):
    a = x32(2, 3)
    with pytest.raises(ValueError, match=r'Layer "m".*at least 2 inputs. Got 1 inputs.*'
                                         r'\(2, 3\)'):
        cls(name="m")([a])
    with pytest.raises(ValueError, match=r'Layer "m2".*list of inputs.*shape \(2, 3\)'):
        cls(name="m2")(a)


def test_merge_shape_errors():
    with pytest.raises(ShapeError, match=r'Layer "m".*incompatible shapes.*\(None, 3\), '
                                         r'\(None, 4\)'):
        L.Add(name="m")([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(ShapeError, match=r'Layer "m2".*different batch sizes.*\(2, 3\), '
                                         r'\(5, 3\)'):
        L.Maximum(name="m2")([x32(2, 3), x32(5, 3)])
    with pytest.raises(ShapeError, match=r'Layer "m3".*batch axis'):
        L.Add(name="m3")([tf.constant(1.0), tf.constant(2.0)])
    # unknown dims are accepted; the values decide at run time
    assert tuple(L.Add()([keras.Input((None,)), keras.Input((4,))]).shape) == (None, 4)


@pytest.mark.parametrize("axis, shapes", [(-1, [(2, 3), (2, 4)]), (1, [(2, 3, 4), (2, 1, 4)]),
                                          (2, [(2, 3, 1), (2, 3, 2), (2, 3, 3)]),
                                          (-1, [(2, 5)])])
def test_concatenate(axis, shapes):
    xs = [x32(*s) for s in shapes]
    want = np.concatenate(xs, axis=axis)
    run_layer_test(L.Concatenate, {"axis": axis}, xs, want)
    assert_close(L.concatenate(xs, axis=axis).numpy(), want, 0)


def test_concatenate_errors():
    with pytest.raises(ShapeError, match=r'Layer "c".*matching shapes except for the '
                                         r'concatenation axis.*\(None, 3, 4\), \(None, 4, 4\)'):
        L.Concatenate(name="c")([keras.Input((3, 4)), keras.Input((4, 4))])
    with pytest.raises(ShapeError, match=r'Layer "c2".*same rank'):
        L.Concatenate(name="c2")([x32(2, 3), x32(2, 3, 1)])
    with pytest.raises(ShapeError, match=r'Layer "c3".*axis 5'):
        L.Concatenate(axis=5, name="c3")([x32(2, 3), x32(2, 3)])
    with pytest.raises(ValueError, match=r'Layer "c4".*at least 1 inputs'):
        L.Concatenate(name="c4")([])
    with pytest.raises(ValueError, match=r'Layer "c5".*axis must be an int'):
        L.Concatenate(axis="last", name="c5")


def _l2n(x, axis):
    return x / np.sqrt(np.maximum((x * x).sum(axis, keepdims=True), 1e-12))


@pytest.mark.parametrize("axes, shapes, subscripts", [
    (1, [(3, 4), (3, 4)], "ab,ab->a"),
    (-1, [(3, 4), (3, 4)], "ab,ab->a"),
    ((2, 1), [(3, 2, 4), (3, 4, 5)], "abc,acd->abd"),
    ((1, 1), [(3, 4), (3, 4, 5)], "ab,abd->ad"),
    (2, [(3, 2, 4), (3, 5, 4)], "abc,adc->abd")])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot(axes, shapes, subscripts, normalize):
    raw = [x32(*shapes[0]), x32(*shapes[1])]
    ax = [axes] * 2 if isinstance(axes, int) else list(axes)
    ax = [a % len(s) for a, s in zip(ax, shapes)]
    x, y = raw
    if normalize:
        x, y = _l2n(x, ax[0]), _l2n(y, ax[1])
    want = np.einsum(subscripts, x, y)
    if want.ndim == 1:  # two 2-D inputs give (batch, 1), as Keras' batch_dot
        want = want[:, None]
    run_layer_test(L.Dot, {"axes": axes, "normalize": normalize}, raw, want)
    assert_close(L.dot(raw, axes=axes, normalize=normalize).numpy(), want, 1e-5)


def test_dot_errors():
    with pytest.raises(ShapeError, match=r'Layer "d".*axis 1 of the first input \(3\).*'
                                         r'\(None, 3\), \(None, 4\)'):
        L.Dot(axes=1, name="d")([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(ShapeError, match=r'Layer "d2".*batch'):
        L.Dot(axes=0, name="d2")([x32(2, 3), x32(2, 3)])
    with pytest.raises(ShapeError, match=r'Layer "d3".*rank >= 2'):
        L.Dot(axes=1, name="d3")([x32(2), x32(2)])
    with pytest.raises(ValueError, match=r'Layer "d4".*exactly 2 inputs'):
        L.Dot(axes=1, name="d4")([x32(2, 3)] * 3)
    with pytest.raises(ValueError, match=r'Layer "d5".*axes must be'):
        L.Dot(axes=(1, 2, 3), name="d5")


def test_merge_layers_in_ember_function_unknown_batch():
    add, cat, dot = L.Add(), L.Concatenate(), L.Dot(axes=(2, 1))

    @tf.function(input_signature=[tf.TensorSpec([None, 2, 3]), tf.TensorSpec([None, 3, 2])])
    def f(a, b):
        return add([a, tf.transpose(b, [0, 2, 1])]), cat([a, a]), dot([a, b])

    a, b = x32(4, 2, 3), x32(4, 3, 2)
    s, c, d = f(a, b)
    assert_close(s.numpy(), a + b.transpose(0, 2, 1), 1e-6)
    assert_close(c.numpy(), np.concatenate([a, a], -1), 0)
    assert_close(d.numpy(), a @ b, 1e-5)
