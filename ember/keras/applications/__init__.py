"""`keras.applications`: Keras 3's pretrained image models, built from ember's layers with
Keras' layer names, order and weight shapes, so Keras' weights load unchanged.

Built: ResNet50/101/152 (`resnet`, `resnet50`), ResNet50V2/101V2/152V2 (`resnet_v2`),
MobileNet (`mobilenet`), MobileNetV2 (`mobilenet_v2`), MobileNetV3Small/Large
(`mobilenet_v3`), EfficientNetB0-B7 (`efficientnet`), EfficientNetV2B0-B3/S/M/L
(`efficientnet_v2`), VGG16 (`vgg16`), VGG19 (`vgg19`),
DenseNet121/169/201 (`densenet`), ConvNeXtTiny/Small/Base/Large/XLarge (`convnext`),
Xception (`xception`) and InceptionV3 (`inception_v3`), with each module's
`preprocess_input` and `decode_predictions` (`imagenet_utils`).

`weights="imagenet"` reads Keras' published `.h5` file from the Keras cache
(`$KERAS_HOME/models/` or `~/.keras/models/`): ember does not download it, and a missing
file raises `FileNotFoundError` naming the file, its URL and where to put it. The other
Keras applications (InceptionResNetV2, NASNet) raise
NotImplementedError.

Example:
    >>> from ember import keras
    >>> model = keras.applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3),
    ...                                             classes=4)
    >>> model.output_shape
    TensorShape([None, 4])
"""

from __future__ import annotations

from typing import Any, Callable

from . import (convnext, densenet, efficientnet, efficientnet_v2,  # noqa: F401
               imagenet_utils,
               inception_v3, mobilenet, mobilenet_v2, mobilenet_v3, resnet, resnet50,
               resnet_v2, vgg16, vgg19, xception)
from .convnext import (ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny,
                       ConvNeXtXLarge)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2,
                              EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M,
                              EfficientNetV2S)
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

_NOT_BUILT = ("InceptionResNetV2", "NASNetMobile", "NASNetLarge")


def _not_built(name: str) -> Callable:
    def constructor(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"keras.applications.{name} is not available in ember yet. The built models "
            f"are: ResNet50/101/152, ResNet50V2/101V2/152V2, MobileNet, "
            f"MobileNetV2, MobileNetV3Small/Large, EfficientNetB0-B7, "
            f"EfficientNetV2B0-B3/S/M/L, VGG16, VGG19, "
            f"DenseNet121/169/201, ConvNeXtTiny/Small/Base/Large/XLarge, Xception and "
            f"InceptionV3.")
    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = "Not available in ember yet: raises NotImplementedError."
    return constructor


for _name in _NOT_BUILT:
    globals()[_name] = _not_built(_name)
del _name

__all__ = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny",
           "ConvNeXtXLarge", "DenseNet121", "DenseNet169", "DenseNet201",
           "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
           "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
           "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
           "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L",
           "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large",
           "MobileNetV3Small", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2",
           "ResNet101V2", "ResNet152V2", "VGG16", "VGG19",
           "Xception", "convnext", "densenet", "efficientnet", "efficientnet_v2",
           "imagenet_utils",
           "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3", "resnet",
           "resnet50", "resnet_v2", "vgg16", "vgg19", "xception",
           *_NOT_BUILT]
