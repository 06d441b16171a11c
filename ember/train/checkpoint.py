"""`tf.train.Checkpoint`: saves and restores Variables by their place in the object graph.

`Checkpoint(model=model, optimizer=opt)` saves every Variable reachable from its
keyword arguments (see `ember.train._tracking` for the names) and restores them by path,
so a checkpoint loads into a freshly built program. Restoring before the Variables exist
is deferred, as in TF: a Keras layer that is not built yet gets its weights when it is
built, an optimizer its slots when it creates them (its first `apply_gradients`).

The files are ember's own format under TF's names (`<prefix>.index` and
`<prefix>.data-00000-of-00001`); see `ember.train._format`. TF's own TensorBundle
checkpoints are read too (`ember.train._tf_bundle`: values, and restore through TF's object
graph, with Keras 3's layer paths mapped to ember's); ember writes only its own format.

Example:
    >>> import os, tempfile
    >>> import ember as tf
    >>> v = tf.Variable([1.0, 2.0])
    >>> ckpt = tf.train.Checkpoint(v=v)
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> os.path.basename(path), int(ckpt.save_counter)
    ('ckpt-1', 1)
    >>> _ = v.assign([0.0, 0.0])
    >>> ckpt.restore(path).assert_consumed().run_restore_ops()
    >>> v.numpy()
    array([1., 2.], dtype=float32)
"""

from __future__ import annotations

import functools
import os
import weakref
from typing import Any

import numpy as np

from ..core.dtypes import as_dtype
from ..core.variable import Variable
from . import _format, _tracking
from ._tracking import VALUE_SUFFIX

__all__ = ["Checkpoint", "CheckpointLoadStatus"]


def _key(path: str) -> str:
    return path + VALUE_SUFFIX


def _check_container(who: str, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_container(who, f"{name}[{k!r}]", v)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_container(who, f"{name}[{i}]", v)
    elif not _tracking.is_trackable(value):
        raise ValueError(
            f"{who} was expecting {name} to be a trackable object (a Variable, tf.Module, "
            f"Keras layer, model or optimizer, a Checkpoint, or a list/dict of them), got "
            f"{value!r} (type {type(value).__name__}). Wrap plain values in "
            f"tf.Variable(...) to checkpoint them.")


class Checkpoint:
    """Groups trackable objects to save and restore together (TF's `tf.train.Checkpoint`).

    Args:
        root: an optional object whose children become the checkpoint's own.
        **kwargs: the objects to track, by name (Variables, Modules, Keras layers, models
            and optimizers, other Checkpoints, lists and dicts of them). Attributes set
            later (`ckpt.step = tf.Variable(0)`) are tracked too.

    Example:
        >>> import os, tempfile
        >>> import ember as tf
        >>> from ember import keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = tf.train.Checkpoint(model=model).write(
        ...     os.path.join(tempfile.mkdtemp(), "w"))
        >>> for key, shape in tf.train.list_variables(path):
        ...     print(key, shape)
        _CHECKPOINTABLE_OBJECT_GRAPH []
        model/layer-0/bias/.ATTRIBUTES/VARIABLE_VALUE [2]
        model/layer-0/kernel/.ATTRIBUTES/VARIABLE_VALUE [3, 2]
        >>> fresh = keras.Sequential([keras.layers.Dense(2)])  # not built yet
        >>> status = tf.train.Checkpoint(model=fresh).read(path)
        >>> fresh.build((None, 3))  # the saved weights are applied now
        >>> status.assert_consumed() is status
        True
    """

    def __init__(self, root: Any = None, **kwargs: Any):
        object.__setattr__(self, "_roots", {})
        object.__setattr__(self, "_root", None)
        object.__setattr__(self, "_save_counter", None)
        if root is not None:
            _check_container("Checkpoint", "root", root)
            object.__setattr__(self, "_root", root)
        for name, value in kwargs.items():
            _check_container("Checkpoint", name, value)
            if value is None:
                continue
            self._roots[name] = value

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        _check_container("Checkpoint", name, value)
        self._roots[name] = value

    def __getattr__(self, name: str) -> Any:
        roots = self.__dict__.get("_roots", {})
        if name in roots:
            return roots[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}; it tracks "
                             f"{sorted(roots)}.")

    @property
    def save_counter(self) -> Variable:
        """How many times `save` has run (an int64 Variable, saved with the checkpoint)."""
        return self._counter()

    def _counter(self) -> Variable:
        if self._save_counter is None:
            object.__setattr__(self, "_save_counter", Variable(
                np.int64(0), trainable=False, name="save_counter"))
        return self._save_counter

    def _walk_root(self) -> Any:
        return self

    # -- writing -------------------------------------------------------------------------
    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Writes the checkpoint to `file_prefix` (its `.index` and `.data-...` files),
        without touching `save_counter` or the `checkpoint` state file; returns the
        prefix."""
        prefix = _prefix("Checkpoint.write", file_prefix)
        objects, edges, paths = _tracking.walk(self)
        nodes: list[dict] = []
        arrays: dict[str, np.ndarray] = {}
        index = {id(o): i for i, o in enumerate(objects)}
        for i, obj in enumerate(objects):
            node: dict = {"children": [[n, j] for n, j in edges[i]]}
            if isinstance(obj, Variable):
                node["key"] = _key(paths[i])
                arrays[node["key"]] = np.asarray(obj._value)
            if isinstance(obj, _tracking.Optimizer):
                node["slots"] = []
                for var, slot_name, slot in _tracking.slots(obj):
                    j = index.get(id(var))
                    if j is None:
                        continue  # the variable is not in this checkpoint
                    slot_path = f"{paths[i]}/{_tracking.escape(slot_name)}"
                    key = f"{paths[j]}/.OPTIMIZER_SLOT/{slot_path}{VALUE_SUFFIX}"
                    arrays[key] = np.asarray(slot._value)
                    node["slots"].append([j, slot_name, key])
            nodes.append(node)
        _format.write_bundle(prefix, {"nodes": nodes}, arrays)
        return prefix

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Adds 1 to `save_counter`, writes `<file_prefix>-<save_counter>`, and records it
        as the latest in the folder's `checkpoint` state file; returns that path."""
        prefix = _prefix("Checkpoint.save", file_prefix)
        counter = self._counter()
        counter.assign_add(np.int64(1))
        path = self.write(f"{prefix}-{int(counter.numpy())}")
        from .manager import _record_latest  # cycle: manager imports this module
        _record_latest(path)
        return path

    # -- reading -------------------------------------------------------------------------
    def read(self, save_path: Any, options: Any = None) -> "CheckpointLoadStatus":
        """Restores from `save_path` (as `restore`, for paths from `write`)."""
        return self.restore(save_path)

    def restore(self, save_path: Any, options: Any = None) -> "CheckpointLoadStatus":
        """Restores the values saved at `save_path` (a path from `save`/`write` or
        `tf.train.latest_checkpoint`) into the tracked objects; returns a status.

        Every value is checked against its Variable before any is assigned: a shape or
        dtype mismatch raises ValueError naming the variable's path, and nothing changes.
        `save_path=None` restores nothing (the status's asserts then fail), so
        `ckpt.restore(manager.latest_checkpoint)` starts fresh when there is none.
        """
        if save_path is None:
            return CheckpointLoadStatus(self, None)
        prefix = _prefix("Checkpoint.restore", save_path)
        reader = _format.read_bundle(prefix)
        nodes = reader.index["nodes"]
        if nodes and any(n == "save_counter" for n, _ in nodes[0]["children"]):
            self._counter()
        status = CheckpointLoadStatus(self, reader)
        status._match(0, self)
        return status


def _prefix(who: str, path: Any) -> str:
    try:
        prefix = os.fspath(path)
    except TypeError:
        raise TypeError(f"tf.train.{who}: the path must be a str or os.PathLike, received "
                        f"{path!r} (type {type(path).__name__}).") from None
    if isinstance(prefix, bytes):
        prefix = prefix.decode()
    if not prefix:
        raise ValueError(f"tf.train.{who}: the path is empty; pass a prefix such as "
                         f"'/tmp/ckpt/ckpt'.")
    return prefix


class CheckpointLoadStatus:
    """What a restore matched (TF's load status): check it with `assert_consumed()`,
    `assert_existing_objects_matched()`, `assert_nontrivial_match()`, or silence
    partial restores with `expect_partial()`. Each assert returns the status."""

    def __init__(self, checkpoint: Checkpoint, reader: Any):
        self._checkpoint = checkpoint
        self._reader = reader
        self._matched: dict[int, Any] = {}  # saved node -> live object
        self._restored: set[int] = set()  # ids of the live Variables given a value
        self._restored_keys: set[str] = set()
        self._deferred: dict[int, tuple[Any, list]] = {}  # id(obj) -> (obj, [(name, nid)])
        self._slots: list = []  # (optimizer, variable node, slot name, key)

    # -- matching ---------------------------------------------------------------------
    def _match(self, nid: int, obj: Any) -> None:
        """Matches saved node `nid` with `obj` and, breadth-first, their children; checks
        every value first, then assigns them all."""
        nodes = self._reader.index["nodes"]
        assigns: list = []
        queue = [(nid, obj)]
        while queue:
            nid, obj = queue.pop(0)
            if nid in self._matched:
                continue
            self._matched[nid] = obj
            node = nodes[nid]
            if node.get("key") is not None:
                if not isinstance(obj, Variable):
                    raise ValueError(
                        f"tf.train.Checkpoint.restore: the checkpoint holds a variable at "
                        f"{node['key'][:-len(VALUE_SUFFIX)]!r}, the program has "
                        f"{type(obj).__name__} there. Nothing was restored.")
                assigns.append((obj, node["key"]))
            live = dict(_tracking.children(obj))
            for name, cid in node.get("children", []):
                if cid in self._matched:
                    continue
                if name in live:
                    queue.append((cid, live[name]))
                elif _tracking.can_defer(obj):
                    entry = self._deferred.setdefault(id(obj), (obj, []))
                    if (name, cid) not in entry[1]:
                        entry[1].append((name, cid))
            for var_nid, slot_name, key in node.get("slots", []):
                self._slots.append((obj, var_nid, slot_name, key))
        slots = self._ready_slots()
        checked = [(var, self._value(var, key), key) for var, key in assigns + slots]
        for var, arr, key in checked:
            var._value = arr
            self._restored.add(id(var))
            self._restored_keys.add(key)
        for obj, _ in list(self._deferred.values()):
            _install_hook(obj, self)
        for opt, *_ in self._slots:
            _install_hook(opt, self)

    def _ready_slots(self) -> list:
        """The pending slots whose variable is matched and whose slot exists now."""
        ready, waiting = [], []
        for entry in self._slots:
            opt, var_nid, slot_name, key = entry
            var = self._matched.get(var_nid)
            slot = opt._slots.get(id(var), {}).get(slot_name) if var is not None else None
            (ready if slot is not None else waiting).append((slot, key) if slot is not None
                                                             else entry)
        self._slots = waiting
        return ready

    def _value(self, var: Variable, key: str) -> np.ndarray:
        arr = self._reader.get_tensor(key)
        path = key[:-len(VALUE_SUFFIX)]
        want = tuple(var._value.shape)
        if arr.shape != want:
            raise ValueError(
                f"tf.train.Checkpoint.restore: the value of {path!r} in "
                f"{self._reader.prefix!r} has shape {arr.shape}, the variable "
                f"{var.name!r} has shape {want}. Nothing was restored; build the objects as "
                f"they were when the checkpoint was saved.")
        if as_dtype(arr.dtype) != as_dtype(var._value.dtype):
            raise ValueError(
                f"tf.train.Checkpoint.restore: the value of {path!r} in "
                f"{self._reader.prefix!r} has dtype {as_dtype(arr.dtype).name}, the variable "
                f"{var.name!r} has dtype {as_dtype(var._value.dtype).name}. Nothing was "
                f"restored; create the variable with the saved dtype.")
        return arr

    def _after_build(self, obj: Any) -> bool:
        """Applies what was deferred to `obj`; True while something is still pending."""
        entry = self._deferred.pop(id(obj), None)
        if entry is not None:
            live = dict(_tracking.children(obj))
            waiting = []
            for name, nid in entry[1]:
                if nid in self._matched:
                    continue
                if name in live:
                    self._match(nid, live[name])
                else:
                    waiting.append((name, nid))
            if waiting:
                self._deferred[id(obj)] = (obj, waiting)
        ready = self._ready_slots()
        checked = [(var, self._value(var, key), key) for var, key in ready]
        for var, arr, key in checked:
            var._value = arr
            self._restored.add(id(var))
            self._restored_keys.add(key)
        return id(obj) in self._deferred or any(s[0] is obj for s in self._slots)

    # -- TF's status API ----------------------------------------------------------------
    def _live_variables(self) -> list[tuple[str, Variable]]:
        objects, _, paths = _tracking.walk(self._checkpoint)
        counter = self._checkpoint._save_counter  # bookkeeping: need not be in the file
        out = [(paths[i], o) for i, o in enumerate(objects)
               if isinstance(o, Variable) and o is not counter]
        for i, o in enumerate(objects):
            if isinstance(o, _tracking.Optimizer):
                out += [(f"{paths[i]} slot {name!r} of {v.name}", s)
                        for v, name, s in _tracking.slots(o)]
        return out

    def _no_checkpoint(self) -> None:
        if self._reader is None:
            raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                                 "restored.")

    def assert_consumed(self) -> "CheckpointLoadStatus":
        """Asserts that every value in the checkpoint was restored and every Variable of
        the program got one (deferred values count once their Variables exist)."""
        self._no_checkpoint()
        keys = set(self._reader.variables)
        unused = sorted(keys - self._restored_keys)
        if unused:
            raise AssertionError(
                f"Unresolved object(s) in checkpoint {self._reader.prefix!r}: "
                f"{[k[:-len(VALUE_SUFFIX)] for k in unused][:10]} (not matched with, or not "
                f"yet created in, the program). Use status.expect_partial() when a partial "
                f"restore is intended.")
        self.assert_existing_objects_matched()
        return self

    def assert_existing_objects_matched(self) -> "CheckpointLoadStatus":
        """Asserts that every Variable the program has now got a value from the
        checkpoint (values for objects not created yet are allowed)."""
        self._no_checkpoint()
        missing = [p for p, v in self._live_variables() if id(v) not in self._restored]
        if missing:
            raise AssertionError(
                f"Object(s) not assigned a value from checkpoint {self._reader.prefix!r}: "
                f"{missing[:10]}. The program has variables the checkpoint lacks; check "
                f"that it tracks the same objects under the same names.")
        return self

    def assert_nontrivial_match(self) -> "CheckpointLoadStatus":
        """Asserts that something besides the Checkpoint itself was matched."""
        self._no_checkpoint()
        if len(self._matched) <= 1 and not self._restored:
            raise AssertionError(f"Nothing in checkpoint {self._reader.prefix!r} matched the "
                                 f"program's objects.")
        return self

    def expect_partial(self) -> "CheckpointLoadStatus":
        """Marks the restore as intentionally partial (ember never warns about it)."""
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run: eager restores assign at once (TF 1 compatibility)."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Nothing to run: eager restores assign at once (TF 1 compatibility)."""


# The restores waiting for an object to create its Variables (its `build`).
_PENDING: "weakref.WeakKeyDictionary[Any, list]" = weakref.WeakKeyDictionary()


def _install_hook(obj: Any, status: CheckpointLoadStatus) -> None:
    """Arranges for the values deferred by `status` to be applied right after `obj`'s
    `build` creates its Variables.

    NOTE: the class's `build` is wrapped once (keeping its attributes, e.g. Keras'
    `_is_default`); the wrapper looks `obj` up in a weak registry, so objects without
    pending restores, copies and pickles are untouched.
    """
    statuses = _PENDING.setdefault(obj, [])
    if status not in statuses:
        statuses.append(status)
    cls = type(obj)
    # Keras layers and optimizers create their Variables in `build`; any other tf.Module
    # by setting an attribute (TF restores a lazily created Variable the same way).
    hook = "build" if _tracking.builds_children(obj) else "__setattr__"
    if getattr(cls.__dict__.get(hook), "_ember_restore_hook", False):
        return
    original = getattr(cls, hook)

    def apply(self: Any) -> None:
        waiting = _PENDING.get(self)
        if waiting:
            left = [s for s in list(waiting) if s._after_build(self)]
            if left:
                _PENDING[self] = left
            else:
                _PENDING.pop(self, None)

    if hook == "build":
        @functools.wraps(original)
        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(self, *args, **kwargs)
            apply(self)
            return out
    else:
        @functools.wraps(original)
        def wrapped(self: Any, name: str, value: Any) -> None:
            original(self, name, value)
            if _tracking.is_trackable(value) or isinstance(value, (list, tuple, dict)):
                apply(self)

    wrapped._ember_restore_hook = True  # type: ignore[attr-defined]
    setattr(cls, hook, wrapped)
