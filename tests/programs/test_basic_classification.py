"""Basic classification: classify images of clothing (Fashion MNIST).

Source: https://www.tensorflow.org/tutorials/keras/classification
(tensorflow/docs site/en/tutorials/keras/classification.ipynb)

Changes: imports (`import ember as tf`); Fashion-MNIST is 600 + 200 synthetic 28x28
uint8 images passed in instead of `fashion_mnist.load_data()` (run separately in
`test_load_data_from_cache` on gzipped IDX files in a temporary KERAS_HOME); epochs
10 -> 3, `verbose=0` on fit/predict; the matplotlib plots are dropped.
"""

import numpy as np

import ember as tf
from tests.programs import _data


def program(data=None):
    (train_images, train_labels), (test_images, test_labels) = data or _data.mnist(seed=1)
    class_names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
                   'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
    shapes = (train_images.shape, len(train_labels), test_images.shape, len(test_labels))
    train_images = train_images / 255.0
    test_images = test_images / 255.0

    model = tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dense(10)
    ])
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    model.fit(train_images, train_labels, epochs=3, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
    print('\nTest accuracy:', test_acc)

    probability_model = tf.keras.Sequential([model,
                                             tf.keras.layers.Softmax()])
    predictions = probability_model.predict(test_images, verbose=0)
    first = int(np.argmax(predictions[0]))

    img = test_images[1]
    print(img.shape)
    img = (np.expand_dims(img, 0))
    print(img.shape)
    predictions_single = probability_model.predict(img, verbose=0)
    print(predictions_single)
    return dict(shapes=shapes, test_acc=test_acc, predictions_shape=predictions.shape,
                first=(first, int(test_labels[0])), single_shape=predictions_single.shape,
                single=int(np.argmax(predictions_single[0])), label1=int(test_labels[1]),
                name=class_names[first])


def test_program():
    r = program()
    assert r["shapes"] == ((600, 28, 28), 600, (200, 28, 28), 200)
    assert r["test_acc"] > 0.9                  # TF 2.21 on the same data: 1.0
    assert r["predictions_shape"] == (200, 10)
    assert r["first"][0] == r["first"][1]
    assert r["single_shape"] == (1, 10) and r["single"] == r["label1"]


def test_load_data_from_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (xt, yt), (xs, ys) = _data.write_fashion_mnist_cache(tmp_path)
    fashion_mnist = tf.keras.datasets.fashion_mnist
    (train_images, train_labels), (test_images, test_labels) = fashion_mnist.load_data()
    assert train_images.shape == (600, 28, 28) and train_images.dtype == np.uint8
    np.testing.assert_array_equal(train_images, xt)
    np.testing.assert_array_equal(test_labels, ys)
