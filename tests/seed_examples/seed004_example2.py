import ember as tf
from ember import keras
from ember.keras.layers import Dense, Input

# Define the input KerasTensor
input_tensor = keras.Input(shape=(2,))

# Define layers using KerasTensors implicitly
dense_layer_1 = Dense(units=4, activation='relu')(input_tensor)
dense_layer_2 = Dense(units=1, activation='sigmoid')(dense_layer_1)

# Create the model
model = keras.Model(inputs=input_tensor, outputs=dense_layer_2)

# Print the model summary â€“ note the KerasTensor representation
model.summary()

# This will be a KerasTensor (symbolic) until compiled and data is fed
output_tensor = model(tf.constant([[1.0,2.0], [3.0, 4.0]]))
print(f"Output Tensor shape (Symbolic until evaluated): {output_tensor.shape}")
