"""Shared by tests/keras/test_applications*.py: builds an application model in real Keras 3
(NumPy backend) and in ember, checks they have the same layers (names, in Keras' order)
and weight shapes, copies Keras' weights (randomized so every layer matters) into ember
and compares the outputs; and writes Keras `.h5` weights files in tf.keras 2's layout
(the layout of Keras' published ImageNet files)."""

from __future__ import annotations

import numpy as np

from ember import keras
from ember.keras.engine.input_layer import InputLayer
from tests.keras3_oracle import keras3


def weighted_or_named_layers(model):
    """ember's layers in Keras' order, without the InputLayer and the OpLayers of raw
    ops on KerasTensors (op nodes, not layers, in Keras 3)."""
    return [la for la in model.layers
            if not isinstance(la, InputLayer) and type(la).__name__ != "OpLayer"]


def keras_layers(k_model):
    K = keras3()
    return [la for la in k_model.layers if not isinstance(la, K.layers.InputLayer)]


def randomize(k_model, seed=0):
    """Random weights for every float weight of a Keras model: batch-norm statistics and
    scales near their usual values, kernels kept (Keras' random init), biases small."""
    rng = np.random.RandomState(seed)
    for layer in k_model.layers:
        values = []
        for w, v in zip(layer.weights, layer.get_weights()):
            path = w.path
            if not np.issubdtype(v.dtype, np.floating):
                values.append(v)
            elif path.endswith("variance"):
                values.append(rng.uniform(0.5, 1.5, v.shape).astype(v.dtype))
            elif path.endswith(("gamma",)):
                values.append(rng.uniform(0.5, 1.5, v.shape).astype(v.dtype))
            elif path.endswith(("mean", "beta", "bias")):
                values.append(rng.normal(0.0, 0.1, v.shape).astype(v.dtype))
            else:
                values.append(v)
        layer.set_weights(values)


def copy_weights(k_model, e_model):
    """Keras' weights into ember, layer by layer in Keras' order (names must match)."""
    for el, kl in zip(weighted_or_named_layers(e_model), keras_layers(k_model)):
        assert el.name == kl.name
        el.set_weights(kl.get_weights())


def build_pair(k_fn, e_fn, **kwargs):
    """Both models, each built right after clearing its session (auto-named layers then
    get the same names). Keras' initializers are seeded, so its kernels (kept by
    `randomize`) are the same every run: unseeded, one run in ~8 drew weights whose
    float32 rounding differed past the tolerance."""
    K = keras3()
    K.backend.clear_session()
    K.utils.set_random_seed(0)
    k_model = k_fn(**kwargs)
    keras.backend.clear_session()
    e_model = e_fn(**kwargs)
    return k_model, e_model


def images(shape, batch=2, seed=1):
    return np.random.RandomState(seed).uniform(0, 255, (batch,) + tuple(shape)).astype(
        "float32")


def assert_close(got, want, rtol=1e-4):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    scale = max(float(np.abs(want).max()), 1e-6)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def check_parity(k_fn, e_fn, input_shape=(32, 32, 3), batch=2, **kwargs):
    """Builds `k_fn(**kwargs)` and `e_fn(**kwargs)` and checks they are the same model:
    name, output shape, layer names in Keras' order, weight shapes per layer, and the
    outputs on random images once Keras' (randomized) weights are copied into ember.
    Returns (keras model, ember model)."""
    k_model, e_model = build_pair(k_fn, e_fn, input_shape=input_shape, **kwargs)
    assert e_model.name == k_model.name
    assert tuple(e_model.output_shape) == tuple(k_model.output_shape)
    ours, theirs = weighted_or_named_layers(e_model), keras_layers(k_model)
    assert [la.name for la in ours] == [la.name for la in theirs]
    assert [[tuple(w.shape) for w in la.weights] for la in ours] == \
        [[tuple(w.shape) for w in la.weights] for la in theirs]
    # ember's own layer list holds the same layers (its order may differ from Keras')
    assert sorted(la.name for la in e_model.layers if la.name in {o.name for o in ours}) \
        == sorted(la.name for la in ours)
    assert len(e_model.get_weights()) == len(k_model.get_weights())
    randomize(k_model)
    copy_weights(k_model, e_model)
    x = images(input_shape, batch)
    assert_close(e_model.predict(x, verbose=0), np.asarray(k_model(x)))
    return k_model, e_model


def write_tf2_h5(path, k_model):
    """`k_model`'s weights as a tf.keras 2 HDF5 weights file (Keras' published layout):
    root attributes `layer_names`, `backend`, `keras_version`; per layer a group with
    `weight_names` (`<layer>/<weight>:0`) and one dataset per weight at that path."""
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([la.name.encode() for la in k_model.layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.9.0"
        for layer in k_model.layers:
            g = f.create_group(layer.name)
            weights = list(layer.trainable_weights) + list(layer.non_trainable_weights)
            names = []
            for i, w in enumerate(weights):
                name = f"{layer.name}/{w.name}:0"
                names.append(name if name not in names else f"{layer.name}/{w.name}_{i}:0")
            g.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
            for n, w in zip(names, weights):
                g.create_dataset(n, data=np.asarray(w.numpy()))
