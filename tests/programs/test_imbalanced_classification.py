"""Imbalanced classification: credit card fraud detection (keras-io).

Source: https://keras.io/examples/structured_data/imbalanced_classification/
(keras-team/keras-io examples/structured_data/imbalanced_classification.py)

Changes: `import keras` -> `from ember import keras`; creditcard.csv (284,807 rows, 30
features + quoted "Class") is a 2,000-row synthetic CSV in the same layout, 3% positives,
written to a temporary directory and read with the example's own csv code; epochs 30 -> 5,
`verbose=0`; the per-epoch checkpoint files go to the temporary directory.
"""

import os

import numpy as np

from ember import keras


def write_creditcard(path, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.03).astype(int)
    x = rng.normal(size=(n, 30))
    x[:, 1:5] += 2.5 * y[:, None]
    x[:, 0] = np.arange(n)                       # "Time"
    x[:, 29] = np.abs(x[:, 29]) * 80             # "Amount"
    header = ['"Time"'] + [f'"V{i}"' for i in range(1, 29)] + ['"Amount"', '"Class"']
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row, t in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f',"{t}"\n')


def program(tmp="/tmp"):
    fname = os.path.join(tmp, "creditcard.csv")
    write_creditcard(fname)
    all_features = []
    all_targets = []
    with open(fname) as f:
        for i, line in enumerate(f):
            if i == 0:
                print("HEADER:", line.strip())
                continue  # Skip header
            fields = line.strip().split(",")
            all_features.append([float(v.replace('"', "")) for v in fields[:-1]])
            all_targets.append([int(fields[-1].replace('"', ""))])
            if i == 1:
                print("EXAMPLE FEATURES:", all_features[-1])

    features = np.array(all_features, dtype="float32")
    targets = np.array(all_targets, dtype="uint8")
    print("features.shape:", features.shape)
    print("targets.shape:", targets.shape)

    num_val_samples = int(len(features) * 0.2)
    train_features = features[:-num_val_samples]
    train_targets = targets[:-num_val_samples]
    val_features = features[-num_val_samples:]
    val_targets = targets[-num_val_samples:]

    counts = np.bincount(train_targets[:, 0])
    weight_for_0 = 1.0 / counts[0]
    weight_for_1 = 1.0 / counts[1]

    mean = np.mean(train_features, axis=0)
    train_features -= mean
    val_features -= mean
    std = np.std(train_features, axis=0)
    train_features /= std
    val_features /= std

    model = keras.Sequential(
        [
            keras.Input(shape=train_features.shape[1:]),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.summary()
    metrics = [
        keras.metrics.FalseNegatives(name="fn"),
        keras.metrics.FalsePositives(name="fp"),
        keras.metrics.TrueNegatives(name="tn"),
        keras.metrics.TruePositives(name="tp"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
    ]
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics
    )
    callbacks = [keras.callbacks.ModelCheckpoint(
        os.path.join(tmp, "fraud_model_at_epoch_{epoch}.keras"))]
    class_weight = {0: weight_for_0, 1: weight_for_1}
    history = model.fit(
        train_features,
        train_targets,
        batch_size=2048,
        epochs=5,
        verbose=0,
        callbacks=callbacks,
        validation_data=(val_features, val_targets),
        class_weight=class_weight,
    )
    last = {k: v[-1] for k, v in history.history.items()}
    return dict(shape=features.shape, params=model.count_params(),
                keys=sorted(history.history), checkpoints=len(
                    [f for f in os.listdir(tmp) if f.startswith("fraud_model")]),
                val_total=last["val_fn"] + last["val_fp"] + last["val_tn"] + last["val_tp"],
                val_recall=last["val_recall"], val_positives=int(val_targets.sum()))


def test_program(tmp_path):
    r = program(str(tmp_path))
    assert r["shape"] == (2000, 30)
    assert r["params"] == 139777                # TF 2.21: 139,777
    assert r["keys"] == sorted(["fn", "fp", "tn", "tp", "precision", "recall", "loss"]
                               + ["val_" + k for k in ["fn", "fp", "tn", "tp", "precision",
                                                       "recall", "loss"]])
    assert r["checkpoints"] == 5
    assert r["val_total"] == 400
    assert r["val_recall"] > 0.7                # TF 2.21 on the same data: see docs/programs.md
