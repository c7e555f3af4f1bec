// Single-threaded OpenBLAS sgemm at the MLP benchmark's shapes (784-256-128-10, batch 128; NeuralKit gives each core
// half of a product's rows or columns): the ceiling for the MLP step's matrix products.
//
//   cc -O2 tools/gemm-mlp-shapes.c -o .build/gemm-mlp-shapes -lopenblas
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/gemm-mlp-shapes
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// C[m×n] = op(A)·op(B) with op(A) m×k, op(B) k×n, row-major; best of 5 rounds of 200 products.
static void run(const char *name, int ta, int tb, int m, int n, int k) {
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (i % 7) * 0.1f;
    for (long i = 0; i < (long)k * n; i++) b[i] = (i % 5) * 0.1f;
    int lda = ta ? m : k, ldb = tb ? k : n;
    enum CBLAS_TRANSPOSE oa = ta ? CblasTrans : CblasNoTrans, ob = tb ? CblasTrans : CblasNoTrans;
    for (int r = 0; r < 50; r++) cblas_sgemm(CblasRowMajor, oa, ob, m, n, k, 1, a, lda, b, ldb, 0, c, n);
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        for (int r = 0; r < 200; r++) cblas_sgemm(CblasRowMajor, oa, ob, m, n, k, 1, a, lda, b, ldb, 0, c, n);
        double t = (now() - t0) / 200;
        if (t < best) best = t;
    }
    printf("%-26s m=%4d n=%4d k=%4d %7.1f us %6.1f GFLOP/s\n", name, m, n, k, best * 1e6, 2.0 * m * n * k / best / 1e9);
    free(a); free(b); free(c);
}

int main(void) {
    openblas_set_num_threads(1);
    run("forward 1, half (x·W1)", 0, 0, 64, 256, 784);
    run("forward 2, half", 0, 0, 64, 128, 256);
    run("dW1 = xT·dz, half", 1, 0, 784, 128, 128);
    run("dW2 = hT·dz", 1, 0, 256, 128, 128);
    run("dx2 = dz·W2T, half", 0, 1, 64, 256, 128);
    return 0;
}
