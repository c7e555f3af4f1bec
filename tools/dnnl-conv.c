// What oneDNN (Debian's libdnnl-dev 2.6) would give NeuralKit on this machine: GFLOP/s of the cnn preset's two
// convolutions (batch 128, 3×3 valid, stride 1) forward, backward-data and backward-weights, and of sgemm at the
// MLP's shapes, to weigh the optional-backend proposal of issue 5 against the im2col + OpenBLAS path.
// A measurement tool only: nothing in the package uses oneDNN.
//
//   apt-get install -y libdnnl-dev
//   cc -O2 -o /tmp/dnnl-conv tools/dnnl-conv.c -ldnnl
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=2 OMP_PROC_BIND=true /tmp/dnnl-conv
//
// Layouts: "nhwc" keeps NeuralKit's NHWC activations (weights in oneDNN's preferred layout, reordered once, as a
// backend would keep them); "any" lets oneDNN choose blocked activation layouts too (its best case; a backend would
// then pay reorders at the layer boundaries, not timed here). Medians of 15 timed runs after 3 warm-ups.
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(f) do { dnnl_status_t s_ = (f); if (s_ != dnnl_success) { \
    fprintf(stderr, "%s:%d: %s failed (%d)\n", __FILE__, __LINE__, #f, (int)s_); exit(1); } } while (0)

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static double now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y);
}

static dnnl_memory_t memory_for(const dnnl_memory_desc_t *md) {
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
    void *p; CHECK(dnnl_memory_get_data_handle(m, &p));
    size_t n = dnnl_memory_desc_get_size(md) / sizeof(float);
    for (size_t i = 0; i < n; i++) ((float *)p)[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return m;
}

/// Median seconds of one primitive execution.
static double time_primitive(dnnl_primitive_t prim, int nargs, const dnnl_exec_arg_t *args) {
    double t[15];
    for (int r = 0; r < 3; r++) { CHECK(dnnl_primitive_execute(prim, stream, nargs, args)); }
    CHECK(dnnl_stream_wait(stream));
    for (int r = 0; r < 15; r++) {
        double t0 = now();
        CHECK(dnnl_primitive_execute(prim, stream, nargs, args));
        CHECK(dnnl_stream_wait(stream));
        t[r] = now() - t0;
    }
    qsort(t, 15, sizeof(double), cmp);
    return t[7];
}

static void conv(const char *name, int n, int h, int w, int c, int f, dnnl_format_tag_t act, dnnl_data_type_t dt) {
    int oh = h - 2, ow = w - 2;
    dnnl_dims_t sd = {n, c, h, w}, wd = {f, c, 3, 3}, bd = {f}, dd = {n, f, oh, ow};
    dnnl_dims_t strides = {1, 1}, pad = {0, 0};
    dnnl_memory_desc_t src, wei, bia, dst;
    CHECK(dnnl_memory_desc_init_by_tag(&src, 4, sd, dt, act));
    CHECK(dnnl_memory_desc_init_by_tag(&wei, 4, wd, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&bia, 1, bd, dnnl_f32, dnnl_x));
    CHECK(dnnl_memory_desc_init_by_tag(&dst, 4, dd, dt, act));
    double flop = 2.0 * n * oh * ow * f * 9.0 * c;

    dnnl_convolution_desc_t fd, bdd, bwd;
    dnnl_primitive_desc_t fpd, bdpd, bwpd;
    CHECK(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src, &wei, &bia,
                                             &dst, strides, pad, pad));
    CHECK(dnnl_primitive_desc_create(&fpd, &fd, NULL, engine, NULL));
    CHECK(dnnl_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct, &src, &wei, &dst, strides, pad, pad));
    CHECK(dnnl_primitive_desc_create(&bdpd, &bdd, NULL, engine, fpd));
    CHECK(dnnl_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct, &src, &wei, &bia, &dst, strides,
                                                      pad, pad));
    CHECK(dnnl_primitive_desc_create(&bwpd, &bwd, NULL, engine, fpd));

    const char *impl_f, *impl_d, *impl_w;
    CHECK(dnnl_primitive_desc_query(fpd, dnnl_query_impl_info_str, 0, &impl_f));
    CHECK(dnnl_primitive_desc_query(bdpd, dnnl_query_impl_info_str, 0, &impl_d));
    CHECK(dnnl_primitive_desc_query(bwpd, dnnl_query_impl_info_str, 0, &impl_w));

    dnnl_memory_t ms = memory_for(dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0));
    dnnl_memory_t mw = memory_for(dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0));
    dnnl_memory_t mb = memory_for(&bia);
    dnnl_memory_t md = memory_for(dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0));
    dnnl_memory_t mds = memory_for(dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_src_md, 0));
    dnnl_memory_t mdw = memory_for(dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_weights_md, 0));
    dnnl_memory_t mdb = memory_for(&bia);
    dnnl_memory_t mdd = memory_for(dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_dst_md, 0));
    // Backward-data may want the weights in another layout than forward: give it its own copy.
    dnnl_memory_t mwd = memory_for(dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0));
    dnnl_memory_t mdd2 = memory_for(dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_dst_md, 0));

    dnnl_primitive_t pf, pd, pw;
    CHECK(dnnl_primitive_create(&pf, fpd)); CHECK(dnnl_primitive_create(&pd, bdpd)); CHECK(dnnl_primitive_create(&pw, bwpd));
    dnnl_exec_arg_t af[] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, md}};
    dnnl_exec_arg_t ad[] = {{DNNL_ARG_DIFF_DST, mdd2}, {DNNL_ARG_WEIGHTS, mwd}, {DNNL_ARG_DIFF_SRC, mds}};
    dnnl_exec_arg_t aw[] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_DIFF_DST, mdd}, {DNNL_ARG_DIFF_WEIGHTS, mdw},
                            {DNNL_ARG_DIFF_BIAS, mdb}};
    double tf = time_primitive(pf, 4, af), td = time_primitive(pd, 3, ad), tw = time_primitive(pw, 4, aw);
    printf("%-34s forward %6.1f GFLOP/s (%5.2f ms, %s)\n", name, flop / tf * 1e-9, tf * 1e3, impl_f);
    printf("%-34s bwd-data %5.1f GFLOP/s (%5.2f ms, %s)\n", "", flop / td * 1e-9, td * 1e3, impl_d);
    printf("%-34s bwd-wts %6.1f GFLOP/s (%5.2f ms, %s)\n", "", flop / tw * 1e-9, tw * 1e3, impl_w);
}

static void gemm(int m, int n, int k, char ta, char tb) {
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
    long lda = ta == 'N' ? k : m, ldb = tb == 'N' ? n : k;
    double t[15];
    for (int r = 0; r < 18; r++) {
        double t0 = now();
        CHECK(dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n));
        if (r >= 3) t[r - 3] = now() - t0;
    }
    qsort(t, 15, sizeof(double), cmp);
    printf("dnnl_sgemm %c%c %4d x %4d x %4d          %6.1f GFLOP/s (%6.1f µs)\n", ta, tb, m, n, k,
           2.0 * m * n * k / t[7] * 1e-9, t[7] * 1e6);
    free(a); free(b); free(c);
}

int main(void) {
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    conv("conv1 28x28x1->32, nhwc", 128, 28, 28, 1, 32, dnnl_nhwc, dnnl_f32);
    conv("conv1 28x28x1->32, any layout", 128, 28, 28, 1, 32, dnnl_format_tag_any, dnnl_f32);
    conv("conv2 13x13x32->64, nhwc", 128, 13, 13, 32, 64, dnnl_nhwc, dnnl_f32);
    conv("conv2 13x13x32->64, any layout", 128, 13, 13, 32, 64, dnnl_format_tag_any, dnnl_f32);
    // Mixed precision for comparison only (bfloat16 data, float accumulation; AMX on this CPU): not the peers' workload.
    conv("conv2 13x13x32->64, nhwc, bf16", 128, 13, 13, 32, 64, dnnl_nhwc, dnnl_bf16);
    // The MLP step's products (batch 128, 784-256-128-10): forward x·W1, dW1 = xᵀ·dy, dx2 = dy·W2ᵀ.
    gemm(128, 256, 784, 'N', 'N');
    gemm(784, 256, 128, 'T', 'N');
    gemm(128, 256, 128, 'N', 'T');
    gemm(2048, 2048, 2048, 'N', 'N');
    return 0;
}
