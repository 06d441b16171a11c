"""`tf.train.CheckpointManager`, `latest_checkpoint` and the checkpoint readers.

The folder's `checkpoint` state file is TF's text format (what TF writes and reads):

    model_checkpoint_path: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-3"
    all_model_checkpoint_timestamps: 1700000000.0
    ...

Example:
    >>> import os, tempfile
    >>> import ember as tf
    >>> folder = tempfile.mkdtemp()
    >>> ckpt = tf.train.Checkpoint(step=tf.Variable(0))
    >>> manager = tf.train.CheckpointManager(ckpt, folder, max_to_keep=2)
    >>> for _ in range(3):
    ...     _ = ckpt.step.assign_add(1); path = manager.save()
    >>> [os.path.basename(p) for p in manager.checkpoints]
    ['ckpt-2', 'ckpt-3']
    >>> tf.train.latest_checkpoint(folder) == manager.latest_checkpoint == path
    True
    >>> tf.train.load_variable(folder, "step/.ATTRIBUTES/VARIABLE_VALUE")
    array(3, dtype=int32)
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any, Callable

import numpy as np

from ..keras.saving.weights_file import read_manifest, replacing
from . import _format
from ._tracking import VALUE_SUFFIX
from .checkpoint import Checkpoint, CheckpointLoadStatus, _prefix

__all__ = ["CheckpointManager", "latest_checkpoint", "list_variables", "load_checkpoint",
           "load_variable", "get_checkpoint_state"]

_STATE = "checkpoint"
_LINE = re.compile(r'^\s*(\w+)\s*:\s*(".*"|[-+0-9.eE]+)\s*$')


class CheckpointState:
    """The parsed `checkpoint` state file (TF's CheckpointState proto fields)."""

    def __init__(self, model_checkpoint_path: str = "",
                 all_model_checkpoint_paths: list | None = None,
                 all_model_checkpoint_timestamps: list | None = None,
                 last_preserved_timestamp: float = 0.0):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths or [])
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps or [])
        self.last_preserved_timestamp = last_preserved_timestamp


def _read_state(directory: str, latest_filename: str | None = None) -> CheckpointState | None:
    path = os.path.join(directory, latest_filename or _STATE)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(1 << 20)
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    state = CheckpointState()
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        field, raw = m.groups()
        try:
            value: Any = json.loads(raw) if raw.startswith('"') else float(raw)
        except ValueError:
            continue
        if field == "model_checkpoint_path" and isinstance(value, str):
            state.model_checkpoint_path = value
        elif field == "all_model_checkpoint_paths" and isinstance(value, str):
            state.all_model_checkpoint_paths.append(value)
        elif field == "all_model_checkpoint_timestamps" and isinstance(value, float):
            state.all_model_checkpoint_timestamps.append(value)
        elif field == "last_preserved_timestamp" and isinstance(value, float):
            state.last_preserved_timestamp = value
    return state


def _abs(directory: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(directory, path)


def _rel(directory: str, path: str) -> str:
    """`path` relative to `directory` when it lies in it (TF writes relative paths)."""
    same = os.path.abspath(os.path.dirname(path)) == os.path.abspath(directory)
    return os.path.basename(path) if same else path


def _write_state(directory: str, latest: str, paths: list, timestamps: list,
                 last_preserved: float) -> None:
    lines = [f"model_checkpoint_path: {json.dumps(_rel(directory, latest))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(_rel(directory, p))}" for p in paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in timestamps]
    lines.append(f"last_preserved_timestamp: {last_preserved!r}")
    with replacing(os.path.join(directory, _STATE)) as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def _record_latest(path: str) -> None:
    """Records `path` as the latest checkpoint of its folder (what Checkpoint.save does)."""
    directory = os.path.dirname(path) or "."
    _write_state(directory, path, [path], [time.time()], 0.0)


def get_checkpoint_state(checkpoint_dir: Any,
                         latest_filename: str | None = None) -> CheckpointState | None:
    """The folder's `checkpoint` state (absolute paths), or None when there is none."""
    directory = os.fspath(checkpoint_dir)
    state = _read_state(directory, latest_filename)
    if state is None or not state.model_checkpoint_path:
        return None
    state.model_checkpoint_path = _abs(directory, state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [_abs(directory, p)
                                        for p in state.all_model_checkpoint_paths]
    return state


def latest_checkpoint(checkpoint_dir: Any, latest_filename: str | None = None) -> str | None:
    """The prefix of the folder's latest checkpoint (from its `checkpoint` state file), or
    None when there is none or its files are gone.

    Example:
        >>> import tempfile
        >>> import ember as tf
        >>> tf.train.latest_checkpoint(tempfile.mkdtemp()) is None
        True
    """
    try:
        directory = os.fspath(checkpoint_dir)
    except TypeError:
        raise TypeError(f"tf.train.latest_checkpoint: checkpoint_dir must be a str or "
                        f"os.PathLike, received {checkpoint_dir!r}.") from None
    state = get_checkpoint_state(directory, latest_filename)
    if state is None:
        return None if latest_filename else _newest_weights_file(directory)
    path = state.model_checkpoint_path
    if _format.exists(path) or os.path.isfile(path):
        return path
    return None


def _newest_weights_file(directory: str) -> str | None:
    """The newest ember weights file in `directory` with a tf.keras 2 checkpoint name
    (no '.h5' / '.keras' suffix), or None.

    NOTE: tf.keras 2's `save_weights('ckpt')` writes a TF checkpoint and the folder's
    `checkpoint` state file; ember's writes its weights file to exactly that path and no
    state file. So that `model.load_weights(tf.train.latest_checkpoint(folder))` (TF's
    tutorial, with ModelCheckpoint('cp-{epoch:04d}.ckpt', save_weights_only=True)) keeps
    working, a folder without a state file falls back to its newest such file.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    found = []
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith(".") or name.lower().endswith((".h5", ".hdf5", ".keras")) or \
                not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as f:
                if f.read(4) != b"PK\x03\x04":
                    continue
            read_manifest(path)
        except (OSError, ValueError):
            continue
        found.append((os.path.getmtime(path), name, path))
    return max(found)[2] if found else None


def _resolve(who: str, ckpt_dir_or_file: Any) -> str:
    path = _prefix(who, ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"tf.train.{who}: couldn't find a 'checkpoint' state file or "
                             f"checkpoints in the directory {path!r}.")
        return latest
    return path


def load_checkpoint(ckpt_dir_or_file: Any) -> Any:
    """A reader of a checkpoint (a prefix, or a folder: its latest checkpoint; ember's
    format or TensorFlow's TensorBundle), with
    `get_tensor(key)`, `has_tensor`, `get_variable_to_shape_map()` and
    `get_variable_to_dtype_map()`."""
    return _format.read_bundle(_resolve("load_checkpoint", ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file: Any) -> list[tuple[str, list]]:
    """`[(key, shape), ...]` of every value in a checkpoint, sorted by key."""
    reader = load_checkpoint(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: Any, name: str) -> np.ndarray:
    """The value stored under `name` (a key from `list_variables`; the
    '/.ATTRIBUTES/VARIABLE_VALUE' suffix and a ':0' may be left out)."""
    reader = load_checkpoint(ckpt_dir_or_file)
    if name.endswith(":0"):
        name = name[:-2]
    if not reader.has_tensor(name) and reader.has_tensor(name + VALUE_SUFFIX):
        name += VALUE_SUFFIX
    return reader.get_tensor(name)


class CheckpointManager:
    """Saves numbered checkpoints of `checkpoint` in `directory`, keeps the newest
    `max_to_keep` (None: all; plus one every `keep_checkpoint_every_n_hours`), and keeps
    the folder's `checkpoint` state file, as TF's `tf.train.CheckpointManager`.

    Args:
        checkpoint: the `tf.train.Checkpoint` to save and restore.
        directory: the folder of the checkpoints (created when needed).
        max_to_keep: how many recent checkpoints to keep (a positive int or None).
        keep_checkpoint_every_n_hours: also keep one checkpoint per this many hours.
        checkpoint_name: the file prefix ('ckpt' -> 'ckpt-1.index', ...).
        step_counter / checkpoint_interval: save only when the step counter has advanced
            by `checkpoint_interval` since the last save.
        init_fn: called by `restore_or_initialize` when there is nothing to restore.
    """

    def __init__(self, checkpoint: Any, directory: Any, max_to_keep: int | None,
                 keep_checkpoint_every_n_hours: float | None = None,
                 checkpoint_name: str = "ckpt", step_counter: Any = None,
                 checkpoint_interval: int | None = None, init_fn: Callable | None = None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(f"tf.train.CheckpointManager: checkpoint must be a "
                            f"tf.train.Checkpoint, received {checkpoint!r}.")
        if max_to_keep is not None and (isinstance(max_to_keep, bool) or not isinstance(
                max_to_keep, int) or max_to_keep <= 0):
            raise ValueError(f"tf.train.CheckpointManager: expected a positive integer or "
                             f"None for max_to_keep, got {max_to_keep!r}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("tf.train.CheckpointManager: step_counter must be given with "
                             "checkpoint_interval (e.g. optimizer.iterations).")
        self._checkpoint = checkpoint
        self._directory = _prefix("CheckpointManager", directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._last_step: int | None = None
        self._init_fn = init_fn
        state = _read_state(self._directory)
        self._maybe: list[tuple[str, float]] = []
        self._last_preserved = time.time()
        if state is not None:
            times = state.all_model_checkpoint_timestamps
            for i, p in enumerate(state.all_model_checkpoint_paths):
                p = _abs(self._directory, p)
                if _format.exists(p):
                    self._maybe.append((p, times[i] if i < len(times) else time.time()))
            if state.last_preserved_timestamp:
                self._last_preserved = state.last_preserved_timestamp
        self._latest = self._maybe[-1][0] if self._maybe else None

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def checkpoint_interval(self) -> int | None:
        return self._interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The prefix of the newest checkpoint, or None."""
        return self._latest

    @property
    def checkpoints(self) -> list[str]:
        """The prefixes of the checkpoints kept, oldest first."""
        return [p for p, _ in self._maybe]

    def save(self, checkpoint_number: int | None = None, check_interval: bool = True,
             options: Any = None) -> str | None:
        """Saves a checkpoint numbered `checkpoint_number` (default: the checkpoint's
        `save_counter` after adding 1), deletes the ones beyond `max_to_keep`, updates
        the state file; returns the new prefix (None when skipped by the interval)."""
        if self._interval is not None and check_interval:
            step = int(np.asarray(getattr(self._step_counter, "_value", self._step_counter)))
            if self._last_step is not None and step < self._last_step + self._interval:
                return None
            self._last_step = step
        counter = self._checkpoint._counter()
        counter.assign_add(np.int64(1))
        if checkpoint_number is None:
            checkpoint_number = int(counter.numpy())
        path = self._checkpoint.write(f"{self._prefix}-{int(checkpoint_number)}")
        now = time.time()
        self._maybe = [(p, t) for p, t in self._maybe if p != path] + [(path, now)]
        self._latest = path
        self._sweep()
        _write_state(self._directory, path, self.checkpoints,
                     [t for _, t in self._maybe], self._last_preserved)
        return path

    def _sweep(self) -> None:
        if self._max_to_keep is None:
            return
        while len(self._maybe) > self._max_to_keep:
            path, stamp = self._maybe.pop(0)
            if self._keep_hours is not None and (
                    stamp - self._last_preserved >= self._keep_hours * 3600):
                self._last_preserved = stamp
                continue
            _format.remove_bundle(path)

    def restore_or_initialize(self) -> str | None:
        """Restores the latest checkpoint and returns its path, or calls `init_fn` (when
        given) and returns None."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None


__all__ += ["CheckpointLoadStatus", "CheckpointState"]
