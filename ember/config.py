"""`ember.config`: TF's `tf.config` (the parts that apply to ember).

Devices come from the backend (see `ember.backend.devices`): the NumPy backend has one
CPU and no GPU, so GPU lists are empty, hiding GPUs is a no-op and memory growth (a GPU
setting) raises TF's ValueError on the CPU.

Example:
    >>> import ember as tf
    >>> tf.config.list_physical_devices()
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    >>> tf.config.list_physical_devices("GPU")
    []
    >>> tf.config.set_visible_devices([], "GPU")  # hide the GPUs: there are none
    >>> tf.config.list_logical_devices("CPU")
    [LogicalDevice(name='/device:CPU:0', device_type='CPU')]
"""

from __future__ import annotations

import types as _types
from typing import Any

from .core.devices import (SETTINGS as _S, LogicalDevice, PhysicalDevice,  # noqa: F401
                           logical_devices as _logical, physical_devices as _physical,
                           visible_devices as _visible)
from . import backend as _backend
from .core.function import functions_run_eagerly, run_functions_eagerly  # noqa: F401
from .core.registry import use_backend_kernels

experimental_run_functions_eagerly = run_functions_eagerly

__all__ = ["LogicalDevice", "PhysicalDevice", "experimental", "get_soft_device_placement",
           "get_visible_devices", "list_logical_devices", "list_physical_devices",
           "run_functions_eagerly", "set_soft_device_placement", "set_visible_devices",
           "threading", "functions_run_eagerly", "set_backend", "get_backend"]


def set_backend(name: str) -> None:
    """Runs eager ops and the graphs ember compiles from now on (`ember.function`, and
    `fit`, `evaluate` and `predict` steps) on backend `name`: "numpy" (the default) or
    "jax" (XLA on CPU and GPU, device arrays; `pip install 'ember[jax]'`). Graphs
    compiled before keep their backend.
    The environment variable `EMBER_BACKEND` sets it when ember is imported.

    Example:
        >>> import ember as tf
        >>> tf.config.set_backend("numpy")
        >>> tf.config.get_backend()
        'numpy'
    """
    _backend.set_backend(name)
    use_backend_kernels(name)  # eager ops too: NumPy arrays, or the JAX backend's


def get_backend() -> str:
    """The backend new graphs run on ("numpy" or "jax"); see `set_backend`."""
    return _backend.current()


def _device_type(who: str, device_type: Any) -> str | None:
    if device_type is not None and not isinstance(device_type, str):
        raise TypeError(f"tf.config.{who}: device_type must be a string such as 'CPU' or "
                        f"'GPU' (or None for all), received {device_type!r}.")
    return device_type


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices the backend runs on (`device_type`: 'CPU', 'GPU' or None).

    Example:
        >>> import ember as tf
        >>> [d.device_type for d in tf.config.list_physical_devices()]
        ['CPU']
    """
    return _physical(_device_type("list_physical_devices", device_type))


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """The devices ops can run on: one per visible physical device.

    Example:
        >>> import ember as tf
        >>> tf.config.list_logical_devices()[0].name
        '/device:CPU:0'
    """
    return _logical(_device_type("list_logical_devices", device_type))


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices left visible (all of them unless `set_visible_devices` hid
    some).

    Example:
        >>> import ember as tf
        >>> tf.config.get_visible_devices("CPU")
        [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    """
    return _visible(_device_type("get_visible_devices", device_type))


def _unrecognized(device: Any) -> ValueError:
    return ValueError(f"Unrecognized device: {device!r}. The devices are "
                      f"{list_physical_devices()} (tf.config.list_physical_devices()).")


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """Makes only `devices` (a PhysicalDevice or a list of them) visible; with
    `device_type`, only the visibility of that type changes. The NumPy backend always
    computes on the CPU, so hiding the CPU changes what is listed, not where ops run.

    Example:
        >>> import ember as tf
        >>> gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
        >>> tf.config.set_visible_devices(gpu, "GPU")
        Traceback (most recent call last):
        ...
        ValueError: Unrecognized device: PhysicalDevice(name='/physical_device:GPU:0', ...
    """
    device_type = _device_type("set_visible_devices", device_type)
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    try:
        devices = list(devices)
    except TypeError:
        raise TypeError(f"tf.config.set_visible_devices: devices must be a PhysicalDevice or "
                        f"a list of them (from tf.config.list_physical_devices()), received "
                        f"{devices!r}.") from None
    known = list_physical_devices()
    for d in devices:
        if d not in known:
            raise _unrecognized(d)
        if device_type is not None and d.device_type != device_type.upper():
            raise _unrecognized(d)
    with _S.lock:
        keep = [] if device_type is None else [
            d for d in _visible() if d.device_type != device_type.upper()]
        new = keep + [d for d in devices if d not in keep]
        _S.visible = [d for d in known if d in new]  # in the backend's order


def _gpu_only(who: str, device: Any) -> None:
    if not isinstance(device, PhysicalDevice) or device not in list_physical_devices():
        raise _unrecognized(device)
    if device.device_type != "GPU":
        raise ValueError(f"Cannot {who} memory growth on non-GPU and non-Pluggable devices "
                         f"(tf.config.experimental.{who}_memory_growth received {device!r}). "
                         f"Memory growth is a GPU setting; pass a device from "
                         f"tf.config.list_physical_devices('GPU').")


def set_memory_growth(device: PhysicalDevice, enable: bool) -> None:
    """TF's `tf.config.experimental.set_memory_growth`: a GPU setting. ValueError on the
    CPU, as in TF; with no GPU, loops over `list_physical_devices('GPU')` do nothing.

    Example:
        >>> import ember as tf
        >>> for gpu in tf.config.list_physical_devices("GPU"):
        ...     tf.config.experimental.set_memory_growth(gpu, True)
        >>> cpu = tf.config.list_physical_devices("CPU")[0]
        >>> tf.config.experimental.set_memory_growth(cpu, True)
        Traceback (most recent call last):
        ...
        ValueError: Cannot set memory growth on non-GPU and non-Pluggable devices ...
    """
    _gpu_only("set", device)
    with _S.lock:
        _S.memory_growth[device] = bool(enable)


def get_memory_growth(device: PhysicalDevice) -> bool:
    """Whether memory growth is on for a GPU (`set_memory_growth`); ValueError on the CPU."""
    _gpu_only("get", device)
    return _S.memory_growth.get(device, False)


def get_device_details(device: PhysicalDevice) -> dict:
    """TF's `tf.config.experimental.get_device_details`: {} for a CPU, as in TF.

    Example:
        >>> import ember as tf
        >>> tf.config.experimental.get_device_details(tf.config.list_physical_devices()[0])
        {}
    """
    if device not in list_physical_devices():
        raise _unrecognized(device)
    return {}


def get_soft_device_placement() -> bool:
    """Whether `tf.device` on a missing device falls back to the CPU (default True).

    Example:
        >>> import ember as tf
        >>> tf.config.get_soft_device_placement()
        True
    """
    return _S.soft_placement


def set_soft_device_placement(enabled: bool) -> None:
    """Turns soft placement on or off. Off, `with tf.device('/GPU:0')` on a machine
    without that device raises InvalidArgumentError (TF: on the first op placed there).

    Example:
        >>> import ember as tf
        >>> tf.config.set_soft_device_placement(False)
        >>> with tf.device("/GPU:0"):
        ...     pass
        Traceback (most recent call last):
        ...
        ember.core.errors.InvalidArgumentError: Could not satisfy device specification ...
        >>> tf.config.set_soft_device_placement(True)
    """
    _S.soft_placement = bool(enabled)


def _threads(who: str, num_threads: Any) -> int:
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
        raise ValueError(f"tf.config.threading.{who}: num_threads must be an int >= 0 (0 "
                         f"lets the system choose), received {num_threads!r}.")
    return num_threads


def set_intra_op_parallelism_threads(num_threads: int) -> None:
    """The threads one op may use. ember's ops are NumPy's: with the optional
    `threadpoolctl` package installed, this limits NumPy's BLAS/OpenMP thread pools to
    `num_threads` (0 restores them); without it only ember's own compiled loops
    (convolution and pooling) follow it, and the BLAS keeps its threads (set
    OPENBLAS_NUM_THREADS before starting Python instead).

    Example:
        >>> import ember as tf
        >>> tf.config.threading.set_intra_op_parallelism_threads(2)
        >>> tf.config.threading.get_intra_op_parallelism_threads()
        2
        >>> tf.config.threading.set_intra_op_parallelism_threads(0)
    """
    n = _threads("set_intra_op_parallelism_threads", num_threads)
    with _S.lock:
        try:
            import threadpoolctl  # optional: threadpoolctl
        except ImportError:
            threadpoolctl = None
        if threadpoolctl is not None:
            if _S.thread_limiter is not None:
                _S.thread_limiter.restore_original_limits()
                _S.thread_limiter = None
            if n:
                _S.thread_limiter = threadpoolctl.threadpool_limits(limits=n)
        from .backend.numpy import conv  # ember's compiled loops (0: every core)
        if conv.compiled_available():
            conv._compiled.set_num_threads(n)
        _S.intra_op_threads = n


def get_intra_op_parallelism_threads() -> int:
    """The value of `set_intra_op_parallelism_threads` (0: the system's choice)."""
    return _S.intra_op_threads


def set_inter_op_parallelism_threads(num_threads: int) -> None:
    """The threads independent ops may run on. ember runs ops one after another in
    program order, so the value is recorded (and validated) only.

    Example:
        >>> import ember as tf
        >>> tf.config.threading.set_inter_op_parallelism_threads(1)
        >>> tf.config.threading.get_inter_op_parallelism_threads()
        1
        >>> tf.config.threading.set_inter_op_parallelism_threads(0)
    """
    _S.inter_op_threads = _threads("set_inter_op_parallelism_threads", num_threads)


def get_inter_op_parallelism_threads() -> int:
    """The value of `set_inter_op_parallelism_threads` (0: the system's choice)."""
    return _S.inter_op_threads


def enable_op_determinism() -> None:
    """TF's `tf.config.experimental.enable_op_determinism`: nothing to do, ember's ops
    are deterministic already (NumPy kernels, one thread of ops; seeds decide the random
    ops).

    Example:
        >>> import ember as tf
        >>> tf.config.experimental.enable_op_determinism()
    """


def enable_tensor_float_32_execution(enabled: bool) -> None:
    """TF's TensorFloat-32 switch (a GPU matmul setting): recorded only; ember computes
    float32 in float32."""
    _S.tf32 = bool(enabled)


def tensor_float_32_execution_enabled() -> bool:
    """The value of `enable_tensor_float_32_execution` (True by default, as in TF)."""
    return getattr(_S, "tf32", True)


threading = _types.SimpleNamespace(
    set_intra_op_parallelism_threads=set_intra_op_parallelism_threads,
    get_intra_op_parallelism_threads=get_intra_op_parallelism_threads,
    set_inter_op_parallelism_threads=set_inter_op_parallelism_threads,
    get_inter_op_parallelism_threads=get_inter_op_parallelism_threads)

experimental = _types.SimpleNamespace(
    list_physical_devices=list_physical_devices, list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices, set_visible_devices=set_visible_devices,
    set_memory_growth=set_memory_growth, get_memory_growth=get_memory_growth,
    get_device_details=get_device_details, enable_op_determinism=enable_op_determinism,
    enable_tensor_float_32_execution=enable_tensor_float_32_execution,
    tensor_float_32_execution_enabled=tensor_float_32_execution_enabled)
