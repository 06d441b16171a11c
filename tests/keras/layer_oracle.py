"""Compares an ember layer with real Keras 3's layer of the same name (NumPy backend):
the same weights give the same outputs, eagerly and in a functional model; the symbolic
and computed output shapes agree; the configs have the same keys and values and go round
trip; and a model holding the layer, saved by either, loads in the other with the same
predictions. Shared by tests/keras/test_layers_3d.py and test_layers_extra_misc.py."""

from __future__ import annotations

import numpy as np

import ember as tf
from ember import keras
from tests.keras3_oracle import keras3

_SKIP_KEYS = {"name", "dtype", "quantization_config"}


def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(u) for u in v]
    if isinstance(v, dict):  # a nested object: Keras 3 also writes module and more
        return {k: _plain(u) for k, u in v.items() if k not in (
            "module", "registered_name", "input_axes", "output_axes")}
    return v


def check_against_keras3(name, kwargs, x, call_kwargs=None, atol=1e-5, configs=True):
    """Runs `keras.layers.<name>(**kwargs)` of ember and of Keras 3 on the float32 array
    `x` with ember's weights in both; returns (ember layer, ember output)."""
    K = keras3()
    call_kwargs = call_kwargs or {}
    ours = getattr(keras.layers, name)(**kwargs)
    theirs = getattr(K.layers, name)(**kwargs)
    y = ours(x, **call_kwargs)
    if ours.weights:
        theirs.build(x.shape)
        theirs.set_weights(ours.get_weights())
        assert [tuple(w.shape) for w in theirs.weights] == \
            [tuple(w.shape) for w in ours.weights]
    want = np.asarray(theirs(x, **call_kwargs))
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=atol, err_msg=name)
    # symbolic shapes and a functional model
    inp = keras.Input(x.shape[1:], dtype=x.dtype.name)
    sym = ours(inp, **call_kwargs)
    assert tuple(sym.shape) == (None,) + tuple(y.shape)[1:]
    if not call_kwargs:
        assert tuple(ours.compute_output_shape((None,) + x.shape[1:])) == tuple(sym.shape)
        assert tuple(theirs.compute_output_shape((None,) + x.shape[1:])) == tuple(sym.shape)
    model = keras.Model(inp, sym)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=atol)
    fn = tf.function(lambda t: ours(t, **call_kwargs))
    np.testing.assert_allclose(fn(tf.constant(x)).numpy(), want, rtol=1e-5, atol=atol)
    if configs:
        check_config(ours, theirs)
    return ours, y


def check_config(ours, theirs):
    """Same config keys and values as Keras 3 (but name and dtype); from_config and
    serialize/deserialize go round trip."""
    config = ours.get_config()
    k3 = theirs.get_config()
    assert set(config) - _SKIP_KEYS == set(k3) - _SKIP_KEYS, (
        sorted(set(config) ^ set(k3)))
    for key in set(config) - _SKIP_KEYS:
        assert _plain(config[key]) == _plain(k3[key]), (key, config[key], k3[key])
    clone = type(ours).from_config(config)
    assert clone.get_config() == config
    again = keras.layers.deserialize(keras.layers.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == config


def check_file_interop(make, shape, tmp_path, atol=1e-5):
    """A Sequential model `[Input(shape), make(keras.layers)]` saved by ember loads in
    Keras 3 with the same predictions, and back; the same model built in Keras 3 and
    saved loads in ember with the same predictions."""
    K = keras3()
    x = np.random.default_rng(0).standard_normal((2,) + tuple(shape)).astype("float32")
    model = keras.Sequential([keras.Input(shape), make(keras.layers)])
    path = str(tmp_path / "ember.keras")
    model.save(path)
    loaded = K.models.load_model(path)
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, atol=atol, rtol=1e-4)
    assert type(loaded.layers[-1]).__name__ == type(model.layers[-1]).__name__
    theirs = K.Sequential([K.Input(shape), make(K.layers)])
    path = str(tmp_path / "keras3.keras")
    theirs.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_allclose(back.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), atol=atol,
                               rtol=1e-4)
    assert type(back.layers[-1]) is type(model.layers[-1])
