"""Writes tests/data/saved_model_v1: an ember SavedModel in format version 1, kept in the
repository so every later ember is tested reading it (tests/test_saved_model.py).
Run from the repository root with the version-1 writer: python tests/data/make_saved_model_v1.py
"""

import os

import numpy as np

import ember as tf


class Small(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.array([[0.5, 0.0], [0.0, 1.0], [1.5, 0.5]], np.float32), name="w")
        self.b = tf.Variable(np.zeros(2, np.float32), name="b")

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def loop(self, x):
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0), [0, x])
        return tf.cond(y > 0, lambda: y, lambda: -y)


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(__file__), "saved_model_v1")
    model = Small()
    tf.saved_model.save(model, out, signatures=model.__call__.get_concrete_function())
