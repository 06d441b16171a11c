"""keras.layers.STFTSpectrogram and MelSpectrogram (issue 16) against real Keras 3 on
its NumPy backend: outputs, weights, shapes, configs, `.keras` files read by Keras 3,
gradients and rank errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.keras3_oracle import keras3

import ember as tf
from ember import keras

RNG = np.random.default_rng(16)


def _x(shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


STFT_CASES = [
    dict(mode="log", frame_length=16, frame_step=8, fft_length=32),
    dict(mode="magnitude", frame_length=16, window="hamming", padding="same",
         periodic=True),
    dict(mode="psd", frame_length=12, frame_step=5, scaling="spectrum"),
    dict(mode="real", frame_length=8, window=None, scaling=None),
    dict(mode="imag", frame_length=8, fft_length=16, window="blackman"),
    dict(mode="angle", frame_length=16, frame_step=4),
    dict(mode="stft", frame_length=16, padding="same"),
    dict(mode="log", frame_length=16, expand_dims=True),
    dict(mode="magnitude", frame_length=16, data_format="channels_first"),
    dict(mode="stft", frame_length=8, data_format="channels_first", expand_dims=True),
    dict(mode="magnitude", frame_length=8, fft_length=10),  # odd-ish: Keras' (F-1)*2
    dict(mode="psd", frame_length=8, window=np.linspace(0.1, 1.0, 8).tolist()),
]


def _stft_input(case, channels=2, time=64):
    shape = (3, channels, time) if case.get("data_format") == "channels_first" else \
        (3, time, channels)
    return _x(shape)


@pytest.mark.parametrize("case", STFT_CASES, ids=[str(i) for i in range(len(STFT_CASES))])
def test_stft_spectrogram_matches_keras3(case):
    K = keras3()
    x = _stft_input(case)
    ours = keras.layers.STFTSpectrogram(**case)
    theirs = K.layers.STFTSpectrogram(**case)
    y, want = ours(x).numpy(), np.asarray(theirs(x))
    assert y.shape == want.shape and y.dtype == want.dtype
    # the kernels themselves agree (Keras' float32 formula)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    atol = 1e-4 if case["mode"] == "log" else 1e-5
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=atol)
    # with Keras' weights set (e.g. after training) the outputs agree too
    w = [v + 0.01 * RNG.standard_normal(v.shape).astype("float32")
         for v in theirs.get_weights()]
    theirs.set_weights(w)
    ours.set_weights(w)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), rtol=1e-4,
                               atol=atol)


def test_stft_spectrogram_weights_names_trainable_and_config():
    K = keras3()
    ours = keras.layers.STFTSpectrogram(frame_length=16, trainable=False, name="s")
    theirs = K.layers.STFTSpectrogram(frame_length=16, trainable=False, name="s")
    ours.build((None, 64, 1))
    theirs.build((None, 64, 1))
    assert [v.name.split("/")[-1].split(":")[0] for v in ours.weights] == \
        [v.name for v in theirs.weights] == ["real_kernel", "imag_kernel"]
    assert [tuple(v.shape) for v in ours.weights] == [(16, 1, 9), (16, 1, 9)]
    assert ours.trainable_weights == [] and len(ours.non_trainable_weights) == 2
    assert len(keras.layers.STFTSpectrogram(mode="real")(_x((1, 300, 1))).shape) == 3
    assert [v.name.split("/")[-1].split(":")[0] for v in
            keras.layers.STFTSpectrogram(mode="imag", name="i").weights] == []
    cfg, kcfg = ours.get_config(), theirs.get_config()
    assert set(cfg) == set(kcfg)
    for key in cfg:
        if key != "dtype":
            assert cfg[key] == kcfg[key], key
    again = keras.layers.STFTSpectrogram.from_config(cfg)
    assert again.get_config() == cfg and not again.trainable
    assert keras.layers.STFTSpectrogram().name.startswith("stft_spectrogram")


def test_stft_spectrogram_symbolic_shapes_match_keras3():
    K = keras3()
    for case in STFT_CASES[:10]:
        fmt = case.get("data_format")
        for shape in ((64, 2), (None, 2)) if fmt is None else ((2, 64), (2, None)):
            ours = keras.layers.STFTSpectrogram(**case)(keras.Input(shape)).shape
            theirs = K.layers.STFTSpectrogram(**case)(K.Input(shape)).shape
            assert tuple(ours) == tuple(theirs), (case, shape)
    inp = keras.Input((64, 1))
    model = keras.Model(inp, keras.layers.STFTSpectrogram(frame_length=16)(inp))
    assert model.predict(_x((2, 64, 1)), verbose=0).shape == (2, 7, 9)


def test_stft_spectrogram_errors():
    layer = keras.layers.STFTSpectrogram(frame_length=8, name="spec")
    with pytest.raises(ValueError, match="spec"):
        layer(_x((2, 64)))
    with pytest.raises(ValueError, match="frame_step"):
        keras.layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="fft_length"):
        keras.layers.STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.raises(ValueError, match="mode"):
        keras.layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="padding"):
        keras.layers.STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError):
        keras.layers.STFTSpectrogram(window="not_a_window")
    with pytest.raises(ValueError, match="window"):
        keras.layers.STFTSpectrogram(frame_length=8, window=[1.0, 2.0])(_x((1, 32, 1)))


def test_stft_spectrogram_trainable_gradient_finite_difference():
    layer = keras.layers.STFTSpectrogram(mode="magnitude", frame_length=4, frame_step=2,
                                         dtype="float64")
    x = tf.constant(RNG.standard_normal((1, 12, 1)))
    layer(x)
    kernel = layer.real_kernel
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    grad = tape.gradient(loss, kernel).numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0
    base = kernel.numpy()
    eps = 1e-6
    for idx in [(0, 0, 0), (1, 0, 1), (3, 0, 2)]:
        plus, minus = base.copy(), base.copy()
        plus[idx] += eps
        minus[idx] -= eps
        kernel.assign(plus)
        lp = float(tf.reduce_sum(layer(x) ** 2))
        kernel.assign(minus)
        lm = float(tf.reduce_sum(layer(x) ** 2))
        kernel.assign(base)
        assert grad[idx] == pytest.approx((lp - lm) / (2 * eps), rel=1e-5, abs=1e-7)


MEL_CASES = [
    dict(fft_length=64, sequence_stride=16, sampling_rate=8000, num_mel_bins=16),
    dict(fft_length=64, sequence_stride=32, sequence_length=48, window="hamming",
         sampling_rate=16000, num_mel_bins=10, min_freq=100.0, max_freq=6000.0),
    dict(fft_length=32, sequence_stride=8, num_mel_bins=8, power_to_db=False, mag_exp=1.0,
         sampling_rate=4000),
    dict(fft_length=32, sequence_stride=10, num_mel_bins=12, sampling_rate=4000,
         top_db=20.0, ref_power=2.0, min_power=1e-6, window=None),
]


@pytest.mark.parametrize("case", MEL_CASES, ids=[str(i) for i in range(len(MEL_CASES))])
def test_mel_spectrogram_matches_keras3(case):
    K = keras3()
    for shape in ((2, 300), (257,)):
        x = _x(shape)
        y = keras.layers.MelSpectrogram(**case)(x).numpy()
        want = np.asarray(K.layers.MelSpectrogram(**case)(x))
        assert y.shape == want.shape and y.dtype == want.dtype
        atol = 1e-3 if case.get("power_to_db", True) else 1e-5  # dB outputs: ~100 scale
        np.testing.assert_allclose(y, want, rtol=1e-4, atol=atol)


def test_mel_spectrogram_config_shapes_and_errors():
    K = keras3()
    ours = keras.layers.MelSpectrogram(fft_length=64, sampling_rate=8000, name="m")
    theirs = K.layers.MelSpectrogram(fft_length=64, sampling_rate=8000, name="m")
    cfg, kcfg = ours.get_config(), theirs.get_config()
    assert set(cfg) == set(kcfg)
    for key in cfg:
        if key != "dtype":
            assert cfg[key] == kcfg[key], key
    assert keras.layers.MelSpectrogram.from_config(cfg).get_config() == cfg
    inp = keras.Input((1000,))
    out = keras.layers.MelSpectrogram(fft_length=64, sequence_stride=32,
                                      num_mel_bins=20)(inp)
    assert tuple(out.shape) == (None, 20, 32)
    model = keras.Model(inp, out)
    assert model.predict(_x((2, 1000)), verbose=0).shape == (2, 20, 32)
    assert tuple(keras.layers.MelSpectrogram(num_mel_bins=20)(keras.Input((None,))).shape) \
        == (None, 20, None)
    with pytest.raises(ValueError, match="mel"):
        keras.layers.MelSpectrogram(name="mel")(_x((2, 3, 300)))
    with pytest.raises(ValueError, match="fft_length"):
        keras.layers.MelSpectrogram(fft_length=32, sequence_length=64)


def test_mel_spectrogram_gradient_flows():
    x = tf.Variable(RNG.standard_normal((1, 128)).astype("float32"))
    layer = keras.layers.MelSpectrogram(fft_length=32, sequence_stride=16, num_mel_bins=8,
                                        sampling_rate=8000, power_to_db=False)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    grad = tape.gradient(loss, x).numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0


def test_keras3_loads_audio_model_ember_saved(tmp_path):
    pytest.importorskip("h5py")
    K = keras3()
    inp = keras.Input((128, 2))
    h = keras.layers.STFTSpectrogram(frame_length=16, frame_step=8, padding="same",
                                     expand_dims=True, trainable=True)(inp)
    out = keras.layers.Dense(3)(keras.layers.Flatten()(h))
    model = keras.Model(inp, out)
    stft = model.layers[1]
    x = _x((2, 128, 2))
    before = stft.get_weights()[0]
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, _x((2, 3)), epochs=1, verbose=0)  # the trainable kernels learn
    assert not np.allclose(stft.get_weights()[0], before)
    path = str(tmp_path / "audio.keras")
    model.save(path)
    loaded = K.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-4)
    assert type(loaded.layers[1]).__name__ == "STFTSpectrogram"

    m_in = keras.Input((400,))
    mel = keras.Model(m_in, keras.layers.MelSpectrogram(
        fft_length=64, sequence_stride=32, sampling_rate=8000, num_mel_bins=12)(m_in))
    xm = _x((2, 400))
    mel.save(str(tmp_path / "mel.keras"))
    k_mel = K.models.load_model(str(tmp_path / "mel.keras"))
    np.testing.assert_allclose(k_mel.predict(xm, verbose=0), mel.predict(xm, verbose=0),
                               rtol=1e-4, atol=1e-3)
    back = keras.models.load_model(str(tmp_path / "mel.keras"))
    np.testing.assert_allclose(back.predict(xm, verbose=0), mel.predict(xm, verbose=0),
                               rtol=1e-5, atol=1e-5)
