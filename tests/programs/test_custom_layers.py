"""Custom layers (TF tutorial): Dense usage, a Layer with add_weight, a ResNet identity block
as a subclassed Model, and the same as a Sequential.

Source: https://www.tensorflow.org/tutorials/customization/custom_layers
(tensorflow/docs site/en/tutorials/customization/custom_layers.ipynb)

Changes: imports (`import ember as tf`); displayed values returned; summaries printed, not
compared.
"""


import ember as tf


class MyDenseLayer(tf.keras.layers.Layer):
    def __init__(self, num_outputs):
        super(MyDenseLayer, self).__init__()
        self.num_outputs = num_outputs

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel",
                                      shape=[int(input_shape[-1]),
                                             self.num_outputs])

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)


class ResnetIdentityBlock(tf.keras.Model):
    def __init__(self, kernel_size, filters):
        super(ResnetIdentityBlock, self).__init__(name='')
        filters1, filters2, filters3 = filters

        self.conv2a = tf.keras.layers.Conv2D(filters1, (1, 1))
        self.bn2a = tf.keras.layers.BatchNormalization()

        self.conv2b = tf.keras.layers.Conv2D(filters2, kernel_size, padding='same')
        self.bn2b = tf.keras.layers.BatchNormalization()

        self.conv2c = tf.keras.layers.Conv2D(filters3, (1, 1))
        self.bn2c = tf.keras.layers.BatchNormalization()

    def call(self, input_tensor, training=False):
        x = self.conv2a(input_tensor)
        x = self.bn2a(x, training=training)
        x = tf.nn.relu(x)

        x = self.conv2b(x)
        x = self.bn2b(x, training=training)
        x = tf.nn.relu(x)

        x = self.conv2c(x)
        x = self.bn2c(x, training=training)

        x += input_tensor
        return tf.nn.relu(x)


def program():
    out = {}
    out["gpus"] = tf.config.list_physical_devices('GPU')
    layer = tf.keras.layers.Dense(100)
    layer = tf.keras.layers.Dense(10, input_shape=(None, 5))
    out["dense"] = list(layer(tf.zeros([10, 5])).shape)
    out["dense_vars"] = [list(v.shape) for v in layer.variables]
    layer.kernel, layer.bias

    layer = MyDenseLayer(10)
    _ = layer(tf.zeros([10, 5]))
    out["my_dense_vars"] = [var.name for var in layer.trainable_variables]

    block = ResnetIdentityBlock(1, [1, 2, 3])
    _ = block(tf.zeros([1, 2, 3, 3]))
    out["block_layers"] = [type(l).__name__ for l in block.layers]
    out["block_vars"] = len(block.variables)
    block.summary()

    my_seq = tf.keras.Sequential([tf.keras.layers.Conv2D(1, (1, 1),
                                                         input_shape=(
                                                             None, None, 3)),
                                  tf.keras.layers.BatchNormalization(),
                                  tf.keras.layers.Conv2D(2, 1,
                                                         padding='same'),
                                  tf.keras.layers.BatchNormalization(),
                                  tf.keras.layers.Conv2D(3, (1, 1)),
                                  tf.keras.layers.BatchNormalization()])
    out["seq"] = list(my_seq(tf.zeros([1, 2, 3, 3])).shape)
    my_seq.summary()
    out["seq_params"] = my_seq.count_params()
    return out


def test_program():
    # TF 2.21 stops at the tutorial's `self.add_weight("kernel", shape=...)`: Keras 3 wants
    # name= as a keyword; tf.keras 2 and ember take it positionally. The values below are
    # TF 2.21's for every other cell (run with name="kernel") and arithmetic for the params.
    r = program()
    assert r.pop("gpus") == []                    # a CPU machine, as TF 2.21 says there
    # TF 2.21 (Keras 3) names variables 'kernel'; tf.keras 2, which the tutorial shows,
    # and ember 'my_dense_layer/kernel:0'
    assert [n.split("/")[-1].split(":")[0] for n in r.pop("my_dense_vars")] == ["kernel"]
    assert r == {'dense': [10, 10], 'dense_vars': [[5, 10], [10]],
                 'block_layers': ['Conv2D', 'BatchNormalization', 'Conv2D',
                                  'BatchNormalization', 'Conv2D', 'BatchNormalization'],
                 'block_vars': 18, 'seq': [1, 2, 3, 3], 'seq_params': 41}
