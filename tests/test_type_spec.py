"""The TypeSpec family (ember/ops/type_spec.py) against TF 2.21's printed behaviour."""

import numpy as np
import pytest

import ember as tf
from ember.ops.tensor_array import TensorArray
from ember.ops.type_spec import (NoneTensorSpec, Optional, OptionalSpec, SparseTensorSpec,
                                 TensorArraySpec, TypeSpec, type_spec_from_value)


def test_typespec_is_abstract_and_covers_tensor_and_ragged_specs():
    with pytest.raises(TypeError):
        TypeSpec()
    assert isinstance(tf.TensorSpec([2]), TypeSpec)
    assert isinstance(tf.RaggedTensorSpec([None, None]), TypeSpec)
    for spec in (SparseTensorSpec(), TensorArraySpec(), NoneTensorSpec(),
                 OptionalSpec(tf.TensorSpec([]))):
        assert isinstance(spec, TypeSpec)
    assert not isinstance(tf.constant(1.0), TypeSpec)


def test_reprs_as_tf_prints_them():
    assert repr(SparseTensorSpec([None, 3], tf.float32)) == \
        "SparseTensorSpec(TensorShape([None, 3]), tf.float32)"
    assert repr(SparseTensorSpec()) == "SparseTensorSpec(TensorShape(None), tf.float32)"
    assert repr(TensorArraySpec([2], tf.int32)) == \
        "TensorArraySpec(TensorShape([2]), tf.int32, False, True)"
    assert repr(TensorArraySpec([2], tf.int32, dynamic_size=True, infer_shape=False)) == \
        "TensorArraySpec(TensorShape([2]), tf.int32, True, False)"
    assert repr(OptionalSpec(tf.TensorSpec([2], tf.int32))) == \
        "OptionalSpec(TensorSpec(shape=(2,), dtype=tf.int32, name=None),)"
    assert repr(NoneTensorSpec()) == "NoneTensorSpec()"


def test_equality_and_hash():
    a, b = SparseTensorSpec([None, 3]), SparseTensorSpec([None, 3], "float32")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != SparseTensorSpec([None, 4])
    assert a != SparseTensorSpec([None, 3], tf.int32)
    assert NoneTensorSpec() == NoneTensorSpec()
    assert TensorArraySpec([2]) != TensorArraySpec([2], dynamic_size=True)
    assert SparseTensorSpec([2]) != tf.TensorSpec([2])


def test_properties_and_value_types():
    s = SparseTensorSpec([None, 3], tf.int64)
    assert s.shape.as_list() == [None, 3] and s.dtype == tf.int64
    assert s.value_type is tf.sparse.SparseTensor
    t = TensorArraySpec([4], tf.float32, True, False)
    assert (t.element_shape.as_list(), t.dtype, t.dynamic_size, t.infer_shape) == \
        ([4], tf.float32, True, False)
    assert t.value_type is TensorArray
    assert OptionalSpec(tf.TensorSpec([])).value_type is Optional
    assert OptionalSpec(tf.TensorSpec([1])).element_spec == tf.TensorSpec([1])


def test_is_compatible_with():
    s = SparseTensorSpec([None, 3], tf.float32)
    sp = tf.sparse.SparseTensor([[0, 1]], [1.0], [2, 3])
    assert s.is_compatible_with(sp)
    assert s.is_compatible_with(SparseTensorSpec([5, 3]))
    assert not s.is_compatible_with(SparseTensorSpec([5, 3], tf.int32))
    assert not s.is_compatible_with(SparseTensorSpec([5, 4]))
    assert not s.is_compatible_with(tf.TensorSpec([None, 3]))
    t = TensorArraySpec([2], tf.int32)
    assert t.is_compatible_with(TensorArraySpec([None], tf.int32))
    assert t.is_compatible_with(TensorArraySpec([2], tf.int32, infer_shape=False))
    assert not t.is_compatible_with(TensorArraySpec([2], tf.int32, dynamic_size=True))
    o = OptionalSpec(tf.TensorSpec([2], tf.int32))
    assert o.is_compatible_with(OptionalSpec(tf.TensorSpec([None], tf.int32)))
    assert not o.is_compatible_with(OptionalSpec(tf.TensorSpec([2], tf.float32)))
    assert NoneTensorSpec().is_compatible_with(None)


def test_most_specific_compatible_type():
    s = SparseTensorSpec([None, 3])
    assert s.most_specific_compatible_type(SparseTensorSpec([5, 3])) == s
    # as TF: differing dims relax to None, differing dtypes are an error
    assert s.most_specific_compatible_type(SparseTensorSpec([5, 4])) == \
        SparseTensorSpec([None, None])
    with pytest.raises(ValueError, match="float32"):
        s.most_specific_compatible_type(SparseTensorSpec([5, 3], tf.int32))
    with pytest.raises(ValueError):
        s.most_specific_compatible_type(NoneTensorSpec())
    o = OptionalSpec(tf.TensorSpec([2], tf.int32))
    assert o.most_specific_compatible_type(OptionalSpec(tf.TensorSpec([3], tf.int32))) == \
        OptionalSpec(tf.TensorSpec([None], tf.int32))
    assert o.most_specific_common_supertype([OptionalSpec(tf.TensorSpec([2], tf.float32))]) \
        is None
    t = TensorArraySpec([2], tf.int32)
    assert t.most_specific_compatible_type(TensorArraySpec(None, tf.int32)) == \
        TensorArraySpec(None, tf.int32)
    assert t.most_specific_compatible_type(TensorArraySpec([3], tf.int32, infer_shape=False)) \
        == TensorArraySpec([None], tf.int32, infer_shape=False)
    assert t.is_subtype_of(TensorArraySpec([None], tf.int32))
    assert not TensorArraySpec([None], tf.int32).is_subtype_of(t)


def test_type_spec_from_value():
    assert type_spec_from_value(tf.constant([1.0, 2.0])) == tf.TensorSpec([2], tf.float32)
    assert type_spec_from_value(np.array([1, 2])) == tf.TensorSpec([2], tf.int64)
    assert type_spec_from_value(3) == tf.TensorSpec([], tf.int32)
    assert type_spec_from_value(3.0) == tf.TensorSpec([], tf.float32)
    assert type_spec_from_value([1, 2]) == tf.TensorSpec([2], tf.int32)
    assert type_spec_from_value("abc") == tf.TensorSpec([], tf.string)
    # TF gives a VariableSpec here; ember has none, so a TensorSpec
    assert type_spec_from_value(tf.Variable([1.0])) == tf.TensorSpec([1], tf.float32)
    assert type_spec_from_value(None) == NoneTensorSpec()
    sp = tf.sparse.SparseTensor([[0, 1]], [1.0], [2, 3])
    assert type_spec_from_value(sp) == SparseTensorSpec([2, 3], tf.float32)
    assert SparseTensorSpec.from_value(sp) == SparseTensorSpec([2, 3], tf.float32)
    rt = tf.ragged.constant([[1], [2, 3]])
    assert type_spec_from_value(rt) == tf.RaggedTensorSpec([2, None], tf.int32, 1, tf.int64)
    ta = TensorArray(tf.float32, size=2, element_shape=[3])
    assert type_spec_from_value(ta) == TensorArraySpec([3], tf.float32, False, True)
    ta = TensorArray(tf.float32, size=0, dynamic_size=True)
    assert type_spec_from_value(ta) == TensorArraySpec(None, tf.float32, True, True)
    opt = Optional.from_value(tf.constant([1, 2]))
    assert type_spec_from_value(opt) == OptionalSpec(tf.TensorSpec([2], tf.int32))
    empty = Optional.empty(tf.TensorSpec([], tf.float32))
    assert type_spec_from_value(empty) == OptionalSpec(tf.TensorSpec([], tf.float32))


@pytest.mark.parametrize("value", [{"a": 1}, object()])
def test_type_spec_from_value_rejects_structures_and_objects(value):
    with pytest.raises(TypeError, match="could not build a TypeSpec"):
        type_spec_from_value(value)


def test_optional_value():
    o = Optional.from_value((tf.constant(1.0), tf.constant([2, 3])))
    assert bool(o.has_value())
    a, b = o.get_value()
    assert float(a) == 1.0 and b.numpy().tolist() == [2, 3]
    assert o.element_spec == (tf.TensorSpec([], tf.float32), tf.TensorSpec([2], tf.int32))
    e = Optional.empty(tf.TensorSpec([], tf.float32))
    assert not bool(e.has_value())
    with pytest.raises(tf.errors.InvalidArgumentError, match="has no value"):
        e.get_value()


def test_from_value_type_errors():
    with pytest.raises(TypeError, match="SparseTensor"):
        SparseTensorSpec.from_value(tf.constant(1))
    with pytest.raises(TypeError, match="TensorArray"):
        TensorArraySpec.from_value(tf.constant(1))
    with pytest.raises(TypeError, match="None"):
        NoneTensorSpec.from_value(1)


def test_is_compatible_with_an_unsupported_value_is_false():
    assert not SparseTensorSpec([2]).is_compatible_with(3)
    assert not SparseTensorSpec([2]).is_compatible_with(object())
    assert not TensorArraySpec([2]).is_compatible_with({"a": 1})
