"""`keras.callbacks.TensorBoard`: writes training logs for TensorBoard (Keras 3's tags).

Event files go to `<log_dir>/train` and `<log_dir>/validation`, through `tf.summary`
(`ember.summary`, which needs the `tensorboard` package: `pip install
ember[tensorboard]`). At each epoch end the train writer gets `epoch_<metric>` for every
training log (`epoch_loss`, `epoch_accuracy`, ...) and `epoch_learning_rate`, the
validation writer `epoch_<metric>` for every `val_` log (without the prefix), at step
`epoch`; `evaluate` writes `evaluation_<metric>_vs_iterations` at the optimizer's step.
With `write_graph` the train writer gets the model's graph once per `fit`, at its start
(the compiled forward pass of a functional or Sequential model, or the compiled train
step), for TensorBoard's graph dashboard. `profile_batch` profiles a range of training
batches with `tf.profiler.experimental` (the profile under `<log_dir>/train/plugins/
profile/`, the graphs run meanwhile as the `batch_<stop>` trace), as Keras does.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> logdir = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0,
    ...               validation_split=0.25, callbacks=[keras.callbacks.TensorBoard(logdir)])
    >>> sorted(os.listdir(logdir))
    ['train', 'validation']
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

import numpy as np

from ... import summary
from ...errors import AlreadyExistsError, UnavailableError
from ...profiler import experimental as profiler
from ...summary import tensorboard_protos
from ...summary.trace import export_trace
from .base import Callback

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Logs metrics (and optionally weight histograms and images) for TensorBoard.

    Args:
        log_dir: the folder of the logs ('logs' by default); `train/` and `validation/`
            subfolders are made in it.
        histogram_freq: every this many epochs, write a histogram of each weight
            (`<weight name>/histogram`; 0: never).
        write_graph: write the model's graph (a GraphDef event in `train/`) when
            training starts.
        write_images: with histogram_freq, also write each weight as an image
            (`<weight name>/image`).
        write_steps_per_second: also write `epoch_steps_per_second`.
        update_freq: 'epoch' (default), or 'batch' / an int N: also write
            `batch_<metric>` every N training batches, at the global batch step.
        profile_batch: profile training batch N (an int), or batches start..stop (a
            pair, or a string "start,stop"), counted from 1 across epochs; 0 (default):
            no profiling.
        embeddings_freq / embeddings_metadata: the embedding projector is not supported;
            a nonzero `embeddings_freq` raises NotImplementedError.
    """

    def __init__(self, log_dir: Any = "logs", histogram_freq: int = 0,
                 write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq: Any = "epoch",
                 profile_batch: Any = 0, embeddings_freq: int = 0,
                 embeddings_metadata: Any = None, **kwargs: Any):
        super().__init__()
        kwargs.pop("write_grads", None)  # tf.keras 1 argument, ignored by Keras 2 as well
        if kwargs:
            raise TypeError(f"TensorBoard: unrecognized argument(s) {sorted(kwargs)}.")
        try:
            self.log_dir = os.fspath(log_dir)
        except TypeError:
            raise TypeError(f"TensorBoard: log_dir must be a str or os.PathLike, received "
                            f"{log_dir!r}.") from None
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) \
                or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0 (epochs "
                             f"between histograms; 0 for none), received {histogram_freq!r}.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(
                update_freq, int) or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an int "
                             f">= 1, received {update_freq!r}.")
        if embeddings_freq:
            raise NotImplementedError(
                f"TensorBoard: embeddings_freq={embeddings_freq!r} is not supported by ember "
                f"(no embedding projector files); use embeddings_freq=0, and log embedding "
                f"weights with histogram_freq instead.")
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        tensorboard_protos()  # no tensorboard package: ImportError now, naming the extra
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, Any] = {}
        self._train_step = 0
        self._epoch_start = 0.0
        self._epoch_batches = 0
        self._graph_pending = False
        self._profiling = False  # this callback started the profiler
        self._tracing = False  # ... and the graph trace, until the last profiled batch
        self._step_trace: Any = None

    # -- writers --------------------------------------------------------------------------
    def _writer(self, which: str) -> Any:
        w = self._writers.get(which)
        if w is None:
            w = self._writers[which] = summary.create_file_writer(
                os.path.join(self.log_dir, which))
        return w

    def _close(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def _scalars(self, which: str, logs: dict, prefix: str, step: int,
                 suffix: str = "") -> None:
        with self._writer(which).as_default(step=step):
            for name, value in logs.items():
                try:
                    v = float(np.asarray(getattr(value, "_value", value)))
                except (TypeError, ValueError):
                    continue  # a non-scalar log (e.g. outputs): not a metric
                summary.scalar(prefix + name + suffix, v)

    # -- hooks ----------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._train_step = 0
        self._writer("train")
        self._graph_pending = bool(self.write_graph) and not self._write_model_graph()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._tracing:
            self._stop_trace()
        self._close()

    # -- graph and profile ---------------------------------------------------------------
    def _write_model_graph(self) -> bool:
        """Writes the model's graph to the train writer; False when there is none yet (a
        subclassed model before its first step)."""
        graphs = _train_graphs(self.model)
        if graphs:
            graph = graphs[-1][2] or graphs[-1][1]
        elif getattr(self.model, "_graph", None) is not None:
            try:
                graph = self.model._graph_function(False).cf
            except Exception:  # noqa: BLE001 - a model that does not compile: no graph
                return False
        else:
            return False
        try:
            with self._writer("train").as_default():
                summary.graph(graph)
        except Exception as e:  # noqa: BLE001 - a graph it can't convert: train on anyway
            warnings.warn(f"TensorBoard: the model's graph was not written "
                          f"({type(e).__name__}: {e}).", UserWarning, stacklevel=2)
        return True

    @property
    def _should_profile(self) -> bool:
        return self._stop_batch > 0

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._should_profile and self._train_step + 1 == self._start_batch:
            self._start_trace()
        if self._profiling:
            self._step_trace = profiler.Trace("Profiled Step", step_num=batch, _r=1)
            self._step_trace.__enter__()

    def _start_trace(self) -> None:
        summary.trace_on(graph=True, profiler=False)  # records the train steps that run
        self._tracing = True
        try:
            profiler.start(os.path.join(self.log_dir, "train"))
            self._profiling = True
        except AlreadyExistsError as e:
            warnings.warn(f"TensorBoard: failed to start the profiler for profile_batch: "
                          f"{e}", UserWarning, stacklevel=2)

    def _stop_trace(self) -> None:
        if self._step_trace is not None:
            self._step_trace.__exit__(None, None, None)
            self._step_trace = None
        self._tracing = False
        with self._writer("train").as_default():
            # as Keras: the graphs as a RunMetadata summary `batch_<stop>`; the graph
            # event is write_graph's
            export_trace(f"batch_{self._stop_batch}", self._stop_batch, None, graph_event=False)
        if self._profiling:
            self._profiling = False
            try:
                profiler.stop()
            except UnavailableError:
                pass  # stopped by someone else meanwhile

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._train_step += 1
        self._epoch_batches += 1
        if self.update_freq != "epoch" and self._train_step % self.update_freq == 0:
            self._scalars("train", dict(logs or {}), "batch_", self._train_step)
        if self._tracing:
            if self._step_trace is not None:
                self._step_trace.__exit__(None, None, None)
                self._step_trace = None
            if self._train_step >= self._stop_batch:
                self._stop_trace()

    def _implements_train_batch_hooks(self) -> bool:
        return (self.update_freq != "epoch" or self.write_steps_per_second
                or self._should_profile)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        lr = self._learning_rate()
        if lr is not None:
            train["learning_rate"] = lr
        if self.write_steps_per_second and self._epoch_batches:
            train["steps_per_second"] = self._epoch_batches / max(
                time.perf_counter() - self._epoch_start, 1e-9)
        self._scalars("train", train, "epoch_", epoch)
        if val:
            self._scalars("validation", val, "epoch_", epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self._graph_pending:  # a subclassed model: its train step is traced now
            self._graph_pending = not self._write_model_graph()

    def on_test_end(self, logs: dict | None = None) -> None:
        model = self.model
        opt = getattr(model, "optimizer", None)
        if not logs or opt is None:
            return
        standalone = not self._writers  # evaluate() outside fit: close the file after
        step = int(np.asarray(opt.iterations._value))
        self._scalars("validation", dict(logs), "evaluation_", step, "_vs_iterations")
        if standalone:
            self._close()

    def _learning_rate(self) -> float | None:
        opt = getattr(self.model, "optimizer", None)
        if opt is None:
            return None
        try:
            lr = opt.learning_rate
            return float(np.asarray(getattr(lr, "_value", lr)))
        except (TypeError, ValueError, AttributeError):
            return None

    def _log_weights(self, epoch: int) -> None:
        with self._writer("train").as_default(step=epoch):
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = weight.name.replace(":", "_")
                    arr = np.asarray(weight._value)
                    summary.histogram(name + "/histogram", arr)
                    if self.write_images:
                        img = _weight_image(arr)
                        if img is not None:
                            summary.image(name + "/image", img)


def _profile_range(profile_batch: Any) -> tuple:
    """(start, stop) of Keras' `profile_batch`: N, (start, stop) or "start,stop"."""
    value = profile_batch
    if value is None:
        return 0, 0
    if isinstance(value, str):
        try:
            value = tuple(int(p) for p in value.split(","))
        except ValueError:
            value = None
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            and 0 <= value[0] <= value[1] and (value[0] > 0 or value[1] == 0)):
        return value
    raise ValueError(f"TensorBoard: profile_batch must be an int >= 0 (one batch; 0 for "
                     f"none) or a pair (start, stop) of batch numbers, 1 <= start <= stop "
                     f"(e.g. (10, 20) or '10,20'), received {profile_batch!r}.")


def _train_graphs(model: Any) -> list:
    """(name, graph, concrete function) of each compiled train step of `model`."""
    found = []
    try:
        for fn in getattr(model, "_train_fns", {}).values():
            seen: set = set()
            for cf in getattr(fn, "_exact", {}).values():
                if id(cf) not in seen:
                    seen.add(id(cf))
                    found.append((getattr(cf, "name", "train_function"), cf.graph, cf))
    except (AttributeError, TypeError):
        return []
    return found


def _weight_image(w: np.ndarray) -> np.ndarray | None:
    """A weight as a [1, h, w, 1] image scaled to [0, 1] (Keras' layout: 2-D weights as
    they are, 1-D as a row; others are skipped)."""
    if w.ndim == 1:
        w = w[None, :]
    elif w.ndim != 2:
        return None
    if w.shape[0] > w.shape[1]:
        w = w.T
    lo, hi = float(w.min()), float(w.max())
    scaled = (w - lo) / (hi - lo) if hi > lo else np.zeros_like(w, dtype=np.float64)
    return scaled[None, :, :, None].astype(np.float32)
