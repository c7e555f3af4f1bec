// Single-threaded OpenBLAS sgemm at the cnn preset's conv2 block shapes (one im2col block = 4 images = 484 rows,
// K = 3·3·32 = 288 taps, N = 64 filters): the ceiling for NeuralKit's blocked im2col + GEMM convolution.
//
//   cc -O2 tools/gemm-shapes.c -o .build/gemm-shapes -lopenblas
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/gemm-shapes
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    openblas_set_num_threads(1);
    const int M = 484, N = 64, K = 288, R = 2000;
    float *a = malloc(sizeof(float) * M * K), *w = malloc(sizeof(float) * K * N);
    float *c = malloc(sizeof(float) * M * N), *g = malloc(sizeof(float) * M * N), *dw = malloc(sizeof(float) * K * N);
    for (int i = 0; i < M * K; i++) a[i] = rand() / (float)RAND_MAX;
    for (int i = 0; i < K * N; i++) w[i] = rand() / (float)RAND_MAX;
    for (int i = 0; i < M * N; i++) g[i] = rand() / (float)RAND_MAX;
    const double flop = 2.0 * M * N * K * R;
    double t = now();
    for (int r = 0; r < R; r++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, a, K, w, N, 0, c, N);
    printf("forward          cols·W     %5.1f GFLOP/s\n", flop / (now() - t) / 1e9);
    t = now();
    for (int r = 0; r < R; r++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, N, 1, g, N, w, N, 0, a, K);
    printf("backward-data    G·Wᵀ       %5.1f GFLOP/s\n", flop / (now() - t) / 1e9);
    t = now();
    for (int r = 0; r < R; r++) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1, a, K, g, N, 1, dw, N);
    printf("backward-weights colsᵀ·G    %5.1f GFLOP/s\n", flop / (now() - t) / 1e9);
    const int S = 2048;
    float *x = calloc((size_t)S * S, sizeof(float)), *y = calloc((size_t)S * S, sizeof(float)), *z = malloc(sizeof(float) * S * S);
    t = now();
    for (int r = 0; r < 3; r++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, S, S, 1, x, S, y, S, 0, z, S);
    printf("square n=2048               %5.1f GFLOP/s\n", 2.0 * S * S * S * 3 / (now() - t) / 1e9);
    return 0;
}
