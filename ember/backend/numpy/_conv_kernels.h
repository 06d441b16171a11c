/* The per-dtype loops of _conv.c, included once with T = float (suffix _f) and once with
 * T = double (suffix _d). Each loop does one slice of the work (a row of windows, one
 * image, a range of elements) so that _conv.c can hand the slices to its threads.
 * NHWC layouts; `G` is the geometry of one call (see _conv.c). */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

/* im2col, one row of windows: cols[n, r, :, kh, kw, C] from x[n], zeros where the window
 * reaches into the padding. */
static HOT void FN(im2col_row)(const T *x, T *cols, const Geo *g, Py_ssize_t n, Py_ssize_t r) {
    Py_ssize_t c = g->c, kw = g->kw, taps = g->kh * kw, dstep = g->dw * c;
    T *out = cols + ((n * g->oh + r) * g->ow) * taps * c;
    const T *img = x + n * g->h * g->w * c;
    for (Py_ssize_t i = 0; i < g->kh; i++) {
        Py_ssize_t hi = r * g->sh + i * g->dh - g->pt;
        T *dst0 = out + i * kw * c;
        if (hi < 0 || hi >= g->h) {  /* this tap row is padding for every window */
            for (Py_ssize_t q = 0; q < g->ow; q++)
                for (Py_ssize_t k = 0; k < kw * c; k++) dst0[q * taps * c + k] = 0;
            continue;
        }
        const T *srow = img + hi * g->w * c;
        for (Py_ssize_t q = 0; q < g->ow; q++) {
            Py_ssize_t w0 = q * g->sw - g->pl;
            T *d = dst0 + q * taps * c;
            if (w0 >= 0 && w0 + (kw - 1) * g->dw < g->w) {  /* the window is inside along w */
                const T *s = srow + w0 * c;
                if (c == 1) {
                    for (Py_ssize_t j = 0; j < kw; j++) d[j] = s[j * g->dw];
                } else if (g->dw == 1 && kw * c >= 32) {
                    memcpy(d, s, kw * c * sizeof(T));
                } else {
                    for (Py_ssize_t j = 0; j < kw; j++)
                        for (Py_ssize_t k = 0; k < c; k++) d[j * c + k] = s[j * dstep + k];
                }
                continue;
            }
            for (Py_ssize_t j = 0; j < kw; j++, d += c) {
                Py_ssize_t wi = w0 + j * g->dw;
                if (wi < 0 || wi >= g->w) {
                    for (Py_ssize_t k = 0; k < c; k++) d[k] = 0;
                } else {
                    const T *s = srow + wi * c;
                    for (Py_ssize_t k = 0; k < c; k++) d[k] = s[k];
                }
            }
        }
    }
}

/* col2im, one image: dx[n] = the sum of cols[n]'s window taps at their input positions,
 * tap by tap (row-major), the order of the NumPy kernel's strided adds. */
static HOT void FN(col2im_image)(const T *cols, T *dx, const Geo *g, Py_ssize_t n) {
    Py_ssize_t c = g->c, taps = g->kh * g->kw;
    T *img = dx + n * g->h * g->w * c;
    for (Py_ssize_t k = 0; k < g->h * g->w * c; k++) img[k] = 0;
    const T *base = cols + n * g->oh * g->ow * taps * c;
    for (Py_ssize_t i = 0; i < g->kh; i++) {
        for (Py_ssize_t j = 0; j < g->kw; j++) {
            for (Py_ssize_t r = 0; r < g->oh; r++) {
                Py_ssize_t hi = r * g->sh + i * g->dh - g->pt;
                if (hi < 0 || hi >= g->h) continue;
                for (Py_ssize_t q = 0; q < g->ow; q++) {
                    Py_ssize_t wi = q * g->sw + j * g->dw - g->pl;
                    if (wi < 0 || wi >= g->w) continue;
                    const T *src = base + ((r * g->ow + q) * taps + i * g->kw + j) * c;
                    T *dst = img + (hi * g->w + wi) * c;
                    for (Py_ssize_t k = 0; k < c; k++) dst[k] += src[k];
                }
            }
        }
    }
}

/* max pooling, one row of windows: np.maximum over the window's taps in row-major order
 * (a nan anywhere gives nan; padding is -inf, i.e. skipped). */
static HOT void FN(max_pool_row)(const T *x, T *y, const Geo *g, Py_ssize_t n, Py_ssize_t r) {
    Py_ssize_t c = g->c;
    const T *img = x + n * g->h * g->w * c;
    T *out = y + (n * g->oh + r) * g->ow * c;
    for (Py_ssize_t q = 0; q < g->ow; q++, out += c) {
        for (Py_ssize_t k = 0; k < c; k++) out[k] = -INFINITY;
        for (Py_ssize_t i = 0; i < g->kh; i++) {
            Py_ssize_t hi = r * g->sh + i - g->pt;
            if (hi < 0 || hi >= g->h) continue;
            for (Py_ssize_t j = 0; j < g->kw; j++) {
                Py_ssize_t wi = q * g->sw + j - g->pl;
                if (wi < 0 || wi >= g->w) continue;
                const T *src = img + (hi * g->w + wi) * c;
                for (Py_ssize_t k = 0; k < c; k++) {
                    T a = out[k], b = src[k];
                    out[k] = (a > b || a != a) ? a : b;  /* np.maximum(a, b) */
                }
            }
        }
    }
}

/* One tap of a window's running first maximum over cb channels (positions pos + k):
 * `first` starts it; then a later tap wins only where it is larger, or is the first nan
 * (np.argmax's rule, TF's tie rule). */
static inline void FN(first_max_tap)(T *best, Py_ssize_t *arg, const T *src, Py_ssize_t pos,
                                     Py_ssize_t cb, int first) {
    if (first) {
        for (Py_ssize_t k = 0; k < cb; k++) {
            best[k] = src[k];
            arg[k] = pos + k;
        }
        return;
    }
    for (Py_ssize_t k = 0; k < cb; k++) {
        T a = best[k], b = src[k];
        int take = a == a && (b > a || b != b);
        best[k] = take ? b : a;
        arg[k] = take ? pos + k : arg[k];
    }
}

/* max pooling's gradient, one image: each window's dy goes to its first maximum
 * (row-major; the first nan if any; the first input element if all are -inf), as TF.
 * With `relu`, the result is then multiplied by (x > 0): relu_grad fused in, for an x
 * that is a relu's output. Channels go in blocks of POOL_BLOCK (the running maxima and
 * their positions live on the stack). */
static HOT void FN(max_pool_grad_image)(const T *dy, const T *x, T *dx, const Geo *g,
                                        Py_ssize_t n, int relu) {
    Py_ssize_t c = g->c, hw = g->h * g->w;
    const T *img = x + n * hw * c;
    T *dimg = dx + n * hw * c;
    const T *g_img = dy + n * g->oh * g->ow * c;
    T best[POOL_BLOCK];
    Py_ssize_t arg[POOL_BLOCK];
    for (Py_ssize_t k = 0; k < hw * c; k++) dimg[k] = 0;
    for (Py_ssize_t r = 0; r < g->oh; r++) {
        for (Py_ssize_t q = 0; q < g->ow; q++) {
            const T *gr = g_img + (r * g->ow + q) * c;
            for (Py_ssize_t c0 = 0; c0 < c; c0 += POOL_BLOCK) {
                Py_ssize_t cb = c - c0 < POOL_BLOCK ? c - c0 : POOL_BLOCK;
                int first = 1;
                for (Py_ssize_t i = 0; i < g->kh; i++) {
                    Py_ssize_t hi = r * g->sh + i - g->pt;
                    if (hi < 0 || hi >= g->h) continue;
                    for (Py_ssize_t j = 0; j < g->kw; j++) {
                        Py_ssize_t wi = q * g->sw + j - g->pl;
                        if (wi < 0 || wi >= g->w) continue;
                        Py_ssize_t pos = (hi * g->w + wi) * c + c0;
                        const T *src = img + pos;
                        FN(first_max_tap)(best, arg, src, pos, cb, first);
                        first = 0;
                    }
                }
                if (first) break;  /* a window of padding only: no input gets a gradient */
                for (Py_ssize_t k = 0; k < cb; k++) dimg[arg[k]] += gr[c0 + k];
            }
        }
    }
    if (relu)
        for (Py_ssize_t k = 0; k < hw * c; k++) dimg[k] = dimg[k] * (T)(img[k] > 0);
}

/* max pooling's gradient, one image, for windows that tile the input (strides equal to
 * the window, no padding before): each input element is in at most one window, so it is
 * written once, with the relu mask applied in the same pass (the values of
 * max_pool_grad_image: 0 + dy at the first maximum, else 0, times (x > 0) with `relu`).
 * Elements no window covers (the last rows / columns of a VALID pooling) get 0. */
static HOT void FN(max_pool_grad_tiled_image)(const T *dy, const T *x, T *dx, const Geo *g,
                                              Py_ssize_t n, int relu) {
    Py_ssize_t c = g->c, hw = g->h * g->w, kh = g->kh, kw = g->kw;
    const T *img = x + n * hw * c;
    T *dimg = dx + n * hw * c;
    const T *g_img = dy + n * g->oh * g->ow * c;
    Py_ssize_t arg[POOL_BLOCK];
    T best[POOL_BLOCK];
    for (Py_ssize_t r = 0; r < g->oh; r++) {
        Py_ssize_t h1 = (r + 1) * kh < g->h ? (r + 1) * kh : g->h;
        for (Py_ssize_t q = 0; q < g->ow; q++) {
            Py_ssize_t w1 = (q + 1) * kw < g->w ? (q + 1) * kw : g->w;
            const T *gr = g_img + (r * g->ow + q) * c;
            for (Py_ssize_t c0 = 0; c0 < c; c0 += POOL_BLOCK) {
                Py_ssize_t cb = c - c0 < POOL_BLOCK ? c - c0 : POOL_BLOCK;
                int first = 1;
                for (Py_ssize_t hi = r * kh; hi < h1; hi++) {
                    for (Py_ssize_t wi = q * kw; wi < w1; wi++) {
                        Py_ssize_t pos = (hi * g->w + wi) * c + c0;
                        const T *src = img + pos;
                        FN(first_max_tap)(best, arg, src, pos, cb, first);
                        first = 0;
                    }
                }
                for (Py_ssize_t hi = r * kh; hi < h1; hi++) {
                    for (Py_ssize_t wi = q * kw; wi < w1; wi++) {
                        Py_ssize_t pos = (hi * g->w + wi) * c + c0;
                        for (Py_ssize_t k = 0; k < cb; k++) {
                            T v = arg[k] == pos + k ? (T)0 + gr[c0 + k] : (T)0;
                            dimg[pos + k] = relu ? v * (T)(img[pos + k] > 0) : v;
                        }
                    }
                }
            }
        }
        Py_ssize_t wc = g->ow * kw < g->w ? g->ow * kw : g->w;  /* columns no window has */
        for (Py_ssize_t hi = r * kh; hi < h1; hi++)
            for (Py_ssize_t k = wc * c; k < g->w * c; k++) dimg[hi * g->w * c + k] = 0;
    }
    Py_ssize_t hc = g->oh * kh < g->h ? g->oh * kh : g->h;  /* rows no window has */
    for (Py_ssize_t k = hc * g->w * c; k < hw * c; k++) dimg[k] = 0;
}

/* relu(z + b) max-pooled, one row of windows that tile the input (see
 * max_pool_grad_tiled_image): the pooled values p and, per pooled element, the tap
 * (row-major, 0 .. kh*kw-1) of the window's first maximum, as max_pool_grad_image picks
 * it. relu(z + b) itself is never stored. */
static HOT void FN(bias_relu_pool_row)(const T *z, const T *b, T *p, unsigned char *tap,
                                       const Geo *g, Py_ssize_t n, Py_ssize_t r) {
    Py_ssize_t c = g->c, kh = g->kh, kw = g->kw;
    const T *img = z + n * g->h * g->w * c;
    Py_ssize_t h1 = (r + 1) * kh < g->h ? (r + 1) * kh : g->h;
    int arg[POOL_BLOCK];
    for (Py_ssize_t q = 0; q < g->ow; q++) {
        Py_ssize_t w1 = (q + 1) * kw < g->w ? (q + 1) * kw : g->w;
        Py_ssize_t o = ((n * g->oh + r) * g->ow + q) * c;
        for (Py_ssize_t c0 = 0; c0 < c; c0 += POOL_BLOCK) {
            Py_ssize_t cb = c - c0 < POOL_BLOCK ? c - c0 : POOL_BLOCK;
            T *best = p + o + c0;
            const T *bb = b + c0;
            const T *src = img + (r * kh * g->w + q * kw) * c + c0;  /* tap 0 */
            for (Py_ssize_t k = 0; k < cb; k++) {
                T v = src[k] + bb[k];
                best[k] = (v > 0 || v != v) ? v : 0;  /* np.maximum(v, 0) */
                arg[k] = 0;
            }
            for (Py_ssize_t hi = r * kh; hi < h1; hi++) {
                for (Py_ssize_t wi = q * kw; wi < w1; wi++) {
                    int t = (int)((hi - r * kh) * kw + (wi - q * kw));
                    if (t == 0) continue;
                    src = img + (hi * g->w + wi) * c + c0;
                    for (Py_ssize_t k = 0; k < cb; k++) {
                        T v = src[k] + bb[k];
                        v = (v > 0 || v != v) ? v : 0;
                        T a = best[k];
                        int take = a == a && (v > a || v != v);
                        best[k] = take ? v : a;
                        arg[k] = take ? t : arg[k];
                    }
                }
            }
            unsigned char *ta = tap + o + c0;
            for (Py_ssize_t k = 0; k < cb; k++) ta[k] = (unsigned char)arg[k];
        }
    }
}

/* The gradient of relu(z + b) max-pooled (bias_relu_pool_row), w.r.t. z, one image: dy
 * at each window's first maximum times (p > 0), 0 elsewhere (elements no window covers
 * too): the values max_pool_grad_tiled_image gives with `relu`. With `sums`, also the
 * image's sum of dx per channel (a bias's gradient, summed over the images after). */
static HOT void FN(pool_grad_tap_image)(const T *dy, const T *p, const unsigned char *tap,
                                        T *dx, T *sums, const Geo *g, Py_ssize_t n) {
    Py_ssize_t c = g->c, kh = g->kh, kw = g->kw, hw = g->h * g->w;
    T *dimg = dx + n * hw * c;
    T gv[POOL_BLOCK];
    int arg[POOL_BLOCK];
    T *sum = sums ? sums + n * c : NULL;  /* this image's sum of dx per channel */
    if (sum)
        for (Py_ssize_t k = 0; k < c; k++) sum[k] = 0;
    for (Py_ssize_t r = 0; r < g->oh; r++) {
        Py_ssize_t h1 = (r + 1) * kh < g->h ? (r + 1) * kh : g->h;
        for (Py_ssize_t q = 0; q < g->ow; q++) {
            Py_ssize_t w1 = (q + 1) * kw < g->w ? (q + 1) * kw : g->w;
            Py_ssize_t o = ((n * g->oh + r) * g->ow + q) * c;
            for (Py_ssize_t c0 = 0; c0 < c; c0 += POOL_BLOCK) {
                Py_ssize_t cb = c - c0 < POOL_BLOCK ? c - c0 : POOL_BLOCK;
                const T *gr = dy + o + c0, *pr = p + o + c0;
                const unsigned char *ta = tap + o + c0;
                for (Py_ssize_t k = 0; k < cb; k++) {
                    gv[k] = ((T)0 + gr[k]) * (T)(pr[k] > 0);
                    arg[k] = ta[k];
                }
                if (sum)
                    for (Py_ssize_t k = 0; k < cb; k++) sum[c0 + k] += gv[k];
                for (Py_ssize_t hi = r * kh; hi < h1; hi++) {
                    for (Py_ssize_t wi = q * kw; wi < w1; wi++) {
                        int t = (int)((hi - r * kh) * kw + (wi - q * kw));
                        T *d = dimg + (hi * g->w + wi) * c + c0;
                        for (Py_ssize_t k = 0; k < cb; k++) d[k] = arg[k] == t ? gv[k] : (T)0;
                    }
                }
            }
        }
        Py_ssize_t wc = g->ow * kw < g->w ? g->ow * kw : g->w;
        for (Py_ssize_t hi = r * kh; hi < h1; hi++)
            for (Py_ssize_t k = wc * c; k < g->w * c; k++) dimg[hi * g->w * c + k] = 0;
    }
    Py_ssize_t hc = g->oh * kh < g->h ? g->oh * kh : g->h;
    for (Py_ssize_t k = hc * g->w * c; k < hw * c; k++) dimg[k] = 0;
}

/* Depthwise convolution (one filter per channel, `w [kh, kw, C]`), one row of windows:
 * y[n, r, q, k] = the sum over the window's taps (row-major) of x * w, the zero padding
 * included (0 * inf = nan, as TF's kernels). */
static HOT void FN(dw_row)(const T *x, const T *w, T *y, const Geo *g, Py_ssize_t n,
                           Py_ssize_t r) {
    Py_ssize_t c = g->c;
    const T *img = x + n * g->h * g->w * c;
    T *out = y + (n * g->oh + r) * g->ow * c;
    for (Py_ssize_t q = 0; q < g->ow; q++, out += c) {
        for (Py_ssize_t k = 0; k < c; k++) out[k] = 0;
        for (Py_ssize_t i = 0; i < g->kh; i++) {
            Py_ssize_t hi = r * g->sh + i * g->dh - g->pt;
            for (Py_ssize_t j = 0; j < g->kw; j++) {
                Py_ssize_t wi = q * g->sw + j * g->dw - g->pl;
                const T *wt = w + (i * g->kw + j) * c;
                if (hi < 0 || hi >= g->h || wi < 0 || wi >= g->w) {
                    /* the zero padding times the filter, as TF: 0 * inf = nan */
                    for (Py_ssize_t k = 0; k < c; k++) out[k] += (T)0 * wt[k];
                    continue;
                }
                const T *src = img + (hi * g->w + wi) * c;
                for (Py_ssize_t k = 0; k < c; k++) out[k] += src[k] * wt[k];
            }
        }
    }
}

/* Its input gradient, one image: dx[n] = the sum of dy * w scattered to each tap's
 * input position (taps row-major within each window, windows in order). */
static HOT void FN(dw_input_image)(const T *dy, const T *w, T *dx, const Geo *g,
                                   Py_ssize_t n) {
    Py_ssize_t c = g->c;
    T *img = dx + n * g->h * g->w * c;
    for (Py_ssize_t k = 0; k < g->h * g->w * c; k++) img[k] = 0;
    const T *gr = dy + n * g->oh * g->ow * c;
    for (Py_ssize_t r = 0; r < g->oh; r++) {
        for (Py_ssize_t q = 0; q < g->ow; q++, gr += c) {
            for (Py_ssize_t i = 0; i < g->kh; i++) {
                Py_ssize_t hi = r * g->sh + i * g->dh - g->pt;
                if (hi < 0 || hi >= g->h) continue;
                for (Py_ssize_t j = 0; j < g->kw; j++) {
                    Py_ssize_t wi = q * g->sw + j * g->dw - g->pl;
                    if (wi < 0 || wi >= g->w) continue;
                    T *d = img + (hi * g->w + wi) * c;
                    const T *wt = w + (i * g->kw + j) * c;
                    for (Py_ssize_t k = 0; k < c; k++) d[k] += gr[k] * wt[k];
                }
            }
        }
    }
}

/* Its filter gradient, one image's part: part[i, j, k] = the sum over the image's windows
 * of x at tap (i, j) times dy (the parts are added over the images after, in order). */
static HOT void FN(dw_filter_image)(const T *x, const T *dy, T *part, const Geo *g,
                                    Py_ssize_t n) {
    Py_ssize_t c = g->c;
    const T *img = x + n * g->h * g->w * c;
    T *pn = part + n * g->kh * g->kw * c;
    for (Py_ssize_t k = 0; k < g->kh * g->kw * c; k++) pn[k] = 0;
    const T *gr = dy + n * g->oh * g->ow * c;
    for (Py_ssize_t r = 0; r < g->oh; r++) {
        for (Py_ssize_t q = 0; q < g->ow; q++, gr += c) {
            for (Py_ssize_t i = 0; i < g->kh; i++) {
                Py_ssize_t hi = r * g->sh + i * g->dh - g->pt;
                for (Py_ssize_t j = 0; j < g->kw; j++) {
                    Py_ssize_t wi = q * g->sw + j * g->dw - g->pl;
                    T *acc = pn + (i * g->kw + j) * c;
                    if (hi < 0 || hi >= g->h || wi < 0 || wi >= g->w) {
                        for (Py_ssize_t k = 0; k < c; k++) acc[k] += (T)0 * gr[k];
                        continue;
                    }
                    const T *src = img + (hi * g->w + wi) * c;
                    for (Py_ssize_t k = 0; k < c; k++) acc[k] += src[k] * gr[k];
                }
            }
        }
    }
}

/* Average pooling, one row of windows: the sum of the window's taps inside x (row-major)
 * divided by their count (SAME's padding is not counted, as TF). */
static HOT void FN(avg_pool_row)(const T *x, T *y, const Geo *g, Py_ssize_t n, Py_ssize_t r) {
    Py_ssize_t c = g->c;
    const T *img = x + n * g->h * g->w * c;
    T *out = y + (n * g->oh + r) * g->ow * c;
    for (Py_ssize_t q = 0; q < g->ow; q++, out += c) {
        Py_ssize_t count = 0;
        for (Py_ssize_t k = 0; k < c; k++) out[k] = 0;
        for (Py_ssize_t i = 0; i < g->kh; i++) {
            Py_ssize_t hi = r * g->sh + i - g->pt;
            if (hi < 0 || hi >= g->h) continue;
            for (Py_ssize_t j = 0; j < g->kw; j++) {
                Py_ssize_t wi = q * g->sw + j - g->pl;
                if (wi < 0 || wi >= g->w) continue;
                const T *src = img + (hi * g->w + wi) * c;
                for (Py_ssize_t k = 0; k < c; k++) out[k] += src[k];
                count++;
            }
        }
        T d = (T)count;
        for (Py_ssize_t k = 0; k < c; k++) out[k] = out[k] / d;
    }
}

/* Its gradient, one image: each window's dy / count added to the window's taps inside. */
static HOT void FN(avg_pool_grad_image)(const T *dy, T *dx, const Geo *g, Py_ssize_t n) {
    Py_ssize_t c = g->c;
    T *img = dx + n * g->h * g->w * c;
    for (Py_ssize_t k = 0; k < g->h * g->w * c; k++) img[k] = 0;
    const T *gr = dy + n * g->oh * g->ow * c;
    for (Py_ssize_t r = 0; r < g->oh; r++) {
        Py_ssize_t h0 = r * g->sh - g->pt, h1 = h0 + g->kh;
        h0 = h0 < 0 ? 0 : h0;
        h1 = h1 > g->h ? g->h : h1;
        for (Py_ssize_t q = 0; q < g->ow; q++, gr += c) {
            Py_ssize_t w0 = q * g->sw - g->pl, w1 = w0 + g->kw;
            w0 = w0 < 0 ? 0 : w0;
            w1 = w1 > g->w ? g->w : w1;
            T d = (T)((h1 - h0) * (w1 - w0));
            for (Py_ssize_t hi = h0; hi < h1; hi++)
                for (Py_ssize_t wi = w0; wi < w1; wi++) {
                    T *dst = img + (hi * g->w + wi) * c;
                    for (Py_ssize_t k = 0; k < c; k++) dst[k] += gr[k] / d;
                }
        }
    }
}

/* Per-channel sums over rows [r0, r1) of (rows, C) matrices, into part[0..C) (and
 * part2): mode 0 sum(x); 1 sum((x - m)^2); 2 sum(d) and, into part2, sum(d * (x - m)),
 * where d is first multiplied by (mask > 0) when a mask is given (relu's gradient, for a
 * mask that is the relu's output). */
static HOT void FN(channel_sums)(const T *x, const T *m, const T *d, const T *mask, T *part,
                                 T *part2, Py_ssize_t c, Py_ssize_t r0, Py_ssize_t r1,
                                 int mode) {
    for (Py_ssize_t k = 0; k < c; k++) part[k] = 0;
    if (part2)
        for (Py_ssize_t k = 0; k < c; k++) part2[k] = 0;
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *xr = x + r * c;
        if (mode == 0) {
            for (Py_ssize_t k = 0; k < c; k++) part[k] += xr[k];
        } else if (mode == 1) {
            for (Py_ssize_t k = 0; k < c; k++) {
                T v = xr[k] - m[k];
                part[k] += v * v;
            }
        } else if (mask) {
            const T *dr = d + r * c, *mr = mask + r * c;
            for (Py_ssize_t k = 0; k < c; k++) {
                T dk = dr[k] * (T)(mr[k] > 0);
                part[k] += dk;
                part2[k] += dk * (xr[k] - m[k]);
            }
        } else {
            const T *dr = d + r * c;
            for (Py_ssize_t k = 0; k < c; k++) {
                part[k] += dr[k];
                part2[k] += dr[k] * (xr[k] - m[k]);
            }
        }
    }
}

/* Batch normalization's elementwise passes over rows [r0, r1): without d, y = (x - m) * a
 * + b (b may be NULL), then relu's np.maximum(y, 0) when `relu`; with d (the gradient),
 * y = a * (d' - b - (x - m) * e), d' = d * (mask > 0) where a mask is given. */
static HOT void FN(bn_rows)(const T *x, const T *m, const T *a, const T *b, const T *d,
                            const T *e, const T *mask, T *y, Py_ssize_t c, Py_ssize_t r0,
                            Py_ssize_t r1, int relu) {
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *xr = x + r * c;
        T *yr = y + r * c;
        if (d && mask) {
            const T *dr = d + r * c, *mr = mask + r * c;
            for (Py_ssize_t k = 0; k < c; k++)
                yr[k] = a[k] * (dr[k] * (T)(mr[k] > 0) - b[k] - (xr[k] - m[k]) * e[k]);
        } else if (d) {
            const T *dr = d + r * c;
            for (Py_ssize_t k = 0; k < c; k++)
                yr[k] = a[k] * (dr[k] - b[k] - (xr[k] - m[k]) * e[k]);
        } else {
            for (Py_ssize_t k = 0; k < c; k++) {
                T v = (xr[k] - m[k]) * a[k];
                if (b) v = v + b[k];
                yr[k] = !relu || v > 0 || v != v ? v : 0;
            }
        }
    }
}

/* y = x + b (b broadcast along the last axis, c wide), then relu when `relu`: rows
 * [r0, r1). relu is np.maximum(v, 0): v when v > 0 or nan, else +0. */
static HOT void FN(bias_act_rows)(const T *x, const T *b, T *y, Py_ssize_t c, Py_ssize_t r0,
                                  Py_ssize_t r1, int relu) {
    for (Py_ssize_t r = r0; r < r1; r++) {
        const T *src = x + r * c;
        T *dst = y + r * c;
        if (relu) {
            for (Py_ssize_t k = 0; k < c; k++) {
                T v = src[k] + b[k];
                dst[k] = (v > 0 || v != v) ? v : 0;
            }
        } else {
            for (Py_ssize_t k = 0; k < c; k++) dst[k] = src[k] + b[k];
        }
    }
}

/* relu's gradient g * (y > 0) over elements [k0, k1). */
static HOT void FN(relu_grad_range)(const T *gr, const T *y, T *out, Py_ssize_t k0,
                                    Py_ssize_t k1) {
    for (Py_ssize_t k = k0; k < k1; k++) out[k] = gr[k] * (T)(y[k] > 0);
}

#undef FN
#undef CAT
#undef CAT_
