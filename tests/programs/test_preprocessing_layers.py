"""Working with preprocessing layers (Keras guide).

Source: https://keras.io/guides/preprocessing_layers/ (TensorFlow version,
keras-team/keras-io guides/preprocessing_layers.py)

Changes: imports (`import ember as tf`, `from ember import keras`); the guide's
"adapt()" and "Quick recipes" snippets, one function each; the image-augmentation recipe
trains on 32 synthetic CIFAR-shaped images for 1 step instead of `cifar10.load_data()` for
5 epochs (and without `keras.applications.ResNet50`: a small conv net stands in); the text
recipes' printed vectors are compared with TF 2.21's.
"""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers
from tests.programs._data import to_plain


def program_normalization():
    data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7],])
    layer = layers.Normalization()
    layer.adapt(data)
    normalized_data = layer(data)
    print("Features mean: %.2f" % (normalized_data.numpy().mean()))
    print("Features std: %.2f" % (normalized_data.numpy().std()))
    return float(normalized_data.numpy().mean()), float(normalized_data.numpy().std())


def program_string_lookup():
    data = tf.constant([["a"], ["b"], ["c"], ["b"], ["c"], ["a"]])
    layer = layers.StringLookup()
    layer.adapt(data)
    vectorized_data = layer(data)
    vocab = ["a", "b", "c", "d"]
    data2 = tf.constant([["a", "c", "d"], ["d", "z", "b"]])
    layer2 = layers.StringLookup(vocabulary=vocab)
    return to_plain(vectorized_data), to_plain(layer2(data2))


def program_text_vectorization():
    data = [
        "ξεῖν᾽, ἦ τοι μὲν ὄνειροι ἀμήχανοι ἀκριτόμυθοι",
        "γίγνοντ᾽, οὐδέ τι πάντα τελείεται ἀνθρώποισι.",
        "δοιαὶ γάρ τε πύλαι ἀμενηνῶν εἰσὶν ὀνείρων:",
    ]
    layer = layers.TextVectorization()
    layer.adapt(data)
    vectorized_text = layer(data)
    return to_plain(vectorized_text.shape)


def program_augmentation():
    data_augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.1),
        ]
    )
    input_shape = (32, 32, 3)
    classes = 10
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(8, 3, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes)(x)
    model = keras.Model(inputs, outputs)
    x_train = np.random.default_rng(0).integers(0, 256, (32, 32, 32, 3)).astype("uint8")
    y_train = np.random.default_rng(1).integers(0, 10, (32, 1))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return len(model.fit(x_train, y_train, steps_per_epoch=1, verbose=0).history["loss"])


def program_normalize_numeric():
    x_train = np.random.default_rng(0).random((64, 32, 32, 3)).astype("float32")
    y_train = np.random.default_rng(1).integers(0, 10, (64, 1))
    x_train = x_train.reshape((len(x_train), -1))
    input_shape = x_train.shape[1:]
    classes = 10
    normalizer = layers.Normalization()
    normalizer.adapt(x_train)
    inputs = keras.Input(shape=input_shape)
    x = normalizer(inputs)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return len(model.fit(x_train, y_train, verbose=0).history["loss"])


def program_category_encoding():
    data = tf.constant([[1], [2], [3], [1], [2]])
    layer = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    one_hot = layer(data)
    data = np.array([[3], [10], [5], [1]])
    hashing = layers.Hashing(num_bins=64, salt=1337)
    discretization = layers.Discretization(bin_boundaries=[0.0, 1.0])
    return to_plain(one_hot), list(hashing(data).shape), to_plain(
        discretization(tf.constant([[-1.5, 0.5, 2.0]])))


def program_integer_lookup():
    data = tf.constant([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup()
    layer.adapt(data)
    return to_plain(layer(data))


def test_normalization():
    mean, std = program_normalization()                       # TF 2.21 prints 0.00, 1.00
    assert abs(mean) < 1e-6 and std == pytest.approx(1.0, abs=1e-5)


def test_normalize_numeric():
    assert program_normalize_numeric() == 1


def test_string_lookup():
    assert program_string_lookup() == TF_STRING_LOOKUP


def test_text_vectorization():
    assert program_text_vectorization() == [3, 7]                     # TF 2.21


def test_augmentation():
    assert program_augmentation() == 1


def test_category_encoding():
    one_hot, hashed, buckets = program_category_encoding()
    assert one_hot == [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0],  # TF 2.21
                       [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    assert hashed == [4, 1] and buckets == [[0, 1, 2]]


def test_integer_lookup():
    assert program_integer_lookup() == TF_INTEGER_LOOKUP


# TF 2.21's values
TF_STRING_LOOKUP = ([[3], [2], [1], [2], [1], [3]], [[1, 3, 4], [4, 0, 2]])
TF_INTEGER_LOOKUP = [[5, 2, 1], [1, 3, 4]]
