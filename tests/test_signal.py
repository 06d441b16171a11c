"""tf.signal (ember/signal.py): the FFTs against numpy.fft, the DCTs against scipy.fft,
framing, windows, stft/mdct round trips and the mel matrix against TF's documented
formulas written out in NumPy, gradients of the composites by finite differences, and
the errors TF raises. The primitives themselves (values, gradients, JAX, fuzzing) are
covered by the registry tests through tests/op_specs/signal_specs.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sf

import ember as tf
from ember.core.errors import InvalidArgumentError

R = np.random.default_rng(18)

TF_SIGNAL_NAMES = (
    "dct fft fft2d fft3d fftnd fftshift frame hamming_window hann_window idct ifft ifft2d "
    "ifft3d ifftnd ifftshift inverse_mdct inverse_stft inverse_stft_window_fn irfft irfft2d "
    "irfft3d irfftnd kaiser_bessel_derived_window kaiser_window linear_to_mel_weight_matrix "
    "mdct mfccs_from_log_mel_spectrograms overlap_and_add rfft rfft2d rfft3d rfftnd stft "
    "vorbis_window").split()


def _c(*shape):
    return R.standard_normal(shape) + 1j * R.standard_normal(shape)


def test_namespace_has_every_tf_signal_name():
    assert sorted(tf.signal.__all__) == sorted(TF_SIGNAL_NAMES)
    for n in TF_SIGNAL_NAMES:
        assert callable(getattr(tf.signal, n)), n


# -- FFTs --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,k", [("fft", 1), ("fft2d", 2), ("fft3d", 3)])
def test_complex_ffts_match_numpy(name, k):
    z = _c(2, 3, 4, 5)
    axes = tuple(range(-k, 0))
    for dt, tol in ((np.complex64, 1e-4), (np.complex128, 1e-12)):
        y = getattr(tf.signal, name)(tf.constant(z.astype(dt)))
        assert y.dtype == tf.as_dtype(dt)
        np.testing.assert_allclose(y.numpy(), np.fft.fftn(z, axes=axes), rtol=tol, atol=tol)
        yi = getattr(tf.signal, "i" + name)(tf.constant(z.astype(dt)))
        np.testing.assert_allclose(yi.numpy(), np.fft.ifftn(z, axes=axes), rtol=tol, atol=tol)


@pytest.mark.parametrize("name,k", [("rfft", 1), ("rfft2d", 2), ("rfft3d", 3)])
def test_real_ffts_match_numpy_with_fft_length(name, k):
    x = R.standard_normal((2, 5, 6, 7))
    axes = tuple(range(-k, 0))
    for n in (None, (4, 8, 6)[-k:], (6, 3, 9)[-k:]):
        y = getattr(tf.signal, name)(tf.constant(x), fft_length=n)
        assert y.dtype == tf.complex128
        np.testing.assert_allclose(y.numpy(), np.fft.rfftn(x, s=n, axes=axes), atol=1e-10)
        back = getattr(tf.signal, "i" + name)(y, fft_length=n)
        assert back.dtype == tf.float64
        want = np.fft.irfftn(np.fft.rfftn(x, s=n, axes=axes), s=n, axes=axes) \
            if n is not None else np.fft.irfftn(np.fft.rfftn(x, axes=axes), axes=axes)
        np.testing.assert_allclose(back.numpy(), want, atol=1e-10)
    assert getattr(tf.signal, name)(tf.constant(x, tf.float32)).dtype == tf.complex64


def test_irfft_crops_and_pads_the_spectrum():
    z = _c(3, 6)
    for n in (4, 7, 16):
        np.testing.assert_allclose(tf.signal.irfft(tf.constant(z), fft_length=[n]).numpy(),
                                   np.fft.irfft(z, n=n), atol=1e-12)


def test_fftnd_axes_lengths_and_norm():
    z = _c(2, 3, 4)
    for kw in (dict(), dict(axes=[0]), dict(axes=[-1], fft_length=[6]),
               dict(fft_length=[2, 5], axes=[-2, -1]), dict(axes=[2, 0], fft_length=[3, 1])):
        for norm in (None, "ortho", "forward"):
            want = np.fft.fftn(z, s=kw.get("fft_length"), axes=kw.get("axes"), norm=norm)
            got = tf.signal.fftnd(tf.constant(z), norm=norm, **kw)
            np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
            wanti = np.fft.ifftn(z, s=kw.get("fft_length"), axes=kw.get("axes"), norm=norm)
            np.testing.assert_allclose(tf.signal.ifftnd(tf.constant(z), norm=norm, **kw).numpy(),
                                       wanti, atol=1e-12)
    x = R.standard_normal((3, 4, 6))
    for kw in (dict(), dict(axes=[0, 1]), dict(fft_length=[5, 8], axes=[-2, -1])):
        for norm in (None, "ortho", "forward"):
            y = tf.signal.rfftnd(tf.constant(x), norm=norm, **kw)
            want = np.fft.rfftn(x, s=kw.get("fft_length"), axes=kw.get("axes"), norm=norm)
            np.testing.assert_allclose(y.numpy(), want, atol=1e-12)
            back = tf.signal.irfftnd(y, norm=norm, **kw)
            wb = np.fft.irfftn(want, s=kw.get("fft_length"), axes=kw.get("axes"), norm=norm)
            np.testing.assert_allclose(back.numpy(), wb, atol=1e-12)


def test_fft_conversions_and_errors():
    # Python and NumPy values convert to complex64 (TF's preferred dtype)
    assert tf.signal.fft([1.0, 2.0]).dtype == tf.complex64
    with pytest.raises(InvalidArgumentError, match="fft: the input must be complex"):
        tf.signal.fft(tf.constant([1.0, 2.0]))
    with pytest.raises(InvalidArgumentError, match="rfft requires float32 or float64"):
        tf.signal.rfft(tf.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.signal.fft2d(tf.constant([1.0], tf.complex64))
    with pytest.raises(InvalidArgumentError, match="norm"):
        tf.signal.fftnd(tf.constant([1.0], tf.complex64), norm="bad")


def test_fft_inside_function_and_zero_size():
    f = tf.function(lambda x: tf.signal.irfft(tf.signal.rfft(x, fft_length=[8]), fft_length=[8]))
    x = R.standard_normal((2, 8)).astype(np.float32)
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), x, atol=1e-5)
    assert tf.signal.rfft(tf.zeros([0, 4])).shape == [0, 3]
    assert tf.signal.fft(tf.zeros([3, 0], tf.complex64)).shape == [3, 0]


def _num_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def _check_grad(fn, x, tol=1e-6):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(fn(t))
    g = tape.gradient(y, t).numpy()
    want = _num_grad(lambda a: float(tf.reduce_sum(fn(tf.constant(a))).numpy()), x)
    np.testing.assert_allclose(g, want, rtol=tol, atol=tol)


def test_gradient_of_complex_fft_follows_tf_conjugate_convention():
    z = _c(4)
    w = R.standard_normal(4)
    t = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(tf.abs(tf.signal.fft(t)) * w)
    g = tape.gradient(y, t).numpy()

    def loss(v):
        return np.sum(np.abs(np.fft.fft(v)) * w)
    # TF: dL/dx + i dL/dy
    want = _num_grad(lambda a: loss(a + 1j * z.imag), z.real) + \
        1j * _num_grad(lambda b: loss(z.real + 1j * b), z.imag)
    np.testing.assert_allclose(g, want, atol=1e-6)


# -- shifts and DCTs ---------------------------------------------------------------------

def test_fftshift_matches_numpy():
    x = np.arange(30).reshape(5, 6)
    for axes in (None, 0, 1, [0, 1], -1):
        np.testing.assert_array_equal(tf.signal.fftshift(tf.constant(x), axes=axes).numpy(),
                                      np.fft.fftshift(x, axes=axes))
        np.testing.assert_array_equal(tf.signal.ifftshift(tf.constant(x), axes=axes).numpy(),
                                      np.fft.ifftshift(x, axes=axes))


@pytest.mark.parametrize("type_", [1, 2, 3, 4])
def test_dct_idct_match_scipy(type_):
    x = R.standard_normal((3, 7))
    inverse = {1: 1, 2: 3, 3: 2, 4: 4}[type_]
    for norm in (None, "ortho") if type_ != 1 else (None,):
        np.testing.assert_allclose(tf.signal.dct(tf.constant(x), type=type_, norm=norm).numpy(),
                                   sf.dct(x, type=type_, norm=norm), atol=1e-10)
        np.testing.assert_allclose(tf.signal.idct(tf.constant(x), type=type_, norm=norm).numpy(),
                                   sf.dct(x, type=inverse, norm=norm), atol=1e-10)
    for n in (4, 10):
        np.testing.assert_allclose(tf.signal.dct(tf.constant(x), type=type_, n=n).numpy(),
                                   sf.dct(x, type=type_, n=n), atol=1e-10)
    y = tf.signal.dct(tf.constant(x, tf.float32), type=type_)
    assert y.dtype == tf.float32
    _check_grad(lambda t: tf.signal.dct(t, type=type_) * np.arange(7.0), x)


def test_dct_errors():
    x = tf.constant([[1.0, 2.0]])
    with pytest.raises(InvalidArgumentError, match="Type-I"):
        tf.signal.dct(x, type=1, norm="ortho")
    with pytest.raises(InvalidArgumentError, match="types I, II, III and IV"):
        tf.signal.dct(x, type=5)
    with pytest.raises(NotImplementedError, match="axis must be -1"):
        tf.signal.dct(x, axis=0)
    with pytest.raises(InvalidArgumentError, match="greater than one"):
        tf.signal.dct(tf.constant([[1.0]]), type=1)


# -- framing -----------------------------------------------------------------------------

def _np_frame(x, L, step, pad_end=False, pad_value=0, axis=-1):
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    count = -(-n // step) if pad_end else max(0, 1 + (n - L) // step) if n >= L else 0
    need = (count - 1) * step + L if count else 0
    if need > n:
        x = np.concatenate([x, np.full(x.shape[:-1] + (need - n,), pad_value, x.dtype)], -1)
    frames = np.stack([x[..., i * step:i * step + L] for i in range(count)], -2) if count \
        else np.zeros(x.shape[:-1] + (0, L), x.dtype)
    ax = axis % (x.ndim)
    return np.moveaxis(np.moveaxis(frames, -1, 0), -1, 0).transpose(
        tuple(range(2, ax + 2)) + (0, 1) + tuple(range(ax + 2, frames.ndim))) \
        if ax != x.ndim - 1 else frames


def test_frame_matches_sliding_windows():
    x = R.standard_normal((2, 3, 11))
    for L, step, pad_end in ((4, 2, False), (4, 3, True), (12, 1, False), (12, 5, True),
                             (3, 3, False)):
        got = tf.signal.frame(tf.constant(x), L, step, pad_end=pad_end, pad_value=9.0)
        np.testing.assert_array_equal(got.numpy(), _np_frame(x, L, step, pad_end, 9.0))
    got = tf.signal.frame(tf.constant(x), 2, 1, axis=1)
    assert got.shape == [2, 2, 2, 11]
    np.testing.assert_array_equal(got.numpy()[:, 1], x[:, 1:3])
    _check_grad(lambda t: tf.signal.frame(t, 4, 3, pad_end=True) * np.arange(4.0), x[0, 0])
    with pytest.raises(InvalidArgumentError, match="frame_step"):
        tf.signal.frame(tf.constant(x), 2, 0)


def test_overlap_and_add_inverts_frame_sum():
    x = R.standard_normal((2, 5, 7))
    for step in (1, 3, 7, 9):
        got = tf.signal.overlap_and_add(tf.constant(x), step).numpy()
        want = np.zeros((2, 4 * step + 7))
        for i in range(5):
            want[:, i * step:i * step + 7] += x[:, i]
        np.testing.assert_allclose(got, want, atol=1e-12)
    _check_grad(lambda t: tf.signal.overlap_and_add(t, 3) * np.arange(19.0), x[0])


# -- windows -----------------------------------------------------------------------------

def test_windows_follow_tf_formulas():
    for n in (1, 2, 5, 8):
        for periodic in (True, False):
            m = n if periodic and n % 2 == 0 else n - 1  # TF: periodic only for even n
            k = np.arange(n)
            hann = 0.5 - 0.5 * np.cos(2 * np.pi * k / m) if n > 1 else np.ones(1)
            ham = 0.54 - 0.46 * np.cos(2 * np.pi * k / m) if n > 1 else np.ones(1)
            np.testing.assert_allclose(tf.signal.hann_window(n, periodic).numpy(), hann,
                                       atol=1e-6)
            np.testing.assert_allclose(tf.signal.hamming_window(n, periodic).numpy(), ham,
                                       atol=1e-6)
    w = tf.signal.kaiser_window(6, beta=5.0, dtype=tf.float64).numpy()
    np.testing.assert_allclose(w, np.kaiser(6, 5.0), atol=1e-12)
    v = tf.signal.vorbis_window(8).numpy()
    np.testing.assert_allclose(v ** 2 + np.roll(v, 4) ** 2, 1.0, atol=1e-6)  # Princen-Bradley
    kbd = tf.signal.kaiser_bessel_derived_window(8, beta=3.0, dtype=tf.float64).numpy()
    cs = np.cumsum(np.kaiser(5, 3.0))
    np.testing.assert_allclose(kbd[:4], np.sqrt(cs[:4] / cs[-1]), atol=1e-12)
    np.testing.assert_allclose(kbd ** 2 + np.roll(kbd, 4) ** 2, 1.0, atol=1e-12)
    assert tf.signal.kaiser_bessel_derived_window(5).shape == [4]  # 2 * (n // 2), as TF
    assert tf.signal.hann_window(0).shape == [0]
    assert tf.signal.hann_window(4, dtype=tf.float64).dtype == tf.float64


# -- stft, mdct --------------------------------------------------------------------------

def test_stft_matches_numpy_and_inverts():
    x = R.standard_normal((2, 40))
    s = tf.signal.stft(tf.constant(x), 10, 4)
    assert s.shape == [2, 8, 9] and s.dtype == tf.complex128  # fft_length 16
    frames = _np_frame(x, 10, 4) * tf.signal.hann_window(10, dtype=tf.float64).numpy()
    np.testing.assert_allclose(s.numpy(), np.fft.rfft(frames, 16), atol=1e-10)
    back = tf.signal.inverse_stft(s, 10, 4, window_fn=tf.signal.inverse_stft_window_fn(4))
    # perfect reconstruction away from the ends (where fewer frames overlap)
    np.testing.assert_allclose(back.numpy()[:, 10:30], x[:, 10:30], atol=1e-10)
    padded = tf.signal.stft(tf.constant(x), 10, 4, fft_length=12, pad_end=True)
    assert padded.shape == [2, 10, 7]
    _check_grad(lambda t: tf.abs(tf.signal.stft(t, 8, 4)), x[0, :20])


def test_mdct_round_trip_and_gradient():
    x = R.standard_normal((2, 32))
    for norm in (None, "ortho"):
        y = tf.signal.mdct(tf.constant(x), 8, norm=norm)
        assert y.shape == [2, 7, 4]
        back = tf.signal.inverse_mdct(y, norm=norm).numpy()
        np.testing.assert_allclose(back[:, 4:-4], x[:, 4:-4], atol=1e-10)
    # unnormalized (TF's scale, as its unnormalized DCT-IV):
    # X_k = 2 sum_n w_n x_n cos(pi / N (n + 1/2 + N/2)(k + 1/2)), N = 4
    n, k = np.arange(8), np.arange(4)
    basis = 2 * np.cos(np.pi / 4 * (n[:, None] + 0.5 + 2) * (k[None, :] + 0.5))
    w = tf.signal.vorbis_window(8, dtype=tf.float64).numpy()
    want = (x[:, :8] * w) @ basis
    np.testing.assert_allclose(tf.signal.mdct(tf.constant(x), 8).numpy()[:, 0], want,
                               atol=1e-10)
    flat = tf.signal.mdct(tf.constant(x), 8, window_fn=None).numpy()[:, 0]
    np.testing.assert_allclose(flat, (x[:, :8] * np.sqrt(0.5)) @ basis, atol=1e-10)
    _check_grad(lambda t: tf.signal.mdct(t, 8) * np.arange(4.0), x[0, :16])
    with pytest.raises(InvalidArgumentError, match="multiple of 4"):
        tf.signal.mdct(tf.constant(x), 6)


# -- mel, mfcc -----------------------------------------------------------------------------

def _np_mel(bins_mel, bins_spec, rate, lo, hi):
    def mel(f):
        return 1127.0 * np.log(1 + f / 700.0)
    f = np.linspace(0, rate / 2, bins_spec)[1:]
    edges = np.linspace(mel(lo), mel(hi), bins_mel + 2)
    m = mel(f)[:, None]
    up = (m - edges[:-2]) / (edges[1:-1] - edges[:-2])
    down = (edges[2:] - m) / (edges[2:] - edges[1:-1])
    return np.vstack([np.zeros((1, bins_mel)), np.maximum(0, np.minimum(up, down))])


def test_linear_to_mel_weight_matrix():
    w = tf.signal.linear_to_mel_weight_matrix()
    assert w.shape == [129, 20] and w.dtype == tf.float32
    np.testing.assert_allclose(w.numpy(), _np_mel(20, 129, 8000, 125.0, 3800.0), atol=1e-6)
    w = tf.signal.linear_to_mel_weight_matrix(10, 33, 16000, 20.0, 8000.0, dtype=tf.float64)
    np.testing.assert_allclose(w.numpy(), _np_mel(10, 33, 16000, 20.0, 8000.0), atol=1e-12)
    for bad, msg in ((dict(num_mel_bins=0), "num_mel_bins"),
                     (dict(lower_edge_hertz=-1.0), "non-negative"),
                     (dict(lower_edge_hertz=4000.0), ">= upper_edge_hertz"),
                     (dict(upper_edge_hertz=5000.0), "Nyquist"),
                     (dict(sample_rate=0), "sample_rate")):
        with pytest.raises(InvalidArgumentError, match=msg):
            tf.signal.linear_to_mel_weight_matrix(**bad)


def test_mfccs_are_scaled_dct2():
    x = R.standard_normal((3, 13))
    got = tf.signal.mfccs_from_log_mel_spectrograms(tf.constant(x)).numpy()
    np.testing.assert_allclose(got, sf.dct(x, type=2) / np.sqrt(2 * 13), atol=1e-10)


def test_composites_inside_function_match_eager():
    x = R.standard_normal((2, 40)).astype(np.float32)

    @tf.function
    def f(s):
        return (tf.signal.inverse_stft(tf.signal.stft(s, 10, 4), 10, 4),
                tf.signal.inverse_mdct(tf.signal.mdct(s, 8)), tf.signal.dct(s, type=4))

    eager = (tf.signal.inverse_stft(tf.signal.stft(x, 10, 4), 10, 4),
             tf.signal.inverse_mdct(tf.signal.mdct(x, 8)), tf.signal.dct(x, type=4))
    for got, want in zip(f(tf.constant(x)), eager):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)
    g = tf.function(lambda s: tf.signal.stft(s, 8, 4),
                    input_signature=[tf.TensorSpec([None, 40])])
    assert g(tf.constant(x)).shape == [2, 9, 5]


def test_input_conversions_and_empty_frames_as_tf():
    # TF's wrappers: NumPy float64 -> complex64 for rfft (preferred float32), complex128
    # kept by fft, irfft's spectrum converted to complex64; stft/dct keep float64 arrays
    assert tf.signal.rfft(np.array([1.0, 2.0])).dtype == tf.complex64
    assert tf.signal.fft(np.array([1 + 1j, 2])).dtype == tf.complex128
    assert tf.signal.irfft(np.array([1 + 1j, 2])).dtype == tf.float32
    assert tf.signal.stft(np.zeros(16), 8, 4).dtype == tf.complex128
    assert tf.signal.dct(np.zeros(4)).dtype == tf.float64
    assert tf.signal.overlap_and_add(tf.zeros([0, 4]), 2).shape == [2]
    assert tf.signal.overlap_and_add(tf.zeros([3, 0]), 2).numpy().tolist() == [0.0] * 4
    assert tf.signal.irfft(tf.zeros([2, 0], tf.complex64)).shape == [2, 0]
