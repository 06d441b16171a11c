"""`tf.data.Options`: accepted and recorded so TF pipelines run unchanged; no effect.

ember's pipeline is single-threaded and unoptimized, so there is nothing to configure.
The option names are TF's; groups (`threading`, `experimental_optimization`, ...) take
any attribute, and an unset option reads as None.

Example:
    >>> import ember as tf
    >>> opts = tf.data.Options()
    >>> opts.experimental_distribute.auto_shard_policy = 0
    >>> opts.threading.private_threadpool_size = 4
    >>> opts.threading.private_threadpool_size, opts.deterministic
    (4, None)
"""

from __future__ import annotations

from typing import Any

_SCALARS = ("deterministic", "experimental_deterministic", "experimental_external_state_policy",
            "experimental_slack", "experimental_warm_start", "experimental_symbolic_checkpoint",
            "experimental_threading", "framework_type", "dataset_name")
_GROUPS = ("autotune", "experimental_distribute", "experimental_optimization", "threading")


class OptionGroup:
    """A group of options (e.g. `Options().threading`): any attribute, None when unset.

    Example:
        >>> g = OptionGroup("threading")
        >>> g.max_intra_op_parallelism = 1
        >>> g.max_intra_op_parallelism, g.private_threadpool_size
        (1, None)
    """

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", {})

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._values.get(key)

    def __setattr__(self, key: str, value: Any) -> None:
        self._values[key] = value

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, OptionGroup) and self._values == other._values

    def __repr__(self) -> str:
        return f"<{self._name} options {self._values}>"


class Options:
    """The options of a dataset (`tf.data.Options`); see the module docstring.

    Example:
        >>> import ember as tf
        >>> opts = tf.data.Options()
        >>> opts.autotune.enabled = False
        >>> tf.data.Dataset.range(2).with_options(opts).options().autotune.enabled
        False
    """

    def __init__(self):
        object.__setattr__(self, "_values", {})
        for g in _GROUPS:
            self._values[g] = OptionGroup(g)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        if key in _SCALARS or key in self._values:
            return self._values.get(key)
        raise AttributeError(f"tf.data.Options has no option {key!r}; known options: "
                             f"{', '.join(_SCALARS + _GROUPS)}.")

    def __setattr__(self, key: str, value: Any) -> None:
        if key in _GROUPS:
            raise AttributeError(f"tf.data.Options.{key} is a group of options; set its "
                                 f"fields instead (e.g. options.{key}.<name> = value).")
        if key not in _SCALARS:
            raise AttributeError(f"Cannot set the property {key!r} on tf.data.Options; "
                                 f"known options: {', '.join(_SCALARS + _GROUPS)}.")
        self._values[key] = value

    def merge(self, options: "Options") -> "Options":
        """A new Options with the values of both; `options` wins where both set one.

        Example:
            >>> import ember as tf
            >>> a, b = tf.data.Options(), tf.data.Options()
            >>> a.deterministic, b.experimental_slack = True, True
            >>> m = a.merge(b)
            >>> m.deterministic, m.experimental_slack
            (True, True)
        """
        out = Options()
        for src in (self, options):
            for k, v in src._values.items():
                if isinstance(v, OptionGroup):
                    out._values[k]._values.update(v._values)
                elif v is not None:
                    out._values[k] = v
        return out

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Options) and self._values == other._values

    def __repr__(self) -> str:
        set_ = {k: v for k, v in self._values.items()
                if not isinstance(v, OptionGroup) or v._values}
        return f"<tf.data.Options {set_}>"
