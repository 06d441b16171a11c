/* ember.backend.numpy._conv: the memory-bound loops of convolution, pooling and batch
 * normalization, on every core.
 *
 * A small CNN's training step on NumPy spends most of its time outside the GEMMs: copying
 * windows (im2col), scattering them back (col2im), pooling and its gradient, bias adds
 * and relus, each one NumPy pass on one core. These loops do each in one pass over the
 * data, split over threads (_pool.h: the caller and sleeping workers, one per core) by
 * rows of windows, images or fixed blocks of rows, with the GIL released:
 * im2col / col2im, max and average pooling and their gradients, bias + relu, relu's
 * gradient, the fused bias + relu + pooling and its gradient (the window taps kept), the
 * depthwise convolution and its gradients, and batch normalization's sums and passes
 * (_conv_bn.h). The loops per dtype are in _conv_kernels.h. ember/backend/numpy/conv.py
 * (and conv_fused.py, depthwise.py, batch_norm.py) call them when the extension is built
 * and fall back to NumPy code otherwise; the two agree (the tests run both).
 *
 * Arrays come through the buffer protocol: C-contiguous, float32 or float64, one dtype per
 * call; shapes are checked against the geometry passed in, so a wrong call raises instead
 * of reading out of bounds. Geometry tuples are (kh, kw, sh, sw, dh, dw, pt, pl, oh, ow):
 * window size, strides, dilations, the padding before each spatial axis, the output size.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The loops are compiled for AVX-512 and AVX2 as well as the baseline, picked at load
 * time (GCC's function multi-versioning), where the toolchain supports it. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HOT
#endif

typedef struct {
    Py_ssize_t n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow;
} Geo;

#define POOL_BLOCK 256 /* channels per block of the pooling gradient's running maxima */

#define T float
#define SUF _f
#include "_conv_kernels.h"
#undef T
#undef SUF
#define T double
#define SUF _d
#include "_conv_kernels.h"
#undef T
#undef SUF

#include "_pool.h"

static int n_threads = 0; /* 0: one per core */

/* Below this many elements of work, one thread: waking workers costs more. */
#define PARALLEL_MIN 65536

static int threads_for(Py_ssize_t work) {
    if (work < PARALLEL_MIN) return 1;
    return n_threads > 0 ? n_threads : pool_cores();
}

/* The arguments of one loop, for the range functions the pool runs. */
typedef struct {
    int f64;
    const Geo *g;
    const void *a, *b, *c;
    void *out, *out2;
    Py_ssize_t width;
    int relu;
} Call;

static void im2col_range(const void *p, Py_ssize_t k0, Py_ssize_t k1) {
    const Call *k = p;
    for (Py_ssize_t i = k0; i < k1; i++) {
        if (k->f64) im2col_row_d(k->a, k->out, k->g, i / k->g->oh, i % k->g->oh);
        else im2col_row_f(k->a, k->out, k->g, i / k->g->oh, i % k->g->oh);
    }
}

static void col2im_range(const void *p, Py_ssize_t n0, Py_ssize_t n1) {
    const Call *k = p;
    for (Py_ssize_t n = n0; n < n1; n++) {
        if (k->f64) col2im_image_d(k->a, k->out, k->g, n);
        else col2im_image_f(k->a, k->out, k->g, n);
    }
}

static void max_pool_range(const void *p, Py_ssize_t k0, Py_ssize_t k1) {
    const Call *k = p;
    for (Py_ssize_t i = k0; i < k1; i++) {
        if (k->f64) max_pool_row_d(k->a, k->out, k->g, i / k->g->oh, i % k->g->oh);
        else max_pool_row_f(k->a, k->out, k->g, i / k->g->oh, i % k->g->oh);
    }
}

static void max_pool_grad_range(const void *p, Py_ssize_t n0, Py_ssize_t n1) {
    const Call *k = p;
    const Geo *g = k->g;
    int tiled = g->sh == g->kh && g->sw == g->kw && g->pt <= 0 && g->pl <= 0;
    for (Py_ssize_t n = n0; n < n1; n++) {
        if (tiled) {
            if (k->f64) max_pool_grad_tiled_image_d(k->a, k->b, k->out, g, n, k->relu);
            else max_pool_grad_tiled_image_f(k->a, k->b, k->out, g, n, k->relu);
        } else {
            if (k->f64) max_pool_grad_image_d(k->a, k->b, k->out, g, n, k->relu);
            else max_pool_grad_image_f(k->a, k->b, k->out, g, n, k->relu);
        }
    }
}

static void bias_act_range(const void *p, Py_ssize_t r0, Py_ssize_t r1) {
    const Call *k = p;
    if (k->f64) bias_act_rows_d(k->a, k->b, k->out, k->width, r0, r1, k->relu);
    else bias_act_rows_f(k->a, k->b, k->out, k->width, r0, r1, k->relu);
}

static void relu_grad_range(const void *p, Py_ssize_t k0, Py_ssize_t k1) {
    const Call *k = p;
    if (k->f64) relu_grad_range_d(k->a, k->b, k->out, k0, k1);
    else relu_grad_range_f(k->a, k->b, k->out, k0, k1);
}

static void bias_relu_pool_range(const void *p, Py_ssize_t k0, Py_ssize_t k1) {
    const Call *k = p;
    for (Py_ssize_t i = k0; i < k1; i++) {
        Py_ssize_t n = i / k->g->oh, r = i % k->g->oh;
        if (k->f64) bias_relu_pool_row_d(k->a, k->b, k->out, k->out2, k->g, n, r);
        else bias_relu_pool_row_f(k->a, k->b, k->out, k->out2, k->g, n, r);
    }
}

static void pool_grad_tap_range(const void *p, Py_ssize_t n0, Py_ssize_t n1) {
    const Call *k = p;
    for (Py_ssize_t n = n0; n < n1; n++) {
        if (k->f64) pool_grad_tap_image_d(k->a, k->b, k->c, k->out, k->out2, k->g, n);
        else pool_grad_tap_image_f(k->a, k->b, k->c, k->out, k->out2, k->g, n);
    }
}

static void dw_range(const void *p, Py_ssize_t k0, Py_ssize_t k1) {
    const Call *k = p;
    for (Py_ssize_t i = k0; i < k1; i++) {
        if (k->f64) dw_row_d(k->a, k->b, k->out, k->g, i / k->g->oh, i % k->g->oh);
        else dw_row_f(k->a, k->b, k->out, k->g, i / k->g->oh, i % k->g->oh);
    }
}

static void dw_input_range(const void *p, Py_ssize_t n0, Py_ssize_t n1) {
    const Call *k = p;
    for (Py_ssize_t n = n0; n < n1; n++) {
        if (k->f64) dw_input_image_d(k->a, k->b, k->out, k->g, n);
        else dw_input_image_f(k->a, k->b, k->out, k->g, n);
    }
}

static void dw_filter_range(const void *p, Py_ssize_t n0, Py_ssize_t n1) {
    const Call *k = p;
    for (Py_ssize_t n = n0; n < n1; n++) {
        if (k->f64) dw_filter_image_d(k->a, k->b, k->out, k->g, n);
        else dw_filter_image_f(k->a, k->b, k->out, k->g, n);
    }
}

static void avg_pool_range(const void *p, Py_ssize_t k0, Py_ssize_t k1) {
    const Call *k = p;
    for (Py_ssize_t i = k0; i < k1; i++) {
        if (k->f64) avg_pool_row_d(k->a, k->out, k->g, i / k->g->oh, i % k->g->oh);
        else avg_pool_row_f(k->a, k->out, k->g, i / k->g->oh, i % k->g->oh);
    }
}

static void avg_pool_grad_range(const void *p, Py_ssize_t n0, Py_ssize_t n1) {
    const Call *k = p;
    for (Py_ssize_t n = n0; n < n1; n++) {
        if (k->f64) avg_pool_grad_image_d(k->a, k->out, k->g, n);
        else avg_pool_grad_image_f(k->a, k->out, k->g, n);
    }
}

/* Runs `fn` over n items of `work_each` elements of work each, without the GIL. */
static void run(RangeFn fn, const Call *k, Py_ssize_t n, Py_ssize_t work_each) {
    int nt = threads_for(n * work_each);
    Py_BEGIN_ALLOW_THREADS
    parallel_for(n, fn, k, nt);
    Py_END_ALLOW_THREADS
}

/* -- buffers ----------------------------------------------------------------------- */

typedef struct {
    Py_buffer b[9];
    int n;
    int dtype; /* 4 (float32) or 8 (float64) */
} Bufs;

static void release(Bufs *bs) {
    for (int i = 0; i < bs->n; i++) PyBuffer_Release(&bs->b[i]);
    bs->n = 0;
}

/* Takes a buffer of `obj` (writable when `out`), float32/float64 of the dtype of the first
 * one, with `ndim` dimensions (-1: any). Returns its view or NULL with an exception. */
static Py_buffer *take(Bufs *bs, PyObject *obj, int out, int ndim, const char *fn,
                       const char *what) {
    Py_buffer *v = &bs->b[bs->n];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (out ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) return NULL;
    bs->n++;
    const char *fmt = v->format ? v->format : "B";
    if (fmt[0] == '=' || fmt[0] == '<' || fmt[0] == '@') fmt++;
    int size = (strcmp(fmt, "f") == 0 && v->itemsize == 4) ? 4
             : (strcmp(fmt, "d") == 0 && v->itemsize == 8) ? 8 : 0;
    if (!size) {
        PyErr_Format(PyExc_TypeError, "_conv.%s: %s must be float32 or float64, got format "
                     "'%s'.", fn, what, v->format ? v->format : "B");
        return NULL;
    }
    if (bs->n == 1) bs->dtype = size;
    else if (size != bs->dtype) {
        PyErr_Format(PyExc_TypeError, "_conv.%s: %s has %d-byte items, the first array "
                     "%d-byte items.", fn, what, size, bs->dtype);
        return NULL;
    }
    if (ndim >= 0 && v->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "_conv.%s: %s must have %d dimensions, got %d.", fn,
                     what, ndim, v->ndim);
        return NULL;
    }
    return v;
}

static int check_len(Py_buffer *v, Py_ssize_t want, const char *fn, const char *what) {
    if (v->len / v->itemsize == want) return 0;
    PyErr_Format(PyExc_ValueError, "_conv.%s: %s has %zd elements, the geometry needs %zd.",
                 fn, what, v->len / v->itemsize, want);
    return -1;
}

/* Parses the geometry tuple and the NHWC shape of `v` into `g`. */
static int geometry(PyObject *geo, Py_buffer *v, Geo *g, const char *fn) {
    if (!PyArg_ParseTuple(geo, "nnnnnnnnnn", &g->kh, &g->kw, &g->sh, &g->sw, &g->dh, &g->dw,
                          &g->pt, &g->pl, &g->oh, &g->ow)) {
        PyErr_Format(PyExc_TypeError, "_conv.%s: the geometry must be 10 ints (kh, kw, sh, "
                     "sw, dh, dw, pt, pl, oh, ow).", fn);
        return -1;
    }
    g->n = v->shape[0]; g->h = v->shape[1]; g->w = v->shape[2]; g->c = v->shape[3];
    if (g->kh < 1 || g->kw < 1 || g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1 ||
        g->oh < 0 || g->ow < 0) {
        PyErr_Format(PyExc_ValueError, "_conv.%s: invalid geometry.", fn);
        return -1;
    }
    return 0;
}

/* -- the calls ---------------------------------------------------------------------- */

static PyObject *im2col(PyObject *self, PyObject *args) {
    PyObject *xo, *co, *geo;
    if (!PyArg_ParseTuple(args, "OOO!", &xo, &co, &PyTuple_Type, &geo)) return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *x = take(&bs, xo, 0, 4, "im2col", "x");
    Py_buffer *cols = x ? take(&bs, co, 1, -1, "im2col", "cols") : NULL;
    if (!cols || geometry(geo, x, &g, "im2col") ||
        check_len(cols, g.n * g.oh * g.ow * g.kh * g.kw * g.c, "im2col", "cols")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = x->buf, .out = cols->buf};
    run(im2col_range, &k, g.n * g.oh, g.ow * g.kh * g.kw * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

static PyObject *col2im(PyObject *self, PyObject *args) {
    PyObject *co, *xo, *geo;
    if (!PyArg_ParseTuple(args, "OOO!", &co, &xo, &PyTuple_Type, &geo)) return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *cols = take(&bs, co, 0, -1, "col2im", "cols");
    Py_buffer *dx = cols ? take(&bs, xo, 1, 4, "col2im", "dx") : NULL;
    if (!dx || geometry(geo, dx, &g, "col2im") ||
        check_len(cols, g.n * g.oh * g.ow * g.kh * g.kw * g.c, "col2im", "cols")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = cols->buf, .out = dx->buf};
    run(col2im_range, &k, g.n, g.oh * g.ow * g.kh * g.kw * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

static PyObject *max_pool(PyObject *self, PyObject *args) {
    PyObject *xo, *yo, *geo;
    if (!PyArg_ParseTuple(args, "OOO!", &xo, &yo, &PyTuple_Type, &geo)) return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *x = take(&bs, xo, 0, 4, "max_pool", "x");
    Py_buffer *y = x ? take(&bs, yo, 1, -1, "max_pool", "y") : NULL;
    if (!y || geometry(geo, x, &g, "max_pool") ||
        check_len(y, g.n * g.oh * g.ow * g.c, "max_pool", "y")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = x->buf, .out = y->buf};
    run(max_pool_range, &k, g.n * g.oh, g.ow * g.kh * g.kw * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

/* avg_pool(a, out, geometry, grad): grad 0: out = the average pooling of x = a; 1: a is
 * dy, out the gradient [N, H, W, C] (the geometry from out). */
static PyObject *avg_pool(PyObject *self, PyObject *args) {
    PyObject *ao, *oo, *geo;
    int grad;
    if (!PyArg_ParseTuple(args, "OOO!p", &ao, &oo, &PyTuple_Type, &geo, &grad)) return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *a = take(&bs, ao, 0, grad ? -1 : 4, "avg_pool", grad ? "dy" : "x");
    Py_buffer *out = a ? take(&bs, oo, 1, grad ? 4 : -1, "avg_pool", grad ? "dx" : "y") : NULL;
    if (!out || geometry(geo, grad ? out : a, &g, "avg_pool") ||
        check_len(grad ? a : out, g.n * g.oh * g.ow * g.c, "avg_pool", grad ? "dy" : "y")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = a->buf, .out = out->buf};
    if (grad) run(avg_pool_grad_range, &k, g.n, g.oh * g.ow * g.kh * g.kw * g.c);
    else run(avg_pool_range, &k, g.n * g.oh, g.ow * g.kh * g.kw * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

static PyObject *max_pool_grad(PyObject *self, PyObject *args) {
    PyObject *go, *xo, *dxo, *geo;
    int relu;
    if (!PyArg_ParseTuple(args, "OOOO!p", &go, &xo, &dxo, &PyTuple_Type, &geo, &relu))
        return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *dy = take(&bs, go, 0, -1, "max_pool_grad", "dy");
    Py_buffer *x = dy ? take(&bs, xo, 0, 4, "max_pool_grad", "x") : NULL;
    Py_buffer *dx = x ? take(&bs, dxo, 1, -1, "max_pool_grad", "dx") : NULL;
    if (!dx || geometry(geo, x, &g, "max_pool_grad") ||
        check_len(dy, g.n * g.oh * g.ow * g.c, "max_pool_grad", "dy") ||
        check_len(dx, g.n * g.h * g.w * g.c, "max_pool_grad", "dx")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = dy->buf, .b = x->buf, .out = dx->buf,
              .relu = relu};
    run(max_pool_grad_range, &k, g.n, g.h * g.w * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

/* A uint8 buffer of `want` elements (the window taps of bias_relu_pool). */
static Py_buffer *take_taps(Bufs *bs, PyObject *obj, int out, Py_ssize_t want,
                            const char *fn) {
    Py_buffer *v = &bs->b[bs->n];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (out ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) return NULL;
    bs->n++;
    if (v->itemsize != 1 || !v->format || strcmp(v->format, "B") != 0 || v->len != want) {
        PyErr_Format(PyExc_ValueError, "_conv.%s: the taps must be %zd uint8 elements.", fn,
                     want);
        return NULL;
    }
    return v;
}

/* Pooling windows that tile the input from its top left: strides equal to the window. */
static int check_tiled(const Geo *g, const char *fn) {
    if (g->sh == g->kh && g->sw == g->kw && g->pt <= 0 && g->pl <= 0 && g->kh * g->kw <= 255)
        return 0;
    PyErr_Format(PyExc_ValueError, "_conv.%s: the windows must tile the input (strides equal "
                 "to the window, no padding before, at most 255 taps).", fn);
    return -1;
}

static PyObject *bias_relu_pool(PyObject *self, PyObject *args) {
    PyObject *zo, *bo, *po, *to, *geo;
    if (!PyArg_ParseTuple(args, "OOOOO!", &zo, &bo, &po, &to, &PyTuple_Type, &geo))
        return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *z = take(&bs, zo, 0, 4, "bias_relu_pool", "z");
    Py_buffer *b = z ? take(&bs, bo, 0, 1, "bias_relu_pool", "the bias") : NULL;
    Py_buffer *p = b ? take(&bs, po, 1, -1, "bias_relu_pool", "p") : NULL;
    if (!p || geometry(geo, z, &g, "bias_relu_pool") || check_tiled(&g, "bias_relu_pool") ||
        check_len(b, g.c, "bias_relu_pool", "the bias") ||
        check_len(p, g.n * g.oh * g.ow * g.c, "bias_relu_pool", "p") ||
        !take_taps(&bs, to, 1, g.n * g.oh * g.ow * g.c, "bias_relu_pool")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = z->buf, .b = b->buf, .out = p->buf,
              .out2 = bs.b[3].buf};
    run(bias_relu_pool_range, &k, g.n * g.oh, g.ow * g.kh * g.kw * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

static PyObject *pool_grad_taps(PyObject *self, PyObject *args) {
    PyObject *go, *po, *to, *dxo, *geo, *so = Py_None;
    if (!PyArg_ParseTuple(args, "OOOOO!|O", &go, &po, &to, &dxo, &PyTuple_Type, &geo, &so))
        return NULL;
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *dy = take(&bs, go, 0, -1, "pool_grad_taps", "dy");
    Py_buffer *p = dy ? take(&bs, po, 0, -1, "pool_grad_taps", "p") : NULL;
    Py_buffer *dx = p ? take(&bs, dxo, 1, 4, "pool_grad_taps", "dx") : NULL;
    if (!dx || geometry(geo, dx, &g, "pool_grad_taps") || check_tiled(&g, "pool_grad_taps") ||
        check_len(dy, g.n * g.oh * g.ow * g.c, "pool_grad_taps", "dy") ||
        check_len(p, g.n * g.oh * g.ow * g.c, "pool_grad_taps", "p") ||
        !take_taps(&bs, to, 0, g.n * g.oh * g.ow * g.c, "pool_grad_taps")) {
        release(&bs);
        return NULL;
    }
    Py_buffer *sums = NULL;
    if (so != Py_None) {
        sums = take(&bs, so, 1, -1, "pool_grad_taps", "sums");
        if (!sums || check_len(sums, g.n * g.c, "pool_grad_taps", "sums")) {
            release(&bs);
            return NULL;
        }
    }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = dy->buf, .b = p->buf, .c = bs.b[3].buf,
              .out = dx->buf, .out2 = sums ? sums->buf : NULL};
    run(pool_grad_tap_range, &k, g.n, g.h * g.w * g.c);
    release(&bs);
    Py_RETURN_NONE;
}

/* depthwise(x, w, y, geometry, which): which 0: y = the depthwise convolution of x [N, H,
 * W, C] by w [kh, kw, C] (y [N, OH, OW, C]); 1: x is dy [N, OH, OW, C] and y = dx [N, H,
 * W, C] (geometry from y); 2: y = per-image filter gradients [N, kh, kw, C] of x and the
 * dy given as w. */
static PyObject *depthwise(PyObject *self, PyObject *args) {
    PyObject *ao, *bo, *yo, *geo;
    int which;
    if (!PyArg_ParseTuple(args, "OOOO!i", &ao, &bo, &yo, &PyTuple_Type, &geo, &which))
        return NULL;
    if (which < 0 || which > 2) {
        PyErr_SetString(PyExc_ValueError, "_conv.depthwise: which must be 0, 1 or 2.");
        return NULL;
    }
    Bufs bs = {.n = 0};
    Geo g;
    Py_buffer *a = take(&bs, ao, 0, 4, "depthwise", which == 1 ? "dy" : "x");
    Py_buffer *b = a ? take(&bs, bo, 0, -1, "depthwise", which == 2 ? "dy" : "w") : NULL;
    Py_buffer *y = b ? take(&bs, yo, 1, -1, "depthwise", "the output") : NULL;
    Py_buffer *shaped = which == 1 ? y : a;  /* the [N, H, W, C] input's buffer */
    if (!y || (which == 1 && y->ndim != 4) ||
        geometry(geo, shaped, &g, "depthwise")) {
        if (y && which == 1 && y->ndim != 4 && !PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_conv.depthwise: dx must have 4 dimensions.");
        release(&bs);
        return NULL;
    }
    Py_ssize_t taps = g.kh * g.kw * g.c, outs = g.n * g.oh * g.ow * g.c;
    int bad = which == 0 ? check_len(b, taps, "depthwise", "w") ||
                           check_len(y, outs, "depthwise", "y")
            : which == 1 ? check_len(a, outs, "depthwise", "dy") ||
                           check_len(b, taps, "depthwise", "w")
            : check_len(b, outs, "depthwise", "dy") ||
              check_len(y, g.n * taps, "depthwise", "the filter parts");
    if (bad) { release(&bs); return NULL; }
    Call k = {.f64 = bs.dtype == 8, .g = &g, .a = a->buf, .b = b->buf, .out = y->buf};
    if (which == 0) run(dw_range, &k, g.n * g.oh, g.ow * taps);
    else run(which == 1 ? dw_input_range : dw_filter_range, &k, g.n, g.oh * g.ow * taps);
    release(&bs);
    Py_RETURN_NONE;
}

#include "_conv_bn.h"  /* channel_sums, bn_pass: batch normalization's loops */

static PyObject *bias_act(PyObject *self, PyObject *args) {
    PyObject *xo, *bo, *yo;
    int relu;
    if (!PyArg_ParseTuple(args, "OOOp", &xo, &bo, &yo, &relu)) return NULL;
    Bufs bs = {.n = 0};
    Py_buffer *x = take(&bs, xo, 0, -1, "bias_act", "x");
    Py_buffer *b = x ? take(&bs, bo, 0, 1, "bias_act", "the bias") : NULL;
    Py_buffer *y = b ? take(&bs, yo, 1, -1, "bias_act", "y") : NULL;
    if (!y) { release(&bs); return NULL; }
    Py_ssize_t c = b->shape[0], total = x->len / x->itemsize;
    if (c == 0 || total % c || check_len(y, total, "bias_act", "y")) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "_conv.bias_act: the bias has %zd elements; x's "
                         "%zd elements are not rows of that width.", c, total);
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .a = x->buf, .b = b->buf, .out = y->buf, .width = c,
              .relu = relu};
    run(bias_act_range, &k, total / c, c);
    release(&bs);
    Py_RETURN_NONE;
}

static PyObject *relu_grad(PyObject *self, PyObject *args) {
    PyObject *go, *yo, *oo;
    if (!PyArg_ParseTuple(args, "OOO", &go, &yo, &oo)) return NULL;
    Bufs bs = {.n = 0};
    Py_buffer *gr = take(&bs, go, 0, -1, "relu_grad", "g");
    Py_buffer *y = gr ? take(&bs, yo, 0, -1, "relu_grad", "y") : NULL;
    Py_buffer *out = y ? take(&bs, oo, 1, -1, "relu_grad", "out") : NULL;
    Py_ssize_t total = gr ? gr->len / gr->itemsize : 0;
    if (!out || check_len(y, total, "relu_grad", "y") ||
        check_len(out, total, "relu_grad", "out")) {
        release(&bs);
        return NULL;
    }
    Call k = {.f64 = bs.dtype == 8, .a = gr->buf, .b = y->buf, .out = out->buf};
    run(relu_grad_range, &k, total, 1);
    release(&bs);
    Py_RETURN_NONE;
}

#include "_gemm.h"
#include "_rows.h"

static PyObject *set_num_threads(PyObject *self, PyObject *args) {
    int n;
    if (!PyArg_ParseTuple(args, "i", &n)) return NULL;
    int before = n_threads;
    n_threads = n > 0 ? n : 0;
    return PyLong_FromLong(before);
}

static PyObject *max_threads(PyObject *self, PyObject *noargs) {
    return PyLong_FromLong(n_threads > 0 ? n_threads : pool_cores());
}

static PyMethodDef methods[] = {
    {"im2col", im2col, METH_VARARGS, "im2col(x, cols, geometry): windows of NHWC x."},
    {"col2im", col2im, METH_VARARGS, "col2im(cols, dx, geometry): im2col's adjoint."},
    {"max_pool", max_pool, METH_VARARGS, "max_pool(x, y, geometry)."},
    {"avg_pool", avg_pool, METH_VARARGS,
     "avg_pool(a, out, geometry, grad): average pooling (grad 0) or its gradient (1)."},
    {"max_pool_grad", max_pool_grad, METH_VARARGS,
     "max_pool_grad(dy, x, dx, geometry, relu): first-maximum rule; relu multiplies by "
     "(x > 0)."},
    {"bias_relu_pool", bias_relu_pool, METH_VARARGS,
     "bias_relu_pool(z, b, p, taps, geometry): p = max-pooled relu(z + b) and the window "
     "tap of each maximum (uint8), for windows that tile z."},
    {"pool_grad_taps", pool_grad_taps, METH_VARARGS,
     "pool_grad_taps(dy, p, taps, dx, geometry[, sums]): bias_relu_pool's gradient w.r.t. "
     "z (and each image's sum of it per channel into sums [N, C])."},
    {"depthwise", depthwise, METH_VARARGS,
     "depthwise(a, b, out, geometry, which): the depthwise convolution (0), its input "
     "gradient (1) or per-image filter gradients (2)."},
    {"channel_sums", channel_sums_py, METH_VARARGS,
     "channel_sums(x, m, d, parts, parts2, mode): per-block channel sums (batch norm)."},
    {"bn_pass", bn_pass, METH_VARARGS,
     "bn_pass(x, m, a, b, d, e, y): batch normalization's elementwise pass."},
    {"bias_act", bias_act, METH_VARARGS, "bias_act(x, b, y, relu): y = x + b (then relu)."},
    {"relu_grad", relu_grad, METH_VARARGS, "relu_grad(g, y, out): out = g * (y > 0)."},
    {"set_blas", set_blas, METH_VARARGS,
     "set_blas(sgemm, dgemm, set_num_threads_local): the CBLAS functions `gemm` calls."},
    {"gemm", gemm, METH_VARARGS, "gemm(a, b, c, ta, tb): c = op(a) @ op(b) on the pool."},
    {"rows", rows_py, METH_VARARGS,
     "rows(which, x, g, gamma, beta, y, dgamma_parts, dbeta_parts, d, eps): softmax (0), "
     "its gradient (1), layer_norm (2) or its gradient (3) over rows of d elements."},
    {"scatter_rows", scatter_rows, METH_VARARGS,
     "scatter_rows(u, idx, out): out[idx[i], :] += u[i, :] (int64 idx, checked)."},
    {"gemm_nd", gemm_nd, METH_VARARGS,
     "gemm_nd(a, b, c, geometry): a batched product on strided views, on the pool."},
    {"set_num_threads", set_num_threads, METH_VARARGS,
     "set_num_threads(n): threads per loop (0: every core); returns the previous setting."},
    {"max_threads", max_threads, METH_NOARGS, "The threads a large loop uses."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_conv",
    "ember's compiled convolution and pooling loops (see ember/backend/numpy/conv.py).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__conv(void) { return PyModule_Create(&module); }
