"""tf.train.Checkpoint / CheckpointManager / readers, and keras BackupAndRestore."""

import glob
import os

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras.saving.weights_file import DamagedFileError


class Block(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.arange(6.0).reshape(2, 3), dtype=tf.float32)
        self.parts = [tf.Variable(1.0), {"b": tf.Variable([2, 3]), "a/x": tf.Variable(4.0)}]


def _model(built=True):
    layers = [keras.layers.Dense(4), keras.layers.Dense(1)]
    m = keras.Sequential(([keras.Input((3,))] if built else []) + layers)
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return m


def _data():
    rng = np.random.default_rng(0)
    x = rng.random((16, 3)).astype("float32")
    return x, x.sum(1, keepdims=True)


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def test_roundtrip_module_lists_dicts_and_paths(tmp_path):
    block = Block()
    ckpt = tf.train.Checkpoint(block=block, step=tf.Variable(7, dtype=tf.int64))
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt-1") and int(ckpt.save_counter) == 1
    keys = dict(tf.train.list_variables(path))
    assert keys == {"_CHECKPOINTABLE_OBJECT_GRAPH": [],  # listed as TF lists it
                    "block/parts/0/.ATTRIBUTES/VARIABLE_VALUE": [],
                    "block/parts/1/a.Sx/.ATTRIBUTES/VARIABLE_VALUE": [],
                    "block/parts/1/b/.ATTRIBUTES/VARIABLE_VALUE": [2],
                    "block/w/.ATTRIBUTES/VARIABLE_VALUE": [2, 3],
                    "save_counter/.ATTRIBUTES/VARIABLE_VALUE": [],
                    "step/.ATTRIBUTES/VARIABLE_VALUE": []}
    # the file names TF uses, so globbing code keeps working
    assert sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "ckpt-1*"))) == [
        "ckpt-1.data-00000-of-00001", "ckpt-1.index"]
    fresh = Block()
    for v in fresh.variables:
        v.assign(tf.zeros_like(v))
    ckpt2 = tf.train.Checkpoint(block=fresh, step=tf.Variable(0, dtype=tf.int64))
    status = ckpt2.restore(path)
    assert status.assert_consumed() is status
    assert int(ckpt2.step) == 7 and int(ckpt2.save_counter) == 1
    for a, b in zip(block.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert ckpt2.save(str(tmp_path / "ckpt")).endswith("ckpt-2")  # the counter goes on
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "ckpt-2")


def test_write_and_read_leave_counter_and_state_alone(tmp_path):
    v = tf.Variable([1.0, 2.0])
    ckpt = tf.train.Checkpoint(v=v)
    assert ckpt.write(str(tmp_path / "w")) == str(tmp_path / "w")
    assert int(ckpt.save_counter) == 0 and not os.path.exists(tmp_path / "checkpoint")
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    v.assign([0.0, 0.0])
    ckpt.read(str(tmp_path / "w")).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_keras_model_and_optimizer_deferred_slots(tmp_path):
    x, y = _data()
    a = _model()
    a.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    path = tf.train.Checkpoint(model=a, optimizer=a.optimizer).save(str(tmp_path / "c"))
    keys = [k for k, _ in tf.train.list_variables(path)]
    assert "model/layer-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE" in keys
    b = _model(built=False)  # not built, optimizer without slots: all deferred
    status = tf.train.Checkpoint(model=b, optimizer=b.optimizer).restore(path)
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError, match="Unresolved object"):
        status.assert_consumed()
    b.build((None, 3))
    assert _same(a, b) and int(b.optimizer.iterations) == int(a.optimizer.iterations)
    a.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    b.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)  # slots restored here
    status.assert_consumed()
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_subclassed_model_tracks_attributes(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder = keras.layers.Dense(2)
            self.heads = [keras.layers.Dense(1), keras.layers.Dense(1)]

        def call(self, x):
            h = self.encoder(x)
            return self.heads[0](h) + self.heads[1](h)

    net = Net()
    net(np.ones((1, 3), "float32"))
    path = tf.train.Checkpoint(net=net).write(str(tmp_path / "n"))
    keys = {k for k, _ in tf.train.list_variables(path)}
    assert "net/encoder/kernel/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert "net/heads/1/bias/.ATTRIBUTES/VARIABLE_VALUE" in keys
    other = Net()
    status = tf.train.Checkpoint(net=other).read(path)
    out = other(np.ones((1, 3), "float32"))  # built on the first call: values applied
    status.assert_consumed()
    np.testing.assert_allclose(out.numpy(), net(np.ones((1, 3), "float32")).numpy())


def test_wrong_shape_or_dtype_changes_nothing(tmp_path):
    model = _model()
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "m"))
    other = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"'model/layer-0/kernel'.* has shape \(3, 4\), the "
                                         r"variable .* has shape \(5, 4\)\. Nothing was "
                                         r"restored"):
        tf.train.Checkpoint(model=other).restore(path)
    assert all(np.array_equal(p, q) for p, q in zip(before, other.get_weights()))
    tf.train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "f"))
    with pytest.raises(ValueError, match="has dtype float32, the variable .* has dtype int32"):
        tf.train.Checkpoint(v=tf.Variable(1)).restore(str(tmp_path / "f"))
    with pytest.raises(ValueError, match="holds a variable at 'v', the program has Module"):
        tf.train.Checkpoint(v=tf.Module()).restore(str(tmp_path / "f"))


def test_status_asserts(tmp_path):
    v, w = tf.Variable(1.0), tf.Variable(2.0)
    path = tf.train.Checkpoint(v=v).write(str(tmp_path / "p"))
    status = tf.train.Checkpoint(v=v, w=w).restore(path)
    with pytest.raises(AssertionError, match=r"not assigned a value .*\['w'\]"):
        status.assert_existing_objects_matched()
    assert status.expect_partial() is status and status.assert_nontrivial_match() is status
    status = tf.train.Checkpoint(other=w).restore(path)
    with pytest.raises(AssertionError, match=r"Unresolved object.*\['v'\]"):
        status.assert_consumed()
    none = tf.train.Checkpoint(v=v).restore(None)
    none.expect_partial()
    with pytest.raises(AssertionError, match="No checkpoint specified"):
        none.assert_consumed()


def test_bad_inputs_and_damaged_files(tmp_path):
    with pytest.raises(ValueError, match="Checkpoint was expecting x to be a trackable object"):
        tf.train.Checkpoint(x=3)
    with pytest.raises(ValueError, match=r"expecting xs\[1\]"):
        tf.train.Checkpoint(xs=[tf.Variable(1.0), "no"])
    ckpt = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0, 3.0]))
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        ckpt.restore(str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="pass tf.train.latest_checkpoint"):
        ckpt.restore(str(tmp_path))
    with pytest.raises(TypeError, match="the path must be a str or os.PathLike"):
        ckpt.restore(3)
    path = ckpt.write(str(tmp_path / "d"))
    with open(path + ".data-00000-of-00001", "r+b") as f:
        f.truncate(5)
    ckpt.v.assign([9.0, 9.0, 9.0])
    with pytest.raises(DamagedFileError, match="needs 12"):
        ckpt.restore(path)
    np.testing.assert_array_equal(ckpt.v.numpy(), [9.0, 9.0, 9.0])
    with open(path + ".index", "wb") as f:
        f.write(b"\x00\x01protobuf")
    with pytest.raises(ValueError, match="not an ember checkpoint"):
        ckpt.restore(path)
    with open(path + ".index", "w") as f:
        f.write('{"format": "ember.checkpoint", "version": 1, "variables": {"k": '
                '{"dtype": "float32", "shape": [2], "offset": 0, "size": 99}}}')
    with pytest.raises(DamagedFileError, match="variable table is malformed"):
        ckpt.restore(path)


def test_manager_keeps_and_deletes(tmp_path, monkeypatch):
    step = tf.Variable(0)
    ckpt = tf.train.Checkpoint(step=step)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    assert manager.restore_or_initialize() is None
    paths = []
    for _ in range(4):
        step.assign_add(1)
        paths.append(manager.save())
    assert [os.path.basename(p) for p in paths] == ["ckpt-1", "ckpt-2", "ckpt-3", "ckpt-4"]
    assert manager.checkpoints == paths[2:]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-3.data-00000-of-00001",
                                            "ckpt-3.index", "ckpt-4.data-00000-of-00001",
                                            "ckpt-4.index"]
    state = (tmp_path / "checkpoint").read_text()
    assert 'model_checkpoint_path: "ckpt-4"' in state
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    assert manager.save(checkpoint_number=100).endswith("ckpt-100")
    # a new manager over the same folder picks the checkpoints up, and restores
    step.assign(0)
    again = tf.train.CheckpointManager(tf.train.Checkpoint(step=step), str(tmp_path), 2)
    assert again.checkpoints == [paths[-1], str(tmp_path / "ckpt-100")]
    assert again.restore_or_initialize() == str(tmp_path / "ckpt-100") and int(step) == 4
    assert tf.train.load_variable(str(tmp_path), "step") == 4
    reader = tf.train.load_checkpoint(paths[-1])
    assert reader.has_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")
    assert reader.get_variable_to_dtype_map()["step/.ATTRIBUTES/VARIABLE_VALUE"] == tf.int32
    with pytest.raises(tf.train.NotFoundError, match="Key nope not found"):
        reader.get_tensor("nope")


def test_manager_options(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="positive integer or None for max_to_keep"):
            tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=bad)
    with pytest.raises(TypeError, match="must be a tf.train.Checkpoint"):
        tf.train.CheckpointManager(tf.Variable(1.0), str(tmp_path), 1)
    keep_all = tf.train.CheckpointManager(ckpt, str(tmp_path / "all"), max_to_keep=None)
    for _ in range(3):
        keep_all.save()
    assert len(keep_all.checkpoints) == 3
    hourly = tf.train.CheckpointManager(ckpt, str(tmp_path / "h"), max_to_keep=1,
                                        keep_checkpoint_every_n_hours=0.0)
    for _ in range(3):
        hourly.save()  # 0 hours: each checkpoint pushed out is preserved
    assert len(glob.glob(str(tmp_path / "h" / "*.index"))) == 3
    calls = []
    init = tf.train.CheckpointManager(ckpt, str(tmp_path / "i"), 1,
                                      init_fn=lambda: calls.append(1))
    assert init.restore_or_initialize() is None and calls == [1]
    counter = tf.Variable(0)
    every = tf.train.CheckpointManager(ckpt, str(tmp_path / "e"), 3, step_counter=counter,
                                       checkpoint_interval=10)
    assert every.save() is not None
    counter.assign(5)
    assert every.save() is None
    counter.assign(10)
    assert every.save() is not None
    with pytest.raises(ValueError, match="couldn't find a 'checkpoint' state file"):
        tf.train.list_variables(str(tmp_path))


def _fit(model, epochs, callbacks, initial_epoch=0):
    x, y = _data()
    return model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0,
                     callbacks=callbacks, initial_epoch=initial_epoch)


class _Crash(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt


def test_backup_and_restore_resumes_at_the_right_epoch(tmp_path):
    reference = _model()
    start = reference.get_weights()
    _fit(reference, 4, [])
    backup = str(tmp_path / "backup")
    first = _model()
    first.set_weights(start)
    with pytest.raises(KeyboardInterrupt):
        _fit(first, 4, [keras.callbacks.BackupAndRestore(backup), _Crash(2)])
    assert tf.train.latest_checkpoint(backup) is not None
    second = _model()  # a new process would start from fresh weights
    history = _fit(second, 4, [keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [2, 3]
    for a, b in zip(reference.get_weights(), second.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert os.listdir(backup) == []  # deleted after a completed fit
    with pytest.raises(ValueError, match="save_freq must be 'epoch', a positive int"):
        keras.callbacks.BackupAndRestore(backup, save_freq=0)
    with pytest.raises(TypeError, match="backup_dir must be a str"):
        keras.callbacks.BackupAndRestore(None)


def test_backup_every_n_batches_keeps_two(tmp_path):
    backup = str(tmp_path / "b")
    model = _model()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, 3, [keras.callbacks.BackupAndRestore(backup, save_freq=1,
                                                         double_checkpoint=True,
                                                         delete_checkpoint=False),
                        _Crash(1)])
    assert len(glob.glob(os.path.join(backup, "*.index"))) == 2
    history = _fit(_model(), 3, [keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [1, 2]  # the interrupted epoch restarts


def test_save_weights_prefix_and_latest_checkpoint(tmp_path):
    """tf.keras 2's tutorial: ModelCheckpoint('cp-{epoch:04d}.ckpt', save_weights_only=True),
    then model.load_weights(tf.train.latest_checkpoint(folder))."""
    x, y = _data()
    model = _model()
    pattern = str(tmp_path / "cp-{epoch:04d}.ckpt")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.ModelCheckpoint(pattern, save_weights_only=True)])
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest == str(tmp_path / "cp-0002.ckpt")
    fresh = _model()
    fresh.load_weights(latest)
    assert _same(model, fresh)
    assert not os.path.exists(tmp_path / "checkpoint")  # ember writes no state file
    for name in ("cp-0001.ckpt", "cp-0002.ckpt"):
        os.utime(tmp_path / name, (1e9, 1e9))
    model.save_weights(str(tmp_path / "my_checkpoint"))
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "my_checkpoint")
    model.save_weights(str(tmp_path / "w.weights.h5"))  # a Keras 3 name: not a checkpoint
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "my_checkpoint")
    # a tf.train checkpoint's state file takes precedence
    path = tf.train.Checkpoint(v=tf.Variable(1.0)).save(str(tmp_path / "ckpt"))
    assert tf.train.latest_checkpoint(str(tmp_path)) == path


def test_restore_into_a_module_variable_created_after_the_restore(tmp_path):
    class Lazy(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(tf.random.normal([3]))
            return x * self.v

    saved = Lazy()
    saved(tf.ones(3))
    path = str(tmp_path / "lazy")
    tf.train.Checkpoint(model=saved).write(path)
    fresh = Lazy()
    status = tf.train.Checkpoint(model=fresh).restore(path)
    with pytest.raises(AssertionError):
        status.assert_consumed()  # the variable does not exist yet
    fresh(tf.ones(3))  # created now: the saved value is applied, as TF does
    np.testing.assert_array_equal(fresh.v.numpy(), saved.v.numpy())
    status.assert_consumed()
    other = Lazy()
    other.unrelated = tf.Variable(1.0)  # a class with a pending restore elsewhere: untouched
    other(tf.ones(3))
    assert not np.array_equal(other.v.numpy(), saved.v.numpy())
