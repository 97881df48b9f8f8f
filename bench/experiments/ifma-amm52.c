// Experiment, not part of any build: 4096-bit almost Montgomery multiplication with AVX-512 IFMA
// (VPMADD52LUQ/HUQ, 80 digits of 52 bits, R = 2^4160 > 4m, values kept below 2m), one product at a time
// and two interleaved, each checked against GMP, timed in thread CPU time next to GMP's mpz_mul + mpz_mod.
// It sizes what an IFMA engine would give: .NET 10 has no IFMA intrinsics, so Entente cannot use these
// instructions without a native component (see docs/benchmarks-arithmetic.md, "IFMA").
//
//   gcc -O3 -march=native ifma-amm52.c -o amm52 -lgmp && ./amm52       (needs libgmp-dev and an IFMA CPU)
#include <immintrin.h>
#include <gmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define N 80
#define NV 10
#define M52 ((1ULL << 52) - 1)

static void amm(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t k0) {
    __m512i A[NV], av[NV], mv[NV];
    for (int j = 0; j < NV; j++) { A[j] = _mm512_setzero_si512(); av[j] = _mm512_loadu_si512(a + 8 * j); mv[j] = _mm512_loadu_si512(m + 8 * j); }
    uint64_t m0 = m[0];
    for (int i = 0; i < N; i++) {
        __m512i bi = _mm512_set1_epi64((long long)b[i]);
        for (int j = 0; j < NV; j++) A[j] = _mm512_madd52lo_epu64(A[j], av[j], bi);
        uint64_t a0 = (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(A[0]));
        uint64_t q = (a0 * k0) & M52;
        __m512i qv = _mm512_set1_epi64((long long)q);
        for (int j = 0; j < NV; j++) A[j] = _mm512_madd52lo_epu64(A[j], mv[j], qv);
        uint64_t carry = (a0 + ((q * m0) & M52)) >> 52;
        for (int j = 0; j < NV - 1; j++) A[j] = _mm512_alignr_epi64(A[j + 1], A[j], 1);
        A[NV - 1] = _mm512_alignr_epi64(_mm512_setzero_si512(), A[NV - 1], 1);
        A[0] = _mm512_add_epi64(A[0], _mm512_maskz_set1_epi64(1, (long long)carry));
        for (int j = 0; j < NV; j++) { A[j] = _mm512_madd52hi_epu64(A[j], av[j], bi); A[j] = _mm512_madd52hi_epu64(A[j], mv[j], qv); }
    }
    for (int j = 0; j < NV; j++) _mm512_storeu_si512(r + 8 * j, A[j]);
    uint64_t c = 0;
    for (int j = 0; j < N; j++) { uint64_t x = r[j] + c; r[j] = x & M52; c = x >> 52; }
}


static void amm2(uint64_t *r, const uint64_t *a, const uint64_t *b, uint64_t *r2, const uint64_t *a2, const uint64_t *b2, const uint64_t *m, uint64_t k0) {
    __m512i A[NV], B[NV], av[NV], aw[NV], mv[NV];
    for (int j = 0; j < NV; j++) { A[j] = _mm512_setzero_si512(); B[j] = A[j]; av[j] = _mm512_loadu_si512(a + 8 * j); aw[j] = _mm512_loadu_si512(a2 + 8 * j); mv[j] = _mm512_loadu_si512(m + 8 * j); }
    uint64_t m0 = m[0];
    for (int i = 0; i < N; i++) {
        __m512i bi = _mm512_set1_epi64((long long)b[i]);
        __m512i ci = _mm512_set1_epi64((long long)b2[i]);
        for (int j = 0; j < NV; j++) { A[j] = _mm512_madd52lo_epu64(A[j], av[j], bi); B[j] = _mm512_madd52lo_epu64(B[j], aw[j], ci); }
        uint64_t a0 = (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(A[0]));
        uint64_t b0 = (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(B[0]));
        uint64_t q = (a0 * k0) & M52, s = (b0 * k0) & M52;
        __m512i qv = _mm512_set1_epi64((long long)q), sv = _mm512_set1_epi64((long long)s);
        for (int j = 0; j < NV; j++) { A[j] = _mm512_madd52lo_epu64(A[j], mv[j], qv); B[j] = _mm512_madd52lo_epu64(B[j], mv[j], sv); }
        uint64_t carry = (a0 + ((q * m0) & M52)) >> 52, carry2 = (b0 + ((s * m0) & M52)) >> 52;
        for (int j = 0; j < NV - 1; j++) { A[j] = _mm512_alignr_epi64(A[j + 1], A[j], 1); B[j] = _mm512_alignr_epi64(B[j + 1], B[j], 1); }
        A[NV - 1] = _mm512_alignr_epi64(_mm512_setzero_si512(), A[NV - 1], 1);
        B[NV - 1] = _mm512_alignr_epi64(_mm512_setzero_si512(), B[NV - 1], 1);
        A[0] = _mm512_add_epi64(A[0], _mm512_maskz_set1_epi64(1, (long long)carry));
        B[0] = _mm512_add_epi64(B[0], _mm512_maskz_set1_epi64(1, (long long)carry2));
        for (int j = 0; j < NV; j++) { A[j] = _mm512_madd52hi_epu64(A[j], av[j], bi); A[j] = _mm512_madd52hi_epu64(A[j], mv[j], qv); B[j] = _mm512_madd52hi_epu64(B[j], aw[j], ci); B[j] = _mm512_madd52hi_epu64(B[j], mv[j], sv); }
    }
    for (int j = 0; j < NV; j++) { _mm512_storeu_si512(r + 8 * j, A[j]); _mm512_storeu_si512(r2 + 8 * j, B[j]); }
    uint64_t c = 0, d = 0;
    for (int j = 0; j < N; j++) { uint64_t x = r[j] + c; r[j] = x & M52; c = x >> 52; uint64_t y = r2[j] + d; r2[j] = y & M52; d = y >> 52; }
}

static void to_digits(uint64_t *d, const mpz_t x) { mpz_t t; mpz_init_set(t, x); for (int j = 0; j < N; j++) { d[j] = mpz_getlimbn(t, 0) & M52; mpz_tdiv_q_2exp(t, t, 52); } mpz_clear(t); }
static void from_digits(mpz_t x, const uint64_t *d) { mpz_set_ui(x, 0); for (int j = N - 1; j >= 0; j--) { mpz_mul_2exp(x, x, 52); mpz_add_ui(x, x, d[j]); } }
static double now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    mpz_t p, a, b, R, t, u, k; mpz_inits(p, a, b, R, t, u, k, NULL);
    // p = 2^4096 - 1 - ... : any odd 4096-bit modulus sizes the work; use the ElectionGuard 2.1 p if given.
    if (argc > 1) mpz_set_str(p, argv[1], 16); else { mpz_ui_pow_ui(p, 2, 4096); mpz_sub_ui(p, p, 1); mpz_sub_ui(p, p, 188); }
    gmp_randstate_t rs; gmp_randinit_default(rs); gmp_randseed_ui(rs, 7);
    mpz_urandomm(a, rs, p); mpz_urandomm(b, rs, p);
    mpz_ui_pow_ui(R, 2, 52 * N);
    mpz_ui_pow_ui(t, 2, 52); mpz_invert(k, p, t); mpz_sub(k, t, k); // k0 = -p^-1 mod 2^52
    uint64_t k0 = mpz_get_ui(k);
    uint64_t ad[N], bd[N], md[N], rd[N];
    to_digits(ad, a); to_digits(bd, b); to_digits(md, p);
    amm(rd, ad, bd, md, k0);
    from_digits(t, rd); mpz_mul(t, t, R); mpz_mul(u, a, b); mpz_sub(t, t, u); mpz_mod(t, t, p);
    mpz_t two_p; mpz_init(two_p); mpz_mul_2exp(two_p, p, 1); from_digits(u, rd);
    printf("correct: %s, below 2p: %s\n", mpz_sgn(t) == 0 ? "yes" : "NO", mpz_cmp(u, two_p) < 0 ? "yes" : "NO");
    // chained: r = amm(r, b) many times (each result feeds the next), checked at the end against GMP.
    int iters = 200000;
    memcpy(rd, ad, sizeof ad);
    double t0 = now();
    for (int i = 0; i < iters; i++) amm(rd, rd, bd, md, k0);
    double ifma = (now() - t0) / iters;
    uint64_t r2[N]; memcpy(r2, ad, sizeof ad); uint64_t r1[N]; memcpy(r1, ad, sizeof ad);
    t0 = now();
    for (int i = 0; i < iters / 2; i++) amm2(r1, r1, bd, r2, r2, bd, md, k0);
    double ifma2 = (now() - t0) / iters;
    { mpz_t x, y; mpz_inits(x, y, NULL); from_digits(x, r1); from_digits(y, r2); mpz_mod(x, x, p); mpz_mod(y, y, p);
      mpz_invert(t, R, p); mpz_mul(t, t, b); mpz_mod(t, t, p); mpz_powm_ui(t, t, iters / 2, p); mpz_mul(t, t, a); mpz_mod(t, t, p);
      printf("x2 chain correct: %s %s; IFMA AMM two at a time: %.3f us per product\n", mpz_cmp(t, x) == 0 ? "yes" : "NO", mpz_cmp(t, y) == 0 ? "yes" : "NO", ifma2 * 1e6); }
    // GMP baseline in the same run: mpz_mul + mpz_mod, chained.
    mpz_set(u, a); t0 = now();
    for (int i = 0; i < iters / 4; i++) { mpz_mul(u, u, b); mpz_mod(u, u, p); }
    double gmp = (now() - t0) / (iters / 4);
    // check the chain: rd = a * (b R^-1)^iters mod p (up to < 2p)
    mpz_invert(t, R, p); mpz_mul(t, t, b); mpz_mod(t, t, p); mpz_powm_ui(t, t, iters, p); mpz_mul(t, t, a); mpz_mod(t, t, p);
    from_digits(u, rd); mpz_mod(u, u, p);
    printf("chain correct: %s\n", mpz_cmp(t, u) == 0 ? "yes" : "NO");
    printf("IFMA AMM: %.3f us; GMP mpz_mul+mpz_mod: %.3f us; ratio %.3f\n", ifma * 1e6, gmp * 1e6, ifma / gmp);
    return 0;
}
