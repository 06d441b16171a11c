"""keras.optimizers: every optimizer's first steps vs a float64 NumPy oracle of Keras 3's
formulas (eager and inside ember.function), weight decay and its exclusions, clipping,
EMA, learning-rate schedules and setters, None / mis-shaped gradients, apply / minimize,
config round trips, and the in-place (copy-on-write) buffer property."""

from __future__ import annotations

import gc
import math
import warnings
import weakref

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import optimizers as O

# -- the oracle: Keras 3's update formulas in float64 --------------------------------------


class Oracle:
    """Replays an optimizer on float64 copies of the weights; `lr_at(k)` is the learning
    rate when `iterations == k`."""

    def __init__(self, cls: str, kw: dict, params: list, lr_at=None, decayed=None):
        self.cls, self.kw = cls, dict(kw)
        self.p = [np.array(x, np.float64) for x in params]
        self.state = [{} for _ in params]
        self.k = 0
        lr = self.kw.get("learning_rate", DEFAULT_LR[cls])
        self.lr_at = lr_at or (lambda k: lr)
        self.decayed = decayed if decayed is not None else [True] * len(params)
        self.u_product = 1.0

    def step(self, grads: list) -> list:
        t = self.k + 1
        lr = self.lr_at(self.k)
        kw = {**DEFAULTS[self.cls], **self.kw}
        if self.cls == "Nadam":
            self.u_product *= kw["beta_1"] * (1 - 0.5 * 0.96 ** t)
        for i, g in enumerate(grads):
            g = np.asarray(g, np.float64)
            wd = kw.get("weight_decay")
            if wd and self.decayed[i]:
                self.p[i] = self.p[i] - self.p[i] * wd * lr
            self.p[i] = getattr(self, "_" + self.cls.lower())(self.p[i], g, self.state[i],
                                                             lr, t, kw)
        self.k += 1
        return [x.copy() for x in self.p]

    @staticmethod
    def _sgd(p, g, s, lr, t, kw):
        mom = kw["momentum"]
        if not mom:
            return p - lr * g
        m = s["m"] = mom * s.get("m", 0.0) - lr * g
        return p + mom * m - lr * g if kw["nesterov"] else p + m

    @staticmethod
    def _adam(p, g, s, lr, t, kw):
        b1, b2 = kw["beta_1"], kw["beta_2"]
        m = s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        if kw["amsgrad"]:
            v = s["vhat"] = np.maximum(s.get("vhat", 0.0), v)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return p - alpha * m / (np.sqrt(v) + kw["epsilon"])

    _adamw = _adam

    @staticmethod
    def _rmsprop(p, g, s, lr, t, kw):
        rho, eps = kw["rho"], kw["epsilon"]
        v = s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
        if kw["centered"]:
            a = s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
            step = lr * g / np.sqrt(v - a * a + eps)
        else:
            step = lr * g / np.sqrt(v + eps)
        if kw["momentum"] > 0:
            step = s["m"] = kw["momentum"] * s.get("m", 0.0) + step
        return p - step

    @staticmethod
    def _adagrad(p, g, s, lr, t, kw):
        acc = s["acc"] = s.get("acc", kw["initial_accumulator_value"]) + g * g
        return p - lr * g / np.sqrt(acc + kw["epsilon"])

    @staticmethod
    def _adadelta(p, g, s, lr, t, kw):
        rho, eps = kw["rho"], kw["epsilon"]
        ag = s["ag"] = rho * s.get("ag", 0.0) + (1 - rho) * g * g
        delta = -np.sqrt(s.get("ad", 0.0) + eps) * g / np.sqrt(ag + eps)
        s["ad"] = rho * s.get("ad", 0.0) + (1 - rho) * delta * delta
        return p + lr * delta

    @staticmethod
    def _adamax(p, g, s, lr, t, kw):
        b1 = kw["beta_1"]
        m = s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        u = s["u"] = np.maximum(kw["beta_2"] * s.get("u", 0.0), np.abs(g))
        return p - lr * m / ((1 - b1 ** t) * (u + kw["epsilon"]))

    def _nadam(self, p, g, s, lr, t, kw):
        b1, b2 = kw["beta_1"], kw["beta_2"]
        mu_t = b1 * (1 - 0.5 * 0.96 ** t)
        mu_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        m = s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat = (mu_next * m / (1 - self.u_product * mu_next)
                 + (1 - mu_t) * g / (1 - self.u_product))
        v_hat = v / (1 - b2 ** t)
        return p - lr * m_hat / (np.sqrt(v_hat) + kw["epsilon"])

    @staticmethod
    def _lion(p, g, s, lr, t, kw):
        b1, b2 = kw["beta_1"], kw["beta_2"]
        m = s.get("m", 0.0)
        p = p - lr * np.sign(b1 * m + (1 - b1) * g)
        s["m"] = b2 * m + (1 - b2) * g
        return p


# Keras 3's defaults, written out (also checked against get_config below).
DEFAULTS = {
    "SGD": dict(momentum=0.0, nesterov=False),
    "Adam": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "AdamW": dict(weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "RMSprop": dict(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "Adagrad": dict(initial_accumulator_value=0.1, epsilon=1e-7),
    "Adadelta": dict(rho=0.95, epsilon=1e-7),
    "Adamax": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Nadam": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Lion": dict(beta_1=0.9, beta_2=0.99),
}
DEFAULT_LR = {"SGD": 0.01, **{k: 0.001 for k in DEFAULTS if k != "SGD"}}

CASES = {
    "sgd": ("SGD", dict(learning_rate=0.1)),
    "sgd_momentum": ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    "adam": ("Adam", dict(learning_rate=0.05)),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.05, amsgrad=True)),
    "adamw": ("AdamW", dict(learning_rate=0.05, weight_decay=0.2)),
    "rmsprop": ("RMSprop", dict(learning_rate=0.05)),
    "rmsprop_momentum": ("RMSprop", dict(learning_rate=0.05, momentum=0.8)),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.05, momentum=0.5, centered=True)),
    "adagrad": ("Adagrad", dict(learning_rate=0.1)),
    "adadelta": ("Adadelta", dict(learning_rate=1.0)),
    "adadelta_small_eps": ("Adadelta", dict(learning_rate=1.0, rho=0.9, epsilon=1e-3)),
    "adamax": ("Adamax", dict(learning_rate=0.05)),
    "nadam": ("Nadam", dict(learning_rate=0.05)),
    "lion": ("Lion", dict(learning_rate=0.05)),
    "lion_betas": ("Lion", dict(learning_rate=0.05, beta_1=0.5, beta_2=0.9)),
}
# A large epsilon tells apart where it sits (inside or outside the square root, ...).
CASES.update({f"{c}_big_eps": (CASES[c][0], {**CASES[c][1], "epsilon": 0.5})
              for c in ("adam", "rmsprop", "rmsprop_centered", "adagrad", "adamax", "nadam")})
ALL = sorted(CASES)
DECAYABLE = [c for c in ALL if CASES[c][0] != "AdamW"]

RNG = np.random.default_rng(1234)
W0 = RNG.normal(size=(3, 4)).astype(np.float32)
B0 = RNG.normal(size=(4,)).astype(np.float32)
# Three steps of gradients; some exact zeros, and shrinking magnitudes (so amsgrad's
# running maximum differs from v).
GRADS = [(RNG.normal(size=(3, 4)).astype(np.float32) * s,
          RNG.normal(size=(4,)).astype(np.float32) * s) for s in (2.0, 1.0, 0.1)]
GRADS[0][0][0, 0] = 0.0
GRADS[1][1][2] = 0.0
TOL = dict(rtol=2e-5, atol=2e-6)


def make(case: str, **extra):
    cls, kw = CASES[case]
    return getattr(keras.optimizers, cls)(**{**kw, **extra}), cls, {**kw, **extra}


def variables():
    return tf.Variable(W0, name="kernel"), tf.Variable(B0, name="bias")


def check(vs, expected):
    for v, e in zip(vs, expected):
        np.testing.assert_allclose(v.numpy(), e, **TOL)


# -- the update formulas ---------------------------------------------------------------------

@pytest.mark.parametrize("case", ALL)
def test_first_three_steps_match_keras_formulas(case):
    opt, cls, kw = make(case)
    w, b = variables()
    oracle = Oracle(cls, kw, [W0, B0])
    for gw, gb in GRADS:
        opt.apply_gradients([(tf.constant(gw), w), (tf.constant(gb), b)])
        check([w, b], oracle.step([gw, gb]))
    assert int(opt.iterations) == 3


@pytest.mark.parametrize("case", ALL)
def test_scalar_and_float64_variables(case):
    opt, cls, kw = make(case)
    s = tf.Variable(0.75, name="scalar")
    d = tf.Variable(B0.astype(np.float64), name="double")
    oracle = Oracle(cls, kw, [0.75, B0])
    for gw, gb in GRADS:
        opt.apply_gradients([(tf.constant(gw[0, 1]), s), (tf.constant(gb, tf.float64), d)])
        check([s, d], oracle.step([gw[0, 1], gb]))
    assert s.shape.rank == 0 and d.dtype == tf.float64


def _loss(w, b):
    return tf.reduce_sum(w * w * 1.5) + tf.reduce_sum(tf.sin(b))


def _loss_grads(p):  # the gradient of _loss, in float64, for the oracle
    return [3.0 * p[0], np.cos(p[1])]


@pytest.mark.parametrize("case", ALL)
def test_compiled_training_step_matches_eager_and_oracle(case):
    results = []
    for compiled in (False, True):
        opt, cls, kw = make(case)
        w, b = variables()

        def train_step():
            with tf.GradientTape() as tape:
                loss = _loss(w, b)
            grads = tape.gradient(loss, [w, b])
            opt.apply_gradients(zip(grads, [w, b]))
            return loss

        step = tf.function(train_step) if compiled else train_step
        oracle = Oracle(cls, kw, [W0, B0])
        for _ in range(3):
            step()
            check([w, b], oracle.step(_loss_grads(oracle.p)))
        assert int(opt.iterations) == 3
        results.append([w.numpy(), b.numpy()] + [s.numpy() for s in opt.variables[2:]])
    for eager, traced in zip(*results):
        np.testing.assert_allclose(traced, eager, rtol=1e-6, atol=1e-7)


def test_defaults_are_keras_defaults():
    for cls, defaults in DEFAULTS.items():
        opt = getattr(keras.optimizers, cls)()
        config = opt.get_config()
        assert config["learning_rate"] == pytest.approx(DEFAULT_LR[cls])
        for key, value in defaults.items():
            assert config[key] == value, (cls, key)


def test_nadam_u_product_is_one_state_for_all_dtypes():
    opt = keras.optimizers.Nadam(0.05)
    w32 = tf.Variable(W0, name="w32")
    w64 = tf.Variable(B0.astype(np.float64), name="w64")
    oracle = Oracle("Nadam", dict(learning_rate=0.05), [W0, B0])
    for gw, gb in GRADS:
        opt.apply_gradients([(tf.constant(gw), w32), (tf.constant(gb, tf.float64), w64)])
        check([w32, w64], oracle.step([gw, gb]))
    u = [v for v in opt.variables if v.name.startswith("u_product")]
    assert len(u) == 1
    assert float(u[0]) == pytest.approx(oracle.u_product, rel=1e-6)
    assert oracle.u_product == pytest.approx(
        math.prod(0.9 * (1 - 0.5 * 0.96 ** t) for t in (1, 2, 3)))


def test_slots_and_variables():
    w, b = variables()
    opt = keras.optimizers.RMSprop(momentum=0.9, centered=True)
    opt.build([w, b])
    for name in ("velocity", "momentum", "average_gradient"):
        assert opt.get_slot(w, name).shape == w.shape
    assert len(opt.variables) == 2 + 3 * 2
    adagrad = keras.optimizers.Adagrad(initial_accumulator_value=0.25)
    adagrad.build([w])
    np.testing.assert_array_equal(adagrad.get_slot(w, "accumulator").numpy(),
                                  np.full((3, 4), 0.25, np.float32))
    with pytest.raises(KeyError, match="accumulator"):
        adagrad.get_slot(w, "momentum")


# -- weight decay -----------------------------------------------------------------------

@pytest.mark.parametrize("case", DECAYABLE)
def test_weight_decay_and_exclusions(case):
    for exclude in ("none", "var_list", "var_names"):
        opt, cls, kw = make(case, weight_decay=0.3)
        w, b = variables()
        if exclude == "var_list":
            opt.exclude_from_weight_decay(var_list=[b])
        elif exclude == "var_names":
            opt.exclude_from_weight_decay(var_names=["bia"])
        oracle = Oracle(cls, kw, [W0, B0], decayed=[True, exclude == "none"])
        for gw, gb in GRADS:
            opt.apply_gradients([(tf.constant(gw), w), (tf.constant(gb), b)])
            check([w, b], oracle.step([gw, gb]))


def test_adamw_needs_decay():
    with pytest.raises(ValueError, match="weight_decay"):
        keras.optimizers.AdamW(weight_decay=None)


# -- clipping ----------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["sgd", "rmsprop", "lion", "nadam"])
@pytest.mark.parametrize("clip", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_gradient_clipping(case, clip):
    limit = 0.7
    opt, cls, kw = make(case, **{clip: limit})
    oracle = Oracle(cls, {k: v for k, v in kw.items() if k != clip}, [W0, B0])
    w, b = variables()
    for gw, gb in GRADS:
        g = [gw.astype(np.float64), gb.astype(np.float64)]
        if clip == "clipnorm":
            g = [x * limit / max(np.linalg.norm(x), limit) for x in g]
        elif clip == "clipvalue":
            g = [np.clip(x, -limit, limit) for x in g]
        else:
            norm = math.sqrt(sum(float(np.sum(x * x)) for x in g))
            g = [x * limit / max(norm, limit) for x in g]
        opt.apply_gradients([(tf.constant(gw), w), (tf.constant(gb), b)])
        check([w, b], oracle.step(g))


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="only one of"):
        keras.optimizers.Adagrad(clipnorm=1.0, clipvalue=1.0)


# -- moving average of the weights ----------------------------------------------------------

@pytest.mark.parametrize("compiled", [False, True])
def test_ema_overwrite_frequency_and_finalize(compiled):
    opt = keras.optimizers.RMSprop(0.05, use_ema=True, ema_momentum=0.9,
                                   ema_overwrite_frequency=2)
    w = tf.Variable(W0, name="w")
    oracle = Oracle("RMSprop", dict(learning_rate=0.05), [W0])
    apply = opt.apply_gradients
    step = tf.function(lambda g: apply([(g, w)])) if compiled else (lambda g: apply([(g, w)]))
    avg = None
    for k, (gw, _) in enumerate(GRADS * 2):
        step(tf.constant(gw))
        (p,) = oracle.step([gw])
        avg = p.copy() if k == 0 else 0.9 * avg + 0.1 * p
        if (k + 1) % 2 == 0:  # Keras: (iterations + 1) % frequency == 0 overwrites
            oracle.p[0] = avg.copy()
            p = avg
        np.testing.assert_allclose(w.numpy(), p, **TOL)
        np.testing.assert_allclose(opt.get_slot(w, "average").numpy(), avg, **TOL)
    opt.apply_gradients([(tf.constant(GRADS[0][0]), w)])  # 7th step: no overwrite
    avg = 0.9 * avg + 0.1 * oracle.step([GRADS[0][0]])[0]
    assert not np.allclose(w.numpy(), avg)
    opt.finalize_variable_values([w])
    np.testing.assert_allclose(w.numpy(), avg, **TOL)


def test_ema_without_overwrite_keeps_weights():
    opt = keras.optimizers.Lion(0.1, use_ema=True)
    w = tf.Variable([1.0, 1.0])
    for _ in range(3):
        opt.apply_gradients([(tf.constant([1.0, -1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.7, 1.3], rtol=1e-6)
    avg = 0.99 * (0.99 * 0.9 + 0.01 * 0.8) + 0.01 * 0.7
    np.testing.assert_allclose(opt.get_slot(w, "average").numpy(), [avg, 2 - avg],
                               rtol=1e-6)


# -- learning rates -----------------------------------------------------------------------

@pytest.mark.parametrize("case", ["sgd_momentum", "adagrad", "nadam", "adamax"])
@pytest.mark.parametrize("compiled", [False, True])
def test_learning_rate_schedule(case, compiled):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2,
                                                           decay_rate=0.5)
    opt, cls, kw = make(case, learning_rate=schedule)
    w, b = variables()
    oracle = Oracle(cls, {k: v for k, v in kw.items() if k != "learning_rate"}, [W0, B0],
                    lr_at=lambda k: 0.1 * 0.5 ** (k / 2))

    def apply(gw, gb):
        opt.apply_gradients([(gw, w), (gb, b)])

    step = tf.function(apply) if compiled else apply
    for gw, gb in GRADS:
        assert float(opt.learning_rate) == pytest.approx(oracle.lr_at(oracle.k), rel=1e-6)
        step(tf.constant(gw), tf.constant(gb))
        check([w, b], oracle.step([gw, gb]))
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.5


@pytest.mark.parametrize("compiled", [False, True])
def test_learning_rate_is_settable(compiled):
    opt = keras.optimizers.RMSprop(0.1)
    w = tf.Variable([1.0, -2.0])
    step = tf.function(lambda g: opt.apply([g], [w])) if compiled else (
        lambda g: opt.apply([g], [w]))
    oracle = Oracle("RMSprop", dict(learning_rate=0.1), [w.numpy()])
    g = np.array([0.5, -1.5], np.float32)
    step(tf.constant(g))
    oracle.step([g])
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5 and float(opt.lr) == 0.5
    oracle.lr_at = lambda k: 0.5
    step(tf.constant(g))  # the compiled step reads the new rate (a Variable)
    np.testing.assert_allclose(w.numpy(), oracle.step([g])[0], **TOL)
    with pytest.raises(TypeError, match="learning_rate"):
        opt.learning_rate = "fast"


def test_legacy_lr_keyword():
    with pytest.warns(DeprecationWarning, match="lr"):
        opt = keras.optimizers.Adagrad(lr=0.5)
    assert float(opt.learning_rate) == 0.5
    w = tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([2.0]), w)])
    np.testing.assert_allclose(w.numpy(), [1 - 0.5 * 2 / math.sqrt(4.1 + 1e-7)], rtol=1e-6)


# -- gradients: None, wrong shapes, entry points ----------------------------------------------

def test_none_gradient_warns_and_updates_the_others():
    opt = keras.optimizers.Nadam(0.1)
    w, b = variables()
    with pytest.warns(UserWarning, match="bias"):
        opt.apply_gradients([(tf.constant(GRADS[0][0]), w), (None, b)])
    np.testing.assert_array_equal(b.numpy(), B0)
    check([w], Oracle("Nadam", dict(learning_rate=0.1), [W0]).step([GRADS[0][0]]))
    assert int(opt.iterations) == 1


@pytest.mark.parametrize("case", ["rmsprop_centered", "adadelta", "lion", "adam",
                                  "nadam"])
def test_wrong_gradient_shape_changes_nothing(case):
    opt, _, _ = make(case)
    w, b = variables()
    opt.apply_gradients([(tf.constant(GRADS[0][0]), w), (tf.constant(GRADS[0][1]), b)])
    before = [v.numpy().copy() for v in [w, b, *opt.variables]]
    with pytest.raises(ValueError, match="bias"):
        opt.apply_gradients([(tf.constant(GRADS[1][0]), w), (tf.ones((5,)), b)])
    for v, old in zip([w, b, *opt.variables], before):
        np.testing.assert_array_equal(v.numpy(), old)


def test_apply_apply_gradients_and_minimize():
    g = np.array([0.5, -1.0], np.float32)
    outs = []
    for entry in ("apply_gradients", "apply", "apply_built", "minimize_callable",
                  "minimize_tape"):
        opt = keras.optimizers.Adamax(0.1)
        w = tf.Variable([1.0, 2.0], name="w")
        c = tf.constant(g)
        for _ in range(2):
            if entry == "apply_gradients":
                opt.apply_gradients([(c, w)])
            elif entry == "apply":
                opt.apply([c], [w])
            elif entry == "apply_built":
                opt.build([w])
                opt.apply([c])
            elif entry == "minimize_callable":
                opt.minimize(lambda: tf.reduce_sum(w * c), [w])
            else:
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * c)
                opt.minimize(loss, [w], tape=tape)
        assert int(opt.iterations) == 2
        outs.append(w.numpy())
    oracle = Oracle("Adamax", dict(learning_rate=0.1), [[1.0, 2.0]])
    oracle.step([g])
    expected = oracle.step([g])[0]
    for out in outs:
        np.testing.assert_allclose(out, expected, **TOL)


def test_minimize_loss_tensor_needs_tape():
    opt = keras.optimizers.Lion()
    w = tf.Variable([1.0])
    with pytest.raises(ValueError, match="tape"):
        opt.minimize(tf.constant(1.0), [w])


def test_iterations_count_steps_not_variables():
    opt = keras.optimizers.Adadelta()
    w, b = variables()
    assert int(opt.iterations) == 0
    for k in range(1, 4):
        opt.apply_gradients([(tf.constant(GRADS[0][0]), w), (tf.constant(GRADS[0][1]), b)])
        assert int(opt.iterations) == k
    opt.apply_gradients([])  # nothing to apply: no step
    assert int(opt.iterations) == 3


# -- config --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ALL)
def test_config_round_trip(case):
    opt, cls, kw = make(case, clipnorm=2.0, use_ema=True, ema_overwrite_frequency=3)
    config = opt.get_config()
    for key, value in {**DEFAULTS[cls], **kw}.items():
        assert config[key] == pytest.approx(value), key
    assert config["name"] == opt.name
    clone = type(opt).from_config(config)
    assert type(clone) is type(opt) and clone.get_config() == config
    data = keras.optimizers.serialize(opt)
    assert data["class_name"] == cls
    back = keras.optimizers.deserialize(data)
    assert type(back) is type(opt) and back.get_config() == config


def test_config_with_schedule_and_get():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    opt = keras.optimizers.Nadam(learning_rate=schedule, beta_2=0.99)
    back = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert isinstance(back.get_config()["learning_rate"], dict)
    assert back.get_config() == opt.get_config()
    assert float(back.learning_rate) == pytest.approx(0.1)
    for name, cls in [("rmsprop", O.RMSprop), ("Adagrad", O.Adagrad),
                      ("adadelta", O.Adadelta), ("adamax", O.Adamax), ("Nadam", O.Nadam),
                      ("lion", O.Lion)]:
        assert type(keras.optimizers.get(name)) is cls
        assert keras.optimizers.get(cls).name == name.lower()
    with pytest.raises(ValueError, match="optimizer identifier"):
        keras.optimizers.get("adamm")


def test_legacy_namespace():
    legacy = keras.optimizers.legacy
    for name in ("SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
                 "Optimizer"):
        assert getattr(legacy, name) is getattr(keras.optimizers, name)
    with pytest.raises(NotImplementedError, match="Ftrl"):
        legacy.Ftrl  # noqa: B018


@pytest.mark.parametrize("call, match", [
    (lambda: O.Lion(beta_1=0.0), "beta_1"),
    (lambda: O.RMSprop(rho=1.5), "rho"),
    (lambda: O.RMSprop(momentum=-0.1), "momentum"),
    (lambda: O.Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: O.Adamax(epsilon="small"), "epsilon"),
    (lambda: O.Nadam(beta_2=2.0), "beta_2"),
    (lambda: O.Adadelta(foo=1), "foo"),
])
def test_bad_hyperparameters(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# -- in place: same buffers, copy on write ---------------------------------------------------

@pytest.mark.parametrize("case", ALL)
def test_compiled_step_updates_buffers_in_place(case):
    opt, _, _ = make(case)
    w, b = variables()

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = _loss(w, b)
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))

    train_step()  # builds the slots and traces
    gc.collect()
    # every weight and slot (not the scalar state: iterations, learning rate, u_product)
    state = [w, b, *[v for v in opt.variables if v.shape.rank]]
    buffers = [weakref.ref(v._value) for v in state]
    train_step()
    train_step()
    for ref, v in zip(buffers, state):
        assert ref() is v._value, v.name
    old = w.value()
    old_values = old.numpy().copy()
    train_step()
    np.testing.assert_array_equal(old.numpy(), old_values)
    assert not np.array_equal(w.numpy(), old_values)


def test_no_warnings_in_a_normal_step():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case in ALL:
            opt, _, _ = make(case)
            w, b = variables()
            opt.apply_gradients([(tf.constant(GRADS[0][0]), w),
                                 (tf.constant(GRADS[0][1]), b)])
