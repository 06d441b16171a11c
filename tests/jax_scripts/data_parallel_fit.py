"""Run by tests/test_jax_distribute.py in a fresh process (XLA's host device count is
set before jax starts): one small fit, single-device or data parallel; prints JSON."""
import json
import sys
import numpy as np
import ember as tf
from ember import keras
def main() -> None:
    mode = sys.argv[1]
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((70, 6)).astype(np.float32)   # 70 = 4*16 + 6: a last batch of 6
    y = rng.integers(0, 3, 70)
    def build():
        m = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
        m.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"], jit_compile=True)
        return m
    if mode == "mirrored":
        s = tf.distribute.MirroredStrategy()
        with s.scope():
            m = build()
        n = s.num_replicas_in_sync
    elif mode == "dataparallel":
        keras.distribution.set_distribution(keras.distribution.DataParallel())
        m = build(); n = len(keras.distribution.list_devices())
    else:
        m = build(); n = 1
    h = m.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    ev = m.evaluate(x, y, verbose=0)
    p = m.predict(x[:5], verbose=0)
    w = m.layers[0].kernel._value
    hlo = ""
    if mode != "single":  # the compiled training step of one batch of 16
        fn = next(iter(m._train_fns.values()))
        hlo = fn.experimental_get_compiler_ir(tf.constant(x[:16]), tf.constant(y[:16]))(
            stage="optimized_hlo")
    print(json.dumps({"all_reduce": "all-reduce" in hlo, "n": n, "loss": h.history["loss"], "ev": ev, "w": [a.tolist() for a in m.get_weights()],
                      "p": p.tolist(), "devices": len(getattr(w, "sharding", None).device_set) if hasattr(w, "sharding") else 1}))


if __name__ == "__main__":
    main()
