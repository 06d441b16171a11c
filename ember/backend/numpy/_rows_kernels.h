/* The per-dtype loops of _rows.h (included with T = float, suffix _f, and T = double,
 * suffix _d): softmax and layer normalization over the last axis of a (rows, d) matrix,
 * rows [r0, r1) per call. Sums run over LANES partial sums (vectorized, and in a fixed
 * order, so the results do not depend on the threads), added pairwise at the end. */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)
#define LANES 16

/* The sum of v[0..d) (or of v[i] * w[i] when w), in LANES partial sums. */
static HOT T FN(row_sum)(const T *v, const T *w, Py_ssize_t d) {
    T acc[LANES] = {0};
    Py_ssize_t j = 0;
    if (w) {
        for (; j + LANES <= d; j += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += v[j + l] * w[j + l];
        for (; j < d; j++) acc[j % LANES] += v[j] * w[j];
    } else {
        for (; j + LANES <= d; j += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += v[j + l];
        for (; j < d; j++) acc[j % LANES] += v[j];
    }
    for (int s = LANES / 2; s > 0; s /= 2)
        for (int l = 0; l < s; l++) acc[l] += acc[l + s];
    return acc[0];
}

/* The sum of (v[i] - c)^2. */
static HOT T FN(row_sq)(const T *v, T c, Py_ssize_t d) {
    T acc[LANES] = {0};
    Py_ssize_t j = 0;
    for (; j + LANES <= d; j += LANES)
        for (int l = 0; l < LANES; l++) acc[l] += (v[j + l] - c) * (v[j + l] - c);
    for (; j < d; j++) acc[j % LANES] += (v[j] - c) * (v[j] - c);
    for (int s = LANES / 2; s > 0; s /= 2)
        for (int l = 0; l < s; l++) acc[l] += acc[l + s];
    return acc[0];
}

/* The row's maximum; NaN if any element is NaN (as np.max). */
static HOT T FN(row_max)(const T *v, Py_ssize_t d) {
    T acc[LANES];
    int nan = 0;
    for (int l = 0; l < LANES; l++) acc[l] = -INFINITY;
    Py_ssize_t j = 0;
    for (; j + LANES <= d; j += LANES)
        for (int l = 0; l < LANES; l++) {
            T x = v[j + l];
            nan |= x != x;
            acc[l] = x > acc[l] ? x : acc[l];
        }
    for (; j < d; j++) {
        nan |= v[j] != v[j];
        acc[0] = v[j] > acc[0] ? v[j] : acc[0];
    }
    for (int l = 1; l < LANES; l++) acc[0] = acc[l] > acc[0] ? acc[l] : acc[0];
    return nan ? (T)NAN : acc[0];
}

/* softmax rows: y = exp(x - max) / sum. */
static HOT void FN(softmax_rows)(const T *x, T *y, Py_ssize_t d, Py_ssize_t r0,
                                 Py_ssize_t r1) {
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *xr = x + r * d;
        T *yr = y + r * d;
        T m = FN(row_max)(xr, d);
        for (Py_ssize_t j = 0; j < d; j++) yr[j] = xr[j] - m;
        EXP_ROW(yr, d);
        T s = FN(row_sum)(yr, NULL, d);
        for (Py_ssize_t j = 0; j < d; j++) yr[j] = yr[j] / s;
    }
}

/* softmax's gradient rows: dx = y * (g - sum(g * y)). */
static HOT void FN(softmax_grad_rows)(const T *g, const T *y, T *dx, Py_ssize_t d,
                                      Py_ssize_t r0, Py_ssize_t r1) {
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *gr = g + r * d, *yr = y + r * d;
        T *o = dx + r * d;
        T s = FN(row_sum)(gr, yr, d);
        for (Py_ssize_t j = 0; j < d; j++) o[j] = yr[j] * (gr[j] - s);
    }
}

/* The row's mean and 1 / sqrt(var + eps) (two passes: the mean, then the squares). */
static HOT void FN(row_stats)(const T *xr, Py_ssize_t d, T eps, T *mean, T *inv) {
    T m = FN(row_sum)(xr, NULL, d) / (T)d;
    T var = FN(row_sq)(xr, m, d) / (T)d;
    *mean = m;
    *inv = (T)1 / SQRT(var + eps);
}

/* layer_norm rows: y = (x - mean) * inv * gam + bet (gam / bet NULL: left out). */
static HOT void FN(layer_norm_rows)(const T *x, const T *gam, const T *bet, T *y,
                                    Py_ssize_t d, T eps, Py_ssize_t r0, Py_ssize_t r1) {
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *xr = x + r * d;
        T *yr = y + r * d, m, inv;
        FN(row_stats)(xr, d, eps, &m, &inv);
        if (gam && bet)
            for (Py_ssize_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * inv * gam[j] + bet[j];
        else if (gam)
            for (Py_ssize_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * inv * gam[j];
        else if (bet)
            for (Py_ssize_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * inv + bet[j];
        else
            for (Py_ssize_t j = 0; j < d; j++) yr[j] = (xr[j] - m) * inv;
    }
}

/* layer_norm's gradient rows: dx = inv * (gg - mean(gg) - xhat * mean(gg * xhat)) with
 * gg = g * gam and xhat = (x - mean) * inv; dgammama += g * xhat and dbetaa += g into the
 * block's parts (NULL: not wanted); `tmp` holds d elements (xhat). */
static HOT void FN(layer_norm_grad_rows)(const T *g, const T *x, const T *gam, T *dx,
                                         T *dgammama, T *dbetaa, T *tmp, Py_ssize_t d, T eps,
                                         Py_ssize_t r0, Py_ssize_t r1) {
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *xr = x + r * d, *gr = g + r * d;
        T *o = dx + r * d, m, inv;
        FN(row_stats)(xr, d, eps, &m, &inv);
        for (Py_ssize_t j = 0; j < d; j++) tmp[j] = (xr[j] - m) * inv;
        if (gam)
            for (Py_ssize_t j = 0; j < d; j++) o[j] = gr[j] * gam[j];
        else
            for (Py_ssize_t j = 0; j < d; j++) o[j] = gr[j];
        T m1 = FN(row_sum)(o, NULL, d) / (T)d, m2 = FN(row_sum)(o, tmp, d) / (T)d;
        for (Py_ssize_t j = 0; j < d; j++) o[j] = inv * (o[j] - m1 - tmp[j] * m2);
        if (dgammama)
            for (Py_ssize_t j = 0; j < d; j++) dgammama[j] += gr[j] * tmp[j];
        if (dbetaa)
            for (Py_ssize_t j = 0; j < d; j++) dbetaa[j] += gr[j];
    }
}

#undef LANES
#undef FN
#undef CAT
#undef CAT_
