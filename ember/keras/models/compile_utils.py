"""What `compile` builds: the loss of every output and the metrics, as Keras does.

- `LossesContainer(loss, loss_weights, output_names)`: one loss per output (a single loss
  applies to every output; a list goes by position, a dict by output name), each weighted;
  `__call__(y_true, y_pred, sample_weight, regularization_losses)` returns the total, and
  updates the `loss` tracker (weighted by batch size, so the epoch figure is the mean per
  sample) and, with several outputs, an `<output>_loss` tracker per output.
- `MetricsContainer(metrics, weighted_metrics, output_names)`: metrics per output, built
  on the first batch, when the shapes of `y_true`/`y_pred` and the loss are known:
  'accuracy'/'acc' (and 'crossentropy'/'ce') then become the binary, sparse categorical or
  categorical variant, as in Keras.

Example:
    >>> import ember as tf
    >>> c = LossesContainer("mse", None, ["dense"])
    >>> float(c(tf.constant([[1.0]]), tf.constant([[3.0]])))
    4.0
"""

from __future__ import annotations

from typing import Any

import ember as tf

from ...core import nest
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..engine.layer_utils import init_scope
from ..engine.masking import get_mask


def _per_output(spec: Any, output_names: list, what: str) -> list:
    """A list with one entry per output from a single value, a list or a dict.

    As in tf.keras 2, a single loss applies to every output, and so does a flat list of
    metrics (each output gets its own copy); a list of lists goes by position."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(f"compile: {what} has keys {unknown} that are not output names; "
                             f"the model's outputs are {output_names}.")
        return [spec.get(name) for name in output_names]
    if what in ("metrics", "weighted_metrics") and isinstance(spec, (list, tuple)) and not any(
            isinstance(s, (list, tuple, dict)) for s in spec):
        return [list(spec)] + [[_copy_metric(m) for m in spec] for _ in range(n - 1)]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(f"compile: {what} has {len(spec)} entries but the model has {n} "
                             f"output(s) {output_names}; pass one per output (or a dict by "
                             f"output name).")
        return list(spec)
    return [spec] * n


def _copy_metric(m: Any) -> Any:
    """A fresh metric with the config of Metric `m` (other identifiers as they are)."""
    if isinstance(m, metrics_mod.Metric):
        return type(m).from_config(m.get_config())
    return m


def _loss_object(identifier: Any) -> Any:
    if identifier is None:
        return None
    obj = losses_mod.get(identifier)
    if isinstance(obj, losses_mod.Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "loss")
    return losses_mod.LossFunctionWrapper(obj, name=name)


def _base_fn(loss: Any) -> Any:
    """The loss function behind a loss object (to pick the right accuracy)."""
    return getattr(loss, "fn", None) or type(loss)


class LossesContainer:
    """The compiled loss of a model; see the module docstring."""

    def __init__(self, loss: Any, loss_weights: Any, output_names: list | None):
        self._user_loss = loss
        self._user_weights = loss_weights
        with init_scope():
            self.loss_tracker = metrics_mod.Mean(name="loss")
        self.output_names: list | None = None
        self.losses: list = []
        self.output_trackers: list = []
        if output_names is not None:
            self._build(list(output_names))

    def _build(self, output_names: list) -> None:
        """One loss, weight and (with several outputs) tracker per output."""
        self.output_names = output_names
        self.losses = [_loss_object(x) for x in _per_output(self._user_loss, output_names,
                                                             "loss")]
        if self._user_weights is None:
            self.weights = [1.0] * len(output_names)
        else:
            w = _per_output(self._user_weights, output_names, "loss_weights")
            self.weights = [1.0 if x is None else float(x) for x in w]
        multi = len(output_names) > 1
        with init_scope():
            self.output_trackers = [
                metrics_mod.Mean(name=f"{name}_loss") if multi and fn is not None else None
                for name, fn in zip(output_names, self.losses)]

    @property
    def metrics(self) -> list:
        return [self.loss_tracker] + [t for t in self.output_trackers if t is not None]

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 regularization_losses: Any = None) -> Any:
        if self.output_names is None:  # a subclassed model: names from its outputs
            self._build(pseudo_output_names(y_pred))
        ys_true = _flat_outputs(y_true, self.output_names, "y")
        ys_pred = _flat_outputs(y_pred, self.output_names, "the model's outputs")
        sws = (_flat_outputs(sample_weight, self.output_names, "sample_weight", True)
               if sample_weight is not None else [None] * len(ys_pred))
        total = None
        batch = None
        for i, (loss, w, yt, yp, sw) in enumerate(zip(self.losses, self.weights, ys_true,
                                                      ys_pred, sws)):
            if loss is None:
                continue
            if yt is None:
                raise ValueError(f"compile: output {self.output_names[i]!r} has a loss but "
                                 f"fit/evaluate received no target for it; pass y.")
            mask = get_mask(yp)
            yt, yp, sw = match_dtype_and_rank(yt, yp, sw)
            if mask is not None:
                sw = apply_mask(yp, sw, mask, getattr(loss, "reduction", None))
            value = loss(yt, yp, sample_weight=sw)
            if batch is None:
                batch = tf.cast(tf.shape(yp)[0], tf.float32)
            if self.output_trackers[i] is not None:
                self.output_trackers[i].update_state(value, sample_weight=batch)
            value = value * w if w != 1.0 else value
            total = value if total is None else total + value
        reg = [tf.cast(r, tf.float32) for r in regularization_losses or ()]
        if reg:
            r = tf.add_n(reg) if len(reg) > 1 else reg[0]
            total = r if total is None else total + r
        if total is None:
            total = tf.constant(0.0)
        if batch is None:
            batch = tf.cast(tf.shape(nest.flatten(y_pred)[0])[0], tf.float32)
        self.loss_tracker.update_state(total, sample_weight=batch)
        return total

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


def _user_function(metric: Any) -> bool:
    """Whether `metric` wraps a function of the user's (not one of ember's): Keras 3 calls
    it on `y_true` as given, where ember's own functions match the ranks themselves."""
    return isinstance(metric, metrics_mod.MeanMetricWrapper) and metric._user_fn()


def match_dtype_and_rank(y_t: Any, y_p: Any, sw: Any, rank: bool = True) -> tuple:
    """Targets (and weights) of rank 1 against predictions of rank 2 get a trailing axis,
    and float (int) targets take the predictions' float (int) dtype, as tf.keras 2 does
    before every loss and metric (so a `(batch,)` target never broadcasts against a
    `(batch, 1)` output).

    Example:
        >>> import ember as tf
        >>> y_t, _, sw = match_dtype_and_rank(tf.constant([1.0, 2.0], tf.float64),
        ...                                   tf.zeros((2, 1)), tf.ones(2))
        >>> y_t.shape, y_t.dtype, sw.shape
        (TensorShape([2, 1]), tf.float32, TensorShape([2, 1]))
    """
    y_t, y_p = tf.convert_to_tensor(y_t), tf.convert_to_tensor(y_p)
    if rank and y_t.shape.rank == 1 and y_p.shape.rank == 2:
        y_t = tf.expand_dims(y_t, -1)
    if sw is not None:
        sw = tf.convert_to_tensor(sw)
        if sw.shape.rank == 1 and y_p.shape.rank == 2:
            sw = tf.expand_dims(sw, -1)
    if y_t.dtype != y_p.dtype and (y_t.dtype.is_floating and y_p.dtype.is_floating
                                   or y_t.dtype.is_integer and y_p.dtype.is_integer):
        y_t = tf.cast(y_t, y_p.dtype)
    return y_t, y_p, sw


def apply_mask(y_pred: Any, sample_weight: Any, mask: Any, reduction: Any = None) -> Any:
    """The sample weights of an output carrying `mask` (tf.keras 2): the mask (as 0/1 of
    the output's dtype) times `sample_weight`. For a loss that averages over the batch
    (`reduction` 'auto' / 'sum_over_batch_size') the mask is scaled by total / valid, so
    the loss is the mean over the unmasked entries only.

    Example:
        >>> import ember as tf
        >>> w = apply_mask(tf.zeros((1, 4, 1)), None, tf.constant([[True, True, False, False]]),
        ...                "sum_over_batch_size")
        >>> w.numpy()
        array([[2., 2., 0., 0.]], dtype=float32)
    """
    dtype = y_pred.dtype if y_pred.dtype.is_floating else tf.float32
    m = tf.cast(mask, dtype)
    if reduction in ("auto", "sum_over_batch_size"):
        m = m * tf.math.divide_no_nan(tf.cast(tf.size(m), dtype), tf.reduce_sum(m))
    if sample_weight is None:
        return m
    sw = tf.cast(sample_weight, dtype)
    while sw.shape.rank is not None and m.shape.rank is not None and \
            sw.shape.rank < m.shape.rank:
        sw = tf.expand_dims(sw, -1)
    return sw * m


def pseudo_output_names(y_pred: Any) -> list:
    """Output names for a model without a graph, as tf.keras 2 makes them: the keys of a
    dict of outputs, else `output_1`, `output_2`, ...

    Example:
        >>> pseudo_output_names([1, 2]), pseudo_output_names({"b": 1, "a": 2})
        (['output_1', 'output_2'], ['a', 'b'])
    """
    if isinstance(y_pred, dict):
        return sorted(y_pred)
    return [f"output_{i + 1}" for i in range(len(nest.flatten(y_pred)))]


def _flat_outputs(y: Any, output_names: list, what: str, optional: bool = False) -> list:
    """One entry per output from a single tensor, a list or a dict keyed by output name."""
    n = len(output_names)
    if isinstance(y, dict):
        return [y.get(name) for name in output_names]
    if isinstance(y, (list, tuple)) and n > 1:
        if len(y) != n:
            raise ValueError(f"{what}: expected {n} entries (one per output "
                             f"{output_names}), received {len(y)}.")
        return list(y)
    if n > 1 and not optional:
        flat = nest.flatten(y)
        if len(flat) == n:
            return flat
        raise ValueError(f"{what}: the model has {n} outputs {output_names}; pass a list or "
                         f"dict with one entry per output.")
    if n > 1:
        return [y] * n
    return [y]


_ACCURACY = {"accuracy", "acc"}
_CROSSENTROPY = {"crossentropy", "ce"}


def _resolve(identifier: Any, y_true: Any, y_pred: Any, loss: Any) -> Any:
    """A Metric object for a compile() identifier, given the output's tensors and loss."""
    if isinstance(identifier, str) and identifier in _ACCURACY | _CROSSENTROPY:
        kind = _kind(y_true, y_pred, loss)
        if identifier in _ACCURACY:
            cls = {"binary": metrics_mod.BinaryAccuracy,
                   "sparse": metrics_mod.SparseCategoricalAccuracy,
                   "categorical": metrics_mod.CategoricalAccuracy}[kind]
        else:
            cls = {"binary": metrics_mod.BinaryCrossentropy,
                   "sparse": metrics_mod.SparseCategoricalCrossentropy,
                   "categorical": metrics_mod.CategoricalCrossentropy}[kind]
        return cls(name=identifier)
    obj = metrics_mod.get(identifier)
    if isinstance(obj, metrics_mod.Metric):
        return obj
    if isinstance(obj, type):
        return obj()
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
    return metrics_mod.MeanMetricWrapper(obj, name=name)


def _kind(y_true: Any, y_pred: Any, loss: Any) -> str:
    """'binary', 'sparse' or 'categorical': from the loss when it says, else the shapes."""
    fn = _base_fn(loss) if loss is not None else None
    by_loss = {losses_mod.binary_crossentropy: "binary",
               losses_mod.BinaryCrossentropy: "binary",
               losses_mod.binary_focal_crossentropy: "binary",
               losses_mod.BinaryFocalCrossentropy: "binary",
               losses_mod.sparse_categorical_crossentropy: "sparse",
               losses_mod.SparseCategoricalCrossentropy: "sparse",
               losses_mod.categorical_crossentropy: "categorical",
               losses_mod.CategoricalCrossentropy: "categorical",
               losses_mod.categorical_focal_crossentropy: "categorical",
               losses_mod.CategoricalFocalCrossentropy: "categorical"}
    if fn in by_loss:
        return by_loss[fn]
    yt, yp = y_true.shape, y_pred.shape
    if yp.rank and yp[-1] == 1:
        return "binary"
    if yt.rank is not None and yp.rank is not None and (
            yt.rank < yp.rank or (yt.rank and yt[-1] == 1 and (yp[-1] or 2) > 1)):
        return "sparse"
    return "categorical"


class MetricsContainer:
    """The compiled metrics of a model; see the module docstring."""

    def __init__(self, metrics: Any, weighted_metrics: Any, output_names: list | None):
        self.output_names = None if output_names is None else list(output_names)
        self._user = metrics
        self._user_weighted = weighted_metrics
        self.built = False
        self._metrics: list = []  # (output index, Metric, weighted)

    @property
    def metrics(self) -> list:
        return [m for _, m, _ in self._metrics]

    def build(self, y_true: Any, y_pred: Any, losses: list) -> None:
        """Makes the Metric objects, from the first batch's tensors and the losses."""
        if self.output_names is None:
            self.output_names = pseudo_output_names(y_pred)
        losses = list(losses) + [None] * (len(self.output_names) - len(losses))
        ys_true = _flat_outputs(y_true, self.output_names, "y", True)
        ys_pred = _flat_outputs(y_pred, self.output_names, "the model's outputs")
        multi = len(self.output_names) > 1
        names: set = set()
        entries = []
        per = {w: _per_output(spec, self.output_names, what) if spec is not None
               else [None] * len(self.output_names)
               for w, spec, what in ((False, self._user, "metrics"),
                                     (True, self._user_weighted, "weighted_metrics"))}
        for i, out_name in enumerate(self.output_names):
            if ys_true[i] is None:
                continue
            for weighted in (False, True):  # per output: metrics, then weighted ones
                ms = per[weighted][i]
                for ident in (ms if isinstance(ms, (list, tuple)) else [ms]):
                    if ident is None:
                        continue
                    with init_scope():
                        m = _resolve(ident, ys_true[i], ys_pred[i], losses[i])
                    name = m.name
                    prefix = f"{out_name}_" if multi else ""
                    if weighted and prefix + name in names:  # Keras' names
                        name = f"weighted_{name}"
                    name = prefix + name
                    m._name = name  # renamed in place, as tf.keras 2 does
                    names.add(name)
                    entries.append((i, m, weighted, name))
        self._metrics = [(i, m, w) for i, m, w, _ in entries]
        self._names = [n for *_, n in entries]
        self.built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self.built:
            self.build(y_true, y_pred, [])
        ys_true = _flat_outputs(y_true, self.output_names, "y", True)
        ys_pred = _flat_outputs(y_pred, self.output_names, "the model's outputs")
        sws = (_flat_outputs(sample_weight, self.output_names, "sample_weight", True)
               if sample_weight is not None else [None] * len(ys_pred))
        matched: dict = {}
        for i, m, weighted in self._metrics:
            if i not in matched:
                mask = get_mask(ys_pred[i])
                yt, yp, sw = match_dtype_and_rank(ys_true[i], ys_pred[i], sws[i])
                # tf.keras 2: a masked output weighs every metric by its mask
                plain = None if mask is None else apply_mask(yp, None, mask)
                sw = sw if mask is None else apply_mask(yp, sw, mask)
                matched[i] = yt, yp, sw, plain
            yt, yp, sw, plain = matched[i]
            if _user_function(m):  # Keras 3: a user's metric function gets y_true as given
                yt = match_dtype_and_rank(ys_true[i], ys_pred[i], None, rank=False)[0]
            m.update_state(yt, yp, sample_weight=sw if weighted else plain)

    def result(self) -> dict:
        return {name: m.result() for name, (_, m, _) in zip(self._names, self._metrics)}

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()
