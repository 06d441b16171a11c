"""KerasTensor, Input, and the Layer contract."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import SymbolicValueError
from ember.keras import layers


# -- KerasTensor ------------------------------------------------------------------------

def test_keras_tensor_shape_dtype_name_and_repr():
    x = keras.Input(shape=(10,), name="feat")
    assert x.shape == (None, 10) and x.shape.as_list() == [None, 10]
    assert x.dtype == tf.float32 and x.ndim == 2 and x.name == "feat"
    assert repr(x) == "<KerasTensor: shape=(None, 10) dtype=float32 (created by layer 'feat')>"
    assert keras.backend.is_keras_tensor(x) and not keras.backend.is_keras_tensor(tf.ones(2))


@pytest.mark.parametrize("what, fn", [
    ("numpy()", lambda x: x.numpy()),
    ("NumPy array", lambda x: np.asarray(x)),
    ("bool()", lambda x: bool(x)),
    ("float()", lambda x: float(x)),
    ("int()", lambda x: int(x)),
])
def test_keras_tensor_has_no_values(what, fn):
    x = keras.Input(shape=(3,))
    with pytest.raises(SymbolicValueError) as e:
        fn(x)
    msg = str(e.value)
    assert "placeholder" in msg and "model(x)" in msg and "model.predict(x)" in msg


def test_ops_on_keras_tensors_give_keras_tensors_and_run_in_a_model():
    x = keras.Input(shape=(4,))
    outs = {
        "sum": tf.reduce_sum(x, axis=-1),
        "affine": x * 2 + 1,
        "col": x[:, 0],
        "matmul": x @ tf.ones((4, 2)),
        "relu": tf.nn.relu(x - 0.5),
        "concat": tf.concat([x, tf.exp(x)], axis=1),
        "where": tf.where(x > 0.5, x, tf.zeros_like(x)),
    }
    for o in outs.values():
        assert isinstance(o, keras.KerasTensor)
    assert outs["sum"].shape == (None,) and outs["col"].shape == (None,)
    assert outs["matmul"].shape == (None, 2) and outs["concat"].shape == (None, 8)
    model = keras.Model(x, outs)
    data = np.random.default_rng(0).random((3, 4)).astype("float32")
    got = model(data)
    want = {"sum": data.sum(-1), "affine": data * 2 + 1, "col": data[:, 0],
            "matmul": data @ np.ones((4, 2), "float32"), "relu": np.maximum(data - 0.5, 0),
            "concat": np.concatenate([data, np.exp(data)], 1),
            "where": np.where(data > 0.5, data, 0)}
    for k in want:
        np.testing.assert_allclose(got[k].numpy(), want[k], rtol=1e-6, err_msg=k)


def test_tf_shape_of_keras_tensor_is_symbolic_and_usable():
    x = keras.Input(shape=(2, 3))
    s = tf.shape(x)
    assert isinstance(s, keras.KerasTensor) and s.shape == (3,) and s.dtype == tf.int32
    y = tf.reshape(x, [s[0], 6])
    model = keras.Model(x, [s, y])
    shape, flat = model(np.ones((5, 2, 3)))
    assert shape.numpy().tolist() == [5, 2, 3] and flat.shape == (5, 6)


def test_variable_used_by_an_op_on_keras_tensors_is_read_at_run_time_and_tracked():
    w = tf.Variable(2.0)
    x = keras.Input(shape=(1,))
    model = keras.Model(x, x * w)
    assert float(model(np.ones((1, 1)))[0, 0]) == 2.0
    w.assign(5.0)
    assert float(model(np.ones((1, 1)))[0, 0]) == 5.0
    assert any(v is w for v in model.trainable_weights)


def test_mixing_keras_tensor_and_traced_tensor_is_a_clear_error():
    x = keras.Input(shape=(2,))

    @tf.function
    def f(t):
        return t + x

    with pytest.raises(SymbolicValueError, match="can't be mixed"):
        f(tf.ones((1, 2)))


# -- Input -----------------------------------------------------------------------------

def test_input_variants():
    assert keras.Input((3,), batch_size=8).shape == (8, 3)
    assert keras.Input(batch_shape=(None, 2, 2)).shape == (None, 2, 2)
    assert keras.Input(shape=5).shape == (None, 5)
    assert keras.Input((2,), dtype="int32").dtype == tf.int32
    assert keras.layers.InputLayer(input_shape=(4,)).output.shape == (None, 4)
    assert keras.layers.InputLayer(shape=(4,)).output.shape == (None, 4)
    keras.backend.clear_session()
    assert keras.Input((1,)).name == "input_layer"  # Keras 3 names
    assert keras.Input((1,)).name == "input_layer_1"


def test_input_errors():
    with pytest.raises(ValueError, match="shape"):
        keras.Input()
    with pytest.raises(ValueError, match="not both"):
        keras.Input(shape=(2,), batch_shape=(None, 2))
    with pytest.raises(TypeError, match="not called"):
        keras.layers.InputLayer(shape=(2,))(np.ones((1, 2)))


# -- Layer -----------------------------------------------------------------------------

class Scale(layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor
        self.builds = 0

    def build(self, input_shape):
        self.builds += 1
        self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones")
        self.frozen = self.add_weight(shape=(1,), initializer="zeros", trainable=False,
                                      name="frozen")

    def call(self, x, training=None):
        y = x * self.w * self.factor
        return y + 100.0 if training else y

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_build_once_on_first_call_and_weights():
    s = Scale(2.0, name="scale")
    assert not s.built and s.weights == []
    out = s(np.ones((2, 3)))
    s(np.ones((4, 3)))
    assert s.built and s.builds == 1
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3), 2.0, "float32"))
    assert [v.name for v in s.weights] == ["scale/w:0", "scale/frozen:0"]
    assert [v.name for v in s.trainable_weights] == ["scale/w:0"]
    assert [v.name for v in s.non_trainable_weights] == ["scale/frozen:0"]
    assert s.count_params() == 4


def test_training_argument_and_propagation_from_an_outer_model():
    s = Scale()
    x = np.ones((1, 2))
    assert float(s(x)[0, 0]) == 1.0 and float(s(x, training=True)[0, 0]) == 101.0
    inp = keras.Input((2,))
    model = keras.Model(inp, Scale()(inp))
    assert float(model(x)[0, 0]) == 1.0
    assert float(model(x, training=True)[0, 0]) == 101.0


def test_trainable_setter_freezes_weights_and_sublayers():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)),
                              keras.layers.Dense(1)])
    assert len(model.trainable_weights) == 4
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    assert not model.layers[1].trainable


def test_set_weights_is_checked_and_atomic():
    d = keras.layers.Dense(2)
    d.build((None, 3))
    before = d.get_weights()
    with pytest.raises(ValueError, match="expects 2 arrays"):
        d.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"has shape \(2,\), the value given has shape \(3,\)"):
        d.set_weights([np.ones((3, 2)), np.ones(3)])
    for a, b in zip(before, d.get_weights()):
        np.testing.assert_array_equal(a, b)
    d.set_weights([np.ones((3, 2)), np.arange(2.0)])
    assert d.get_weights()[1].tolist() == [0.0, 1.0] and d.get_weights()[1].dtype == np.float32


def test_tracks_sublayers_and_variables_in_attributes_lists_and_dicts():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.first = layers.Dense(3)
            self.stack = [layers.Dense(3), layers.Dense(2)]
            self.named = {"out": layers.Dense(1)}
            self.bias = tf.Variable(0.5)

        def call(self, x):
            x = self.first(x)
            for layer in self.stack:
                x = layer(x)
            return self.named["out"](x) + self.bias

    b = Block()
    b(np.ones((1, 4)))
    assert len(b._flatten_layers(include_self=False)) == 4
    assert len(b.trainable_weights) == 9  # 4 kernels, 4 biases, the Variable
    assert b.count_params() == 4 * 3 + 3 + 3 * 3 + 3 + 3 * 2 + 2 + 2 + 1 + 1


def test_add_weight_accepts_keras2_and_keras3_orders_and_needs_known_shape():
    layer = layers.Layer(name="l")
    a = layer.add_weight("a", (2,))
    b = layer.add_weight((3,), "zeros", name="b")
    assert a.shape == (2,) and b.numpy().tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="fully known shape"):
        layer.add_weight("c", shape=(None, 2))


def test_autocast_float64_numpy_into_float32_layer():
    d = keras.layers.Dense(2)
    out = d(np.ones((1, 3), dtype=np.float64))
    assert out.dtype == tf.float32 and d.kernel.dtype == tf.float32
    e = keras.layers.Dense(2, dtype="float64")
    assert e(np.ones((1, 3), "float32")).dtype == tf.float64


def test_input_spec_error_names_layer_axis_and_shapes():
    d = keras.layers.Dense(3, name="dense")
    d(np.zeros((1, 10)))
    before = d.get_weights()
    with pytest.raises(ValueError) as e:
        d(np.zeros((1, 12)))
    assert str(e.value).startswith('Input 0 of layer "dense" is incompatible: expected axis '
                                   '-1 to have value 10, received shape (1, 12)')
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1.*x\\[None\\]"):
        d(np.zeros(10))
    np.testing.assert_array_equal(before[0], d.get_weights()[0])


def test_compute_output_shape_by_shape_only_call():
    assert Scale().compute_output_shape((None, 7)) == (None, 7)
    assert keras.layers.Dense(4).compute_output_shape((2, 5, 3)) == (2, 5, 4)


def test_get_config_round_trip_of_a_custom_layer():
    s = Scale(3.0, name="s3")
    cfg = s.get_config()
    assert cfg["factor"] == 3.0 and cfg["name"] == "s3"
    t = Scale.from_config(cfg)
    assert t.factor == 3.0 and t.name == "s3"


def test_layer_without_get_config_but_with_args_is_a_clear_error():
    class NoConfig(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

    # the constructor's arguments are recorded, by keyword or position (Keras 3)
    assert NoConfig(units=3).get_config()["units"] == 3
    assert NoConfig(3).get_config()["units"] == 3
    with pytest.raises(NotImplementedError, match="(?s)NoConfig.*`units`.*get_config"):
        NoConfig(np.ones(2)).get_config()  # only plain Python values are saved


def test_unique_auto_names_and_unknown_kwargs():
    keras.backend.clear_session()
    assert [keras.layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    with pytest.raises(TypeError, match="not understood"):
        keras.layers.Dense(1, bogus=2)


def test_layer_called_inside_ember_function_builds_real_variables():
    d = keras.layers.Dense(2, kernel_initializer="ones")

    @tf.function
    def f(x):
        return d(x)

    out = f(tf.ones((3, 4)))
    assert out.numpy().tolist() == [[4.0, 4.0]] * 3
    assert isinstance(d.kernel, tf.Variable) and d.kernel.numpy().sum() == 8.0


def test_losses_from_regularizers_and_add_loss():
    d = keras.layers.Dense(1, kernel_initializer="ones",
                           kernel_regularizer=keras.regularizers.L2(0.1))
    d.build((None, 3))
    assert len(d.losses) == 1 and abs(float(d.losses[0]) - 0.3) < 1e-6
    act = keras.layers.Dense(1, kernel_initializer="ones",
                             activity_regularizer=keras.regularizers.L1(1.0))
    act(np.ones((2, 3)))
    assert abs(float(act.losses[0]) - 3.0) < 1e-6  # |3| per sample, averaged over the batch
