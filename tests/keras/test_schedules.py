"""keras.optimizers.schedules: each schedule vs a Python formula, with Python int, ember
int64 tensor and traced Variable steps; config round trips; argument validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember as tf
from ember.keras.optimizers import schedules as S

STEPS = [0, 1, 3, 5, 9, 10, 11, 19, 20, 24, 25, 37, 47, 48, 81, 82, 100, 1000]


# -- Python oracles (float64) ------------------------------------------------------------

def exponential(s, init, d, rate, staircase=False):
    p = s / d
    return init * rate ** (math.floor(p) if staircase else p)


def piecewise(s, boundaries, values):
    for b, v in zip(boundaries, values):
        if s <= b:
            return v
    return values[-1]


def polynomial(s, init, d, end=0.0001, power=1.0, cycle=False):
    if cycle:
        d = d * (1.0 if s == 0 else math.ceil(s / d))
    else:
        s = min(s, d)
    return (init - end) * (1 - s / d) ** power + end


def inverse_time(s, init, d, rate, staircase=False):
    p = s / d
    return init / (1 + rate * (math.floor(p) if staircase else p))


def cosine(s, init, d, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(step, top):
        step = min(step, d)
        return top * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / d)) + alpha)
    if warmup_target is None:
        return decay(s, init)
    if s < warmup_steps:
        return init + (warmup_target - init) * s / warmup_steps
    return decay(s - warmup_steps, warmup_target)


def restarts(s, init, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    start, length, i = 0.0, float(first), 0  # walk the periods one by one
    while s >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    frac = (s - start) / length
    return init * ((1 - alpha) * m_mul ** i * 0.5 * (1 + math.cos(math.pi * frac)) + alpha)


CASES = {
    "exp": (lambda: S.ExponentialDecay(0.1, 10, 0.5),
            lambda s: exponential(s, 0.1, 10, 0.5)),
    "exp_staircase": (lambda: S.ExponentialDecay(0.1, 10, 0.5, staircase=True),
                      lambda s: exponential(s, 0.1, 10, 0.5, True)),
    "piecewise": (lambda: S.PiecewiseConstantDecay([10, 25, 48], [1.0, 0.5, 0.1, 0.01]),
                  lambda s: piecewise(s, [10, 25, 48], [1.0, 0.5, 0.1, 0.01])),
    "piecewise_float": (lambda: S.PiecewiseConstantDecay([9.5, 24.5], [0.3, 0.2, 0.1]),
                        lambda s: piecewise(s, [9.5, 24.5], [0.3, 0.2, 0.1])),
    "poly": (lambda: S.PolynomialDecay(0.1, 20),
             lambda s: polynomial(s, 0.1, 20)),
    "poly_power_end": (lambda: S.PolynomialDecay(1.0, 20, end_learning_rate=0.1, power=2.0),
                       lambda s: polynomial(s, 1.0, 20, 0.1, 2.0)),
    "poly_cycle": (lambda: S.PolynomialDecay(1.0, 10, 0.01, power=0.5, cycle=True),
                   lambda s: polynomial(s, 1.0, 10, 0.01, 0.5, True)),
    "inverse": (lambda: S.InverseTimeDecay(0.1, 10, 0.5),
                lambda s: inverse_time(s, 0.1, 10, 0.5)),
    "inverse_staircase": (lambda: S.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
                          lambda s: inverse_time(s, 0.1, 10, 0.5, True)),
    "cosine": (lambda: S.CosineDecay(0.1, 40),
               lambda s: cosine(s, 0.1, 40)),
    "cosine_alpha": (lambda: S.CosineDecay(0.1, 40, alpha=0.2),
                     lambda s: cosine(s, 0.1, 40, 0.2)),
    "cosine_warmup": (lambda: S.CosineDecay(0.01, 40, alpha=0.1, warmup_target=0.5,
                                            warmup_steps=10),
                      lambda s: cosine(s, 0.01, 40, 0.1, 0.5, 10)),
    "cosine_warmup_0": (lambda: S.CosineDecay(0.01, 40, warmup_target=0.5),
                        lambda s: cosine(s, 0.01, 40, 0.0, 0.5, 0)),
    "restarts": (lambda: S.CosineDecayRestarts(1.0, 10),
                 lambda s: restarts(s, 1.0, 10)),
    "restarts_1_5": (lambda: S.CosineDecayRestarts(1.0, 10, t_mul=1.5, m_mul=0.8, alpha=0.1),
                     lambda s: restarts(s, 1.0, 10, 1.5, 0.8, 0.1)),
    "restarts_t1": (lambda: S.CosineDecayRestarts(0.5, 10, t_mul=1.0, m_mul=0.9),
                    lambda s: restarts(s, 0.5, 10, 1.0, 0.9)),
    "restarts_t_half": (lambda: S.CosineDecayRestarts(1.0, 40, t_mul=0.5),
                        lambda s: restarts(s, 1.0, 40, 0.5)),
}


def expected(oracle, steps):
    return np.array([oracle(s) for s in steps], np.float64)


def check(got, want):
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-6, atol=1e-8)


# -- values: Python int, ember int64 tensor, traced Variable -----------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_python_int_step(name):
    make, oracle = CASES[name]
    schedule = make()
    steps = [s for s in STEPS if name != "restarts_t_half" or s < 80]  # NaN past its end
    outs = [schedule(s) for s in steps]
    assert all(isinstance(o, tf.Tensor) and o.dtype == tf.float32 and o.shape == ()
               for o in outs)
    check([o.numpy() for o in outs], expected(oracle, steps))


@pytest.mark.parametrize("name", sorted(CASES))
def test_int64_tensor_step(name):
    make, oracle = CASES[name]
    schedule = make()
    steps = [s for s in STEPS if name != "restarts_t_half" or s < 80]
    outs = [schedule(tf.constant(s, tf.int64)).numpy() for s in steps]
    check(outs, expected(oracle, steps))


@pytest.mark.parametrize("name", sorted(CASES))
def test_traced_variable_step(name):
    make, oracle = CASES[name]
    schedule = make()
    iterations = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def lr():
        return schedule(iterations)

    steps = [s for s in STEPS if name != "restarts_t_half" or s < 80]
    outs = []
    for s in steps:
        iterations.assign(s)
        out = lr()
        assert out.dtype == tf.float32 and out.shape == ()
        outs.append(out.numpy())
    check(outs, expected(oracle, steps))


def test_traced_argument_and_float_steps():
    schedule = S.CosineDecay(0.1, 40, warmup_target=0.5, warmup_steps=10)
    f = tf.function(lambda step: schedule(step))
    check([f(tf.constant(s, tf.int64)).numpy() for s in (3, 30)],
          expected(lambda s: cosine(s, 0.1, 40, 0.0, 0.5, 10), [3, 30]))
    # Python floats and float32 tensors are steps too (fractional steps are not rounded)
    e = S.ExponentialDecay(1.0, 4, 0.5)
    check([e(2.5).numpy(), e(tf.constant(2.5)).numpy(), e(np.int32(6)).numpy()],
          [0.5 ** (2.5 / 4), 0.5 ** (2.5 / 4), 0.5 ** 1.5])


def test_restarts_land_on_the_restart_step():
    # float64 log(1 + 2 * 121) / log(3) rounds to just below 5 at step 1210, a restart
    schedule = S.CosineDecayRestarts(1.0, 10, t_mul=3.0, m_mul=0.5)
    steps = [399, 400, 1209, 1210, 1211, 3640]
    check([schedule(s).numpy() for s in steps],
          expected(lambda s: restarts(s, 1.0, 10, 3.0, 0.5), steps))
    assert float(schedule(1210)) == 0.5 ** 5


def test_restarts_t_mul_below_one_ends_in_nan():
    # periods 40, 20, 10, ... sum to 80; past that the log is of a negative number (Keras)
    assert math.isnan(float(S.CosineDecayRestarts(1.0, 40, t_mul=0.5)(100)))


def test_large_int64_steps_are_exact():
    big = 2 ** 40
    schedule = S.PiecewiseConstantDecay([big], [1.0, 0.5])
    assert [float(schedule(tf.constant(s, tf.int64))) for s in (big, big + 1)] == [1.0, 0.5]


def test_dtype_follows_a_floating_learning_rate():
    out = S.ExponentialDecay(tf.constant(0.1, tf.float64), 10, 0.5)(10)
    assert out.dtype == tf.float64
    assert abs(float(out) - 0.05) < 1e-15
    assert S.PolynomialDecay(np.float16(1.0), 10)(5).dtype == tf.float16
    assert S.PiecewiseConstantDecay([1], [1, 2])(5).dtype == tf.float32
    assert float(S.PiecewiseConstantDecay([], [0.25])(7)) == 0.25


# -- config ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_config_round_trip(name):
    make, _ = CASES[name]
    schedule = make()
    config = schedule.get_config()
    again = type(schedule).from_config(config)
    assert type(again) is type(schedule) and again.get_config() == config
    via = S.deserialize(S.serialize(schedule))
    assert type(via) is type(schedule) and via.get_config() == config
    for s in (0, 7, 33):
        assert float(via(s)) == float(schedule(s))


def test_serialize_format_and_keras3_dicts():
    schedule = S.ExponentialDecay(0.1, 100, 0.96, staircase=True)
    assert S.serialize(schedule) == {
        "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.96,
                   "staircase": True, "name": "ExponentialDecay"}}
    keras3 = {"module": "keras.optimizers.schedules", "class_name": "PolynomialDecay",
              "config": {"initial_learning_rate": 0.1, "decay_steps": 1000,
                         "end_learning_rate": 0.01, "power": 0.5, "cycle": False,
                         "name": "PolynomialDecay"}, "registered_name": None}
    got = S.deserialize(keras3)
    assert isinstance(got, S.PolynomialDecay) and got.power == 0.5
    assert S.CosineDecayRestarts(1.0, 5).get_config() == {
        "initial_learning_rate": 1.0, "first_decay_steps": 5, "t_mul": 2.0, "m_mul": 1.0,
        "alpha": 0.0, "name": "SGDRDecay"}
    assert S.CosineDecay(1.0, 5).get_config() == {
        "initial_learning_rate": 1.0, "decay_steps": 5, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": None, "warmup_steps": 0}


class Halving(S.LearningRateSchedule):
    def __init__(self, rate):
        self.rate = rate

    def __call__(self, step):
        return self.rate * tf.pow(0.5, tf.cast(step, tf.float32))

    def get_config(self):
        return {"rate": self.rate}


def test_custom_schedule_and_custom_objects():
    config = S.serialize(Halving(0.8))
    assert config == {"class_name": "Halving", "config": {"rate": 0.8}}
    got = S.deserialize(config, custom_objects={"Halving": Halving})
    assert isinstance(got, Halving) and abs(float(got(2)) - 0.2) < 1e-7
    with pytest.raises(ValueError, match="Could not interpret learning rate schedule"):
        S.deserialize(config)
    assert repr(S.InverseTimeDecay(0.1, 5, 0.5)) == (
        "InverseTimeDecay(initial_learning_rate=0.1, decay_steps=5, decay_rate=0.5, "
        "staircase=False, name='InverseTimeDecay')")


def test_base_class_and_bad_configs():
    base = S.LearningRateSchedule()
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        base(1)
    with pytest.raises(NotImplementedError, match="must override `get_config"):
        base.get_config()
    with pytest.raises(ValueError, match="Could not interpret"):
        S.deserialize("ExponentialDecay")
    with pytest.raises(ValueError, match="Could not interpret"):
        S.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError, match="serialize: expected"):
        S.serialize(lambda step: 0.1)
    with pytest.raises(ValueError, match="did not give a LearningRateSchedule"):
        S.deserialize({"class_name": "f", "config": {}}, custom_objects={"f": len})


# -- validation -----------------------------------------------------------------------

@pytest.mark.parametrize("make, arg", [
    (lambda d: S.ExponentialDecay(0.1, d, 0.5), "decay_steps"),
    (lambda d: S.PolynomialDecay(0.1, d), "decay_steps"),
    (lambda d: S.InverseTimeDecay(0.1, d, 0.5), "decay_steps"),
    (lambda d: S.CosineDecay(0.1, d), "decay_steps"),
    (lambda d: S.CosineDecayRestarts(0.1, d), "first_decay_steps"),
])
def test_decay_steps_must_be_positive_numbers(make, arg):
    for bad in (0, -5):
        with pytest.raises(ValueError, match=f"`{arg}` must be > 0. Received: {arg}={bad}"):
            make(bad)
    with pytest.raises(TypeError, match=f"`{arg}` must be a real number"):
        make("ten")
    with pytest.raises(TypeError, match=f"`{arg}` must be a real number"):
        make(None)


def test_piecewise_validation():
    with pytest.raises(ValueError, match=r"len\(boundaries\)=2, len\(values\)=2"):
        S.PiecewiseConstantDecay([10, 20], [1.0, 0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        S.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1])
    with pytest.raises(ValueError, match="strictly increasing"):
        S.PiecewiseConstantDecay([10, 10], [1.0, 0.5, 0.1])
    with pytest.raises(TypeError, match=r"values\[1\]"):
        S.PiecewiseConstantDecay([10], [1.0, "x"])
    with pytest.raises(TypeError, match="lists of numbers"):
        S.PiecewiseConstantDecay(10, [1.0, 0.5])


def test_other_validation():
    with pytest.raises(ValueError, match="`t_mul` must be > 0"):
        S.CosineDecayRestarts(1.0, 10, t_mul=0.0)
    with pytest.raises(ValueError, match="`warmup_steps` must be >= 0"):
        S.CosineDecay(1.0, 10, warmup_target=2.0, warmup_steps=-1)
    with pytest.raises(TypeError, match="`warmup_target` must be a real number"):
        S.CosineDecay(1.0, 10, warmup_target="high")
    with pytest.raises(ValueError, match="must be finite"):
        S.ExponentialDecay(1.0, float("inf"), 0.5)
    with pytest.raises(TypeError, match="`decay_rate` must be a real number"):
        S.ExponentialDecay(1.0, 10, None)
