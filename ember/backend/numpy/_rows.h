/* Row-wise loops for _conv.c (included there, after its buffers, pool and `run`):
 * softmax, its gradient, layer normalization and its gradient over the last axis of a
 * (rows, d) matrix, one pass per row on every core. A transformer step spends more time
 * in NumPy's passes for these (max, subtract, exp, sum, divide: each one pass over
 * attention's [batch, heads, q, k] scores) than in some of its GEMMs. The loops per dtype
 * are in _rows_kernels.h; layer_norm's weight gradients are summed over ROW_BLOCKS fixed
 * blocks of rows, the parts added in block order, so no result depends on the threads. */

#define ROW_BLOCKS 64

/* exp of x <= 0 (softmax's x - max) in float32, a loop GCC vectorizes: x = n ln2 + r,
 * |r| <= ln2 / 2, e^r by its Taylor polynomial to degree 7 (error < 1e-8), times 2^n
 * made in the exponent bits. Below -87.3 (where float32 goes subnormal) it gives 0; NaN
 * stays NaN. Within 2 ulp of the libm value. */
static HOT void exp_row_f(float *v, Py_ssize_t d) {
    for (Py_ssize_t j = 0; j < d; j++) {
        float x = v[j];
        float xc = x > -87.33654f ? x : -87.33654f;
        xc = xc < 0.0f ? xc : 0.0f;
        float n = (xc * 1.44269504f + 12582912.0f) - 12582912.0f;  /* round(x / ln2) */
        float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;  /* ln2 as hi + lo */
        float p = 1.0f / 5040.0f;
        p = p * r + 1.0f / 720.0f;
        p = p * r + 1.0f / 120.0f;
        p = p * r + 1.0f / 24.0f;
        p = p * r + 1.0f / 6.0f;
        p = p * r + 0.5f;
        p = p * r + 1.0f;
        p = p * r + 1.0f;
        int32_t bits = ((int32_t)n + 127) << 23;
        float s;
        memcpy(&s, &bits, sizeof s);
        float e = p * s;
        v[j] = x != x ? x : (x > -87.33654f ? e : 0.0f);
    }
}

static void exp_row_d(double *v, Py_ssize_t d) {
    for (Py_ssize_t j = 0; j < d; j++) v[j] = exp(v[j]);
}

#define T float
#define SUF _f
#define EXP_ROW exp_row_f
#define SQRT sqrtf
#include "_rows_kernels.h"
#undef T
#undef SUF
#undef EXP_ROW
#undef SQRT
#define T double
#define SUF _d
#define EXP_ROW exp_row_d
#define SQRT sqrt
#include "_rows_kernels.h"
#undef T
#undef SUF
#undef EXP_ROW
#undef SQRT

typedef struct {
    int f64, which;
    Py_ssize_t rows, d;
    double eps;
    const void *x, *g, *gamma, *beta;
    void *y, *dgamma, *dbeta;  /* layer_norm_grad: [ROW_BLOCKS, d] parts */
    void *tmp;                 /* layer_norm_grad: [ROW_BLOCKS, d] scratch (xhat rows) */
} RowCall;

enum { SOFTMAX, SOFTMAX_GRAD, LAYER_NORM, LAYER_NORM_GRAD };

static void rows_range(const void *p, Py_ssize_t i0, Py_ssize_t i1) {
    const RowCall *k = p;
    Py_ssize_t r0 = i0 * k->rows / ROW_BLOCKS, r1 = i1 * k->rows / ROW_BLOCKS, d = k->d;
    if (k->which == SOFTMAX) {
        if (k->f64) softmax_rows_d(k->x, k->y, d, r0, r1);
        else softmax_rows_f(k->x, k->y, d, r0, r1);
    } else if (k->which == SOFTMAX_GRAD) {
        if (k->f64) softmax_grad_rows_d(k->g, k->x, k->y, d, r0, r1);
        else softmax_grad_rows_f(k->g, k->x, k->y, d, r0, r1);
    } else if (k->which == LAYER_NORM) {
        if (k->f64) layer_norm_rows_d(k->x, k->gamma, k->beta, k->y, d, k->eps, r0, r1);
        else layer_norm_rows_f(k->x, k->gamma, k->beta, k->y, d, (float)k->eps, r0, r1);
    } else {
        size_t item = k->f64 ? 8 : 4;
        for (Py_ssize_t i = i0; i < i1; i++) {  /* one block at a time: its own parts */
            Py_ssize_t b0 = i * k->rows / ROW_BLOCKS, b1 = (i + 1) * k->rows / ROW_BLOCKS;
            char *dg = k->dgamma ? (char *)k->dgamma + i * d * item : NULL;
            char *db = k->dbeta ? (char *)k->dbeta + i * d * item : NULL;
            char *tmp = (char *)k->tmp + i * d * item;
            if (dg) memset(dg, 0, d * item);
            if (db) memset(db, 0, d * item);
            if (k->f64)
                layer_norm_grad_rows_d(k->g, k->x, k->gamma, k->y, (double *)dg,
                                       (double *)db, (double *)tmp, d, k->eps, b0, b1);
            else
                layer_norm_grad_rows_f(k->g, k->x, k->gamma, k->y, (float *)dg,
                                       (float *)db, (float *)tmp, d, (float)k->eps, b0, b1);
        }
    }
}

/* An optional vector of d elements (None: NULL). */
static int take_opt(Bufs *bs, PyObject *o, Py_ssize_t d, int out, const char *fn,
                    const char *what, const void **ptr) {
    *ptr = NULL;
    if (o == Py_None) return 0;
    Py_buffer *v = take(bs, o, out, -1, fn, what);
    if (!v || check_len(v, d, fn, what)) return -1;
    *ptr = v->buf;
    return 0;
}

/* rows(which, x, g, gamma, beta, y, dgamma_parts, dbeta_parts, d, eps): one of the row
 * loops over C-contiguous arrays seen as (rows, d) matrices: which 0: y = softmax(x);
 * 1: y = softmax's gradient for output x and cotangent g; 2: y = layer_norm(x) with the
 * optional gamma / beta; 3: y = layer_norm's dx for cotangent g, the optional
 * [ROW_BLOCKS, d] parts of dgamma / dbeta filled (the caller adds them in order). */
static PyObject *rows_py(PyObject *self, PyObject *args) {
    PyObject *xo, *go, *gao, *beo, *yo, *dgo, *dbo;
    int which;
    Py_ssize_t d;
    double eps;
    if (!PyArg_ParseTuple(args, "iOOOOOOOnd", &which, &xo, &go, &gao, &beo, &yo, &dgo,
                          &dbo, &d, &eps))
        return NULL;
    if (which < SOFTMAX || which > LAYER_NORM_GRAD || d < 1) {
        PyErr_SetString(PyExc_ValueError, "_conv.rows: which must be 0..3 and d >= 1.");
        return NULL;
    }
    Bufs bs = {.n = 0};
    Py_buffer *x = take(&bs, xo, 0, -1, "rows", "x");
    if (!x) { release(&bs); return NULL; }
    Py_ssize_t total = x->len / x->itemsize;
    RowCall k = {.f64 = bs.dtype == 8, .which = which, .rows = total / d, .d = d,
                 .eps = eps, .x = x->buf};
    const void *dummy;
    int need_g = which == SOFTMAX_GRAD || which == LAYER_NORM_GRAD;
    int bad = total % d != 0 || (need_g != (go != Py_None)) ||
              take_opt(&bs, go, total, 0, "rows", "g", &k.g) ||
              take_opt(&bs, gao, d, 0, "rows", "gamma", &k.gamma) ||
              take_opt(&bs, beo, d, 0, "rows", "beta", &k.beta) ||
              take_opt(&bs, yo, total, 1, "rows", "y", &dummy) ||
              take_opt(&bs, dgo, ROW_BLOCKS * d, 1, "rows", "dgamma parts",
                       (const void **)&k.dgamma) ||
              take_opt(&bs, dbo, ROW_BLOCKS * d, 1, "rows", "dbeta parts",
                       (const void **)&k.dbeta) || yo == Py_None;
    if (bad) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_conv.rows: x's size must be a multiple of "
                            "d, g given exactly for the gradients, and y given.");
        release(&bs);
        return NULL;
    }
    k.y = (void *)dummy;
    if (which == LAYER_NORM_GRAD && !(k.tmp = malloc(ROW_BLOCKS * d * (size_t)bs.dtype))) {
        release(&bs);
        return PyErr_NoMemory();
    }
    int nt = threads_for(total);
    Py_BEGIN_ALLOW_THREADS
    parallel_for(ROW_BLOCKS, rows_range, &k, nt);
    Py_END_ALLOW_THREADS
    free(k.tmp);
    release(&bs);
    Py_RETURN_NONE;
}

/* -- rows added at indices (an embedding's gradient) ------------------------------- */

typedef struct {
    int f64;
    Py_ssize_t n, width, size;
    const int64_t *idx;
    const void *u;
    void *out;
} Scatter;

/* Destination rows [o0, o1): each takes, in the order of the indices, every row of u
 * whose index is it (so the sums' order does not depend on the threads). */
static HOT void scatter_range(const void *p, Py_ssize_t b0, Py_ssize_t b1) {
    const Scatter *k = p;
    Py_ssize_t o0 = b0 * k->size / ROW_BLOCKS, o1 = b1 * k->size / ROW_BLOCKS, w = k->width;
    for (Py_ssize_t i = 0; i < k->n; i++) {
        Py_ssize_t r = k->idx[i];
        if (r < o0 || r >= o1) continue;
        if (k->f64) {
            double *o = (double *)k->out + r * w;
            const double *s = (const double *)k->u + i * w;
            for (Py_ssize_t j = 0; j < w; j++) o[j] += s[j];
        } else {
            float *o = (float *)k->out + r * w;
            const float *s = (const float *)k->u + i * w;
            for (Py_ssize_t j = 0; j < w; j++) o[j] += s[j];
        }
    }
}

/* scatter_rows(u, idx, out): out[idx[i], :] += u[i, :] for (n, w) u, n int64 indices
 * (each in [0, rows of out), else ValueError before anything is written) and (rows, w)
 * out. */
static PyObject *scatter_rows(PyObject *self, PyObject *args) {
    PyObject *uo, *io, *oo;
    if (!PyArg_ParseTuple(args, "OOO", &uo, &io, &oo)) return NULL;
    Py_buffer ib;
    if (PyObject_GetBuffer(io, &ib, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    const char *fmt = ib.format ? ib.format : "B";
    if (fmt[0] == '=' || fmt[0] == '<' || fmt[0] == '@') fmt++;
    if (ib.itemsize != 8 || (strcmp(fmt, "q") != 0 && strcmp(fmt, "l") != 0)) {
        PyErr_SetString(PyExc_TypeError, "_conv.scatter_rows: idx must be int64.");
        PyBuffer_Release(&ib);
        return NULL;
    }
    Bufs bs = {.n = 0};
    Py_buffer *u = take(&bs, uo, 0, 2, "scatter_rows", "u");
    Py_buffer *out = u ? take(&bs, oo, 1, 2, "scatter_rows", "out") : NULL;
    Py_ssize_t n = ib.len / 8;
    int bad = !out || u->shape[0] != n || u->shape[1] != out->shape[1];
    if (out && bad)
        PyErr_SetString(PyExc_ValueError, "_conv.scatter_rows: u must be (len(idx), w) and "
                        "out (rows, w).");
    const int64_t *idx = ib.buf;
    for (Py_ssize_t i = 0; !bad && i < n; i++) {
        if (idx[i] < 0 || idx[i] >= out->shape[0]) {
            PyErr_Format(PyExc_ValueError, "_conv.scatter_rows: index %lld is outside "
                         "[0, %zd).", (long long)idx[i], out->shape[0]);
            bad = 1;
        }
    }
    if (!bad) {
        Scatter k = {bs.dtype == 8, n, u->shape[1], out->shape[0], idx, u->buf, out->buf};
        int nt = threads_for(n * u->shape[1]);
        Py_BEGIN_ALLOW_THREADS
        parallel_for(ROW_BLOCKS, scatter_range, &k, nt);
        Py_END_ALLOW_THREADS
    }
    release(&bs);
    PyBuffer_Release(&ib);
    if (bad) return NULL;
    Py_RETURN_NONE;
}
