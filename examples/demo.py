"""ember demo: TensorFlow's tensor programming model, on NumPy.

Run with `make demo`. Every line below is TF code with `import ember as tf`.
"""

import sys

import numpy as np

import ember as tf


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 60 - len(title)))


section("Tensors")
a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
b = tf.constant([[5.0, 6.0], [7.0, 8.0]])
print(a)
print("a + b =", a + b)
print("a @ b =", tf.matmul(a, b))
print("a[0, 1] =", a[0, 1])
print(repr(tf.reduce_sum(a, axis=-1)))

section("dtypes: no silent promotion, Python numbers are weak")
print("constant(1.5):", repr(tf.constant(1.5).dtype), "| constant(1):", repr(tf.constant(1).dtype),
      "| NumPy float64 array:", repr(tf.constant(np.zeros(2)).dtype))
print("float16 tensor * 2.0 ->", repr((tf.constant([1.0], dtype=tf.float16) * 2.0).dtype))
try:
    a + tf.constant([[1.0, 2.0]], dtype=tf.float64)
except TypeError as e:
    print("TypeError:", e)

section("Variables: mutable, usable wherever a Tensor is")
v = tf.Variable(np.random.default_rng(0).random((1, 4)), dtype=tf.float32, name="w")
print(v)
v.assign_add(tf.ones([1, 4]))
v[0, :2].assign([0.0, 0.0])
print("after assign_add and v[0, :2].assign:", v.numpy())
print("v * 2 (no copy, no conversion) =", v * 2)

section("Clear errors")
for bad in (lambda: a + tf.constant([1.0, 2.0, 3.0]),
            lambda: tf.reduce_sum(a, axis=3),
            lambda: v.assign([1.0, 2.0])):
    try:
        bad()
    except Exception as e:  # noqa: BLE001 - the demo shows each error
        print(f"{type(e).__name__}: {e}")

section("Ops: nn, random, linalg")
tf.random.set_seed(42)
x = tf.random.normal([2, 3])
print("softmax:", tf.nn.softmax(x))
print("top_k:", tf.math.top_k(tf.constant([3, 1, 4, 1, 5]), k=2).values)
print("one_hot:", tf.one_hot([0, 2], depth=3))
print("norm:", tf.norm(tf.constant([3.0, 4.0])))

section("GradientTape: gradients of anything written with ember ops")
w = tf.Variable([[0.5], [-0.5]])
x = tf.constant([[1.0, 2.0]])
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) - 1.0))
print("d loss / d w =", tape.gradient(loss, w).numpy().ravel())

section("ember.function: traced once, then run as a compiled graph")


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    w.assign_sub(0.1 * tape.gradient(loss, w))
    return loss


data_x = tf.random.normal([64, 2], seed=1)
data_y = tf.matmul(data_x, tf.constant([[2.0], [-3.0]]))
for epoch in range(100):
    loss = train_step(data_x, data_y)
print(f"loss after 100 steps: {float(loss):.6f}; w = {w.numpy().ravel()} (true [2, -3]); "
      f"traced {train_step.experimental_get_tracing_count()} time(s)")
print(train_step.get_concrete_function(data_x, data_y).graph)

section("Keras: a Variable straight into a model (seed 000), KerasTensors that take any op")
from ember import keras  # noqa: E402
from ember.keras.layers import Dense, Input  # noqa: E402

tf_var = tf.Variable(tf.random.normal((1, 10), seed=2))
model = keras.Sequential([Dense(5, activation="relu", input_shape=(10,)),
                          Dense(1, activation="sigmoid")])
print("model.predict(tf_var):", model.predict(tf_var, verbose=0).ravel(),
      "| model(tf_var):", model(tf_var).numpy().ravel())
inputs = Input(shape=(2,))
hidden = Dense(4, activation="relu")(inputs)
outputs = Dense(1, activation="sigmoid")(hidden + tf.reduce_sum(inputs, axis=-1,
                                                                keepdims=True))
functional = keras.Model(inputs, outputs)
functional.summary()
print("on a concrete batch:", functional(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
try:
    model.predict(tf_var[0], verbose=0)
except ValueError as e:
    print("one sample without its batch axis ->", e)

section("Keras training: compile / fit / evaluate (seed 004), then digits")
seed_model = keras.Model(inputs, outputs)  # the functional model above
seed_model.compile(optimizer="adam", loss="mse")
seed_model.fit(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
               tf.constant([[0.1], [0.8], [0.5]]), epochs=3)
print("Predictions:", seed_model.predict(tf.constant([[7.0, 8.0]]), verbose=0))

try:
    from sklearn.datasets import load_digits
except ImportError:
    sys.exit("scikit-learn is not installed: run `make demo` (it installs it) to train on "
             "the handwritten digits.")
digits = load_digits()  # 1,797 8x8 images, shipped with scikit-learn (offline)
images = (digits.data / 16.0).astype("float32")
labels = digits.target
order = np.random.default_rng(0).permutation(len(images))
train, test = order[:1437], order[1437:]
keras.utils.set_random_seed(0)
classifier = keras.Sequential([
    keras.Input((64,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10),
])
classifier.compile(optimizer=keras.optimizers.Adam(1e-3),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   metrics=["accuracy"])
history = classifier.fit(images[train], labels[train], batch_size=32, epochs=40,
                         validation_split=0.1, verbose=2,
                         callbacks=[keras.callbacks.EarlyStopping(
                             monitor="val_loss", patience=5, restore_best_weights=True)])
loss, accuracy = classifier.evaluate(images[test], labels[test], verbose=0)
print(f"Test accuracy on {len(test)} held-out digits: {accuracy:.4f} (loss {loss:.4f}, "
      f"{len(history.epoch)} epochs)")
