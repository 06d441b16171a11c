"""Load test of examples/serve.py: many concurrent keep-alive clients for a fixed time.

Starts `examples/serve.py --demo` (a 784 -> 64 -> 10 MLP) in a subprocess on a free
port, then runs `--clients` threads, each with its own keep-alive `http.client`
connection sending one-row `:predict` requests back to back for `--seconds`. Reports
requests/s, latency percentiles (p50, p90, p99, max, from send to parsed reply), the
error count (non-200 answers, wrong answers and connection failures), the server's
batching counters, and the server process's resident memory (VmRSS from
/proc/<pid>/status) at the start, middle and end of the run, to show it stays flat.

    .venv/bin/python benchmarks/bench_serve.py                    # 100 clients, 30 s
    .venv/bin/python benchmarks/bench_serve.py --max-batch 1      # batching off
    .venv/bin/python benchmarks/bench_serve.py --seconds 3 --clients 10   # a smoke run

The clients run in this process, the server in its own, so its RSS is the server's alone
(on a machine with few cores the two compete for CPU; the figures include that).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def rss_mib(pid: int) -> float:
    """The process's resident set size in MiB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wide_model(hidden: int, path: str) -> str:
    """Saves an untrained MLP 784 -> hidden -> hidden -> 10 (softmax) to `path`: a model
    whose per-call cost, unlike the demo's, is not small next to the HTTP handling."""
    import ember as tf
    from ember import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)),
                              keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    tf.saved_model.save(model, path)
    return path


def start_server(max_batch: int, timeout_ms: float, model_dir: str | None) -> tuple:
    """(process, url) of `serve.py --demo` (or `serve.py model_dir`) on a free port,
    once it is listening."""
    cmd = [sys.executable, str(ROOT / "examples" / "serve.py"),
           *([model_dir] if model_dir else ["--demo"]), "--port", "0",
           "--max-batch", str(max_batch), "--batch-timeout-ms", str(timeout_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("Serving "):
            url = line.split(" at ")[1].split()[0]
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
            return proc, url
    proc.kill()
    raise RuntimeError(f"serve.py did not start: {proc.stdout.read()}")


def client(host: str, port: int, path: str, body: bytes, expect: int, stop: float,
           latencies: list, errors: list) -> None:
    """One keep-alive client: requests back to back until `stop` (monotonic)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": "application/json"}
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body, headers)
            reply = conn.getresponse()
            data = reply.read()
            ok = reply.status == 200 and \
                int(np.argmax(json.loads(data)["predictions"][0])) == expect
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
        if ok:
            latencies.append(time.perf_counter() - t0)
        else:
            errors.append(1)
    conn.close()


def status(url: str) -> dict:
    host, port = url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/" + url.split("//")[1].split("/", 1)[1])
    out = json.loads(conn.getresponse().read())
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--batch-timeout-ms", type=float, default=2.0)
    parser.add_argument("--hidden", type=int, default=0,
                        help="serve an untrained MLP 784-H-H-10 instead of the demo model")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-serve-")
    model_dir = wide_model(args.hidden, os.path.join(tmp, "wide")) if args.hidden else None
    proc, url = start_server(args.max_batch, args.batch_timeout_ms, model_dir)
    try:
        hostport, path = url.split("//")[1].split("/", 1)
        host, port = hostport.split(":")
        path = "/" + path + ":predict"
        rng = np.random.default_rng(0)
        row = np.round(rng.random(784), 3)
        body = json.dumps({"instances": [row.tolist()]}).encode()
        conn = http.client.HTTPConnection(host, int(port), timeout=30)  # warm-up
        for _ in range(20):
            conn.request("POST", path, body, {"Content-Type": "application/json"})
            expect = int(np.argmax(json.loads(conn.getresponse().read())["predictions"][0]))
        conn.close()

        rss = {"idle": rss_mib(proc.pid)}
        latencies: list = []
        errors: list = []
        t0 = time.monotonic()
        stop = t0 + args.seconds
        threads = [threading.Thread(target=client, daemon=True,
                                    args=(host, int(port), path, body, expect, stop,
                                          latencies, errors))
                   for _ in range(args.clients)]
        for t in threads:
            t.start()
        samples = []
        while time.monotonic() < stop:
            time.sleep(min(1.0, max(0.0, stop - time.monotonic())))
            samples.append(rss_mib(proc.pid))
            rss.setdefault("start", samples[-1])  # after 1 s, the clients connected
            if "middle" not in rss and time.monotonic() >= t0 + args.seconds / 2:
                rss["middle"] = samples[-1]
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - t0
        rss["end"] = rss_mib(proc.pid)
        batching = status(url)["batching"]
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)

    lat = np.array(latencies) * 1000.0
    n = len(lat)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    print(f"bench_serve: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cpu}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    served = f"MLP 784-{args.hidden}-{args.hidden}-10" if args.hidden else \
        "serve.py --demo (MLP 784-64-10)"
    print(f"  server: {served}, max batch {args.max_batch}, "
          f"batch timeout {args.batch_timeout_ms} ms; clients: {args.clients} keep-alive "
          f"threads, one-row requests, {args.seconds:g} s")
    print(f"  requests: {n} ok, {len(errors)} errors, {n / elapsed:.0f} requests/s")
    if n:
        p50, p90, p99 = np.percentile(lat, [50, 90, 99])
        print(f"  latency ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {lat.max():.1f}")
    print(f"  batching: {batching['batches']} model calls for {batching['requests']} "
          f"requests (mean {batching['mean_batch_rows']:.1f} rows per call), "
          f"{batching['errors']} errors")
    print(f"  server RSS MiB: idle {rss['idle']:.1f}; under load: start "
          f"{rss.get('start', 0):.1f}, middle {rss.get('middle', 0):.1f}, "
          f"end {rss['end']:.1f} (min {min(samples):.1f}, max {max(samples):.1f} over "
          f"{len(samples)} samples)")


if __name__ == "__main__":
    main()
