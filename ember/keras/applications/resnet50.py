"""`keras.applications.resnet50`: ResNet50 with its preprocessing ("caffe" mode) and
ImageNet label decoding (the same objects as in `keras.applications.resnet`).

Example:
    >>> from ember.keras.applications import resnet50
    >>> model = resnet50.ResNet50(weights=None, include_top=False, pooling="avg",
    ...                           input_shape=(32, 32, 3))
    >>> model.output_shape
    TensorShape([None, 2048])
"""

from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
