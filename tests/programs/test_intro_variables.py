"""Introduction to Variables.

Source: https://www.tensorflow.org/guide/variable
(tensorflow/docs site/en/guide/variable.ipynb)

Changes: imports (`import ember as tf`); printed values are also returned; the
`tf.debugging.set_log_device_placement(True)` cell and the `GPU:0` placement cell are
checked separately (`test_device_placement`), the complex Variable separately too.
"""

import pytest

import ember as tf


def program():
    out = {}
    my_tensor = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    my_variable = tf.Variable(my_tensor)
    bool_variable = tf.Variable([False, False, False, True])
    print("Shape: ", my_variable.shape)
    print("DType: ", my_variable.dtype)
    print("As NumPy: ", my_variable.numpy())
    out["shape"] = str(my_variable.shape)
    out["dtype"] = repr(my_variable.dtype)
    out["bool_dtype"] = repr(bool_variable.dtype)
    print("A variable:", my_variable)
    print("\nViewed as a tensor:", tf.convert_to_tensor(my_variable))
    out["argmax"] = tf.math.argmax(my_variable).numpy().tolist()
    print("\nIndex of highest value:", tf.math.argmax(my_variable))
    out["reshaped"] = tf.reshape(my_variable, [1, 4]).numpy().tolist()
    print("\nCopying and reshaping: ", tf.reshape(my_variable, [1, 4]))

    a = tf.Variable([2.0, 3.0])
    a.assign([1, 2])
    try:
        a.assign([1.0, 2.0, 3.0])
        out["assign_error"] = None
    except Exception as e:
        print(f"{type(e).__name__}: {e}")
        out["assign_error"] = e
    a = tf.Variable([2.0, 3.0])
    b = tf.Variable(a)
    a.assign([5, 6])
    out["a_b"] = (a.numpy().tolist(), b.numpy().tolist())
    out["assign_add"] = a.assign_add([2, 3]).numpy().tolist()
    out["assign_sub"] = a.assign_sub([7, 9]).numpy().tolist()

    a = tf.Variable(my_tensor, name="Mark")
    b = tf.Variable(my_tensor + 1, name="Mark")
    out["eq"] = (a == b).numpy().tolist()
    out["names"] = (a.name, b.name)
    step_counter = tf.Variable(1, trainable=False)
    out["step_counter"] = (step_counter.trainable, repr(step_counter.dtype))
    with tf.device('CPU:0'):
        a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        c = tf.matmul(a, b)
    print(c)
    out["c"] = c.numpy().tolist()
    return out


def program_device_placement():
    tf.debugging.set_log_device_placement(True)
    try:
        with tf.device('CPU:0'):
            a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            b = tf.Variable([[1.0, 2.0, 3.0]])
        with tf.device('GPU:0'):
            k = a * b
    finally:
        tf.debugging.set_log_device_placement(False)
    return k.numpy().tolist()


def program_complex():
    complex_variable = tf.Variable([5 + 4j, 6 + 1j])
    return repr(complex_variable.dtype), complex_variable.numpy().tolist()


def test_program():
    r = program()
    # TF 2.21's values, exact
    assert r["shape"] == "(2, 2)"
    assert r["dtype"] == "tf.float32" and r["bool_dtype"] == "tf.bool"
    assert r["argmax"] == [1, 1]
    assert r["reshaped"] == [[1.0, 2.0, 3.0, 4.0]]
    # TF: ValueError; ember: its ShapeError, a ValueError subclass
    assert isinstance(r["assign_error"], ValueError)
    assert r["a_b"] == ([5.0, 6.0], [2.0, 3.0])
    assert r["assign_add"] == [7.0, 9.0] and r["assign_sub"] == [0.0, 0.0]
    assert r["eq"] == [[False, False], [False, False]]
    assert r["names"] == ("Mark:0", "Mark:0")
    assert r["step_counter"] == (False, "tf.int32")
    assert r["c"] == [[22.0, 28.0], [49.0, 64.0]]


def test_device_placement():
    # TF 2.21 on a CPU-only machine: soft placement runs the GPU:0 block on the CPU
    assert program_device_placement() == [[1.0, 4.0, 9.0], [4.0, 10.0, 18.0]]


def test_complex():
    assert program_complex() == ("tf.complex128", [(5 + 4j), (6 + 1j)])
