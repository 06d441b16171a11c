"""tf.config devices and runtime settings, tf.device placement, tf.test device queries."""

import warnings

import numpy as np
import pytest

import ember as tf
from ember.core import devices as dev

CPU = tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU")
GPU = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")


@pytest.fixture(autouse=True)
def _restore_settings():
    yield
    dev.SETTINGS.visible = None
    dev.SETTINGS.soft_placement = True
    dev.SETTINGS.memory_growth.clear()
    tf.config.threading.set_intra_op_parallelism_threads(0)
    tf.config.threading.set_inter_op_parallelism_threads(0)


def test_device_lists_match_tf_names():
    assert tf.config.list_physical_devices() == [CPU]
    assert tf.config.list_physical_devices("CPU") == [CPU]
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.experimental.list_physical_devices("gpu") == []
    (cpu,) = tf.config.list_physical_devices()
    assert cpu.name == "/physical_device:CPU:0" and cpu.device_type == "CPU"
    assert isinstance(cpu, tuple) and cpu._fields == ("name", "device_type")
    logical = tf.config.list_logical_devices()
    assert logical == [tf.config.LogicalDevice("/device:CPU:0", "CPU")]
    assert tf.config.experimental.list_logical_devices("GPU") == []
    with pytest.raises(TypeError, match="list_physical_devices: device_type must be"):
        tf.config.list_physical_devices(0)


def test_visible_devices():
    assert tf.config.get_visible_devices() == [CPU]
    tf.config.set_visible_devices([], "GPU")  # the usual "hide the GPUs": a no-op here
    assert tf.config.get_visible_devices() == [CPU]
    tf.config.experimental.set_visible_devices(CPU)
    assert tf.config.experimental.get_visible_devices("CPU") == [CPU]
    with pytest.raises(ValueError, match=r"Unrecognized device: PhysicalDevice\(name="
                                         r"'/physical_device:GPU:0'"):
        tf.config.set_visible_devices(GPU)
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.set_visible_devices([CPU], "GPU")  # a CPU is not a GPU
    with pytest.raises(TypeError, match="a PhysicalDevice or a list of them"):
        tf.config.set_visible_devices(3)
    tf.config.set_visible_devices([], "CPU")
    assert tf.config.get_visible_devices() == [] and tf.config.list_logical_devices() == []
    tf.config.set_visible_devices([CPU], "CPU")
    assert tf.config.list_logical_devices("CPU")[0].name == "/device:CPU:0"


def test_memory_growth_is_a_gpu_setting():
    for gpu in tf.config.list_physical_devices("GPU"):  # the TF idiom: nothing to do
        tf.config.experimental.set_memory_growth(gpu, True)
    with pytest.raises(ValueError, match="Cannot set memory growth on non-GPU"):
        tf.config.experimental.set_memory_growth(CPU, True)
    with pytest.raises(ValueError, match="Cannot get memory growth on non-GPU"):
        tf.config.experimental.get_memory_growth(CPU)
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.experimental.set_memory_growth(GPU, True)
    assert tf.config.experimental.get_device_details(CPU) == {}


def test_threading_settings():
    tf.config.threading.set_intra_op_parallelism_threads(1)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 1
    tf.config.threading.set_inter_op_parallelism_threads(3)
    assert tf.config.threading.get_inter_op_parallelism_threads() == 3
    assert float(tf.reduce_sum(tf.matmul(tf.ones((8, 8)), tf.ones((8, 8))))) == 512.0
    for bad in (-1, 1.5, "2", True):
        with pytest.raises(ValueError, match="set_intra_op_parallelism_threads: num_threads "
                                             "must be an int >= 0"):
            tf.config.threading.set_intra_op_parallelism_threads(bad)
    with pytest.raises(ValueError, match="set_inter_op_parallelism_threads"):
        tf.config.threading.set_inter_op_parallelism_threads(-2)


def test_threading_limits_blas_with_threadpoolctl():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    if not blas:
        pytest.skip("NumPy's BLAS is not visible to threadpoolctl here")
    tf.config.threading.set_intra_op_parallelism_threads(1)
    assert all(p["num_threads"] == 1 for p in threadpoolctl.threadpool_info()
               if p["user_api"] == "blas")
    tf.config.threading.set_intra_op_parallelism_threads(0)
    after = {p["filepath"]: p["num_threads"] for p in threadpoolctl.threadpool_info()}
    assert all(after[p["filepath"]] == p["num_threads"] for p in blas)


def test_device_placement_tells_the_truth():
    assert tf.config.get_soft_device_placement() is True
    with tf.device("/GPU:0"):  # soft placement: the CPU, silently, as TF
        x = tf.constant([1.0]) * 2
    assert x.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert tf.Variable(1.0).device.endswith("device:CPU:0")
    for spec in ("/CPU:0", "/cpu:0", "CPU:0", "/device:CPU:0", "", None,
                 "/job:localhost/replica:0/task:0/device:CPU:0", "/job:localhost"):
        with tf.device(spec):
            pass
    tf.config.set_soft_device_placement(False)
    assert tf.config.get_soft_device_placement() is False
    with tf.device("/CPU:0"):
        pass
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Could not satisfy device specification '/job:localhost/"
                             r"replica:0/task:0/device:GPU:0'\. enable_soft_placement=0"):
        with tf.device("/GPU:0"):
            pass
    with pytest.raises(tf.errors.InvalidArgumentError, match="device:CPU:1"):
        with tf.device("/CPU:1"):
            pass


def test_device_string_errors():
    with pytest.raises(ValueError, match="device: unknown attribute 'foo bar'"):
        with tf.device("foo bar"):
            pass
    with pytest.raises(TypeError, match="expected a device string"):
        with tf.device(0):
            pass
    assert dev.parse_device("/job:worker/task:1") is None
    assert dev.parse_device("/device:GPU:*") == ("GPU", 0)


def test_tf_test_device_queries():
    assert tf.test.gpu_device_name() == ""
    assert tf.test.is_built_with_cuda() is False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert tf.test.is_gpu_available() is False
    assert any("list_physical_devices('GPU')" in str(w.message) for w in caught)


def test_tf_idiom_runs_unchanged():
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:  # pragma: no cover - there are none
        tf.config.set_visible_devices(gpus[0], "GPU")
    device = "/GPU:0" if gpus else "/CPU:0"
    with tf.device(device):
        y = tf.matmul(tf.ones((2, 2)), tf.ones((2, 2)))
    np.testing.assert_array_equal(y.numpy(), np.full((2, 2), 2.0))


def test_determinism_and_tf32_switches():
    tf.config.experimental.enable_op_determinism()
    assert tf.config.experimental.tensor_float_32_execution_enabled() is True
    tf.config.experimental.enable_tensor_float_32_execution(False)
    assert tf.config.experimental.tensor_float_32_execution_enabled() is False
    tf.config.experimental.enable_tensor_float_32_execution(True)


def test_log_device_placement_logs_eager_and_compiled_ops(capsys):
    f = tf.function(lambda x: tf.matmul(x, x) + 1.0)
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    tf.debugging.set_log_device_placement(True)
    try:
        _ = x * 2.0
        f(x)
        logged = capsys.readouterr().err.splitlines()
    finally:
        tf.debugging.set_log_device_placement(False)
    cpu = "/job:localhost/replica:0/task:0/device:CPU:0"
    assert f"Executing op multiply in device {cpu}" in logged
    assert f"Executing op matmul in device {cpu}" in logged  # a step of the compiled plan
    _ = x * 2.0
    f(x)  # the plan compiled while logging was on stays silent now
    assert capsys.readouterr().err == ""
