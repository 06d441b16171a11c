"""The `tensorboard` package's compiled protos and event writer, loaded on first use.

tensorboard is an optional dependency (`pip install ember[tensorboard]`): ember imports
without it, and the first summary, graph or trace written without it raises an
ImportError that names the fix.

Example:
    >>> from ember.summary.protos import tensorboard_protos
    >>> tensorboard_protos().event_pb2.Event().step
    0
"""

from __future__ import annotations

import types
from typing import Any


def tensorboard_protos() -> Any:
    """A namespace of TF's protos (`event_pb2`, `summary_pb2`, `graph_pb2`, ...) and
    TensorBoard's `EventFileWriter`, as the `tensorboard` package compiles them.

    Example:
        >>> from ember.summary.protos import tensorboard_protos
        >>> tensorboard_protos().graph_pb2.GraphDef().versions.producer
        0
    """
    try:  # optional: tensorboard (ember imports without it)
        from tensorboard.compat.proto import (attr_value_pb2, config_pb2, event_pb2,
                                              graph_pb2, node_def_pb2, summary_pb2,
                                              tensor_pb2, tensor_shape_pb2, types_pb2)
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError(f"tf.summary needs the `tensorboard` package to write event files "
                          f"and graphs ({e}). Install it with `pip install "
                          f"ember[tensorboard]` (or `pip install tensorboard`).") from e
    return types.SimpleNamespace(
        attr_value_pb2=attr_value_pb2, config_pb2=config_pb2, event_pb2=event_pb2,
        graph_pb2=graph_pb2, node_def_pb2=node_def_pb2, summary_pb2=summary_pb2,
        tensor_pb2=tensor_pb2, tensor_shape_pb2=tensor_shape_pb2, types_pb2=types_pb2,
        EventFileWriter=EventFileWriter)
