/* A small thread pool for _conv.c's loops: `parallel_for(n, fn, ctx, threads)` runs
 * fn(ctx, begin, end) over [0, n) in chunks that the calling thread and the pool's workers
 * take in turn (an atomic counter), so a worker whose core is busy (BLAS's threads spin
 * for a while after each GEMM) takes fewer chunks instead of holding everyone up.
 *
 * Workers sleep on a condition variable between loops: they never spin, so they take no
 * time from the BLAS threads of the GEMM that follows. (OpenMP would do, but its threads
 * spin by default, and in a process that has loaded PyTorch its runtime is PyTorch's,
 * with PyTorch's settings: ember's CNN step ran 3.5x slower there.)
 *
 * Without POSIX threads (Windows) the loops run on the calling thread. */

#ifndef EMBER_POOL_H
#define EMBER_POOL_H

typedef void (*RangeFn)(const void *ctx, Py_ssize_t begin, Py_ssize_t end);

#if defined(_WIN32)

static int pool_cores(void) { return 1; }
static void parallel_for(Py_ssize_t n, RangeFn fn, const void *ctx, int threads) {
    (void)threads;
    if (n > 0) fn(ctx, 0, n);
}

#else

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX 64

typedef struct {
    RangeFn fn;
    const void *ctx;
    Py_ssize_t n, chunk;
    Py_ssize_t next;  /* the next chunk's start (atomic) */
    int seats;        /* workers that may still join this loop */
} Loop;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    pthread_t th[POOL_MAX];
    int started;
    Loop *loop;       /* the loop running now, NULL between loops */
    unsigned long gen;
    int busy;         /* workers inside the current loop */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

/* One loop at a time: `parallel_for` holds this while its loop runs. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static void run_chunks(Loop *l) {
    for (;;) {
        Py_ssize_t b = __atomic_fetch_add(&l->next, l->chunk, __ATOMIC_RELAXED);
        if (b >= l->n) return;
        l->fn(l->ctx, b, b + l->chunk < l->n ? b + l->chunk : l->n);
    }
}

/* How long a worker that finished a loop watches for the next one before it sleeps (0.3 ms;
 * EMBER_POOL_SPIN_US changes it):
 * waking a sleeping thread takes tens of microseconds on a VM, which left the second
 * core idle for a good part of a short loop (a 0.3 ms product ran 1.4x, not 2x, faster
 * on two cores); a loop that starts within this window is joined at once. Much shorter
 * than BLAS's spin (~0.1 s), so the workers still leave the cores to others. */
static long spin_ns = -1;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Spins (without the lock) until the generation moves past `seen` or the window ends. */
static void watch(unsigned long seen) {
    if (spin_ns < 0) {
        const char *e = getenv("EMBER_POOL_SPIN_US");
        spin_ns = e ? atol(e) * 1000L : 300000L;
    }
    long end = now_ns() + spin_ns;
    for (unsigned i = 1; __atomic_load_n(&pool.gen, __ATOMIC_ACQUIRE) == seen; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if ((i & 63) == 0 && now_ns() > end) return;
    }
}

static void *worker(void *arg) {
    (void)arg;
    unsigned long seen = 0;
    int spun = 1;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.loop == NULL || pool.gen == seen || pool.loop->seats == 0) {
            if (!spun) {  /* just finished a loop: watch for the next before sleeping */
                spun = 1;
                pthread_mutex_unlock(&pool.mu);
                watch(seen);
                pthread_mutex_lock(&pool.mu);
                continue;
            }
            pthread_cond_wait(&pool.wake, &pool.mu);
        }
        spun = 0;
        seen = pool.gen;
        Loop *l = pool.loop;
        l->seats--;
        pool.busy++;
        pthread_mutex_unlock(&pool.mu);
        run_chunks(l);
        pthread_mutex_lock(&pool.mu);
        if (--pool.busy == 0) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

static int pool_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > POOL_MAX ? POOL_MAX : (int)n;
}

/* After fork() the child has no workers: start them again when first needed. */
static void pool_after_fork(void) {
    pthread_mutex_init(&pool_lock, NULL);
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.started = 0;
    pool.loop = NULL;
    pool.busy = 0;
}

/* Starts workers up to `want` (called with the lock held); returns how many run. */
static int pool_grow(int want) {
    static int registered = 0;
    if (!registered) {
        pthread_atfork(NULL, NULL, pool_after_fork);
        registered = 1;
    }
    while (pool.started < want) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&pool.th[pool.started], &attr, worker, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool.started++;
    }
    return pool.started;
}

/* Runs fn over [0, n) on up to `threads` threads (the caller included). A loop started
 * while another runs (from another Python thread) runs on its calling thread alone. */
static void parallel_for(Py_ssize_t n, RangeFn fn, const void *ctx, int threads) {
    if (n <= 0) return;
    if (threads > n) threads = (int)n;
    if (threads <= 1 || pthread_mutex_trylock(&pool_lock) != 0) {
        fn(ctx, 0, n);  /* one thread asked for, or another loop holds the pool */
        return;
    }
    Py_ssize_t chunk = n / (threads * 4);
    Loop l = {fn, ctx, n, chunk < 1 ? 1 : chunk, 0, 0};
    pthread_mutex_lock(&pool.mu);
    l.seats = pool_grow(threads - 1 < POOL_MAX ? threads - 1 : POOL_MAX);
    if (l.seats > threads - 1) l.seats = threads - 1;
    pool.loop = &l;
    __atomic_store_n(&pool.gen, pool.gen + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    run_chunks(&l);
    pthread_mutex_lock(&pool.mu);
    pool.loop = NULL;  /* no worker joins from now on */
    while (pool.busy > 0) pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool_lock);
}

#endif
#endif
