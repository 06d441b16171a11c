"""Model configs: `model.to_json()`, `keras.models.model_from_config` / `model_from_json`,
`clone_model`, and the compile arguments a saved model keeps (`compile_config`).

A model's config is `keras.layers.serialize(model)` (plus Keras 3's `build_config` for a
built subclassed model); reading one back goes through `keras.layers.deserialize`, which
finds Model, Functional and Sequential in `serialization_registry.py` (keras.models
registers them), so this module needs no import of `keras.models`.

Example:
    >>> from ember import keras
    >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> model_from_json(model_to_json(m)).output_shape
    TensorShape([None, 2])
"""

from __future__ import annotations

import json
from typing import Any

from .. import losses, metrics, optimizers
from .. import serialization_registry as registry
from ..layers.serialization import deserialize, serialize
from ..serialization_registry import builtin_layer_class

__all__ = ["clone_model", "compile_config", "compile_from_config", "dumps_config",
           "model_config", "model_from_config", "model_from_json", "model_to_json"]


def _check_serializable(model: Any, who: str) -> None:
    if not isinstance(model, builtin_layer_class("Model")):
        raise TypeError(f"{who}: expected a keras Model, received {type(model).__name__}.")


def _is_subclassed(model: Any) -> bool:
    return not isinstance(model, builtin_layer_class("Sequential")) and \
        getattr(model, "_graph", None) is None


def _shape_to_json(shape: Any) -> Any:
    """A build input shape (TensorShape, tuple, or lists / dicts of them) as JSON."""
    if isinstance(shape, dict):
        return {k: _shape_to_json(v) for k, v in shape.items()}
    if hasattr(shape, "as_list"):
        return shape.as_list() if shape.rank is not None else None
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return [None if d is None else int(d) for d in shape]
        return [_shape_to_json(v) for v in shape]
    return shape


def _shape_from_json(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: _shape_from_json(v) for k, v in shape.items()}
    if isinstance(shape, list):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [_shape_from_json(v) for v in shape]
    return shape


def model_config(model: Any, who: str) -> dict:
    """`serialize(model)`, plus, for a built subclassed model, Keras 3's `build_config`
    (`{"input_shape": ...}`): loading builds the model with it before reading weights.
    `who` names the caller in errors.

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model_config(m, "save")["class_name"]
        'Sequential'
    """
    _check_serializable(model, who)
    try:
        config = serialize(model)
    except NotImplementedError as e:
        raise NotImplementedError(
            f"{who}: the config of model {model.name!r} can't be made: {e}\n(Or save only "
            f"the weights: model.save_weights(path), then rebuild the model in code and "
            f"load_weights.)") from e
    shape = getattr(model, "_build_input_shape", None)
    if _is_subclassed(model) and model.built and shape is not None:
        config["build_config"] = {"input_shape": _shape_to_json(shape)}
    return config


def _build(model: Any, build_config: Any) -> None:
    """Builds a subclassed model as `build_config` says (Keras 3's `build_from_config`)."""
    shape = build_config.get("input_shape") if isinstance(build_config, dict) else None
    if model.built or shape is None:
        return
    shape = _shape_from_json(shape)
    try:
        model.build(shape)
    except Exception as e:
        raise ValueError(f"{type(model).__name__} ({model.name!r}): building the loaded "
                         f"model on input shape {shape} failed ({type(e).__name__}: {e}). "
                         f"Its call() must run on inputs of the shape it was saved with; "
                         f"or save its weights with save_weights, rebuild it in code and "
                         f"load_weights.") from e


def dumps_config(obj: Any, who: str, **kwargs: Any) -> str:
    """`json.dumps(obj, **kwargs)`, with an error naming `who` that says how to make a
    config JSON can hold.

    Example:
        >>> dumps_config({"units": 2}, "save")
        '{"units": 2}'
    """
    try:
        return json.dumps(obj, **kwargs)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{who}: the model's config is not JSON-serializable ({e}). Make "
                        f"every get_config() return plain Python values (numbers, strings, "
                        f"lists, dicts), and pass only such values as call keywords.") from e


def model_to_json(model: Any, **kwargs: Any) -> str:
    """`{"class_name": ..., "config": model.get_config()}` as JSON (`model.to_json()`).

    Example:
        >>> import json
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> json.loads(model_to_json(m))["class_name"]
        'Sequential'
    """
    return dumps_config(model_config(model, "to_json"), "to_json", **kwargs)


def model_from_config(config: dict, custom_objects: dict | None = None, *,
                      safe_mode: bool = True) -> Any:
    """A new model (fresh weights) from `{"class_name": ..., "config": ...}`.

    Names resolve only to ember's classes, registered objects and `custom_objects`;
    `safe_mode=True` refuses configs that would run code (see `load_model`).

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> cfg = {"class_name": "Sequential", "config": m.get_config()}
        >>> model_from_config(cfg).output_shape
        TensorShape([None, 2])
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"model_from_config: expected a dict with 'class_name' and "
                         f"'config' (as model.to_json() writes), received {config!r:.200}.")
    if "module" in config and "registered_name" in config:  # Keras 3's schema
        from .keras3_config import from_keras3  # (it imports this module)
        config = from_keras3(config, safe_mode=safe_mode, by_ember=True)
    with registry.safe_mode_scope(safe_mode):
        model = deserialize(config, custom_objects=custom_objects)
        if not isinstance(model, builtin_layer_class("Model")):
            raise ValueError(f"model_from_config: the config describes a "
                             f"{type(model).__name__}, not a model.")
        if "build_config" in config:
            _build(model, config["build_config"])
    return model


def model_from_json(json_string: str, custom_objects: dict | None = None, *,
                    safe_mode: bool = True) -> Any:
    """A new model (fresh weights) from `model.to_json()`'s string (`safe_mode` as in
    `model_from_config`).

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
        >>> keras.models.model_from_json(m.to_json()).layers[0].name
        'd'
    """
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the string is not valid JSON ({e}); pass the "
                         f"string of model.to_json().") from e
    return model_from_config(config, custom_objects, safe_mode=safe_mode)


def clone_model(model: Any, input_tensors: Any = None, clone_function: Any = None) -> Any:
    """A new model of the same architecture with new (freshly initialized) weights.

    Example:
        >>> from ember import keras
        >>> m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> c = keras.models.clone_model(m)
        >>> c.output_shape, c.layers[0] is m.layers[0]
        (TensorShape([None, 2]), False)
    """
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model: input_tensors and clone_function are not "
                                  "supported by ember yet; clone with the defaults.")
    # the config comes from a live model of this program, not from a file
    return model_from_config(model_config(model, "clone_model"), safe_mode=False)


# -- compile config ------------------------------------------------------------------
def _encode(x: Any, serialize: Any) -> Any:
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    if isinstance(x, (list, tuple)):
        return [_encode(v, serialize) for v in x]
    if isinstance(x, dict) and "class_name" not in x:
        return {k: _encode(v, serialize) for k, v in x.items()}
    return serialize(x)


def _decode(x: Any, deserialize: Any, custom_objects: dict) -> Any:
    if isinstance(x, str):
        return custom_objects.get(x, x)  # other names resolve in compile
    if isinstance(x, list):
        return [_decode(v, deserialize, custom_objects) for v in x]
    if isinstance(x, dict):
        if isinstance(x.get("class_name"), str) and "config" in x:
            return deserialize(x, custom_objects=custom_objects)
        return {k: _decode(v, deserialize, custom_objects) for k, v in x.items()}
    return x


def compile_config(model: Any) -> dict | None:
    """The arguments of the model's `compile` call, serialized (None if not compiled)."""
    if not getattr(model, "_is_compiled", False):
        return None
    loss, mets = model._compiled_loss, model._compiled_metrics
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _encode(loss._user_loss, losses.serialize),
            "loss_weights": _encode(loss._user_weights, float),
            "metrics": _encode(mets._user, metrics.serialize),
            "weighted_metrics": _encode(mets._user_weighted, metrics.serialize),
            "run_eagerly": getattr(model, "_run_eagerly", None),
            "steps_per_execution": getattr(model, "_steps_per_execution", 1)}


def compile_from_config(model: Any, config: dict, custom_objects: dict | None = None) -> None:
    """Compiles `model` with `compile_config`'s dict."""
    co = dict(custom_objects or {})
    try:
        model.compile(optimizer=optimizers.deserialize(config["optimizer"], custom_objects=co),
                      loss=_decode(config.get("loss"), losses.deserialize, co),
                      loss_weights=config.get("loss_weights"),
                      metrics=_decode(config.get("metrics"), metrics.deserialize, co),
                      weighted_metrics=_decode(config.get("weighted_metrics"),
                                               metrics.deserialize, co),
                      run_eagerly=config.get("run_eagerly"),
                      steps_per_execution=config.get("steps_per_execution", 1))
    except ValueError as e:
        raise ValueError(f"load_model: compiling the loaded model failed: {e} If the model "
                         f"was compiled with your own loss, metric or optimizer, pass it in "
                         f"custom_objects={{'name': object}}, or load with compile=False."
                         ) from e
