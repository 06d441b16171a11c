"""`keras.Model`: functional (`Model(inputs, outputs)`) and subclassed (`__init__` + `call`).

A functional model keeps its FunctionalGraph. Called on concrete data (NumPy, lists,
Tensors, Variables) it runs the graph as one compiled `ember.function`, traced once with
the Inputs' shapes (batch dim None) for every batch size; called on KerasTensors it
records one node, so models nest as layers. A subclassed model runs its `call` eagerly
(as TF does) and is compiled by `predict`.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> inputs = keras.Input(shape=(10,))
    >>> x = keras.layers.Dense(5, activation="relu")(inputs)
    >>> outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    >>> model = keras.Model(inputs=inputs, outputs=outputs)
    >>> model(tf.Variable(tf.ones((1, 10)))).shape
    TensorShape([1, 1])
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...core.context import ACTIVE, CTX
from ...core.function import functions_run_eagerly
from ...core.tensor import TensorOps, wrap
from ...prims.convert import cast, convert_to_tensor
from ...ops.shape_ops import expand_dims, squeeze
from ..distribution import scope_of
from ..engine.call_context import CALL
from ..engine.keras_tensor import KerasTensor, spec_only
from ..engine.layer import TRAINABLE_VERSION, Layer
from ..engine.layer_utils import dedup, placeholders
from ..saving.model_config import model_to_json
from ..serialization_registry import register_builtin_layers
from ..config import _TRACEBACK_FILTERING as TRACEBACK_FILTERING
from ..traceback_utils import filter_traceback, filtered_traceback
from .predict import predict as predict_in_batches
from .predict import predict_on_batch as predict_one_batch
from .functional import (FunctionalGraph, adjusted_rank, check_shape, graph_config,
                         graph_from_config)
from .graph_function import GraphFunction
from .summary import print_summary
from .symbolic_losses import add_graph_loss, add_graph_metric
from .training import TrainingMixin


class Model(TrainingMixin, Layer):
    """A layer with training and inference features (TF's `keras.Model`).

    `Model(inputs, outputs, name=None)` makes a functional model; subclass it and define
    `call` for a subclassed model.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Model":
        if cls is Model and (len(args) >= 2 or "outputs" in kwargs):
            cls = Functional
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            if len(args) > 2:
                raise TypeError("Model: pass (inputs, outputs) and keywords only.")
            inputs = args[0] if inputs is None else inputs
            outputs = args[1] if len(args) > 1 and outputs is None else outputs
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._graph: FunctionalGraph | None = None
        self._fast: Any = None  # see _fast_plan
        self._compiled: dict = {}  # training flag -> ConcreteFunction of the graph
        self._predict_cache: dict = {}
        self._graph_extras: list = []  # AddLoss / AddMetric outputs (symbolic_losses.py)
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model: a functional model needs both inputs and outputs, "
                                 "e.g. keras.Model(inputs=x, outputs=y).")
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        self._graph = FunctionalGraph(inputs, outputs, self._graph_extras)
        self._graph_layers = self._graph.layers
        self._fast = None
        self._compiled = {}
        self._predict_cache = {}
        self.built = True

    # -- structure -------------------------------------------------------------------
    @property
    def layers(self) -> list:
        """The model's layers: for a functional model in Keras' order (its InputLayers
        first, then by depth from the outputs), for a subclassed model those set as
        attributes. Ops on KerasTensors are listed too (as tf.keras 2's TFOpLambda
        layers); Keras 3 keeps them in `operations` only."""
        if self._graph is not None:
            return list(self._graph.layers)
        return self._tracked()[1]

    @property
    def operations(self) -> list:
        """Keras 3's list of a model's layers and op nodes, in `layers`' order.

        Example:
            >>> import ember as tf
            >>> from ember import keras
            >>> x = keras.Input((2,))
            >>> m = keras.Model(x, keras.layers.Dense(1, name="d")(tf.abs(x)))
            >>> [type(op).__name__ for op in m.operations]
            ['InputLayer', 'OpLayer', 'Dense']
        """
        return self.layers

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index into `layers`.

        Example:
            >>> from ember import keras
            >>> m = keras.Sequential([keras.layers.Dense(2, name="a")])
            >>> m.get_layer("a").name, m.get_layer(index=0).name
            ('a', 'a')
        """
        if isinstance(name, int) and index is None:
            name, index = None, name
        layers = self.layers
        if index is not None:
            if name is not None:
                raise ValueError("get_layer: pass a name or an index, not both.")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f'get_layer: model "{self.name}" has {len(layers)} layers, '
                                 f"index {index} is out of range.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f'No such layer: {name!r} in model "{self.name}". Its layers are '
                         f"{[layer.name for layer in layers]}.")

    @property
    def weights(self) -> list:
        """All weights, layer by layer (Keras' order for models)."""
        own, layers = self._tracked()
        out: list = []
        for layer in layers:
            out.extend(layer.weights)
        out.extend(own)
        return dedup(out)

    def _need_graph(self, what: str) -> FunctionalGraph:
        if self._graph is None:
            raise AttributeError(
                f'Model "{self.name}" has no {what}: it is a subclassed model (or a '
                f"Sequential model that isn't built). Define its input first (keras.Input / "
                f"input_shape=) or call it on data.")
        return self._graph

    @property
    def inputs(self) -> list:
        return list(self._need_graph("inputs").inputs)

    @property
    def outputs(self) -> list:
        return list(self._need_graph("outputs").outputs)

    @property
    def input(self) -> Any:
        return self._need_graph("input").nested_inputs

    @property
    def output(self) -> Any:
        return self._need_graph("output").nested_outputs

    @property
    def input_names(self) -> list:
        return list(self._need_graph("input_names").input_names)

    @property
    def output_names(self) -> list:
        return list(self._need_graph("output_names").output_names)

    # -- calling ---------------------------------------------------------------------
    def _fast_plan(self) -> tuple | None:
        """(input NumPy dtype, rank, dims after the batch dim, inference plan) for a
        single-input graph model whose non-batch dims are known; else None."""
        fast = self._fast
        if fast is None:
            fast = False
            g = self._graph
            if g is not None and len(g.inputs) == 1 and len(g.outputs) == 1 \
                    and g.nested_outputs is g.outputs[0] and not g.has_output_masks:
                shape = g.inputs[0].shape
                if shape.rank and all(d is not None for d in list(shape)[1:]):
                    cf = self._graph_function(False)
                    if not cf.graph.updates and not cf.has_losses:
                        fast = (g.inputs[0].dtype._numpy(), shape.rank, tuple(shape)[1:],
                                cf.plan.call)
            self._fast = fast
        return fast or None

    def _run_fast(self, x: Any) -> Any:
        """The output array of the inference graph for `x` (a Tensor, Variable or NumPy
        array), or None when `x` needs the general path (conversion, checks, tapes)."""
        fast = self._fast
        if fast is None:
            fast = self._fast_plan()
        if not fast or ACTIVE:  # a tape, trace, truthy training, spec-only, run eagerly
            return None
        if type(x) is np.ndarray:
            arr = x
            x = wrap(x)
        else:
            arr = getattr(x, "_value", None)
            if type(arr) is not np.ndarray:
                return None
        np_dtype, rank, tail, call = fast
        shape = arr.shape
        if arr.dtype != np_dtype or len(shape) != rank or shape[1:] != tail:
            return None
        return call(x)[0][0]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # NOTE: the traceback filter is inline, not @filter_traceback: model(x) is a hot path.
        try:
            g = self._graph
            if g is None and args:
                g = self._graph_for(args[0])
            if len(args) == 1 and not kwargs and g is not None:
                # NOTE: the common inference call model(x) skips the general pipeline: a
                # dtype/shape check and one call of the compiled plan (~1 us of overhead).
                out = self._run_fast(args[0])
                if out is not None:
                    return wrap(out)
            if g is not None and len(args) == 1 and (not kwargs or set(kwargs) == {"training"}) \
                    and not CTX.traces and not CALL.spec_only and not functions_run_eagerly():
                x = args[0]
                flat = [x] if len(g.inputs) == 1 and isinstance(x, KerasTensor) else \
                    g.flatten_inputs(x, self.name)
                tensors = g.conform(flat, self.name)
                if tensors is not None:  # concrete data: the compiled graph
                    training = kwargs.get("training")
                    if training is None:
                        training = CALL.training[-1]
                    return self._graph_function(bool(training))._call_tensors(tensors)
            return super().__call__(*args, **kwargs)
        except Exception as e:
            if TRACEBACK_FILTERING[0]:  # keras.config.disable_traceback_filtering() shows all
                raise e.with_traceback(filtered_traceback(e.__traceback__))  # noqa: B904
            raise

    def _graph_for(self, x: Any) -> FunctionalGraph | None:
        """The graph a call on `x` runs, when the model has none yet: a hook for models
        that build theirs from the first input (Sequential); None runs `call`."""
        return None

    def _graph_function(self, training: bool) -> GraphFunction:
        """The graph compiled for this `training` value (traced once, batch dim None)."""
        if getattr(self, "_compiled_version", None) != TRAINABLE_VERSION[0]:
            self._compiled, self._fast = {}, None  # a layer's `trainable` changed
            self._compiled_version = TRAINABLE_VERSION[0]
        cf = self._compiled.get(training)
        if cf is None:
            with scope_of(self):  # traced for the strategy's devices, if any
                cf = self._compiled[training] = GraphFunction(self, training)
        return cf

    # -- symbolic add_loss / add_metric (functional models) ------------------------------
    def _add_symbolic_loss(self, loss: KerasTensor) -> None:
        """`model.add_loss(t)`: `t`, a scalar KerasTensor computed from the model's inputs,
        joins the graph (an AddLoss node), so every call computes it from its inputs, it
        appears in `model.losses` after the call, and fit / evaluate add it to the loss.

        Example:
            >>> import ember as tf, numpy as np
            >>> from ember import keras
            >>> inputs = keras.Input((10,))
            >>> x = keras.layers.Dense(8, activation="relu")(inputs)
            >>> model = keras.Model(inputs, keras.layers.Dense(1)(x))
            >>> model.add_loss(tf.reduce_mean(tf.abs(x)) * 0.01)
            >>> model.compile("adam", "mse")
            >>> h = model.fit(np.ones((4, 10)), np.ones((4, 1)), verbose=0)
            >>> len(model.losses)
            1
        """
        add_graph_loss(self, loss)

    def _add_symbolic_metric(self, value: KerasTensor, name: str) -> None:
        """`model.add_metric(t, name=...)`: `t`, a KerasTensor computed from the model's
        inputs, joins the graph (an AddMetric node); each call averages it into a Mean
        metric called `name`, which fit / evaluate log and History keeps."""
        add_graph_metric(self, value, name)

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        """The forward pass. A functional model runs its graph; subclasses override this."""
        g = self._graph
        if g is None:
            raise NotImplementedError(
                f"Model {type(self).__name__}: a subclassed model must define "
                f"call(self, inputs, training=None).")
        flat = g.flatten_inputs(inputs, self.name)
        conv = []
        for i, (x, kt) in enumerate(zip(flat, g.inputs)):
            if not isinstance(x, TensorOps):
                x = convert_to_tensor(x, dtype=kt.dtype)
            if x.dtype != kt.dtype:
                x = cast(x, kt.dtype)
            shape = x.shape
            if shape.rank is not None and shape.rank != kt.shape.rank:
                adjusted = adjusted_rank(tuple(shape), kt)  # Keras 3: +/- a trailing 1
                if adjusted is not None:
                    x = squeeze(x, -1) if len(adjusted) < shape.rank else \
                        expand_dims(x, -1)
                    shape = x.shape
            if shape.rank != kt.shape.rank or not kt.shape.is_compatible_with(shape):
                check_shape(i, tuple(shape), kt, self.name)
            conv.append(x)
        return g.run(conv)

    def build(self, input_shape: Any = None) -> None:
        """Builds a subclassed model's weights by a shape-only call on `input_shape`."""
        if self._graph is not None or self.built:
            self.built = True
            return
        if input_shape is None:
            raise ValueError(f'Model "{self.name}": build needs an input_shape, e.g. '
                             f"model.build((None, 10)).")
        with spec_only():
            self.call(placeholders(input_shape, self._dtype))
        self._build_input_shape = input_shape
        self.built = True

    build._is_default = True  # type: ignore[attr-defined]  # a call builds by running call

    # -- inference -------------------------------------------------------------------
    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None, max_queue_size: int = 10,
                workers: int = 1, use_multiprocessing: bool = False) -> Any:
        """Runs the model on `x` in batches and returns NumPy arrays.

        Works before `compile`. `x` may be NumPy arrays, lists, Tensors, Variables, a list
        or dict of them for multi-input models, or an iterable of batches. The forward
        pass is one compiled ember.function for every batch size.

        Example:
            >>> from ember import keras
            >>> import numpy as np
            >>> m = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
            >>> m.predict(np.zeros((5, 3)), verbose=0).shape
            (5, 1)
        """
        try:  # the traceback filter inline (see __call__)
            return predict_in_batches(self, x, batch_size=batch_size, verbose=verbose,
                                      steps=steps, callbacks=callbacks)
        except Exception as e:
            if TRACEBACK_FILTERING[0]:
                raise e.with_traceback(filtered_traceback(e.__traceback__))  # noqa: B904
            raise

    @filter_traceback
    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs for one batch, as NumPy arrays."""
        return predict_one_batch(self, x)

    def summary(self, line_length: int | None = None, positions: Any = None,
                print_fn: Callable | None = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Any = None) -> None:
        """Prints a table of the layers, their output shapes and parameter counts."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # -- config ----------------------------------------------------------------------
    def get_config(self) -> dict:
        """The model's config: for a functional model its graph in tf.keras 2's format
        (`layers` with their `inbound_nodes`, `input_layers`, `output_layers`).

        Example:
            >>> from ember import keras
            >>> x = keras.Input((3,), name="x")
            >>> m = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="m")
            >>> [layer["name"] for layer in m.get_config()["layers"]]
            ['x', 'd']
        """
        if self._graph is None:
            return super().get_config()
        return graph_config(self)

    get_config._is_default = True  # type: ignore[attr-defined]  # subclasses: auto_config.py

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Model":
        """A new model from `get_config()`'s dict; a functional config rebuilds the graph
        by calling the deserialized layers (`custom_objects` maps your classes' names).

        Example:
            >>> from ember import keras
            >>> x = keras.Input((3,), name="x")
            >>> m = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="m")
            >>> keras.Model.from_config(m.get_config()).output_shape
            TensorShape([None, 2])
        """
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config: expected the dict of "
                            f"model.get_config(), received {type(config).__name__}.")
        if "input_layers" in config and cls in (Model, Functional):
            inputs, outputs, name = graph_from_config(config, custom_objects)
            model = Functional(inputs=inputs, outputs=outputs, name=name)
            if config.get("trainable") is False:
                model.trainable = False
            return model
        if "input_layers" in config:
            raise NotImplementedError(
                f"{cls.__name__}.from_config: a subclass of Model built from inputs and "
                f"outputs must define its own from_config (get_config gives the graph).")
        return super().from_config(config)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as a JSON string (`keras.models.model_from_json` reads it);
        `kwargs` go to `json.dumps`. Weights are not included.

        Example:
            >>> from ember import keras
            >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            >>> keras.models.model_from_json(m.to_json()).output_shape
            TensorShape([None, 2])
        """
        return model_to_json(self, **kwargs)


class Functional(Model):
    """A model defined by `keras.Model(inputs, outputs)` (Keras' `Functional` class)."""

    _default_name = "functional"  # Keras 3: functional, functional_1, ... (tf.keras 2: model)


register_builtin_layers({"Model": Model, "Functional": Functional})  # layers.deserialize
