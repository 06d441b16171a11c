import ember as tf
from ember import keras
from ember.keras.layers import Input, Dense

# Define multiple TensorFlow variables representing a batch
tf_var1 = tf.Variable(tf.random.normal((1, 10)), dtype=tf.float32)
tf_var2 = tf.Variable(tf.random.normal((1, 10)), dtype=tf.float32)

# Define the functional model (same as Example 2)
input_tensor = Input(shape=(10,))
x = Dense(5, activation='relu')(input_tensor)
output_tensor = Dense(1, activation='sigmoid')(x)
model = keras.Model(inputs=input_tensor, outputs=output_tensor)

# Concatenate the variables into a single batch tensor
batch_tensor = tf.concat([tf.identity(tf_var1), tf.identity(tf_var2)], axis=0)

#Perform prediction on the batch
prediction = model.predict(batch_tensor)

print(f"Batch prediction: {prediction}")
