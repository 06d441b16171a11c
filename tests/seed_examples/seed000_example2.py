import ember as tf
from ember import keras
from ember.keras.layers import Input, Dense

# Define a TensorFlow variable
tf_var = tf.Variable(tf.random.normal((1, 10)), dtype=tf.float32)

# Define a functional Keras model
input_tensor = Input(shape=(10,))
x = Dense(5, activation='relu')(input_tensor)
output_tensor = Dense(1, activation='sigmoid')(x)
model = keras.Model(inputs=input_tensor, outputs=output_tensor)

# Use tf.identity to create a tensor and perform the forward pass
tensor_input = tf.identity(tf_var)
prediction = model.predict(tensor_input)

print(f"Prediction from functional model: {prediction}")

