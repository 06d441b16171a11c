"""Timeseries classification from scratch (FordA, fully convolutional network; keras-io).

Source: https://keras.io/examples/timeseries/timeseries_classification_from_scratch/
(keras-team/keras-io examples/timeseries/timeseries_classification_from_scratch.py)

Changes: imports (`import ember as tf`, `from ember import keras`); `readucr` reads
FordA-format TSV files (label -1/1, then 64 values; FordA's series have 176) written
to a temporary directory from synthetic series (240 train / 80 test rows instead of
3601 / 1320) instead of the GitHub URLs; epochs 500 -> 10, verbose 0;
`keras.utils.plot_model` and the plots dropped; `sklearn.metrics.accuracy_score` -> the
same mean in NumPy. The checkpoint is
"best_model.h5" as in the example (`test_program_h5`); `test_program` runs the same
program with "best_model.keras".
"""

import os

import numpy as np

import ember as tf
from ember import keras


def write_forda(d, n, seed):
    rng = np.random.default_rng(seed)
    y = rng.choice([-1, 1], size=n)
    t = np.linspace(0, 8 * np.pi, 64)
    x = np.sin(t[None, :] * (1 + 0.5 * (y[:, None] > 0))) + rng.normal(0, 0.3, (n, 64))
    x = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
    path = os.path.join(d, f"FordA_{seed}.tsv")
    np.savetxt(path, np.column_stack([y, x]), delimiter="\t")
    return path


def readucr(filename):
    data = np.loadtxt(filename, delimiter="\t")
    y = data[:, 0]
    x = data[:, 1:]
    return x, y.astype(int)


def program(tmp="/tmp", checkpoint="best_model.keras"):
    x_train, y_train = readucr(write_forda(tmp, 240, 0))
    x_test, y_test = readucr(write_forda(tmp, 80, 1))
    classes = np.unique(np.concatenate((y_train, y_test), axis=0))
    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))
    num_classes = len(np.unique(y_train))
    idx = np.random.permutation(len(x_train))
    x_train = x_train[idx]
    y_train = y_train[idx]
    y_train[y_train == -1] = 0
    y_test[y_test == -1] = 0

    def make_model(input_shape):
        input_layer = keras.layers.Input(input_shape)

        conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
        conv1 = keras.layers.BatchNormalization()(conv1)
        conv1 = keras.layers.ReLU()(conv1)

        conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
        conv2 = keras.layers.BatchNormalization()(conv2)
        conv2 = keras.layers.ReLU()(conv2)

        conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
        conv3 = keras.layers.BatchNormalization()(conv3)
        conv3 = keras.layers.ReLU()(conv3)

        gap = keras.layers.GlobalAveragePooling1D()(conv3)
        output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
        return keras.models.Model(inputs=input_layer, outputs=output_layer)

    model = make_model(input_shape=x_train.shape[1:])
    epochs = 10
    batch_size = 32
    best = os.path.join(tmp, checkpoint)
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            best, save_best_only=True, monitor="val_loss"
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=1),
    ]
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        callbacks=callbacks,
        validation_split=0.2,
        verbose=0,
    )
    model = keras.models.load_model(best)
    y_pred = model.predict(x_test, verbose=0).argmax(axis=1)
    acc = float(np.mean(y_pred == y_test))
    print("Test accuracy", acc)
    return dict(classes=classes.tolist(), params=model.count_params(), acc=acc,
                keys=sorted(history.history), train_acc=history.history["accuracy"][-1])


def test_program(tmp_path):
    r = program(str(tmp_path))
    assert r["classes"] == [-1, 1]
    assert r["params"] == 25858             # TF 2.21: 25,858
    # TF 2.21 (Keras 3) logs ReduceLROnPlateau's rate as "learning_rate", tf.keras 2 as "lr"
    assert sorted(set(r["keys"]) - {"lr", "learning_rate"}) == [
        "accuracy", "loss", "val_accuracy", "val_loss"]
    # 10 epochs of 6 steps: training accuracy is high, but the best-val_loss checkpoint's
    # BatchNormalization moving statistics are still far from the data's, so test accuracy
    # on the reloaded model spreads widely: TF 2.21 0.45 .. 1.0, ember 0.55 .. 1.0.
    assert r["train_acc"] > 0.85             # TF 2.21 on the same data: 1.0
    assert 0.0 <= r["acc"] <= 1.0


def test_program_h5(tmp_path):
    r = program(str(tmp_path), "best_model.h5")
    assert r["params"] == 25858 and r["train_acc"] > 0.85
