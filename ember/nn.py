"""`ember.nn`: TF's `tf.nn` namespace."""

from .ops.nn_ops import *  # noqa: F401,F403
from .ops.dropout_ops import dropout  # noqa: F401
from .prims.math import sigmoid, softplus, tanh  # noqa: F401
from .ops.sort_ops import in_top_k, top_k  # noqa: F401
from .ops.conv_ops import avg_pool1d, avg_pool2d, conv1d, conv2d, max_pool1d, max_pool2d  # noqa: F401
from .ops.conv_extra import conv2d_transpose, depthwise_conv2d, separable_conv2d  # noqa: F401
from .ops.nn3d import avg_pool3d, conv3d, conv3d_transpose, max_pool3d  # noqa: F401
from .ops.nn_more import *  # noqa: F401,F403
from .ops.nn_space import *  # noqa: F401,F403
from .ops.nn_stats import *  # noqa: F401,F403
from .ops.nn_ctc import ctc_loss, ctc_unique_labels  # noqa: F401,E402
from .ops import nn_ctc as _ctc  # noqa: E402
from .ops.nn_embedding_sparse import embedding_lookup_sparse, safe_embedding_lookup_sparse  # noqa: F401,E402


def _to_sparse(parts: tuple):
    from .sparse import SparseTensor
    return SparseTensor(*parts)


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated: bool = True,
                       blank_index=None) -> tuple:
    """Greedy (best-path) CTC decoding, as `tf.nn.ctc_greedy_decoder`: the argmax class of
    each frame, repeats merged (`merge_repeated`) and blanks (default the last class)
    removed. Returns `([SparseTensor [batch, max_len]], neg_sum_logits [batch, 1])`.

    Example:
        >>> import ember as tf
        >>> x = tf.constant([[[0.0, 5.0, 0.0]], [[0.0, 5.0, 0.0]], [[0.0, 0.0, 5.0]]])
        >>> (d,), neg = tf.nn.ctc_greedy_decoder(x, [3])
        >>> d.values.numpy(), neg.numpy()
        (array([1]), array([[-15.]], dtype=float32))
    """
    decoded, neg = _ctc.ctc_greedy(inputs, sequence_length, merge_repeated, blank_index)
    return [_to_sparse(p) for p in decoded], neg


def ctc_beam_search_decoder(inputs, sequence_length, beam_width: int = 100,
                            top_paths: int = 1) -> tuple:
    """CTC prefix beam search (blank: the last class), as `tf.nn.ctc_beam_search_decoder`.
    Returns `([SparseTensor] * top_paths, log_probabilities [batch, top_paths])`.

    Example:
        >>> import ember as tf
        >>> x = tf.math.log(tf.constant([[[0.1, 0.6, 0.3]], [[0.1, 0.6, 0.3]]]))
        >>> (d,), lp = tf.nn.ctc_beam_search_decoder(x, [2], beam_width=4)
        >>> d.values.numpy(), round(float(lp[0, 0]), 4)
        (array([1]), -0.3285)
    """
    decoded, scores = _ctc.ctc_beam(inputs, sequence_length, beam_width, top_paths)
    return [_to_sparse(p) for p in decoded], scores
from .ops.nn_sampled import (all_candidate_sampler, compute_accidental_hits,  # noqa: F401,E402
                             fixed_unigram_candidate_sampler,
                             learned_unigram_candidate_sampler, nce_loss, sampled_softmax_loss)


_CELL_WRAPPERS = ("RNNCellDropoutWrapper", "RNNCellResidualWrapper", "RNNCellDeviceWrapper")


def __getattr__(name: str):
    """TF's RNN cell wrappers are Keras layers (ember/keras/layers/rnn_cell_wrappers.py):
    loaded on first use, as tf.keras is."""
    if name not in _CELL_WRAPPERS:
        raise AttributeError(f"module 'ember.nn' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module("ember.keras.layers.rnn_cell_wrappers"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_CELL_WRAPPERS))
