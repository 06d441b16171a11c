"""`ember.random`: TF's `tf.random` namespace."""

from .ops.random_ops import *  # noqa: F401,F403
from .ops.nn_sampled import (all_candidate_sampler, fixed_unigram_candidate_sampler,  # noqa: F401,E402
                             learned_unigram_candidate_sampler, log_uniform_candidate_sampler,
                             uniform_candidate_sampler)
