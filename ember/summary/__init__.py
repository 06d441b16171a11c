"""`ember.summary`: TF's `tf.summary`, writing TensorBoard event files.

The files are written with the `tensorboard` package's own writer (`EventFileWriter`
and its protos), an optional dependency: `pip install ember[tensorboard]`. Values are
stored in TensorBoard's classic summary fields (`simple_value` for scalars, `histo` for
histograms, PNG `image`s, WAV `audio`; `text` as a string tensor of the text plugin),
which TensorBoard and its `EventAccumulator` read. NOTE: TF 2 writes scalars, histograms
and images as tensors with plugin metadata instead; readers that call
`tf.make_ndarray(value.tensor)` on scalars must read `value.simple_value` here.

Inside `ember.function` a summary becomes an op that writes at each call of the function
(with the values and step of that call; the default writer and `record_if` are those of
the trace). On Keras' symbolic tensors (functional model building) it raises an error.

Graphs: `trace_on` / `trace_export` record and write the graphs of `ember.function`s, and
`graph` writes one, for TensorBoard's graph dashboard (`ember.summary.trace`).

Example:
    >>> import tempfile
    >>> import ember as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default(step=3):
    ...     tf.summary.scalar("loss", 0.5)
    True
    >>> tf.summary.scalar("loss", 0.5, step=4)  # no default writer: nothing written
    False
    >>> writer.close()
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
import time
import types
import wave
import weakref
import zlib
from typing import Any, Iterator

import numpy as np

from ..core.dtypes import bool as bool_
from ..core.shape import TensorSpec
from ..ops.debug_ops import executing_eagerly
from ..ops.py_ops import numpy_function
from .protos import tensorboard_protos

__all__ = ["SummaryWriter", "audio", "create_file_writer", "create_noop_writer",
           "experimental", "flush", "graph", "histogram", "image", "record_if", "scalar",
           "text", "should_record_summaries", "trace_export", "trace_off", "trace_on"]

_STATE = threading.local()


def _local() -> Any:
    if not hasattr(_STATE, "writers"):
        _STATE.writers = []  # the stack of default writers
        _STATE.step = None
        _STATE.record = []  # record_if conditions
    return _STATE


class SummaryWriter:
    """Writes summaries to one event file in `logdir` (TF's `tf.summary.SummaryWriter`).

    Make one with `create_file_writer`. `as_default(step=None)` makes it the writer of
    the summary functions in a `with` block; `set_as_default` for good.
    """

    def __init__(self, logdir: str | None, max_queue: int = 10, flush_millis: int = 120000,
                 filename_suffix: str = ""):
        self._logdir = logdir
        self._writer: Any = None
        self._closed = False
        if logdir is not None:
            tb = tensorboard_protos()
            os.makedirs(logdir, exist_ok=True)
            self._writer = tb.EventFileWriter(logdir, max_queue_size=max_queue,
                                              flush_secs=max(flush_millis / 1000.0, 0.001),
                                              filename_suffix=filename_suffix)
            self._finalizer = weakref.finalize(self, self._writer.close)

    @contextlib.contextmanager
    def as_default(self, step: Any = None) -> Iterator["SummaryWriter"]:
        """Makes this the default writer (and `step` the default step) in the block."""
        state = _local()
        state.writers.append(self)
        old_step = state.step
        if step is not None:
            state.step = step
        try:
            yield self
        finally:
            state.writers.pop()
            if step is not None:
                state.step = old_step
            self.flush()

    def set_as_default(self, step: Any = None) -> None:
        """Makes this the default writer from now on (and `step` the default step)."""
        state = _local()
        state.writers[:] = [self]
        if step is not None:
            state.step = step

    def init(self) -> None:
        """Nothing to do: the event file is created with the writer."""

    def flush(self) -> None:
        """Writes the buffered events to disk."""
        if self._writer is not None and not self._closed:
            self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file; later summaries raise."""
        if self._writer is not None and not self._closed:
            self._writer.close()
        self._closed = True

    def _add(self, value: Any, step: int) -> None:
        if self._writer is None:
            return
        if self._closed:
            raise RuntimeError(f"tf.summary: the writer of {self._logdir!r} is closed; create "
                               f"a new one with tf.summary.create_file_writer(logdir).")
        tb = tensorboard_protos()
        self._add_event(tb.event_pb2.Event(wall_time=time.time(), step=step,
                                           summary=tb.summary_pb2.Summary(value=[value])))

    def _add_event(self, event: Any) -> None:
        """Writes one `Event` proto (a summary, or a graph: see `summary.trace`)."""
        if self._writer is None:
            return
        if self._closed:
            raise RuntimeError(f"tf.summary: the writer of {self._logdir!r} is closed; create "
                               f"a new one with tf.summary.create_file_writer(logdir).")
        self._writer.add_event(event)


def create_file_writer(logdir: Any, max_queue: int | None = None,
                       flush_millis: int | None = None, filename_suffix: str | None = None,
                       name: str | None = None, experimental_trackable: bool = False,
                       experimental_mesh: Any = None) -> SummaryWriter:
    """A `SummaryWriter` writing an event file into `logdir` (created when missing).

    Example:
        >>> import os, tempfile
        >>> import ember as tf
        >>> logdir = tempfile.mkdtemp()
        >>> w = tf.summary.create_file_writer(logdir); w.close()
        >>> os.listdir(logdir)[0].startswith("events.out.tfevents.")
        True
    """
    try:
        path = os.fspath(logdir)
    except TypeError:
        raise TypeError(f"tf.summary.create_file_writer: logdir must be a str or "
                        f"os.PathLike, received {logdir!r}.") from None
    if not path:
        raise ValueError("tf.summary.create_file_writer: logdir is empty; pass a folder "
                         "such as 'logs/train'.")
    return SummaryWriter(path, 10 if max_queue is None else int(max_queue),
                         120000 if flush_millis is None else int(flush_millis),
                         filename_suffix or "")


def create_noop_writer() -> SummaryWriter:
    """A writer that writes nothing (summaries under it return False).

    Example:
        >>> import ember as tf
        >>> with tf.summary.create_noop_writer().as_default(step=0):
        ...     tf.summary.scalar("x", 1.0)
        False
    """
    return SummaryWriter(None)


# -- step and recording -------------------------------------------------------------------
def set_step(step: Any) -> None:
    """Sets the default step of the summary functions (an int, or a Variable read at each
    write, e.g. `optimizer.iterations`)."""
    _local().step = step


def get_step() -> Any:
    """The default step (None when unset)."""
    return _local().step


@contextlib.contextmanager
def record_if(condition: Any) -> Iterator[None]:
    """Records summaries in the block only when `condition` (a bool, a boolean tensor,
    or a function of no arguments returning one) is true.

    Example:
        >>> import tempfile
        >>> import ember as tf
        >>> w = tf.summary.create_file_writer(tempfile.mkdtemp())
        >>> with w.as_default(step=0), tf.summary.record_if(False):
        ...     tf.summary.scalar("x", 1.0)
        False
        >>> w.close()
    """
    state = _local()
    state.record.append(condition)
    try:
        yield
    finally:
        state.record.pop()


def should_record_summaries() -> bool:
    """Whether summaries would be written now (a default writer and record_if true)."""
    state = _local()
    if not state.writers or state.writers[-1]._writer is None:
        return False
    for cond in state.record:
        if callable(cond):
            cond = cond()
        if not bool(np.asarray(getattr(cond, "_value", cond))):
            return False
    return True


def flush(writer: SummaryWriter | None = None, name: str | None = None) -> None:
    """Flushes `writer`, or the default writer."""
    state = _local()
    if writer is None:
        writer = state.writers[-1] if state.writers else None
    if writer is not None:
        writer.flush()


experimental = types.SimpleNamespace(set_step=set_step, get_step=get_step)


# -- values --------------------------------------------------------------------------------
def _array(who: str, data: Any) -> np.ndarray:
    if hasattr(data, "_value"):
        return np.asarray(data._value)
    if hasattr(data, "shape") and hasattr(data, "dtype") and not isinstance(
            data, (np.ndarray, np.generic)):
        raise TypeError(f"tf.summary.{who}: data is symbolic ({type(data).__name__}); ember "
                        f"writes summaries eagerly. Call tf.summary.{who} outside "
                        f"tf.function / Keras graphs, on concrete values.")
    try:
        return np.asarray(data)
    except Exception:  # noqa: BLE001 - report any conversion failure the same way
        raise TypeError(f"tf.summary.{who}: data must be a tensor, array or number, "
                        f"received {data!r}.") from None


def _step(who: str, step: Any) -> int:
    if step is None:
        step = _local().step
    if step is None:
        raise ValueError(f"tf.summary.{who}: no step set. Pass step=..., or set one with "
                         f"tf.summary.experimental.set_step(step) or "
                         f"writer.as_default(step=...).")
    value = np.asarray(getattr(step, "_value", step))
    if value.shape != () or value.dtype.kind not in "iu":
        raise ValueError(f"tf.summary.{who}: step must be a scalar integer, received "
                         f"{step!r}.")
    return int(value)


def _writer() -> SummaryWriter | None:
    return _local().writers[-1] if should_record_summaries() else None


def _traced(who: str, write: Any, data: Any, step: Any) -> Any:
    """Inside `ember.function`: the write as an op that runs at each call of the function
    (a `numpy_function` effect), with `data` and `step` read then. The default writer and
    `record_if` are taken when tracing (as TF captures them). Returns None when eager."""
    if executing_eagerly():
        return None
    writer = _writer()
    if writer is None:
        return False
    if step is None:
        step = _local().step
    if step is None:
        _step(who, None)  # raises the no-step error

    def run(value: np.ndarray, at: np.ndarray) -> np.ndarray:
        with writer.as_default(step=int(at)):
            return np.bool_(write(value))
    return numpy_function(run, [data, step], TensorSpec([], bool_))


def _metadata(tb: Any, plugin: str, description: str | None, content: bytes = b"") -> Any:
    return tb.summary_pb2.SummaryMetadata(
        plugin_data=tb.summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin,
                                                              content=content),
        summary_description=description or "")


def scalar(name: str, data: Any, step: Any = None, description: str | None = None) -> bool:
    """Writes a scalar; returns whether it was written (False without a default writer
    or under a false `record_if`)."""
    traced = _traced("scalar", lambda d: scalar(name, d, description=description),
                     data, step)
    if traced is not None:
        return traced
    writer = _writer()
    if writer is None:
        return False
    arr = _array("scalar", data)
    if arr.size != 1:
        raise ValueError(f"tf.summary.scalar: data for {name!r} must be a scalar, received "
                         f"shape {arr.shape}. Reduce it first, e.g. tf.reduce_mean(x).")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tf.summary.scalar: data for {name!r} must be numeric, received "
                        f"dtype {arr.dtype}.")
    tb = tensorboard_protos()
    # NOTE: no plugin metadata on classic fields: TensorBoard takes a value that has
    # metadata for a TF 2 tensor summary and would not find the tensor.
    value = tb.summary_pb2.Summary.Value(tag=name, simple_value=float(arr.reshape(())))
    writer._add(value, _step("scalar", step))
    return True


def histogram(name: str, data: Any, step: Any = None, buckets: int | None = None,
              description: str | None = None) -> bool:
    """Writes a histogram of `data` (any shape) with `buckets` equal-width buckets
    (default 30) spanning its min..max."""
    traced = _traced("histogram", lambda d: histogram(name, d, buckets=buckets), data,
                     step)
    if traced is not None:
        return traced
    writer = _writer()
    if writer is None:
        return False
    arr = _array("histogram", data).astype(np.float64).ravel()
    n = 30 if buckets is None else buckets
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"tf.summary.histogram: buckets must be a positive int, received "
                         f"{buckets!r}.")
    tb = tensorboard_protos()
    if arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(arr, bins=int(n), range=(lo, hi))
        histo = tb.summary_pb2.HistogramProto(
            min=float(arr.min()), max=float(arr.max()), num=float(arr.size),
            sum=float(arr.sum()), sum_squares=float(np.square(arr).sum()),
            bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])
    else:
        histo = tb.summary_pb2.HistogramProto()
    value = tb.summary_pb2.Summary.Value(tag=name, histo=histo)
    writer._add(value, _step("histogram", step))
    return True


def _png(img: np.ndarray) -> bytes:
    """A PNG of a uint8 [h, w, c] image (c: 1 gray, 3 RGB, 4 RGBA), zlib-compressed."""
    h, w, c = img.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + img[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def image(name: str, data: Any, step: Any = None, max_outputs: int = 3,
          description: str | None = None) -> bool:
    """Writes up to `max_outputs` images of `data`, shaped [k, h, w, c] with c in 1, 3
    or 4; floats are taken in [0, 1], integers in [0, 255]. One image is tagged `name`,
    several `name/image/0`, `name/image/1`, ..."""
    traced = _traced("image", lambda d: image(name, d, max_outputs=max_outputs), data,
                     step)
    if traced is not None:
        return traced
    writer = _writer()
    if writer is None:
        return False
    arr = _array("image", data)
    if arr.ndim != 4 or arr.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"tf.summary.image: data for {name!r} must be [k, h, w, c] with c "
                         f"in (1, 3, 4), received shape {arr.shape}. Add the batch axis with "
                         f"x[None] (or tf.expand_dims(x, 0)).")
    if arr.dtype.kind == "f":
        arr = np.clip(np.nan_to_num(arr) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    elif arr.dtype.kind in "biu":
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    else:
        raise TypeError(f"tf.summary.image: data for {name!r} must be numeric, received "
                        f"dtype {arr.dtype}.")
    tb = tensorboard_protos()
    s = _step("image", step)
    images = arr[:max(int(max_outputs), 0)]
    for i, img in enumerate(images):
        h, w, c = img.shape
        pic = tb.summary_pb2.Summary.Image(height=h, width=w, colorspace=c,
                                           encoded_image_string=_png(img))
        tag = name if len(images) == 1 else f"{name}/image/{i}"
        writer._add(tb.summary_pb2.Summary.Value(tag=tag, image=pic), s)
    return True


def text(name: str, data: Any, step: Any = None, description: str | None = None) -> bool:
    """Writes a string (or an array of strings) for TensorBoard's text dashboard."""
    writer = _writer()
    if writer is None:
        return False
    arr = np.asarray(data.numpy() if hasattr(data, "numpy") else data, dtype=object)
    tb = tensorboard_protos()
    strings = [s if isinstance(s, bytes) else str(s).encode("utf-8") for s in arr.ravel()]
    shape = tb.tensor_shape_pb2.TensorShapeProto(
        dim=[tb.tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in arr.shape])
    tensor = tb.tensor_pb2.TensorProto(dtype=tb.types_pb2.DT_STRING, tensor_shape=shape,
                                       string_val=strings)
    value = tb.summary_pb2.Summary.Value(tag=name, tensor=tensor,
                                         metadata=_metadata(tb, "text", description))
    writer._add(value, _step("text", step))
    return True


def audio(name: str, data: Any, sample_rate: Any, step: Any = None, max_outputs: int = 3,
          encoding: str | None = None, description: str | None = None) -> bool:
    """Writes up to `max_outputs` clips of `data`, shaped [k, t, c] with values in
    [-1, 1], as 16-bit WAV at `sample_rate` Hz."""
    traced = _traced("audio", lambda d: audio(name, d, sample_rate, max_outputs=max_outputs,
                                              encoding=encoding), data, step)
    if traced is not None:
        return traced
    writer = _writer()
    if writer is None:
        return False
    if encoding not in (None, "wav"):
        raise ValueError(f"tf.summary.audio: encoding must be 'wav' or None, received "
                         f"{encoding!r}.")
    arr = _array("audio", data).astype(np.float64)
    if arr.ndim != 3:
        raise ValueError(f"tf.summary.audio: data for {name!r} must be [k, t, c], received "
                         f"shape {arr.shape}.")
    rate = int(np.asarray(getattr(sample_rate, "_value", sample_rate)))
    tb = tensorboard_protos()
    s = _step("audio", step)
    clips = arr[:max(int(max_outputs), 0)]
    for i, clip in enumerate(clips):
        buf = io.BytesIO()
        with wave.open(buf, "wb") as wav:
            wav.setnchannels(clip.shape[1])
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes((np.clip(clip, -1, 1) * 32767).astype("<i2").tobytes())
        snd = tb.summary_pb2.Summary.Audio(sample_rate=rate, num_channels=clip.shape[1],
                                           length_frames=clip.shape[0],
                                           encoded_audio_string=buf.getvalue(),
                                           content_type="audio/wav")
        tag = name if len(clips) == 1 else f"{name}/audio/{i}"
        writer._add(tb.summary_pb2.Summary.Value(tag=tag, audio=snd), s)
    return True


from .trace import graph, trace_export, trace_off, trace_on  # noqa: E402 - uses the above
