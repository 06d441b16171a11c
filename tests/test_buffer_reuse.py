"""The executor's buffer cache: a plan writes its matmul outputs into last call's dead
buffers, and never into one that anything outside the plan still holds."""

import threading
import weakref

import numpy as np

import ember as tf
from ember.core.executor import _BufferCache

RNG = np.random.default_rng(0)
# 160 x 128 float32 = 80 KB per product: above the cache's minimum size
A = RNG.standard_normal((160, 64)).astype(np.float32)
B = RNG.standard_normal((64, 128)).astype(np.float32)


def _plan(f, *args):
    return f.get_concrete_function(*args).plan


def test_second_call_writes_into_the_first_calls_dead_buffer_and_stays_correct():
    f = tf.function(lambda a, b: tf.reduce_sum(tf.nn.relu(tf.matmul(a, b)), axis=1))
    out1 = f(A, B).numpy()
    slots = _plan(f, A, B)._buffers._slots
    assert len(slots) == 1
    buf = weakref.ref(next(iter(slots.values())))  # a weak reference: no hold on it
    out2 = f(2 * A, B).numpy()
    assert buf() is not None and next(iter(slots.values())) is buf()  # written again
    np.testing.assert_allclose(out1, np.maximum(A @ B, 0).sum(1), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(out2, np.maximum(2 * A @ B, 0).sum(1), rtol=1e-5, atol=1e-4)


def test_an_escaped_view_of_a_buffer_keeps_its_values():
    # the output is a reshape (a view) of the matmul's buffer: the caller holds it, so
    # the next call must not write into that buffer
    f = tf.function(lambda a, b: tf.reshape(tf.matmul(a, b), [-1]))
    r1 = f(A, B)
    want = (A @ B).reshape(-1)
    r2 = f(-A, B)
    np.testing.assert_allclose(r1.numpy(), want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(r2.numpy(), -want, rtol=1e-5, atol=1e-4)
    del r1
    r3 = f(3 * A, B)  # r1 gone: the buffer may be reused again, values still right
    np.testing.assert_allclose(r3.numpy(), 3 * want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(r2.numpy(), -want, rtol=1e-5, atol=1e-4)


def test_a_returned_product_is_never_reused():
    f = tf.function(lambda a, b: tf.matmul(a, b))
    r1 = f(A, B)
    r2 = f(A + 1, B)
    assert not np.shares_memory(r1.numpy(), r2.numpy())
    np.testing.assert_allclose(r1.numpy(), A @ B, rtol=1e-5, atol=1e-4)


def test_batch_size_changes_allocate_afresh():
    f = tf.function(lambda a, b: tf.reduce_sum(tf.matmul(a, b), axis=1),
                    input_signature=[tf.TensorSpec([None, 64]), tf.TensorSpec([64, 128])])
    for n in (160, 7, 300, 160):
        a = RNG.standard_normal((n, 64)).astype(np.float32)
        np.testing.assert_allclose(f(a, B).numpy(), (a @ B).sum(1), rtol=1e-4, atol=1e-4)


def test_concurrent_calls_of_one_plan_do_not_share_a_buffer():
    f = tf.function(lambda a, b: tf.reduce_sum(tf.matmul(a, b), axis=1))
    f(A, B)
    errors = []

    def worker(k):
        a = A * (k + 1)
        want = (a @ B).sum(1)
        for _ in range(50):
            got = f(a, B).numpy()
            if not np.allclose(got, want, rtol=1e-4, atol=1e-3):
                errors.append(k)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_cache_keeps_only_mid_sized_owned_arrays():
    cache = _BufferCache()
    cache.keep(0, np.empty(10, np.float32))  # small: heap memory, not worth keeping
    cache.keep(1, np.empty(_BufferCache.MAX_BYTES + 1, np.uint8))  # too large to pin
    big = np.empty((200, 200), np.float32)
    cache.keep(2, big[:100])  # a view: its base may be alive elsewhere
    cache.keep(3, big)
    assert list(cache._slots) == [3]
    held = big  # noqa: F841 - a second reference: not handed out
    del big
    assert cache.take(3) is None
    assert cache.take(3) is None  # taken out (and dropped) by the first take


def test_a_plan_holds_at_most_its_byte_budget_between_calls():
    cache = _BufferCache()
    each = _BufferCache.MAX_BYTES
    n = _BufferCache.MAX_TOTAL // each + 2
    for j in range(n):
        cache.keep(j, np.empty(each, np.uint8))
    assert sum(a.nbytes for a in cache._slots.values()) <= _BufferCache.MAX_TOTAL
    assert len(cache._slots) == _BufferCache.MAX_TOTAL // each
    assert cache.take(0) is not None  # handed out: the budget frees its bytes
    cache.keep(n, np.empty(each, np.uint8))
    assert n in cache._slots
