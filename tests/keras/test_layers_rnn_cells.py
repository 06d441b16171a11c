"""keras.layers: RNN(cell) with SimpleRNNCell / LSTMCell / GRUCell, StackedRNNCells and a
user-defined cell, against real Keras 3 (NumPy backend) with the same weights; masks,
go_backwards, initial states, an unknown number of steps (while_loop, ember.function,
JAX), stateful=True and reset_states, dropout only when training, float64
finite-difference gradients, configs and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.helpers import numeric_gradient
from tests.keras3_oracle import assert_same, keras3

L = keras.layers
R = np.random.default_rng(5)
# Keras 3's NumPy-backend variables warn about np.array(copy=...) under NumPy 2
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def x32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def _flat(o):
    if isinstance(o, (list, tuple)):
        return [z for y in o for z in _flat(y)]
    return [o.numpy() if hasattr(o, "numpy") else np.asarray(o)]


def _pair(make, x, **call):
    """(ember output, Keras 3 output) of `make(layers)` built on `x`, Keras 3's weights
    copied into ember's layer."""
    K = keras3()
    ours, theirs = make(L), make(K.layers)
    expected = theirs(x, **call)
    ours(x, **call)
    ours.set_weights(theirs.get_weights())
    return ours(x, **call), expected


def _check(make, x, **call):
    got, want = _pair(make, x, **call)
    assert_same(_flat(got), _flat(want), rtol=1e-5, atol=1e-6, check_dtype=False)
    return got


CELLS = {
    "SimpleRNNCell": lambda L: L.SimpleRNNCell(3),
    "LSTMCell": lambda L: L.LSTMCell(3),
    "GRUCell": lambda L: L.GRUCell(3),
    "GRUCell_reset_before": lambda L: L.GRUCell(3, reset_after=False),
    "LSTMCell_relu_nobias": lambda L: L.LSTMCell(2, activation="relu", use_bias=False),
}
OPTIONS = [{}, {"return_sequences": True}, {"return_state": True, "go_backwards": True},
           {"return_sequences": True, "return_state": True, "go_backwards": True}]


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("opts", OPTIONS, ids=["last", "seq", "state_back", "all"])
def test_rnn_cell_matches_keras3(cell, opts):
    _check(lambda L: L.RNN(CELLS[cell](L), **opts), x32(2, 5, 4))


def test_cell_weights_layout_and_step_both_ways():
    K = keras3()
    for name in ("LSTMCell", "GRUCell", "SimpleRNNCell"):
        ours, theirs = CELLS[name](L), CELLS[name](K.layers)
        ours.build((None, 4))
        theirs.build((None, 4))
        assert [tuple(w.shape) for w in ours.weights] == \
            [tuple(w.shape) for w in theirs.weights]
        assert [w.name.split("/")[-1].split(":")[0] for w in ours.weights] == \
            ["kernel", "recurrent_kernel", "bias"]
        theirs.set_weights(ours.get_weights())  # ember -> Keras 3
        x = x32(2, 4)
        states = [x32(2, 3) for _ in range(2 if name == "LSTMCell" else 1)]
        assert_same(_flat(ours(x, states)), _flat(theirs(x, states)), check_dtype=False)
    lstm = L.LSTMCell(2)
    lstm.build((None, 3))
    np.testing.assert_array_equal(lstm.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])


def test_stacked_cells_and_list_of_cells_match_keras3():
    x = x32(2, 4, 3)
    got = _check(lambda L: L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2),
                                                    L.SimpleRNNCell(2)]),
                                 return_state=True, return_sequences=True), x)
    assert len(got) == 4 and len(got[1]) == 2  # output, [h, c], [h], [h] as Keras 3
    _check(lambda L: L.RNN([L.GRUCell(3, reset_after=False), L.LSTMCell(2)],
                           go_backwards=True), x)
    stacked = L.StackedRNNCells([L.LSTMCell(3), L.SimpleRNNCell(2)])
    assert stacked.state_size == [[3, 3], 2] and stacked.output_size == 2


def test_masks_and_initial_state_match_keras3():
    x = x32(3, 5, 4)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool)
    for opts in ({"return_sequences": True, "return_state": True},
                 {"return_sequences": True, "go_backwards": True},
                 {"return_sequences": True, "zero_output_for_mask": True}):
        _check(lambda L: L.RNN(L.LSTMCell(3), **opts), x, mask=mask)
    _check(lambda L: L.RNN([L.GRUCell(2), L.LSTMCell(3)]), x, mask=mask)
    h0 = [x32(3, 3), x32(3, 3)]
    _check(lambda L: L.RNN(L.LSTMCell(3), return_state=True), x, initial_state=h0)


def test_embedding_mask_zero_functional_model_matches_keras3():
    K = keras3()
    tokens = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 0]], "int32")

    def build(lib):
        inp = lib.Input((5,), dtype="int32")
        h = lib.layers.Embedding(10, 4, mask_zero=True)(inp)
        h = lib.layers.RNN(lib.layers.GRUCell(3), return_sequences=True)(h)
        return lib.Model(inp, lib.layers.RNN(lib.layers.LSTMCell(2))(h))

    ours, theirs = build(keras), build(K)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(tokens, verbose=0),
                               theirs.predict(tokens, verbose=0), rtol=1e-5, atol=1e-6)


# -- a user-defined cell -----------------------------------------------------------------

def _minimal_cell(lib):
    """The minimal RNN cell of the Keras docs (and a two-state variant), for `lib`."""

    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = lib.ops.matmul(inputs, self.kernel)
            output = h + lib.ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return MinimalRNNCell


class TwoStateCell(keras.layers.Layer):
    """Two states of different sizes, an output_size, no get_initial_state."""

    state_size = [2, 3]
    output_size = 3

    def call(self, inputs, states):
        a, b = states
        new_a = a + tf.reduce_sum(inputs, axis=-1, keepdims=True)
        new_b = b * 0.5 + tf.reduce_mean(new_a, axis=-1, keepdims=True)
        return new_b, [new_a, new_b]


def test_user_cell_matches_keras3_and_numpy():
    K = keras3()
    x = x32(2, 4, 3)
    ours = keras.layers.RNN(_minimal_cell(keras)(2), return_sequences=True)
    theirs = K.layers.RNN(_minimal_cell(K)(2), return_sequences=True)
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    assert_same(ours(x), theirs(x), check_dtype=False)
    out, a, b = keras.layers.RNN(TwoStateCell(), return_state=True)(x)
    np.testing.assert_allclose(a.numpy(), x.sum(axis=(1, 2))[:, None] * np.ones((1, 2)),
                               rtol=1e-5)
    assert tuple(out.shape) == (2, 3) and tuple(b.shape) == (2, 3)


# -- unknown number of steps, ember.function, JAX ----------------------------------------

@pytest.mark.parametrize("opts", [{"return_sequences": True, "go_backwards": True},
                                  {"return_state": True}])
def test_unknown_time_dim_while_loop_same_values_and_gradients(opts):
    layer = L.RNN([L.LSTMCell(3), L.GRUCell(2)], **opts)
    x = x32(2, 5, 4)
    eager = _flat(layer(x))
    inp = keras.Input((None, 4))
    sym = layer(inp)
    if opts.get("return_sequences"):
        assert tuple(sym.shape) == (None, None, 2)
    preds = keras.Model(inp, sym).predict(x, verbose=0)
    for a, b in zip(_flat(preds), eager):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    mask = tf.constant(np.array([[1, 1, 0, 1, 1], [1, 0, 0, 0, 1]], bool))

    def grads(xt):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = layer(xt, mask=mask)
            loss = tf.reduce_sum(tf.square(out[0] if isinstance(out, list) else out))
        return tape.gradient(loss, [xt] + layer.trainable_weights)

    ref = grads(tf.constant(x))
    dyn = tf.function(grads, input_signature=[tf.TensorSpec([None, None, 4], tf.float32)])
    for a, b in zip(dyn(tf.constant(x)), ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    pytest.importorskip("jax")
    jit = tf.function(grads, jit_compile=True)
    for a, b in zip(jit(tf.constant(x)), ref):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


# -- stateful ---------------------------------------------------------------------------

STATEFUL = {"RNN(LSTMCell)": lambda **k: L.RNN(L.LSTMCell(3), **k),
            "stacked": lambda **k: L.RNN([L.GRUCell(3), L.LSTMCell(2)], **k),
            "LSTM": lambda **k: L.LSTM(3, **k), "GRU": lambda **k: L.GRU(3, **k)}


@pytest.mark.parametrize("kind", sorted(STATEFUL))
def test_stateful_keeps_states_across_calls_and_reset(kind):
    x = x32(2, 6, 4)
    full, st = STATEFUL[kind](), STATEFUL[kind](stateful=True)
    full.build(x.shape)
    st.build(x.shape)
    st.set_weights(full.get_weights())
    assert len(st.weights) == len(full.weights)  # the states are not weights
    want = full(x).numpy()
    st(x[:, :2])
    st(x[:, 2:4])
    np.testing.assert_allclose(st(x[:, 4:]).numpy(), want, rtol=1e-5, atol=1e-6)
    assert any(np.abs(s.numpy()).sum() > 0 for s in st.states)
    st.reset_states()
    assert all(not s.numpy().any() for s in st.states)
    np.testing.assert_allclose(st(x).numpy(), want, rtol=1e-5, atol=1e-6)
    st.reset_states()
    step = tf.function(lambda a: st(a))  # traced: the states are still carried
    step(tf.constant(x[:, :3]))
    np.testing.assert_allclose(step(tf.constant(x[:, 3:])).numpy(), want, rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="batches of 2.*received a batch of 3"):
        st(x32(3, 2, 4))


def test_stateful_errors():
    with pytest.raises(ValueError, match="fixed batch size.*batch_shape"):
        L.RNN(L.LSTMCell(2), stateful=True)(keras.Input((3, 4)))
    with pytest.raises(AttributeError, match="not stateful"):
        L.RNN(L.LSTMCell(2)).reset_states()


# -- dropout ----------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda **k: L.RNN(L.LSTMCell(4, **k), return_sequences=True),
    lambda **k: L.RNN([L.GRUCell(4, **k), L.SimpleRNNCell(3, **k)], return_sequences=True),
    lambda **k: L.LSTM(4, return_sequences=True, **k),
    lambda **k: L.GRU(4, return_sequences=True, reset_after=False, **k),
    lambda **k: L.SimpleRNN(4, return_sequences=True, **k)],
    ids=["RNN(LSTMCell)", "stacked", "LSTM", "GRU", "SimpleRNN"])
def test_dropout_only_when_training(make):
    x = x32(3, 5, 4)
    plain, drop = make(), make(dropout=0.4, recurrent_dropout=0.3, seed=3)
    plain.build(x.shape)
    drop.build(x.shape)
    drop.set_weights(plain.get_weights())
    want = plain(x).numpy()
    np.testing.assert_allclose(drop(x).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(drop(x, training=False).numpy(), want, rtol=1e-6)
    a, b = drop(x, training=True).numpy(), drop(x, training=True).numpy()
    assert not np.allclose(a, want) and not np.allclose(a, b)


def test_dropout_mask_is_the_same_at_every_step():
    cell = L.SimpleRNNCell(6, activation=None, use_bias=False, dropout=0.5)
    rnn = L.RNN(cell, return_sequences=True)
    x = np.ones((4, 5, 6), np.float32)
    rnn.build(x.shape)
    rnn.set_weights([np.eye(6, dtype=np.float32), np.zeros((6, 6), np.float32)])
    out = rnn(x, training=True).numpy()
    assert set(np.unique(out).tolist()) <= {0.0, 2.0}
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 5, axis=1))


# -- gradients --------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: L.RNN(L.LSTMCell(2, dtype="float64"),
                                                return_sequences=True, dtype="float64"),
                                  lambda: L.RNN([L.GRUCell(2, dtype="float64"),
                                                 L.SimpleRNNCell(2, dtype="float64")],
                                                dtype="float64")],
                         ids=["LSTMCell", "stacked"])
def test_gradients_vs_finite_differences_float64(make):
    layer = make()
    x = R.standard_normal((2, 3, 2))
    layer.build(x.shape)
    weights = [w + 0.3 * R.standard_normal(w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    proj = R.standard_normal(tuple(layer(x).shape))

    def loss(xv, ws):
        layer.set_weights(ws)
        return float(np.sum(layer(xv).numpy() * proj))

    layer.set_weights(weights)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(layer(xt) * proj)
    grads = tape.gradient(total, [xt] + layer.trainable_weights)
    num_x = numeric_gradient(lambda v: loss(v, weights), x)
    np.testing.assert_allclose(grads[0].numpy(), num_x, rtol=1e-6, atol=1e-8)
    for k, g in enumerate(grads[1:]):
        def f(v, k=k):
            ws = list(weights)
            ws[k] = v
            return loss(x, ws)
        np.testing.assert_allclose(g.numpy(), numeric_gradient(f, weights[k]), rtol=1e-6,
                                   atol=1e-8)


# -- configs and errors -----------------------------------------------------------------

def test_config_round_trips_with_nested_cells():
    layer = L.RNN([L.LSTMCell(3, dropout=0.1, seed=2), L.GRUCell(2, reset_after=False)],
                  return_sequences=True, go_backwards=True, zero_output_for_mask=True,
                  name="r")
    cfg = layer.get_config()
    assert cfg["cell"]["class_name"] == "StackedRNNCells"
    assert [c["class_name"] for c in cfg["cell"]["config"]["cells"]] == ["LSTMCell",
                                                                         "GRUCell"]
    clone = L.RNN.from_config(cfg)
    assert clone.get_config() == cfg
    again = L.deserialize(L.serialize(layer))
    assert type(again) is L.RNN and again.get_config() == cfg
    x = x32(2, 3, 4)
    layer.build(x.shape)
    again.build(x.shape)
    again.set_weights(layer.get_weights())
    np.testing.assert_allclose(again(x).numpy(), layer(x).numpy())
    K = keras3()
    theirs = K.layers.LSTMCell(3, dropout=0.1, seed=2).get_config()
    ours = L.LSTMCell(3, dropout=0.1, seed=2).get_config()
    assert set(theirs) == set(ours)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(3))
    with pytest.raises(ValueError, match="units must be a positive int"):
        L.LSTMCell(0)
    with pytest.raises(ValueError, match="dropout must be a float in"):
        L.GRUCell(2, dropout=2.0)
    rnn = L.RNN(L.LSTMCell(2), name="r")
    with pytest.raises(ValueError, match=r'"r".*ndim|"r".*rank|min_ndim'):
        rnn(x32(2, 3))
    with pytest.raises(ValueError, match=r'"r" \(RNN\): initial_state must be 2 tensor'):
        rnn(x32(2, 3, 4), initial_state=[x32(2, 2)])
    with pytest.raises(ValueError, match=r"shape \(batch,\) \+ \(2,\), received \(2, 5\)"):
        rnn(x32(2, 3, 4), initial_state=[x32(2, 5), x32(2, 2)])
    with pytest.raises(ValueError, match="mask must have shape"):
        rnn(x32(2, 3, 4), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="unroll=True needs a known number of time steps"):
        L.RNN(L.SimpleRNNCell(2), unroll=True)(keras.Input((None, 3)))
    cell = L.GRUCell(2, name="g")
    cell.build((None, 3))
    with pytest.raises(ValueError, match=r'"g" \(GRUCell\): expected one time step of shape '
                                         r"\(batch, 3\), received \(2, 5, 3\)"):
        cell(x32(2, 5, 3), [x32(2, 2)])
    with pytest.raises(ValueError, match="one state entry per cell"):
        L.StackedRNNCells([L.GRUCell(2), L.GRUCell(2)])(x32(2, 3), [x32(2, 2)])
    with pytest.raises(ValueError, match="expects 1 input"):
        L.RNN(L.GRUCell(2))([x32(2, 3, 4), x32(2, 3, 4)])
