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
 * Kernels: adam (AdamW, amsgrad), sgd (momentum, nesterov), rmsprop (momentum, centered),
 * adagrad, adadelta, adamax, nadam and lion (each with or without weight decay).
 * Arrays come through the buffer protocol (C-contiguous, format 'f' or 'd', one dtype,
 * one length); the GIL is released while a loop runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* The buffers of one call: [0] the gradient (read), then the updated arrays. */
#define MAXBUF 6

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

/* Takes the buffers of `objs` (NULL or None entries are absent: their pointer is NULL);
 * objs[0] is the gradient (read only), the others are updated. 0 on success. */
static int take_all(Buffers *bs, PyObject **objs, const char *const *names, int n,
                    void **ptrs) {
    for (int i = 0; i < n; i++) {
        ptrs[i] = NULL;
        if (objs[i] == NULL || objs[i] == Py_None) continue;
        if (take(bs, objs[i], i > 0, names[i])) return -1;
        ptrs[i] = bs->b[bs->n - 1].buf;
    }
    return 0;
}

/* A 0-d array or a Python number, as a double (`decay` may be None: no decay). */
static int scalar(PyObject *obj, double *out, int *present) {
    *present = obj != Py_None;
    if (!*present) return 0;
    *out = PyFloat_AsDouble(obj);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* Each loop is written once over a type T and compile-time variant flags; with the flags
 * constant and the pointers restrict (the caller passes distinct arrays), compilers
 * vectorize it. The constants k[] arrive as doubles, rounded to T first. */
#define LOOP_HEAD(T)                                                                    \
    const T *restrict g = a[0];                                                         \
    T *restrict p = a[1];                                                               \
    (void)g;                                                                            \
    (void)p;

/* ---- Adam / AdamW (amsgrad) ----
 * k: beta_1, beta_2, 1 - beta_1, 1 - beta_2, epsilon, alpha, decay;  a: g, p, m, v, vhat */
#define ADAM_LOOP(T, SQRT, DECAY, AMS)                                                  \
    static void adam_##T##_##DECAY##AMS(Py_ssize_t n, void **a, const T *k) {           \
        LOOP_HEAD(T)                                                                    \
        T *restrict m = a[2], *restrict v = a[3], *restrict vh = a[4];                  \
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

/* ---- SGD (momentum, nesterov); MOM: 0 none, 1 momentum, 2 nesterov ----
 * k: lr, momentum, decay;  a: g, p, m */
#define SGD_LOOP(T, SQRT, DECAY, MOM)                                                   \
    static void sgd_##T##_##DECAY##MOM(Py_ssize_t n, void **a, const T *k) {            \
        LOOP_HEAD(T)                                                                    \
        T *restrict m = a[2];                                                           \
        const T lr = k[0], mom = k[1], wd = k[2];                                       \
        (void)m;                                                                        \
        (void)mom;                                                                      \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T pi = p[i];                                                                \
            if (DECAY) pi = pi * wd;                                                    \
            T t = g[i] * lr;                                                            \
            if (MOM == 0) {                                                             \
                p[i] = pi - t;                                                          \
            } else {                                                                    \
                T mi = m[i] * mom - t;                                                  \
                m[i] = mi;                                                              \
                p[i] = MOM == 2 ? (pi - t) + mi * mom : pi + mi;                        \
            }                                                                           \
        }                                                                               \
    }

/* ---- RMSprop (momentum, centered) ----
 * k: rho, 1 - rho, momentum, epsilon, lr, decay;  a: g, p, velocity, momentum, average */
#define RMSPROP_LOOP(T, SQRT, DECAY, MOM, CEN)                                          \
    static void rmsprop_##T##_##DECAY##MOM##CEN(Py_ssize_t n, void **a, const T *k) {   \
        LOOP_HEAD(T)                                                                    \
        T *restrict v = a[2], *restrict m = a[3], *restrict avg = a[4];                 \
        const T rho = k[0], c = k[1], mom = k[2], eps = k[3], lr = k[4], wd = k[5];     \
        (void)m;                                                                        \
        (void)avg;                                                                      \
        (void)mom;                                                                      \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i];                                                     \
            if (DECAY) pi = pi * wd;                                                    \
            T vi = v[i] * rho + (gi * gi) * c;                                          \
            v[i] = vi;                                                                  \
            T d;                                                                        \
            if (CEN) {                                                                  \
                T ai = avg[i] * rho + gi * c;                                           \
                avg[i] = ai;                                                            \
                d = (vi - ai * ai) + eps;                                               \
            } else {                                                                    \
                d = vi + eps;                                                           \
            }                                                                           \
            T t = (gi / SQRT(d)) * lr;                                                  \
            if (MOM) {                                                                  \
                T mi = m[i] * mom + t;                                                  \
                m[i] = mi;                                                              \
                p[i] = pi - mi;                                                         \
            } else {                                                                    \
                p[i] = pi - t;                                                          \
            }                                                                           \
        }                                                                               \
    }

/* |x| per type (token-pasted on T); np.abs also clears the sign bit of -0 and NaN. */
static inline float abs_float(float x) { return fabsf(x); }
static inline double abs_double(double x) { return fabs(x); }

/* ---- Adagrad ----  k: epsilon, lr, decay;  a: g, p, accumulator */
#define ADAGRAD_LOOP(T, SQRT, DECAY)                                                    \
    static void adagrad_##T##_##DECAY(Py_ssize_t n, void **a, const T *k) {             \
        LOOP_HEAD(T)                                                                    \
        T *restrict acc = a[2];                                                         \
        const T eps = k[0], lr = k[1], wd = k[2];                                       \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i];                                                     \
            if (DECAY) pi = pi * wd;                                                    \
            T ai = acc[i] + gi * gi;                                                    \
            acc[i] = ai;                                                                \
            p[i] = pi - (gi / SQRT(ai + eps)) * lr;                                     \
        }                                                                               \
    }

/* ---- Adadelta ----  k: rho, 1 - rho, epsilon, lr, decay;  a: g, p, grad avg, delta avg */
#define ADADELTA_LOOP(T, SQRT, DECAY)                                                   \
    static void adadelta_##T##_##DECAY(Py_ssize_t n, void **a, const T *k) {            \
        LOOP_HEAD(T)                                                                    \
        T *restrict ag = a[2], *restrict ad = a[3];                                     \
        const T rho = k[0], c = k[1], eps = k[2], lr = k[3], wd = k[4];                 \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i], di = ad[i];                                         \
            if (DECAY) pi = pi * wd;                                                    \
            T gsq = ag[i] * rho + (gi * gi) * c;                                        \
            ag[i] = gsq;                                                                \
            T t = (SQRT(di + eps) * gi) / SQRT(gsq + eps); /* -delta */                 \
            ad[i] = di * rho + (t * t) * c;                                             \
            p[i] = pi - t * lr;                                                         \
        }                                                                               \
    }

/* ---- Adamax ----  k: 1 - beta_1, beta_2, epsilon, lr, correction, decay;  a: g, p, m, u */
#define ADAMAX_LOOP(T, SQRT, DECAY)                                                     \
    static void adamax_##T##_##DECAY(Py_ssize_t n, void **a, const T *k) {              \
        LOOP_HEAD(T)                                                                    \
        T *restrict m = a[2], *restrict u = a[3];                                       \
        const T c1 = k[0], b2 = k[1], eps = k[2], lr = k[3], corr = k[4], wd = k[5];    \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i], mi = m[i];                                          \
            if (DECAY) pi = pi * wd;                                                    \
            mi = mi + (gi - mi) * c1;                                                   \
            m[i] = mi;                                                                  \
            T ui = u[i] * b2, ga = abs_##T(gi);                                         \
            ui = (ui != ui || ui > ga) ? ui : ga; /* np.maximum: NaN wins, ties: ga */  \
            u[i] = ui;                                                                  \
            p[i] = pi - (mi / ((ui + eps) * corr)) * lr;                                \
        }                                                                               \
    }

/* ---- Nadam ----
 * k: 1 - beta_1, 1 - beta_2, epsilon, lr, coef_m, coef_g, correction, decay;  a: g, p, m, v */
#define NADAM_LOOP(T, SQRT, DECAY)                                                      \
    static void nadam_##T##_##DECAY(Py_ssize_t n, void **a, const T *k) {               \
        LOOP_HEAD(T)                                                                    \
        T *restrict m = a[2], *restrict v = a[3];                                       \
        const T c1 = k[0], c2 = k[1], eps = k[2], lr = k[3], cm = k[4], cg = k[5];      \
        const T corr = k[6], wd = k[7];                                                 \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i], mi = m[i], vi = v[i];                               \
            if (DECAY) pi = pi * wd;                                                    \
            mi = mi + (gi - mi) * c1;                                                   \
            vi = vi + ((gi * gi) - vi) * c2;                                            \
            m[i] = mi;                                                                  \
            v[i] = vi;                                                                  \
            T t = (mi * cm + gi * cg) * lr;                                             \
            p[i] = pi - t / (SQRT(vi / corr) + eps);                                    \
        }                                                                               \
    }

/* ---- Lion ----  k: beta_1, 1 - beta_1, beta_2, 1 - beta_2, lr, decay;  a: g, p, m */
#define LION_LOOP(T, SQRT, DECAY)                                                       \
    static void lion_##T##_##DECAY(Py_ssize_t n, void **a, const T *k) {                \
        LOOP_HEAD(T)                                                                    \
        T *restrict m = a[2];                                                           \
        const T b1 = k[0], c1 = k[1], b2 = k[2], c2 = k[3], lr = k[4], wd = k[5];       \
        (void)wd;                                                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            T gi = g[i], pi = p[i], mi = m[i];                                          \
            if (DECAY) pi = pi * wd;                                                    \
            T s = mi * b1 + gi * c1;                                                    \
            /* np.sign: +-1, +0 for +-0, NaN kept as it is (3 selects: vectorizes) */    \
            T sign = s > 0 ? (T)1 : (T)0;                                               \
            sign = s < 0 ? (T)-1 : sign;                                                \
            sign = s != s ? s : sign;                                                   \
            p[i] = pi - sign * lr;                                                      \
            m[i] = mi * b2 + gi * c2;                                                   \
        }                                                                               \
    }

#define FOR_TYPES(X, ...) X(float, sqrtf, __VA_ARGS__) X(double, sqrt, __VA_ARGS__)
FOR_TYPES(ADAM_LOOP, 0, 0) FOR_TYPES(ADAM_LOOP, 0, 1)
FOR_TYPES(ADAM_LOOP, 1, 0) FOR_TYPES(ADAM_LOOP, 1, 1)
FOR_TYPES(SGD_LOOP, 0, 0) FOR_TYPES(SGD_LOOP, 0, 1) FOR_TYPES(SGD_LOOP, 0, 2)
FOR_TYPES(SGD_LOOP, 1, 0) FOR_TYPES(SGD_LOOP, 1, 1) FOR_TYPES(SGD_LOOP, 1, 2)
FOR_TYPES(RMSPROP_LOOP, 0, 0, 0) FOR_TYPES(RMSPROP_LOOP, 0, 0, 1)
FOR_TYPES(RMSPROP_LOOP, 0, 1, 0) FOR_TYPES(RMSPROP_LOOP, 0, 1, 1)
FOR_TYPES(RMSPROP_LOOP, 1, 0, 0) FOR_TYPES(RMSPROP_LOOP, 1, 0, 1)
FOR_TYPES(RMSPROP_LOOP, 1, 1, 0) FOR_TYPES(RMSPROP_LOOP, 1, 1, 1)
FOR_TYPES(ADAGRAD_LOOP, 0) FOR_TYPES(ADAGRAD_LOOP, 1)
FOR_TYPES(ADADELTA_LOOP, 0) FOR_TYPES(ADADELTA_LOOP, 1)
FOR_TYPES(ADAMAX_LOOP, 0) FOR_TYPES(ADAMAX_LOOP, 1)
FOR_TYPES(NADAM_LOOP, 0) FOR_TYPES(NADAM_LOOP, 1)
FOR_TYPES(LION_LOOP, 0) FOR_TYPES(LION_LOOP, 1)

typedef void (*LoopF)(Py_ssize_t, void **, const float *);
typedef void (*LoopD)(Py_ssize_t, void **, const double *);

/* Runs loop `variant` of a kernel over the taken buffers, without the GIL. */
static PyObject *run(Buffers *bs, void **ptrs, const LoopF *f32, const LoopD *f64,
                     int variant, const double *k, int nk) {
    Py_ssize_t n = bs->b[0].len / bs->b[0].itemsize;
    float kf[8];
    for (int i = 0; i < nk; i++) kf[i] = (float)k[i];
    Py_BEGIN_ALLOW_THREADS
    if (bs->b[0].itemsize == 4)
        f32[variant](n, ptrs, kf);
    else
        f64[variant](n, ptrs, k);
    Py_END_ALLOW_THREADS
    release(bs);
    Py_RETURN_NONE;
}

static const LoopF ADAM_F[] = {adam_float_00, adam_float_01, adam_float_10, adam_float_11};
static const LoopD ADAM_D[] = {adam_double_00, adam_double_01, adam_double_10,
                               adam_double_11};

PyDoc_STRVAR(adam_doc,
"adam(g, p, m, v, vhat, beta_1, beta_2, epsilon, alpha, decay)\n\n"
"One Adam step in place: m, v (and vhat when not None) and p are updated from the\n"
"gradient g; alpha is the bias-corrected step size, decay (or None) scales p first.");

static PyObject *adam(PyObject *self, PyObject *args) {
    PyObject *o[5], *decay_obj;
    double b1, b2, eps, alpha, wd = 1.0;
    int decay;
    static const char *names[] = {"the gradient", "the weight", "m", "v", "vhat"};
    if (!PyArg_ParseTuple(args, "OOOOOddddO", &o[0], &o[1], &o[2], &o[3], &o[4], &b1, &b2,
                          &eps, &alpha, &decay_obj) || scalar(decay_obj, &wd, &decay))
        return NULL;
    Buffers bs = {.n = 0};
    void *ptrs[5];
    if (o[2] == Py_None || o[3] == Py_None) {
        PyErr_SetString(PyExc_TypeError, "_fused.adam: m and v are required.");
        return NULL;
    }
    if (take_all(&bs, o, names, 5, ptrs)) {
        release(&bs);
        return NULL;
    }
    const double k[7] = {b1, b2, 1.0 - b1, 1.0 - b2, eps, alpha, wd};
    return run(&bs, ptrs, ADAM_F, ADAM_D, decay * 2 + (o[4] != Py_None), k, 7);
}

static const LoopF SGD_F[] = {sgd_float_00, sgd_float_01, sgd_float_02,
                              sgd_float_10, sgd_float_11, sgd_float_12};
static const LoopD SGD_D[] = {sgd_double_00, sgd_double_01, sgd_double_02,
                              sgd_double_10, sgd_double_11, sgd_double_12};

PyDoc_STRVAR(sgd_doc,
"sgd(g, p, m, momentum, nesterov, lr, decay)\n\n"
"One SGD step in place (m is None without momentum); decay (or None) scales p first.");

static PyObject *sgd(PyObject *self, PyObject *args) {
    PyObject *o[3], *decay_obj;
    double mom, lr, wd = 1.0;
    int nesterov, decay;
    static const char *names[] = {"the gradient", "the weight", "momentum"};
    if (!PyArg_ParseTuple(args, "OOOdpdO", &o[0], &o[1], &o[2], &mom, &nesterov, &lr,
                          &decay_obj) || scalar(decay_obj, &wd, &decay))
        return NULL;
    Buffers bs = {.n = 0};
    void *ptrs[3];
    if (take_all(&bs, o, names, 3, ptrs)) {
        release(&bs);
        return NULL;
    }
    int variant = o[2] == Py_None ? 0 : (nesterov ? 2 : 1);
    const double k[3] = {lr, mom, wd};
    return run(&bs, ptrs, SGD_F, SGD_D, decay * 3 + variant, k, 3);
}

static const LoopF RMS_F[] = {rmsprop_float_000, rmsprop_float_001, rmsprop_float_010,
                              rmsprop_float_011, rmsprop_float_100, rmsprop_float_101,
                              rmsprop_float_110, rmsprop_float_111};
static const LoopD RMS_D[] = {rmsprop_double_000, rmsprop_double_001, rmsprop_double_010,
                              rmsprop_double_011, rmsprop_double_100, rmsprop_double_101,
                              rmsprop_double_110, rmsprop_double_111};

PyDoc_STRVAR(rmsprop_doc,
"rmsprop(g, p, velocity, momentum, average, rho, mom, epsilon, lr, decay)\n\n"
"One RMSprop step in place (momentum is None without momentum, average None unless\n"
"centered); decay (or None) scales p first.");

static PyObject *rmsprop(PyObject *self, PyObject *args) {
    PyObject *o[5], *decay_obj;
    double rho, mom, eps, lr, wd = 1.0;
    int decay;
    static const char *names[] = {"the gradient", "the weight", "velocity", "momentum",
                                  "average_gradient"};
    if (!PyArg_ParseTuple(args, "OOOOOddddO", &o[0], &o[1], &o[2], &o[3], &o[4], &rho, &mom,
                          &eps, &lr, &decay_obj) || scalar(decay_obj, &wd, &decay))
        return NULL;
    if (o[2] == Py_None) {
        PyErr_SetString(PyExc_TypeError, "_fused.rmsprop: velocity is required.");
        return NULL;
    }
    Buffers bs = {.n = 0};
    void *ptrs[5];
    if (take_all(&bs, o, names, 5, ptrs)) {
        release(&bs);
        return NULL;
    }
    const double k[6] = {rho, 1.0 - rho, mom, eps, lr, wd};
    int variant = decay * 4 + (o[3] != Py_None) * 2 + (o[4] != Py_None);
    return run(&bs, ptrs, RMS_F, RMS_D, variant, k, 6);
}

/* The kernels below take every array (none optional) and one variant flag, decay:
 * args = (g, p, *state, *constants, decay) with the constants as the NumPy passes use
 * them (`1 - rho` comes computed, in double, from Python). */
typedef struct {
    const char *name;
    int nbuf, nk;                /* arrays (gradient first); constants before decay */
    const char *names[MAXBUF];
    LoopF f32[2];                /* [decay] */
    LoopD f64[2];
} Kernel;

static PyObject *call(const Kernel *kn, PyObject *args) {
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs != kn->nbuf + kn->nk + 1) {
        PyErr_Format(PyExc_TypeError, "_fused.%s takes %d arguments, got %zd.", kn->name,
                     kn->nbuf + kn->nk + 1, nargs);
        return NULL;
    }
    PyObject *o[MAXBUF];
    double k[8];
    int decay;
    for (int i = 0; i < kn->nbuf; i++) {
        o[i] = PyTuple_GET_ITEM(args, i);
        if (o[i] == Py_None) {
            PyErr_Format(PyExc_TypeError, "_fused.%s: %s is required (got None).", kn->name,
                         kn->names[i]);
            return NULL;
        }
    }
    for (int i = 0; i < kn->nk; i++) {
        PyObject *item = PyTuple_GET_ITEM(args, kn->nbuf + i);
        k[i] = PyFloat_AsDouble(item);
        if (k[i] == -1.0 && PyErr_Occurred()) {
            if (PyErr_ExceptionMatches(PyExc_TypeError))
                PyErr_Format(PyExc_TypeError, "_fused.%s: argument %d must be a real number "
                             "(a float or a 0-d array), got %s.", kn->name, kn->nbuf + i + 1,
                             Py_TYPE(item)->tp_name);
            return NULL;
        }
    }
    k[kn->nk] = 1.0;
    if (scalar(PyTuple_GET_ITEM(args, nargs - 1), &k[kn->nk], &decay)) return NULL;
    Buffers bs = {.n = 0};
    void *ptrs[MAXBUF];
    if (take_all(&bs, o, kn->names, kn->nbuf, ptrs)) {
        release(&bs);
        return NULL;
    }
    return run(&bs, ptrs, kn->f32, kn->f64, decay, k, kn->nk + 1);
}

#define KERNEL(NAME, NBUF, NK, ...)                                                     \
    static const Kernel NAME##_kernel = {#NAME, NBUF, NK, {__VA_ARGS__},                \
                                         {NAME##_float_0, NAME##_float_1},              \
                                         {NAME##_double_0, NAME##_double_1}};           \
    static PyObject *NAME(PyObject *self, PyObject *args) { return call(&NAME##_kernel, args); }

KERNEL(adagrad, 3, 2, "the gradient", "the weight", "accumulator")
KERNEL(adadelta, 4, 4, "the gradient", "the weight", "accumulated_grad",
       "accumulated_delta_var")
KERNEL(adamax, 4, 5, "the gradient", "the weight", "momentum", "norm")
KERNEL(nadam, 4, 7, "the gradient", "the weight", "momentum", "velocity")
KERNEL(lion, 3, 5, "the gradient", "the weight", "momentum")

PyDoc_STRVAR(adagrad_doc, "adagrad(g, p, acc, epsilon, lr, decay)\n\n"
"One Adagrad step in place; decay (or None) scales p first.");
PyDoc_STRVAR(adadelta_doc, "adadelta(g, p, ag, ad, rho, 1 - rho, epsilon, lr, decay)\n\n"
"One Adadelta step in place; decay (or None) scales p first.");
PyDoc_STRVAR(adamax_doc,
"adamax(g, p, m, u, 1 - beta_1, beta_2, epsilon, lr, correction, decay)\n\n"
"One Adamax step in place; decay (or None) scales p first.");
PyDoc_STRVAR(nadam_doc,
"nadam(g, p, m, v, 1 - beta_1, 1 - beta_2, epsilon, lr, coef_m, coef_g, correction,\n"
"      decay)\n\n"
"One Nadam step in place; decay (or None) scales p first.");
PyDoc_STRVAR(lion_doc, "lion(g, p, m, beta_1, 1 - beta_1, beta_2, 1 - beta_2, lr, decay)\n\n"
"One Lion step in place; decay (or None) scales p first.");

static PyMethodDef methods[] = {
    {"adam", adam, METH_VARARGS, adam_doc},
    {"sgd", sgd, METH_VARARGS, sgd_doc},
    {"rmsprop", rmsprop, METH_VARARGS, rmsprop_doc},
    {"adagrad", adagrad, METH_VARARGS, adagrad_doc},
    {"adadelta", adadelta, METH_VARARGS, adadelta_doc},
    {"adamax", adamax, METH_VARARGS, adamax_doc},
    {"nadam", nadam, METH_VARARGS, nadam_doc},
    {"lion", lion, METH_VARARGS, lion_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fused",
    "ember's compiled optimizer updates (see ember/backend/numpy/fused.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
