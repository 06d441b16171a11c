import ember as tf
from ember import keras
from ember.keras.layers import Dense, Input

# (Model definition from Example 2 is assumed here)
# ...

# Compile the model (this is crucial for converting KerasTensors to TensorFlow Tensors)
model.compile(optimizer='adam', loss='mse')

# Training data as TensorFlow Tensors
x_train = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
y_train = tf.constant([[0.1], [0.8], [0.5]])

# Training (implicitly involves converting KerasTensors to TensorFlow Tensors)
model.fit(x_train, y_train, epochs=10)

# Prediction (the model now automatically handles the conversions)
predictions = model.predict(tf.constant([[7.0, 8.0]]))
print(f"Predictions: {predictions}")
