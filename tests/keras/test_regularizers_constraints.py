"""keras.regularizers and keras.constraints: values vs NumPy, gradients, tracing, config."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.keras import constraints as C
from ember.keras import initializers as I
from ember.keras import regularizers as Reg

R = np.random.default_rng(3)
EPS = 1e-7  # Keras's backend.epsilon()


def weights(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


# -- regularizers: values ----------------------------------------------------------------

REGULARIZERS = {
    "L1": (Reg.L1(0.3), lambda x: 0.3 * np.abs(x).sum(), lambda x: 0.3 * np.sign(x)),
    "L2": (Reg.L2(0.2), lambda x: 0.2 * (x ** 2).sum(), lambda x: 0.4 * x),
    "L1L2": (Reg.L1L2(l1=0.1, l2=0.05),
             lambda x: 0.1 * np.abs(x).sum() + 0.05 * (x ** 2).sum(),
             lambda x: 0.1 * np.sign(x) + 0.1 * x),
    "L1L2_l2_only": (Reg.L1L2(l2=0.5), lambda x: 0.5 * (x ** 2).sum(), lambda x: x),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_regularizer_values(name, dtype):
    reg, ref, _ = REGULARIZERS[name]
    x = weights(4, 5, dtype=dtype)
    for arg in (tf.constant(x), tf.Variable(x), x):
        out = reg(arg)
        assert isinstance(out, tf.Tensor) and out.shape == () and out.dtype == tf.as_dtype(dtype)
        tol = 1e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(out.numpy(), ref(x.astype(np.float64)), rtol=tol)


def test_defaults_follow_tf_keras_2():
    x = tf.constant([1.0, -2.0, 3.0])
    assert Reg.L1().l1 == 0.01 and Reg.L2().l2 == 0.01
    assert (Reg.L1L2().l1, Reg.L1L2().l2) == (0.0, 0.0)
    assert (Reg.l1_l2().l1, Reg.l1_l2().l2) == (0.01, 0.01)
    assert Reg.l1 is Reg.L1 and Reg.l2 is Reg.L2
    assert float(Reg.L1L2()(x)) == 0.0
    assert float(Reg.L1(l=2.0)(x)) == 12.0  # tf.keras's alias `l`
    assert float(Reg.L2(l=1.0)(x)) == 14.0
    assert Reg.L1(None).l1 == 0.01
    assert float(Reg.Regularizer()(x)) == 0.0


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_regularizer_gradients_match_analytic(name):
    reg, _, grad = REGULARIZERS[name]
    x = weights(3, 4)
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = reg(v)
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), grad(x), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_regularizer_traced_with_gradient(name):
    reg, ref, grad = REGULARIZERS[name]
    x = weights(2, 6)

    @tf.function
    def step(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = reg(t)
        return loss, tape.gradient(loss, t)

    loss, g = step(tf.constant(x))
    np.testing.assert_allclose(loss.numpy(), ref(x), rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), grad(x), rtol=1e-12)


# Inside ember.function a Variable read twice by one tape (square(v) = v * v) must count
# its gradient once per use, not once per read (a former core/tape.py bug).
def test_l2_gradient_of_a_variable_in_a_traced_step():
    x = weights(2, 3)
    v = tf.Variable(x)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = Reg.L2(0.2)(v)
        return tape.gradient(loss, v)

    np.testing.assert_allclose(step().numpy(), 0.4 * x, rtol=1e-12)


def test_regularizer_argument_errors():
    for bad in ["0.1", float("nan"), float("inf"), True, [0.1]]:
        with pytest.raises(ValueError, match="L2: l2 must be a finite int or float"):
            Reg.L2(bad)
    with pytest.raises(ValueError, match="L1L2: l1 must be a finite"):
        Reg.L1L2(l1="x")
    with pytest.raises(TypeError, match=r"L1: unexpected keyword argument\(s\) \['l2'\]"):
        Reg.L1(l2=0.1)
    with pytest.raises(NotImplementedError, match="get_config"):
        Reg.Regularizer().get_config()


# -- regularizers: get / serialize --------------------------------------------------------

@pytest.mark.parametrize("reg", [Reg.L1(0.5), Reg.L2(0.25), Reg.L1L2(0.1, 0.2), Reg.L1L2(),
                                 Reg.L1(3)], ids=repr)
def test_regularizer_config_round_trip(reg):
    config = reg.get_config()
    assert type(reg).from_config(config).get_config() == config
    ser = Reg.serialize(reg)
    assert ser == {"class_name": type(reg).__name__, "config": config}
    clone = Reg.deserialize(ser)
    assert type(clone) is type(reg) and clone.get_config() == config
    assert Reg.get(ser).get_config() == config
    x = tf.constant([1.0, -3.0])
    assert float(clone(x)) == float(reg(x))


@pytest.mark.parametrize("name, cls, config", [
    ("l1", Reg.L1, {"l1": 0.01}), ("L1", Reg.L1, {"l1": 0.01}), ("l2", Reg.L2, {"l2": 0.01}),
    ("L2", Reg.L2, {"l2": 0.01}), ("L1L2", Reg.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("l1_l2", Reg.L1L2, {"l1": 0.01, "l2": 0.01}),
])
def test_regularizer_get_by_name(name, cls, config):
    reg = Reg.get(name)
    assert type(reg) is cls and reg.get_config() == config


def test_regularizer_get_passthrough_and_errors():
    assert Reg.get(None) is None
    reg = Reg.L2()
    assert Reg.get(reg) is reg
    assert type(Reg.get(Reg.L1)) is Reg.L1

    def fn(x):
        return tf.reduce_sum(x)

    assert Reg.get(fn) is fn
    for bad in ["l3", 0.1, {"class_name": "L3"}, {"config": {}}]:
        with pytest.raises(ValueError, match="Could not interpret regularizer identifier"
                                             ".*l1_l2"):
            Reg.get(bad)

    class Scaled(Reg.Regularizer):
        def __init__(self, k=1.0):
            self.k = k

        def __call__(self, x):
            return tf.reduce_sum(x) * self.k

        def get_config(self):
            return {"k": self.k}

    assert Reg.deserialize(Reg.serialize(Scaled(2.0)), custom_objects={"Scaled": Scaled}).k == 2.0


# -- constraints: values -----------------------------------------------------------------

def np_norms(w, axis):
    return np.sqrt((w ** 2).sum(axis=axis, keepdims=True))


def np_max_norm(w, max_value, axis):
    n = np_norms(w, axis)
    return w * np.clip(n, 0, max_value) / (EPS + n)


def np_min_max_norm(w, lo, hi, rate, axis):
    n = np_norms(w, axis)
    return w * (rate * np.clip(n, lo, hi) + (1 - rate) * n) / (EPS + n)


AXES = [0, 1, -1, [0, 1], (0, 2)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constraints_match_numpy(axis, dtype):
    w = (weights(4, 3, 5) * 1.5).astype(dtype)
    ax = tuple(axis) if isinstance(axis, list) else axis
    w64 = w.astype(np.float64)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    cases = [
        (C.MaxNorm(1.5, axis=axis), np_max_norm(w64, 1.5, ax)),
        (C.UnitNorm(axis=axis), w64 / (EPS + np_norms(w64, ax))),
        (C.MinMaxNorm(1.0, 2.0, 1.0, axis=axis), np_min_max_norm(w64, 1.0, 2.0, 1.0, ax)),
        (C.MinMaxNorm(0.5, 1.0, 0.3, axis=axis), np_min_max_norm(w64, 0.5, 1.0, 0.3, ax)),
        (C.NonNeg(), np.maximum(w64, 0.0)),
        (C.Constraint(), w64),
    ]
    for c, want in cases:
        for arg in (tf.constant(w), tf.Variable(w)):
            out = c(arg)
            assert out.dtype == tf.as_dtype(dtype), c
            np.testing.assert_allclose(np.asarray(out), want, rtol=tol, atol=tol, err_msg=repr(c))


def test_constraint_properties():
    w = weights(6, 4) * 3
    np.testing.assert_array_less(np_norms(C.MaxNorm(1.0)(w).numpy(), 0), 1.0 + 1e-9)
    np.testing.assert_allclose(np_norms(C.UnitNorm(axis=1)(w).numpy(), 1), 1.0, rtol=1e-6)
    small = np.full((4, 2), 1e-3)
    np.testing.assert_allclose(C.MaxNorm(2.0)(small).numpy(), small, rtol=1e-3)  # untouched
    np.testing.assert_allclose(C.UnitNorm()(np.zeros((3, 2))).numpy(), 0.0)  # epsilon: no nan
    assert np.all(C.NonNeg()(w).numpy() >= 0)
    assert C.max_norm is C.MaxNorm and C.maxnorm is C.MaxNorm
    assert C.non_neg is C.NonNeg and C.nonneg is C.NonNeg
    assert C.unit_norm is C.UnitNorm and C.unitnorm is C.UnitNorm
    assert C.min_max_norm is C.MinMaxNorm


def test_constraint_traced_matches_eager():
    w = tf.constant(weights(5, 3))
    for c in [C.MaxNorm(1.0), C.UnitNorm(axis=1), C.MinMaxNorm(0.5, 1.5, 0.5), C.NonNeg()]:
        traced = tf.function(lambda t, c=c: c(t))
        np.testing.assert_allclose(traced(w).numpy(), c(w).numpy(), rtol=1e-12, atol=1e-15)


def test_constraint_projects_a_variable_with_assign():
    v = tf.Variable(weights(3, 2) * 5)
    v.assign(C.MaxNorm(1.0)(v))
    assert np.all(np_norms(v.numpy(), 0) <= 1.0 + 1e-9)


# -- constraints: get / serialize --------------------------------------------------------

@pytest.mark.parametrize("c", [C.MaxNorm(3, axis=1), C.MaxNorm(axis=[0, 1]), C.NonNeg(),
                               C.UnitNorm(axis=-1), C.MinMaxNorm(0.5, 2.0, 0.7, axis=2),
                               C.MinMaxNorm(), C.UnitNorm(axis=(0, 1))], ids=repr)
def test_constraint_config_round_trip(c):
    config = c.get_config()
    assert type(c).from_config(config).get_config() == config
    ser = C.serialize(c)
    assert ser == {"class_name": type(c).__name__, "config": config}
    clone = C.deserialize(ser)
    assert type(clone) is type(c) and clone.get_config() == config
    assert C.get(ser).get_config() == config
    w = weights(3, 4, 2)
    np.testing.assert_array_equal(clone(w).numpy(), c(w).numpy())


@pytest.mark.parametrize("name, cls", [
    ("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("maxnorm", C.MaxNorm),
    ("non_neg", C.NonNeg), ("NonNeg", C.NonNeg), ("nonneg", C.NonNeg),
    ("unit_norm", C.UnitNorm), ("UnitNorm", C.UnitNorm), ("unitnorm", C.UnitNorm),
    ("min_max_norm", C.MinMaxNorm), ("MinMaxNorm", C.MinMaxNorm),
])
def test_constraint_get_by_name(name, cls):
    assert type(C.get(name)) is cls


def test_constraint_defaults_and_errors():
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0,
                                           "axis": 0}
    assert C.UnitNorm().get_config() == {"axis": 0}
    assert C.get(None) is None
    c = C.NonNeg()
    assert C.get(c) is c and type(C.get(C.UnitNorm)) is C.UnitNorm
    for bad in ["max", 2, {"class_name": "Clip", "config": {}}]:
        with pytest.raises(ValueError, match="Could not interpret constraint identifier"
                                             ".*max_norm"):
            C.get(bad)


# -- serialize / deserialize of None and plain functions (all three modules) -------------

@pytest.mark.parametrize("module", [Reg, C, I], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_none_and_named_functions(module):
    assert module.serialize(None) is None
    assert module.deserialize(None) is None

    def my_fn(x, dtype=None):
        return x

    assert module.serialize(my_fn) == "my_fn"
    assert module.deserialize("my_fn", custom_objects={"my_fn": my_fn}) is my_fn
    with pytest.raises(ValueError, match="Cannot serialize"):
        module.serialize(lambda x: x)
    with pytest.raises(ValueError, match="Cannot serialize"):
        module.serialize(3)
