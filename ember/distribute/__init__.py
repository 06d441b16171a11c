"""`ember.distribute`: TF's `tf.distribute` for data-parallel training on the JAX backend.

A strategy names the devices; graphs traced in its scope (a Keras model compiled there:
its `fit`, `evaluate` and `predict`; a function run by `strategy.run`) run on a
`jax.sharding.Mesh` over them: each batch is split across the devices, the weights are
replicated, and XLA sums the gradients across devices. Values are those of one device
on the whole batch, so a program's numbers don't depend on the device count. On the
NumPy backend a strategy has one device (the CPU) and runs as written.

Example:
    >>> import ember as tf
    >>> strategy = tf.distribute.MirroredStrategy()
    >>> strategy.num_replicas_in_sync  # one on the NumPy backend
    1
    >>> with strategy.scope():
    ...     v = tf.Variable(1.0)
    >>> float(strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(lambda: v * 2), axis=None))
    2.0
"""

from __future__ import annotations

from .strategy import (InputContext, MirroredStrategy, MultiWorkerMirroredStrategy,
                       OneDeviceStrategy, ReduceOp, Strategy, get_replica_context,
                       get_strategy, has_strategy, in_cross_replica_context)

__all__ = ["InputContext", "MirroredStrategy", "MultiWorkerMirroredStrategy",
           "OneDeviceStrategy", "ReduceOp", "Strategy", "get_replica_context", "get_strategy",
           "has_strategy", "in_cross_replica_context"]
