"""`keras.ops`: Keras 3's op namespace on ember.

NumPy-style ops (`keras.ops.numpy`), neural-network ops (`keras.ops.nn`), linear algebra
(`keras.ops.linalg`), math and core ops (`cond`, `while_loop`, `scatter`,
`convert_to_numpy`, ...), all at the top level as in Keras 3; image ops in
`keras.ops.image`.
Each works on ember Tensors, Variables, NumPy arrays and KerasTensors (in a functional
model it is recorded as every ember op is), with Keras 3's dtype promotion
(`ember/keras/ops/_dtypes.py`), and has gradients (built from ember's ops).

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> keras.ops.add(np.array([1, 2], "int32"), 0.5).numpy()
    array([1.5, 2.5], dtype=float32)
"""

from __future__ import annotations

from . import image, linalg, nn, numpy  # noqa: F401  (keras.ops.<submodule>)
from ._elementwise_math import *  # noqa: F401,F403
from ._linalg_math import *  # noqa: F401,F403
from ._math_reduce import *  # noqa: F401,F403
from ._numpy_array import *  # noqa: F401,F403
from ._numpy_elementwise import *  # noqa: F401,F403
from ._numpy_reduce import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from . import op_node as _op_node  # noqa: E402

# keras.ops calls on KerasTensors become Keras 3 op nodes (see op_node.py), at the top
# level and in the submodules alike (one wrapper per function)
_wrapped: dict = {}
for _name in _op_node.OPS:
    for _mod in (globals(), vars(numpy), vars(nn), vars(linalg), vars(image)):
        _fn = _mod.get(_name)
        if callable(_fn) and _op_node.records(_fn):
            if id(_fn) not in _wrapped:
                _wrapped[id(_fn)] = _op_node.recording(_fn, _name)
            _mod[_name] = _wrapped[id(_fn)]
del _name, _mod, _fn, _wrapped
