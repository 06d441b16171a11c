"""Test configuration and the fixtures shared by several test modules (shared helper
functions are in tests/helpers.py).

The seed examples are scripts run by tests, not test modules; tests/data/make_*.py write
the committed fixtures (make_tf_checkpoints.py with TensorFlow, run by hand).
"""

import pytest

import ember as tf

collect_ignore_glob = ["seed_examples/*", "data/make_*.py"]


@pytest.fixture
def no_global_seed():
    """No global random seed during the test, and none left after it (a test that sets
    one can't change what later tests draw). Use it module-wide with
    `pytestmark = pytest.mark.usefixtures("no_global_seed")`."""
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)
