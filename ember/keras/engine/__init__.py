"""The Keras engine: KerasTensor, Node, Layer, InputSpec, Input."""
