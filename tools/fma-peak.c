// The machine's single-precision FMA ceiling per core: twelve independent chains of 512-bit (or 256-bit) fused
// multiply-adds, long enough that the loop runs at the FMA units' throughput. Run one copy, then two at once, to see
// whether the two vCPUs are separate cores (each copy keeps its rate) or hyperthreads of one core (they share it).
//
//   cc -O2 -march=native tools/fma-peak.c -o .build/fma-peak
//   .build/fma-peak            # one core
//   .build/fma-peak & .build/fma-peak; wait
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS(T, SET, FMA, LANES, NAME)                                                                      \
    {                                                                                                         \
        T a0 = SET(0.1f), a1 = SET(0.2f), a2 = SET(0.3f), a3 = SET(0.4f), a4 = SET(0.5f), a5 = SET(0.6f);     \
        T a6 = SET(0.7f), a7 = SET(0.8f), a8 = SET(0.9f), a9 = SET(1.0f), a10 = SET(1.1f), a11 = SET(1.2f);   \
        const T m = SET(0.999999f), c = SET(1e-7f);                                                           \
        const long n = 100000000L;                                                                            \
        double t = now();                                                                                     \
        for (long i = 0; i < n; i++) {                                                                        \
            a0 = FMA(a0, m, c); a1 = FMA(a1, m, c); a2 = FMA(a2, m, c); a3 = FMA(a3, m, c);                   \
            a4 = FMA(a4, m, c); a5 = FMA(a5, m, c); a6 = FMA(a6, m, c); a7 = FMA(a7, m, c);                   \
            a8 = FMA(a8, m, c); a9 = FMA(a9, m, c); a10 = FMA(a10, m, c); a11 = FMA(a11, m, c);               \
        }                                                                                                     \
        double dt = now() - t;                                                                                \
        float s = a0[0] + a1[0] + a2[0] + a3[0] + a4[0] + a5[0] + a6[0] + a7[0] + a8[0] + a9[0] + a10[0] + a11[0]; \
        printf("%s %6.1f GFLOP/s per core (checksum %g)\n", NAME, n * 12.0 * 2 * LANES / dt / 1e9, s);       \
    }

int main(void) {
    for (int round = 0; round < 3; round++) {
#ifdef __AVX512F__
        CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, 16, "512-bit FMA")
#endif
        CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, 8, "256-bit FMA")
    }
    return 0;
}
