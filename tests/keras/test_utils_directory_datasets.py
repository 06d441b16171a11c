"""`keras.utils.image_dataset_from_directory` / `text_dataset_from_directory` on small
folders written by tests/keras/dataset_files.py.

Oracle: Keras 3.15.1 (TensorFlow 2.21 backend) run on the same folders with the same
arguments, recorded in keras3_image_text_datasets.json (file order, labels, class names,
resized pixel values to 1e-3, element specs)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from ember import keras
from tests.keras import dataset_files as F

pytest.importorskip("PIL")

HERE = os.path.dirname(__file__)
U = keras.utils
CASES = {
    "IMG_BIL": dict(image_size=(3, 4), shuffle=False, batch_size=4),
    "IMG_NEAR_CAT": dict(image_size=(2, 3), shuffle=False, interpolation="nearest",
                         label_mode="categorical", batch_size=None),
    "IMG_CROP_RGBA_BIN": dict(image_size=(4, 4), shuffle=False, color_mode="rgba",
                              crop_to_aspect_ratio=True, label_mode="binary", batch_size=3),
    "IMG_PAD": dict(image_size=(5, 3), shuffle=False, pad_to_aspect_ratio=True, labels=None,
                    batch_size=6),
    "IMG_CF": dict(image_size=(2, 2), shuffle=False, data_format="channels_first",
                   batch_size=2, class_names=["dog", "cat"]),
}


@pytest.fixture(scope="module")
def expected():
    with open(os.path.join(HERE, "keras3_image_text_datasets.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def image_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("images"))
    F.write_image_tree(root)
    return root


@pytest.fixture(scope="module")
def text_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("texts"))
    F.write_text_tree(root)
    return root


def _close(a, b):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        assert abs(a - b) <= 1e-3, (a, b)
    else:
        assert a == b


def _dump(ds):
    out = []
    for b in ds:
        x, y = b if isinstance(b, tuple) else (b, None)
        out.append([np.round(x.numpy(), 4).tolist(), None if y is None else y.numpy().tolist()])
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_image_dataset_matches_keras3(case, image_root, expected, capsys):
    ds = U.image_dataset_from_directory(image_root, verbose=False, **CASES[case])
    rel = [os.path.relpath(p, image_root) for p in ds.file_paths]
    _close(expected[case], [getattr(ds, "class_names", None), rel, _dump(ds),
                            str(ds.element_spec)])


def test_image_dataset_split_and_label_list_match_keras3(image_root, expected, capsys):
    tr, va = U.image_dataset_from_directory(image_root, verbose=False, seed=11,
                                            validation_split=0.34, subset="both",
                                            image_size=(2, 2))
    rel = lambda ps: [os.path.relpath(p, image_root) for p in ps]  # noqa: E731
    labels = sorted(sum((y.numpy().tolist() for _, y in va), []))
    assert [rel(tr.file_paths), rel(va.file_paths), labels] == expected["IMG_SPLIT"]
    assert "Using 4 files for training." in capsys.readouterr().out
    ds = U.image_dataset_from_directory(image_root, verbose=False, seed=5,
                                        labels=[1, 0, 2, 1, 1, 0], image_size=(2, 2))
    got = [ds.class_names, rel(ds.file_paths), sorted(sum((y.numpy().tolist() for _, y in ds),
                                                          []))]
    assert got == expected["IMG_LABELS"]


def test_image_dataset_grayscale_shuffle_and_fit(image_root, capsys):
    ds = U.image_dataset_from_directory(image_root, color_mode="grayscale", image_size=(4, 4),
                                        batch_size=4, seed=3)
    assert "Found 6 files belonging to 2 classes." in capsys.readouterr().out
    x, y = next(iter(ds))
    assert x.shape == (4, 4, 4, 1) and x.dtype.name == "float32" and y.dtype.name == "int32"
    first = [sorted(b[1].numpy().tolist()) for b in ds]
    assert sum(len(b) for b in first) == 6
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert len(model.fit(ds, epochs=1, verbose=0).history["loss"]) == 1


def test_image_dataset_bad_arguments(image_root, tmp_path):
    kw = dict(verbose=False)
    with pytest.raises(ValueError, match="color_mode must be"):
        U.image_dataset_from_directory(image_root, color_mode="cmyk", **kw)
    with pytest.raises(ValueError, match="pass a seed"):
        U.image_dataset_from_directory(image_root, validation_split=0.2, subset="training", **kw)
    with pytest.raises(ValueError, match="pass both validation_split and subset"):
        U.image_dataset_from_directory(image_root, validation_split=0.2, seed=1, **kw)
    with pytest.raises(ValueError, match="exactly 2 classes"):
        U.image_dataset_from_directory(image_root, label_mode="binary", class_names=["cat"],
                                       **kw)
    with pytest.raises(ValueError, match="class_names .* do not match"):
        U.image_dataset_from_directory(image_root, class_names=["cow"], **kw)
    with pytest.raises(ValueError, match="2 labels were given but 6 files"):
        U.image_dataset_from_directory(image_root, labels=[0, 1], **kw)
    with pytest.raises(NotImplementedError, match="bicubic"):
        U.image_dataset_from_directory(image_root, interpolation="bicubic", **kw)
    with pytest.raises(ValueError, match="image_size must be"):
        U.image_dataset_from_directory(image_root, image_size=(0, 3), **kw)
    with pytest.raises(ValueError, match="no files found"):
        U.image_dataset_from_directory(str(tmp_path), labels=None, **kw)
    with pytest.raises(ValueError, match="does not exist"):
        U.image_dataset_from_directory(str(tmp_path / "missing"), **kw)


def test_text_dataset_matches_keras3(text_root, expected, capsys):
    ds = U.text_dataset_from_directory(text_root, shuffle=False, batch_size=2, max_length=4,
                                       verbose=False)
    got = [ds.class_names, [[[t.decode() for t in x.numpy().tolist()], y.numpy().tolist()]
                            for x, y in ds]]
    assert got == expected["TXT"]
    ds = U.text_dataset_from_directory(text_root, seed=3, label_mode="categorical",
                                       verbose=False, validation_split=0.4,
                                       subset="validation")
    got = sorted([[t.decode(), lab] for x, y in ds
                  for t, lab in zip(x.numpy().tolist(), y.numpy().tolist())])
    assert got == expected["TXT_VAL"]
    ds = U.text_dataset_from_directory(text_root, labels=None, batch_size=None, verbose=False,
                                       shuffle=False)
    assert ds.class_names is None
    assert [t.numpy() for t in ds][:2] == [b"awful film", b"dull"]
