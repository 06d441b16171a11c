/* GEMMs on the pool, for _conv.c: `gemm` (2-D, C-contiguous) and `gemm_nd` (batched, any
 * strides a row-major BLAS takes: what an einsum's operands are without copying them).
 *
 * Where NumPy's BLAS is OpenBLAS with its CBLAS sgemm / dgemm (64-bit ints) and a
 * thread-local thread count, Python hands their addresses to `set_blas`, and a product
 * runs as single-threaded BLAS calls on the pool's threads: one per batch item and block
 * of output rows, or, for a small output with a long reduction (a weight's gradient), one
 * per fixed block of the reduction, the partial products summed after in block order (so
 * the sums do not depend on the number of threads). The BLAS's own worker threads then
 * stay asleep (they spin ~0.1 s after each of their products, taking the second core
 * from the loops around them) and the pool owns every core. Attention's batched products
 * (`bqhd,bkhd->bhqk`: 128 products of 64 x 32 x 64 at batch 32) run ~5x faster than
 * np.matmul's loop over the batch, and need no transposed copies. */

typedef void (*GemmF)(int, int, int, long long, long long, long long, float, const float *,
                      long long, const float *, long long, float, float *, long long);
typedef void (*GemmD)(int, int, int, long long, long long, long long, double, const double *,
                      long long, const double *, long long, double, double *, long long);
typedef int (*SetLocal)(int);
static GemmF blas_sgemm = NULL;
static GemmD blas_dgemm = NULL;
static SetLocal blas_set_local = NULL;

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
#define GEMM_MAX_BATCH 8
#define SPLIT_K_BLOCKS 4  /* 2, 4, 8, 16 measured on a weight gradient: 4 fastest */

/* C[m, n] (row stride ldc) = op(A)[m, k] @ op(B)[k, n] for each batch item: op(A) is A
 * stored [m, k] with row stride lda, or (ta) A^T with A stored [k, m]; likewise B. */
typedef struct {
    int f64, ta, tb, split_k, nb;
    Py_ssize_t m, n, k, lda, ldb, ldc;
    Py_ssize_t bsize[GEMM_MAX_BATCH], bsa[GEMM_MAX_BATCH], bsb[GEMM_MAX_BATCH],
        bsc[GEMM_MAX_BATCH];  /* batch dims: size and element strides in A, B, C */
    Py_ssize_t blocks, per;   /* blocks per batch item; rows (or, split_k, k) per block */
    const char *a, *b;
    char *c;                  /* split_k: [blocks, m, n] partial products */
    const char *bias;         /* NULL, or n elements added to each row of C (then relu) */
    int relu;
    const char *mask;         /* NULL, or an array laid out as C: C *= (mask > 0) */
    const char *addend;       /* NULL, or an array laid out as C added to it (after bias) */
    const char *c0;           /* C itself (g->c is the parts while split_k runs) */
} Gemm;

#define EPILOGUE(T)                                                                        \
    for (Py_ssize_t r = r0; r < r1; r++) {                                                 \
        T *row = (T *)c + r * ldc;                                                         \
        const T *b = (const T *)g->bias;                                                   \
        const T *z = g->addend ? (const T *)(g->addend + at) + r * ldc : NULL;             \
        const T *mr = g->mask ? (const T *)(g->mask + at) + r * ldc : NULL;                \
        if (b) for (Py_ssize_t j = 0; j < n; j++) row[j] += b[j];                          \
        if (z) for (Py_ssize_t j = 0; j < n; j++) row[j] += z[j];                          \
        if (g->relu)                                                                       \
            for (Py_ssize_t j = 0; j < n; j++)                                             \
                row[j] = (row[j] > 0 || row[j] != row[j]) ? row[j] : 0;                    \
        if (mr) for (Py_ssize_t j = 0; j < n; j++) row[j] = row[j] * (T)(mr[j] > 0);       \
    }

/* The epilogue, while the block is still in cache: rows [r0, r1) of c (row stride ldc)
 * plus the bias, plus the addend (an array laid out as C: a residual), then relu
 * (np.maximum(v, 0): v when v > 0 or nan, else 0), then times (mask > 0) (relu's
 * gradient g * (y > 0), as relu_grad). Each in the order of the separate ops and with
 * their rounding (no contraction into the product). The addend's and the mask's element
 * is at C's own offset (`at` bytes from C's start). */
static HOT void gemm_bias_rows(const Gemm *g, char *c, Py_ssize_t ldc, Py_ssize_t r0,
                               Py_ssize_t r1) {
    Py_ssize_t n = g->n, at = c - g->c0;
    if (g->f64) {
        EPILOGUE(double)
    } else {
        EPILOGUE(float)
    }
}

static void gemm_call(const Gemm *g, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, Py_ssize_t ao,
                      Py_ssize_t bo, char *c, Py_ssize_t ldc) {
    int ta = g->ta ? TRANS : NO_TRANS, tb = g->tb ? TRANS : NO_TRANS;
    if (g->f64)
        blas_dgemm(ROW_MAJOR, ta, tb, m, n, k, 1.0, (const double *)g->a + ao, g->lda,
                   (const double *)g->b + bo, g->ldb, 0.0, (double *)c, ldc);
    else
        blas_sgemm(ROW_MAJOR, ta, tb, m, n, k, 1.0f, (const float *)g->a + ao, g->lda,
                   (const float *)g->b + bo, g->ldb, 0.0f, (float *)c, ldc);
}

/* Items [i0, i1): item i is block i % blocks of batch item i / blocks. */
static void gemm_range(const void *p, Py_ssize_t i0, Py_ssize_t i1) {
    const Gemm *g = p;
    size_t item = g->f64 ? 8 : 4;
    int before = blas_set_local(1);
    for (Py_ssize_t i = i0; i < i1; i++) {
        Py_ssize_t bi = i / g->blocks, blk = i % g->blocks, ao = 0, bo = 0, co = 0;
        for (int d = g->nb - 1; d >= 0; d--) {
            Py_ssize_t j = bi % g->bsize[d];
            bi /= g->bsize[d];
            ao += j * g->bsa[d], bo += j * g->bsb[d], co += j * g->bsc[d];
        }
        Py_ssize_t lo = blk * g->per, hi = lo + g->per;
        if (g->split_k) {  /* rows [lo, hi) of the reduction into partial product blk */
            char *out = g->c + blk * g->m * g->n * item;
            if (hi > g->k) hi = g->k;
            if (lo >= hi) { memset(out, 0, g->m * g->n * item); continue; }
            gemm_call(g, g->m, g->n, hi - lo, lo * (g->ta ? g->lda : 1),
                      lo * (g->tb ? 1 : g->ldb), out, g->n);
        } else {  /* output rows [lo, hi) */
            if (hi > g->m) hi = g->m;
            if (lo >= hi) continue;
            char *c = g->c + (co + lo * g->ldc) * item;
            gemm_call(g, hi - lo, g->n, g->k, ao + lo * (g->ta ? 1 : g->lda), bo, c, g->ldc);
            if (g->bias || g->mask || g->addend || g->relu)
                gemm_bias_rows(g, c, g->ldc, 0, hi - lo);
        }
    }
    blas_set_local(before);
}

/* Runs the product: chooses the blocks (the work is `batch` items), sums split_k parts. */
static PyObject *gemm_run(Gemm *g, Py_ssize_t batch) {
    size_t item = g->f64 ? 8 : 4;
    Py_ssize_t m = g->m, n = g->n, k = g->k;
    int nt = threads_for(batch * m * n * k / 64);
    g->split_k = batch == 1 && m * n * 16 <= k * (m + n) && k >= 8 * 64;
    if (g->split_k) {
        g->blocks = SPLIT_K_BLOCKS;
        g->per = (k + g->blocks - 1) / g->blocks;
    } else {
        /* enough items for every thread twice over, blocks of at least 16 rows */
        Py_ssize_t want = nt > 1 && batch < 2 * nt ? (2 * nt + batch - 1) / batch : 1;
        Py_ssize_t most = (m + 15) / 16;
        g->blocks = want < most ? want : most;
        if (g->blocks < 1) g->blocks = 1;
        g->per = (m + g->blocks - 1) / g->blocks;
    }
    char *c = g->c, *parts = NULL;
    size_t size = m * n;
    g->c0 = c;
    if (g->split_k) {
        parts = malloc(g->blocks * size * item);
        if (!parts) return PyErr_NoMemory();
        g->c = parts;
    }
    Py_BEGIN_ALLOW_THREADS
    parallel_for(batch * g->blocks, gemm_range, g, nt);
    for (Py_ssize_t r = 0; parts && r < m; r++) {
        for (Py_ssize_t j = 0; j < n; j++) {
            size_t at = r * n + j;
            if (item == 8) {
                double t = 0;
                for (Py_ssize_t i = 0; i < g->blocks; i++) t += ((double *)parts)[i * size + at];
                ((double *)c)[r * g->ldc + j] = t;
            } else {
                float t = 0;
                for (Py_ssize_t i = 0; i < g->blocks; i++) t += ((float *)parts)[i * size + at];
                ((float *)c)[r * g->ldc + j] = t;
            }
        }
    }
    if (parts && (g->bias || g->mask || g->addend || g->relu)) gemm_bias_rows(g, c, g->ldc, 0, m);
    Py_END_ALLOW_THREADS
    free(parts);
    Py_RETURN_NONE;
}

static PyObject *set_blas(PyObject *self, PyObject *args) {
    unsigned long long sg, dg, loc;
    if (!PyArg_ParseTuple(args, "KKK", &sg, &dg, &loc)) return NULL;
    blas_sgemm = (GemmF)(uintptr_t)sg;
    blas_dgemm = (GemmD)(uintptr_t)dg;
    blas_set_local = (SetLocal)(uintptr_t)loc;
    if (!sg || !dg || !loc) blas_sgemm = NULL, blas_dgemm = NULL, blas_set_local = NULL;
    return PyBool_FromLong(blas_sgemm != NULL);
}

static int blas_ready(const char *fn) {
    if (blas_sgemm) return 1;
    PyErr_Format(PyExc_RuntimeError, "_conv.%s: no BLAS was set (set_blas).", fn);
    return 0;
}

/* gemm(a, b, c, ta, tb): c = op(a) @ op(b) (op: transposed when ta / tb), 2-D
 * C-contiguous arrays of one float dtype, on the pool (after set_blas). */
static PyObject *gemm(PyObject *self, PyObject *args) {
    PyObject *ao, *bo, *co;
    int ta, tb;
    if (!PyArg_ParseTuple(args, "OOOpp", &ao, &bo, &co, &ta, &tb)) return NULL;
    if (!blas_ready("gemm")) return NULL;
    Bufs bs = {.n = 0};
    Py_buffer *a = take(&bs, ao, 0, 2, "gemm", "a");
    Py_buffer *b = a ? take(&bs, bo, 0, 2, "gemm", "b") : NULL;
    Py_buffer *c = b ? take(&bs, co, 1, 2, "gemm", "c") : NULL;
    if (!c) { release(&bs); return NULL; }
    Py_ssize_t m = ta ? a->shape[1] : a->shape[0], k = ta ? a->shape[0] : a->shape[1];
    Py_ssize_t kb = tb ? b->shape[1] : b->shape[0], n = tb ? b->shape[0] : b->shape[1];
    if (kb != k || c->shape[0] != m || c->shape[1] != n) {
        PyErr_Format(PyExc_ValueError, "_conv.gemm: shapes do not fit (%zd x %zd times %zd x "
                     "%zd into %zd x %zd).", m, k, kb, n, c->shape[0], c->shape[1]);
        release(&bs);
        return NULL;
    }
    PyObject *r = Py_None;
    Py_INCREF(r);
    if (m > 0 && n > 0 && k > 0) {
        Py_DECREF(r);
        Gemm g = {.f64 = bs.dtype == 8, .ta = ta, .tb = tb, .nb = 0, .m = m, .n = n, .k = k,
                  .lda = a->shape[1], .ldb = b->shape[1], .ldc = n, .a = a->buf,
                  .b = b->buf, .c = c->buf};
        r = gemm_run(&g, 1);
    } else if (m > 0 && n > 0) {
        memset(c->buf, 0, c->len);
    }
    release(&bs);
    return r;
}

/* The largest element offset `n` dims of (size, stride) reach; -1 if a stride < 0. */
static Py_ssize_t reach(int nd, const Py_ssize_t *size, const Py_ssize_t *stride) {
    Py_ssize_t r = 0;
    for (int d = 0; d < nd; d++) {
        if (stride[d] < 0) return -1;
        r += (size[d] - 1) * stride[d];
    }
    return r;
}

/* gemm_nd(a, b, c, geometry[, bias, relu, mask, addend]): the batched product on any
 * row-major-BLAS
 * strides. geometry = (ta, tb, m, n, k, lda, ldb, ldc, ((size, stride_a, stride_b,
 * stride_c), ...)) with strides in elements of the C-contiguous buffers a, b, c; every
 * element reached is checked to lie inside its buffer, and the leading dimensions to be
 * what BLAS accepts. The epilogue (gemm_bias_rows), block by block right after its
 * product: a bias (n elements) added to every row of C, an addend of c's size and layout
 * added, relu when `relu`, times (mask > 0) for a mask of c's size and layout. A bias
 * needs C's rows to be the output's rows (the caller's geometry, not transposed). */
static PyObject *gemm_nd(PyObject *self, PyObject *args) {
    PyObject *ao, *bo, *co, *batch, *biaso = Py_None, *masko = Py_None, *addo = Py_None;
    Gemm g = {.nb = 0};
    if (!PyArg_ParseTuple(args, "OOO(ppnnnnnnO!)|OpOO", &ao, &bo, &co, &g.ta, &g.tb, &g.m,
                          &g.n, &g.k, &g.lda, &g.ldb, &g.ldc, &PyTuple_Type, &batch, &biaso,
                          &g.relu, &masko, &addo))
        return NULL;
    if (!blas_ready("gemm_nd")) return NULL;
    Py_ssize_t nb = PyTuple_GET_SIZE(batch), total = 1;
    if (nb > GEMM_MAX_BATCH) {
        PyErr_Format(PyExc_ValueError, "_conv.gemm_nd: at most %d batch dims, got %zd.",
                     GEMM_MAX_BATCH, nb);
        return NULL;
    }
    for (Py_ssize_t d = 0; d < nb; d++) {
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(batch, d), "nnnn", &g.bsize[d], &g.bsa[d],
                              &g.bsb[d], &g.bsc[d]))
            return NULL;
        if (g.bsize[d] < 1) {
            PyErr_SetString(PyExc_ValueError, "_conv.gemm_nd: batch sizes must be >= 1.");
            return NULL;
        }
        total *= g.bsize[d];
    }
    g.nb = (int)nb;
    Bufs bs = {.n = 0};
    Py_buffer *a = take(&bs, ao, 0, -1, "gemm_nd", "a");
    Py_buffer *b = a ? take(&bs, bo, 0, -1, "gemm_nd", "b") : NULL;
    Py_buffer *c = b ? take(&bs, co, 1, -1, "gemm_nd", "c") : NULL;
    if (!c) { release(&bs); return NULL; }
    if (biaso != Py_None) {
        Py_buffer *bias = take(&bs, biaso, 0, -1, "gemm_nd", "bias");
        if (!bias || check_len(bias, g.n, "gemm_nd", "bias")) { release(&bs); return NULL; }
        g.bias = bias->buf;
    }
    if (masko != Py_None) {
        Py_buffer *mask = take(&bs, masko, 0, -1, "gemm_nd", "mask");
        if (!mask || check_len(mask, c->len / c->itemsize, "gemm_nd", "mask")) {
            release(&bs);
            return NULL;
        }
        g.mask = mask->buf;
    }
    if (addo != Py_None) {
        Py_buffer *z = take(&bs, addo, 0, -1, "gemm_nd", "addend");
        if (!z || check_len(z, c->len / c->itemsize, "gemm_nd", "addend")) {
            release(&bs);
            return NULL;
        }
        g.addend = z->buf;
    }
    g.f64 = bs.dtype == 8;
    Py_ssize_t ra = reach(g.nb, g.bsize, g.bsa), rb = reach(g.nb, g.bsize, g.bsb);
    Py_ssize_t rc = reach(g.nb, g.bsize, g.bsc);
    Py_ssize_t m = g.m, n = g.n, k = g.k;
    int ok = m >= 1 && n >= 1 && k >= 1 && ra >= 0 && rb >= 0 && rc >= 0 &&
             g.lda >= (g.ta ? m : k) && g.ldb >= (g.tb ? k : n) && g.ldc >= n &&
             ra + (g.ta ? (k - 1) * g.lda + m : (m - 1) * g.lda + k) <= a->len / a->itemsize &&
             rb + (g.tb ? (n - 1) * g.ldb + k : (k - 1) * g.ldb + n) <= b->len / b->itemsize &&
             rc + (m - 1) * g.ldc + n <= c->len / c->itemsize;
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "_conv.gemm_nd: the geometry reaches outside the "
                        "buffers or has leading dimensions BLAS refuses.");
        release(&bs);
        return NULL;
    }
    g.a = a->buf, g.b = b->buf, g.c = c->buf;
    PyObject *r = gemm_run(&g, total);
    release(&bs);
    return r;
}
