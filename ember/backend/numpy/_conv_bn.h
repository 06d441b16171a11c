/* Batch normalization's loops for _conv.c (included there, after its buffers, pool and
 * `run`): `channel_sums` (per-channel sums over fixed blocks of rows) and `bn_pass` (the
 * elementwise pass, forward or backward); the loops per dtype are in _conv_kernels.h. */

/* The channel sums and batch-norm passes run over SUM_BLOCKS fixed blocks of rows:
 * block i covers rows [i * rows / B, (i + 1) * rows / B), so the sums' order (and their
 * rounding) does not depend on the threads. */
#define SUM_BLOCKS 64

typedef struct {
    int f64, mode, relu;
    Py_ssize_t rows, c;
    const void *x, *m, *d, *a, *b, *e, *mask;
    void *out, *out2;  /* sums: [SUM_BLOCKS, C] parts; passes: y */
} Rows;

static void sums_range(const void *p, Py_ssize_t i0, Py_ssize_t i1) {
    const Rows *k = p;
    size_t item = k->f64 ? 8 : 4;
    for (Py_ssize_t i = i0; i < i1; i++) {
        Py_ssize_t r0 = i * k->rows / SUM_BLOCKS, r1 = (i + 1) * k->rows / SUM_BLOCKS;
        char *part = (char *)k->out + i * k->c * item;
        char *part2 = k->out2 ? (char *)k->out2 + i * k->c * item : NULL;
        if (k->f64)
            channel_sums_d(k->x, k->m, k->d, k->mask, (double *)part, (double *)part2, k->c,
                           r0, r1, k->mode);
        else
            channel_sums_f(k->x, k->m, k->d, k->mask, (float *)part, (float *)part2, k->c,
                           r0, r1, k->mode);
    }
}

static void bn_range(const void *p, Py_ssize_t i0, Py_ssize_t i1) {
    const Rows *k = p;
    Py_ssize_t r0 = i0 * k->rows / SUM_BLOCKS, r1 = i1 * k->rows / SUM_BLOCKS;
    if (k->f64)
        bn_rows_d(k->x, k->m, k->a, k->b, k->d, k->e, k->mask, k->out, k->c, r0, r1, k->relu);
    else
        bn_rows_f(k->x, k->m, k->a, k->b, k->d, k->e, k->mask, k->out, k->c, r0, r1, k->relu);
}

/* Optional per-channel vector argument: NULL for None, else a buffer of C elements. */
static int take_vec(Bufs *bs, PyObject *o, Py_ssize_t c, const char *what, const void **ptr) {
    *ptr = NULL;
    if (o == Py_None) return 0;
    Py_buffer *v = take(bs, o, 0, 1, "batch_norm", what);
    if (!v || check_len(v, c, "batch_norm", what)) return -1;
    *ptr = v->buf;
    return 0;
}

/* The (rows, C) mask of a relu's output, or NULL for None. */
static int take_mask(Bufs *bs, PyObject *o, Py_ssize_t n, const void **ptr) {
    *ptr = NULL;
    if (o == Py_None) return 0;
    Py_buffer *v = take(bs, o, 0, 2, "batch_norm", "the mask");
    if (!v || check_len(v, n, "batch_norm", "the mask")) return -1;
    *ptr = v->buf;
    return 0;
}

/* channel_sums(x, m, d, parts, parts2, mode[, mask]): per-block channel sums of (rows, C)
 * x (see channel_sums); parts (and parts2 for mode 2) are [SUM_BLOCKS, C], summed by the
 * caller in block order. */
static PyObject *channel_sums_py(PyObject *self, PyObject *args) {
    PyObject *xo, *mo, *d_o, *po, *p2o, *masko = Py_None;
    int mode;
    if (!PyArg_ParseTuple(args, "OOOOOi|O", &xo, &mo, &d_o, &po, &p2o, &mode, &masko))
        return NULL;
    Bufs bs = {.n = 0};
    Py_buffer *x = take(&bs, xo, 0, 2, "batch_norm", "x");
    if (!x) { release(&bs); return NULL; }
    Py_ssize_t rows = x->shape[0], c = x->shape[1];
    Rows k = {.f64 = bs.dtype == 8, .mode = mode, .rows = rows, .c = c, .x = x->buf};
    Py_buffer *pb = NULL, *pb2 = NULL, *db = NULL;
    if (take_vec(&bs, mo, c, "the mean", &k.m) ||
        (mode == 1 && !k.m) || (mode == 2 && (!k.m || d_o == Py_None))) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_conv.channel_sums: mode 1 takes the mean, "
                            "mode 2 the mean and d.");
        release(&bs);
        return NULL;
    }
    if (mode == 2) {
        db = take(&bs, d_o, 0, 2, "batch_norm", "d");
        if (!db || check_len(db, rows * c, "batch_norm", "d")) { release(&bs); return NULL; }
        k.d = db->buf;
        if (take_mask(&bs, masko, rows * c, &k.mask)) { release(&bs); return NULL; }
    }
    pb = take(&bs, po, 1, -1, "batch_norm", "the parts");
    if (!pb || check_len(pb, SUM_BLOCKS * c, "batch_norm", "the parts")) {
        release(&bs);
        return NULL;
    }
    k.out = pb->buf;
    if (mode == 2) {
        pb2 = take(&bs, p2o, 1, -1, "batch_norm", "the second parts");
        if (!pb2 || check_len(pb2, SUM_BLOCKS * c, "batch_norm", "the second parts")) {
            release(&bs);
            return NULL;
        }
        k.out2 = pb2->buf;
    }
    int nt = threads_for(rows * c);
    Py_BEGIN_ALLOW_THREADS
    parallel_for(SUM_BLOCKS, sums_range, &k, nt);
    Py_END_ALLOW_THREADS
    release(&bs);
    Py_RETURN_NONE;
}

/* bn_pass(x, m, a, b, d, e, y[, relu, mask]): y = (x - m) * a + b (b None: no shift; then
 * relu when `relu`) when d is None, else y = a * (d' - b - (x - m) * e) with d' = d * (mask
 * > 0) where a mask is given; x, d, mask, y (rows, C), the others (C,). */
static PyObject *bn_pass(PyObject *self, PyObject *args) {
    PyObject *xo, *mo, *ao, *bo, *d_o, *eo, *yo, *masko = Py_None;
    int relu = 0;
    if (!PyArg_ParseTuple(args, "OOOOOOO|pO", &xo, &mo, &ao, &bo, &d_o, &eo, &yo, &relu,
                          &masko))
        return NULL;
    Bufs bs = {.n = 0};
    Py_buffer *x = take(&bs, xo, 0, 2, "batch_norm", "x");
    if (!x) { release(&bs); return NULL; }
    Py_ssize_t rows = x->shape[0], c = x->shape[1];
    Rows k = {.f64 = bs.dtype == 8, .rows = rows, .c = c, .x = x->buf, .relu = relu};
    if (take_vec(&bs, mo, c, "the mean", &k.m) || take_vec(&bs, ao, c, "a", &k.a) ||
        take_vec(&bs, bo, c, "b", &k.b) || take_vec(&bs, eo, c, "e", &k.e) ||
        !k.m || !k.a || (d_o != Py_None && (!k.b || !k.e))) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_conv.bn_pass: the mean and a are required; "
                            "with d, b and e too.");
        release(&bs);
        return NULL;
    }
    if (d_o != Py_None) {
        Py_buffer *db = take(&bs, d_o, 0, 2, "batch_norm", "d");
        if (!db || check_len(db, rows * c, "batch_norm", "d")) { release(&bs); return NULL; }
        k.d = db->buf;
        if (take_mask(&bs, masko, rows * c, &k.mask)) { release(&bs); return NULL; }
    }
    Py_buffer *y = take(&bs, yo, 1, -1, "batch_norm", "y");
    if (!y || check_len(y, rows * c, "batch_norm", "y")) { release(&bs); return NULL; }
    k.out = y->buf;
    int nt = threads_for(rows * c);
    Py_BEGIN_ALLOW_THREADS
    parallel_for(SUM_BLOCKS, bn_range, &k, nt);
    Py_END_ALLOW_THREADS
    release(&bs);
    Py_RETURN_NONE;
}

