"""Strategies: which devices a data-parallel program runs on (see `ember.distribute`).

A strategy with more than one device needs the JAX backend (`ember.config.set_backend
("jax")` or `EMBER_BACKEND=jax`); its scope makes their mesh the one graphs are traced
for (`ember.core.xla.push_mesh`). `strategy.run(fn)` calls `fn` once on the global batch:
XLA splits the work across the devices, so there is one replica's value to reduce.

Example:
    >>> import ember as tf
    >>> s = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> s.num_replicas_in_sync, tf.distribute.has_strategy()
    (1, False)
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
from typing import Any, Callable, Iterator

import numpy as np

from .. import backend
from ..core.context import CTX
from ..core.errors import InvalidArgumentError
from ..core.xla import pop_mesh, push_mesh
from ..ops.reduce_ops import reduce_mean, reduce_sum

_STACK: list = []  # strategies whose scope is open, innermost last


class ReduceOp(enum.Enum):
    """How `Strategy.reduce` combines values: SUM or MEAN."""
    SUM = "SUM"
    MEAN = "MEAN"


def _jax_devices(spec: Any) -> list:
    """The jax devices a strategy asked for: all of the default platform (None), or
    those named ("/gpu:1", "GPU:0", "cpu:0", or jax devices)."""
    import jax  # optional (ember[jax]): only with the JAX backend
    if spec is None:
        return list(jax.devices())
    out = []
    for d in spec:
        if not isinstance(d, str):
            out.append(d)
            continue
        name = d.lower().rsplit("device:", 1)[-1].lstrip("/")
        kind, _, index = name.partition(":")
        try:
            out.append(jax.devices(kind)[int(index or 0)])
        except (RuntimeError, IndexError, ValueError):
            raise InvalidArgumentError(
                f"MirroredStrategy: device {d!r} is not present; the devices are "
                f"{[f'{x.platform}:{x.id}' for x in jax.devices()]}. Name one of them, or "
                f"pass devices=None for all.") from None
    return out


class Strategy:
    """A set of devices to run on; the default strategy has one (`get_strategy()`)."""

    def __init__(self, devices: Any = None):
        if backend.current() == "jax":
            self._devices = _jax_devices(devices)
        else:
            if devices is not None and any("gpu" in str(d).lower() for d in devices):
                raise InvalidArgumentError(
                    f"{type(self).__name__}: devices {list(devices)} need the JAX backend "
                    f"(the NumPy backend runs on the CPU only): set EMBER_BACKEND=jax or "
                    f"call ember.config.set_backend('jax') first.")
            self._devices = ["/cpu:0"]
        self._mesh = None
        if len(self._devices) > 1:
            from jax.sharding import Mesh  # optional (ember[jax])
            self._mesh = Mesh(np.array(self._devices), ("batch",))

    @property
    def num_replicas_in_sync(self) -> int:
        """The number of devices the batch is split over."""
        return len(self._devices)

    @property
    def extended(self) -> "Strategy":
        return self

    @contextlib.contextmanager
    def scope(self) -> Iterator["Strategy"]:
        """Models compiled and functions traced in here run on the strategy's devices."""
        _STACK.append(self)
        if self._mesh is not None:
            push_mesh(self._mesh)
        try:
            yield self
        finally:
            if self._mesh is not None:
                pop_mesh()
            _STACK.pop()

    def run(self, fn: Callable, args: tuple = (), kwargs: dict | None = None) -> Any:
        """`fn(*args, **kwargs)` on the global batch, in the strategy's scope; inside a
        traced function, that function then runs on the strategy's devices."""
        if CTX.traces and self._mesh is not None:
            CTX.traces[0].graph.mesh = self._mesh
        with self.scope():
            return fn(*args, **(kwargs or {}))

    def reduce(self, reduce_op: Any, value: Any, axis: Any = None) -> Any:
        """Combines a value `run` returned across replicas (there is one: the global
        batch's), and over `axis` when given (TF's per-example axis)."""
        op = ReduceOp(reduce_op.value if isinstance(reduce_op, ReduceOp) else
                      str(reduce_op).upper())
        if axis is None:
            return value
        return (reduce_sum if op is ReduceOp.SUM else reduce_mean)(value, axis=axis)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """The dataset as it is: each element is a global batch, split by XLA."""
        return dataset

    def distribute_datasets_from_function(self, dataset_fn: Callable,
                                          options: Any = None) -> Any:
        return dataset_fn(InputContext(1, 0, self.num_replicas_in_sync))

    def experimental_local_results(self, value: Any) -> tuple:
        return (value,)

    def gather(self, value: Any, axis: int) -> Any:
        return value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} devices={[str(d) for d in self._devices]}>"


class MirroredStrategy(Strategy):
    """Data parallel on the devices of this host (all of them by default).

    Example:
        >>> import ember as tf
        >>> tf.distribute.MirroredStrategy().num_replicas_in_sync
        1
    """

    def __init__(self, devices: Any = None, cross_device_ops: Any = None):
        super().__init__(devices)


class OneDeviceStrategy(Strategy):
    """Everything on one device."""

    def __init__(self, device: str):
        super().__init__([device] if backend.current() == "jax" else None)


class MultiWorkerMirroredStrategy(Strategy):
    """Data parallel on the devices of several hosts: each host runs the same program;
    `jax.distributed.initialize` connects them, from TF's `TF_CONFIG` (the cluster's
    worker addresses and this task's index) or JAX's own environment (a cluster JAX
    detects, e.g. SLURM). See docs/backends.md."""

    def __init__(self, cluster_resolver: Any = None, communication_options: Any = None):
        if backend.current() != "jax":
            raise InvalidArgumentError(
                "MultiWorkerMirroredStrategy needs the JAX backend: set EMBER_BACKEND=jax "
                "on every worker.")
        import jax  # optional (ember[jax])
        config = os.environ.get("TF_CONFIG")
        if config and not getattr(jax.distributed, "is_initialized", lambda: False)():
            spec = json.loads(config)
            workers = spec["cluster"]["worker"]
            if jax.config.jax_cpu_collectives_implementation in (None, "none"):
                # CPU hosts exchange their all-reduces through gloo (JAX has no other
                # CPU collectives built in); GPUs use NCCL whatever this says
                jax.config.update("jax_cpu_collectives_implementation", "gloo")
            jax.distributed.initialize(coordinator_address=workers[0],
                                       num_processes=len(workers),
                                       process_id=int(spec["task"]["index"]))
        super().__init__(None)


class InputContext:
    """What `distribute_datasets_from_function` tells the dataset function."""

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0,
                 num_replicas_in_sync: int = 1):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(f"The global batch size ({global_batch_size}) must divide by the "
                             f"number of replicas ({self.num_replicas_in_sync}).")
        return global_batch_size // self.num_replicas_in_sync


_DEFAULT: list = []


def get_strategy() -> Strategy:
    """The strategy whose scope is open, else the default one (one device)."""
    if _STACK:
        return _STACK[-1]
    if not _DEFAULT or _DEFAULT[0][0] != backend.current():
        one = Strategy(None if backend.current() != "jax" else [_jax_devices(None)[0]])
        _DEFAULT[:] = [(backend.current(), one)]
    return _DEFAULT[0][1]


def has_strategy() -> bool:
    """Whether a strategy's scope is open."""
    return bool(_STACK)


def in_cross_replica_context() -> bool:
    return True


def get_replica_context() -> Any:
    return None
