"""Making new layers and models via subclassing (Keras guide), through the VAE example.

Source: https://keras.io/guides/making_new_layers_and_models_via_subclassing/
(TensorFlow version, keras-team/keras-io guides/making_new_layers_and_models_via_subclassing.py)

Changes: imports (`import ember as tf`, `from ember import keras`); the VAE trains on 256
synthetic MNIST digits (`_data.mnist`) for 1 epoch (the guide: 60000, 2 epochs; its own
loop 3 epochs -> 1 with 4 steps); the loop's per-100-steps print -> per 2 steps.
"""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers
from tests.programs import _data


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = tf.Variable(initial_value=tf.zeros((input_dim,)), trainable=False)

    def call(self, inputs):
        self.total.assign_add(tf.reduce_sum(inputs, axis=0))
        return self.total


class LinearLazy(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = LinearLazy(32)
        self.linear_2 = LinearLazy(32)
        self.linear_3 = LinearLazy(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = tf.nn.relu(x)
        x = self.linear_2(x)
        x = tf.nn.relu(x)
        return self.linear_3(x)


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * tf.reduce_sum(inputs))
        return inputs


class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


class OuterLayerWithKernelRegularizer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(
            32, kernel_regularizer=tf.keras.regularizers.l2(1e-3)
        )

    def call(self, inputs):
        return self.dense(inputs)


class CustomDropout(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs, training=None):
        if training:
            return tf.nn.dropout(inputs, rate=self.rate)
        return inputs


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = tf.shape(z_mean)[0]
        dim = tf.shape(z_mean)[1]
        epsilon = tf.keras.backend.random_normal(shape=(batch, dim))
        return z_mean + tf.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


class VariationalAutoEncoder(keras.Model):
    def __init__(self, original_dim, intermediate_dim=64, latent_dim=32,
                 name="autoencoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        kl_loss = -0.5 * tf.reduce_mean(
            z_log_var - tf.square(z_mean) - tf.exp(z_log_var) + 1
        )
        self.add_loss(kl_loss)
        return reconstructed


def program_layers():
    out = {}
    x = tf.ones((2, 2))
    linear_layer = Linear(4, 2)
    y = linear_layer(x)
    out["linear"] = list(y.shape)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]

    x = tf.ones((2, 2))
    my_sum = ComputeSum(2)
    y = my_sum(x)
    out["sum1"] = y.numpy().tolist()
    y = my_sum(x)
    out["sum2"] = y.numpy().tolist()
    out["sum_weights"] = (len(my_sum.weights), len(my_sum.non_trainable_weights),
                          len(my_sum.trainable_weights))

    linear_layer = LinearLazy(32)
    y = linear_layer(x)
    mlp = MLPBlock()
    y = mlp(tf.ones(shape=(3, 64)))
    out["mlp_weights"] = (len(mlp.weights), len(mlp.trainable_weights))

    layer = OuterLayer()
    assert len(layer.losses) == 0
    _ = layer(tf.zeros((1, 1)))
    out["losses1"] = len(layer.losses)
    _ = layer(tf.zeros((1, 1)))
    out["losses2"] = len(layer.losses)

    layer = OuterLayerWithKernelRegularizer()
    _ = layer(tf.zeros((1, 1)))
    out["reg_losses"] = len(layer.losses)

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
    model.compile(optimizer="adam")
    model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)

    layer = LinearLazy(64)
    config = layer.get_config()
    new_layer = LinearLazy.from_config(config)
    out["config"] = config

    return out


def program_dropout():
    x = tf.ones((8, 100))
    d = CustomDropout(0.5)
    return (bool(np.array_equal(d(x, training=False), x)),
            bool((d(x, training=True).numpy() == 0).any()))


def program_vae():
    original_dim = 784
    vae = VariationalAutoEncoder(original_dim, 64, 32)
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    mse_loss_fn = tf.keras.losses.MeanSquaredError()
    loss_metric = tf.keras.metrics.Mean()

    (x_train, _), _ = _data.mnist(256, 1)
    x_train = x_train.reshape(256, 784).astype("float32") / 255
    train_dataset = tf.data.Dataset.from_tensor_slices(x_train)
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)

    epochs = 1
    means = []
    for epoch in range(epochs):
        for step, x_batch_train in enumerate(train_dataset):
            with tf.GradientTape() as tape:
                reconstructed = vae(x_batch_train)
                loss = mse_loss_fn(x_batch_train, reconstructed)
                loss += sum(vae.losses)
            grads = tape.gradient(loss, vae.trainable_weights)
            optimizer.apply_gradients(zip(grads, vae.trainable_weights))
            loss_metric(loss)
            if step % 2 == 0:
                print("step %d: mean loss = %.4f" % (step, loss_metric.result()))
                means.append(float(loss_metric.result()))

    vae = VariationalAutoEncoder(784, 64, 32)
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=tf.keras.losses.MeanSquaredError())
    history = vae.fit(x_train, x_train, epochs=1, batch_size=64, verbose=0)

    # the functional version
    original_dim = 784
    intermediate_dim = 64
    latent_dim = 32
    original_inputs = tf.keras.Input(shape=(original_dim,), name="encoder_input")
    x = layers.Dense(intermediate_dim, activation="relu")(original_inputs)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()((z_mean, z_log_var))
    encoder = tf.keras.Model(inputs=original_inputs, outputs=z, name="encoder")
    latent_inputs = tf.keras.Input(shape=(latent_dim,), name="z_sampling")
    x = layers.Dense(intermediate_dim, activation="relu")(latent_inputs)
    outputs = layers.Dense(original_dim, activation="sigmoid")(x)
    decoder = tf.keras.Model(inputs=latent_inputs, outputs=outputs, name="decoder")
    outputs = decoder(z)
    vae = tf.keras.Model(inputs=original_inputs, outputs=outputs, name="vae")
    kl_loss = -0.5 * tf.reduce_mean(z_log_var - tf.square(z_mean) - tf.exp(z_log_var) + 1)
    vae.add_loss(kl_loss)
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=tf.keras.losses.MeanSquaredError())
    history2 = vae.fit(x_train, x_train, epochs=1, batch_size=64, verbose=0)
    return dict(means=means, fit=history.history["loss"], functional=history2.history["loss"])


def test_layers():
    r = program_layers()
    assert r == {'linear': [2, 4], 'sum1': [2.0, 2.0], 'sum2': [4.0, 4.0],
                 'sum_weights': (1, 1, 0), 'mlp_weights': (6, 6), 'losses1': 1,
                 'losses2': 1, 'reg_losses': 1, 'config': {'units': 64}}
    # sum_weights: the guide (tf.keras 2) says 1 weight, non-trainable; TF 2.21 (Keras 3)
    # gives (0, 0, 0): it does not track a raw tf.Variable set on a layer.


def test_custom_dropout():
    assert program_dropout() == (True, True)


def test_vae():
    r = program_vae()
    assert len(r["means"]) == 2 and all(np.isfinite(r["means"]))
    assert len(r["fit"]) == 1 and np.isfinite(r["fit"][0])


def test_vae_functional():
    r = program_vae()
    assert np.isfinite(r["functional"][0])
