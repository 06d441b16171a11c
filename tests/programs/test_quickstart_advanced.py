"""TensorFlow 2 quickstart for experts: subclassed Model, GradientTape, tf.function steps.

Source: https://www.tensorflow.org/tutorials/quickstart/advanced
(tensorflow/docs site/en/tutorials/quickstart/advanced.ipynb)

Changes: imports (`import ember as tf`, `from ember.keras...`); MNIST is 600 + 200
synthetic images (tests/programs/_data.py) instead of `mnist.load_data()`; shuffle buffer
10000 kept; EPOCHS 5 -> 2; the per-epoch lines are returned as well as printed.
"""

import ember as tf
from ember.keras.layers import Dense, Flatten, Conv2D
from ember.keras import Model
from tests.programs import _data


def program():
    (x_train, y_train), (x_test, y_test) = _data.mnist(600, 200)
    x_train, x_test = x_train / 255.0, x_test / 255.0

    # Add a channels dimension
    x_train = x_train[..., tf.newaxis].astype("float32")
    x_test = x_test[..., tf.newaxis].astype("float32")
    train_ds = tf.data.Dataset.from_tensor_slices(
        (x_train, y_train)).shuffle(10000).batch(32)

    test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)

    class MyModel(Model):
        def __init__(self):
            super().__init__()
            self.conv1 = Conv2D(32, 3, activation='relu')
            self.flatten = Flatten()
            self.d1 = Dense(128, activation='relu')
            self.d2 = Dense(10)

        def call(self, x):
            x = self.conv1(x)
            x = self.flatten(x)
            x = self.d1(x)
            return self.d2(x)

    model = MyModel()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()
    train_loss = tf.keras.metrics.Mean(name='train_loss')
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name='train_accuracy')
    test_loss = tf.keras.metrics.Mean(name='test_loss')
    test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name='test_accuracy')

    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(labels, predictions)

    @tf.function
    def test_step(images, labels):
        predictions = model(images, training=False)
        t_loss = loss_object(labels, predictions)
        test_loss(t_loss)
        test_accuracy(labels, predictions)

    EPOCHS = 2
    lines = []
    for epoch in range(EPOCHS):
        train_loss.reset_state()
        train_accuracy.reset_state()
        test_loss.reset_state()
        test_accuracy.reset_state()

        for images, labels in train_ds:
            train_step(images, labels)

        for test_images, test_labels in test_ds:
            test_step(test_images, test_labels)

        lines.append(
            f'Epoch {epoch + 1}, '
            f'Loss: {train_loss.result():0.2f}, '
            f'Accuracy: {train_accuracy.result() * 100:0.2f}, '
            f'Test Loss: {test_loss.result():0.2f}, '
            f'Test Accuracy: {test_accuracy.result() * 100:0.2f}'
        )
        print(lines[-1])
    return dict(lines=lines, test_acc=float(test_accuracy.result()),
                n_vars=len(model.trainable_variables))


def test_program():
    r = program()
    assert len(r["lines"]) == 2 and r["lines"][1].startswith("Epoch 2, Loss: ")
    assert r["n_vars"] == 6
    assert r["test_acc"] > 0.9          # TF 2.21 on the same data: 1.0
