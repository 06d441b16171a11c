"""keras.utils image helpers (Pillow), model_to_dot / plot_model (pydot, Graphviz) and
get_source_inputs."""

from __future__ import annotations

import io
import shutil
import sys

import numpy as np
import pytest

import ember as tf
from ember import keras

U = keras.utils


# ------------------------------------------------------------------------ image helpers

def test_array_to_img_and_back():
    pytest.importorskip("PIL")
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    img = U.array_to_img(x)
    assert img.mode == "RGB" and img.size == (4, 2)
    back = U.img_to_array(img)
    assert back.dtype == np.float32 and back.shape == (2, 4, 3)
    np.testing.assert_array_equal(back, (x / 23 * 255).astype("uint8"))
    raw = U.img_to_array(U.array_to_img(x, scale=False), dtype="uint8")
    np.testing.assert_array_equal(raw, x.astype("uint8"))
    cf = U.img_to_array(U.array_to_img(tf.constant(x.transpose(2, 0, 1)),
                                       data_format="channels_first", scale=False),
                        data_format="channels_first")
    assert cf.shape == (3, 2, 4)
    assert U.array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    assert U.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    with pytest.raises(ValueError, match="rank 3"):
        U.array_to_img(np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        U.array_to_img(np.zeros((2, 2, 2)))


def test_save_and_load_img(tmp_path):
    pytest.importorskip("PIL")
    x = np.random.default_rng(0).integers(0, 256, (6, 8, 3)).astype("float32")
    path = tmp_path / "a.png"
    U.save_img(path, x, scale=False)
    img = U.load_img(path)
    np.testing.assert_array_equal(U.img_to_array(img), x)
    assert U.load_img(str(path), color_mode="grayscale").mode == "L"
    assert U.load_img(str(path), color_mode="rgba").mode == "RGBA"
    assert U.load_img(path, target_size=(3, 4), interpolation="bilinear").size == (4, 3)
    assert U.load_img(path, target_size=(4, 4), keep_aspect_ratio=True).size == (4, 4)
    assert U.load_img(io.BytesIO(path.read_bytes())).size == (8, 6)
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        U.save_img(tmp_path / "b.jpg", np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="color_mode must be"):
        U.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="invalid interpolation"):
        U.load_img(path, target_size=(2, 2), interpolation="cubic")
    with pytest.raises(TypeError, match="file path"):
        U.load_img(3)


def test_missing_pillow_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install ember\[image\]"):
        U.array_to_img(np.zeros((2, 2, 3)))
    with pytest.raises(ImportError, match=r"pip install ember\[image\]"):
        U.load_img("x.png")


# ------------------------------------------------------------------- get_source_inputs

def test_get_source_inputs():
    a, b = keras.Input((2,), name="src_a"), keras.Input((2,), name="src_b")
    h = keras.layers.Dense(2)(a)
    y = keras.layers.Add()([h, b, a])
    assert [t.name for t in U.get_source_inputs(y)] == ["src_a", "src_b"]
    assert U.get_source_inputs(a)[0] is a


# --------------------------------------------------------------------- model_to_dot

def _functional():
    a = keras.Input((3,), name="in_a")
    b = keras.Input((3,), name="in_b")
    h = keras.layers.Dense(4, activation="relu", name="hid")(a)
    s = keras.layers.Concatenate(name="cat")([h, b])
    out = keras.layers.Dense(1, name="out")(s)
    return keras.Model([a, b], out, name="two_in")


def _names(dot):
    import re
    return {n.get_name(): re.search(r"<b>([^<]+)</b>", n.get("label")).group(1)
            for n in dot.get_nodes() if n.get("label")}


def _edges(dot, names):
    return sorted((names[e.get_source()], names[e.get_destination()])
                  for e in dot.get_edges())


def test_model_to_dot_functional_structure():
    pytest.importorskip("pydot")
    model = _functional()
    dot = U.model_to_dot(model, show_shapes=True, show_dtype=True,
                         show_layer_activations=True, show_trainable=True)
    names = _names(dot)
    assert sorted(names.values()) == ["cat", "hid", "in_a", "in_b", "out"]
    assert _edges(dot, names) == [("cat", "out"), ("hid", "cat"), ("in_a", "hid"),
                                  ("in_b", "cat")]
    labels = {names[n.get_name()]: n.get("label") for n in dot.get_nodes() if n.get("label")}
    assert "Input shape: <b>[(None, 4), (None, 3)]</b>" in labels["cat"]
    assert "Output shape: <b>(None, 7)</b>" in labels["cat"]
    assert "Activation: <b>relu</b>" in labels["hid"] and "Trainable" in labels["hid"]
    assert "Output dtype: <b>float32</b>" in labels["out"]
    assert "Input shape" not in labels["in_a"] and "(InputLayer)" in labels["in_a"]
    assert dot.get("rankdir") == "TB" and dot.get("dpi") == 200
    text = dot.to_string()
    assert text.startswith("digraph") and "penwidth=2" in text


def test_model_to_dot_sequential_nested_and_subclassed():
    pytest.importorskip("pydot")
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="i1"),
                              keras.layers.Dense(2, name="i2")], name="inner")
    x = keras.Input((4,), name="x")
    y = keras.layers.Dense(1, name="head")(inner(x))
    outer = keras.Model(x, y, name="outer")
    names = _names(dot := U.model_to_dot(outer, show_layer_names=True))
    assert _edges(dot, names) == [("inner", "head"), ("x", "inner")]
    dot = U.model_to_dot(outer, expand_nested=True)
    nodes = {n.get_name(): n for n in dot.get_nodes()}
    for sub in dot.get_subgraphs():
        nodes.update({n.get_name(): n for n in sub.get_nodes()})
    import re
    names = {k: re.search(r"<b>([^<]+)</b>", n.get("label")).group(1)
             for k, n in nodes.items() if n.get("label")}
    assert sorted(names.values()) == ["head", "i1", "i2", "x"]
    edges = sorted((names[e.get_source()], names[e.get_destination()])
                   for e in dot.get_edges() + [e for s in dot.get_subgraphs()
                                               for e in s.get_edges()])
    assert edges == [("i1", "i2"), ("i2", "head"), ("x", "i1")]
    seq = U.model_to_dot(inner, show_layer_names=False)
    assert sorted(_names(seq).values()) == ["Dense", "Dense"] and len(seq.get_edges()) == 1

    class Sub(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d = keras.layers.Dense(1)

        def call(self, x):
            return self.d(x)

    m = Sub()
    m(np.zeros((1, 2), "float32"))
    assert list(_names(U.model_to_dot(m)).values()) == ["sub"]
    with pytest.raises(ValueError, match="not built"):
        U.model_to_dot(keras.Sequential([keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="layer_range is no longer supported"):
        U.model_to_dot(inner, layer_range=["a", "b"])


def test_plot_model_writes_a_file_or_says_graphviz_is_missing(tmp_path):
    model = _functional()
    pydot = pytest.importorskip("pydot")
    if shutil.which("dot"):
        U.plot_model(model, to_file=str(tmp_path / "m.svg"), show_shapes=True)
        assert (tmp_path / "m.svg").read_text().lstrip().startswith("<")
    else:
        with pytest.raises(ImportError, match="Graphviz"):
            U.plot_model(model, to_file=str(tmp_path / "m.png"))
    assert pydot is not None


def test_without_pydot_the_error_says_what_to_install(monkeypatch):
    model = _functional()
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        U.plot_model(model)
    with pytest.raises(ImportError, match="pip install pydot"):
        U.model_to_dot(model)
