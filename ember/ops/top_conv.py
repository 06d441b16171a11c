"""TF 2.21's top-level convolution ops and `approx_top_k`: `tf.conv` (the rank-generic raw
Conv op), `tf.conv2d_backprop_filter_v2` / `tf.conv2d_backprop_input_v2` (the gradients
of a 2-D convolution given the filter and the input themselves), written with
`tf.nn.convolution` / `tf.nn.conv2d` and their gradients; `tf.approx_top_k` over
`tf.math.approx_max_k` / `approx_min_k` (exact, as those).

Example:
    >>> import ember as tf
    >>> x = tf.ones([1, 4, 4, 1])
    >>> tf.conv(x, tf.ones([2, 2, 1, 1]), strides=[1, 1, 1, 1], padding="VALID").shape
    TensorShape([1, 3, 3, 1])
"""

from __future__ import annotations

from typing import Any

from ..core.errors import InvalidArgumentError
from ..core.tape import GradientTape
from ..prims.convert import as_tensor
from .conv_ops import conv2d
from .math_more import approx_max_k, approx_min_k
from .nn_more import convolution


def _spatial(values: Any, rank: int, channels_last: bool, what: str, op: str) -> Any:
    """The spatial entries of a full-length (rank) strides / dilations list."""
    if values is None or len(values) == 0:
        return None
    v = [int(s) for s in values]
    if len(v) != rank:
        raise InvalidArgumentError(f"{op}: {what} must have {rank} entries (one per dim of "
                                   f"the input, batch and channels 1), received {values}.")
    return v[1:-1] if channels_last else v[2:]


def conv(input: Any, filter: Any, strides: Any, padding: str, explicit_paddings: Any = (),
         data_format: str = "CHANNELS_LAST", dilations: Any = (), batch_dims: int = 1,
         groups: int = 1, name: str | None = None) -> Any:
    """TF's raw `Conv` op: an N-D convolution with full-length `strides` / `dilations`
    (one entry per dim of `input`), `data_format` 'CHANNELS_LAST' or 'CHANNELS_FIRST'.

    `explicit_paddings`, `batch_dims` other than 1 and `groups` other than 1 raise
    NotImplementedError.

    Example:
        >>> import ember as tf
        >>> y = tf.conv(tf.ones([1, 5, 1]), tf.ones([3, 1, 2]), [1, 2, 1], "SAME")
        >>> y.shape, float(y[0, 0, 0])
        (TensorShape([1, 3, 2]), 2.0)
    """
    x, f = as_tensor(input), as_tensor(filter)
    if padding == "EXPLICIT" or explicit_paddings:
        raise NotImplementedError("tf.conv: explicit paddings are not supported by ember; "
                                  "pad the input with tf.pad and use padding='VALID'.")
    if batch_dims != 1 or groups != 1:
        raise NotImplementedError("tf.conv: ember supports batch_dims=1 and groups=1; use "
                                  "tf.reshape for more batch dims.")
    if data_format not in ("CHANNELS_LAST", "CHANNELS_FIRST"):
        raise InvalidArgumentError(f"tf.conv: data_format must be 'CHANNELS_LAST' or "
                                   f"'CHANNELS_FIRST', received {data_format!r}.")
    last = data_format == "CHANNELS_LAST"
    rank = x.shape.rank
    n = rank - 2
    fmt = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}.get(n)
    if fmt is None:
        raise InvalidArgumentError(f"tf.conv: the input must have 3 to 5 dims (1 to 3 "
                                   f"spatial), received shape {x.shape}.")
    return convolution(x, f, strides=_spatial(strides, rank, last, "strides", "tf.conv"),
                       padding=padding, data_format=fmt[0] if last else fmt[1],
                       dilations=_spatial(dilations, rank, last, "dilations", "tf.conv"))


def _conv2d_grads(input: Any, filter: Any, out_backprop: Any, strides: Any, padding: str,
                  data_format: str, dilations: Any) -> tuple:
    x, f, g = as_tensor(input), as_tensor(filter), as_tensor(out_backprop)
    with GradientTape() as tape:
        tape.watch(x)
        tape.watch(f)
        y = conv2d(x, f, strides, padding, data_format=data_format, dilations=dilations)
    return tuple(tape.gradient(y, [x, f], output_gradients=g))


def conv2d_backprop_filter_v2(input: Any, filter: Any, out_backprop: Any, strides: Any,
                              padding: str, use_cudnn_on_gpu: bool = True,
                              explicit_paddings: Any = (), data_format: str = "NHWC",
                              dilations: Any = (1, 1, 1, 1), name: str | None = None) -> Any:
    """The gradient of `tf.nn.conv2d(input, filter, ...)` w.r.t. `filter` for the output
    gradient `out_backprop` (TF's Conv2DBackpropFilterV2: the filter itself, not its
    sizes).

    Example:
        >>> import ember as tf
        >>> x, w = tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1])
        >>> tf.conv2d_backprop_filter_v2(x, w, tf.ones([1, 2, 2, 1]), [1, 1, 1, 1],
        ...                              "VALID").numpy().ravel().tolist()
        [4.0, 4.0, 4.0, 4.0]
    """
    if explicit_paddings:
        raise NotImplementedError("tf.conv2d_backprop_filter_v2: explicit paddings are not "
                                  "supported by ember; pad the input and use 'VALID'.")
    return _conv2d_grads(input, filter, out_backprop, strides, padding, data_format,
                         dilations)[1]


def conv2d_backprop_input_v2(input: Any, filter: Any, out_backprop: Any, strides: Any,
                             padding: str, use_cudnn_on_gpu: bool = True,
                             explicit_paddings: Any = (), data_format: str = "NHWC",
                             dilations: Any = (1, 1, 1, 1), name: str | None = None) -> Any:
    """The gradient of `tf.nn.conv2d(input, filter, ...)` w.r.t. `input` for the output
    gradient `out_backprop` (TF's Conv2DBackpropInputV2: the input itself, not its sizes).

    Example:
        >>> import ember as tf
        >>> x, w = tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1])
        >>> tf.conv2d_backprop_input_v2(x, w, tf.ones([1, 2, 2, 1]), [1, 1, 1, 1],
        ...                             "VALID").numpy()[0, :, :, 0].tolist()
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    if explicit_paddings:
        raise NotImplementedError("tf.conv2d_backprop_input_v2: explicit paddings are not "
                                  "supported by ember; pad the input and use 'VALID'.")
    return _conv2d_grads(input, filter, out_backprop, strides, padding, data_format,
                         dilations)[0]


def approx_top_k(input: Any, k: int, reduction_dimension: int = -1,
                 recall_target: float = 0.95, is_max_k: bool = True,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True,
                 name: str | None = None) -> tuple:
    """(values, indices) of the k largest (`is_max_k`) or smallest entries along
    `reduction_dimension`: `tf.math.approx_max_k` / `approx_min_k` (exact on ember).

    Example:
        >>> import ember as tf
        >>> v, i = tf.approx_top_k(tf.constant([3.0, 1.0, 2.0]), 2)
        >>> v.numpy().tolist(), i.numpy().tolist()
        ([3.0, 2.0], [0, 2])
    """
    fn = approx_max_k if is_max_k else approx_min_k
    return fn(input, k, reduction_dimension=reduction_dimension, recall_target=recall_target,
              reduction_input_size_override=reduction_input_size_override,
              aggregate_to_topk=aggregate_to_topk)
