"""Keras masking (tf.keras 2 semantics): Embedding(mask_zero), Masking, mask propagation
through layers and models, masked GlobalAveragePooling1D and recurrent layers, and loss
masking in fit / evaluate. Oracles are NumPy formulas written here."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.engine.masking import get_mask


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- NumPy references of the recurrent layers under a mask ------------------------------
def _np_rnn(kind, weights, x, mask, units, go_backwards=False):
    """(sequence of outputs, final states) with tf.keras 2's mask rule: a masked step keeps
    the states, and its output repeats the previous output (zeros at first)."""
    k, rk, b = weights
    batch, steps, _ = x.shape
    states = [np.zeros((batch, units))] * (2 if kind == "LSTM" else 1)
    prev = np.zeros((batch, units))
    outs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    u = units
    for t in order:
        xt = x[:, t]
        if kind == "LSTM":
            h, c = states
            z = xt @ k + h @ rk + b
            i, f, o = _sigmoid(z[:, :u]), _sigmoid(z[:, u:2 * u]), _sigmoid(z[:, 3 * u:])
            c2 = f * c + i * np.tanh(z[:, 2 * u:3 * u])
            new = [o * np.tanh(c2), c2]
        elif kind == "GRU":  # reset_after=True: b has rows (input bias, recurrent bias)
            (h,) = states
            xw = xt @ k + b[0]
            inner = h @ rk + b[1]
            zg = _sigmoid(xw[:, :u] + inner[:, :u])
            r = _sigmoid(xw[:, u:2 * u] + inner[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + r * inner[:, 2 * u:])
            new = [zg * h + (1 - zg) * hh]
        else:
            new = [np.tanh(xt @ k + states[0] @ rk + b)]
        m = mask[:, t][:, None]
        states = [np.where(m, n, s) for n, s in zip(new, states)]
        prev = np.where(m, new[0], prev)
        outs.append(prev)
    return np.stack(outs, 1), states


MASK_END = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
MASK_MIDDLE = np.array([[1, 0, 1, 0, 1], [0, 0, 1, 1, 0], [1, 1, 0, 1, 1]], bool)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("mask", [MASK_END, MASK_MIDDLE], ids=["end", "middle"])
def test_rnn_mask_matches_numpy(kind, mask):
    x = np.random.RandomState(1).randn(3, 5, 4)
    layer = getattr(keras.layers, kind)(3, return_sequences=True, return_state=True,
                                        bias_initializer="glorot_uniform", dtype="float64")
    out = layer(x, mask=mask)
    seq, states = _np_rnn(kind, layer.get_weights(), x, mask, 3)
    np.testing.assert_allclose(out[0].numpy(), seq, rtol=1e-10, atol=1e-12)
    for got, want in zip(out[1:], states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(out[0]._keras_mask.numpy(), mask)  # sequence keeps it
    assert get_mask(out[1]) is None


def test_rnn_mask_go_backwards_and_last_output():
    x = np.random.RandomState(2).randn(3, 5, 2)
    layer = keras.layers.GRU(2, go_backwards=True, dtype="float64")
    out = layer(x, mask=MASK_MIDDLE)
    seq, _ = _np_rnn("GRU", layer.get_weights(), x, MASK_MIDDLE, 2, go_backwards=True)
    np.testing.assert_allclose(out.numpy(), seq[:, -1], rtol=1e-10)
    assert get_mask(out) is None  # no sequence, no mask


def test_rnn_mask_unknown_steps_in_function_matches_static():
    x = np.random.RandomState(3).randn(3, 5, 2).astype("float32")
    layer = keras.layers.LSTM(2, return_sequences=True)
    static = layer(x, mask=MASK_MIDDLE).numpy()
    f = tf.function(lambda a, m: layer(a, mask=m),
                    input_signature=[tf.TensorSpec([None, None, 2], tf.float32),
                                     tf.TensorSpec([None, None], tf.bool)])
    np.testing.assert_allclose(f(x, MASK_MIDDLE).numpy(), static, rtol=1e-5, atol=1e-6)


def test_rnn_masked_gradient_matches_finite_differences():
    x = np.random.RandomState(4).randn(2, 4, 2)
    mask = np.array([[1, 0, 1, 1], [1, 1, 0, 0]], bool)
    layer = keras.layers.SimpleRNN(2, return_sequences=True, dtype="float64")
    layer.build((None, 4, 2))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(x, mask=mask)))
    grad = tape.gradient(loss, layer.kernel).numpy()
    k0 = layer.kernel.numpy()
    num = np.zeros_like(k0)
    eps = 1e-6
    for idx in np.ndindex(*k0.shape):
        vals = []
        for s in (eps, -eps):
            k = k0.copy()
            k[idx] += s
            layer.kernel.assign(k)
            vals.append(float(tf.reduce_sum(tf.square(layer(x, mask=mask)))))
        num[idx] = (vals[0] - vals[1]) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)


def test_rnn_bad_mask_shape():
    with pytest.raises(ValueError, match="mask must have shape"):
        keras.layers.GRU(2)(np.ones((2, 3, 1)), mask=np.ones((2, 4), bool))


# -- mask producers ---------------------------------------------------------------------
def test_embedding_mask_zero():
    ids = np.array([[4, 0, 2, 0], [0, 0, 1, 3]])
    e = keras.layers.Embedding(5, 3, mask_zero=True)
    y = e(ids)
    np.testing.assert_array_equal(y._keras_mask.numpy(), ids != 0)
    np.testing.assert_array_equal(e.compute_mask(ids).numpy(), ids != 0)
    assert get_mask(keras.layers.Embedding(5, 3)(ids)) is None
    assert keras.layers.Embedding.from_config(e.get_config()).mask_zero is True


def test_masking_layer():
    x = np.array([[[1.0, 0.0], [0.0, 0.0], [2.0, 3.0]],
                  [[-1.0, -1.0], [0.0, 5.0], [-1.0, -1.0]]])
    y = keras.layers.Masking(mask_value=-1.0)(x)
    want = np.any(x != -1.0, axis=-1)
    np.testing.assert_array_equal(y._keras_mask.numpy(), want)
    np.testing.assert_allclose(y.numpy(), x * want[..., None])
    y0 = keras.layers.Masking()(x)
    np.testing.assert_array_equal(y0._keras_mask.numpy(), np.any(x != 0.0, axis=-1))
    cfg = keras.layers.Masking(mask_value=2.0).get_config()
    assert keras.layers.deserialize({"class_name": "Masking", "config": cfg}).mask_value == 2.0
    with pytest.raises(TypeError, match="mask_value"):
        keras.layers.Masking(mask_value="pad")


# -- propagation ------------------------------------------------------------------------
class _SeesMask(keras.layers.Layer):
    """Records the mask its call receives; does not support masking."""

    def call(self, inputs, mask=None):
        self.seen = mask
        return inputs * 1.0


def test_propagation_eager_layers():
    ids = np.array([[3, 1, 0, 0]])
    h = keras.layers.Embedding(4, 2, mask_zero=True)(ids)
    for layer in (keras.layers.Dense(3), keras.layers.Dropout(0.5),
                  keras.layers.Activation("relu")):
        h = layer(h)
        np.testing.assert_array_equal(h._keras_mask.numpy(), ids != 0)
    sees = _SeesMask()
    out = sees(h)
    np.testing.assert_array_equal(sees.seen.numpy(), ids != 0)
    assert get_mask(out) is None  # no supports_masking: the mask stops here
    explicit = np.array([[True, False, True, False]])
    sees(h, mask=explicit)
    np.testing.assert_array_equal(np.asarray(sees.seen), explicit)


def test_gap1d_masked_mean():
    x = np.random.RandomState(5).randn(3, 5, 4).astype("float32")
    gap = keras.layers.GlobalAveragePooling1D()
    out = gap(x, mask=MASK_MIDDLE)
    m = MASK_MIDDLE[..., None]
    np.testing.assert_allclose(out.numpy(), (x * m).sum(1) / m.sum(1), rtol=1e-6)
    assert get_mask(out) is None
    np.testing.assert_allclose(gap(x).numpy(), x.mean(1), rtol=1e-6)
    kd = keras.layers.GlobalAveragePooling1D(keepdims=True)(x, mask=MASK_MIDDLE)
    assert kd.shape == (3, 1, 4)


def _seq_model():
    model = keras.Sequential([
        keras.Input((5,), dtype="int32"),
        keras.layers.Embedding(6, 3, mask_zero=True),
        keras.layers.Dense(3),
        keras.layers.SimpleRNN(2, return_sequences=True)])
    return model


def test_sequential_and_functional_propagation():
    ids = np.array([[1, 2, 0, 3, 0], [4, 0, 0, 0, 0]])
    model = _seq_model()
    assert model.output._keras_mask.shape == (None, 5)  # symbolic mask
    assert model.output._keras_mask.dtype == tf.bool
    # functional: a pooled branch and a sequence branch
    x = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(6, 3, mask_zero=True)(x)
    seq = keras.layers.LSTM(2, return_sequences=True)(h)
    pooled = keras.layers.GlobalAveragePooling1D()(h)
    fmodel = keras.Model(x, [seq, pooled])
    assert get_mask(fmodel.outputs[0]) is not None and get_mask(fmodel.outputs[1]) is None

    @tf.function
    def run(a):  # inside a compiled function masks flow with the traced tensors
        s, p = fmodel(a)
        return s, p, s._keras_mask, model(a)._keras_mask

    s, p, m1, m2 = run(tf.constant(ids))
    np.testing.assert_array_equal(m1.numpy(), ids != 0)
    np.testing.assert_array_equal(m2.numpy(), ids != 0)
    emb = fmodel.layers[1].embeddings.numpy()[ids]
    want = (emb * (ids != 0)[..., None]).sum(1) / (ids != 0).sum(1, keepdims=True)
    np.testing.assert_allclose(p.numpy(), want, rtol=1e-5)
    tf.config.run_functions_eagerly(True)
    try:  # the eager layer-by-layer run gives the eager outputs their masks too
        out = model(ids)
    finally:
        tf.config.run_functions_eagerly(False)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)
    np.testing.assert_allclose(out.numpy(), model(ids).numpy(), rtol=1e-6)


def test_model_with_masking_matches_trimmed_sequences():
    """Padding after the sequence, masked, gives the final state of the unpadded one."""
    rng = np.random.RandomState(6)
    x = rng.randn(1, 3, 2).astype("float32")
    padded = np.concatenate([x, np.zeros((1, 2, 2), "float32")], axis=1)
    inputs = keras.Input((None, 2))
    gru = keras.layers.GRU(3)
    model = keras.Model(inputs, gru(keras.layers.Masking()(inputs)))
    np.testing.assert_allclose(model(padded).numpy(), gru(x).numpy(), rtol=1e-5)


# -- loss masking -----------------------------------------------------------------------
def test_fit_on_padded_sequences_masks_the_loss():
    ids = np.array([[1, 2, 0, 0, 0], [3, 1, 2, 4, 0], [5, 0, 0, 0, 0], [2, 2, 3, 0, 0]])
    y = np.random.RandomState(7).randn(4, 5, 2).astype("float32")
    model = _seq_model()
    model.compile("adam", "mse", metrics=["mae"])
    pred = model.predict(ids, verbose=0)
    mask = ids != 0
    err = (pred - y) ** 2
    want = err.mean(-1)[mask].mean()  # the mean over the unmasked steps only
    loss, mae = model.evaluate(ids, y, verbose=0)
    np.testing.assert_allclose(loss, want, rtol=1e-5)
    np.testing.assert_allclose(mae, np.abs(pred - y).mean(-1)[mask].mean(), rtol=1e-5)
    y_noise = y.copy()
    y_noise[~mask] = 100.0  # targets at padded steps don't matter
    np.testing.assert_allclose(model.evaluate(ids, y_noise, verbose=0)[0], want, rtol=1e-5)
    hist = model.fit(ids, y_noise, epochs=15, batch_size=4, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert np.isfinite(hist.history["loss"]).all()


def test_an_eager_model_call_returns_outputs_with_their_masks():
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    model = keras.Sequential([keras.Input((4,), dtype="int32"),
                              keras.layers.Embedding(10, 3, mask_zero=True),
                              keras.layers.Dense(2)])
    np.testing.assert_array_equal(model(x)._keras_mask.numpy(), x != 0)
    inp = keras.Input((4,), dtype="int32")
    seq = keras.layers.LSTM(2, return_sequences=True)(
        keras.layers.Embedding(10, 3, mask_zero=True)(inp))
    functional = keras.Model(inp, seq)
    np.testing.assert_array_equal(functional(x)._keras_mask.numpy(), x != 0)
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert plain(np.ones((1, 4), np.float32))._keras_mask is None  # fast path, no mask
