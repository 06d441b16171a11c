"""Serve an exported ember model over HTTP, in TensorFlow Serving's REST style, batching
requests that arrive together.

    python examples/serve.py MODEL_DIR [--name NAME] [--host 127.0.0.1] [--port 8500]
                             [--max-batch 64] [--batch-timeout-ms 2]
    python examples/serve.py --demo          # trains and saves a small MLP first

MODEL_DIR is a SavedModel written by `tf.saved_model.save(model, path)` or
`model.export(path)`. The API (the standard library's `ThreadingHTTPServer`, no other
dependency):

- `POST /v1/models/<name>:predict` with `{"instances": [row, ...]}` answers
  `{"predictions": [row, ...]}`; with `{"inputs": tensor}` (columnar) it answers
  `{"outputs": tensor}`. A model with several inputs takes each instance as a dict
  `{input_name: value}` (or `"inputs": {input_name: tensor}`); several outputs come back
  as a dict per instance (or `"outputs": {output_name: tensor}`), as TF Serving does.
- `GET /v1/models/<name>` answers the model's status, its input and output specs and the
  batching counters; `GET /v1/models/<name>/metadata` the same specs.
- Bad input (bad JSON, wrong shape or dtype, unknown input names) gets a 400 with a JSON
  `{"error": ...}` naming what was expected and what was received.

Batching: request threads validate their input and hand it to one `Batcher`, whose
single worker thread takes the first waiting request, waits up to `--batch-timeout-ms`
for more (up to `--max-batch` rows), concatenates them along the batch axis, calls the
model once, and splits the result back to each waiting request. Only that worker calls
the model.

Example:
    >>> import json, tempfile, urllib.request, ember as tf
    >>> from ember import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> model.set_weights([np.array([[1.0], [10.0]], np.float32)])
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(model, path)
    >>> server = make_server(path, port=0, name="tiny").start()
    >>> body = json.dumps({"instances": [[1, 2], [3, 4]]}).encode()
    >>> reply = urllib.request.urlopen(server.url + ":predict", body)
    >>> json.loads(reply.read())
    {'predictions': [[21.0], [43.0]]}
    >>> server.close()
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Sequence

import numpy as np

import ember as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # serve_batching beside it
from serve_batching import Batcher  # noqa: E402

__all__ = ["Batcher", "Servable", "ModelServer", "BadRequest", "make_server",
           "parse_request", "format_response", "demo_model", "main"]

MAX_BODY_BYTES = 64 << 20


class BadRequest(ValueError):
    """A request the server answers with HTTP 400 (the message says what was expected)."""


# -- the model ------------------------------------------------------------------------

class Servable:
    """A loaded SavedModel's serving function with its named input specs and a
    `predict(list of arrays) -> dict of arrays` over whole batches.

    Uses `loaded.serve` (what `model.export` writes) when there is one, else the
    `serving_default` signature (what `tf.saved_model.save(keras_model, path)` writes).

    Example:
        >>> import tempfile, ember as tf
        >>> from ember import keras
        >>> path = tempfile.mkdtemp()
        >>> tf.saved_model.save(keras.Sequential([keras.Input((3,), name="x"),
        ...                                       keras.layers.Dense(2)]), path)
        >>> s = Servable.load(path)
        >>> s.predict([np.ones((4, 3), np.float32)])["output_0"].shape
        (4, 2)
        >>> s.describe()
        {'endpoint': "signatures['serving_default']", 'inputs': {'x': {'dtype': \
'float32', 'shape': [None, 3]}}, 'outputs': ['output_0']}
    """

    def __init__(self, loaded: Any):
        self.loaded = loaded
        serve = getattr(loaded, "serve", None)
        signature = getattr(loaded, "signatures", {}).get("serving_default")
        if serve is not None and callable(serve):
            structure = _positional_specs(serve)
            if structure is None and signature is not None:
                structure = tuple(signature.structured_input_signature[1].values())
            if structure is None:
                raise ValueError("serve.py: the model's `serve` function has no input "
                                 "signature to validate requests against.")
            self._structure = structure
            self._call = lambda flat: serve(*tf.nest.pack_sequence_as(structure, flat))
            self.endpoint = "serve"
        elif signature is not None:
            specs = signature.structured_input_signature[1]
            names = list(specs)
            self._structure = tuple(specs[n] for n in names)
            self._call = lambda flat: signature(**dict(zip(names, flat)))
            self.endpoint = "signatures['serving_default']"
        else:
            raise ValueError(f"serve.py: the SavedModel has neither a `serve` function "
                             f"(model.export) nor a 'serving_default' signature "
                             f"(tf.saved_model.save of a Keras model); received "
                             f"{loaded!r}.")
        flat = tf.nest.flatten(self._structure)
        names = [spec.name for spec in flat]
        if signature is not None and None in names:  # the signature's names, if it fits
            sig = list(signature.structured_input_signature[1].items())
            if [_spec_text(s) for _, s in sig] == [_spec_text(s) for s in flat]:
                names = [n for n, _ in sig]
        if None in names or len(set(names)) != len(names):
            names = [f"input_{i}" for i in range(len(flat))]
        self.inputs = list(zip(names, flat))
        self.outputs: list | None = None  # output names, known after the first call

    @classmethod
    def load(cls, model_dir: str) -> "Servable":
        """`tf.saved_model.load(model_dir)`, wrapped. Example: see the class."""
        if not os.path.isdir(model_dir):
            raise FileNotFoundError(f"serve.py: no SavedModel directory at {model_dir!r}.")
        return cls(tf.saved_model.load(model_dir))

    def predict(self, arrays: Sequence[np.ndarray]) -> dict:
        """Runs the model once on whole-batch input arrays (in `self.inputs` order);
        returns {output name: NumPy array}. Example: see the class."""
        result = self._call(list(arrays))
        if isinstance(result, dict):
            out = {str(k): np.asarray(v) for k, v in result.items()}
        else:
            out = {f"output_{i}": np.asarray(v) for i, v in
                   enumerate(tf.nest.flatten(result))}
        if self.outputs is None:
            self.outputs = list(out)
        return out

    def describe(self) -> dict:
        """The input (and, once known, output) specs, JSON-ready. Example: the class."""
        info = {"endpoint": self.endpoint,
                "inputs": {n: _spec_json(s) for n, s in self.inputs}}
        if self.outputs is not None:
            info["outputs"] = self.outputs
        return info


def _positional_specs(fn: Any) -> tuple | None:
    """The positional-argument TensorSpecs of a (loaded) ember.function, or None."""
    try:
        concrete = getattr(fn, "concrete_functions", None) or [fn.get_concrete_function()]
        return tuple(concrete[0].structured_input_signature[0])
    except (AttributeError, IndexError, TypeError, ValueError):
        signature = getattr(fn, "input_signature", None)
        return tuple(signature) if signature else None


def _spec_json(spec: Any) -> dict:
    shape = spec.shape.as_list() if spec.shape.rank is not None else None
    return {"dtype": spec.dtype.name, "shape": shape}


def _spec_text(spec: Any) -> str:
    shape = spec.shape.as_list() if spec.shape.rank is not None else "?"
    return f"{spec.dtype.name}{shape}"


# -- requests -------------------------------------------------------------------------

def parse_request(body: bytes, inputs: list) -> tuple:
    """Reads a predict request: returns (arrays in `inputs` order, cast to each spec's
    dtype, with a leading batch dim; 'instances' or 'inputs', the format asked).
    Raises BadRequest naming what was expected and received.

    Args:
        body: the HTTP body, JSON.
        inputs: [(name, TensorSpec)], as `Servable.inputs`.

    Example:
        >>> spec = tf.TensorSpec([None, 2], tf.float32)
        >>> arrays, fmt = parse_request(b'{"instances": [[1, 2], [3, 4]]}', [("x", spec)])
        >>> arrays[0].dtype, arrays[0].shape, fmt
        (dtype('float32'), (2, 2), 'instances')
        >>> try:
        ...     parse_request(b'{"instances": [[1, 2, 3]]}', [("x", spec)])
        ... except BadRequest as e:
        ...     print(e)
        input 'x' must be float32[None, 2] (each instance float32[2]); received shape [1, 3].
    """
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON ({exc}); send e.g. "
                         f'{{"instances": [[1.0, 2.0]]}}.') from None
    keys = [k for k in ("instances", "inputs") if isinstance(request, dict) and k in request]
    if len(keys) != 1:
        got = sorted(request) if isinstance(request, dict) else type(request).__name__
        raise BadRequest(f'the request must be a JSON object with exactly one of '
                         f'"instances" or "inputs"; received {got}.')
    fmt = keys[0]
    data = request[fmt]
    names = [n for n, _ in inputs]
    if fmt == "instances" and (not isinstance(data, list) or not data):
        raise BadRequest('"instances" must be a non-empty list (one entry per row).')
    if fmt == "instances" and all(isinstance(row, dict) for row in data):
        for i, row in enumerate(data):
            _check_names(set(row), names, f"instance {i}")
        columns = {n: [row[n] for row in data] for n in names}
    elif isinstance(data, dict):
        _check_names(set(data), names, '"inputs"')
        columns = data
    elif len(names) == 1:
        columns = {names[0]: data}
    else:
        raise BadRequest(f"this model has {len(names)} inputs {names}: send each instance "
                         f"(or \"inputs\") as an object {{name: value}}.")
    arrays = [_to_array(n, columns[n], spec) for n, spec in inputs]
    rows = {int(a.shape[0]) for a in arrays}
    if len(rows) != 1:
        raise BadRequest(f"the inputs have different numbers of rows: "
                         f"{dict(zip(names, [a.shape[0] for a in arrays]))}.")
    return arrays, fmt


def _check_names(given: set, names: list, where: str) -> None:
    missing, extra = [n for n in names if n not in given], sorted(given - set(names))
    if missing or extra:
        raise BadRequest(f"{where}: the model's inputs are {names}; missing {missing}, "
                         f"unknown {extra}.")


def _to_array(name: str, value: Any, spec: Any) -> np.ndarray:
    """One input as a NumPy array of the spec's dtype and a compatible shape."""
    want = np.dtype(spec.dtype.as_numpy_dtype)
    try:
        raw = np.asarray(value)
    except ValueError:
        raise BadRequest(f"input {name!r} is ragged (rows of different lengths); it must "
                         f"be {_spec_text(spec)}.") from None
    if raw.dtype == object or (raw.dtype.kind in "USV" and want.kind not in "USO"):
        raise BadRequest(f"input {name!r} must hold {want.name} numbers, received "
                         f"{_kind_name(raw)} values.")
    if want.kind in "iu" and raw.dtype.kind == "f":
        if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            raise BadRequest(f"input {name!r} must hold integers ({want.name}), received "
                             f"non-integer numbers.")
    if want.kind == "b" and raw.dtype.kind != "b":
        raise BadRequest(f"input {name!r} must hold booleans, received "
                         f"{_kind_name(raw)} values.")
    expected = spec.shape.as_list() if spec.shape.rank is not None else None
    ok = expected is None or (raw.ndim == len(expected) and all(
        e is None or e == g for e, g in zip(expected, raw.shape)))
    if not ok or raw.ndim == 0:
        row = "" if expected is None else f" (each instance {spec.dtype.name}{expected[1:]})"
        raise BadRequest(f"input {name!r} must be {_spec_text(spec)}{row}; received shape "
                         f"{list(raw.shape)}.")
    if raw.shape[0] == 0:
        raise BadRequest(f"input {name!r} has no rows.")
    try:
        return raw.astype(want, copy=False)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"input {name!r}: can't read the values as {want.name} "
                         f"({exc}).") from None


def _kind_name(a: np.ndarray) -> str:
    return {"U": "string", "S": "string", "O": "mixed/object", "b": "boolean",
            "f": "floating", "i": "integer", "u": "integer"}.get(a.dtype.kind, a.dtype.name)


def format_response(outputs: dict, fmt: str) -> dict:
    """The JSON reply for {output name: array}: TF Serving's row format
    ('predictions', for 'instances') or columnar format ('outputs', for 'inputs').

    Example:
        >>> format_response({"output_0": np.array([[1.0], [2.0]])}, "instances")
        {'predictions': [[1.0], [2.0]]}
        >>> format_response({"a": np.array([1, 2]), "b": np.array([3, 4])}, "instances")
        {'predictions': [{'a': 1, 'b': 3}, {'a': 2, 'b': 4}]}
        >>> format_response({"output_0": np.array([5.0])}, "inputs")
        {'outputs': [5.0]}
    """
    if fmt == "inputs":
        if len(outputs) == 1:
            return {"outputs": next(iter(outputs.values())).tolist()}
        return {"outputs": {k: v.tolist() for k, v in outputs.items()}}
    if len(outputs) == 1:
        return {"predictions": next(iter(outputs.values())).tolist()}
    lists = {k: v.tolist() for k, v in outputs.items()}
    n = len(next(iter(lists.values())))
    return {"predictions": [{k: v[i] for k, v in lists.items()} for i in range(n)]}


# -- HTTP -----------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    """One keep-alive connection: TF Serving's REST paths, JSON in and out."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds a connection may sit idle or half-sent
    # NOTE: headers and body go out as two writes; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (~40 ms a request on Linux).
    disable_nagle_algorithm = True
    server: "ModelServer"

    def setup(self) -> None:
        super().setup()
        self.server._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server._closed_connection(self.connection)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path, base = self.path.split("?")[0].rstrip("/"), self.server.base_path
        if path == base:
            self._send(200, self.server.status())
        elif path == base + "/metadata":
            self._send(200, {"model_spec": {"name": self.server.model_name},
                             "metadata": self.server.servable.describe()})
        else:
            self._not_found(path)

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path != self.server.base_path + ":predict":
            self.close_connection = True  # its body is left unread
            return self._not_found(path)
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return self._send(411, {"error": "send the JSON body with a Content-Length."})
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return self._send(413, {"error": f"the body ({length} bytes) is over the "
                                             f"{MAX_BODY_BYTES} byte limit; send fewer "
                                             f"instances per request."})
        body = self.rfile.read(int(length))
        try:
            arrays, fmt = parse_request(body, self.server.servable.inputs)
        except BadRequest as exc:
            return self._send(400, {"error": str(exc)})
        try:
            outputs = self.server.batcher(arrays, timeout=self.server.request_timeout)
        except (ValueError, TypeError) as exc:
            return self._send(400, {"error": f"the model rejected the input: {exc}"})
        except Exception as exc:  # noqa: BLE001 - answered, never a crash
            return self._send(500, {"error": f"{type(exc).__name__}: {exc}"})
        self._send(200, format_response(outputs, fmt))

    def _not_found(self, path: str) -> None:
        self._send(404, {"error": f"no such path {path!r}; this server answers "
                                  f"GET {self.server.base_path} and POST "
                                  f"{self.server.base_path}:predict."})

    def _send(self, code: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.server.closing:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)


class ModelServer(ThreadingHTTPServer):
    """The HTTP server: a thread per connection, one `Batcher` calling the model.
    Make it with `make_server`; `start()` serves in a background thread, `close()` stops
    taking connections, lets requests in flight finish, and stops the batcher.
    Example: see the module docstring."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the listen backlog: many clients connecting at once

    def __init__(self, address: tuple, servable: Servable, name: str, max_batch: int,
                 batch_timeout_ms: float, verbose: bool = False,
                 request_timeout: float = 60.0):
        self.batcher = Batcher(servable.predict, max_batch, batch_timeout_ms)
        try:
            super().__init__(address, _Handler)
        except OSError:  # e.g. the port is taken
            self.batcher.close()
            raise
        self.servable = servable
        self.model_name = name
        self.base_path = f"/v1/models/{name}"
        self.verbose = verbose
        self.request_timeout = request_timeout
        self.closing = False
        self._connections: dict = {}
        self._conn_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The model's base URL, e.g. http://127.0.0.1:8500/v1/models/demo."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"

    def status(self) -> dict:
        """TF Serving's model status, with the specs and the batching counters."""
        return {"model_version_status": [{"version": "1", "state": "AVAILABLE",
                                          "status": {"error_code": "OK",
                                                     "error_message": ""}}],
                **self.servable.describe(),
                "batching": {"max_batch": self.batcher.max_batch,
                             "timeout_ms": self.batcher.timeout * 1000.0,
                             **self.batcher.stats()}}

    def start(self) -> "ModelServer":
        """Serves in a daemon thread; returns self. Example: see the module docstring."""
        self._thread = threading.Thread(target=self.serve_forever, name="serve-http",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stops serving: no new connections, requests in flight answered, idle
        keep-alive connections closed, the batcher stopped."""
        self.closing = True
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout)
            self._thread = None
        self.server_close()
        with self._conn_lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            try:  # wakes a handler waiting for the next request; writes still work
                sock.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.batcher.close(timeout)

    def _opened(self, sock: Any) -> None:
        with self._conn_lock:
            self._connections[sock] = threading.current_thread()

    def _closed_connection(self, sock: Any) -> None:
        with self._conn_lock:
            self._connections.pop(sock, None)


def make_server(model_dir: str, host: str = "127.0.0.1", port: int = 8500,
                max_batch: int = 64, batch_timeout_ms: float = 2.0,
                name: str | None = None, verbose: bool = False) -> ModelServer:
    """Loads the SavedModel at `model_dir` and binds a `ModelServer` to host:port (port
    0: a free one, see `server.url`). Call `serve_forever()` or `start()` on it.

    Args:
        model_dir: a directory written by `tf.saved_model.save` or `model.export`.
        host, port: where to listen.
        max_batch: most rows per model call (1 turns batching off).
        batch_timeout_ms: how long a batch waits for more requests.
        name: the model's name in the URL (default: the directory's name).
        verbose: log each request to stderr.

    Returns:
        The bound, not yet serving, server. Example: see the module docstring.
    """
    servable = Servable.load(model_dir)
    name = name or os.path.basename(os.path.normpath(model_dir)) or "model"
    if not all(c.isalnum() or c in "-_." for c in name):
        raise ValueError(f"make_server: the model name must use letters, digits, '-', "
                         f"'_' or '.', received {name!r}; pass name=...")
    return ModelServer((host, port), servable, name, max_batch, batch_timeout_ms,
                       verbose=verbose)


# -- the demo model and the command line ----------------------------------------------

def demo_model(path: str | None = None, seed: int = 0, verbose: int = 0) -> str:
    """Trains a small MNIST-like MLP (784 -> 64 relu -> 10 softmax) on synthetic 28x28
    "digits" (ten noisy prototypes) and saves it with `tf.saved_model.save`; returns
    the directory (a new temporary one unless `path` is given).

    Example:
        >>> path = demo_model()  # doctest: +SKIP
    """
    from ember import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    prototypes = (rng.random((10, 784)) > 0.7).astype(np.float32)
    y = rng.integers(0, 10, 3000)
    x = np.clip(prototypes[y] + rng.normal(0, 0.3, (3000, 784)), 0, 1).astype(np.float32)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=64, verbose=verbose)
    path = path or os.path.join(tempfile.mkdtemp(prefix="ember-serve-"), "demo")
    tf.saved_model.save(model, path)
    print(f"demo model: MLP 784-64-10, training accuracy "
          f"{history.history['accuracy'][-1]:.3f}, saved to {path}", flush=True)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """The command line (see the module docstring); serves until Ctrl-C or SIGTERM.

    Example:
        >>> main(["--help"])  # doctest: +ELLIPSIS
        usage: serve.py [-h] ...
        ...
    """
    parser = argparse.ArgumentParser(prog="serve.py", description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", nargs="?", help="a SavedModel directory")
    parser.add_argument("--demo", action="store_true",
                        help="train and save a small MLP first, and serve it")
    parser.add_argument("--name", help="the model name in URLs (default: the dir's name)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8500, help="0: any free port")
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--batch-timeout-ms", type=float, default=2.0)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code:
            raise
        return
    if args.demo == bool(args.model_dir):
        parser.error("give MODEL_DIR or --demo (one of them)")
    model_dir = demo_model() if args.demo else args.model_dir
    server = make_server(model_dir, args.host, args.port, args.max_batch,
                         args.batch_timeout_ms, name=args.name, verbose=args.verbose)
    signal.signal(signal.SIGTERM, _interrupt)
    inputs = ", ".join(f"{n}: {_spec_text(s)}" for n, s in server.servable.inputs)
    print(f"Serving {model_dir} ({inputs}; max batch {args.max_batch}, batch timeout "
          f"{args.batch_timeout_ms} ms) at {server.url}  pid {os.getpid()}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if args.demo:
            shutil.rmtree(os.path.dirname(model_dir), ignore_errors=True)
        print("Stopped.", flush=True)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server as Ctrl-C does


if __name__ == "__main__":
    main(sys.argv[1:])
