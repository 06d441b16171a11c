"""`keras.utils.Sequence` / `PyDataset` in fit, evaluate and predict.

Oracles: the same model trained / evaluated on the equivalent NumPy arrays (shuffle=False,
the same batch size) from the same initial weights, and a log of the indices each
Sequence was asked for. Every Sequence here also reads batch 0 once when fit / evaluate
/ predict starts (a check of its structure, as tf.keras 2 peeks at it): `log[0]`.
"""

from __future__ import annotations

import numpy as np
import pytest

from ember import keras
from tests.helpers import assert_untouched

RNG = np.random.default_rng(5)
X = RNG.normal(size=(22, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.25).astype(np.float32)
SW = np.linspace(0.5, 2.0, 22).astype(np.float32)
BS = 5  # 22 samples: batches of 5, 5, 5, 5, 2


class Batches(keras.utils.Sequence):
    """Batches of (X, Y[, SW]); records each index asked for and each on_epoch_end."""

    def __init__(self, x=X, y=Y, sw=None, batch_size=BS, only_x=False):
        self.x, self.y, self.sw, self.batch_size, self.only_x = x, y, sw, batch_size, only_x
        self.log: list = []
        self.ends = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        self.log.append(index)
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.only_x:
            return self.x[s]
        return (self.x[s], self.y[s]) if self.sw is None else (self.x[s], self.y[s],
                                                               self.sw[s])

    def on_epoch_end(self):
        self.ends += 1


def model_pair(lr=0.05, metrics=("mae",)):
    """Two compiled models with the same initial weights."""
    out = []
    for _ in range(2):
        init = keras.initializers.GlorotUniform(seed=3)
        m = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(4, activation="tanh", kernel_initializer=init),
                              keras.layers.Dense(1, kernel_initializer=init)])
        m.compile(keras.optimizers.SGD(lr), "mse", metrics=list(metrics))
        out.append(m)
    return out


def assert_same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


# -- the same numbers as arrays ----------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
def test_fit_evaluate_predict_match_the_equivalent_arrays(weighted):
    m_seq, m_arr = model_pair()
    sw = SW if weighted else None
    h_seq = m_seq.fit(Batches(sw=sw), epochs=3, shuffle=False, verbose=0)
    h_arr = m_arr.fit(X, Y, sample_weight=sw, batch_size=BS, epochs=3, shuffle=False,
                      verbose=0)
    for k in ("loss", "mae"):
        np.testing.assert_allclose(h_seq.history[k], h_arr.history[k], rtol=1e-5)
    assert_same_weights(m_seq, m_arr)
    assert h_seq.params == h_arr.params == {"verbose": 0, "epochs": 3, "steps": 5}
    assert m_seq.evaluate(Batches(sw=sw), verbose=0, return_dict=True) == pytest.approx(
        m_arr.evaluate(X, Y, sample_weight=sw, batch_size=BS, verbose=0, return_dict=True),
        rel=1e-5)
    pred = m_arr.predict(X, verbose=0)
    np.testing.assert_allclose(m_seq.predict(Batches(only_x=True), verbose=0), pred,
                               rtol=1e-5, atol=1e-6)
    # predict uses x of (x, y) batches, as Keras
    np.testing.assert_allclose(m_seq.predict(Batches(), verbose=0), pred, rtol=1e-5,
                               atol=1e-6)


def test_evaluate_matches_a_numpy_formula_and_steps_limit_it():
    (model, _) = model_pair()
    err = (model.predict(X, verbose=0) - Y) ** 2
    assert model.evaluate(Batches(), verbose=0) == pytest.approx(
        [err.mean(), np.sqrt(err).mean()], rel=1e-5)
    assert model.evaluate(Batches(), steps=2, verbose=0)[0] == pytest.approx(
        err[:10].mean(), rel=1e-5)
    assert model.predict(Batches(), steps=2, verbose=0).shape == (10, 1)


def test_class_weight_with_a_sequence_matches_arrays():
    labels = (X[:, 0] > 0).astype(np.int64)
    cw = {0: 0.3, 1: 2.0}
    models = []
    for _ in range(2):
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
            2, activation="softmax", kernel_initializer=keras.initializers.Ones())])
        m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        models.append(m)
    h1 = models[0].fit(Batches(y=labels), class_weight=cw, shuffle=False, epochs=2, verbose=0)
    h2 = models[1].fit(X, labels, batch_size=BS, class_weight=cw, shuffle=False, epochs=2,
                       verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)


# -- epochs, order, on_epoch_end ---------------------------------------------------------

def test_on_epoch_end_once_per_epoch_and_per_pass():
    model, _ = model_pair()
    train, val = Batches(), Batches()
    model.fit(train, epochs=3, validation_data=val, verbose=0)
    assert train.ends == 3 and val.ends == 3
    val2 = Batches()
    model.fit(Batches(), epochs=4, validation_data=val2, validation_freq=2, verbose=0)
    assert val2.ends == 2
    for run in (lambda s: model.evaluate(s, verbose=0), lambda s: model.predict(s, verbose=0)):
        s = Batches()
        run(s)
        assert s.ends == 1


def test_on_epoch_end_runs_after_the_epoch_and_validation():
    model, _ = model_pair()
    events = []

    class Logged(Batches):
        def on_epoch_end(self):
            events.append("seq_end")

    class Cb(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            events.append(("cb_end", sorted(logs)))

    model.fit(Logged(), epochs=2, validation_data=Batches(), callbacks=[Cb()], verbose=0)
    keys = ["loss", "mae", "val_loss", "val_mae"]
    assert events == [("cb_end", keys), "seq_end"] * 2


def test_every_epoch_starts_at_batch_0_and_shuffle_false_keeps_the_order():
    model, _ = model_pair()
    s = Batches()
    model.fit(s, epochs=3, shuffle=False, verbose=0)
    assert s.log == [0] + [0, 1, 2, 3, 4] * 3


def test_shuffle_permutes_the_batch_indices_each_epoch():
    keras.utils.set_random_seed(0)
    model, _ = model_pair()
    s = Batches(batch_size=2)  # 11 batches
    model.fit(s, epochs=4, verbose=0)  # shuffle=True is fit's default
    epochs = [s.log[1 + 11 * e:1 + 11 * (e + 1)] for e in range(4)]
    assert all(sorted(e) == list(range(11)) for e in epochs)
    assert any(e != list(range(11)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1  # a new order each epoch
    v = Batches(batch_size=2)
    model.fit(Batches(), epochs=2, validation_data=v, verbose=0)
    assert v.log == [0] + list(range(11)) * 2  # validation is never shuffled


def test_steps_per_epoch_limits_and_each_epoch_restarts():
    model, _ = model_pair()
    s = Batches()
    h = model.fit(s, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert s.log == [0] + [0, 1] * 3
    assert h.params["steps"] == 2 and s.ends == 3
    s = Batches()
    h = model.fit(s, epochs=2, steps_per_epoch=50, shuffle=False, verbose=0)
    assert h.params["steps"] == 5 and s.log == [0] + list(range(5)) * 2  # capped at len
    v = Batches()
    model.fit(Batches(), validation_data=v, validation_steps=2, epochs=2, verbose=0)
    assert v.log == [0, 0, 1, 0, 1]


def test_progress_bar_counts_len_of_the_sequence(capsys):
    model, _ = model_pair()
    model.fit(Batches(batch_size=3), epochs=1, verbose=1)  # 8 batches
    out = capsys.readouterr().out
    assert "8/8" in out and "/22" not in out
    model.evaluate(Batches(batch_size=3), verbose=1)
    assert "8/8" in capsys.readouterr().out
    model.predict(Batches(batch_size=11), verbose=1)
    assert "2/2" in capsys.readouterr().out


def test_history_keys_with_a_validation_sequence():
    m_seq, m_arr = model_pair(lr=0.0)
    h = m_seq.fit(Batches(), epochs=2, validation_data=Batches(sw=SW), verbose=0)
    assert set(h.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(v) == 2 for v in h.history.values())
    want = m_arr.evaluate(X, Y, sample_weight=SW, batch_size=BS, verbose=0, return_dict=True)
    assert h.history["val_loss"][-1] == pytest.approx(want["loss"], rel=1e-5)
    assert h.history["val_mae"][-1] == pytest.approx(want["mae"], rel=1e-5)
    # a Sequence as validation for array training data, with validation_batch_size unset
    h = m_seq.fit(X, Y, batch_size=4, validation_data=Batches(), verbose=0)
    assert sorted(h.history) == ["loss", "mae", "val_loss", "val_mae"]


# -- PyDataset ----------------------------------------------------------------------------

class Dataset(keras.utils.PyDataset):
    def __init__(self, n=4, **kwargs):
        super().__init__(**kwargs)
        self.n, self.log, self.begins, self.ends = n, [], 0, 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.log.append(index)
        s = slice(index * BS % 20, index * BS % 20 + BS)
        return [X[s], Y[s]]  # a list is read as (x, y), as Keras

    def on_epoch_begin(self):
        self.begins += 1

    def on_epoch_end(self):
        self.ends += 1


def test_pydataset_settings_are_stored_and_fit_accepts_the_keras_2_arguments():
    ds = Dataset(workers=3, use_multiprocessing=True, max_queue_size=4)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (3, True, 4)
    assert ds.num_batches == 4 and isinstance(ds, keras.utils.Sequence)
    assert (Dataset().workers, Dataset().use_multiprocessing, Dataset().max_queue_size) == (
        1, False, 10)
    model, _ = model_pair()
    h = model.fit(ds, epochs=2, workers=4, use_multiprocessing=True, max_queue_size=3,
                  shuffle=False, verbose=0)
    assert len(h.history["loss"]) == 2 and ds.begins == 2 and ds.ends == 2
    assert ds.log == [0] + [0, 1, 2, 3] * 2
    model.evaluate(ds, workers=2, use_multiprocessing=False, max_queue_size=1, verbose=0)
    model.predict(ds, workers=2, use_multiprocessing=False, max_queue_size=1, verbose=0)
    assert ds.begins == ds.ends == 4


def test_an_endless_pydataset_needs_steps_and_goes_on_across_epochs():
    class Endless(Dataset):
        num_batches = None

    model, _ = model_pair()
    ds = Endless()
    model.fit(ds, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert ds.log == [0] + [0, 1, 2, 3, 4, 5]
    with pytest.warns(UserWarning, match=r"shuffle=True is ignored for the endless") as w:
        model.fit(Endless(), steps_per_epoch=1, verbose=0)
    assert w[0].filename == __file__
    with pytest.raises(ValueError, match=r"num_batches is None.*steps_per_epoch"):
        model.fit(Endless(), verbose=0)
    assert model.predict(Endless(), steps=3, verbose=0).shape == (15, 1)


def test_iterating_a_sequence_and_the_base_class_errors():
    assert [len(bx) for bx, by in Batches()] == [5, 5, 5, 5, 2]
    assert [len(bx) for bx, by in Dataset(n=2)] == [5, 5]

    class NoLen(keras.utils.Sequence):
        pass

    with pytest.raises(NotImplementedError, match=r"NoLen must define __len__"):
        len(NoLen())
    with pytest.raises(NotImplementedError, match=r"NoLen must define __getitem__"):
        NoLen()[0]

    class NoLenDataset(keras.utils.PyDataset):
        pass

    with pytest.raises(NotImplementedError, match=r"__len__.*or the property num_batches"):
        NoLenDataset().num_batches


# -- errors, before any weight changes ---------------------------------------------------

def test_batch_size_with_a_sequence_raises():
    model, _ = model_pair()
    msg = r"do not pass `batch_size`.*Sequence / PyDataset \(Batches\).*batch_size=8"
    assert_untouched(model, lambda: model.fit(Batches(), batch_size=8, verbose=0), ValueError,
                     msg)
    assert_untouched(model, lambda: model.evaluate(Batches(), batch_size=8, verbose=0),
                     ValueError, msg)
    with pytest.raises(ValueError, match=msg):
        model.predict(Batches(), batch_size=8, verbose=0)
    assert_untouched(model, lambda: model.fit(X, Y, validation_data=Batches(),
                                              validation_batch_size=4, verbose=0),
                     ValueError, r"do not pass `validation_batch_size`")


def test_an_empty_sequence_raises_without_changing_weights():
    model, _ = model_pair()
    empty = Batches(x=X[:0], y=Y[:0])
    msg = r"the Batches is empty: its __len__ returned 0"
    assert_untouched(model, lambda: model.fit(empty, verbose=0), ValueError, msg)
    assert_untouched(model, lambda: model.fit(X, Y, validation_data=empty, verbose=0),
                     ValueError, msg)
    assert_untouched(model, lambda: model.evaluate(empty, verbose=0), ValueError, msg)
    with pytest.raises(ValueError, match=msg):
        model.predict(empty, verbose=0)
    assert empty.log == []


@pytest.mark.parametrize("item, received", [
    ((X[:2], Y[:2], SW[:2], SW[:2]), "a tuple of 4 items"),
    (None, "None"),
    ((), "a tuple of 0 items"),
])
def test_getitem_of_the_wrong_structure_raises_before_training(item, received):
    class Bad(Batches):
        def __getitem__(self, index):
            return item if index == 0 else super().__getitem__(index)

    model, _ = model_pair()
    msg = (r"fit: Bad.__getitem__\(0\) must return one batch: x, \(x,\), \(x, y\) or "
           r"\(x, y, sample_weight\).*received " + received)
    # batch 0 is checked before the first step, also when shuffling puts it later
    assert_untouched(model, lambda: model.fit(Bad(), verbose=0), ValueError, msg)


def test_bad_batches_name_the_sequence_and_the_index():
    class Unequal(Batches):
        def __getitem__(self, index):
            return X[:4], Y[:3]

    class Scalar(Batches):
        def __getitem__(self, index):
            return 1.0, 2.0

    model, _ = model_pair()
    assert_untouched(model, lambda: model.fit(Unequal(), verbose=0), ValueError,
                     r"batch 0 of the Unequal has 4 / 3 samples in x / y")
    assert_untouched(model, lambda: model.fit(Scalar(), verbose=0), Exception,
                     r"fit \(Scalar\[0\]\): inputs must have a batch axis")


def test_y_sample_weight_and_validation_split_with_a_sequence_raise():
    model, _ = model_pair()
    assert_untouched(model, lambda: model.fit(Batches(), Y, verbose=0), ValueError,
                     r"y / sample_weight can.t be passed when x is a keras.utils.Sequence")
    assert_untouched(model, lambda: model.fit(Batches(), sample_weight=SW, verbose=0),
                     ValueError, r"return them from its __getitem__")
    assert_untouched(model, lambda: model.fit(Batches(), validation_split=0.2, verbose=0),
                     ValueError, r"validation_split is only supported for in-memory data")

    class BadLen(Batches):
        def __len__(self):
            return 2.0

    assert_untouched(model, lambda: model.fit(BadLen(), verbose=0), TypeError,
                     r"len\(\) of the BadLen failed")
