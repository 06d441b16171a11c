"""`Optimizer`: the base of Keras' optimizers (`keras.optimizers.Optimizer`).

One `apply(grads, variables)` runs, in order: drop None gradients (with a warning that
names the variables), check shapes (before anything changes), build the slots, clip
(`clipnorm` / `clipvalue` / `global_clipnorm`), the update with weight decay, the moving
average (`use_ema`), and `iterations += 1`. The learning rate is a float32 Variable, or a
`LearningRateSchedule` evaluated at `iterations`.

The built-in optimizers write their update as one NumPy function per weight that works in
place on the weight's and slots' buffers (see `ember.ops.state_ops.fused_update`): inside
the compiled training step that is one effect equation for all weights, and no buffer is
allocated per step. A custom optimizer written Keras-3 style (`build` + `update_step` with
`self.assign*`) runs its `update_step` with ember ops instead.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0, 2.0])
    >>> opt = keras.optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    >>> w.numpy(), int(opt.iterations)
    (array([0.9, 1.9], dtype=float32), 1)
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Callable, Iterable

import numpy as np

import ember as tf

from ...backend import pure_updates
from ...core.indexed_slices import IndexedSlices
from ...ops.state_ops import fused_update
from .. import initializers
from ..engine.layer_utils import init_scope
from .schedules import LearningRateSchedule, deserialize, serialize


class Optimizer:
    """The base optimizer; see the module docstring for what `apply` does.

    Args:
        learning_rate: a float, or a `keras.optimizers.schedules.LearningRateSchedule`.
        weight_decay: decoupled weight decay (`w -= w * weight_decay * lr` each step).
        clipnorm / clipvalue / global_clipnorm: gradient clipping (one of them at most).
        use_ema: keep an exponential moving average of the weights (`ema_momentum`);
            `ema_overwrite_frequency` steps copy it into the weights, else
            `finalize_variable_values` does at the end of `fit`.
        name: the optimizer's name.
    """

    _DEFAULT_NAME = "optimizer"

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: Any = None, gradient_accumulation_steps: Any = None,
                 name: str | None = None, **kwargs: Any):
        cls = type(self).__name__
        if "lr" in kwargs:
            warnings.warn(f"{cls}: the `lr` argument is deprecated, use `learning_rate`.",
                          DeprecationWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None):
            raise ValueError(f"{cls}: `decay` (the legacy per-step decay) is not supported; "
                             f"use a schedule, e.g. learning_rate=keras.optimizers."
                             f"schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=d).")
        kwargs.pop("jit_compile", None)
        kwargs.pop("is_legacy_optimizer", None)
        if kwargs:
            raise TypeError(f"{cls}: argument(s) not recognized: {sorted(kwargs)}.")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{cls}: only one of clipnorm, clipvalue and global_clipnorm can "
                             f"be set. Received clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}.")
        if not 0 <= ema_momentum <= 1:
            raise ValueError(f"{cls}: ema_momentum must be in [0, 1], received "
                             f"{ema_momentum}.")
        if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
            raise ValueError(f"{cls}: ema_overwrite_frequency must be an int >= 1 or None, "
                             f"received {ema_overwrite_frequency!r}.")
        if loss_scale_factor is not None or gradient_accumulation_steps is not None:
            raise NotImplementedError(f"{cls}: loss_scale_factor and "
                                      f"gradient_accumulation_steps are not supported by ember "
                                      f"yet.")
        self.name = name or self._DEFAULT_NAME
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        with init_scope():
            self._iterations = tf.Variable(0, dtype=tf.int64, trainable=False,
                                           name="iteration")
            self._schedule: LearningRateSchedule | None = None
            self._lr = tf.Variable(0.0, dtype=tf.float32, trainable=False,
                                   name="learning_rate")
        self._set_lr(learning_rate)
        self._slots: dict = {}  # id(variable) -> {slot name: Variable}
        self._tracked: list = []  # the variables, in the order they were built
        self._variables: list = [self._iterations, self._lr]
        self._scratch: dict = {}  # dtype -> a flat buffer for in-place updates
        self._decay_exclude_ids: set = set()
        self._decay_exclude_names: tuple = ()
        self.built = False

    # -- learning rate and iterations ------------------------------------------------
    @property
    def iterations(self) -> tf.Variable:
        """How many updates this optimizer has applied (an int64 Variable)."""
        return self._iterations

    @property
    def learning_rate(self) -> Any:
        """The learning rate: the float32 Variable, or the schedule's value now."""
        if self._schedule is not None:
            return self._schedule(self._iterations)
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if self._schedule is not None and not isinstance(value, LearningRateSchedule):
            raise TypeError(f"{type(self).__name__}: this optimizer was created with a "
                            f"LearningRateSchedule, so its learning rate is not settable; "
                            f"assign a new schedule instead.")
        self._set_lr(value)

    lr = learning_rate  # the tf.keras 2 alias

    def _set_lr(self, value: Any) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
            return
        if callable(value) and not hasattr(value, "_value"):
            self._schedule = _CallableRate(value)  # Keras: a function of no arguments
            return
        try:
            lr = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{type(self).__name__}: learning_rate must be a float or a "
                            f"LearningRateSchedule, received {value!r}.") from None
        self._lr.assign(np.float32(lr))

    def _current_lr(self) -> Any:
        lr = self.learning_rate
        return lr if hasattr(lr, "dtype") and lr.dtype == tf.float32 else tf.cast(
            lr, tf.float32)

    # -- variables ------------------------------------------------------------------
    @property
    def variables(self) -> list:
        """The optimizer's state: iterations, the learning rate, then every slot."""
        return list(self._variables)

    def add_variable(self, shape: Any, initializer: Any = "zeros", dtype: Any = None,
                     name: str | None = None) -> tf.Variable:
        """Creates a state Variable of the optimizer (not trainable)."""
        init = initializers.get(initializer)
        with init_scope():
            v = tf.Variable(init(tuple(shape), dtype=dtype or tf.float32), trainable=False,
                            name=name)
        self._variables.append(v)
        return v

    def add_variable_from_reference(self, reference_variable: Any, name: str | None = None,
                                    initializer: Any = "zeros") -> tf.Variable:
        """A state Variable shaped and typed like `reference_variable` (a slot)."""
        base = reference_variable.name.split(":")[0].replace("/", "_")
        return self.add_variable(reference_variable.shape, initializer,
                                 reference_variable.dtype, f"{base}_{name}")

    def _slot(self, variable: Any, name: str, initializer: Any = "zeros") -> tf.Variable:
        """Creates (once) the slot `name` of `variable`."""
        slots = self._slots.setdefault(id(variable), {})
        if name not in slots:
            slots[name] = self.add_variable_from_reference(variable, name, initializer)
        return slots[name]

    def get_slot(self, variable: Any, name: str) -> tf.Variable:
        """The slot Variable `name` ('m', 'v', 'momentum', ...) of `variable`."""
        try:
            return self._slots[id(variable)][name]
        except KeyError:
            have = sorted(self._slots.get(id(variable), {}))
            raise KeyError(f"{type(self).__name__} has no slot {name!r} for variable "
                           f"{variable.name!r}; it has {have}.") from None

    def build(self, var_list: list) -> None:
        """Creates the slots of `var_list` (subclasses add theirs, then call super)."""
        for v in var_list:
            if id(v) not in self._slots:
                self._slots[id(v)] = {}
            if self.use_ema:
                self._slot(v, "average")  # the first step sets it (momentum 0 then)
            if not any(v is t for t in self._tracked):
                self._tracked.append(v)
        self.built = True

    def _var_index(self, variable: Any) -> int:
        for i, t in enumerate(self._tracked):
            if t is variable:
                return i
        raise KeyError(f"{type(self).__name__}: variable {variable.name!r} was not built.")

    # -- applying gradients -----------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable, name: str | None = None,
                        skip_gradients_aggregation: bool = False, **kwargs: Any) -> Any:
        """Applies `[(gradient, variable), ...]`; returns `iterations`."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        return self.apply(list(grads), list(variables))

    def apply(self, grads: list, trainable_variables: list | None = None) -> Any:
        """Applies `grads` to `trainable_variables` (same order); returns `iterations`."""
        if trainable_variables is None:
            if not self._tracked:
                raise ValueError(f"{type(self).__name__}.apply: pass trainable_variables "
                                 f"(the optimizer has not been built on any yet).")
            trainable_variables = list(self._tracked)
        grads, variables = list(grads), list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: {len(grads)} gradients for "
                             f"{len(variables)} variables; pass one gradient per variable.")
        if variables and all(g is None for g in grads):
            raise ValueError(
                f"{type(self).__name__}: no gradients provided for any variable "
                f"({[v.name for v in variables]}). The loss does not depend on them: check "
                f"that the loss is computed from the model's outputs inside the "
                f"GradientTape. No variable was changed.")
        grads, variables = self._filter(grads, variables)
        if not variables:
            return self._iterations
        new = [v for v in variables if id(v) not in self._slots]
        if new:
            self.build(new)
        grads = self._clip(grads)
        lr = self._current_lr()
        grads, variables = self._apply_sparse(grads, variables, lr)
        if not variables:
            if self.use_ema:
                self._update_ema(self._sparse_done)
            self._iterations.assign_add(np.int64(1))
            return self._iterations
        if type(self).update_step is not Optimizer.update_step:
            self._apply_weight_decay_ops(variables, lr)
            for g, v in zip(grads, variables):
                self.update_step(g, v, tf.cast(lr, v.dtype))
        else:
            for dtype, gs, vs in _by_dtype(grads, variables):
                self._fused_apply(gs, vs, lr if dtype == tf.float32 else tf.cast(lr, dtype))
        if self.use_ema:
            self._update_ema(variables + self._sparse_done)
        self._iterations.assign_add(np.int64(1))
        return self._iterations

    # -- sparse gradients (IndexedSlices) ----------------------------------------------
    # As Keras 3 on TensorFlow: an IndexedSlices gradient updates only its rows where the
    # optimizer's update of a zero-gradient row is nothing (SGD without momentum: p -=
    # lr * g). Every other optimizer (momentum, Adam's moments decaying every row, ...)
    # changes all rows, so its gradient is densified first; the values are the same.
    def _apply_sparse(self, grads: list, variables: list, lr: Any) -> tuple:
        """Applies the IndexedSlices gradients this optimizer updates sparsely; returns
        the remaining (dense) gradients and their variables."""
        self._sparse_done = []
        if not any(isinstance(g, IndexedSlices) for g in grads):
            return grads, variables
        dense_g, dense_v = [], []
        for g, v in zip(grads, variables):
            if isinstance(g, IndexedSlices):
                rows = self._sparse_rows(v)
                if rows is not None:
                    rows(g, v, lr if v.dtype == tf.float32 else tf.cast(lr, v.dtype))
                    self._sparse_done.append(v)
                    continue
                g = tf.convert_to_tensor(g)
            dense_g.append(g)
            dense_v.append(v)
        return dense_g, dense_v

    def _sparse_rows(self, variable: Any) -> Any:
        """The sparse row update for `variable`, or None to densify its gradient."""
        return None

    def _filter(self, grads: list, variables: list) -> tuple:
        """Drops None gradients (warning with the variables' names) and checks shapes."""
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing "
                          f"the loss; they are left unchanged. If using model.compile(), did "
                          f"you forget to provide a loss, or is part of the model unused?",
                          UserWarning, stacklevel=4)
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        out_g, out_v = [], []
        for g, v in kept:
            if not getattr(v, "_is_variable", False):
                raise TypeError(f"{type(self).__name__}: can only update Variables, received "
                                f"{type(v).__name__} for a gradient.")
            if isinstance(g, IndexedSlices):
                if g.dtype != v.dtype:
                    g = g._with_values(tf.cast(g.values, v.dtype))
            else:
                g = tf.convert_to_tensor(g)
                if g.dtype != v.dtype:
                    g = tf.cast(g, v.dtype)
            if not v.shape.is_compatible_with(g.shape) or g.shape.rank != v.shape.rank:
                raise ValueError(f"{type(self).__name__}: the gradient for variable "
                                 f"{v.name!r} has shape {g.shape}, the variable {v.shape}. "
                                 f"No variable was changed.")
            out_g.append(g)
            out_v.append(v)
        return out_g, out_v

    def _clip(self, grads: list) -> list:
        if self.clipnorm is not None and self.clipnorm > 0:
            c = self.clipnorm
            out = []
            for g in grads:
                vals = g.values if isinstance(g, IndexedSlices) else g
                norm = tf.sqrt(tf.reduce_sum(tf.square(vals)))
                scale = tf.cast(c, g.dtype) / tf.maximum(norm, tf.cast(c, g.dtype))
                out.append(g._scaled(scale) if isinstance(g, IndexedSlices) else g * scale)
            return out
        if self.global_clipnorm is not None and self.global_clipnorm > 0:
            clipped, _ = tf.clip_by_global_norm(grads, self.global_clipnorm)
            return list(clipped)
        if self.clipvalue is not None and self.clipvalue > 0:
            v = self.clipvalue
            return [g._with_values(tf.clip_by_value(g.values, -v, v))
                    if isinstance(g, IndexedSlices) else tf.clip_by_value(g, -v, v)
                    for g in grads]
        return grads

    def _uses_decay(self, variable: Any) -> bool:
        if not self.weight_decay:
            return False
        if id(variable) in self._decay_exclude_ids:
            return False
        return not any(n in variable.name for n in self._decay_exclude_names)

    def exclude_from_weight_decay(self, var_list: list | None = None,
                                  var_names: list | None = None) -> None:
        """Exempts variables (or variables whose name contains one of `var_names`)."""
        self._decay_exclude_ids |= {id(v) for v in var_list or ()}
        self._decay_exclude_names = tuple(var_names or ())

    def _apply_weight_decay_ops(self, variables: list, lr: Any) -> None:
        for v in variables:
            if self._uses_decay(v):
                v.assign(v - v * tf.cast(self.weight_decay, v.dtype) * tf.cast(lr, v.dtype))

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        """The built-in optimizers' update: `fused_update` calls over `variables`."""
        raise NotImplementedError(f"{type(self).__name__}: implement update_step(gradient, "
                                  f"variable, learning_rate) (and build) to write an "
                                  f"optimizer.")

    def _run(self, fn: Callable, groups: list, grads: list, shared: list) -> None:
        if groups:
            fused_update(fn, groups, grads, shared)

    def _step_float(self, dtype: Any) -> Any:
        """`iterations + 1` as a float tensor (Keras' `local_step`)."""
        return tf.cast(self._iterations + 1, dtype)

    def scratch(self, like: np.ndarray) -> np.ndarray:
        """A reusable temporary array shaped like `like` (for in-place update kernels),
        one buffer per thread."""
        key = (like.dtype, threading.get_ident())
        buf = self._scratch.get(key)
        if buf is None or buf.size < like.size:
            buf = self._scratch[key] = np.empty(max(like.size, 1), like.dtype)
        return buf[:like.size].reshape(like.shape)

    def _update_ema(self, variables: list) -> None:
        momentum = tf.where(tf.not_equal(self._iterations, 0), self.ema_momentum, 0.0)
        freq = self.ema_overwrite_frequency
        overwrite = (tf.equal((self._iterations + 1) % freq, 0) if freq
                     else tf.constant(False))
        for dtype, _, vs in _by_dtype(variables, variables):
            groups = [(v, self._slots[id(v)]["average"]) for v in vs]
            fused_update(_ema_step, groups, [], [tf.cast(momentum, dtype), overwrite])

    def finalize_variable_values(self, var_list: list) -> None:
        """With use_ema, copies each variable's moving average into it (end of fit)."""
        if self.use_ema:
            for v in var_list:
                avg = self._slots.get(id(v), {}).get("average")
                if avg is not None:
                    v.assign(avg)

    # -- Keras 3 custom optimizer API ------------------------------------------------
    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """Override to write an optimizer with ember ops (called once per variable)."""
        raise NotImplementedError(f"{type(self).__name__}.update_step is not implemented.")

    def assign(self, variable: Any, value: Any) -> None:
        variable.assign(value)

    def assign_add(self, variable: Any, value: Any) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable: Any, value: Any) -> None:
        variable.assign_sub(value)

    def minimize(self, loss: Any, var_list: Any, tape: Any = None) -> Any:
        """Computes the gradients of `loss` (a tensor with its `tape`, or a callable) with
        respect to `var_list` and applies them."""
        if callable(var_list) and not isinstance(var_list, (list, tuple)):
            var_list = var_list()
        var_list = list(var_list)
        if tape is None:
            if not callable(loss):
                raise ValueError(f"{type(self).__name__}.minimize: a loss tensor needs the "
                                 f"GradientTape that recorded it (tape=...), or pass the "
                                 f"loss as a callable.")
            with tf.GradientTape() as tape:
                tape.watch(var_list)
                loss = loss()
        elif callable(loss) and not hasattr(loss, "dtype"):
            with tape:
                loss = loss()
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        if self._schedule is not None:
            lr: Any = serialize(self._schedule)
        else:
            lr = float(self._lr.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Optimizer":
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize(config["learning_rate"],
                                                  custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<keras.optimizers.{type(self).__name__} name={self.name!r}>"


class _CallableRate(LearningRateSchedule):
    """A zero-argument function given as learning_rate (called at every step)."""

    def __init__(self, fn: Any):
        self.fn = fn

    def __call__(self, step: Any) -> Any:
        return tf.cast(self.fn(), tf.float32)

    def get_config(self) -> dict:
        raise NotImplementedError("A callable learning_rate can't be serialized; use a "
                                  "keras.optimizers.schedules.LearningRateSchedule.")


def _by_dtype(grads: list, variables: list) -> list:
    """[(dtype, grads, variables)] grouped by the variables' dtype, order kept."""
    groups: dict = {}
    for g, v in zip(grads, variables):
        groups.setdefault(v.dtype, ([], []))
        groups[v.dtype][0].append(g)
        groups[v.dtype][1].append(v)
    return [(d, gs, vs) for d, (gs, vs) in groups.items()]


def _ema_step(p: np.ndarray, avg: np.ndarray, momentum: np.ndarray,
              overwrite: np.ndarray) -> None:
    avg *= momentum
    avg += (1 - momentum) * p
    if overwrite:
        p[...] = avg


_ema_step.pure = pure_updates.ema  # the same rule for a compiled XLA step (JAX backend)
