"""Data parallel on the JAX backend (issue 14): tf.distribute.MirroredStrategy and Keras 3's
keras.distribution.DataParallel split each batch across devices and give the values of
one device; run on 4 host devices forced with XLA_FLAGS, each case in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("jax")

import ember as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tests", "jax_scripts", "data_parallel_fit.py")
ENV = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4", "EMBER_BACKEND": "jax",
       "PYTHONPATH": ROOT}


def _fit(mode: str) -> dict:
    p = subprocess.run([sys.executable, SCRIPT, mode], capture_output=True, text=True,
                       env={**os.environ, **ENV}, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    return {**json.loads(p.stdout.strip().splitlines()[-1]), "stderr": p.stderr}


@pytest.fixture(scope="module")
def single() -> dict:
    return _fit("single")


@pytest.mark.parametrize("mode", ["mirrored", "dataparallel"])
def test_data_parallel_fit_equals_the_single_device_fit(single, mode):
    """70 samples at batch 16: four batches split 4 ways, and a last batch of 6 that
    doesn't divide (it runs whole on each device): nothing is dropped."""
    dp = _fit(mode)
    assert dp["n"] == 4 and single["n"] == 1
    assert dp["devices"] == 4  # the weights live on all four devices
    assert dp["all_reduce"]  # XLA sums the gradients across them
    np.testing.assert_allclose(dp["loss"], single["loss"], rtol=1e-5)
    np.testing.assert_allclose(dp["ev"], single["ev"], rtol=1e-5)
    np.testing.assert_allclose(dp["p"], single["p"], rtol=1e-5, atol=1e-6)
    for a, b in zip(dp["w"], single["w"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # the replicated batch is said once (a batch size that isn't a multiple of the device
    # count would give no speed-up), the batches that divide are not
    assert dp["stderr"].count("A batch of 6 rows doesn't divide over 4 devices") == 1
    assert "A batch of 16 rows" not in dp["stderr"]
    assert "doesn't divide" not in single["stderr"]


CUSTOM_LOOP = """
import numpy as np, ember as tf
from ember import keras
strategy = tf.distribute.MirroredStrategy()
GLOBAL = 32
with strategy.scope():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    opt = keras.optimizers.SGD(0.1)
x = np.random.default_rng(0).standard_normal((64, 4)).astype("float32")
y = x.sum(1, keepdims=True)
ds = strategy.experimental_distribute_dataset(
    tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL))

def step(xb, yb):
    with tf.GradientTape() as tape:
        per = tf.reduce_sum(tf.square(model(xb) - yb), axis=1)
        loss = tf.reduce_sum(per) / GLOBAL  # tf.nn.compute_average_loss's formula
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables))
    return loss

@tf.function
def dist_step(xb, yb):
    losses = strategy.run(step, args=(xb, yb))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

out = [float(dist_step(xb, yb)) for _ in range(3) for xb, yb in ds]
w = model.weights[0]._value
print(strategy.num_replicas_in_sync, len(w.sharding.device_set), out[0], out[-1])
"""


def test_a_custom_loop_with_strategy_run_trains():
    p = subprocess.run([sys.executable, "-c", CUSTOM_LOOP], capture_output=True, text=True,
                       env={**os.environ, **ENV}, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    n, on, first, last = p.stdout.split()
    assert n == on == "4" and float(last) < float(first) * 0.5


def test_a_device_that_is_not_there_names_the_present_ones():
    p = subprocess.run([sys.executable, "-c",
                        "import ember as tf; tf.distribute.MirroredStrategy(['/gpu:3'])"],
                       capture_output=True, text=True, env={**os.environ, **ENV},
                       timeout=120, cwd=ROOT)
    assert "InvalidArgumentError: MirroredStrategy: device '/gpu:3' is not present" in p.stderr
    assert "cpu:0" in p.stderr


def test_gpus_on_the_numpy_backend_ask_for_jax():
    with pytest.raises(tf.errors.InvalidArgumentError, match="need the JAX backend"):
        tf.distribute.MirroredStrategy(["/gpu:0", "/gpu:1"])
    s = tf.distribute.MirroredStrategy()
    assert s.num_replicas_in_sync == 1
    with s.scope():
        assert tf.distribute.has_strategy() and tf.distribute.get_strategy() is s
    assert not tf.distribute.has_strategy()


CHECK_ON_MESH = """
import ember as tf
strategy = tf.distribute.MirroredStrategy()
v = tf.Variable(1.0)
@tf.function
def step(x):
    tf.debugging.assert_positive(x)
    v.assign_add(1.0)
    return x
try:
    strategy.run(step, args=(tf.constant([1.0, 2.0, 3.0, 4.0]),))
except NotImplementedError as e:
    print("refused", float(v.numpy()), str(e)[:200])
"""


def test_a_check_in_a_distributed_step_is_refused_before_it_runs():
    """A failing check on one device would leave the others waiting (XLA then aborts the
    process): the step is refused up front, and no Variable changes."""
    p = subprocess.run([sys.executable, "-c", CHECK_ON_MESH], capture_output=True,
                       text=True, env={**os.environ, **ENV}, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.startswith("refused 1.0 ")
    assert "runs on 4 devices are not supported on the JAX backend" in p.stdout


TWO_HOSTS = """
import json, os
import numpy as np
import ember as tf
from ember import keras
import jax
multi = os.environ.get("TF_CONFIG") is not None
s = tf.distribute.MultiWorkerMirroredStrategy() if multi else tf.distribute.OneDeviceStrategy("/cpu:0")
keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)
x = rng.standard_normal((64, 6)).astype(np.float32); y = rng.integers(0, 3, 64)
with s.scope():
    m = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(3)])
    m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
h = m.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
print("RESULT", json.dumps([s.num_replicas_in_sync, jax.process_count(), h.history["loss"]]))
"""


def _free_ports(n: int) -> list:
    import socket
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_two_hosts_train_as_one_device():
    """Multi-host: two processes on this machine (2 devices each) joined by
    MultiWorkerMirroredStrategy from TF_CONFIG (jax.distributed, gloo on CPU) fit the
    same model as one device does on the same global batches."""
    ports = _free_ports(2)
    workers = [f"localhost:{p}" for p in ports]
    env = {**os.environ, "EMBER_BACKEND": "jax", "PYTHONPATH": ROOT,
           "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    procs = [subprocess.Popen(
        [sys.executable, "-c", TWO_HOSTS], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=ROOT, env={**env, "TF_CONFIG": json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}})})
        for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
    results = [json.loads(next(ln for ln in out.splitlines() if ln.startswith("RESULT"))[7:])
               for out, _ in outs]
    one = subprocess.run([sys.executable, "-c", TWO_HOSTS], capture_output=True, text=True,
                         cwd=ROOT, env={**env, "XLA_FLAGS": ""}, timeout=300)
    assert one.returncode == 0, one.stderr[-2000:]
    single = json.loads(next(ln for ln in one.stdout.splitlines()
                             if ln.startswith("RESULT"))[7:])
    for replicas, processes, losses in results:
        assert (replicas, processes) == (4, 2)
        np.testing.assert_allclose(losses, single[2], rtol=1e-5)
    assert single[:2] == [1, 1]
