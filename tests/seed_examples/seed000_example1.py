import ember as tf
import numpy as np
from ember import keras
from ember.keras.layers import Dense

# Define a TensorFlow variable
tf_var = tf.Variable(np.random.rand(1, 10), dtype=tf.float32)

# Define a simple Keras sequential model
model = keras.Sequential([
    Dense(5, activation='relu', input_shape=(10,)),
    Dense(1, activation='sigmoid')
])

# Convert the TensorFlow variable to a NumPy array and perform the forward pass
numpy_array = tf_var.numpy()
prediction = model.predict(numpy_array)

print(f"Prediction from sequential model: {prediction}")
