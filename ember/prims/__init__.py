"""The primitive layer, between core and the op library (as JAX's `lax` under `jnp`).

Each module declares primitives (`*_p`) with their shape rules and, on the lines after,
their gradient rules, written with `bind` on the primitives of this layer only; the thin
ops that convert operands and bind one primitive sit beside them. Modules in import
order, each importing only earlier ones (and core):

- `values`: partly known values of symbolic int tensors; static arguments.
- `array`: cast, reshape, transpose, broadcast_to, concat, split, reverse, range, shape,
  and the helpers that build shapes read at run time.
- `convert`: constant, convert_to_tensor, identity, stop_gradient, and the operand
  conversions every op uses (`as_tensor`, `pair`).
- `math`: the elementwise primitives (arithmetic, comparisons, logic, unary functions,
  select) and complex numbers.
- `linalg`: matmul and einsum. `roll`: roll.
- `index_dynamic`, `index`: strided slicing (static and run-time entries) and pad.
- `reduce`: reductions, scans, argmax/argmin, and tile.
- `gather`: gather, gather_nd, the scatters, bincount. `sort`: sort, top_k, unique,
  searchsorted.
- `nn`: relu and the fused sparse softmax cross-entropy. `batch_norm`: batch
  normalization's training forward and gradient, fused. `conv`: convolution and pooling
  with their gradient primitives. `fusion`: bias_relu and max_pool2d_grad_relu, which
  only the NumPy executor's peephole rewrites create (core/rewrite.py). `depthwise`: the
  depthwise convolution and its two gradient primitives.
- Issue 18's op library: `special` (lgamma, digamma, igamma, betainc, zeta, erfinv,
  bessel ...), `linalg_decomp` (cholesky, solves, det, qr, svd, eigh, eig), `linalg_lu` and
  `linalg_matfunc` (expm, sqrtm, logm), `signal` (fft, rfft, irfft), `nn_more` (ctc_loss
  and its gradient), `top_more` (ensure_shape, bitcast, random_index_shuffle).
- `random`: the stateless samplers. `strings`: the tf.strings primitives.
- `control`: cond and while_loop, higher-order primitives whose params are traced
  sub-graphs. `effects`: debug_check, debug_print, py_func and fused_update, effect
  primitives a compiled plan always runs.

A module imports only core and the modules above it in this list (`tests/test_layers.py`
checks there is no circle). tf.io's file-format primitives (decode_image, parse_example,
...) are declared with their formats in `ember/io`: leaves without gradients.

The composites (square, zeros_like, stack, gather's users, ...) live in `ember.ops`.

Example:
    >>> import ember as tf
    >>> from ember.prims.math import add
    >>> add(tf.constant([1, 2]), 3).numpy()
    array([4, 5], dtype=int32)
"""
