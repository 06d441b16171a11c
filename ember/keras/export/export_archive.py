"""`keras.export.ExportArchive` (Keras 3's API) and `Model.export`: serving endpoints of
tracked models / layers written as an ember SavedModel (`tf.saved_model.load` reloads it,
each endpoint a method), or as ONNX.

Example:
    >>> import tempfile, numpy as np, ember as tf
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> archive = keras.export.ExportArchive()
    >>> archive.track(model)
    >>> _ = archive.add_endpoint("serve", lambda x: model(x, training=False),
    ...                          input_signature=[keras.InputSpec(shape=(None, 3))])
    >>> path = tempfile.mkdtemp()
    >>> archive.write_out(path, verbose=False)
    >>> x = np.ones((4, 3), np.float32)
    >>> np.allclose(tf.saved_model.load(path).serve(x), model(x))
    True
"""

from __future__ import annotations

from typing import Any, Callable

from ...core.function import Function, function
from ...core.module import Module
from ...core.shape import TensorSpec
from ...core.tensor import TensorOps
from ...export.saved_model import keras_serving_function
from ...export.saved_model import save as _save
from ...onnx import export as _onnx_export  # imports the onnx package only when called
from ..engine.input_spec import InputSpec
from ..engine.keras_tensor import KerasTensor

__all__ = ["ExportArchive", "export_model"]


def _as_spec(s: Any) -> Any:
    """A TensorSpec for one entry of an input_signature (TensorSpec, keras.InputSpec,
    KerasTensor or a tensor), nests kept."""
    if isinstance(s, TensorSpec):
        return s
    if isinstance(s, InputSpec):
        if s.shape is None:
            raise ValueError(f"ExportArchive: an InputSpec needs a shape to export, received "
                             f"{s!r}.")
        return TensorSpec(s.shape, s.dtype or "float32", name=s.name)
    if isinstance(s, KerasTensor):
        return TensorSpec(s.shape, s.dtype, name=getattr(s, "name", None))
    if isinstance(s, TensorOps):
        return TensorSpec(s.shape, s.dtype)
    if isinstance(s, (list, tuple)):
        return type(s)(_as_spec(x) for x in s)
    if isinstance(s, dict):
        return {k: _as_spec(v) for k, v in s.items()}
    raise TypeError(f"ExportArchive: input_signature entries must be TensorSpec, "
                    f"keras.InputSpec or KerasTensor, received {type(s).__name__}.")


class _Archive(Module):
    """The object written out: endpoints as attributes, tracked resources, collections."""


class ExportArchive:
    """Collects serving endpoints of tracked models / layers and writes them as a
    SavedModel (Keras 3's `keras.export.ExportArchive`). Reload it with
    `tf.saved_model.load(path)`: each endpoint is a method, the first (or the one named
    `serving_default`) also the `serving_default` signature.

    Example:
        >>> from ember import keras
        >>> keras.export.ExportArchive().endpoint_names
        []
    """

    def __init__(self, format: str = "saved_model", **kwargs: Any):  # noqa: A002
        if format not in ("saved_model", "tf_saved_model", "ember"):
            raise ValueError(f"ExportArchive: format must be 'saved_model', received "
                             f"{format!r} (for ONNX use model.export(path, format='onnx')).")
        self._tracked: list = []
        self._endpoints: dict = {}
        self._collections: dict = {}

    @property
    def endpoint_names(self) -> list:
        return list(self._endpoints)

    @property
    def variables(self) -> list:
        out, seen = [], set()
        for r in self._tracked:
            for v in getattr(r, "variables", ()):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def track(self, resource: Any) -> None:
        """Registers a built layer / model (or tf.Module) whose Variables the endpoints
        use; they are saved with the archive."""
        if getattr(resource, "built", True) is False:
            raise ValueError(f"ExportArchive.track: {getattr(resource, 'name', resource)!r} "
                             f"is not built yet; call it on data (or build it) first.")
        if not hasattr(resource, "variables"):
            raise TypeError(f"ExportArchive.track: expected a Keras layer / model or a "
                            f"tf.Module, received {type(resource).__name__}.")
        self._tracked.append(resource)

    def add_endpoint(self, name: str, fn: Callable | None = None,
                     input_signature: Any = None, **kwargs: Any) -> Function:
        """Adds endpoint `name`: `fn` traced for `input_signature` (TensorSpecs,
        keras.InputSpecs or KerasTensors; may be omitted for an ember.function that has
        one). Returns the ember.function."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"ExportArchive.add_endpoint: name must be a Python "
                             f"identifier, received {name!r}.")
        if name in self._endpoints:
            raise ValueError(f"ExportArchive.add_endpoint: endpoint {name!r} exists already.")
        if fn is None:
            raise ValueError("ExportArchive.add_endpoint: pass fn, the function to serve.")
        if input_signature is None:
            if isinstance(fn, Function) and fn.input_signature is not None:
                ef = fn
            else:
                raise ValueError(f"ExportArchive.add_endpoint({name!r}): input_signature is "
                                 f"required, e.g. [tf.TensorSpec([None, 3], tf.float32)].")
        else:
            specs = [_as_spec(s) for s in input_signature]
            inner = fn.python_function if isinstance(fn, Function) else fn
            ef = function(inner, input_signature=specs, name=name)
        ef.get_concrete_function()  # traces now: errors surface at add_endpoint
        self._endpoints[name] = ef
        return ef

    def track_and_add_endpoint(self, name: str, resource: Any, input_signature: Any,
                               **kwargs: Any) -> Function:
        """`track(resource)` and an endpoint calling it in inference mode."""
        self.track(resource)
        return self.add_endpoint(name, _inference_call(resource), input_signature)

    def add_variable_collection(self, name: str, variables: Any) -> None:
        """Saves `variables` as a list attribute `name` of the reloaded object."""
        variables = list(variables)
        if not all(getattr(v, "_is_variable", False) for v in variables):
            raise TypeError(f"ExportArchive.add_variable_collection({name!r}): expected "
                            f"Variables.")
        self._collections[name] = variables

    def write_out(self, filepath: Any, options: Any = None, verbose: bool = True) -> None:
        """Writes the archive (a SavedModel directory) to `filepath`."""
        if not self._endpoints:
            raise ValueError("ExportArchive.write_out: no endpoint added; call "
                             "add_endpoint first.")
        root = _Archive(name="export_archive")
        root._tracked_resources = list(self._tracked)
        root._all_variables = self.variables
        for name, variables in self._collections.items():
            setattr(root, name, variables)
        for name, ef in self._endpoints.items():
            setattr(root, name, ef)
        first = "serving_default" if "serving_default" in self._endpoints else \
            next(iter(self._endpoints))
        signatures = {"serving_default": self._endpoints[first].get_concrete_function()}
        for name, ef in self._endpoints.items():
            if name != first:
                signatures[name] = ef.get_concrete_function()
        _save(root, str(filepath), signatures=signatures, options=options)
        if verbose:
            lines = [f"Saved artifact at '{filepath}'. The following endpoints are "
                     f"available:"]
            for name, ef in self._endpoints.items():
                cf = ef.get_concrete_function()
                ins = ", ".join(str(s) for s in cf.input_specs)
                lines.append(f"\n* Endpoint '{name}'\n  args_0: {ins}")
            print("\n".join(lines))


def _inference_call(resource: Any) -> Callable:
    def call(*xs: Any) -> Any:
        x = xs[0] if len(xs) == 1 else list(xs)
        try:
            return resource(x, training=False)
        except TypeError:
            return resource(x)
    return call


def _model_signature(model: Any) -> list:
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(f"export: {getattr(model, 'name', model)!r} has no known inputs "
                         f"(a subclassed model never called?); pass input_signature, e.g. "
                         f"[tf.TensorSpec([None, 784], tf.float32)].")
    return [TensorSpec([None] + list(t.shape)[1:], t.dtype, name=getattr(t, "name", None))
            for t in inputs]


def export_model(model: Any, filepath: Any, format: str = "tf_saved_model",  # noqa: A002
                 verbose: Any = None, input_signature: Any = None, **kwargs: Any) -> None:
    """`Model.export`: the model's inference call as endpoint `serve` of a SavedModel
    (format 'tf_saved_model' or 'ember', the same ember directory), or an ONNX file
    (format 'onnx'; kwargs `opset_version`, `dynamic_batch`)."""
    verbose = True if verbose is None else verbose
    specs = _model_signature(model) if input_signature is None else \
        [_as_spec(s) for s in input_signature]
    if format in ("tf_saved_model", "ember", "saved_model"):
        archive = ExportArchive()
        archive.track(model)
        archive.add_endpoint("serve", keras_serving_function(model, specs, "serve"))
        archive.write_out(filepath, verbose=verbose)
        return
    if format == "onnx":
        opset = kwargs.pop("opset_version", None) or kwargs.pop("opset", None)
        extra = {"opset": opset} if opset else {}
        if "dynamic_batch" in kwargs:
            extra["dynamic_batch"] = kwargs.pop("dynamic_batch")
        _onnx_export(_inference_call(model), specs, str(filepath), **extra)
        if verbose:
            print(f"Saved artifact at '{filepath}'.")
        return
    if format in ("openvino", "litert", "tflite"):
        raise NotImplementedError(f"export: format {format!r} is not supported by ember; "
                                  f"use 'tf_saved_model' (ember's SavedModel) or 'onnx'.")
    raise ValueError(f"export: unknown format {format!r}; use 'tf_saved_model', 'ember' or "
                     f"'onnx'.")
