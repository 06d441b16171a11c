"""tf.summary event files and keras.callbacks.TensorBoard, read back with TensorBoard's own
EventAccumulator."""

import io
import os
import sys
import wave

import numpy as np
import pytest

import ember as tf
from ember import keras

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator)


def _read(logdir):
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0,
                                                       "images": 0, "tensors": 0,
                                                       "audio": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, round(e.value, 6)) for e in acc.Scalars(tag)]


@pytest.fixture
def writer(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    yield w
    w.close()
    tf.summary.experimental.set_step(None)


def test_scalars_steps_and_defaults(tmp_path, writer):
    with writer.as_default():
        for step in range(3):
            assert tf.summary.scalar("loss", tf.constant(1.0 / (step + 1)), step=step)
    with writer.as_default(step=10):
        assert tf.summary.scalar("acc", np.float32(0.25))
    step = tf.Variable(20, dtype=tf.int64)
    tf.summary.experimental.set_step(step)
    assert tf.summary.experimental.get_step() is step
    with writer.as_default():
        tf.summary.scalar("acc", 0.5)
        step.assign(21)  # a Variable step is read at each write
        tf.summary.scalar("acc", tf.Variable(0.75))
    tf.summary.flush(writer)
    acc = _read(tmp_path)
    assert _scalars(acc, "loss") == [(0, 1.0), (1, 0.5), (2, 0.333333)]
    assert _scalars(acc, "acc") == [(10, 0.25), (20, 0.5), (21, 0.75)]


def test_histogram_buckets(tmp_path, writer):
    data = np.concatenate([np.zeros(3), np.ones(7)])
    with writer.as_default(step=2):
        tf.summary.histogram("w", tf.constant(data), buckets=2)
        tf.summary.histogram("default", np.random.default_rng(0).normal(size=100))
    writer.flush()
    (event,) = _read(tmp_path).Histograms("w")
    h = event.histogram_value
    assert event.step == 2 and (h.min, h.max, h.num, h.sum) == (0.0, 1.0, 10.0, 7.0)
    assert list(h.bucket_limit) == [0.5, 1.0] and list(h.bucket) == [3.0, 7.0]
    (event,) = _read(tmp_path).Histograms("default")
    assert len(event.histogram_value.bucket) == 30


def test_image_text_audio(tmp_path, writer):
    images = np.random.default_rng(0).random((2, 4, 6, 3)).astype("float32")
    with writer.as_default(step=1):
        tf.summary.image("one", images[:1])
        tf.summary.image("many", images, max_outputs=2)
        tf.summary.image("gray", np.full((1, 3, 2, 1), 200, "uint8"))
        tf.summary.text("note", "hello")
        tf.summary.audio("tone", np.sin(np.linspace(0, 60, 800)).reshape(1, 800, 1), 8000)
    writer.flush()
    acc = _read(tmp_path)
    (one,) = acc.Images("one")
    assert (one.step, one.height, one.width) == (1, 4, 6)
    assert one.encoded_image_string.startswith(b"\x89PNG\r\n\x1a\n")
    assert sorted(acc.Tags()["images"]) == ["gray", "many/image/0", "many/image/1", "one"]
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        pic = np.asarray(Image.open(io.BytesIO(one.encoded_image_string)))
        np.testing.assert_array_equal(pic, np.clip(images[0] * 255 + 0.5, 0, 255).astype(
            "uint8"))
    (text,) = acc.Tensors("note")
    assert text.tensor_proto.string_val == [b"hello"]
    (clip,) = acc.Audio("tone")
    assert clip.sample_rate == 8000 and clip.length_frames == 800
    with wave.open(io.BytesIO(clip.encoded_audio_string)) as w:
        assert (w.getnframes(), w.getnchannels(), w.getframerate()) == (800, 1, 8000)


def test_record_if_noop_writer_and_no_writer(tmp_path, writer):
    assert tf.summary.scalar("x", 1.0, step=0) is False  # no default writer
    with writer.as_default(step=0):
        with tf.summary.record_if(False):
            assert tf.summary.scalar("x", 1.0) is False
        with tf.summary.record_if(lambda: True):
            assert tf.summary.should_record_summaries()
            assert tf.summary.scalar("x", 2.0)
        with tf.summary.record_if(tf.constant(False)):
            assert tf.summary.histogram("h", [1.0]) is False
    with tf.summary.create_noop_writer().as_default(step=0):
        assert tf.summary.image("i", np.zeros((1, 2, 2, 1))) is False
    writer.flush()
    assert _scalars(_read(tmp_path), "x") == [(0, 2.0)]


def test_bad_inputs(tmp_path, writer):
    with writer.as_default():
        with pytest.raises(ValueError, match="tf.summary.scalar: no step set"):
            tf.summary.scalar("x", 1.0)
        with pytest.raises(ValueError, match=r"data for 'x' must be a scalar, received shape "
                                             r"\(2,\)"):
            tf.summary.scalar("x", [1.0, 2.0], step=0)
        with pytest.raises(ValueError, match="step must be a scalar integer"):
            tf.summary.scalar("x", 1.0, step=1.5)
        with pytest.raises(ValueError, match=r"must be \[k, h, w, c\].*received shape "
                                             r"\(4, 4\)"):
            tf.summary.image("i", np.zeros((4, 4)), step=0)
        with pytest.raises(ValueError, match="buckets must be a positive int"):
            tf.summary.histogram("h", [1.0], step=0, buckets=0)
        with pytest.raises(ValueError, match=r"must be \[k, t, c\]"):
            tf.summary.audio("a", np.zeros(5), 100, step=0)
        with pytest.raises(TypeError, match="data is symbolic"):
            tf.summary.scalar("k", keras.Input((1,)), step=0)
    with pytest.raises(ValueError, match="logdir is empty"):
        tf.summary.create_file_writer("")
    writer.close()
    with writer.as_default(step=0):
        with pytest.raises(RuntimeError, match="is closed"):
            tf.summary.scalar("x", 1.0)


def test_missing_tensorboard_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r"pip install ember\[tensorboard\]"):
        tf.summary.create_file_writer(str(tmp_path))
    with pytest.raises(ImportError, match=r"pip install ember\[tensorboard\]"):
        keras.callbacks.TensorBoard(str(tmp_path))


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def _xy():
    x = np.random.default_rng(0).random((20, 3)).astype("float32")
    return x, x.sum(1, keepdims=True)


def test_tensorboard_callback_epoch_logs(tmp_path):
    x, y = _xy()
    model = _model()
    cb = keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1,
                                     write_images=True)
    history = model.fit(x, y, epochs=3, batch_size=5, validation_split=0.25, verbose=0,
                        callbacks=[cb])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate"} <= set(train.Tags()["scalars"])
    steps = [s for s, _ in _scalars(train, "epoch_loss")]
    assert steps == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in train.Scalars("epoch_loss")],
                               history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")],
                               history.history["val_loss"], rtol=1e-6)
    assert [round(e.value, 6) for e in train.Scalars("epoch_learning_rate")] == [0.05] * 3
    assert "epoch_mae" in val.Tags()["scalars"]
    kernel = model.layers[0].weights[0].name.replace(":", "_")
    assert len(train.Histograms(kernel + "/histogram")) == 3
    (img, *_) = train.Images(kernel + "/image")
    assert (img.height, img.width) == (2, 3)


def test_tensorboard_callback_batch_logs_and_evaluate(tmp_path):
    x, y = _xy()
    model = _model()
    cb = keras.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=2)
    model.fit(x, y, epochs=2, batch_size=5, verbose=0, callbacks=[cb])
    train = _read(tmp_path / "train")
    assert [s for s, _ in _scalars(train, "batch_loss")] == [2, 4, 6, 8]
    assert not os.path.exists(tmp_path / "validation")
    model.evaluate(x, y, verbose=0, callbacks=[cb])
    val = _read(tmp_path / "validation")
    assert _scalars(val, "evaluation_loss_vs_iterations")[0][0] == 8


def test_tensorboard_callback_arguments(tmp_path):
    with pytest.raises(NotImplementedError, match="embeddings_freq=1 is not supported"):
        keras.callbacks.TensorBoard(str(tmp_path), embeddings_freq=1)
    with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch' or an int"):
        keras.callbacks.TensorBoard(str(tmp_path), update_freq="step")
    with pytest.raises(ValueError, match="histogram_freq must be an int >= 0"):
        keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=-1)
    with pytest.raises(ValueError, match="profile_batch must be an int >= 0"):
        keras.callbacks.TensorBoard(str(tmp_path), profile_batch=(3, 1))
    with pytest.raises(ValueError, match="profile_batch must be an int >= 0"):
        keras.callbacks.TensorBoard(str(tmp_path), profile_batch="a,b")
    assert keras.callbacks.TensorBoard(str(tmp_path), profile_batch="2,4")._stop_batch == 4
    assert keras.callbacks.TensorBoard(str(tmp_path), update_freq="batch").update_freq == 1


def test_summaries_inside_function_write_at_each_call(tmp_path, writer):
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def f(x):
        with writer.as_default():
            tf.summary.scalar("total", tf.reduce_sum(x), step=step)
            tf.summary.histogram("x", x, step=step, buckets=2)
        return x * 2

    for i in range(3):
        f(tf.constant([float(i), 1.0]))
        step.assign_add(1)
    writer.flush()
    acc = _read(tmp_path)
    assert _scalars(acc, "total") == [(0, 1.0), (1, 2.0), (2, 3.0)]
    assert [e.step for e in acc.Histograms("x")] == [0, 1, 2]
