"""Keras 3's look and names: summary tables, progress bars, log keys, messages, errors.

Each printing test runs the same small program on ember and on real Keras 3 (NumPy
backend) and compares what a terminal would show, line by line, with timings masked.
"""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest

from ember import keras
from ember.keras.models import summary as summary_mod
from tests.keras3_oracle import keras3


def screen(text: str) -> list:
    """What a terminal shows: each line after its last carriage return, no backspaces,
    the trailing blanks of an overdrawn line dropped, timings masked."""
    lines = []
    for line in text.split("\n"):
        line = line.split("\r")[-1].replace("\b", "").rstrip()
        line = re.sub(r"\d+(us|ms|s)/step", "T/step", line)
        line = re.sub(r"(\x1b\[1m|- )\d+s", r"\1Ns", line)
        lines.append(line)
    return lines


def build_pair(k, build):
    """The same model built with ember's keras and with real Keras, equal weights."""
    ours, theirs = build(keras), build(k)
    for a, b in zip(ours.weights, theirs.weights):
        a.assign(np.asarray(b.numpy() if hasattr(b, "numpy") else b))
    return ours, theirs


def seq_model(K):
    return K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="relu", name="hidden"),
                         K.layers.Dense(1, activation="sigmoid", name="out")], name="sequential")


def branchy_model(K):
    i = K.Input((4,), name="inp")
    a = K.layers.Dense(2, name="left")(i)
    b = K.layers.Dense(2, name="right")(i)
    c = K.layers.Concatenate(name="concatenate")([a, b])
    return K.Model(i, c, name="branchy")


def nested_model(K):
    inner = K.Sequential([K.Input((4,)), K.layers.Dense(3, name="a"),
                          K.layers.Dense(2, name="b")], name="inner")
    inner.layers[0].trainable = False
    i = K.Input((4,), name="x")
    return K.Model(i, K.layers.Dense(1, name="head")(inner(i)), name="outer")


SUMMARY_CASES = {
    "sequential": (seq_model, {}),
    "sequential_narrow": (seq_model, {"line_length": 60}),
    "sequential_positions": (seq_model, {"line_length": 70, "positions": [0.5, 0.8, 1.0]}),
    "functional_connected_to": (branchy_model, {}),
    "show_trainable": (nested_model, {"show_trainable": True, "line_length": 76}),
    "expand_nested": (nested_model, {"expand_nested": True}),
    "layer_range": (branchy_model, {"layer_range": ["left", "right"]}),
}


@pytest.mark.parametrize("case", sorted(SUMMARY_CASES))
def test_summary_matches_keras3_line_by_line(case, capsys, monkeypatch):
    k = keras3()
    monkeypatch.setenv("COLUMNS", "80")
    build, kwargs = SUMMARY_CASES[case]
    ours, theirs = build_pair(k, build)
    theirs.summary(**kwargs)
    expected = capsys.readouterr().out
    ours.summary(**kwargs)
    got = capsys.readouterr().out
    assert got.splitlines() == expected.splitlines()
    assert "┃ Layer (type)" in got and " Total params: " in got


def test_summary_of_an_unbuilt_model_matches_keras3(capsys, monkeypatch):
    k = keras3()
    monkeypatch.setenv("COLUMNS", "80")
    k.Sequential([k.layers.Dense(2, name="d")], name="lazy").summary()
    expected = capsys.readouterr().out
    keras.Sequential([keras.layers.Dense(2, name="d")], name="lazy").summary()
    assert capsys.readouterr().out.splitlines() == expected.splitlines()
    assert "0 (unbuilt)" in expected


def test_summary_print_fn_gets_the_whole_table_once(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    m = seq_model(keras)
    m.summary()
    printed = capsys.readouterr().out
    calls = []
    m.summary(print_fn=calls.append)
    assert len(calls) == 1 and calls[0] == printed
    assert capsys.readouterr().out == ""


def test_summary_thousands_separator_and_sizes():
    m = keras.Sequential([keras.Input((100,)), keras.layers.Dense(12, name="d")])
    out = []
    m.summary(print_fn=out.append)
    assert " Total params: 1,212 (4.73 KB)" in out[0]
    assert "│           1,212 │" in out[0] or "1,212 │" in out[0]


def test_summary_shows_optimizer_params_once_the_optimizer_is_built():
    m = seq_model(keras)
    m.compile(optimizer="adam", loss="binary_crossentropy")
    out = []
    m.summary(print_fn=out.append)
    assert "Optimizer params" not in out[0]
    m.fit(np.zeros((4, 4)), np.zeros((4, 1)), epochs=1, verbose=0)
    m.summary(print_fn=out.append)
    lines = out[1].splitlines()
    assert lines[-1].startswith(" Optimizer params: ")
    total = int(lines[-4].split(":")[1].split("(")[0].replace(",", ""))
    opt = int(lines[-1].split(":")[1].split("(")[0].replace(",", ""))
    assert total == 19 + opt and opt >= 2 * 19


def test_summary_without_rich_draws_the_same_table(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for build, kwargs in SUMMARY_CASES.values():
        m = build(keras)
        m.summary(**kwargs)
        with_rich = capsys.readouterr().out
        for mod in ("rich", "rich.console", "rich.markup", "rich.table"):
            monkeypatch.setitem(sys.modules, mod, None)  # `import rich` now fails
        assert summary_mod._rich() is None
        m.summary(**kwargs)
        monkeypatch.undo()
        monkeypatch.setenv("COLUMNS", "80")
        assert capsys.readouterr().out.splitlines() == with_rich.splitlines()


def test_summary_bad_arguments_raise_clear_errors():
    m = branchy_model(keras)
    with pytest.raises(ValueError, match="layer_range .* matches no layer"):
        m.summary(layer_range=["nope", "right"])
    with pytest.raises(ValueError, match="at least 4"):
        m.summary(line_length=10)
    assert m.name == "branchy" and len(m.layers) == 4


# -- progress output -------------------------------------------------------------------
def drive(logger_cls, verbose, epochs=2, steps=3):
    cb = logger_cls()
    cb.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    cb.on_train_begin()
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        for step in range(steps):
            cb.on_train_batch_end(step, {"accuracy": 0.25 * step, "loss": 0.7 - 0.1 * step})
        cb.on_epoch_end(epoch, {"accuracy": 0.5, "loss": 0.6, "val_accuracy": 0.75,
                                "val_loss": 0.55})
    cb.on_train_end()


@pytest.mark.parametrize("verbose", [1, 2])
def test_progbar_logger_matches_keras3(verbose, capsys):
    k = keras3()
    drive(k.callbacks.ProgbarLogger, verbose)
    expected = capsys.readouterr().out
    drive(keras.callbacks.ProgbarLogger, verbose)
    got = capsys.readouterr().out
    assert screen(got) == screen(expected)
    if verbose == 2:
        assert screen(got)[1] == ("3/3 - Ns - T/step - accuracy: 0.5000 - loss: 0.6000 - "
                                  "val_accuracy: 0.7500 - val_loss: 0.5500")


@pytest.mark.parametrize("target", [5, None])
def test_progbar_matches_keras3(target, capsys):
    k = keras3()
    outs = []
    for P in (k.utils.Progbar, keras.utils.Progbar):
        for verbose in (1, 2):
            bar = P(target, stateful_metrics=["acc"], verbose=verbose, interval=0)
            for i in range(1, 6):
                bar.update(i, [("loss", 1.0 / i), ("acc", 0.1 * i)], finalize=(i == 5))
        outs.append(capsys.readouterr().out)
    assert screen(outs[1]) == screen(outs[0])
    assert outs[1].count("\r") == outs[0].count("\r")


def test_fit_evaluate_predict_print_keras3_lines(capsys):
    k = keras3()
    x = np.random.RandomState(0).rand(64, 4).astype("float32")
    y = (x.sum(1) > 2).astype("float32")[:, None]
    ours, theirs = build_pair(k, seq_model)
    for m in (ours, theirs):
        m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    for verbose in (1, 2):
        theirs.evaluate(x, y, batch_size=16, verbose=verbose)
        expected = capsys.readouterr().out
        ours.evaluate(x, y, batch_size=16, verbose=verbose)
        assert screen(capsys.readouterr().out) == screen(expected)
        for n in (64, 3):
            theirs.predict(x[:n], batch_size=16, verbose=verbose)
            expected = capsys.readouterr().out
            ours.predict(x[:n], batch_size=16, verbose=verbose)
            assert screen(capsys.readouterr().out) == screen(expected)
    ours.fit(x, y, batch_size=16, epochs=2, verbose=1)
    lines = screen(capsys.readouterr().out)
    bar = "\x1b[1m4/4\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m \x1b[1mNs\x1b[0m"
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4] == ""
    assert re.fullmatch(re.escape(bar) + r" T/step - accuracy: 0\.\d{4} - loss: 0\.\d{4}",
                        lines[1])
    ours.fit(x, y, batch_size=16, epochs=2, verbose=2, validation_split=0.25)
    lines = screen(capsys.readouterr().out)
    assert re.fullmatch(r"3/3 - Ns - T/step - accuracy: [\d.]+ - loss: [\d.]+ - "
                        r"val_accuracy: [\d.]+ - val_loss: [\d.]+", lines[1])


# -- names -----------------------------------------------------------------------------
def test_history_logs_learning_rate_like_keras3():
    m = seq_model(keras)
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    x, y = np.zeros((8, 4)), np.zeros((8, 1))
    h = m.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5)])
    assert "lr" not in h.history
    assert h.history["learning_rate"] == pytest.approx([0.05, 0.025])
    h = m.fit(x, y, epochs=1, verbose=0,
              callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="loss")])
    assert list(h.history) == ["learning_rate", "loss"] or "learning_rate" in h.history


def test_progress_lines_show_metrics_sorted_like_keras3(capsys):
    m = seq_model(keras)
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    m.fit(np.zeros((8, 4)), np.zeros((8, 1)), epochs=1, verbose=2, validation_split=0.25)
    line = screen(capsys.readouterr().out)[0]
    assert [p.split(":")[0] for p in line.split(" - ")[3:]] == [
        "accuracy", "loss", "val_accuracy", "val_loss"]


def test_fit_before_compile_raises_keras3_value_error():
    m = seq_model(keras)
    before = [w.numpy().copy() for w in m.weights]
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before calling "
                                         r"`fit\(\)`.*model\.compile\(optimizer"):
        m.fit(np.zeros((4, 4)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(RuntimeError):  # tf.keras 2 code that caught RuntimeError
        m.evaluate(np.zeros((4, 4)), np.zeros((4, 1)), verbose=0)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, m.weights))


def test_functional_default_name_is_functional():
    keras.backend.clear_session()
    i = keras.Input((2,))
    first = keras.Model(i, keras.layers.Dense(1)(i))
    second = keras.Model(i, keras.layers.Dense(1)(i))
    assert (first.name, second.name) == ("functional", "functional_1")
    assert keras.Sequential().name.startswith("sequential")


def test_checkpoint_verbose_words_as_keras3(tmp_path, capsys):
    k = keras3()
    msgs = []
    for K, m in ((k, seq_model(k)), (keras, seq_model(keras))):
        cb = K.callbacks.ModelCheckpoint(str(tmp_path / "w.weights.h5"), save_best_only=True,
                                         save_weights_only=True, verbose=1)
        cb.set_model(m)
        cb.on_epoch_end(0, {"val_loss": 0.5})
        cb.on_epoch_end(1, {"val_loss": 0.75})
        msgs.append(capsys.readouterr().out.replace(str(tmp_path), "DIR"))
    assert msgs[1] == msgs[0]
    assert "val_loss improved from None to 0.50000" in msgs[1]


# -- tf.keras 2 programs still run -----------------------------------------------------
def test_input_shape_argument_warns_keras3_text_once_and_works():
    k = keras3()
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        k.layers.Dense(1, input_shape=(3,))
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("default")
        for _ in range(3):
            m = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    assert len(ours) == 1 and ours[0].category is UserWarning
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__
    assert m.output_shape == (None, 1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        keras.Input((3,))
        keras.layers.Dense(1)
    assert not w


def test_lr_argument_and_compiled_loss_still_work():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        opt = keras.optimizers.SGD(lr=0.2)
    assert float(opt.learning_rate) == pytest.approx(0.2)
    assert any("learning_rate" in str(x.message) for x in w)
    m = seq_model(keras)
    m.compile(optimizer=opt, loss="binary_crossentropy", metrics=["mae"])
    assert m.compiled_loss is not None
    import numpy as np
    x, y = np.ones((4, 4), "float32"), np.ones((4, 1), "float32")
    with warnings.catch_warnings(record=True) as w:  # tf.keras 2's step, Keras 3's warnings
        warnings.simplefilter("always")
        y_pred = m(x)
        loss = m.compiled_loss(y, y_pred, regularization_losses=m.losses)
        m.compiled_metrics.update_state(y, y_pred)
    assert float(loss) == pytest.approx(float(m.compute_loss(x, y, y_pred)))
    assert float(m.metrics[1].result()) == pytest.approx(float(np.mean(np.abs(
        1.0 - y_pred.numpy()))))
    said = [str(x.message) for x in w]
    assert any("`model.compiled_loss()` is deprecated" in s for s in said)
    assert any("`model.compiled_metrics()` is deprecated" in s for s in said)


def test_history_lr_reads_learning_rate_with_a_warning():
    """tf.keras 2 programs read history['lr'] after ReduceLROnPlateau; Keras 3 records
    'learning_rate': the old key still reads it, and says the new name."""
    import warnings
    import numpy as np
    from ember import keras
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5)
    h = model.fit(np.ones((8, 2)), np.zeros((8, 1)), epochs=2, verbose=0, callbacks=[cb])
    assert "learning_rate" in h.history and "lr" not in h.history
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert h.history["lr"] == h.history["learning_rate"]
    assert "Keras 3 records the learning rate as 'learning_rate'" in str(w[0].message)
    try:
        h.history["nope"]
        raise AssertionError("a missing key must raise")
    except KeyError:
        pass


def test_history_and_evaluate_logs_are_sorted_as_tf_2_21_gives_them():
    """Keras 3 on TF 2.21 (recorded 2026-12-04): history and evaluate(return_dict=True)
    list the logs by sorted name, the validation ones after; metrics_names keeps loss
    first (ember lists each metric there, where Keras 3 says 'compile_metrics')."""
    import numpy as np
    from ember import keras
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy",
              metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    x = np.random.default_rng(0).random((64, 3)).astype("float32")
    y = np.arange(64) % 2
    h = m.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert list(h.history) == [
        "accuracy", "loss", "sparse_top_k_categorical_accuracy", "val_accuracy",
        "val_loss", "val_sparse_top_k_categorical_accuracy"]
    assert list(m.evaluate(x, y, verbose=0, return_dict=True)) == [
        "accuracy", "loss", "sparse_top_k_categorical_accuracy"]
    assert m.metrics_names[0] == "loss"
