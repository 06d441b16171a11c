"""Writes tests/data/tf_checkpoints: checkpoints written by real TensorFlow (TensorBundle
format), kept in the repository so ember is tested reading them
(tests/test_tf_checkpoints.py). TensorFlow is never a dependency of ember or its tests:
run this by hand with a TF 2 + Keras 3 environment, from the repository root:

    /path/to/tf-venv/bin/python tests/data/make_tf_checkpoints.py

It writes
- `module/`: `tf.train.Checkpoint(model=Net())` (a tf.Module with float32, float64, int64
  and bool Variables and a nested module), saved once (`ckpt-1`, with a `checkpoint`
  state file);
- `keras/`: `tf.train.Checkpoint(model=Sequential([Input((3,)), Dense(4), Dense(2)]))`
  written with `write` (prefix `weights`);
- `functional/`: the same for `Model(inputs, BatchNormalization()(Dense(4)(inputs)))`;
- `expected.npz`: every saved value by its checkpoint key ('/' kept in the names).
"""

import os
import shutil

import numpy as np
import tensorflow as tf
import keras


class Inner(tf.Module):
    def __init__(self):
        super().__init__()
        self.scale = tf.Variable(np.array([1.5, -2.0, 0.25], np.float64), name="scale")
        self.flag = tf.Variable(np.array([True, False]), name="flag")


class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3) / 4, name="w")
        self.count = tf.Variable(np.int64(7), name="count")
        self.inner = Inner()


def main() -> None:
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_checkpoints")
    shutil.rmtree(here, ignore_errors=True)
    os.makedirs(here)
    expected = {}

    ckpt = tf.train.Checkpoint(model=Net())
    path = ckpt.save(os.path.join(here, "module", "ckpt"))
    for key, _ in tf.train.list_variables(path):
        if key != "_CHECKPOINTABLE_OBJECT_GRAPH":
            expected["module:" + key] = tf.train.load_variable(path, key)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                              keras.layers.Dense(2)])
    path = tf.train.Checkpoint(model=model).write(os.path.join(here, "keras", "weights"))
    for key, _ in tf.train.list_variables(path):
        if key != "_CHECKPOINTABLE_OBJECT_GRAPH":
            expected["keras:" + key] = tf.train.load_variable(path, key)
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    outputs = keras.layers.BatchNormalization()(hidden)
    functional = keras.Model(inputs, outputs)
    functional.layers[2].moving_mean.assign(np.array([0.5, -0.5, 1.0, 0.0], np.float32))
    path = tf.train.Checkpoint(model=functional).write(
        os.path.join(here, "functional", "weights"))
    for key, _ in tf.train.list_variables(path):
        if key != "_CHECKPOINTABLE_OBJECT_GRAPH":
            expected["functional:" + key] = tf.train.load_variable(path, key)
    np.savez(os.path.join(here, "expected.npz"), **expected)


if __name__ == "__main__":
    main()
