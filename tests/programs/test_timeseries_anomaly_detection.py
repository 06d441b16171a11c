"""Timeseries anomaly detection using an Autoencoder (keras-io).

Source: https://keras.io/examples/timeseries/timeseries_anomaly_detection/
(keras-team/keras-io examples/timeseries/timeseries_anomaly_detection.py)

Changes: imports (`from ember import keras`); pandas is not used: the Numenta NAB series
(`art_daily_small_noise.csv` / `art_daily_jumpsup.csv`, 288 points a day read with
`pd.read_csv`) are synthetic daily sine waves as NumPy arrays, 3 days for training instead
of 14, a jump of +40 in the test day as in `jumpsup`; epochs 50 -> 3, `verbose=0`; plots
dropped.
"""

import numpy as np

from ember import keras
from ember.keras import layers

TIME_STEPS = 288


def series(days, jump=False, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(days * TIME_STEPS)
    v = 20 + 20 * (np.sin(2 * np.pi * t / TIME_STEPS) > 0) + rng.normal(0, 1, t.size)
    if jump:
        v[TIME_STEPS + 100: TIME_STEPS + 130] += 40
    return v.reshape(-1, 1)


def create_sequences(values, time_steps=TIME_STEPS):
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i: (i + time_steps)])
    return np.stack(output)


def program():
    df_small_noise = series(3)
    training_mean = df_small_noise.mean()
    training_std = df_small_noise.std()
    df_training_value = (df_small_noise - training_mean) / training_std
    x_train = create_sequences(df_training_value)
    print("Training input shape: ", x_train.shape)

    model = keras.Sequential(
        [
            layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
            layers.Conv1D(
                filters=32, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1D(
                filters=16, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Conv1DTranspose(
                filters=16, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1DTranspose(
                filters=32, kernel_size=7, padding="same", strides=2, activation="relu"
            ),
            layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    model.summary()
    history = model.fit(
        x_train,
        x_train,
        epochs=3,
        batch_size=128,
        validation_split=0.1,
        callbacks=[
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")
        ],
        verbose=0,
    )
    x_train_pred = model.predict(x_train, verbose=0)
    train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)
    threshold = np.max(train_mae_loss)
    print("Reconstruction error threshold: ", threshold)

    df_test_value = (series(3, jump=True, seed=1) - training_mean) / training_std
    x_test = create_sequences(df_test_value)
    x_test_pred = model.predict(x_test, verbose=0)
    test_mae_loss = np.mean(np.abs(x_test_pred - x_test), axis=1)
    test_mae_loss = test_mae_loss.reshape((-1))
    anomalies = test_mae_loss > threshold
    print("Number of anomaly samples: ", np.sum(anomalies))
    anomalous_data_indices = []
    for data_idx in range(TIME_STEPS - 1, len(df_test_value) - TIME_STEPS + 1):
        if np.all(anomalies[data_idx - TIME_STEPS + 1: data_idx]):
            anomalous_data_indices.append(data_idx)
    return dict(x_shape=x_train.shape, params=model.count_params(),
                out_shape=x_train_pred.shape, keys=sorted(history.history),
                n_anomalies=int(np.sum(anomalies)))


def test_program():
    r = program()
    assert r["x_shape"] == (577, 288, 1) and r["out_shape"] == (577, 288, 1)
    assert r["params"] == TF_PARAMS
    assert r["keys"] == ["loss", "val_loss"]
    assert r["n_anomalies"] > 0             # the jump: TF 2.21 on the same data 315 (3 epochs)


TF_PARAMS = 9505                         # TF 2.21
