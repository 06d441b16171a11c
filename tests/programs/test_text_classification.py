"""Basic text classification (IMDB sentiment from text files).

Source: https://www.tensorflow.org/tutorials/keras/text_classification
(tensorflow/docs site/en/tutorials/keras/text_classification.ipynb)

Changes: imports (`import ember as tf`, `from ember.keras import ...`); the aclImdb_v1
archive (downloaded with `get_file(..., untar=True)`) is a small tree of the same layout
written to a temporary directory: train/{pos,neg,unsup} and test/{pos,neg}, 40 short
synthetic reviews per class with the word lists of each sentiment, `<br />` tags and
punctuation; max_features 10000 -> 200, sequence_length 250 -> 20, `verbose=0`;
`tf.keras.utils.set_random_seed(0)` first (80 reviews train in 10 epochs to anywhere between
0.5 and 1.0 test accuracy depending on the initial weights, in TF 2.21 as in ember);
`tf.data.AUTOTUNE` kept; plots dropped.
"""

import os
import re
import shutil
import string

import numpy as np
import pytest

import ember as tf
from ember.keras import layers
from ember.keras import losses

POS = ["great", "wonderful", "loved", "brilliant", "moving", "superb"]
NEG = ["terrible", "boring", "awful", "hated", "dull", "worst"]
FILL = ["the", "movie", "film", "plot", "actors", "was", "and", "a", "story", "it"]


def write_imdb(root, n=40, seed=0):
    rng = np.random.default_rng(seed)
    for split in ("train", "test"):
        for label, words in (("pos", POS), ("neg", NEG)):
            d = os.path.join(root, "aclImdb", split, label)
            os.makedirs(d)
            for i in range(n):
                toks = list(rng.choice(FILL, 8)) + list(rng.choice(words, 3))
                rng.shuffle(toks)
                text = " ".join(toks[:5]) + ".<br /><br />" + " ".join(toks[5:]).capitalize() + "!"
                with open(os.path.join(d, f"{i}_{rng.integers(1, 10)}.txt"), "w") as f:
                    f.write(text)
    os.makedirs(os.path.join(root, "aclImdb", "train", "unsup"))
    with open(os.path.join(root, "aclImdb", "train", "unsup", "0_0.txt"), "w") as f:
        f.write("unlabelled")


def program(tmp="/tmp"):
    tf.keras.utils.set_random_seed(0)
    dataset_dir = os.path.join(tmp, 'aclImdb_v1')
    write_imdb(dataset_dir)
    train_dir = os.path.join(dataset_dir, 'aclImdb', 'train')
    test_dir = os.path.join(dataset_dir, 'aclImdb', 'test')
    remove_dir = os.path.join(train_dir, 'unsup')
    shutil.rmtree(remove_dir)
    batch_size = 32
    seed = 42

    raw_train_ds = tf.keras.utils.text_dataset_from_directory(
        train_dir,
        batch_size=batch_size,
        validation_split=0.2,
        subset='training',
        seed=seed)
    for text_batch, label_batch in raw_train_ds.take(1):
        for i in range(3):
            print("Review", text_batch.numpy()[i])
            print("Label", label_batch.numpy()[i])
    class_names = raw_train_ds.class_names
    raw_val_ds = tf.keras.utils.text_dataset_from_directory(
        train_dir,
        batch_size=batch_size,
        validation_split=0.2,
        subset='validation',
        seed=seed)
    raw_test_ds = tf.keras.utils.text_dataset_from_directory(
        test_dir,
        batch_size=batch_size)

    def custom_standardization(input_data):
        lowercase = tf.strings.lower(input_data)
        stripped_html = tf.strings.regex_replace(lowercase, '<br />', ' ')
        return tf.strings.regex_replace(stripped_html,
                                        '[%s]' % re.escape(string.punctuation),
                                        '')

    max_features = 200
    sequence_length = 20
    vectorize_layer = layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=max_features,
        output_mode='int',
        output_sequence_length=sequence_length)
    train_text = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(train_text)

    def vectorize_text(text, label):
        text = tf.expand_dims(text, -1)
        return vectorize_layer(text), label

    text_batch, label_batch = next(iter(raw_train_ds))
    first_review, first_label = text_batch[0], label_batch[0]
    vectorized = vectorize_text(first_review, first_label)[0]
    vocab_size = len(vectorize_layer.get_vocabulary())

    train_ds = raw_train_ds.map(vectorize_text)
    val_ds = raw_val_ds.map(vectorize_text)
    test_ds = raw_test_ds.map(vectorize_text)
    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.cache().prefetch(buffer_size=AUTOTUNE)
    val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
    test_ds = test_ds.cache().prefetch(buffer_size=AUTOTUNE)

    embedding_dim = 16
    model = tf.keras.Sequential([
        layers.Embedding(max_features, embedding_dim),
        layers.Dropout(0.2),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.2),
        layers.Dense(1, activation='sigmoid')])
    model.compile(loss=losses.BinaryCrossentropy(),
                  optimizer='adam',
                  metrics=[tf.metrics.BinaryAccuracy(threshold=0.5)])
    history = model.fit(train_ds, validation_data=val_ds, epochs=10, verbose=0)
    loss, accuracy = model.evaluate(test_ds, verbose=0)

    export_model = tf.keras.Sequential([
        vectorize_layer,
        model,
        layers.Activation('sigmoid')
    ])
    export_model.compile(
        loss=losses.BinaryCrossentropy(from_logits=False), optimizer="adam",
        metrics=['accuracy']
    )
    metrics = export_model.evaluate(raw_test_ds, return_dict=True, verbose=0)
    examples = tf.constant([
        "The movie was great!",
        "The movie was okay.",
        "The movie was terrible..."
    ])
    preds = export_model.predict(examples, verbose=0)
    return dict(class_names=class_names, vectorized=list(vectorized.shape),
                vocab_size=vocab_size, keys=sorted(history.history), accuracy=accuracy,
                export_keys=sorted(metrics), preds_shape=preds.shape,
                order=bool(preds[0, 0] > preds[2, 0]))


def test_program(tmp_path):
    r = program(str(tmp_path))
    assert r["class_names"] == ["neg", "pos"]
    assert r["vectorized"] == [1, 20]
    assert r["keys"] == ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"]
    assert r["preds_shape"] == (3, 1) and r["order"]
    assert r["accuracy"] > 0.8              # TF 2.21 on the same data: 0.99
