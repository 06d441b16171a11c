"""examples/serve.py: the HTTP serving example answers like the model, batches
concurrent requests, answers bad input with a 400 naming expected vs received, and
shuts down cleanly."""

from __future__ import annotations

import http.client
import importlib.util
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import ember as tf
from ember import keras

_SPEC = importlib.util.spec_from_file_location(
    "serve", Path(__file__).resolve().parent.parent / "examples" / "serve.py")
serve = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(serve)


def _post(url: str, payload) -> tuple:
    """(status, decoded JSON) of a POST; errors are answers too."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        with urllib.request.urlopen(url, body, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _get(url: str) -> tuple:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((5,), name="pixels"),
                              keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    path = str(tmp_path_factory.mktemp("serve") / "mlp")
    tf.saved_model.save(model, path)
    return model, path


@pytest.fixture(scope="module")
def server(saved):
    # a wide batch window, so that requests sent together surely meet in one batch
    srv = serve.make_server(saved[1], port=0, max_batch=64, batch_timeout_ms=30).start()
    yield srv
    srv.close()


def test_concurrent_requests_are_answered_like_predict_and_batched(saved, server):
    model, _ = saved
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 5)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    answers = [None] * 20
    barrier = threading.Barrier(20)
    before = server.batcher.stats()

    def ask(i):
        barrier.wait()
        answers[i] = _post(server.url + ":predict", {"instances": x[i:i + 1].tolist()})

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for i, (code, reply) in enumerate(answers):
        assert code == 200, reply
        np.testing.assert_allclose(reply["predictions"], expected[i:i + 1], rtol=1e-5,
                                   atol=1e-6)
    after = server.batcher.stats()
    assert after["requests"] - before["requests"] == 20
    assert after["rows"] - before["rows"] == 20
    assert after["batches"] - before["batches"] < 20  # requests shared model calls
    assert after["errors"] == before["errors"]


def test_requests_of_several_rows_and_the_columnar_format(saved, server):
    model, _ = saved
    x = np.linspace(-1, 1, 15, dtype=np.float32).reshape(3, 5)
    code, reply = _post(server.url + ":predict", {"inputs": x.tolist()})
    assert code == 200 and list(reply) == ["outputs"]
    np.testing.assert_allclose(reply["outputs"], model.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
    # integers are read as the model's float32; an instance may name its input
    code, reply = _post(server.url + ":predict", {"instances": [{"pixels": [1, 0, 0, 0, 2]}]})
    assert code == 200
    np.testing.assert_allclose(reply["predictions"],
                               model.predict(np.array([[1, 0, 0, 0, 2]], np.float32),
                                             verbose=0), rtol=1e-5, atol=1e-6)


def test_keep_alive_connection_serves_many_requests(saved, server):
    model, _ = saved
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    path = server.base_path + ":predict"
    try:
        for k in range(5):
            x = np.full((1, 5), k, np.float32)
            conn.request("POST", path, json.dumps({"instances": x.tolist()}),
                         {"Content-Type": "application/json"})
            reply = conn.getresponse()
            assert reply.status == 200
            np.testing.assert_allclose(json.loads(reply.read())["predictions"],
                                       model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    finally:
        conn.close()


def test_status_and_metadata_show_the_specs(server):
    code, status = _get(server.url)
    assert code == 200
    assert status["model_version_status"][0]["state"] == "AVAILABLE"
    assert status["inputs"] == {"pixels": {"dtype": "float32", "shape": [None, 5]}}
    assert status["batching"]["max_batch"] == 64
    code, meta = _get(server.url + "/metadata")
    assert code == 200 and meta["model_spec"]["name"] == "mlp"
    assert _get(server.url.replace("mlp", "other"))[0] == 404


@pytest.mark.parametrize("payload, words", [
    ({"instances": [[1.0, 2.0, 3.0, 4.0]]}, ["float32[None, 5]", "received shape [1, 4]"]),
    ({"instances": [[1, 2, 3, 4, 5], [1, 2]]}, ["ragged", "float32[None, 5]"]),
    ({"instances": [["a", "b", "c", "d", "e"]]}, ["float32 numbers", "string"]),
    ({"instances": []}, ["non-empty list"]),
    ({"instances": [[0] * 5], "inputs": [[0] * 5]}, ["exactly one", "instances"]),
    ({"rows": [[0] * 5]}, ["exactly one", "'rows'"]),
    ({"instances": [{"x": [0] * 5}]}, ["instance 0", "missing ['pixels'], unknown ['x']"]),
    ({"inputs": {"pixels": [[0] * 5], "extra": [1]}}, ["missing [], unknown ['extra']"]),
    ({"inputs": 3.0}, ["float32[None, 5]", "received shape []"]),
    (b"{not json", ["not valid JSON"]),
])
def test_bad_input_gets_a_400_naming_expected_and_received(server, payload, words):
    code, reply = _post(server.url + ":predict", payload)
    assert code == 400
    for word in words:
        assert word in reply["error"], reply["error"]


def test_bad_requests_leave_the_server_serving(saved, server):
    model, _ = saved
    assert _post(server.url + ":classify", {"instances": [[0] * 5]})[0] == 404
    assert _post(server.url + ":predict", b"\xff\xfe")[0] == 400
    x = np.ones((1, 5), np.float32)
    code, reply = _post(server.url + ":predict", {"instances": x.tolist()})
    assert code == 200
    np.testing.assert_allclose(reply["predictions"], model.predict(x, verbose=0), rtol=1e-5)


def test_a_module_serve_function_with_dict_outputs(tmp_path):
    class Scaler(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(3.0)

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.int32, name="x")])
        def serve(self, x):
            return {"scaled": tf.cast(x, tf.float32) * self.w, "total": tf.reduce_sum(x, 1)}

    tf.saved_model.save(Scaler(), str(tmp_path / "scaler"))
    srv = serve.make_server(str(tmp_path / "scaler"), port=0, batch_timeout_ms=0).start()
    try:
        assert srv.servable.endpoint == "serve"
        code, reply = _post(srv.url + ":predict", {"instances": [[1, 2], [3, 4]]})
        assert code == 200
        assert reply == {"predictions": [{"scaled": [3.0, 6.0], "total": 3},
                                         {"scaled": [9.0, 12.0], "total": 7}]}
        code, reply = _post(srv.url + ":predict", {"inputs": {"x": [[1, 1]]}})
        assert reply == {"outputs": {"scaled": [[3.0, 3.0]], "total": [2]}}
        code, reply = _post(srv.url + ":predict", {"instances": [[1.5, 2]]})
        assert code == 400 and "integers (int32)" in reply["error"]
    finally:
        srv.close()


def test_a_model_with_two_inputs_takes_named_instances(tmp_path):
    a, b = keras.Input((2,)), keras.Input((3,))
    model = keras.Model([a, b], keras.layers.Dense(2)(keras.layers.Concatenate()([a, b])))
    tf.saved_model.save(model, str(tmp_path / "two"))
    srv = serve.make_server(str(tmp_path / "two"), port=0).start()
    try:
        (na, _), (nb, _) = srv.servable.inputs
        xa, xb = np.ones((2, 2), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)
        instances = [{na: xa[i].tolist(), nb: xb[i].tolist()} for i in range(2)]
        code, reply = _post(srv.url + ":predict", {"instances": instances})
        assert code == 200
        np.testing.assert_allclose(reply["predictions"], model.predict([xa, xb], verbose=0),
                                   rtol=1e-5, atol=1e-6)
        code, reply = _post(srv.url + ":predict", {"inputs": {na: xa.tolist(),
                                                              nb: xb[:1].tolist()}})
        assert code == 400 and "different numbers of rows" in reply["error"]
        code, reply = _post(srv.url + ":predict", {"instances": xa.tolist()})
        assert code == 400 and "as an object {name: value}" in reply["error"]
    finally:
        srv.close()


def test_batcher_respects_max_batch_and_isolates_a_failing_request():
    sizes = []

    def predict(xs):
        sizes.append(len(xs[0]))
        if (xs[0] < 0).any():
            raise ValueError("negative input")
        return {"y": xs[0] * 10}

    batcher = serve.Batcher(predict, max_batch=4, timeout_ms=50)
    barrier = threading.Barrier(9)
    results = {}

    def ask(i, rows):
        barrier.wait()
        x = np.full((rows, 1), -1.0 if i == 3 else float(i))
        try:
            results[i] = batcher([x], timeout=10)["y"]
        except ValueError as exc:
            results[i] = exc

    threads = [threading.Thread(target=ask, args=(i, 1 + i % 3)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    batcher.close()
    for i in range(9):
        if i == 3:
            assert isinstance(results[i], ValueError)
        else:
            np.testing.assert_array_equal(results[i], np.full((1 + i % 3, 1), 10.0 * i))
    assert max(sizes) <= 4
    stats = batcher.stats()
    assert stats["requests"] == 9 and stats["errors"] == 1
    assert stats["rows"] == sum(1 + i % 3 for i in range(9)) - 1  # the failed one's row
    with pytest.raises(RuntimeError, match="closed"):
        batcher.submit([np.zeros((1, 1))])


def test_batcher_rejects_bad_settings():
    with pytest.raises(ValueError, match="max_batch must be >= 1"):
        serve.Batcher(lambda xs: {}, max_batch=0)


def test_missing_model_dir_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no SavedModel directory"):
        serve.make_server(str(tmp_path / "nothing"), port=0)


def test_close_stops_serving_and_frees_every_thread(saved):
    model, path = saved
    srv = serve.make_server(path, port=0).start()
    host, port = srv.server_address[:2]
    idle = http.client.HTTPConnection(host, port, timeout=10)  # a keep-alive client
    idle.request("POST", srv.base_path + ":predict", json.dumps({"instances": [[0] * 5]}))
    assert idle.getresponse().read()
    handlers = list(srv._connections.values())
    assert handlers
    start = time.monotonic()
    srv.close()
    assert time.monotonic() - start < 5
    assert not srv.batcher._thread.is_alive()
    assert not any(t.is_alive() for t in handlers)
    with pytest.raises(OSError):
        urllib.request.urlopen(srv.url, timeout=2)
    idle.close()


def test_a_taken_port_is_an_oserror_and_leaks_no_thread(saved, server):
    before = threading.active_count()
    with pytest.raises(OSError):
        serve.make_server(saved[1], port=server.server_address[1])
    assert threading.active_count() == before
