"""Introduction to Tensors.

Source: https://www.tensorflow.org/guide/tensor
(tensorflow/docs site/en/guide/tensor.ipynb)

Changes: imports (`import ember as tf`); each printed value is collected and returned
(`to_plain`: lists, floats to 5 digits). The ragged, string, and sparse cells run as
separate tests (`program_ragged`, `program_strings`, `program_sparse`).
"""

import numpy as np
import pytest

import ember as tf
from tests.programs._data import to_plain


def program():
    out = {}
    rank_0_tensor = tf.constant(4)
    rank_1_tensor = tf.constant([2.0, 3.0, 4.0])
    rank_2_tensor = tf.constant([[1, 2],
                                 [3, 4],
                                 [5, 6]], dtype=tf.float16)
    rank_3_tensor = tf.constant([
        [[0, 1, 2, 3, 4],
         [5, 6, 7, 8, 9]],
        [[10, 11, 12, 13, 14],
         [15, 16, 17, 18, 19]],
        [[20, 21, 22, 23, 24],
         [25, 26, 27, 28, 29]], ])
    out["reprs"] = [repr(t.dtype) for t in (rank_0_tensor, rank_1_tensor, rank_2_tensor,
                                             rank_3_tensor)]
    out["rank0_print"] = str(rank_0_tensor)
    out["np_array"] = np.array(rank_2_tensor).dtype.name
    a = tf.constant([[1, 2],
                     [3, 4]])
    b = tf.constant([[1, 1],
                     [1, 1]])
    out["ops"] = [tf.add(a, b), tf.multiply(a, b), tf.matmul(a, b), a + b, a * b, a @ b]
    c = tf.constant([[4.0, 5.0], [10.0, 1.0]])
    out["reduce"] = [tf.reduce_max(c), tf.math.argmax(c), tf.nn.softmax(c)]
    out["convert"] = [tf.convert_to_tensor([1, 2, 3]), tf.reduce_max([1, 2, 3]),
                      tf.reduce_max(np.array([1, 2, 3]))]
    rank_4_tensor = tf.zeros([3, 2, 4, 5])
    out["rank4"] = [repr(rank_4_tensor.dtype), rank_4_tensor.ndim, str(rank_4_tensor.shape),
                    rank_4_tensor.shape[0], rank_4_tensor.shape[-1],
                    tf.size(rank_4_tensor).numpy(), tf.rank(rank_4_tensor),
                    tf.shape(rank_4_tensor)]
    r1 = tf.constant([0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
    out["index1"] = [r1[0], r1[1], r1[-1], r1[:], r1[:4], r1[4:], r1[2:7], r1[::2], r1[::-1]]
    out["index2"] = [rank_2_tensor[1, 1], rank_2_tensor[1, :], rank_2_tensor[:, 1],
                     rank_2_tensor[-1, :], rank_2_tensor[0, -1], rank_2_tensor[1:, :],
                     rank_3_tensor[:, :, 4]]
    x = tf.constant([[1], [2], [3]])
    reshaped = tf.reshape(x, [1, 3])
    out["shapes"] = [str(x.shape), x.shape.as_list(), str(reshaped.shape)]
    out["reshape"] = [tf.reshape(rank_3_tensor, [-1]), tf.reshape(rank_3_tensor, [3*2, 5]),
                      tf.reshape(rank_3_tensor, [3, -1]), tf.reshape(rank_3_tensor, [2, 3, 5]),
                      tf.reshape(rank_3_tensor, [5, 6])]
    try:
        tf.reshape(rank_3_tensor, [7, -1])
        out["reshape_error"] = None
    except Exception as e:
        print(f"{type(e).__name__}: {e}")
        out["reshape_error"] = isinstance(e, tf.errors.InvalidArgumentError)
    the_f64_tensor = tf.constant([2.2, 3.3, 4.4], dtype=tf.float64)
    the_f16_tensor = tf.cast(the_f64_tensor, dtype=tf.float16)
    the_u8_tensor = tf.cast(the_f16_tensor, dtype=tf.uint8)
    out["cast"] = [the_u8_tensor, repr(the_u8_tensor.dtype)]
    x = tf.constant([1, 2, 3])
    y = tf.constant(2)
    z = tf.constant([2, 2, 2])
    out["broadcast1"] = [tf.multiply(x, 2), x * y, x * z]
    x = tf.reshape(x, [3, 1])
    y = tf.range(1, 5)
    out["broadcast2"] = [tf.multiply(x, y)]
    x_stretch = tf.constant([[1, 1, 1, 1],
                             [2, 2, 2, 2],
                             [3, 3, 3, 3]])
    y_stretch = tf.constant([[1, 2, 3, 4],
                             [1, 2, 3, 4],
                             [1, 2, 3, 4]])
    out["stretch"] = [x_stretch * y_stretch, tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3])]
    ragged_list = [
        [0, 1, 2, 3],
        [4, 5],
        [6, 7, 8],
        [9]]
    try:
        tensor = tf.constant(ragged_list)
        out["ragged_constant_error"] = None
    except Exception as e:
        out["ragged_constant_error"] = isinstance(e, ValueError)
    return to_plain(out)


def program_ragged():
    ragged_list = [[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]]
    ragged_tensor = tf.ragged.constant(ragged_list)
    return to_plain(ragged_tensor.to_list()), str(ragged_tensor.shape)


def program_strings():
    scalar_string_tensor = tf.constant("Gray wolf")
    tensor_of_strings = tf.constant(["Gray wolf",
                                     "Quick brown fox",
                                     "Lazy dog"])
    out = [scalar_string_tensor, tensor_of_strings, tf.constant("🥳👍")]
    out.append(tf.strings.split(scalar_string_tensor, sep=" "))
    text = tf.constant("1 10 100")
    out.append(tf.strings.to_number(tf.strings.split(text, " ")))
    out.append(tf.strings.bytes_split(tf.constant("Duck")))
    out.append(tf.io.decode_raw(tf.constant("Duck"), tf.uint8))
    return to_plain(out)


def program_strings_ragged():
    tensor_of_strings = tf.constant(["Gray wolf", "Quick brown fox", "Lazy dog"])
    unicode_bytes = tf.constant("アヒル 🦆")
    return (to_plain(tf.strings.split(tensor_of_strings).to_list()),
            to_plain(tf.strings.unicode_split(unicode_bytes, "UTF-8")),
            to_plain(tf.strings.unicode_decode(unicode_bytes, "UTF-8")))


def program_sparse():
    sparse_tensor = tf.sparse.SparseTensor(indices=[[0, 0], [1, 2]],
                                           values=[1, 2],
                                           dense_shape=[3, 4])
    return to_plain(tf.sparse.to_dense(sparse_tensor))


# TF 2.21's values (tools/run_programs_on_tf.py), exact
TF = {'broadcast1': [[2, 4, 6], [2, 4, 6], [2, 4, 6]],
      'broadcast2': [[[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12]]],
      'cast': [[2, 3, 4], 'tf.uint8'],
      'convert': [[1, 2, 3], 3, 3],
      'index1': [0, 1, 34, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34], [0, 1, 1, 2],
                 [3, 5, 8, 13, 21, 34], [1, 2, 3, 5, 8], [0, 1, 3, 8, 21],
                 [34, 21, 13, 8, 5, 3, 2, 1, 1, 0]],
      'index2': [4.0, [3.0, 4.0], [2.0, 4.0, 6.0], [5.0, 6.0], 2.0, [[3.0, 4.0], [5.0, 6.0]],
                 [[4, 9], [14, 19], [24, 29]]],
      'np_array': 'float16',
      'ops': [[[2, 3], [4, 5]], [[1, 2], [3, 4]], [[3, 3], [7, 7]], [[2, 3], [4, 5]],
              [[1, 2], [3, 4]], [[3, 3], [7, 7]]],
      'ragged_constant_error': True,
      'rank0_print': 'tf.Tensor(4, shape=(), dtype=int32)',
      'rank4': ['tf.float32', 4, '(3, 2, 4, 5)', 3, 5, 120, 4, [3, 2, 4, 5]],
      'reduce': [10.0, [1, 0], [[0.26894, 0.73106], [0.99988, 0.00012]]],
      'reprs': ['tf.int32', 'tf.float32', 'tf.float16', 'tf.int32'],
      'reshape': [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                   22, 23, 24, 25, 26, 27, 28, 29],
                  [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19],
                   [20, 21, 22, 23, 24], [25, 26, 27, 28, 29]],
                  [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
                   [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]],
                  [[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14]],
                   [[15, 16, 17, 18, 19], [20, 21, 22, 23, 24], [25, 26, 27, 28, 29]]],
                  [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16, 17],
                   [18, 19, 20, 21, 22, 23], [24, 25, 26, 27, 28, 29]]],
      'reshape_error': True,
      'shapes': ['(3, 1)', [3, 1], '(1, 3)'],
      'stretch': [[[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12]],
                  [[1, 2, 3], [1, 2, 3], [1, 2, 3]]]}


def test_program():
    assert program() == TF


def test_ragged():
    assert program_ragged() == ([[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]], "(4, None)")


def test_strings():
    assert program_strings() == [b'Gray wolf', [b'Gray wolf', b'Quick brown fox', b'Lazy dog'],
                                 '🥳👍'.encode(), [b'Gray', b'wolf'], [1.0, 10.0, 100.0],
                                 [b'D', b'u', b'c', b'k'], [68, 117, 99, 107]]


def test_strings_ragged():
    split, chars, values = program_strings_ragged()
    assert split == [[b'Gray', b'wolf'], [b'Quick', b'brown', b'fox'], [b'Lazy', b'dog']]
    assert values == [12450, 12498, 12523, 32, 129414]


def test_sparse():
    assert program_sparse() == [[1, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]]
