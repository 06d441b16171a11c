"""Composite values (SparseTensor, RaggedTensor, IndexedSlices) in the arguments and
results of saved functions (follow-up of issues 18/19): stored as a type tag, a static
spec and components, rebuilt on load, and refused clearly where signatures need dense
tensors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember as tf
from ember.core import nest
from ember.export.graph_io import GraphLoadError

DENSE = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
                 np.float32)


def _sparse(scale=1.0):
    return tf.SparseTensor([[0, 0], [1, 2]], [1.0 * scale, 2.0 * scale], [3, 4])


def _ragged():
    return tf.ragged.constant([[1.0, 2.0], [3.0]])


def _roundtrip(m, tmp_path, **kw):
    path = str(tmp_path / "model")
    tf.saved_model.save(m, path, **kw)
    return tf.saved_model.load(path)


def _same_sparse(a, b):
    assert isinstance(a, tf.SparseTensor) and isinstance(b, tf.SparseTensor)
    np.testing.assert_array_equal(a.indices.numpy(), b.indices.numpy())
    np.testing.assert_allclose(a.values.numpy(), b.values.numpy())
    np.testing.assert_array_equal(a.dense_shape.numpy(), b.dense_shape.numpy())
    assert a.dtype == b.dtype


def test_sparse_arguments_and_results_round_trip(tmp_path):
    m = tf.Module()
    m.scale = tf.function(lambda x: x * 2.0)
    m.dense = tf.function(lambda x: tf.sparse.to_dense(x))
    want_scaled, want_dense = m.scale(_sparse()), m.dense(_sparse())
    np.testing.assert_allclose(want_dense.numpy(), DENSE)
    loaded = _roundtrip(m, tmp_path)
    got = loaded.scale(_sparse())
    _same_sparse(got, want_scaled)
    np.testing.assert_allclose(tf.sparse.to_dense(got).numpy(), 2 * DENSE)
    np.testing.assert_allclose(loaded.dense(_sparse(3.0)).numpy(), 3 * DENSE)
    sig = loaded.scale.concrete_functions[0].structured_input_signature
    assert sig == ([tf.SparseTensorSpec([3, 4], tf.float32)], {})


def test_sparse_results_with_a_traced_dense_shape_round_trip(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: tf.sparse.from_dense(x),
                      input_signature=[tf.TensorSpec([None, None], tf.float32)])
    x = np.array([[0.0, 5.0, 0.0], [6.0, 0.0, 7.0]], np.float32)
    want = m.f(x)
    loaded = _roundtrip(m, tmp_path)
    got = loaded.f(tf.constant(x))
    _same_sparse(got, want)
    np.testing.assert_array_equal(got.indices.numpy(), np.argwhere(x != 0))
    np.testing.assert_allclose(got.values.numpy(), x[x != 0])
    np.testing.assert_allclose(tf.sparse.to_dense(loaded.f(x[:1])).numpy(), x[:1])
    # a function of composites is no signature: no serving_default, the function stays
    assert list(loaded.signatures) == []


def test_ragged_arguments_and_results_round_trip(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: (tf.reduce_sum(x, axis=1), x * 10.0 + 1.0))
    cf = m.f.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
    assert [s.shape.as_list() for s in cf.input_specs] == [[None], [None]]
    rt = tf.ragged.constant([[1.0], [2.0, 3.0], [], [4.0, 5.0, 6.0]])
    want_sum, want_rt = m.f(rt)
    loaded = _roundtrip(m, tmp_path)
    got_sum, got_rt = loaded.f(rt)
    assert isinstance(got_rt, tf.RaggedTensor)
    np.testing.assert_allclose(got_sum.numpy(), [1.0, 5.0, 0.0, 15.0])
    np.testing.assert_allclose(got_sum.numpy(), want_sum.numpy())
    assert got_rt.to_list() == want_rt.to_list() == [[11.0], [21.0, 31.0], [], [41.0, 51.0,
                                                                                61.0]]
    np.testing.assert_array_equal(got_rt.row_splits.numpy(), [0, 1, 3, 3, 6])
    other = _ragged()  # any number of rows: the relaxed trace takes it
    assert loaded.f(other)[1].to_list() == [[11.0, 21.0], [31.0]]
    (spec,), _ = loaded.f.concrete_functions[0].structured_input_signature
    assert spec == tf.RaggedTensorSpec([None, None], tf.float32, 1, tf.int64)


def test_nested_structures_mixing_dense_and_composites(tmp_path):
    m = tf.Module()

    @tf.function
    def f(inputs, k=2.0):
        total = tf.sparse.reduce_sum(inputs["sp"]) + tf.reduce_sum(inputs["rt"].flat_values)
        return {"rt": inputs["rt"] * k, "sp": inputs["sp"] * k, "total": total + inputs["d"]}

    m.f = f
    args = {"sp": _sparse(), "rt": _ragged(), "d": tf.constant(0.5)}
    want = m.f(args, k=3.0)
    loaded = _roundtrip(m, tmp_path)
    got = loaded.f(args, k=3.0)
    assert sorted(got) == ["rt", "sp", "total"]
    _same_sparse(got["sp"], want["sp"])
    assert got["rt"].to_list() == want["rt"].to_list() == [[3.0, 6.0], [9.0]]
    assert float(got["total"]) == float(want["total"]) == 9.5
    with pytest.raises(ValueError, match="Could not find a matching function"):
        loaded.f(args, k=4.0)  # only k=3.0 was traced


def test_indexed_slices_result_round_trips(tmp_path):
    m = tf.Module()
    m.table = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
    def grad(ids):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(m.table, ids) ** 2)
        return tape.gradient(loss, m.table)

    m.grad = grad
    ids = tf.constant([3, 0, 3])
    want = m.grad(ids)
    assert isinstance(want, tf.IndexedSlices)
    loaded = _roundtrip(m, tmp_path)
    got = loaded.grad(ids)
    assert isinstance(got, tf.IndexedSlices)
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(got.values.numpy(), 2 * table[[3, 0, 3]])
    assert got.indices.numpy().tolist() == [3, 0, 3]
    assert got.dense_shape.numpy().tolist() == [4, 3]
    dense = np.zeros((4, 3), np.float32)
    np.add.at(dense, [3, 0, 3], 2 * table[[3, 0, 3]])
    np.testing.assert_allclose(tf.convert_to_tensor(got).numpy(), dense)


def test_indexed_slices_arguments_round_trip(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda s: tf.convert_to_tensor(s * 2.0))  # densified inside
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([2, 2]),
                         tf.constant([3, 2]))
    want = m.f(s)
    loaded = _roundtrip(m, tmp_path)
    got = loaded.f(s)
    np.testing.assert_allclose(got.numpy(), [[0, 0], [0, 0], [8, 12]])
    np.testing.assert_allclose(got.numpy(), want.numpy())
    assert "IndexedSlices" in repr(loaded.f.concrete_functions[0].structured_input_signature)


def test_gradients_flow_through_a_loaded_function_of_composites(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda sp, rt: tf.reduce_sum(tf.sparse.to_dense(sp) ** 2)
                      + tf.reduce_sum(rt.flat_values ** 3))
    m.f(_sparse(), _ragged())
    loaded = _roundtrip(m, tmp_path)
    sv = tf.Variable([1.0, 2.0])
    rv = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        sp = tf.SparseTensor([[0, 0], [1, 2]], sv * 1.0, [3, 4])
        rt = tf.RaggedTensor.from_row_splits(rv * 1.0, [0, 2, 3])
        y = loaded.f(sp, rt)
    gs, gr = tape.gradient(y, [sv, rv])
    assert float(y) == pytest.approx(1 + 4 + 1 + 8 + 27)
    np.testing.assert_allclose(gs.numpy(), 2 * np.array([1.0, 2.0]))
    np.testing.assert_allclose(gr.numpy(), 3 * np.array([1.0, 2.0, 3.0]) ** 2)


def test_traced_and_eager_calls_of_a_loaded_composite_function_agree(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: x * 2.0)
    m.f(_ragged())
    loaded = _roundtrip(m, tmp_path)
    outer = tf.function(lambda x: loaded.f(x) * 1.0)  # the stored graph inlined
    assert outer(_ragged()).to_list() == loaded.f(_ragged()).to_list() == [[2.0, 4.0],
                                                                          [6.0]]


def test_calls_that_match_no_stored_composite_are_clear_errors(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: x * 2.0)
    m.f(_sparse())
    loaded = _roundtrip(m, tmp_path)
    with pytest.raises(ValueError, match="expected a SparseTensor like SparseTensorSpec"):
        loaded.f(_ragged())
    with pytest.raises(ValueError, match=r"of shape \(3, 4\), received \(5, 5\)"):
        loaded.f(tf.SparseTensor([[0, 0], [1, 1]], [1.0, 2.0], [5, 5]))  # traced for [3, 4]
    with pytest.raises(ValueError, match="Could not find a matching function"):
        loaded.f(tf.constant(DENSE))


def test_a_signature_with_composites_is_refused_and_nothing_is_written(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: x * 2.0)
    cf = m.f.get_concrete_function(tf.RaggedTensorSpec([None, None], tf.float32))
    target = tmp_path / "out"
    with pytest.raises(tf.saved_model.SaveError, match="signature.*dense tensors"):
        tf.saved_model.save(m, str(target), signatures=cf)
    assert not target.exists()


def test_other_composites_are_refused_at_save_time(tmp_path):
    @nest.register_composite
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def _nest_components(self):
            return [self.a, self.b]

        def _nest_rebuild(self, parts):
            return Pair(*parts)

    m = tf.Module()
    m.f = tf.function(lambda p: p.a + p.b)
    m.f(Pair(tf.constant(1.0), tf.constant(2.0)))
    with pytest.raises(tf.saved_model.SaveError, match="a Pair can't be stored"):
        tf.saved_model.save(m, str(tmp_path / "out"))


def test_unknown_composite_tags_in_a_file_are_refused_without_running_code(tmp_path):
    m = tf.Module()
    m.f = tf.function(lambda x: x * 2.0)
    m.f(_sparse())
    path = tmp_path / "model"
    tf.saved_model.save(m, str(path))
    meta_path = path / "saved_model.json"
    text = meta_path.read_text()
    assert '"SparseTensor"' in text
    meta_path.write_text(text.replace('"SparseTensor"', '"os.system"'))
    with pytest.raises(GraphLoadError, match="'os.system'.*loads only SparseTensor"):
        tf.saved_model.load(str(path))
    meta = json.loads(text)
    assert meta["version"] == 1


@pytest.mark.parametrize("spec", ["ragged", "sparse"])
def test_input_signature_with_composite_specs(spec, tmp_path):
    sig = (tf.RaggedTensorSpec([None, None], tf.float32) if spec == "ragged"
           else tf.SparseTensorSpec([None, 4], tf.float32))
    m = tf.Module()
    m.f = tf.function(lambda x: x * 2.0, input_signature=[sig])
    loaded = _roundtrip(m, tmp_path)
    if spec == "ragged":
        for value in (_ragged(), tf.ragged.constant([[1.0], [], [2.0, 3.0, 4.0]])):
            got = loaded.f(value)
            assert type(got) is type(value)
            assert got.to_list() == (value * 2.0).to_list()
        return
    for value in (_sparse(), tf.SparseTensor([[4, 3]], [5.0], [5, 4])):  # other row counts
        got = loaded.f(value)
        assert type(got) is type(value)
        np.testing.assert_array_equal(tf.sparse.to_dense(got).numpy(),
                                      2.0 * tf.sparse.to_dense(value).numpy())
    with pytest.raises(ValueError, match="matching"):
        loaded.f(tf.SparseTensor([[0, 0]], [1.0], [2, 3]))  # 3 columns, the spec fixes 4


_SAVE_SCRIPT = """
import numpy as np
import ember as tf

class Lookup(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([1.0, 10.0, 100.0, 1000.0])

    @tf.function
    def __call__(self, sp, rt):
        dense = tf.sparse.to_dense(sp) * self.w
        return tf.sparse.from_dense(dense), rt * 2.0

m = Lookup()
sp = tf.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
rt = tf.ragged.constant([[1.0, 2.0], [3.0]])
out_sp, out_rt = m(sp, rt)
np.save({want!r}, tf.sparse.to_dense(out_sp).numpy())
tf.saved_model.save(m, {path!r})
"""

_LOAD_SCRIPT = """
import sys
import numpy as np
import ember as tf
loaded = tf.saved_model.load({path!r})
sp = tf.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
out_sp, out_rt = loaded(sp, tf.ragged.constant([[1.0, 2.0], [3.0]]))
assert "Lookup" not in sys.modules and "__main__" not in repr(type(loaded))
print("ok", isinstance(out_sp, tf.SparseTensor), isinstance(out_rt, tf.RaggedTensor))
print(np.allclose(tf.sparse.to_dense(out_sp).numpy(), np.load({want!r})),
      out_rt.to_list() == [[2.0, 4.0], [6.0]])
"""


def test_a_fresh_process_runs_a_composite_export_without_its_source(tmp_path):
    path, want = str(tmp_path / "model"), str(tmp_path / "want.npy")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for script in (_SAVE_SCRIPT, _LOAD_SCRIPT):
        run = subprocess.run([sys.executable, "-c", textwrap.dedent(
            script.format(path=path, want=want))], capture_output=True, text=True, env=env,
            timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["ok", "True", "True", "True", "True"]
    np.testing.assert_allclose(np.load(want), DENSE * [1.0, 10.0, 100.0, 1000.0])


def test_function_input_signature_checks_composite_specs():
    f = tf.function(lambda x: x * 2.0,
                    input_signature=[tf.SparseTensorSpec([None, 4], tf.float32)])
    out = f(tf.SparseTensor([[2, 1]], [1.5], [3, 4]))
    assert isinstance(out, tf.SparseTensor) and out.values.numpy().tolist() == [3.0]
    with pytest.raises(ValueError, match=r"does not match input_signature SparseTensorSpec"):
        f(tf.SparseTensor([[0, 1]], [1.0], [3, 3]))
    g = tf.function(lambda x: x + 1.0,
                    input_signature=[tf.RaggedTensorSpec([None, None], tf.float32)])
    assert g(tf.ragged.constant([[1.0], [2.0, 3.0]])).to_list() == [[2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="wants RaggedTensorSpec"):
        g(tf.constant([1.0]))
