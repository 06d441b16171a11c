"""keras.config (Keras 3's global settings), traceback filtering, and the Keras 3
top-level names keras.version / name_scope / Operation / DTypePolicy and
keras.backend.result_type / standardize_dtype, each checked against real Keras 3 where
it is installed."""

from __future__ import annotations

import traceback
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
import ember as tf
from ember import keras
from tests.keras3_oracle import keras3

EMBER_DIR = str(Path(ember.__file__).parent) + "/"


@pytest.fixture(autouse=True)
def _restore_config():
    c = keras.config
    yield
    c.set_floatx("float32")
    c.set_epsilon(1e-7)
    c.set_image_data_format("channels_last")
    c.enable_interactive_logging()
    c.enable_traceback_filtering()
    c.enable_flash_attention()
    c.set_max_epochs(None)
    c.set_max_steps_per_epoch(None)
    keras.mixed_precision.set_global_policy(None)


# -- the names --------------------------------------------------------------------------
def test_keras_config_has_keras3_names():
    k = keras3()
    theirs = {n for n in dir(k.config) if not n.startswith("_")} - {"set_backend"}
    missing = sorted(n for n in theirs if not hasattr(keras.config, n))
    assert not missing


def test_defaults_match_keras3():
    k = keras3()
    for name in ("floatx", "epsilon", "image_data_format", "is_interactive_logging_enabled",
                 "is_traceback_filtering_enabled", "is_flash_attention_enabled",
                 "is_nnx_enabled", "max_epochs", "max_steps_per_epoch"):
        assert getattr(keras.config, name)() == getattr(k.config, name)(), name
    assert keras.config.dtype_policy().name == k.config.dtype_policy().name == "float32"
    assert keras.version() == keras.__version__ == k.version()


# -- floatx -------------------------------------------------------------------------------
def test_set_floatx_reaches_layers_weights_inputs_and_ops():
    keras.config.set_floatx("float64")
    assert keras.config.floatx() == keras.backend.floatx() == "float64"
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    assert dense.kernel.dtype == tf.float64 and dense.bias.dtype == tf.float64
    assert keras.Input((3,)).dtype == tf.float64
    assert keras.ops.ones((2,)).dtype == tf.float64
    assert keras.config.dtype_policy().name == "float64"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert model.predict(np.ones((2, 3)), verbose=0).dtype == np.float64
    keras.config.set_floatx("float32")
    assert keras.layers.Dense(1).dtype == "float32"


def test_set_floatx_rejects_non_floats_as_keras():
    k = keras3()
    with pytest.raises(ValueError):
        k.config.set_floatx("int32")
    with pytest.raises(ValueError, match="float16, float32, float64"):
        keras.config.set_floatx("int32")
    assert keras.config.floatx() == "float32"


def test_set_epsilon_reaches_losses():
    keras.config.set_epsilon(1e-3)
    assert keras.config.epsilon() == keras.backend.epsilon() == 1e-3
    # binary crossentropy clips predictions to [eps, 1 - eps]
    loss = keras.losses.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]]))
    assert float(loss[0]) == pytest.approx(-np.log(1e-3), rel=1e-3)
    with pytest.raises(TypeError):
        keras.config.set_epsilon("small")


# -- image data format -----------------------------------------------------------------
def test_set_image_data_format_reaches_layers_with_data_format_none():
    k = keras3()
    keras.config.set_image_data_format("channels_first")
    k.config.set_image_data_format("channels_first")
    try:
        assert keras.config.image_data_format() == k.config.image_data_format()
        assert keras.layers.Flatten().data_format == k.layers.Flatten().data_format
        x = np.arange(12.0).reshape(1, 2, 3, 2)  # channels first: (batch, c, h, w)
        ours = keras.layers.Flatten()(x).numpy()
        np.testing.assert_allclose(ours, np.asarray(k.layers.Flatten()(x)))
        assert keras.layers.Flatten(data_format="channels_last").data_format == \
            "channels_last"
    finally:
        k.config.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="channels_first"):
        keras.config.set_image_data_format("nchw")


# -- flags -------------------------------------------------------------------------------
def test_interactive_logging_and_flash_attention_flags_as_keras():
    k = keras3()
    for toggle in ("disable_interactive_logging", "enable_interactive_logging",
                   "disable_flash_attention", "enable_flash_attention"):
        getattr(keras.config, toggle)()
        getattr(k.config, toggle)()
        assert keras.config.is_interactive_logging_enabled() == \
            k.config.is_interactive_logging_enabled()
        assert keras.config.is_flash_attention_enabled() == \
            k.config.is_flash_attention_enabled()
    assert keras.config.is_nnx_enabled() is False


def test_set_dtype_policy_is_the_mixed_precision_global_policy():
    keras.config.set_dtype_policy("mixed_float16")
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    assert keras.config.dtype_policy().name == "mixed_float16"
    layer = keras.layers.Dense(1)
    assert (layer.compute_dtype, layer.variable_dtype) == ("float16", "float32")
    keras.config.set_dtype_policy(keras.DTypePolicy("float64"))
    assert keras.layers.Dense(1).dtype == "float64"
    with pytest.raises(ValueError, match="policy"):
        keras.config.set_dtype_policy(3)


# -- max epochs / steps --------------------------------------------------------------------
def _model() -> keras.Model:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_max_epochs_and_steps_cap_fit():
    x, y = np.ones((40, 2)), np.ones((40, 1))
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = _model().fit(x, y, batch_size=4, epochs=10, verbose=0,
                               callbacks=[counter])
    assert [str(w.message).split(" (")[0] for w in caught] == [
        "Limiting epochs to 2", "Limiting steps_per_epoch to 3"]
    assert {w.filename for w in caught} == {__file__}  # the warning points at the fit call
    assert len(history.history["loss"]) == 2
    assert seen == [0, 1, 2, 0, 1, 2]
    keras.config.set_max_epochs(None)
    keras.config.set_max_steps_per_epoch(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = _model().fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    with pytest.raises(ValueError, match="positive integer"):
        keras.config.set_max_epochs(0)


# -- traceback filtering ---------------------------------------------------------------------
def _frames(exc: BaseException) -> list:
    return [f.filename for f in traceback.extract_tb(exc.__traceback__)]


def _user_fit(model, x, y):
    model.fit(x, y, verbose=0)


def _internal(files: list) -> list:
    return [f for f in files if f.startswith(EMBER_DIR)]


def test_traceback_of_a_bad_fit_shows_the_users_frames():
    model = _model()
    with pytest.raises(ValueError, match="expected shape") as info:
        _user_fit(model, np.ones((8, 5)), np.ones((8, 1)))
    files = _frames(info.value)
    assert files[0] == __file__ and files[1] == __file__  # the test, then _user_fit
    inside = _internal(files)
    # ember's frames: the entry point's wrapper (it names the switch) and the raising one
    assert len(inside) == 2 and files[-1] == inside[-1]
    assert inside[0].endswith("traceback_utils.py")
    text = "".join(traceback.format_exception(info.value))
    assert "disable_traceback_filtering" in text and "expected shape" in text

    keras.config.disable_traceback_filtering()
    with pytest.raises(ValueError, match="expected shape") as info:
        _user_fit(model, np.ones((8, 5)), np.ones((8, 1)))
    full = _internal(_frames(info.value))
    assert len(full) > 3
    assert any(f.endswith("training_loop.py") for f in full)


def test_traceback_filtering_of_layer_and_model_calls_and_predict():
    model = _model()
    calls = [lambda: model(np.ones((2, 5))), lambda: model.predict(np.ones((2, 5)), verbose=0),
             lambda: keras.layers.Dense(2)(np.ones((2,))),
             lambda: model.train_on_batch(np.ones((2, 5)), np.ones((2, 1))),
             lambda: model.evaluate(np.ones((2, 5)), np.ones((2, 1)), verbose=0),
             lambda: model.predict_on_batch(np.ones((2, 5)))]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        files = _frames(info.value)
        assert len(_internal(files)) <= 2, files
        assert files[-1].startswith(EMBER_DIR)  # where it was raised
        assert __file__ in files


def test_a_users_layer_error_keeps_the_users_call_frame():
    class Broken(keras.layers.Layer):
        def call(self, x):
            raise RuntimeError("broken call")

    with pytest.raises(RuntimeError, match="broken call") as info:
        Broken()(np.ones((1, 2)))
    files = _frames(info.value)
    assert files[-1] == __file__  # the user's call(), the innermost frame
    assert len(_internal(files)) == 1  # only the wrapper of Layer.__call__


def test_filtering_keeps_the_exception_and_its_cause():
    class Chained(keras.layers.Layer):
        def call(self, x):
            try:
                {}["k"]
            except KeyError as e:
                raise ValueError("wrapped") from e

    with pytest.raises(ValueError, match="wrapped") as info:
        Chained()(np.ones((1, 2)))
    assert isinstance(info.value.__cause__, KeyError)


# -- keras.name_scope -------------------------------------------------------------------------
def test_name_scope_nests_as_keras():
    k = keras3()
    from keras.src.backend.common.name_scope import current_path

    with keras.name_scope("outer"), k.name_scope("outer"):
        with keras.name_scope("inner") as ours, k.name_scope("inner") as theirs:
            assert ours.name == theirs.name == "inner"
            assert keras.name_scope.current_path() == current_path() == "outer/inner"
            with tf.name_scope("op") as tf_scope:
                assert tf_scope == "outer/inner/op/"
    assert keras.name_scope.current_path() == ""
    for bad in ("a/b", 3):
        with pytest.raises(ValueError):
            keras.name_scope(bad)
        with pytest.raises(ValueError):
            k.name_scope(bad)


def test_name_scope_deduplicates_a_callers_scope():
    owner = object()
    with keras.name_scope("blk", caller=owner):
        with keras.name_scope("blk", caller=owner):
            assert keras.name_scope.current_path() == "blk"
        with keras.name_scope("blk"):
            assert keras.name_scope.current_path() == "blk/blk"


# -- keras.Operation ----------------------------------------------------------------------------
class Tile(keras.Operation):
    def __init__(self, reps: int, name=None):
        super().__init__(name=name)
        self.reps = reps

    def call(self, x):
        return keras.ops.tile(x, (1, self.reps))

    def compute_output_spec(self, x):
        return keras.KerasTensor((x.shape[0], x.shape[1] * self.reps), x.dtype)


def test_operation_runs_call_on_tensors():
    out = Tile(2)(tf.constant([[1.0, 2.0]]))
    np.testing.assert_allclose(out.numpy(), [[1, 2, 1, 2]])
    k = keras3()

    class KTile(k.Operation):
        def call(self, x):
            return k.ops.tile(x, (1, 2))

    np.testing.assert_allclose(np.asarray(KTile()(np.array([[1.0, 2.0]]))), out.numpy())


def test_operation_on_keras_tensors_records_its_output_spec():
    x = keras.Input((3,))
    y = Tile(3, name="tile3")(x)
    assert isinstance(y, keras.KerasTensor)
    assert tuple(y.shape) == (None, 9) and y.dtype == tf.float32
    model = keras.Model(x, keras.layers.Dense(1)(y))
    assert model(np.ones((2, 3))).shape == (2, 1)
    assert "tile3" in [layer.name for layer in model.layers]


def test_operation_default_output_spec_runs_call_symbolically():
    class Scale(keras.Operation):
        def call(self, x, factor=2.0):
            return x * factor

    x = keras.Input((4,))
    y = Scale()(x, factor=3.0)
    assert tuple(y.shape) == (None, 4)
    np.testing.assert_allclose(keras.Model(x, y)(np.ones((1, 4))).numpy(), 3 * np.ones((1, 4)))


def test_operation_basics_as_keras():
    k = keras3()
    assert isinstance(keras.layers.Dense(1), keras.Operation)
    assert isinstance(k.layers.Dense(1), k.Operation)
    op = Tile(2, name="t")
    assert op.name == "t" and op.get_config()["name"] == "t"
    with pytest.raises(NotImplementedError, match="define call"):
        keras.Operation()(tf.constant(1.0))
    with pytest.raises(ValueError, match="without '/'"):
        Tile(2, name="a/b")


def _scale_op_classes(k, lib):
    @lib.saving.register_keras_serializable(package="opsave")
    class ScaleBy(lib.Operation):
        def __init__(self, factor=2.0, name=None):
            super().__init__(name=name)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def compute_output_spec(self, x):
            return lib.KerasTensor(x.shape, x.dtype)

    return ScaleBy


def test_operation_in_a_functional_model_saves_and_loads_both_ways(tmp_path):
    k = keras3()
    ours_cls, theirs_cls = _scale_op_classes(k, keras), _scale_op_classes(k, k)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    inp = keras.Input((3,))
    model = keras.Model(inp, keras.layers.Dense(2)(ours_cls(3.0, name="triple")(inp)))
    entry = [e for e in model.get_config()["layers"] if e["name"] == "triple"][0]
    assert entry["class_name"] == "opsave>ScaleBy"
    assert entry["config"] == {"name": "triple", "factor": 3.0}  # Keras 3's auto config
    model.save(tmp_path / "ours.keras")
    again = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert isinstance(again.get_layer("triple").op, ours_cls)
    theirs = k.models.load_model(tmp_path / "ours.keras")  # real Keras 3 reads it
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    kin = k.Input((3,))
    kmodel = k.Model(kin, theirs_cls(0.5)(kin))
    kmodel.save(tmp_path / "theirs.keras")
    loaded = keras.models.load_model(tmp_path / "theirs.keras")  # and the reverse
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x * 0.5)


def test_operation_whose_arguments_cant_be_saved_says_how():
    class WithInit(keras.Operation):
        def __init__(self, init, name=None):
            super().__init__(name=name)
            self.init = init

        def call(self, x):
            return x

    inp = keras.Input((3,))
    model = keras.Model(inp, WithInit(keras.initializers.Zeros())(inp))
    with pytest.raises(NotImplementedError, match="(?s)argument `init` is a Zeros.*"
                       "class WithInit\\(keras.Operation\\)"):
        model.get_config()


# -- keras.backend dtype helpers ------------------------------------------------------------
@pytest.mark.parametrize("dtypes", [("int32", "float16"), ("int8", "uint8"), ("float32", int),
                                    ("bool", "int16"), ("int64", float),
                                    ("bfloat16", "float16")])
def test_backend_result_type_as_keras(dtypes):
    k = keras3()
    assert keras.backend.result_type(*dtypes) == k.backend.result_type(*dtypes)


def test_backend_standardize_dtype_as_keras():
    k = keras3()
    for d in (float, bool, "float64", None, np.float16, "bfloat16"):
        assert keras.backend.standardize_dtype(d) == k.backend.standardize_dtype(d), d
    # Python int: int64, as Keras 3 on TensorFlow (TF 2.21's tf.keras)
    assert keras.backend.standardize_dtype(int) == "int64"
    with pytest.raises(ValueError):
        keras.backend.standardize_dtype("not_a_dtype")


def test_max_steps_per_epoch_caps_evaluate_and_predict_too():
    """Keras 3 caps every epoch loop (fit, evaluate, predict) by max_steps_per_epoch."""
    import warnings
    import numpy as np
    from ember import keras
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((40, 2), "float32"), np.zeros((40, 1), "float32")
    keras.config.set_max_steps_per_epoch(2)
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = model.predict(x, batch_size=4, verbose=0)
            seen = []
            cb = keras.callbacks.LambdaCallback(on_test_batch_end=lambda b, logs: seen.append(b))
            model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[cb])
        assert out.shape == (8, 1) and seen == [0, 1]
        assert sum("Limiting steps_per_epoch to 2" in str(m.message) for m in w) == 2
        assert all(m.filename == __file__ for m in w if "Limiting" in str(m.message))
    finally:
        keras.config.set_max_steps_per_epoch(None)
    assert model.predict(x, batch_size=4, verbose=0).shape == (40, 1)


def test_without_interactive_logging_progress_goes_to_the_logging_module(capsys, caplog):
    import logging
    import numpy as np
    from ember import keras
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    keras.config.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="keras"):
            model.fit(np.ones((8, 2)), np.zeros((8, 1)), epochs=2, batch_size=4, verbose=1)
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    lines = [r.getMessage() for r in caplog.records if r.name == "keras"]
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("2/2 ") and "loss:" in lines[1]
    assert not any("\x1b" in ln or "\b" in ln for ln in lines)
