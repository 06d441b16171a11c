"""Exporting ember programs to other runtimes.

- `onnx_export`: a traced graph (`ember.function`) to an ONNX model; the public entry
  point is `ember.onnx.export`. The per-primitive mappings are in `onnx_ops` (elementwise,
  shape and reduction primitives), `onnx_ops_nn` (matmul, einsum, convolution, pooling,
  normalization, softmax) and `onnx_ops_control` (cond and while_loop, as ONNX If / Loop).

Example:
    >>> import ember.export
    >>> ember.export.__name__
    'ember.export'
"""
