/* ember.backend.numpy._fused: optimizer updates as one compiled loop per weight.
 *
 * NumPy runs an optimizer update as a dozen whole-array passes (`m *= b1`, `t = g * c1`,
 * `m += t`, ...), each reading and writing every element again; Adam's update of an MLP
 * then costs as much as its matmuls. These loops read each element of the gradient and
 * the state once and write it once.
 *
 * Each loop computes exactly the NumPy passes of ember/backend/numpy/fused.py, in the same
 * order and precision (the build turns off floating-point contraction), so the two paths
 * give the same bits. Python scalars are rounded to the array's dtype first, as NumPy
 * does with a weak Python float.
 *
 * Arrays come through the buffer protocol (C-contiguous, format 'f' or 'd', one dtype,
 * one length); the GIL is released while a loop runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* The buffers of one call: [0] the gradient (read), then the updated arrays. */
#define MAXBUF 5

typedef struct {
    Py_buffer b[MAXBUF];
    int n;
} Buffers;

static void release(Buffers *bs) {
    for (int i = 0; i < bs->n; i++) PyBuffer_Release(&bs->b[i]);
    bs->n = 0;
}

/* Takes a buffer of `obj`, checking it against the first one; 0 on success. */
static int take(Buffers *bs, PyObject *obj, int writable, const char *what) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    Py_buffer *view = &bs->b[bs->n];
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    bs->n++;
    const char *fmt = view->format ? view->format : "B";
    if (fmt[0] == '=' || fmt[0] == '<' || fmt[0] == '@') fmt++;
    if (!((strcmp(fmt, "f") == 0 && view->itemsize == 4) ||
          (strcmp(fmt, "d") == 0 && view->itemsize == 8))) {
        PyErr_Format(PyExc_TypeError, "_fused: %s must be float32 or float64, got format "
                     "'%s'.", what, view->format ? view->format : "B");
        return -1;
    }
    if (bs->n > 1) {
        Py_buffer *first = &bs->b[0];
        if (view->itemsize != first->itemsize || view->len != first->len) {
            PyErr_Format(PyExc_ValueError, "_fused: %s has %zd bytes of %zd-byte items; "
                         "the gradient has %zd bytes of %zd-byte items.", what, view->len,
                         view->itemsize, first->len, first->itemsize);
            return -1;
        }
    }
    return 0;
}

/* ---- Adam / AdamW (amsgrad) ------------------------------------------------------- */

/* One loop per dtype and variant (decay, amsgrad): with the variant a constant and the
 * pointers restrict (the caller passes distinct arrays), compilers vectorize the loop. */
#define ADAM_LOOP(T, SQRT, DECAY, AMS, NAME)                                            \
    static void NAME(Py_ssize_t n, const T *restrict g, T *restrict p, T *restrict m,   \
                     T *restrict v, T *restrict vh, const T *k) {                       \
        const T b1 = k[0], b2 = k[1], c1 = k[2], c2 = k[3], eps = k[4], alpha = k[5];   \
        const T wd = k[6];                                                              \
        (void)wd;                                                                       \
        (void)vh;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i];                                                     \
            if (DECAY) pi = pi * wd;                                                    \
            T mi = m[i] * b1 + gi * c1;                                                 \
            T vi = v[i] * b2 + (gi * gi) * c2;                                          \
            m[i] = mi;                                                                  \
            v[i] = vi;                                                                  \
            if (AMS) {                                                                  \
                T h = vh[i];                                                            \
                vi = (h != h || h > vi) ? h : vi; /* np.maximum: NaN wins */            \
                vh[i] = vi;                                                             \
            }                                                                           \
            p[i] = pi - (mi / (SQRT(vi) + eps)) * alpha;                                \
        }                                                                               \
    }

#define ADAM_VARIANTS(T, SQRT)                                                          \
    ADAM_LOOP(T, SQRT, 0, 0, adam_##T##_00)                                             \
    ADAM_LOOP(T, SQRT, 1, 0, adam_##T##_10)                                             \
    ADAM_LOOP(T, SQRT, 0, 1, adam_##T##_01)                                             \
    ADAM_LOOP(T, SQRT, 1, 1, adam_##T##_11)                                             \
    static void adam_##T(Py_ssize_t n, Py_buffer *b, int decay, int ams,                \
                         const double *kd) {                                            \
        T k[7];                                                                         \
        for (int i = 0; i < 7; i++) k[i] = (T)kd[i];                                    \
        T *vh = ams ? (T *)b[4].buf : NULL;                                             \
        void (*f)(Py_ssize_t, const T *restrict, T *restrict, T *restrict, T *restrict, \
                  T *restrict, const T *) =                                             \
            decay ? (ams ? adam_##T##_11 : adam_##T##_10)                               \
                  : (ams ? adam_##T##_01 : adam_##T##_00);                              \
        f(n, b[0].buf, b[1].buf, b[2].buf, b[3].buf, vh, k);                            \
    }

ADAM_VARIANTS(float, sqrtf)
ADAM_VARIANTS(double, sqrt)

PyDoc_STRVAR(adam_doc,
"adam(g, p, m, v, vhat, beta_1, beta_2, epsilon, alpha, decay)\n\n"
"One Adam step in place: m, v (and vhat when not None) and p are updated from the\n"
"gradient g; alpha is the bias-corrected step size, decay (or None) scales p first.");

static PyObject *adam(PyObject *self, PyObject *args) {
    PyObject *g, *p, *m, *v, *vh, *decay_obj;
    double b1, b2, eps, alpha, wd = 1.0;
    if (!PyArg_ParseTuple(args, "OOOOOddddO", &g, &p, &m, &v, &vh, &b1, &b2, &eps, &alpha,
                          &decay_obj))
        return NULL;
    int decay = decay_obj != Py_None;
    if (decay) {
        wd = PyFloat_AsDouble(decay_obj);
        if (wd == -1.0 && PyErr_Occurred()) return NULL;
    }
    Buffers bs = {.n = 0};
    if (take(&bs, g, 0, "the gradient") || take(&bs, p, 1, "the weight") ||
        take(&bs, m, 1, "m") || take(&bs, v, 1, "v") ||
        (vh != Py_None && take(&bs, vh, 1, "vhat"))) {
        release(&bs);
        return NULL;
    }
    Py_ssize_t n = bs.b[0].len / bs.b[0].itemsize;
    int ams = vh != Py_None;
    /* Rounded to the dtype inside, as NumPy rounds a weak Python float. */
    const double k[7] = {b1, b2, 1.0 - b1, 1.0 - b2, eps, alpha, wd};
    Py_BEGIN_ALLOW_THREADS
    if (bs.b[0].itemsize == 4)
        adam_float(n, bs.b, decay, ams, k);
    else
        adam_double(n, bs.b, decay, ams, k);
    Py_END_ALLOW_THREADS
    release(&bs);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"adam", adam, METH_VARARGS, adam_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fused",
    "ember's compiled optimizer updates (see ember/backend/numpy/fused.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
