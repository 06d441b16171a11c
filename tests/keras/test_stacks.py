"""Dense stacks against NumPy, and random layer stacks: symbolic shapes == eager shapes."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember as tf
from ember import keras
from ember.keras import layers


def _erf(x):
    from math import erf
    return np.vectorize(erf)(x)


NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softmax": lambda z: np.exp(z - z.max(-1, keepdims=True))
    / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True),
    "tanh": np.tanh,
    "linear": lambda z: z,
    "gelu": lambda z: 0.5 * z * (1 + _erf(z / np.sqrt(2))),
    "swish": lambda z: z / (1 + np.exp(-z)),
    "silu": lambda z: z / (1 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),
    "selu": lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772
                                                    * (np.exp(z) - 1)),
    "softplus": lambda z: np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),
    "relu6": lambda z: np.clip(z, 0, 6),
    "hard_sigmoid": lambda z: np.clip(z + 3, 0, 6) / 6,
    "exponential": np.exp,
}


@pytest.mark.parametrize("activation", sorted(NUMPY_ACTIVATIONS))
def test_dense_stack_with_each_activation_matches_numpy(activation):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation=activation),
                              layers.Dense(3, activation=activation)])
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.5
               for w in model.get_weights()]
    model.set_weights(weights)
    x = rng.standard_normal((4, 6)).astype("float32")
    act = NUMPY_ACTIVATIONS[activation]
    want = act(act(x.astype("float64") @ weights[0] + weights[1]) @ weights[2] + weights[3])
    for got in (model(x).numpy(), model.predict(x, verbose=0),
                layers.Dense.__call__(model.layers[1], model.layers[0](x)).numpy()):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


# -- random stacks ---------------------------------------------------------------------

def _layer(kind, n, rng_value):
    if kind == "dense":
        return layers.Dense(n, activation=["relu", None, "tanh"][rng_value % 3])
    if kind == "activation":
        return layers.Activation(["sigmoid", "softmax", "gelu"][rng_value % 3])
    if kind == "dropout":
        return layers.Dropout(0.3)
    if kind == "flatten":
        return layers.Flatten()
    if kind == "identity":
        return layers.Identity()
    if kind == "relu":
        return layers.ReLU()
    if kind == "reshape":
        return "reshape"
    raise AssertionError(kind)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(in_shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       kinds=st.lists(st.sampled_from(["dense", "activation", "dropout", "flatten",
                                       "identity", "relu", "reshape"]), min_size=1,
                      max_size=5),
       sizes=st.lists(st.integers(1, 5), min_size=5, max_size=5),
       batch=st.integers(1, 3))
def test_random_stack_symbolic_shapes_equal_eager_shapes(in_shape, kinds, sizes, batch):
    inputs = keras.Input(tuple(in_shape))
    x = inputs
    stack = []
    for kind, n in zip(kinds, sizes):
        layer = _layer(kind, n, n)
        if layer == "reshape":
            last = x.shape[-1]
            layer = layers.Reshape(tuple(x.shape[1:-1]) + (1, last))
        x = layer(x)
        stack.append(layer)
    model = keras.Model(inputs, x)
    data = np.random.default_rng(0).standard_normal((batch, *in_shape)).astype("float32")
    eager = data
    for layer in stack:
        eager = layer(eager)
    assert isinstance(x, keras.KerasTensor)
    assert tuple(x.shape)[1:] == tuple(eager.shape)[1:]
    assert model(data).shape == eager.shape
    assert model.predict(data, verbose=0).shape == tuple(eager.shape)
    for layer in stack:
        assert layer.compute_output_shape(layer.input_shape) == layer.output_shape
    np.testing.assert_allclose(model(data).numpy(), eager.numpy(), rtol=1e-5, atol=1e-6)


def test_dtype_of_stack_follows_layer_dtype():
    m = keras.Sequential([keras.Input((3,), dtype="float64"),
                          layers.Dense(2, dtype="float64")])
    assert m(np.ones((1, 3))).dtype == tf.float64
