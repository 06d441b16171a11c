"""The metric contract (`Metric`), the streaming reductions (`Reduce`, `Sum`, `Mean`) and
`MeanMetricWrapper`, which turns a per-sample function into a streaming mean.

A metric keeps its running state in non-trainable ember Variables made by `add_weight`.
`update_state` changes them with `assign` / `assign_add` only, so it runs eagerly and
inside `ember.function` traces alike (there, each assignment becomes an update of the
graph); `result()` reads them; `reset_state()` sets them to zeros.

Example:
    >>> import ember.keras.metrics as metrics
    >>> m = metrics.Mean()
    >>> m.update_state([1.0, 3.0])
    >>> float(m([5.0, 7.0]))
    4.0
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

import ember as tf
from ember.core.variable import Variable
from ember.errors import ShapeError

from .. import initializers
from ..config import floatx
from ..engine.layer_utils import init_scope
from ..engine.naming import to_snake_case, unique_name

__all__ = ["Metric", "Reduce", "Sum", "Mean", "MeanMetricWrapper", "MeanTensor"]

_K2_ORDER = ("name", "shape", "aggregation", "synchronization", "initializer", "dtype")
_K3_ORDER = ("shape", "initializer", "dtype", "aggregation", "name")


# -- small tensor helpers shared by every metric module ----------------------------------

def to_dtype(x: Any, dtype: Any) -> Any:
    """`x` (a Tensor, tracer, Variable, NumPy array or Python value) as a tensor of
    `dtype`, cast only when needed."""
    if not tf.is_tensor(x):
        x = tf.convert_to_tensor(x)
    return x if x.dtype == dtype else tf.cast(x, dtype)


def static_dims(x: Any) -> tuple | None:
    """The static shape of `x` as a tuple (None dims allowed), or None if the rank is
    unknown."""
    shape = x.shape
    return None if shape.rank is None else tuple(shape.as_list())


def match_ranks(y_pred: Any, y_true: Any) -> tuple:
    """Brings `y_pred` / `y_true` whose ranks differ by a trailing size-1 axis to the same
    rank: a rank-1 side gains the axis, else the other side loses it."""
    p, t = static_dims(y_pred), static_dims(y_true)
    if p is None or t is None:
        return y_pred, y_true
    # NOTE: a rank-1 side is expanded rather than the other squeezed (Keras 3's
    # squeeze_or_expand_to_same_rank): (n,) vs (n, 1) must stay one value per sample, or a
    # per-sample metric would average each batch first and weigh batches equally.
    if len(p) == len(t) + 1 and p[-1] == 1:
        if len(t) == 1:
            y_true = tf.expand_dims(y_true, -1)
        else:
            y_pred = tf.squeeze(y_pred, -1)
    elif len(t) == len(p) + 1 and t[-1] == 1:
        if len(p) == 1:
            y_pred = tf.expand_dims(y_pred, -1)
        else:
            y_true = tf.squeeze(y_true, -1)
    return y_pred, y_true


def num_elements(x: Any, dtype: Any) -> Any:
    """The number of elements of `x`: a Python float when the shape is static (no op to
    run), else a tensor of `dtype`."""
    dims = static_dims(x)
    if dims is not None and None not in dims:
        return float(np.prod(dims, dtype=np.int64))
    return tf.cast(tf.size(x), dtype)


def _compatible(w: tuple, v: tuple) -> bool:
    """Whether weights of shape `w` broadcast to values of shape `v` of the same rank
    (each weight dim 1, unknown, or equal)."""
    return all(a == 1 or a is None or b is None or a == b for a, b in zip(w, v))


def fit_weights(who: str, values: Any, sample_weight: Any, reduce: Callable | None) -> tuple:
    """(values, weights) with `weights` broadcastable to `values`, as Keras fits
    `sample_weight`: a trailing size-1 axis is squeezed, or a missing one added; weights of
    still lower rank make `reduce` (mean or sum) fold the trailing axes of `values`.

    Raises:
        ValueError: the shapes do not fit, naming the metric `who`.
    """
    v, w = static_dims(values), static_dims(sample_weight)
    if v is None or w is None or len(w) == 0:
        return values, sample_weight
    if len(w) == len(v) + 1 and w[-1] == 1:
        sample_weight, w = tf.squeeze(sample_weight, -1), w[:-1]
    elif len(w) == len(v) - 1:
        sample_weight, w = tf.expand_dims(sample_weight, -1), w + (1,)
    if len(w) < len(v) and reduce is not None and _compatible(w, v[:len(w)]):
        values = reduce(values, axis=list(range(len(w), len(v))))
        v = v[:len(w)]
    if len(w) != len(v) or not _compatible(w, v):
        raise ShapeError(
            f"{who}: sample_weight of shape {list(w)} does not fit values of shape "
            f"{list(v)}. Pass a scalar, one weight per sample (shape [{v[0] if v else ''}]"
            f"), or weights whose shape broadcasts to the values'.")
    return values, sample_weight


def with_metric_name(err: Exception, metric: Metric) -> Exception:
    """`err` re-raised with the metric named in front, same exception type."""
    try:
        return type(err)(f"{metric._who()}: {err}")
    except Exception:  # an exception class with an unusual constructor: keep it as is
        return err


# -- Metric ---------------------------------------------------------------------------------

class Metric:
    """Base class of metrics: streaming state in Variables, `update_state` / `result` /
    `reset_state` (TF's `keras.metrics.Metric`).

    Args:
        name: the metric's name (default: the class name in snake_case, made unique).
        dtype: dtype of the state and the result (default `keras.backend.floatx()`).

    Example (the Keras "custom metric" guide):
        >>> import ember as tf
        >>> import ember.keras.metrics as metrics
        >>> class CategoricalTruePositives(metrics.Metric):
        ...     def __init__(self, name="categorical_true_positives", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.true_positives = self.add_weight(name="ctp", initializer="zeros")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         y_pred = tf.reshape(tf.argmax(y_pred, axis=1), shape=(-1, 1))
        ...         values = tf.cast(tf.cast(y_true, "int32") == tf.cast(y_pred, "int32"),
        ...                          "float32")
        ...         self.true_positives.assign_add(tf.reduce_sum(values))
        ...     def result(self):
        ...         return self.true_positives
        >>> m = CategoricalTruePositives()
        >>> float(m([[1], [0]], [[0.1, 0.9], [0.3, 0.7]]))
        1.0
        >>> m.reset_state(); float(m.result())
        0.0
    """

    def __init__(self, name: str | None = None, dtype: Any = None, **kwargs: Any):
        kwargs.pop("trainable", None)  # Keras 2 Layer arguments that mean nothing here
        kwargs.pop("autocast", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}; a Metric takes name= and dtype=.")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, received "
                            f"{name!r}.")
        self._name = name or unique_name(to_snake_case(type(self).__name__))
        try:
            self._dtype = tf.as_dtype(dtype if dtype is not None else floatx())
        except (TypeError, ValueError):
            raise TypeError(f"{type(self).__name__}: dtype must be a dtype or its name such "
                            f"as 'float32', received {dtype!r}.") from None
        self._own_variables: list = []

    # -- properties -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        """The dtype of the state and result, as a string (Keras 2)."""
        return self._dtype.name

    @property
    def variables(self) -> list:
        """The state Variables: those made by `add_weight`, then those of Metric
        attributes (a metric that holds other metrics)."""
        out = list(self._own_variables)
        seen = {id(v) for v in out}
        for value in vars(self).values():
            subs = value if isinstance(value, (list, tuple)) else (value,)
            for sub in subs:
                if isinstance(sub, Metric) and sub is not self:
                    for v in sub.variables:
                        if id(v) not in seen:
                            seen.add(id(v))
                            out.append(v)
        return out

    weights = non_trainable_weights = non_trainable_variables = variables

    @property
    def trainable_weights(self) -> list:
        return []

    trainable_variables = trainable_weights

    @property
    def stateful(self) -> bool:
        return True

    def _who(self) -> str:
        return f'{type(self).__name__} "{self.name}"'

    # -- state ----------------------------------------------------------------------------
    def add_weight(self, *args: Any, **kwargs: Any) -> Variable:
        """Creates a non-trainable state Variable (zeros unless `initializer` says
        otherwise) and tracks it. Takes `name, shape, initializer, dtype` by keyword, or
        positionally in Keras 2's order (`add_weight("total", (3,))`) or Keras 3's
        (`add_weight((3,), "zeros")`, shape first).

        Example:
            >>> import ember.keras.metrics as metrics
            >>> m = metrics.Metric(name="m")
            >>> m.add_weight("total", shape=(2,)).numpy()
            array([0., 0.], dtype=float32)
        """
        order = _K2_ORDER if args and isinstance(args[0], str) else _K3_ORDER
        if len(args) > len(order):
            raise TypeError(f"{self._who()}.add_weight: too many positional arguments "
                            f"({len(args)}); pass name=, shape=, initializer=, dtype=.")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"{self._who()}.add_weight got two values for {key}.")
            kwargs[key] = value
        return self._add_weight(**kwargs)

    def _add_weight(self, name: str | None = None, shape: Any = (), initializer: Any = None,
                    dtype: Any = None, aggregation: Any = None, synchronization: Any = None,
                    **kwargs: Any) -> Variable:
        kwargs.pop("trainable", None)
        if kwargs:
            raise TypeError(f"{self._who()}.add_weight: unexpected keyword argument(s) "
                            f"{sorted(kwargs)}.")
        try:
            shape = tuple(int(d) for d in tf.TensorShape(shape if shape is not None else ()))
        except (TypeError, ValueError):
            raise ShapeError(f"{self._who()}.add_weight needs a fully known shape, received "
                             f"{shape!r} for {name!r}.") from None
        dt = tf.as_dtype(dtype) if dtype is not None else self._dtype
        init = initializers.get(initializer if initializer is not None else "zeros")
        name = name or f"variable_{len(self._own_variables)}"
        with init_scope():  # real Variables even when first built inside ember.function
            value = init(shape, dtype=dt) if callable(init) else init
            value = np.broadcast_to(np.asarray(getattr(value, "numpy", lambda: value)(),
                                               dt.as_numpy_dtype), shape)
            var = Variable(value, trainable=False, name=name, dtype=dt,
                           synchronization=tf.VariableSynchronization.ON_READ,
                           aggregation=tf.VariableAggregation.SUM)
        self._own_variables.append(var)
        return var

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulates statistics of a batch into the state Variables."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"update_state(y_true, y_pred, sample_weight=None).")

    def result(self) -> Any:
        """The metric's value from the current state."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self) -> None:
        """Sets every state Variable to zeros (called between epochs).

        Example:
            >>> import ember.keras.metrics as metrics
            >>> m = metrics.Sum(); m.update_state([1.0, 2.0]); m.reset_state()
            >>> float(m.result())
            0.0
        """
        for v in self.variables:
            v.assign(tf.zeros(v.shape, dtype=v.dtype))

    def reset_states(self) -> None:
        """Alias of `reset_state` (TF < 2.5 name)."""
        self.reset_state()

    def merge_state(self, metrics: list) -> None:
        """Adds the state of other metrics of the same kind into this one (sums of
        statistics merge by addition).

        Example:
            >>> import ember.keras.metrics as metrics
            >>> a, b = metrics.Mean(), metrics.Mean()
            >>> a.update_state([1.0]); b.update_state([3.0, 5.0])
            >>> a.merge_state([b]); float(a.result())
            3.0
        """
        mine = self.variables
        for other in metrics:
            theirs = other.variables
            if len(theirs) != len(mine):
                raise ValueError(f"{self._who()}.merge_state: {other!r} has {len(theirs)} "
                                 f"state variables, this metric has {len(mine)}; merge only "
                                 f"metrics of the same kind and configuration.")
            for v, w in zip(mine, theirs):
                v.assign_add(w)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """`update_state(*args, **kwargs)`, then the new `result()` (TF 2 behaviour)."""
        self.update_state(*args, **kwargs)
        out = self.result()
        return out.value() if isinstance(out, Variable) else out

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        """A metric built from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


# -- streaming reductions -----------------------------------------------------------------

_REDUCTIONS = ("sum", "sum_over_batch_size", "weighted_mean")


class Reduce(Metric):
    """Streams a reduction of values: 'sum' (a weighted sum), 'weighted_mean' (sum of
    weighted values / sum of weights) or 'sum_over_batch_size' (/ number of values).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.Reduce("weighted_mean", name="m")
        >>> float(m([1.0, 3.0], sample_weight=[1.0, 3.0]))
        2.5
    """

    def __init__(self, reduction: str, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        reduction = str(reduction).lower()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{self._who()}: reduction must be one of {_REDUCTIONS}, "
                             f"received {reduction!r}.")
        self.reduction = reduction
        self.total = self.add_weight("total")
        if reduction != "sum":
            self.count = self.add_weight("count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Adds the (weighted) `values` of a batch; `sample_weight` is a scalar or
        broadcasts to `values` (a missing trailing axis is added, as in Keras)."""
        values = to_dtype(values, self._dtype)
        if sample_weight is None:
            self.total.assign_add(tf.reduce_sum(values))
            if self.reduction != "sum":
                self.count.assign_add(num_elements(values, self._dtype))
            return
        weights = to_dtype(sample_weight, self._dtype)
        reduce = tf.reduce_sum if self.reduction == "sum" else tf.reduce_mean
        values, weights = fit_weights(f"{self._who()}.update_state", values, weights, reduce)
        self.total.assign_add(tf.reduce_sum(tf.multiply(values, weights)))
        if self.reduction == "weighted_mean":
            if values.shape != weights.shape:
                weights = tf.broadcast_to(weights, tf.shape(values))
            self.count.assign_add(tf.reduce_sum(weights))
        elif self.reduction == "sum_over_batch_size":
            self.count.assign_add(num_elements(values, self._dtype))

    def result(self) -> Any:
        if self.reduction == "sum":
            return tf.identity(self.total)
        return tf.divide_no_nan(self.total, self.count)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is Reduce:
            config["reduction"] = self.reduction
        return config


class Sum(Reduce):
    """The (weighted) sum of all values seen.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.Sum()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0])
        >>> float(m.result())
        16.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__("sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The weighted mean of all values seen: `sum(values * w) / sum(w)`.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.Mean()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
        >>> float(m.result())
        2.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__("weighted_mean", name=name, dtype=dtype)


# The per-sample functions a MeanMetricWrapper config may name, by name and alias; the
# `keras.metrics` package fills it as it is imported (its modules import this one).
METRIC_FUNCTIONS: dict[str, Callable] = {}


def metric_function(name: str) -> Callable:
    """The per-sample metric function of that name or alias (for MeanMetricWrapper
    configs); a clear error if there is none.

    Example:
        >>> import ember.keras.metrics as metrics
        >>> metric_function("mae") is metrics.mean_absolute_error
        True
    """
    fn = METRIC_FUNCTIONS.get(name)
    if fn is None:
        raise ValueError(f"MeanMetricWrapper: unknown metric function {name!r}; pass the "
                         f"function itself, or one of {', '.join(sorted(METRIC_FUNCTIONS))}.")
    return fn


class MeanMetricWrapper(Mean):
    """The running weighted mean of `fn(y_true, y_pred, **kwargs)` over all samples seen.

    Args:
        fn: a function of `(y_true, y_pred, **kwargs)` returning per-sample values.
        name: the metric's name (default: the function's name).
        dtype: dtype of the state and the result.
        **kwargs: passed to `fn` on every call.

    Example:
        >>> import ember as tf
        >>> import ember.keras.metrics as metrics
        >>> def abs_err(y_true, y_pred):
        ...     return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)
        >>> m = metrics.MeanMetricWrapper(abs_err)
        >>> float(m([[0.0, 1.0]], [[1.0, 1.0]])), m.name
        (0.5, 'abs_err')
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype: Any = None,
                 **kwargs: Any):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be a function of (y_true, y_pred), "
                            f"received {fn!r}.")
        if name is None:
            name = getattr(fn, "__name__", None)
            name = name if name and name != "<lambda>" else None
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds `fn(y_true, y_pred)` of a batch (both cast to the metric's dtype; a
        trailing size-1 axis of the one with one more dimension is dropped)."""
        y_true = to_dtype(y_true, self._dtype)
        y_pred = to_dtype(y_pred, self._dtype)
        if not self._user_fn():  # Keras 3 calls a user's function on the tensors as given
            y_pred, y_true = match_ranks(y_pred, y_true)
        try:
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        except (ValueError, TypeError) as err:
            raise with_metric_name(err, self) from err
        super().update_state(values, sample_weight=sample_weight)

    def _user_fn(self) -> bool:
        """Whether this wraps a user's function (not one of ember's): Keras 3 passes it
        `y_true` and `y_pred` as given (a `(batch,)` target against `(batch, 1)`
        predictions broadcasts, as in TF), where ember's own functions match the ranks."""
        if type(self) is not MeanMetricWrapper:
            return False
        fn = self._fn
        module = getattr(fn, "__module__", None) or getattr(type(fn), "__module__", "")
        return not (module == "ember" or module.startswith("ember."))

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            fn_name = getattr(self._fn, "__name__", None)
            if not fn_name or fn_name == "<lambda>":
                raise ValueError(f"{self._who()}: cannot serialize a lambda; wrap a named "
                                 f"function to get a config.")
            config["fn"] = fn_name
        for key, value in self._fn_kwargs.items():
            config[key] = value.numpy().tolist() if tf.is_tensor(value) else value
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            if isinstance(fn, str):
                fn = metric_function(fn)
            return cls(fn, **config)
        return cls(**config)


class MeanTensor(Metric):
    """The elementwise weighted mean of tensors of a fixed shape (set by `shape` or the
    first batch).

    Example:
        >>> import ember.keras.metrics as metrics
        >>> m = metrics.MeanTensor()
        >>> m.update_state([0.0, 1.0, 2.0, 3.0])
        >>> m([4.0, 5.0, 6.0, 7.0]).numpy()
        array([2., 3., 4., 5.], dtype=float32)
    """

    def __init__(self, name: str = "mean_tensor", dtype: Any = None, shape: Any = None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        if shape is not None:
            self._build(tuple(tf.TensorShape(shape).as_list()))

    def _build(self, shape: tuple) -> None:
        if any(d is None for d in shape):
            raise ShapeError(f"{self._who()}: needs a fully known shape, received "
                             f"{list(shape)}.")
        self._shape = shape
        self.total = self.add_weight("total", shape=shape)
        self.count = self.add_weight("count", shape=shape)

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Adds `values` (weighted) elementwise to the running mean."""
        values = to_dtype(values, self._dtype)
        dims = static_dims(values)
        if self._shape is None:
            self._build(dims)
        elif dims is None or len(dims) != len(self._shape) or not _compatible(
                dims, self._shape) or any(d == 1 and s != 1 for d, s in zip(dims, self._shape)):
            raise ShapeError(f"{self._who()}.update_state: values of shape {list(dims or [])} "
                             f"do not match the metric's shape {list(self._shape)}; "
                             f"use a new MeanTensor for another shape.")
        if sample_weight is None:
            self.total.assign_add(values)
            self.count.assign_add(tf.ones_like(values))
            return
        _, weights = fit_weights(f"{self._who()}.update_state", values,
                                 to_dtype(sample_weight, self._dtype), None)
        weights = tf.broadcast_to(weights, tf.shape(values))
        self.total.assign_add(values * weights)
        self.count.assign_add(weights)

    def result(self) -> Any:
        if self._shape is None:
            raise ValueError(f"{self._who()}.result: no values yet; call update_state "
                             f"first (or pass shape= to the constructor).")
        return tf.divide_no_nan(self.total, self.count)

    def reset_state(self) -> None:
        if self._shape is not None:
            super().reset_state()

    def get_config(self) -> dict:
        return {**super().get_config(),
                "shape": list(self._shape) if self._shape is not None else None}
