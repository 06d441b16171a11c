"""Model training: compile, fit, evaluate, train_on_batch, test_on_batch (a Model mixin).

The training step (forward, loss, gradients, optimizer update, metric updates) is one
`ember.function`, traced once on the first batch with the batch dim relaxed to None, so
every batch size (the last, smaller batch included) runs the same compiled plan; the
optimizer's update inside it is one in-place effect equation. `run_eagerly=True` runs the
step as plain Python instead. A subclass may override `train_step(data)` / `test_step`
(with GradientTape and `self.optimizer`), and `fit` compiles that.

Errors that come from the data (lengths that differ, labels that don't fit the loss, NaN,
no data, fit before compile) are raised before any weight changes.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    >>> m.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    >>> x = np.linspace(-1, 1, 32, dtype=np.float32)[:, None]
    >>> h = m.fit(x, 3 * x, epochs=30, verbose=0)
    >>> h.history["loss"][-1] < 0.01
    True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import ember as tf

from ...autograph import maybe_convert
from ...core import nest
from ...core.dtypes import BY_NP
from ...core.function import Function, functions_run_eagerly
from ...core.shape import TensorShape, TensorSpec
from ...core.tensor import wrap
from .. import optimizers as optimizers_mod
from ..distribution import scope_of, strategy_for_compile
from ..mixed_precision import LossScaleOptimizer
from ..engine.keras_tensor import KerasTensor, spec_only
from ..export.export_archive import export_model
from ..engine.layer import TRAINABLE_VERSION
from ..engine.layer_losses import ADDED_METRICS
from ..metrics import Metric
from ..saving import model_file, weights_file
from ..traceback_utils import filter_traceback
from . import training_loop
from .compile_utils import LossesContainer, MetricsContainer
from .data_adapter import DataHandler, unpack_x_y_sample_weight
from .functional import adjusted_rank, check_shape
from .training_loop import format_result


class NotCompiledError(ValueError, RuntimeError):
    """fit / evaluate on a model that was never compiled: a ValueError as in Keras 3,
    still a RuntimeError for tf.keras 2 code that caught that."""


class _Deprecated:
    """A compiled container whose `method` (tf.keras 2's way of using it) warns as
    Keras 3 does, then runs; everything else is the container's."""

    def __init__(self, target: Any, method: str, message: str):
        self._target, self._method, self._message = target, method, message

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._method == "__call__":
            warnings.warn(self._message, UserWarning, stacklevel=2)
        return self._target(*args, **kwargs)

    def update_state(self, *args: Any, **kwargs: Any) -> Any:
        if self._method == "update_state":
            warnings.warn(self._message, UserWarning, stacklevel=2)
        return self._target.update_state(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __bool__(self) -> bool:
        return self._target is not None


class TrainingMixin:
    """compile / fit / evaluate for `keras.Model`; see the module docstring."""

    # -- compile -------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, weighted_metrics: Any = None,
                run_eagerly: bool | None = None, steps_per_execution: int = 1,
                jit_compile: Any = None, auto_scale_loss: Any = None,
                **kwargs: Any) -> None:
        """Configures the model for training.

        Args:
            optimizer: a name ('adam', 'sgd', ...) or an Optimizer.
            loss: a name, function or Loss; a list or dict (by output name) for several
                outputs. None is allowed when the model adds its own losses (add_loss).
            metrics: names ('accuracy' resolves by the loss, as Keras), functions or
                Metric objects; per output as a list of lists or a dict.
            loss_weights: per-output weights of the total loss (list or dict).
            weighted_metrics: metrics that use sample_weight / class_weight.
            run_eagerly: run the training step as plain Python (debugging).
            steps_per_execution: batch callbacks run once per this many steps.
            jit_compile: True compiles the steps (and predict's graph) with XLA on the JAX
                backend (`ember[jax]`); None, False or "auto" (the default) use the
                current backend (NumPy unless `ember.config.set_backend("jax")`).
        """
        kwargs.pop("experimental_run_tf_function", None)
        if kwargs:
            raise TypeError(f"compile: unexpected argument(s) {sorted(kwargs)}.")
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"compile: steps_per_execution must be an int >= 1, received "
                             f"{steps_per_execution!r}.")
        self.optimizer = optimizers_mod.get(optimizer)
        names = self._output_names_for_compile()
        self.loss = loss
        self._compiled_loss = LossesContainer(loss, loss_weights, names)
        self._compiled_metrics = MetricsContainer(metrics, weighted_metrics, names)
        self._run_eagerly = None if run_eagerly is None else bool(run_eagerly)
        self._steps_per_execution = steps_per_execution
        self._jit_compile = jit_compile
        if any(la._dtype.name == "float16" and la._variable_dtype.name == "float32"
               for la in self._flatten_layers()) and \
                not isinstance(self.optimizer, LossScaleOptimizer):
            # float16 math (mixed_float16): loss scaling keeps small gradients, as Keras
            self.optimizer = LossScaleOptimizer(self.optimizer)
        self._distribute = strategy_for_compile(self)  # tf.distribute: its devices
        self._train_fns: dict = {}  # batch structure -> ember.function (see _step_function)
        self._test_fns: dict = {}
        self._step_calls: dict = {}
        self._is_compiled = True
        self.stop_training = False

    def _output_names_for_compile(self) -> list | None:
        """The graph's output names; None (named on the first batch) without a graph."""
        g = getattr(self, "_graph", None)
        if g is not None:
            return list(g.output_names)
        return None

    @property
    def run_eagerly(self) -> bool:
        """Whether fit/evaluate run the step as plain Python: the compile() setting, else
        `ember.config.run_functions_eagerly` (as tf.keras 2)."""
        value = getattr(self, "_run_eagerly", None)
        return functions_run_eagerly() if value is None else value

    @run_eagerly.setter
    def run_eagerly(self, value: bool | None) -> None:
        self._run_eagerly = None if value is None else bool(value)

    @property
    def compiled_loss(self) -> Any:
        """tf.keras 2's loss container: calling it (`self.compiled_loss(y, y_pred)`)
        works, with Keras 3's deprecation warning (use `compute_loss`)."""
        return _Deprecated(getattr(self, "_compiled_loss", None), "__call__",
                           "`model.compiled_loss()` is deprecated. Instead, use "
                           "`model.compute_loss(x, y, y_pred, sample_weight, training)`.")

    @compiled_loss.setter
    def compiled_loss(self, value: Any) -> None:
        self._compiled_loss = value

    @property
    def compiled_metrics(self) -> Any:
        """tf.keras 2's metrics container: `update_state` works, with Keras 3's
        deprecation warning (update each of `self.metrics`)."""
        return _Deprecated(getattr(self, "_compiled_metrics", None), "update_state",
                           "`model.compiled_metrics()` is deprecated. Instead, use e.g.:\n"
                           "```\nfor metric in self.metrics:\n"
                           "    metric.update_state(y, y_pred)\n```\n")

    @compiled_metrics.setter
    def compiled_metrics(self, value: Any) -> None:
        self._compiled_metrics = value

    @property
    def metrics(self) -> list:
        """The model's metrics: the loss tracker(s), compiled metrics, those of
        `add_metric` (tf.keras 2), then metrics set as attributes of the model (Keras 3)."""
        out = []
        if getattr(self, "_is_compiled", False):
            out += self._compiled_loss.metrics + self._compiled_metrics.metrics
        seen = {id(m) for m in out}
        for layer in self._flatten_layers() if ADDED_METRICS[0] else ():
            for m in getattr(layer, "_metrics", ()):
                if id(m) not in seen:
                    out.append(m)
                    seen.add(id(m))
        for v in vars(self).values():
            if isinstance(v, Metric) and id(v) not in seen:
                out.append(v)
                seen.add(id(v))
        return out

    @property
    def metrics_names(self) -> list:
        """The names of `metrics`: the keys of fit/evaluate logs ('loss' first)."""
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """Resets the state of every metric of the model."""
        for m in self.metrics:
            m.reset_state()

    # -- the steps ---------------------------------------------------------------------
    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None) -> Any:
        """The total loss: compiled losses + regularization / add_loss terms."""
        return self._compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict:
        """Updates the compiled metrics and returns every metric's result by name."""
        if not self._compiled_metrics.built:
            self._compiled_metrics.build(y, y_pred, self._compiled_loss.losses)
        self._compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """Every metric's current result by name (a metric whose result is a dict adds
        its entries)."""
        out: dict = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    def train_step(self, data: Any) -> dict:
        """One training step on a batch `(x, y, sample_weight)`; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            scale = getattr(self.optimizer, "scale_loss", None)  # float16: loss scaling
            scaled = scale(loss) if scale is not None else loss
        variables = self.trainable_variables
        if variables:
            grads = tape.gradient(scaled, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict:
        """One evaluation step on a batch; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _step_function(self, kind: str, structure: Any, batch: list) -> Any:
        """The compiled (or eager) step for batches of this structure and these shapes.

        `_train_fns` / `_test_fns` map each batch structure (and the dtype and rank of each
        array) to its `ember.function`; its first trace has the batch dim None, so every
        batch size shares it. Batches of other non-batch dims (a generator of sequences of
        several lengths) retrace once with those dims relaxed to None, as tf.function does.
        """
        if getattr(self, "_steps_version", None) != TRAINABLE_VERSION[0]:
            # a layer's `trainable` changed since these steps were traced: trace anew
            self._step_calls, self._train_fns, self._test_fns = {}, {}, {}
            self._steps_version = TRAINABLE_VERSION[0]
        skey = (structure.key(), self.run_eagerly)
        exact = (kind, skey, tuple((a.dtype, a.shape[1:]) for a in batch))
        fn = self._step_calls.get(exact)
        if fn is not None:
            return fn
        self._check_input_shapes(structure, batch)
        self._build_compiled_metrics(structure, batch)
        family = (skey, tuple((a.dtype, a.ndim) for a in batch))
        cache = self._train_fns if kind == "train" else self._test_fns
        function = cache.get(family)
        if function is None:
            step = self.train_step if kind == "train" else self.test_step
            if not skey[1]:  # traced: AutoGraph converts a user-defined step
                step = maybe_convert(step)

            def run(*flat: Any) -> Any:
                return step(structure.pack(list(flat)))

            function = run if skey[1] else Function(
                run, name=f"{kind}_function", jit_compile=self._jit_compile is True)
            cache[family] = function
        if skey[1]:
            def fn(tensors: list) -> Any:
                return function(*tensors)
        else:
            specs = [TensorSpec(TensorShape([None] + list(a.shape[1:])), _dtype_of(a))
                     for a in batch]
            with scope_of(self):  # traced for the strategy's devices, if any
                fn = function.get_concrete_function(*specs)._call_tensors
        self._step_calls[exact] = fn
        return fn

    def _build_compiled_metrics(self, structure: Any, batch: list) -> None:
        """Makes the compiled metrics before the first step, so a custom train_step /
        test_step that updates `self.metrics` itself (Keras 3's guide: `for metric in
        self.metrics: metric.update_state(y, y_pred)`) finds them there. The outputs'
        shapes come from the graph, or (a subclassed model with its own step) from a
        shape-only call."""
        cm = getattr(self, "_compiled_metrics", None)
        if cm is None or cm.built or (cm._user is None and cm._user_weighted is None):
            return
        x, y, _ = unpack_x_y_sample_weight(structure.pack(batch))
        if y is None:
            return
        y = tf.nest.map_structure(lambda a: wrap(np.asarray(a)[:0]), y)
        g = getattr(self, "_graph", None)
        if g is not None:
            y_pred = g.outputs[0] if len(g.outputs) == 1 else list(g.outputs)
        elif type(self).train_step is TrainingMixin.train_step and \
                type(self).test_step is TrainingMixin.test_step:
            return  # the default steps build them (compute_metrics)
        else:
            specs = tf.nest.map_structure(
                lambda a: KerasTensor((None,) + np.shape(a)[1:], _dtype_of(np.asarray(a))), x)
            try:
                with spec_only():
                    y_pred = self(specs, training=False)
            except Exception:  # noqa: BLE001 - a call that needs values: built in the step
                return
            if cm.built:
                return
        cm.build(y, y_pred, self._compiled_loss.losses)

    def _check_input_shapes(self, structure: Any, batch: list) -> None:
        """Raises the model's input-shape error for a batch of new shapes (a relaxed trace
        would otherwise accept them)."""
        g = getattr(self, "_graph", None)
        if g is None:
            return
        n = len(g.inputs)
        if structure.nx != n and not isinstance(structure.x, dict):
            raise ValueError(
                f'Model "{self.name}" expects {n} input(s) {g.input_names}, but x holds '
                f"{structure.nx} arrays. Pass one array per input (a list, or a dict keyed by "
                f"input name); batches of (x, y) go in a generator or iterator, e.g. "
                f"model.fit(iter(batches)).")
        x, _, _ = unpack_x_y_sample_weight(structure.pack(batch))
        flat = g.flatten_inputs(x, self.name)
        for i, (a, kt) in enumerate(zip(flat, g.inputs)):
            shape = np.shape(a)
            if len(shape) != kt.shape.rank:
                shape = adjusted_rank(shape, kt) or shape
            check_shape(i, shape, kt, self.name)

    # -- fit -----------------------------------------------------------------------------
    def _check_compiled(self, what: str) -> None:
        if not getattr(self, "_is_compiled", False):
            method = {"training": "fit", "evaluating": "evaluate"}.get(what, what)
            raise NotCompiledError(
                f"You must call `compile()` before calling `{method}()`: model "
                f"'{self.name}' has no optimizer and loss yet. Call model.compile(optimizer, "
                f"loss) first, e.g. model.compile(optimizer='adam', loss='mse').")

    @filter_traceback
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: Any = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0,
            steps_per_epoch: int | None = None, validation_steps: int | None = None,
            validation_batch_size: int | None = None, validation_freq: Any = 1,
            max_queue_size: int = 10, workers: int = 1,
            use_multiprocessing: bool = False) -> Any:
        """Trains the model for `epochs` epochs; returns a `History` (see Keras' fit).

        `x` may also be a generator of batches or a `keras.utils.Sequence` / `PyDataset`
        (then without `y`, `sample_weight` or `batch_size`; `shuffle` shuffles the order of
        its batches each epoch). `max_queue_size`, `workers` and `use_multiprocessing` are
        accepted and ignored: ember reads batches on the calling thread.
        """
        return training_loop.fit(
            self, x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_split=validation_split,
            validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
            sample_weight=sample_weight, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
            validation_batch_size=validation_batch_size, validation_freq=validation_freq)

    @filter_traceback
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, max_queue_size: int = 10, workers: int = 1,
                 use_multiprocessing: bool = False, return_dict: bool = False,
                 **kwargs: Any) -> Any:
        """The loss and metrics on the data: a scalar, a list, or a dict (return_dict).

        `x` may be a generator or a `keras.utils.Sequence` (without `batch_size`);
        `max_queue_size`, `workers` and `use_multiprocessing` are accepted and ignored.
        """
        kwargs.pop("_use_cached_eval_dataset", None)
        if kwargs:
            raise TypeError(f"evaluate: invalid keyword argument(s) {sorted(kwargs)}.")
        return training_loop.evaluate(
            self, x=x, y=y, batch_size=batch_size, verbose=verbose,
            sample_weight=sample_weight, steps=steps, callbacks=callbacks,
            return_dict=return_dict)

    @filter_traceback
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: dict | None = None, reset_metrics: bool = True,
                       return_dict: bool = False) -> Any:
        """One training step on one batch; returns the loss (and metrics)."""
        self._check_compiled("training")
        data = DataHandler(x, y, sample_weight, batch_size=_whole(x), shuffle=False,
                           class_weight=class_weight, what="train_on_batch")
        if reset_metrics:
            self.reset_metrics()
        batch = next(iter(data.epoch()))
        logs = self._step_function("train", data.structure, batch)([wrap(a) for a in batch])
        return format_result(self, logs, return_dict)

    @filter_traceback
    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """One evaluation step on one batch; returns the loss (and metrics)."""
        self._check_compiled("evaluating")
        data = DataHandler(x, y, sample_weight, batch_size=_whole(x), shuffle=False,
                           what="test_on_batch")
        if reset_metrics:
            self.reset_metrics()
        batch = next(iter(data.epoch()))
        logs = self._step_function("test", data.structure, batch)([wrap(a) for a in batch])
        return format_result(self, logs, return_dict)

    # -- weights files ----------------------------------------------------------------
    def save(self, filepath: Any, overwrite: bool = True, save_format: Any = None,
             include_optimizer: bool = True, **kwargs: Any) -> None:
        """Saves the whole model (config, weights, compile arguments, optimizer state) to
        an ember `.keras` archive, or to a legacy `.h5` file (tf.keras 2's HDF5 layout,
        needs h5py); `keras.models.load_model` reads either back."""
        model_file.save_model(self, filepath, overwrite=overwrite,
                              include_optimizer=include_optimizer, save_format=save_format,
                              **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True, save_format: Any = None,
                     options: Any = None) -> None:
        """Writes every weight to `filepath`: a '.h5' / '.hdf5' name (not '.weights.h5') in
        tf.keras 2's HDF5 layout (needs h5py), any other name in ember's weights format."""
        weights_file.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False,
                     options: Any = None) -> Any:
        """Reads weights written by `save_weights` (ember's format or a legacy HDF5 file);
        nothing changes if they don't fit."""
        weights_file.load_weights(self, filepath, skip_mismatch=skip_mismatch,
                                  by_name=by_name)

    def export(self, filepath: Any, format: str = "tf_saved_model",  # noqa: A002 - Keras'
               verbose: Any = None, input_signature: Any = None, **kwargs: Any) -> None:
        """Exports the inference call for serving (Keras 3's `Model.export`): format
        'tf_saved_model' (or 'ember': the same ember SavedModel directory; reload with
        `tf.saved_model.load(path).serve(x)`) or 'onnx' (an ONNX file; `opset_version=`).
        The batch dim stays dynamic."""
        export_model(self, filepath, format=format, verbose=verbose,
                     input_signature=input_signature, **kwargs)


def _dtype_of(a: np.ndarray) -> Any:
    return BY_NP[a.dtype]


def _whole(x: Any) -> int:
    """A batch size that takes all of `x` in one batch."""
    for leaf in nest.flatten(x):
        shape = getattr(leaf, "shape", None)
        if shape is None:
            shape = np.shape(leaf)
        if len(shape):
            return max(int(shape[0]), 1)
    return 1
