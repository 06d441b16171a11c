"""Keras 3's alternative names of layers: each alias is the same class object as the
layer it names (`keras.layers.MaxPool2D is keras.layers.MaxPooling2D`), so its configs
and saved files name the layer's own class.

Example:
    >>> from ember import keras
    >>> keras.layers.Convolution2D is keras.layers.Conv2D
    True
"""

from __future__ import annotations

from .convolutional import Conv1D, Conv2D
from .convolutional_1d_extra import SeparableConv1D
from .convolutional_3d import (AveragePooling3D, Conv3D, Conv3DTranspose,
                               GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D)
from .convolutional_extra import Conv1DTranspose, Conv2DTranspose, SeparableConv2D
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
                      GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                      MaxPooling1D, MaxPooling2D)

__all__ = ["AvgPool1D", "AvgPool2D", "AvgPool3D", "Convolution1D", "Convolution1DTranspose",
           "Convolution2D", "Convolution2DTranspose", "Convolution3D",
           "Convolution3DTranspose", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "MaxPool1D", "MaxPool2D",
           "MaxPool3D", "SeparableConvolution1D", "SeparableConvolution2D"]

MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
