"""`ember.train`: TF's `tf.train` checkpoints (`Checkpoint`, `CheckpointManager`,
`latest_checkpoint`, `list_variables`, `load_variable`, `load_checkpoint`).

Checkpoints are ember's own files under TF's names (`<prefix>.index`,
`<prefix>.data-00000-of-00001`); see `ember.train._format`.

Example:
    >>> import os, tempfile
    >>> import ember as tf
    >>> ckpt = tf.train.Checkpoint(w=tf.Variable([1.0, 2.0]))
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> tf.train.list_variables(path)
    [('_CHECKPOINTABLE_OBJECT_GRAPH', []), ('save_counter/.ATTRIBUTES/VARIABLE_VALUE', []), ('w/.ATTRIBUTES/VARIABLE_VALUE', [2])]
"""

from ._format import NotFoundError
# tf.train.Example and its parts (issue 12: ember/io/example_pb.py)
from ..io.example_pb import BytesList, Example, Feature, Features, FloatList, Int64List
from .checkpoint import Checkpoint, CheckpointLoadStatus
from .manager import (CheckpointManager, CheckpointState, get_checkpoint_state,
                      latest_checkpoint, list_variables, load_checkpoint, load_variable)

__all__ = ["Checkpoint", "CheckpointLoadStatus", "CheckpointManager", "CheckpointState",
           "NotFoundError", "get_checkpoint_state", "latest_checkpoint", "list_variables",
           "load_checkpoint", "load_variable",
           "Example", "Features", "Feature", "BytesList", "FloatList", "Int64List"]
