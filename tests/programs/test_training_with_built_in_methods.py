"""Training & evaluation with the built-in methods (Keras guide).

Source: https://keras.io/guides/training_with_built_in_methods/ (TensorFlow version,
keras-team/keras-io guides/training_with_built_in_methods.py)

Changes: imports (`import ember as tf`, `from ember import keras`); MNIST -> 1000 + 200
synthetic digits (the guide reserves 10000 for validation: here 200); epochs 2 -> 1 and
`verbose=0` throughout; the sections transcribed are the functions below (API overview,
custom losses and metrics, layer losses, tf.data, class and sample weights, callbacks,
learning-rate schedules, TensorBoard); checkpoints and logs go to a temporary directory.
"""

import os

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers
from tests.programs import _data


def mnist():
    (x_train, y_train), (x_test, y_test) = _data.mnist(1000, 200)
    x_train = x_train.reshape(1000, 784).astype("float32") / 255
    x_test = x_test.reshape(200, 784).astype("float32") / 255
    y_train = y_train.astype("float32")
    y_test = y_test.astype("float32")
    x_val = x_train[-200:]
    y_val = y_train[-200:]
    x_train = x_train[:-200]
    y_train = y_train[:-200]
    return x_train, y_train, x_val, y_val, x_test, y_test


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


def program_overview():
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=2,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    results = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
    print("test loss, test acc:", results)
    predictions = model.predict(x_test[:3], verbose=0)
    print("predictions shape:", predictions.shape)
    return dict(history=sorted(history.history), acc=results[1], pred=predictions.shape)


def program_custom_losses():
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()

    def custom_mean_squared_error(y_true, y_pred):
        return tf.math.reduce_mean(tf.square(y_true - y_pred), axis=-1)

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
    y_train_one_hot = tf.one_hot(y_train, depth=10)
    h1 = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)

    class CustomMSE(keras.losses.Loss):
        def __init__(self, regularization_factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.regularization_factor = regularization_factor

        def call(self, y_true, y_pred):
            mse = tf.math.reduce_mean(tf.square(y_true - y_pred), axis=-1)
            reg = tf.math.reduce_mean(tf.square(0.5 - y_pred), axis=-1)
            return mse + reg * self.regularization_factor

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
    y_train_one_hot = tf.one_hot(y_train, depth=10)
    h2 = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
    return dict(h1=sorted(h1.history), h2=sorted(h2.history))


def program_custom_metric():
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()

    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super(CategoricalTruePositives, self).__init__(name=name, **kwargs)
            self.true_positives = self.add_weight(name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = tf.reshape(tf.argmax(y_pred, axis=1), shape=(-1, 1))
            values = tf.cast(y_true, "int32") == tf.cast(y_pred, "int32")
            values = tf.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = tf.cast(sample_weight, "float32")
                values = tf.multiply(values, sample_weight)
            self.true_positives.assign_add(tf.reduce_sum(values))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0.0)

    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    h3 = model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
    return dict(h3=sorted(h3.history), ctp=h3.history["categorical_true_positives"])


def program_layer_losses():
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()

    class ActivityRegularizationLayer(layers.Layer):
        def call(self, inputs):
            self.add_loss(tf.reduce_sum(inputs) * 0.1)
            return inputs

    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = ActivityRegularizationLayer()(x)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    h = model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)

    class LogisticEndpoint(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)
            return tf.nn.softmax(logits)

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")
    data = {
        "inputs": np.random.random((3, 3)),
        "targets": np.random.random((3, 10)),
    }
    h2 = model.fit(data, verbose=0)
    return dict(h=sorted(h.history), endpoint=np.isfinite(h2.history["loss"][0]))


def program_validation_split_and_datasets():
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()
    model = get_compiled_model()
    h1 = model.fit(x_train, y_train, batch_size=64, validation_split=0.2, epochs=1, verbose=0)

    model = get_compiled_model()
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test))
    test_dataset = test_dataset.batch(64)
    model.fit(train_dataset, epochs=3, verbose=0)
    result = model.evaluate(test_dataset, verbose=0)
    d = dict(zip(model.metrics_names, result))

    model = get_compiled_model()
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    h3 = model.fit(train_dataset, epochs=3, steps_per_epoch=5, verbose=0)

    model = get_compiled_model()
    val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val))
    val_dataset = val_dataset.batch(64)
    h4 = model.fit(train_dataset, epochs=1, validation_data=val_dataset,
                   validation_steps=2, verbose=0)
    return dict(h1=sorted(h1.history), eval=d, h3=len(h3.history["loss"]),
                h4=sorted(h4.history))


def program_weights():
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()
    class_weight = {
        0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0,
        5: 2.0,
        6: 1.0, 7: 1.0, 8: 1.0, 9: 1.0,
    }
    model = get_compiled_model()
    model.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1, verbose=0)

    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    model = get_compiled_model()
    model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1,
              verbose=0)

    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train, sample_weight))
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    model = get_compiled_model()
    h = model.fit(train_dataset, epochs=1, verbose=0)
    return sorted(h.history)


def program_multi_io():
    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")
    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)
    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    model = keras.Model(
        inputs=[image_input, timeseries_input], outputs=[score_output, class_output]
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "score_output": keras.losses.MeanSquaredError(),
            "class_output": keras.losses.CategoricalCrossentropy(),
        },
        metrics={
            "score_output": [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            "class_output": [keras.metrics.CategoricalAccuracy()],
        },
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )
    img_data = np.random.random_sample(size=(100, 32, 32, 3))
    ts_data = np.random.random_sample(size=(100, 20, 10))
    score_targets = np.random.random_sample(size=(100, 1))
    class_targets = np.random.random_sample(size=(100, 5))
    h = model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=32,
                  epochs=1, verbose=0)
    h2 = model.fit(
        {"img_input": img_data, "ts_input": ts_data},
        {"score_output": score_targets, "class_output": class_targets},
        batch_size=32,
        epochs=1,
        verbose=0,
    )
    train_dataset = tf.data.Dataset.from_tensor_slices(
        (
            {"img_input": img_data, "ts_input": ts_data},
            {"score_output": score_targets, "class_output": class_targets},
        )
    )
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)
    h3 = model.fit(train_dataset, epochs=1, verbose=0)
    return sorted(h.history), sorted(h2.history) == sorted(h.history)


def program_callbacks(tmp="/tmp"):
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()
    model = get_compiled_model()
    callbacks = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss",
            min_delta=1e-2,
            patience=2,
            verbose=1,
        )
    ]
    h1 = model.fit(x_train, y_train, epochs=20, batch_size=64, callbacks=callbacks,
                   validation_split=0.2, verbose=0)

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    history_cb = LossHistory()
    model = get_compiled_model()
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            filepath=os.path.join(tmp, "mymodel_{epoch}.keras"),
            save_best_only=True,
            monitor="val_loss",
            verbose=1,
        ),
        history_cb,
    ]
    model.fit(x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks,
              validation_split=0.2, verbose=0)

    initial_learning_rate = 0.1
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
    return dict(stopped_early=len(h1.history["loss"]) < 20,
                batches=len(history_cb.per_batch_losses),
                saved=sorted(f for f in os.listdir(tmp) if f.startswith("mymodel_")),
                lr=round(float(lr_schedule(100000)), 6))


def program_tensorboard(tmp="/tmp"):
    x_train, y_train, x_val, y_val, x_test, y_test = mnist()
    model = get_compiled_model()
    tensorboard_callback = keras.callbacks.TensorBoard(
        log_dir=os.path.join(tmp, "full_path_to_your_logs"),
        histogram_freq=0,
        embeddings_freq=0,
        update_freq="epoch",
    )
    model.fit(x_train, y_train, epochs=1, batch_size=64, callbacks=[tensorboard_callback],
              verbose=0)
    return sorted(os.listdir(os.path.join(tmp, "full_path_to_your_logs")))


def test_overview():
    r = program_overview()
    assert r["history"] == ["loss", "sparse_categorical_accuracy", "val_loss",
                            "val_sparse_categorical_accuracy"]
    assert r["acc"] > 0.9                # TF 2.21 on the same data: 1.0
    assert r["pred"] == (3, 10)


def test_custom_losses():
    r = program_custom_losses()
    assert r["h1"] == ["loss"] and r["h2"] == ["loss"]


def test_custom_metric():
    r = program_custom_metric()
    assert r["h3"] == ["categorical_true_positives", "loss"]
    # At most 800 (the training rows) when y_true arrives as (batch, 1), as in tf.keras 2
    # which the guide was written for (ember: 800 after 3 epochs). TF 2.21's Keras 3 passes
    # y_true as (batch,), the metric's `==` broadcasts to (batch, batch): 5443, 5652, 5730.
    assert 700 < r["ctp"][-1] <= 800


def test_layer_losses():
    r = program_layer_losses()
    assert r["h"] == ["loss"] and r["endpoint"]


def test_validation_split_and_datasets():
    r = program_validation_split_and_datasets()
    assert r["h1"] == ["loss", "sparse_categorical_accuracy", "val_loss",
                       "val_sparse_categorical_accuracy"]
    assert set(r["eval"]) == {"loss", "sparse_categorical_accuracy"}
    assert r["eval"]["sparse_categorical_accuracy"] > 0.9
    assert r["h3"] == 3


def test_weights():
    assert program_weights() == ["loss", "sparse_categorical_accuracy"]


def test_multi_io():
    keys, same = program_multi_io()
    assert same
    # TF 2.21 (Keras 3) names: 'class_output_categorical_accuracy', 'class_output_loss',
    # 'loss', 'score_output_loss', 'score_output_mean_absolute_error',
    # 'score_output_mean_absolute_percentage_error'
    assert {"loss", "class_output_loss", "score_output_loss",
            "class_output_categorical_accuracy", "score_output_mean_absolute_error",
            "score_output_mean_absolute_percentage_error"} <= set(keys)


def test_callbacks(tmp_path):
    r = program_callbacks(str(tmp_path))
    assert r["stopped_early"]
    assert r["batches"] == 20            # 2 epochs x ceil(640 / 64)
    assert r["saved"][0] == "mymodel_1.keras"
    assert r["lr"] == pytest.approx(0.096)


def test_tensorboard(tmp_path):
    # TF 2.21 needs the tensorboard package for this (TBNotInstalledError without it)
    assert "train" in program_tensorboard(str(tmp_path))
