"""Image classification from scratch (Cats vs Dogs, keras-io; TensorFlow version).

Source: https://keras.io/examples/vision/image_classification_from_scratch/
(keras-team/keras-io examples/vision/image_classification_from_scratch.py)

Changes: imports (`import ember as tf`, `from ember import keras`); the Kaggle PetImages
archive is 2 x 24 small synthetic JPEGs (Cat: reddish, Dog: bluish, plus one corrupted
file per class that the example's JFIF filter removes) written with PIL to a temporary
directory; image_size 180 -> 32, batch_size 128 -> 16; the Xception-like model keeps its
structure with filter counts divided by 8 (128 -> 16, [256, 512, 728] -> [32, 64, 91],
1024 -> 128); epochs 25 -> 1, `verbose=0`; plots dropped.
"""

import os

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import layers


def write_pet_images(root, n=24, seed=0):
    from PIL import Image
    rng = np.random.default_rng(seed)
    for folder_name, channel in (("Cat", 0), ("Dog", 2)):
        d = os.path.join(root, "PetImages", folder_name)
        os.makedirs(d)
        for i in range(n):
            img = rng.integers(0, 90, (40, 48, 3)).astype("uint8")
            img[..., channel] += 150
            Image.fromarray(img).save(os.path.join(d, f"{i}.jpg"), "JPEG")
        with open(os.path.join(d, f"{n}.jpg"), "wb") as f:
            f.write(b"not a jpeg at all")


def program(tmp="/tmp"):
    write_pet_images(tmp)
    os.chdir(tmp)
    num_skipped = 0
    for folder_name in ("Cat", "Dog"):
        folder_path = os.path.join("PetImages", folder_name)
        for fname in os.listdir(folder_path):
            fpath = os.path.join(folder_path, fname)
            try:
                fobj = open(fpath, "rb")
                is_jfif = tf.compat.as_bytes("JFIF") in fobj.peek(10)
            finally:
                fobj.close()
            if not is_jfif:
                num_skipped += 1
                os.remove(fpath)
    print("Deleted %d images" % num_skipped)

    image_size = (32, 32)
    batch_size = 16
    train_ds = tf.keras.preprocessing.image_dataset_from_directory(
        "PetImages",
        validation_split=0.2,
        subset="training",
        seed=1337,
        image_size=image_size,
        batch_size=batch_size,
    )
    val_ds = tf.keras.preprocessing.image_dataset_from_directory(
        "PetImages",
        validation_split=0.2,
        subset="validation",
        seed=1337,
        image_size=image_size,
        batch_size=batch_size,
    )
    data_augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
        ]
    )
    train_ds = train_ds.prefetch(buffer_size=32)
    val_ds = val_ds.prefetch(buffer_size=32)

    def make_model(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = data_augmentation(inputs)
        x = layers.Rescaling(1.0 / 255)(x)
        x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        previous_block_activation = x
        for size in [32, 64, 91]:
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)
            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
            residual = layers.Conv2D(size, 1, strides=2, padding="same")(
                previous_block_activation
            )
            x = layers.add([x, residual])
            previous_block_activation = x
        x = layers.SeparableConv2D(128, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.GlobalAveragePooling2D()(x)
        if num_classes == 2:
            activation = "sigmoid"
            units = 1
        else:
            activation = "softmax"
            units = num_classes
        x = layers.Dropout(0.5)(x)
        outputs = layers.Dense(units, activation=activation)(x)
        return keras.Model(inputs, outputs)

    model = make_model(input_shape=image_size + (3,), num_classes=2)
    epochs = 1
    callbacks = [keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras")]
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(train_ds, epochs=epochs, callbacks=callbacks,
                        validation_data=val_ds, verbose=0)
    img = keras.preprocessing.image.load_img("PetImages/Cat/6.jpg", target_size=image_size)
    img_array = keras.preprocessing.image.img_to_array(img)
    img_array = tf.expand_dims(img_array, 0)
    predictions = model.predict(img_array, verbose=0)
    score = predictions[0]
    return dict(skipped=num_skipped, class_names=train_ds.class_names if hasattr(
        train_ds, "class_names") else None, params=model.count_params(),
                keys=sorted(history.history), img=list(img_array.shape),
                score=0.0 <= float(score[0]) <= 1.0, saved=os.path.exists("save_at_1.keras"))


def test_program(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = program(str(tmp_path))
    assert r["skipped"] == 2
    assert r["params"] == TF_PARAMS
    assert r["keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert r["img"] == [1, 32, 32, 3] and r["score"] and r["saved"]


TF_PARAMS = 48665                       # TF 2.21
