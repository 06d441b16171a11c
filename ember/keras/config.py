"""`keras.config`: Keras 3's global settings that ember has so far.

The lowest module of `ember.keras`: it imports nothing from it, and every module that
reads a setting (the default float dtype, the fuzz factor, the image data format, whether
configs may run code) reads it here. `keras.backend.floatx` / `epsilon` are these
functions too.

Example:
    >>> from ember import keras
    >>> keras.config.floatx(), keras.config.epsilon(), keras.config.backend()
    ('float32', 1e-07, 'numpy')
"""

from __future__ import annotations

from typing import Any

__all__ = ["backend", "disable_flash_attention", "disable_interactive_logging",
           "disable_traceback_filtering", "dtype_policy", "enable_flash_attention",
           "enable_interactive_logging", "enable_traceback_filtering",
           "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format",
           "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
           "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch",
           "set_dtype_policy", "set_epsilon", "set_floatx", "set_image_data_format",
           "set_max_epochs", "set_max_steps_per_epoch"]

# Set by enable_unsafe_deserialization(); read by serialization_registry.in_safe_mode.
_UNSAFE_EVERYWHERE = [False]
# The settings, each in a one-element list so that the setters need no `global`.
_FLOATX = ["float32"]
_EPSILON = [1e-7]
_IMAGE_DATA_FORMAT = ["channels_last"]
_INTERACTIVE_LOGGING = [True]
_TRACEBACK_FILTERING = [True]  # read by ember.keras.traceback_utils
_FLASH_ATTENTION: list = [None]  # None: "use it where it applies" (Keras' default)
_MAX_EPOCHS: list = [None]
_MAX_STEPS_PER_EPOCH: list = [None]
_FLOATS = ("bfloat16", "float16", "float32", "float64")


def backend() -> str:
    """The name of the backend ember runs on ('numpy').

    Example:
        >>> from ember import keras
        >>> keras.config.backend()
        'numpy'
    """
    return "numpy"


def floatx() -> str:
    """The default float dtype of layers, weights, inputs and metrics ('float32' unless
    `set_floatx` changed it).

    Example:
        >>> from ember import keras
        >>> keras.config.floatx()
        'float32'
    """
    return _FLOATX[0]


def set_floatx(value: str) -> None:
    """Sets the default float dtype: layers, weights, `keras.Input` and `keras.ops` made
    afterwards use it (the global dtype policy follows it unless `set_dtype_policy` set
    one). For mixed precision use `set_dtype_policy("mixed_float16")` instead.

    Example:
        >>> from ember import keras
        >>> keras.config.set_floatx("float64")
        >>> keras.layers.Dense(1).dtype
        'float64'
        >>> keras.config.set_floatx("float32")
    """
    if not isinstance(value, str) or value not in _FLOATS:
        raise ValueError(f"set_floatx: unknown floatx {value!r}; expected one of "
                         f"{', '.join(_FLOATS)}.")
    _FLOATX[0] = value


def epsilon() -> float:
    """The fuzz factor used by losses, metrics and constraints (1e-7 unless `set_epsilon`
    changed it).

    Example:
        >>> from ember import keras
        >>> keras.config.epsilon()
        1e-07
    """
    return _EPSILON[0]


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor that `epsilon()` returns.

    Example:
        >>> from ember import keras
        >>> keras.config.set_epsilon(1e-5); keras.config.epsilon()
        1e-05
        >>> keras.config.set_epsilon(1e-7)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"set_epsilon: expected a number, received {value!r}.")
    _EPSILON[0] = float(value)


def image_data_format() -> str:
    """Where image tensors keep their channels: 'channels_last' (`(batch, h, w, c)`, the
    default) or 'channels_first'. Layers given `data_format=None` read it.

    Example:
        >>> from ember import keras
        >>> keras.config.image_data_format()
        'channels_last'
    """
    return _IMAGE_DATA_FORMAT[0]


def set_image_data_format(data_format: str) -> None:
    """Sets the data format that layers and ops given `data_format=None` use.

    Example:
        >>> from ember import keras
        >>> keras.config.set_image_data_format("channels_first")
        >>> keras.config.image_data_format()
        'channels_first'
        >>> keras.config.set_image_data_format("channels_last")
    """
    fmt = str(data_format).lower()
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError(f"set_image_data_format: data_format must be 'channels_first' or "
                         f"'channels_last', received {data_format!r}.")
    _IMAGE_DATA_FORMAT[0] = fmt


def standardize_data_format(data_format: Any) -> str:
    """`data_format`, checked and lower-cased; None gives `image_data_format()`.

    Example:
        >>> from ember.keras import config
        >>> config.standardize_data_format(None), config.standardize_data_format("Channels_First")
        ('channels_last', 'channels_first')
    """
    if data_format is None:
        return _IMAGE_DATA_FORMAT[0]
    fmt = str(data_format).lower()
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError(f"data_format must be 'channels_first' or 'channels_last', "
                         f"received {data_format!r}.")
    return fmt


def dtype_policy() -> Any:
    """The global dtype policy (`keras.mixed_precision.global_policy()`): floatx's unless
    `set_dtype_policy` set one.

    Example:
        >>> from ember import keras
        >>> keras.config.dtype_policy()
        <DTypePolicy "float32">
    """
    from .mixed_precision import global_policy  # mixed_precision reads this module
    return global_policy()


def set_dtype_policy(policy: Any) -> None:
    """Sets the policy of every layer made afterwards without a dtype: a name such as
    "float32" or "mixed_float16", or a `keras.DTypePolicy`.

    Example:
        >>> from ember import keras
        >>> keras.config.set_dtype_policy("mixed_float16")
        >>> keras.layers.Dense(1).compute_dtype
        'float16'
        >>> keras.mixed_precision.set_global_policy(None)  # (back to floatx's)
    """
    from .mixed_precision import DTypePolicy, set_global_policy
    if not isinstance(policy, (str, DTypePolicy)):
        raise ValueError(f"set_dtype_policy: expected a policy name (e.g. 'mixed_float16') "
                         f"or a DTypePolicy, received {policy!r}.")
    set_global_policy(policy)


def enable_interactive_logging() -> None:
    """Turns interactive logging on (the default): progress bars and messages go to
    stdout.

    Example:
        >>> from ember import keras
        >>> keras.config.enable_interactive_logging()
        >>> keras.config.is_interactive_logging_enabled()
        True
    """
    _INTERACTIVE_LOGGING[0] = True


def disable_interactive_logging() -> None:
    """Turns interactive logging off: progress bars then send each finished line, as plain
    text, to the `logging` module's "keras" logger (INFO) instead of stdout, as Keras.

    Example:
        >>> from ember import keras
        >>> keras.config.disable_interactive_logging()
        >>> keras.config.is_interactive_logging_enabled()
        False
        >>> keras.config.enable_interactive_logging()
    """
    _INTERACTIVE_LOGGING[0] = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (see `disable_interactive_logging`).

    Example:
        >>> from ember import keras
        >>> keras.config.is_interactive_logging_enabled()
        True
    """
    return _INTERACTIVE_LOGGING[0]


def enable_traceback_filtering() -> None:
    """Tracebacks of errors raised inside Keras calls show the user's frames only (the
    default).

    Example:
        >>> from ember import keras
        >>> keras.config.enable_traceback_filtering()
        >>> keras.config.is_traceback_filtering_enabled()
        True
    """
    _TRACEBACK_FILTERING[0] = True


def disable_traceback_filtering() -> None:
    """Tracebacks keep every frame, ember's own included (for debugging ember).

    Example:
        >>> from ember import keras
        >>> keras.config.disable_traceback_filtering()
        >>> keras.config.is_traceback_filtering_enabled()
        False
        >>> keras.config.enable_traceback_filtering()
    """
    _TRACEBACK_FILTERING[0] = False


def is_traceback_filtering_enabled() -> bool:
    """Whether tracebacks are filtered (see `disable_traceback_filtering`).

    Example:
        >>> from ember import keras
        >>> keras.config.is_traceback_filtering_enabled()
        True
    """
    return _TRACEBACK_FILTERING[0]


def enable_flash_attention() -> None:
    """Lets attention use flash attention where it can (Keras' default; ember has no
    flash kernel, so this is only the flag). `is_flash_attention_enabled()` is then None.

    Example:
        >>> from ember import keras
        >>> keras.config.enable_flash_attention()
        >>> keras.config.is_flash_attention_enabled() is None
        True
    """
    _FLASH_ATTENTION[0] = None


def disable_flash_attention() -> None:
    """Forbids flash attention; `is_flash_attention_enabled()` is then False.

    Example:
        >>> from ember import keras
        >>> keras.config.disable_flash_attention()
        >>> keras.config.is_flash_attention_enabled()
        False
        >>> keras.config.enable_flash_attention()
    """
    _FLASH_ATTENTION[0] = False


def is_flash_attention_enabled() -> bool | None:
    """False after `disable_flash_attention()`; None ("where it applies") otherwise, as
    Keras.

    Example:
        >>> from ember import keras
        >>> keras.config.is_flash_attention_enabled() is None
        True
    """
    return _FLASH_ATTENTION[0]


def is_nnx_enabled() -> bool:
    """Whether Flax NNX integration is on: always False (it is JAX-backend Keras only).

    Example:
        >>> from ember import keras
        >>> keras.config.is_nnx_enabled()
        False
    """
    return False


def _check_limit(what: str, value: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 1):
        raise ValueError(f"{what}: expected a positive integer or None, received {value!r}.")
    return value


def set_max_epochs(max_epochs: int | None) -> None:
    """Caps the epochs of every `fit` (None: no cap), e.g. for quick debugging runs.

    Example:
        >>> from ember import keras
        >>> keras.config.set_max_epochs(2); keras.config.max_epochs()
        2
        >>> keras.config.set_max_epochs(None)
    """
    _MAX_EPOCHS[0] = _check_limit("set_max_epochs", max_epochs)


def max_epochs() -> int | None:
    """The cap `set_max_epochs` set on `fit`'s epochs (None: none).

    Example:
        >>> from ember import keras
        >>> keras.config.max_epochs() is None
        True
    """
    return _MAX_EPOCHS[0]


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Caps the batches of every epoch of `fit` (None: no cap).

    Example:
        >>> from ember import keras
        >>> keras.config.set_max_steps_per_epoch(3); keras.config.max_steps_per_epoch()
        3
        >>> keras.config.set_max_steps_per_epoch(None)
    """
    _MAX_STEPS_PER_EPOCH[0] = _check_limit("set_max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch() -> int | None:
    """The cap `set_max_steps_per_epoch` set on an epoch's batches (None: none).

    Example:
        >>> from ember import keras
        >>> keras.config.max_steps_per_epoch() is None
        True
    """
    return _MAX_STEPS_PER_EPOCH[0]


def enable_unsafe_deserialization() -> None:
    """Lets every later deserialization run code from configs (Python bytecode of a
    `Lambda`, functions found by importing the module a config names). Only for files you
    trust; `load_model(..., safe_mode=False)` does it for one call.

    Example:
        >>> from ember.keras import config
        >>> config.enable_unsafe_deserialization(); config.unsafe_deserialization_enabled()
        True
        >>> config._UNSAFE_EVERYWHERE[0] = False  # (undo, for the other examples)
    """
    _UNSAFE_EVERYWHERE[0] = True


def unsafe_deserialization_enabled() -> bool:
    """Whether `enable_unsafe_deserialization()` was called.

    Example:
        >>> from ember.keras import config
        >>> config.unsafe_deserialization_enabled()
        False
    """
    return _UNSAFE_EVERYWHERE[0]
