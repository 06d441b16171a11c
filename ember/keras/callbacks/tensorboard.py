"""`keras.callbacks.TensorBoard`: writes training logs for TensorBoard (Keras 3's tags).

Event files go to `<log_dir>/train` and `<log_dir>/validation`, through `tf.summary`
(`ember.summary`, which needs the `tensorboard` package: `pip install
ember[tensorboard]`). At each epoch end the train writer gets `epoch_<metric>` for every
training log (`epoch_loss`, `epoch_accuracy`, ...) and `epoch_learning_rate`, the
validation writer `epoch_<metric>` for every `val_` log (without the prefix), at step
`epoch`; `evaluate` writes `evaluation_<metric>_vs_iterations` at the optimizer's step.

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
import warnings
from typing import Any

import numpy as np

from .base import Callback

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Logs metrics (and optionally weight histograms and images) for TensorBoard.

    Args:
        log_dir: the folder of the logs ('logs' by default); `train/` and `validation/`
            subfolders are made in it.
        histogram_freq: every this many epochs, write a histogram of each weight
            (`<weight name>/histogram`; 0: never).
        write_graph: accepted; ember writes no graph (TensorBoard's graph dashboard
            needs TF's GraphDef, which ember does not produce).
        write_images: with histogram_freq, also write each weight as an image
            (`<weight name>/image`).
        write_steps_per_second: also write `epoch_steps_per_second`.
        update_freq: 'epoch' (default), or 'batch' / an int N: also write
            `batch_<metric>` every N training batches, at the global batch step.
        profile_batch: ignored (ember has no profiler); a nonzero value warns once.
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
        if profile_batch not in (0, None, (0, 0), [0, 0]):
            warnings.warn("TensorBoard: profile_batch is ignored; ember has no profiler. "
                          "Time steps with the logs' epoch_steps_per_second "
                          "(write_steps_per_second=True).", UserWarning, stacklevel=2)
        from ...summary import _tb
        _tb()  # without the tensorboard package: ImportError now, naming the pip extra
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

    # -- writers --------------------------------------------------------------------------
    def _writer(self, which: str) -> Any:
        w = self._writers.get(which)
        if w is None:
            from ... import summary
            w = self._writers[which] = summary.create_file_writer(
                os.path.join(self.log_dir, which))
        return w

    def _close(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def _scalars(self, which: str, logs: dict, prefix: str, step: int,
                 suffix: str = "") -> None:
        from ... import summary
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

    def on_train_end(self, logs: dict | None = None) -> None:
        self._close()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        import time
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._train_step += 1
        self._epoch_batches += 1
        if self.update_freq != "epoch" and self._train_step % self.update_freq == 0:
            self._scalars("train", dict(logs or {}), "batch_", self._train_step)

    def _implements_train_batch_hooks(self) -> bool:
        return self.update_freq != "epoch" or self.write_steps_per_second

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        import time
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
        from ... import summary
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
