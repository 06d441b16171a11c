"""keras.layers: Bidirectional (every merge_mode, return_state, masks, initial states, a
backward_layer) and ConvLSTM1D/2D/3D against real Keras 3 (NumPy backend) with the same
weights; `.keras` files of RNN(cell), StackedRNNCells, Bidirectional, ConvLSTM2D and a
registered user cell both ways between ember and Keras 3; a Bidirectional LSTM that
learns with compiled fit."""

from __future__ import annotations

import numpy as np
import pytest

from ember import keras
from tests.keras3_oracle import assert_same, keras3

L = keras.layers
R = np.random.default_rng(7)
# Keras 3's NumPy-backend variables warn about np.array(copy=...) under NumPy 2
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def x32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def _flat(o):
    if isinstance(o, (list, tuple)):
        return [z for y in o for z in _flat(y)]
    return [o.numpy() if hasattr(o, "numpy") else np.asarray(o)]


def _check(make, x, **call):
    """`make(layers)` in ember and Keras 3 (Keras' weights copied): the same outputs."""
    K = keras3()
    ours, theirs = make(L), make(K.layers)
    want = theirs(x, **call)
    ours(x, **call)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    got = ours(x, **call)
    assert_same(_flat(got), _flat(want), rtol=1e-5, atol=1e-6, check_dtype=False)
    return ours, got


# -- Bidirectional ----------------------------------------------------------------------

MODES = ["concat", "sum", "mul", "ave", None]


@pytest.mark.parametrize("mode", MODES, ids=[str(m) for m in MODES])
@pytest.mark.parametrize("inner", ["LSTM_seq", "GRU_state", "RNN_cell_all"])
def test_bidirectional_merge_modes_match_keras3(mode, inner):
    make = {"LSTM_seq": lambda L: L.LSTM(3, return_sequences=True),
            "GRU_state": lambda L: L.GRU(3, return_state=True),
            "RNN_cell_all": lambda L: L.RNN(L.LSTMCell(2), return_sequences=True,
                                            return_state=True)}[inner]
    layer, got = _check(lambda L: L.Bidirectional(make(L), merge_mode=mode), x32(2, 5, 4))
    n_out = 2 if mode is None else 1
    n_states = {"LSTM_seq": 0, "GRU_state": 2, "RNN_cell_all": 4}[inner]
    assert len(_flat(got)) == n_out + n_states
    fw, bw = layer.forward_layer, layer.backward_layer
    assert fw.name.startswith("forward_") and bw.name.startswith("backward_")
    assert not fw.go_backwards and bw.go_backwards
    assert layer.weights[0] is fw.weights[0] and layer.weights[len(fw.weights)] is bw.weights[0]


def test_bidirectional_masks_initial_state_and_backward_layer_match_keras3():
    x = x32(3, 5, 4)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)
    _check(lambda L: L.Bidirectional(L.LSTM(3, return_sequences=True)), x, mask=mask)
    _check(lambda L: L.Bidirectional(L.GRU(3), merge_mode="sum"), x, mask=mask)
    _check(lambda L: L.Bidirectional(L.RNN(L.SimpleRNNCell(3), return_sequences=True),
                                     merge_mode=None), x, mask=mask)
    h0 = [x32(3, 3) for _ in range(4)]
    _check(lambda L: L.Bidirectional(L.LSTM(3, return_state=True)), x, initial_state=h0)
    layer, _ = _check(lambda L: L.Bidirectional(
        L.LSTM(3, return_sequences=True),
        backward_layer=L.GRU(2, return_sequences=True, go_backwards=True)), x)
    assert type(layer.backward_layer).__name__ == "GRU"


def test_bidirectional_embedding_mask_model_matches_keras3():
    K = keras3()
    tokens = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 7]], "int32")

    def build(lib):
        inp = lib.Input((5,), dtype="int32")
        h = lib.layers.Embedding(10, 4, mask_zero=True)(inp)
        h = lib.layers.Bidirectional(lib.layers.LSTM(3, return_sequences=True))(h)
        h = lib.layers.Bidirectional(lib.layers.GRU(2), merge_mode="ave")(h)
        return lib.Model(inp, lib.layers.Dense(1)(h))

    ours, theirs = build(keras), build(K)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(tokens, verbose=0),
                               theirs.predict(tokens, verbose=0), rtol=1e-5, atol=1e-6)


def test_bidirectional_symbolic_shapes_masks_and_config():
    inp = keras.Input((6, 4))
    bi = L.Bidirectional(L.LSTM(3, return_sequences=True, return_state=True), name="bi")
    out, hf, cf, hb, cb = bi(inp)
    assert tuple(out.shape) == (None, 6, 6) and tuple(cb.shape) == (None, 3)
    m = keras.layers.Masking()(inp)
    seq = L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode=None)(m)
    assert all(s._keras_mask is not None for s in seq)
    cfg = bi.get_config()
    assert cfg["layer"]["config"]["name"].startswith("forward_lstm")
    assert cfg["backward_layer"]["config"]["go_backwards"] is True
    clone = L.Bidirectional.from_config(cfg)
    assert clone.get_config() == cfg
    again = L.deserialize(L.serialize(bi))
    x = x32(2, 6, 4)
    again.build(x.shape)
    again.set_weights(bi.get_weights())
    for a, b in zip(_flat(again(x)), _flat(bi(x))):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_bidirectional_stateful():
    x = x32(2, 4, 3)
    bi = L.Bidirectional(L.LSTM(2, stateful=True))
    first = bi(x).numpy()
    assert len(bi.states) == 4
    assert not np.allclose(bi(x).numpy(), first)  # started from the kept states
    bi.reset_states()
    np.testing.assert_allclose(bi(x).numpy(), first, rtol=1e-6)


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="must be a recurrent keras Layer"):
        L.Bidirectional(L.Dense(3))
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="different go_backwards"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2))
    with pytest.raises(ValueError, match="same return_sequences"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2, go_backwards=True,
                                                         return_sequences=True))
    with pytest.raises(ValueError, match=r'"b" \(Bidirectional\): initial_state .* even'):
        L.Bidirectional(L.GRU(2), name="b")(x32(1, 3, 2), initial_state=[x32(1, 2)] * 3)


# -- ConvLSTM ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,shape", [
    (lambda L: L.ConvLSTM2D(3, 3, return_sequences=True), (2, 3, 6, 6, 2)),
    (lambda L: L.ConvLSTM2D(2, (3, 2), padding="same", strides=2, return_state=True,
                            go_backwards=True), (2, 3, 7, 6, 2)),
    (lambda L: L.ConvLSTM2D(2, 3, data_format="channels_first", use_bias=False),
     (1, 2, 3, 5, 5)),
    (lambda L: L.ConvLSTM1D(2, 3, dilation_rate=2, return_sequences=True), (2, 3, 8, 2)),
    (lambda L: L.ConvLSTM3D(2, 2, padding="same"), (1, 2, 3, 4, 3, 2)),
], ids=["2d_seq", "2d_same_strides_state", "2d_channels_first", "1d_dilated", "3d"])
def test_conv_lstm_matches_keras3(make, shape):
    layer, _ = _check(make, x32(*shape))
    assert [w.name.split("/")[-1].split(":")[0] for w in layer.weights] == \
        ["kernel", "recurrent_kernel", "bias"][:len(layer.weights)]


def test_conv_lstm_mask_bidirectional_and_errors():
    x = x32(2, 3, 5, 5, 1)
    mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    conv = L.ConvLSTM2D(2, 3, return_sequences=True)  # Keras 3's NumPy backend can't mask it
    plain, masked = conv(x).numpy(), conv(x, mask=mask).numpy()
    np.testing.assert_allclose(masked[1], plain[1], rtol=1e-6)
    np.testing.assert_allclose(masked[0, :2], plain[0, :2], rtol=1e-6)
    np.testing.assert_allclose(masked[0, 2], plain[0, 1], rtol=1e-6)  # the masked step
    _check(lambda L: L.Bidirectional(L.ConvLSTM2D(2, 3, padding="same")), x)
    layer = L.ConvLSTM2D(2, 3, name="c")
    assert layer.filters == 2 and layer.kernel_size == (3, 3) and layer.padding == "valid"
    with pytest.raises(ValueError, match=r'"c".*spatial and channel dims must be known'):
        layer(keras.Input((3, None, 5, 1)))
    with pytest.raises(ValueError, match=r"ndim|rank"):
        L.ConvLSTM2D(2, 3)(x32(2, 3, 5, 1))
    with pytest.raises(ValueError, match="does not fit the spatial dims"):
        L.ConvLSTM2D(2, 5)(x32(1, 2, 3, 3, 1))
    with pytest.raises(ValueError, match="strides > 1 cannot be combined"):
        L.ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    cfg = L.ConvLSTM2D(2, 3, return_sequences=True, dropout=0.1).get_config()
    assert "cell" not in cfg and cfg["kernel_size"] == (3, 3)
    assert L.ConvLSTM2D.from_config(cfg).get_config() == cfg


# -- .keras files both ways --------------------------------------------------------------

@keras.saving.register_keras_serializable(package="rnn_test", name="ScaledCell")
class ScaledCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, inputs, states):
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.kernel) + 0.5 * states[0])
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _k3_scaled_cell(K):
    @K.saving.register_keras_serializable(package="rnn_test", name="ScaledCell")
    class KScaledCell(K.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size = units, units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs, states):
            h = K.ops.tanh(K.ops.matmul(inputs, self.kernel) + 0.5 * states[0])
            return h, [h]

        def get_config(self):
            return {**super().get_config(), "units": self.units}
    return KScaledCell


SAVED = {
    "RNN_LSTMCell": (lambda L, K: L.RNN(L.LSTMCell(3), return_sequences=True), (5, 4)),
    "Stacked": (lambda L, K: L.RNN(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2),
                                                      L.LSTMCell(2)])), (5, 4)),
    "Bidirectional": (lambda L, K: L.Bidirectional(L.LSTM(3, return_sequences=True),
                                                   merge_mode="ave"), (5, 4)),
    "Bidirectional_cell": (lambda L, K: L.Bidirectional(L.RNN(L.GRUCell(2))), (5, 4)),
    "ConvLSTM2D": (lambda L, K: L.ConvLSTM2D(2, 3, return_sequences=True), (3, 6, 6, 2)),
    "user_cell": (lambda L, K: L.RNN(ScaledCell(3) if K is None else _k3_scaled_cell(K)(3),
                                     go_backwards=True), (5, 4)),
}


@pytest.mark.parametrize("name", sorted(SAVED))
def test_keras_files_both_ways(tmp_path, name):
    K = keras3()
    _k3_scaled_cell(K)  # Keras 3 knows the user cell before reading ember's file
    make, shape = SAVED[name]
    x = x32(2, *shape)
    ours = keras.Sequential([keras.Input(shape), make(L, None)])
    ours.save(str(tmp_path / "e.keras"))  # ember writes, Keras 3 and ember read
    loaded = K.models.load_model(str(tmp_path / "e.keras"))
    want = ours.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    back = keras.models.load_model(str(tmp_path / "e.keras"))
    np.testing.assert_allclose(back.predict(x, verbose=0), want, rtol=1e-6, atol=1e-7)
    assert type(back.layers[-1]).__name__ == type(ours.layers[-1]).__name__
    theirs = K.Sequential([K.Input(shape), make(K.layers, K)])  # Keras 3 writes
    theirs.save(str(tmp_path / "k.keras"))
    read = keras.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(read.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_bidirectional_lstm_fit_loss_decreases():
    x = x32(16, 6, 3)
    y = (x[:, :, 0].sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((6, 3)),
                              L.Bidirectional(L.LSTM(4, dropout=0.1)),
                              L.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    losses = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0] * 0.9, losses
