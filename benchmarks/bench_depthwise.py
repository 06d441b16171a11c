"""The dedicated depthwise convolution against the block-diagonal conv2d it replaced.

Measures, on the NumPy backend, a 3x3 depthwise convolution (stride 1, SAME, channel
multiplier 1 by default) of a float32 `[32, 56, 56, 64]` input (MobileNet's second block):
- forward: `depthwise_conv2d` primitive vs the `conv2d` primitive with the former
  block-diagonal filter `[3, 3, C, C * M]` (C times the arithmetic);
- forward + backward: the forward and both gradients (input and filter) for a fixed
  output cotangent, each path's own three primitives bound directly.
Each figure is the best of `--runs` runs in ms (eager `bind`, so the per-op dispatch is
included, the same for both); the ratio is old / new.

Usage:  python benchmarks/bench_depthwise.py [--shape 32 56 56 64] [--multiplier 1]
                                              [--stride 1] [--runs 7]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from ember.core.registry import bind
from ember.core.tensor import wrap
from ember.prims.conv import conv2d_backprop_filter_p, conv2d_backprop_input_p, conv2d_p
from ember.prims.depthwise import (depthwise_conv2d_backprop_filter_p,
                                   depthwise_conv2d_backprop_input_p, depthwise_conv2d_p)


def _best(fn, runs: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def _block_diagonal(w: np.ndarray) -> np.ndarray:
    kh, kw, c, m = w.shape
    eye = np.eye(c, dtype=w.dtype).reshape(1, 1, c, c, 1)
    return (w.reshape(kh, kw, c, 1, m) * eye).reshape(kh, kw, c, c * m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=4, default=[32, 56, 56, 64])
    ap.add_argument("--multiplier", type=int, default=1)
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n, h, wd, c = args.shape
    m = args.multiplier
    x = wrap(rng.standard_normal((n, h, wd, c)).astype(np.float32))
    w_np = rng.standard_normal((3, 3, c, m)).astype(np.float32)
    w, wide = wrap(w_np), wrap(_block_diagonal(w_np))
    p = {"strides": (args.stride, args.stride), "padding": "SAME", "dilations": (1, 1)}
    y = bind(depthwise_conv2d_p, x, w, **p)
    g = wrap(rng.standard_normal(tuple(y.shape)).astype(np.float32))

    def new_fwd():
        bind(depthwise_conv2d_p, x, w, **p)

    def old_fwd():
        bind(conv2d_p, x, wide, **p)

    def new_both():
        bind(depthwise_conv2d_p, x, w, **p)
        bind(depthwise_conv2d_backprop_input_p, g, w, x, **p)
        bind(depthwise_conv2d_backprop_filter_p, x, g, w, **p)

    def old_both():
        bind(conv2d_p, x, wide, **p)
        bind(conv2d_backprop_input_p, g, wide, x, **p)
        bind(conv2d_backprop_filter_p, x, g, wide, **p)

    diff = np.abs(bind(conv2d_p, x, wide, **p).numpy() - y.numpy()).max()
    print(f"depthwise 3x3, stride {args.stride}, SAME, M={m}, float32 {args.shape} "
          f"({platform.processor() or platform.machine()}, best of {args.runs}); "
          f"max |new - old| = {diff:.2e}")
    for what, new, old in (("forward", new_fwd, old_fwd),
                           ("forward+backward", new_both, old_both)):
        t_new, t_old = _best(new, args.runs), _best(old, args.runs)
        print(f"{what:>17}: new {t_new:8.1f} ms   old (block-diagonal conv2d) "
              f"{t_old:8.1f} ms   old/new {t_old / t_new:5.1f}x")


if __name__ == "__main__":
    main()
