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
- `index_dynamic`, `index`: strided slicing (static and run-time entries) and pad.
- `reduce`: reductions, scans, argmax/argmin, and tile.

The composites (square, zeros_like, stack, gather's users, ...) live in `ember.ops`.

Example:
    >>> import ember as tf
    >>> from ember.prims.math import add
    >>> add(tf.constant([1, 2]), 3).numpy()
    array([4, 5], dtype=int32)
"""
