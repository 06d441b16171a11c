"""The shared pieces of issue 13 point 4: one symbolic-tensor base under Tracer and
KerasTensor, one spec formatter, the dtype-rule helpers of core/rules.py, and one way of
installing the operators."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core import rules
from ember.core.errors import DTypeError, SymbolicValueError, fmt_spec
from ember.core.graph import Tracer
from ember.core.symbolic import SymbolicTensor
from ember.core.tensor import OPERATOR_OPS, OPS, TensorOps, install_operators
from ember.keras.engine.keras_tensor import KerasTensor

SHARED = ("shape", "dtype", "ndim", "get_shape", "numpy", "__array__", "__int__",
          "__float__", "__index__", "__len__", "__iter__", "_no_value")


@pytest.mark.parametrize("cls", [Tracer, KerasTensor])
def test_both_symbolic_kinds_inherit_the_protocol_instead_of_copying_it(cls):
    assert issubclass(cls, SymbolicTensor)
    assert not [m for m in SHARED if m in vars(cls)]
    assert "__weakref__" not in cls.__slots__ and "spec" not in cls.__slots__


def _traced_errors(fn):
    out = {}

    @tf.function
    def f(x):
        out.update(fn(x))
        return x

    f.get_concrete_function(tf.TensorSpec([None, 3]))
    return out


def _errors(x):
    out = {}
    for what, call in [("numpy()", lambda: x.numpy()), ("Converting", lambda: np.asarray(x)),
                       ("int()", lambda: int(x)), ("float()", lambda: float(x)),
                       ("Using as an index", lambda: [1][x])]:
        with pytest.raises(SymbolicValueError) as info:
            call()
        out[what] = str(info.value)
    with pytest.raises(TypeError) as info:
        len(x)
    out["len"] = str(info.value)
    return out


def test_a_tracer_refuses_values_naming_what_and_the_fix():
    errors = _traced_errors(_errors)
    for what, message in errors.items():
        if what != "len":
            assert message.startswith(f"{what}"), message
            assert "a symbolic tensor float32[None, 3] inside ember.function" in message
            assert "run_functions_eagerly(True)" in message
    assert errors["len"] == ("len() of a symbolic tensor float32[None, 3] is unknown. "
                             "Use ember.shape(x)[0].")


def test_a_keras_tensor_refuses_values_naming_what_and_the_fix():
    errors = _errors(keras.Input((3,), name="x"))
    for what, message in errors.items():
        if what != "len":
            assert message.startswith(f"{what}"), message
            assert "KerasTensor 'x' float32[None, 3]: a KerasTensor is a placeholder" in message
            assert "model.predict(x)" in message
    assert "the batch size" in errors["len"] and "ember.shape(x)[0]" in errors["len"]


def test_bool_differs_by_kind_and_known_first_dims_give_len_and_iteration():
    with pytest.raises(SymbolicValueError, match=r"bool\(\) \(e\.g\. `if x:`\)"):
        bool(keras.Input((3,)))
    kt = keras.Input(batch_shape=(2, 3))
    assert len(kt) == 2 and [t.shape for t in kt] == [(3,), (3,)]

    def check(x):
        with pytest.raises(TypeError, match="as a Python bool"):
            bool(x)
        assert len(x[0]) == 3 and x.ndim == 2 and x.get_shape() == [None, 3]
        return {}

    _traced_errors(check)


def test_hashing_stays_as_it_was():
    kt = keras.Input((3,))
    assert hash(kt) == id(kt)

    def check(x):
        with pytest.raises(TypeError, match="Tracer is unhashable"):
            hash(x)
        return {}

    _traced_errors(check)


def test_one_spec_formatter_long_short_and_unknown_rank():
    assert fmt_spec((None, 3), tf.float32) == "float32[None, 3]"
    assert fmt_spec(tf.TensorShape([2]), "int64", short=True) == "i64[2]"
    assert fmt_spec(tf.TensorShape(None), tf.float32) == "float32[<unknown rank>]"
    assert fmt_spec((), "bool") == "bool[]"
    assert rules.describe(tf.TensorSpec(None, tf.int32)) == "int32[<unknown rank>]"
    assert rules.describe(tf.zeros([2, 1]), keras.Input((4,))) == \
        "float32[2, 1] and float32[None, 4]"


def test_dtype_rule_helpers():
    x = tf.zeros([2], tf.int32)
    with pytest.raises(DTypeError, match=r"^softmax: needs a floating tensor, received "
                                         r"int32\[2\]; cast it first"):
        rules.floating("softmax", x)
    with pytest.raises(DTypeError, match=r"conv2d: filters must be a floating tensor.*"
                                         r"ember\.cast\(filters, ember\.float32\)"):
        rules.floating("conv2d", x, "filters")
    assert rules.floating("elu", tf.TensorSpec([1])).dtype == tf.float32
    assert rules.is_trainable(tf.zeros([1], tf.complex64)) and not rules.is_trainable(x)
    assert rules.index_dtype("shape", "int32", "out_type") == np.int32
    for bad, shown in [(tf.float32, "float32"), ("nope", "'nope'")]:
        with pytest.raises(DTypeError, match=f"shape: out_type must be int32 or int64, "
                                             f"received {shown}."):
            rules.index_dtype("shape", bad, "out_type")


def test_operators_come_from_the_one_table():
    assert set(vars(OPS)) == set(OPERATOR_OPS)
    for method, name in [("__add__", "add"), ("__mul__", "multiply"),
                         ("__getitem__", "getitem"), ("__matmul__", "matmul")]:
        assert getattr(TensorOps, method) is getattr(OPS, name)
    with pytest.raises(ValueError, match=r"missing \['subtract'"):
        install_operators(add=OPS.add)
    a = tf.constant([1.0, 2.0])
    assert (2.0 - a).numpy().tolist() == [1.0, 0.0] and (a[1] ** 2).numpy() == 4.0
