// Entente's AVX-512 IFMA Montgomery engine: the native half of IfmaMontgomery.cs.
//
// Numbers are D digits of 52 bits in 64-bit words (D a multiple of 8, eight digits per 512-bit vector),
// the Montgomery radix is R = 2^(52·D) > 4m, and values inside the engine stay below 2m ("almost
// Montgomery multiplication", Gueron, "Efficient software implementations of modular exponentiation",
// J. Cryptogr. Eng. 2012): a product of two values below 2m is again below 2m, and the one conditional
// subtraction waits until a value leaves the engine. The products use VPMADD52LUQ/VPMADD52HUQ (low and
// high 52 bits of a 52×52-bit product added to a 64-bit lane), as OpenSSL's rsaz_avx512 does; the code
// here is our own.
//
// The product (amm) scans b one digit per step: the accumulator lives in vector registers (two sets of D/8,
// one for the a·b products and one for the q·m products, so that each register carries a chain of two
// multiply-adds per step rather than four), the Montgomery digit q of each step is computed in scalar code
// from a scalar copy of the lowest column, and that copy is brought forward without waiting for the vector
// work (see amm_core), so a single product runs near the throughput of the multiply-adds rather than at
// the latency of the chain from one digit to the next.
//
// Whole operations cross the boundary (exponentiations, fixed-base batches, multi-exponentiations), never
// single products. The caller (C#) owns all memory: a context it allocated and filled once with
// ent_ifma_init, and scratch for each call, whose size ent_ifma_scratch_words gives.
//
// Constant time: the functions marked SECRET take secret exponents; in them no branch and no memory
// address depends on the exponent, every table entry is read for every window and selected with a mask,
// and the scratch is wiped before returning. Everything else may branch on the (public) exponent.
//
// Build: gcc -O3 -mavx512f -mavx512ifma -mavx512vl -mavx512bw -mavx512dq -mbmi2 -fPIC -shared
// (done by the Entente.Cryptography project). Loaded only on CPUs with AVX-512F and AVX-512 IFMA.

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define M52 ((1ULL << 52) - 1)
#define MAX_LIMBS 128                    // 8192-bit moduli, as the managed engines
#define MAX_DIGITS 160                   // ceil((8192 + 2) / 52) = 158, rounded up to a multiple of 8
#define MAX_VECTORS (MAX_DIGITS / 8)
#define ALIGN64 __attribute__((aligned(64)))

typedef unsigned __int128 u128;
typedef void (*amm_fn)(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t k0);

// The context: everything about one modulus. Lives in memory the caller allocated (64-byte aligned,
// ent_ifma_context_bytes long) and never moves while in use.
typedef struct {
    uint64_t m[MAX_DIGITS] ALIGN64;          // the modulus, digits
    uint64_t r2[MAX_DIGITS] ALIGN64;         // R² mod m, digits
    uint64_t mont_one[MAX_DIGITS] ALIGN64;   // R mod m, digits (the Montgomery form of 1)
    uint64_t one[MAX_DIGITS] ALIGN64;        // 1, digits (leaves Montgomery form)
    uint64_t m_limbs[MAX_LIMBS];             // the modulus, 64-bit limbs
    int limbs;                               // n: limbs of m, of every operand and result
    int digits;                              // D
    uint64_t k0;                             // −m⁻¹ mod 2^52
    amm_fn amm;                              // the product for D/8 vectors
} ctx_t;

// Status codes (the C# side turns anything but OK into an exception).
#define OK 0
#define E_ARGUMENT (-1)
#define E_SCRATCH (-2)

// ------------------------------------------------------------------------------------------------
// The product: r = a·b·R⁻¹ mod m, below 2m when a and b are, every digit of r below 2^52.
// r may alias a or b (both are read completely before r is written).
//
// Step i adds a·b_i and q·m, where q = (x_0 + a_0·b_i)·k0 mod 2^52 makes the lowest column divisible by
// 2^52, then moves the accumulator down one digit. Low halves of the 104-bit digit products go to their
// own column, high halves one column up; after the move down a high half lands in the lane its vector
// index names, so the same vectors of a and m serve both halves.
//
// The lowest column x_0 is kept exactly in a scalar (acc): the next step's x_0 is
//   (column 1 before this step) + lo(a_1·b_i) + lo(m_1·q) + hi(a_0·b_i) + hi(m_0·q) + carry,
// with carry = (x_0 + lo(a_0·b_i) + lo(m_0·q)) / 2^52, all computed with scalar multiplications. Column 1
// before this step is lane 1 of the accumulator after the previous step, so the scalar chain waits on the
// vector work only two steps back, and the vectors run at the throughput of VPMADD52. The lane 0 the
// vectors hold is never read (acc replaces it).
// ------------------------------------------------------------------------------------------------
static inline __attribute__((always_inline)) void amm_core(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t k0, const int nv)
{
    const int d = 8 * nv;
    // Two accumulators, one for the a·b_i products and one for the q·m products, so that each carries a
    // chain of two multiply-adds per step instead of four; they are added before the final carries.
    __m512i acc_v[MAX_VECTORS], red_v[MAX_VECTORS];
    for (int v = 0; v < nv; v++) { acc_v[v] = _mm512_setzero_si512(); red_v[v] = _mm512_setzero_si512(); }
    const uint64_t a0 = a[0], a1 = a[1], m0 = m[0], m1 = m[1];
    uint64_t acc = 0;
    for (int i = 0; i < d; i++) {
        const uint64_t bi = b[i];
        const __m512i vb = _mm512_set1_epi64((long long)bi);
        // Column 1 as the previous steps left it (lane 1 of the lowest vectors).
        const uint64_t column1 = (uint64_t)_mm_extract_epi64(_mm512_castsi512_si128(acc_v[0]), 1)
            + (uint64_t)_mm_extract_epi64(_mm512_castsi512_si128(red_v[0]), 1);
        const u128 p0 = (u128)a0 * bi;
        const uint64_t t = acc + ((uint64_t)p0 & M52);
        const uint64_t q = (t * k0) & M52;
        const __m512i vq = _mm512_set1_epi64((long long)q);
        const u128 pm0 = (u128)m0 * q;
        const uint64_t carry = (t + ((uint64_t)pm0 & M52)) >> 52;
        const uint64_t next = column1 + ((a1 * bi) & M52) + ((m1 * q) & M52)
            + (uint64_t)(p0 >> 52) + (uint64_t)(pm0 >> 52) + carry;
        for (int v = 0; v < nv; v++) {
            acc_v[v] = _mm512_madd52lo_epu64(acc_v[v], _mm512_loadu_si512(a + 8 * v), vb);
            red_v[v] = _mm512_madd52lo_epu64(red_v[v], _mm512_loadu_si512(m + 8 * v), vq);
        }
        for (int v = 0; v < nv - 1; v++) {
            acc_v[v] = _mm512_alignr_epi64(acc_v[v + 1], acc_v[v], 1);
            red_v[v] = _mm512_alignr_epi64(red_v[v + 1], red_v[v], 1);
        }
        acc_v[nv - 1] = _mm512_alignr_epi64(_mm512_setzero_si512(), acc_v[nv - 1], 1);
        red_v[nv - 1] = _mm512_alignr_epi64(_mm512_setzero_si512(), red_v[nv - 1], 1);
        for (int v = 0; v < nv; v++) {
            acc_v[v] = _mm512_madd52hi_epu64(acc_v[v], _mm512_loadu_si512(a + 8 * v), vb);
            red_v[v] = _mm512_madd52hi_epu64(red_v[v], _mm512_loadu_si512(m + 8 * v), vq);
        }
        acc = next;
    }
    for (int v = 0; v < nv; v++) acc_v[v] = _mm512_add_epi64(acc_v[v], red_v[v]);
    // Columns D .. 2D − 1 are the result (lane 0 of the lowest vector is acc). Carry them into 52-bit digits
    // on whole vectors: one round of "keep 52 bits, add what the digit below carries out" (VALIGNQ moves each
    // lane's carry one lane up) leaves digits at most 2^52 + 2^12 − 1, so the carry out of a digit is then 1
    // when it is above 2^52 − 1 (generate) or equal to it with a carry in (propagate); the carries of all
    // digits at once are ((G << 1) + P) ^ P on bit masks (carry-lookahead on 64-bit words). The value is
    // below 2m < 2^(52·D), so nothing leaves the top digit. No branch depends on the value.
    acc_v[0] = _mm512_mask_set1_epi64(acc_v[0], 1, (long long)acc);
    const __m512i mask52 = _mm512_set1_epi64((long long)M52);
    __m512i below = _mm512_setzero_si512();
    uint64_t generate[3] = {0, 0, 0}, propagate[3] = {0, 0, 0};
    for (int v = 0; v < nv; v++) {
        const __m512i high = _mm512_srli_epi64(acc_v[v], 52);
        acc_v[v] = _mm512_add_epi64(_mm512_and_si512(acc_v[v], mask52), _mm512_alignr_epi64(high, below, 7));
        below = high;
        generate[v / 8] |= (uint64_t)_mm512_cmpgt_epu64_mask(acc_v[v], mask52) << (8 * (v % 8));
        propagate[v / 8] |= (uint64_t)_mm512_cmpeq_epu64_mask(acc_v[v], mask52) << (8 * (v % 8));
    }
    uint64_t carries[3];
    unsigned char carry = 0;
    uint64_t shifted_in = 0;
    for (int w = 0; w < (nv + 7) / 8; w++) {
        const uint64_t g = (generate[w] << 1) | shifted_in;
        shifted_in = generate[w] >> 63;
        unsigned long long sum;
        carry = _addcarry_u64(carry, g, propagate[w], &sum);
        carries[w] = sum ^ propagate[w];
    }
    const __m512i one = _mm512_set1_epi64(1);
    for (int v = 0; v < nv; v++) {
        const __mmask8 k = (__mmask8)(carries[v / 8] >> (8 * (v % 8)));
        _mm512_storeu_si512(r + 8 * v, _mm512_and_si512(_mm512_mask_add_epi64(acc_v[v], k, acc_v[v], one), mask52));
    }
}

#define DEFINE_AMM(NV) \
    static void amm_##NV(uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t k0) \
    { amm_core(r, a, b, m, k0, NV); }
DEFINE_AMM(1) DEFINE_AMM(2) DEFINE_AMM(3) DEFINE_AMM(4) DEFINE_AMM(5) DEFINE_AMM(6) DEFINE_AMM(7)
DEFINE_AMM(8) DEFINE_AMM(9) DEFINE_AMM(10) DEFINE_AMM(11) DEFINE_AMM(12) DEFINE_AMM(13) DEFINE_AMM(14)
DEFINE_AMM(15) DEFINE_AMM(16) DEFINE_AMM(17) DEFINE_AMM(18) DEFINE_AMM(19) DEFINE_AMM(20)

static const amm_fn AMM_BY_VECTORS[MAX_VECTORS + 1] = {
    0, amm_1, amm_2, amm_3, amm_4, amm_5, amm_6, amm_7, amm_8, amm_9, amm_10,
    amm_11, amm_12, amm_13, amm_14, amm_15, amm_16, amm_17, amm_18, amm_19, amm_20,
};

static inline void mul(const ctx_t *c, uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    c->amm(r, a, b, c->m, c->k0);
}

static inline void sqr(const ctx_t *c, uint64_t *r, const uint64_t *a)
{
    c->amm(r, a, a, c->m, c->k0);
}

static inline void copy(const ctx_t *c, uint64_t *r, const uint64_t *a)
{
    memcpy(r, a, (size_t)c->digits * sizeof(uint64_t));
}

// ------------------------------------------------------------------------------------------------
// Conversions, helpers
// ------------------------------------------------------------------------------------------------

// Limbs (n words, little-endian) to D digits of 52 bits.
static void to_digits(const ctx_t *c, const uint64_t *limbs, uint64_t *digits)
{
    const int n = c->limbs;
    for (int j = 0; j < c->digits; j++) {
        const int bit = 52 * j, limb = bit >> 6, shift = bit & 63;
        uint64_t x = limb < n ? limbs[limb] >> shift : 0;
        if (shift > 12 && limb + 1 < n) x |= limbs[limb + 1] << (64 - shift);
        digits[j] = x & M52;
    }
}

// A value below 2m (digits below 2^52) to limbs, fully reduced: one subtraction of m under a mask.
static void from_digits(const ctx_t *c, const uint64_t *digits, uint64_t *limbs)
{
    const int n = c->limbs;
    uint64_t packed[MAX_LIMBS + 2];
    memset(packed, 0, sizeof(uint64_t) * (size_t)(n + 2));
    for (int j = 0; j < c->digits; j++) {
        const int bit = 52 * j, limb = bit >> 6, shift = bit & 63;
        if (limb < n + 2) packed[limb] |= digits[j] << shift;
        if (shift > 12 && limb + 1 < n + 2) packed[limb + 1] |= digits[j] >> (64 - shift);
    }
    // difference = packed − m over n + 1 words; keep it when there was no borrow (packed ≥ m).
    uint64_t diff[MAX_LIMBS + 1];
    unsigned char borrow = 0;
    for (int k = 0; k < n; k++) borrow = _subborrow_u64(borrow, packed[k], c->m_limbs[k], (unsigned long long *)&diff[k]);
    borrow = _subborrow_u64(borrow, packed[n], 0, (unsigned long long *)&diff[n]);
    const uint64_t keep = (uint64_t)0 - (uint64_t)borrow;   // all ones: packed < m, keep packed
    for (int k = 0; k < n; k++) limbs[k] = (packed[k] & keep) | (diff[k] & ~keep);
    volatile uint64_t *wipe = packed;
    for (int k = 0; k < n + 2; k++) wipe[k] = 0;
    volatile uint64_t *wipe2 = diff;
    for (int k = 0; k <= n; k++) wipe2[k] = 0;
}

// Into Montgomery form: digits of x·R mod m (below 2m).
static void enter(const ctx_t *c, const uint64_t *limbs, uint64_t *x)
{
    to_digits(c, limbs, x);
    mul(c, x, x, c->r2);
}

// Out of Montgomery form, fully reduced limbs. x is overwritten.
static void leave(const ctx_t *c, uint64_t *x, uint64_t *limbs)
{
    mul(c, x, x, c->one);
    from_digits(c, x, limbs);
}

static void set_one_limbs(const ctx_t *c, uint64_t *limbs)
{
    memset(limbs, 0, sizeof(uint64_t) * (size_t)c->limbs);
    limbs[0] = 1;
}

static void wipe(uint64_t *p, size_t words)
{
    volatile uint64_t *v = p;
    for (size_t k = 0; k < words; k++) v[k] = 0;
}

static int bit_length(const uint64_t *e, int limbs)
{
    for (int k = limbs - 1; k >= 0; k--) {
        if (e[k] != 0) return 64 * k + 64 - __builtin_clzll(e[k]);
    }
    return 0;
}

static inline int bit(const uint64_t *e, int limbs, int i)
{
    const int k = i >> 6;
    return k < limbs ? (int)((e[k] >> (i & 63)) & 1) : 0;
}

// Bits [position, position + count) of e (count ≤ 32), zero beyond its limbs. Reads the limbs at public
// positions only, so it may take a secret exponent.
static inline uint32_t bits(const uint64_t *e, int limbs, int position, int count)
{
    const int k = position >> 6, shift = position & 63;
    uint64_t x = k < limbs ? e[k] >> shift : 0;
    if (shift != 0 && k + 1 < limbs) x |= e[k + 1] << (64 - shift);
    return (uint32_t)(x & ((1ULL << count) - 1));
}

// 64-byte aligned start of the scratch (the caller adds 8 words of slack).
static inline uint64_t *aligned(uint64_t *scratch)
{
    return (uint64_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
}

// destination = table[index] (entries of `digits` words, `entries` of them): every entry is read, the one
// wanted kept with a mask computed without a branch. SECRET index.
static void select_masked(const uint64_t *table, int digits, int entries, uint32_t index, uint64_t *destination)
{
    const __m512i wanted = _mm512_set1_epi64((long long)index);
    for (int j = 0; j < digits; j += 64) {
        const int vectors = (digits - j) >= 64 ? 8 : (digits - j) / 8;
        __m512i d[8];
        for (int v = 0; v < 8; v++) d[v] = _mm512_setzero_si512();
        for (int e = 0; e < entries; e++) {
            const __mmask8 k = _mm512_cmpeq_epi64_mask(_mm512_set1_epi64(e), wanted);
            const uint64_t *entry = table + (size_t)e * (size_t)digits + j;
            for (int v = 0; v < vectors; v++) d[v] = _mm512_mask_mov_epi64(d[v], k, _mm512_load_si512(entry + 8 * v));
        }
        for (int v = 0; v < vectors; v++) _mm512_store_si512(destination + j + 8 * v, d[v]);
    }
}

// ------------------------------------------------------------------------------------------------
// Context
// ------------------------------------------------------------------------------------------------

EXPORT int ent_ifma_context_bytes(void) { return (int)sizeof(ctx_t); }

EXPORT int ent_ifma_max_digits(void) { return MAX_DIGITS; }

// Fills the context for modulus m (n limbs, odd, > 1) with D digits (a multiple of 8, 2^(52·D) > 4m, as
// the caller computed), given R mod m and R² mod m as n limbs each.
EXPORT int ent_ifma_init(void *memory, const uint64_t *m, int n, int digits, const uint64_t *r_mod_m, const uint64_t *r2_mod_m)
{
    if (((uintptr_t)memory & 63) != 0 || n < 1 || n > MAX_LIMBS || digits < 8 || digits > MAX_DIGITS || digits % 8 != 0
        || (m[0] & 1) == 0 || 52 * digits < 64 * n) {
        return E_ARGUMENT;
    }
    ctx_t *c = (ctx_t *)memory;
    memset(c, 0, sizeof *c);
    c->limbs = n;
    c->digits = digits;
    memcpy(c->m_limbs, m, sizeof(uint64_t) * (size_t)n);
    to_digits(c, m, c->m);
    // k0 = −m⁻¹ mod 2^52 by Newton's iteration (each step doubles the correct low bits).
    uint64_t inverse = m[0];                 // correct to 3 bits for odd m
    for (int s = 0; s < 5; s++) inverse *= 2 - m[0] * inverse;
    c->k0 = (0 - inverse) & M52;
    to_digits(c, r2_mod_m, c->r2);
    to_digits(c, r_mod_m, c->mont_one);
    c->one[0] = 1;
    c->amm = AMM_BY_VECTORS[digits / 8];
    return OK;
}

// ------------------------------------------------------------------------------------------------
// Scratch sizes (words, including the 8 of alignment slack) per operation.
// ------------------------------------------------------------------------------------------------
#define OP_MULTIPLY 0
#define OP_POW 1
#define OP_POW_SECRET 2
#define OP_POW_PRODUCT 3
#define OP_MULTI_POW_SMALL 4
#define OP_POW_MANY 5
#define OP_TABLE_BUILD 6
#define OP_TABLE_POW 7
#define OP_TABLE_POW_SECRET 8

#define MAX_BUCKET_WINDOW 10
#define SMALL_EXPONENT_BITS 64

// The window c minimising windows·(N + 2·2^c) multiplications for N bases (as the managed engine).
static int bucket_window(long count)
{
    int best = 1;
    long best_cost = -1;
    for (int w = 1; w <= MAX_BUCKET_WINDOW; w++) {
        const long windows = (SMALL_EXPONENT_BITS + w - 1) / w;
        const long cost = windows * (count + (2L << w));
        if (best_cost < 0 || cost < best_cost) { best_cost = cost; best = w; }
    }
    return best;
}

// Count: for OP_MULTI_POW_SMALL the number of bases, for OP_TABLE_POW_SECRET the batch size.
EXPORT long ent_ifma_scratch_words(const void *context, int op, long count)
{
    const ctx_t *c = (const ctx_t *)context;
    const long d = c->digits;
    switch (op) {
    case OP_MULTIPLY: return 8 + 2 * d;
    case OP_POW: return 8 + (32 + 2) * d;                     // window ≤ 6: 32 odd powers
    case OP_POW_SECRET: return 8 + (64 + 2) * d;              // window ≤ 6: 64 powers
    case OP_POW_PRODUCT: return 8 + (2 * 16 + 2) * d;         // window ≤ 5: 16 odd powers each
    case OP_MULTI_POW_SMALL: return 8 + (count + ((1L << bucket_window(count)) - 1) + 4) * d;
    case OP_POW_MANY: return 8 + (4 * 8 + 2) * d;             // 4 pieces, window ≤ 4: 8 odd powers each
    case OP_TABLE_BUILD: return 8 + 2 * d;
    case OP_TABLE_POW: return 8 + 2 * d;
    case OP_TABLE_POW_SECRET: return 8 + (count + 2) * d;
    default: return -1;
    }
}

#define NEED(op, count) \
    do { if (scratch_words < ent_ifma_scratch_words(c, (op), (count))) return E_SCRATCH; } while (0)

// ------------------------------------------------------------------------------------------------
// Operations (limbs in, limbs out; every input reduced below m)
// ------------------------------------------------------------------------------------------------

// r = a·b mod m.
EXPORT int ent_ifma_multiply(const void *context, const uint64_t *a, const uint64_t *b, uint64_t *r, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_MULTIPLY, 0);
    uint64_t *x = aligned(scratch), *y = x + c->digits;
    to_digits(c, a, x);
    to_digits(c, b, y);
    mul(c, x, x, y);          // a·b·R⁻¹
    mul(c, x, x, c->r2);      // a·b
    from_digits(c, x, r);
    return OK;
}

static int public_window(int bits)
{
    return bits <= 8 ? 1 : bits <= 24 ? 2 : bits <= 80 ? 3 : bits <= 240 ? 4 : bits <= 672 ? 5 : 6;
}

// table[j] = x^(2j+1) (Montgomery form) for j < entries, x given in Montgomery form in table[0]; square is scratch.
static void odd_powers(const ctx_t *c, uint64_t *table, int entries, uint64_t *square)
{
    const int d = c->digits;
    if (entries > 1) {
        sqr(c, square, table);
        for (int j = 1; j < entries; j++) mul(c, table + (size_t)j * d, table + (size_t)(j - 1) * d, square);
    }
}

// Opens a sliding window at bit `high` (set): the lowest set bit at most window − 1 below; returns it.
static int open_window(const uint64_t *e, int limbs, int high, int window, uint32_t *digit)
{
    int low = high - window + 1 > 0 ? high - window + 1 : 0;
    while (!bit(e, limbs, low)) low++;
    *digit = bits(e, limbs, low, high - low + 1);
    return low;
}

// r = x^e mod m, public e (left-to-right sliding window over odd powers).
EXPORT int ent_ifma_pow(const void *context, const uint64_t *x, const uint64_t *e, int e_limbs, uint64_t *r, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_POW, 0);
    const int nbits = bit_length(e, e_limbs);
    if (nbits == 0) { set_one_limbs(c, r); return OK; }
    const int d = c->digits, window = public_window(nbits), entries = 1 << (window - 1);
    uint64_t *table = aligned(scratch), *acc = table + (size_t)entries * d, *square = acc + d;
    enter(c, x, table);
    odd_powers(c, table, entries, square);
    int started = 0;
    for (int i = nbits - 1; i >= 0;) {
        if (!bit(e, e_limbs, i)) { sqr(c, acc, acc); i--; continue; }
        uint32_t digit;
        const int low = open_window(e, e_limbs, i, window, &digit);
        const uint64_t *entry = table + (size_t)(digit >> 1) * d;
        if (started) {
            for (int s = 0; s <= i - low; s++) sqr(c, acc, acc);
            mul(c, acc, acc, entry);
        } else {
            copy(c, acc, entry);
            started = 1;
        }
        i = low - 1;
    }
    leave(c, acc, r);
    return OK;
}

// r = x^e mod m, SECRET e: fixed windows over every bit of e_limbs limbs (the length is public), the
// window's power picked from all 2^w by a masked scan, one multiplication per window whatever its value.
EXPORT int ent_ifma_pow_secret(const void *context, const uint64_t *x, const uint64_t *e, int e_limbs, uint64_t *r, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_POW_SECRET, 0);
    const int nbits = 64 * e_limbs;
    if (nbits == 0) { set_one_limbs(c, r); return OK; }
    const int d = c->digits, window = nbits <= 512 ? 4 : 6, entries = 1 << window;
    uint64_t *table = aligned(scratch), *acc = table + (size_t)entries * d, *selected = acc + d;
    copy(c, table, c->mont_one);
    uint64_t *first = table + d;
    enter(c, x, first);
    for (int j = 2; j < entries; j++) {
        uint64_t *entry = table + (size_t)j * d;
        if ((j & 1) == 0) sqr(c, entry, table + (size_t)(j / 2) * d);
        else mul(c, entry, table + (size_t)(j - 1) * d, first);
    }
    const int windows = (nbits + window - 1) / window;
    int position = (windows - 1) * window;
    select_masked(table, d, entries, bits(e, e_limbs, position, window), acc);
    for (position -= window; position >= 0; position -= window) {
        for (int s = 0; s < window; s++) sqr(c, acc, acc);
        select_masked(table, d, entries, bits(e, e_limbs, position, window), selected);
        mul(c, acc, acc, selected);
    }
    leave(c, acc, r);
    wipe(scratch, (size_t)ent_ifma_scratch_words(c, OP_POW_SECRET, 0));
    return OK;
}

// r = x1^e1 · x2^e2 mod m, public exponents (Straus: interleaved sliding windows, one chain of squarings).
EXPORT int ent_ifma_pow_product(const void *context, const uint64_t *x1, const uint64_t *e1, int e1_limbs,
    const uint64_t *x2, const uint64_t *e2, int e2_limbs, uint64_t *r, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_POW_PRODUCT, 0);
    const int bits1 = bit_length(e1, e1_limbs), bits2 = bit_length(e2, e2_limbs);
    const int nbits = bits1 > bits2 ? bits1 : bits2;
    if (nbits == 0) { set_one_limbs(c, r); return OK; }
    int window = public_window(nbits) - 1;
    if (window < 1) window = 1;
    const int d = c->digits, entries = 1 << (window - 1);
    uint64_t *table1 = aligned(scratch), *table2 = table1 + (size_t)entries * d;
    uint64_t *acc = table2 + (size_t)entries * d, *square = acc + d;
    enter(c, x1, table1);
    odd_powers(c, table1, bits1 == 0 ? 1 : entries, square);
    enter(c, x2, table2);
    odd_powers(c, table2, bits2 == 0 ? 1 : entries, square);
    int low1 = -1, low2 = -1, started = 0;
    uint32_t digit1 = 0, digit2 = 0;
    for (int i = nbits - 1; i >= 0; i--) {
        if (started) sqr(c, acc, acc);
        if (low1 < 0 && i < bits1 && bit(e1, e1_limbs, i)) low1 = open_window(e1, e1_limbs, i, window, &digit1);
        if (low2 < 0 && i < bits2 && bit(e2, e2_limbs, i)) low2 = open_window(e2, e2_limbs, i, window, &digit2);
        if (low1 == i) {
            const uint64_t *entry = table1 + (size_t)(digit1 >> 1) * d;
            if (started) mul(c, acc, acc, entry); else { copy(c, acc, entry); started = 1; }
            low1 = -1;
        }
        if (low2 == i) {
            const uint64_t *entry = table2 + (size_t)(digit2 >> 1) * d;
            if (started) mul(c, acc, acc, entry); else { copy(c, acc, entry); started = 1; }
            low2 = -1;
        }
    }
    leave(c, acc, r);
    return OK;
}

// r = Π x_i^(e_i) mod m for count bases (count·n limbs) and one-limb public exponents: the bucket method
// (Bernstein, Doumen, Lange, Oosterwijk, INDOCRYPT 2012, §4), as MontgomeryEngine.MultiPowSmall.
EXPORT int ent_ifma_multi_pow_small(const void *context, const uint64_t *bases, const uint64_t *e, long count,
    uint64_t *r, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_MULTI_POW_SMALL, count);
    if (count == 0) { set_one_limbs(c, r); return OK; }
    const int d = c->digits, n = c->limbs, window = bucket_window(count), buckets = (1 << window) - 1;
    uint64_t *converted = aligned(scratch), *bucket_values = converted + (size_t)count * d;
    uint64_t *acc = bucket_values + (size_t)buckets * d, *running = acc + d, *product = running + d;
    unsigned char filled[1 << MAX_BUCKET_WINDOW];
    for (long i = 0; i < count; i++) enter(c, bases + (size_t)i * n, converted + (size_t)i * d);
    int started = 0;
    const int windows = (SMALL_EXPONENT_BITS + window - 1) / window;
    for (int w = windows - 1; w >= 0; w--) {
        if (started) for (int s = 0; s < window; s++) sqr(c, acc, acc);
        memset(filled, 0, sizeof filled);
        const int shift = w * window;
        const int nbits = window < SMALL_EXPONENT_BITS - shift ? window : SMALL_EXPONENT_BITS - shift;
        const uint64_t mask = (1ULL << nbits) - 1;
        for (long i = 0; i < count; i++) {
            const int digit = (int)((e[i] >> shift) & mask);
            if (digit == 0) continue;
            uint64_t *bucket = bucket_values + (size_t)(digit - 1) * d;
            if (filled[digit]) mul(c, bucket, bucket, converted + (size_t)i * d);
            else { copy(c, bucket, converted + (size_t)i * d); filled[digit] = 1; }
        }
        // Π_d bucket_d^d as a running product from the top digit down.
        int running_set = 0, product_set = 0;
        for (int digit = buckets; digit >= 1; digit--) {
            if (filled[digit]) {
                const uint64_t *bucket = bucket_values + (size_t)(digit - 1) * d;
                if (running_set) mul(c, running, running, bucket); else { copy(c, running, bucket); running_set = 1; }
            }
            if (running_set) {
                if (product_set) mul(c, product, product, running); else { copy(c, product, running); product_set = 1; }
            }
        }
        if (product_set) {
            if (started) mul(c, acc, acc, product); else { copy(c, acc, product); started = 1; }
        }
    }
    if (!started) { set_one_limbs(c, r); return OK; }
    leave(c, acc, r);
    return OK;
}

// results[k] = x^(e_k) for count public exponents of e_limbs limbs each (one base, shared piece powers;
// as MontgomeryEngine.PowMany).
EXPORT int ent_ifma_pow_many(const void *context, const uint64_t *x, const uint64_t *e, int e_limbs, long count,
    uint64_t *results, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_POW_MANY, 0);
    const int n = c->limbs, d = c->digits;
    int nbits = 0;
    for (long k = 0; k < count; k++) {
        const int b = bit_length(e + (size_t)k * e_limbs, e_limbs);
        if (b > nbits) nbits = b;
    }
    if (nbits == 0) {
        for (long k = 0; k < count; k++) set_one_limbs(c, results + (size_t)k * n);
        return OK;
    }
    const int pieces = nbits >= 128 ? 4 : nbits >= 32 ? 2 : 1;
    const int piece_bits = (nbits + pieces - 1) / pieces;
    const int window = piece_bits >= 48 ? 4 : piece_bits >= 16 ? 3 : 2;
    const int entries = 1 << (window - 1);
    uint64_t *tables = aligned(scratch), *acc = tables + (size_t)pieces * entries * d, *square = acc + d;
    enter(c, x, tables);
    for (int j = 0; j < pieces; j++) {
        uint64_t *table = tables + (size_t)j * entries * d;
        if (j > 0) {
            copy(c, table, tables + (size_t)(j - 1) * entries * d);
            for (int s = 0; s < piece_bits; s++) sqr(c, table, table);
        }
        odd_powers(c, table, entries, square);
    }
    int low[4], digit[4];
    for (long k = 0; k < count; k++) {
        const uint64_t *exponent = e + (size_t)k * e_limbs;
        for (int j = 0; j < pieces; j++) low[j] = -1;
        int started = 0;
        for (int i = piece_bits - 1; i >= 0; i--) {
            if (started) sqr(c, acc, acc);
            for (int j = 0; j < pieces; j++) {
                const int offset = j * piece_bits;
                if (low[j] < 0 && bit(exponent, e_limbs, offset + i)) {
                    int lowest = i - window + 1 > 0 ? i - window + 1 : 0;
                    while (!bit(exponent, e_limbs, offset + lowest)) lowest++;
                    low[j] = lowest;
                    digit[j] = (int)bits(exponent, e_limbs, offset + lowest, i - lowest + 1);
                }
                if (low[j] == i) {
                    const uint64_t *entry = tables + ((size_t)j * entries + (size_t)(digit[j] >> 1)) * d;
                    if (started) mul(c, acc, acc, entry); else { copy(c, acc, entry); started = 1; }
                    low[j] = -1;
                }
            }
        }
        uint64_t *result = results + (size_t)k * n;
        if (!started) set_one_limbs(c, result); else leave(c, acc, result);
    }
    return OK;
}

// ------------------------------------------------------------------------------------------------
// Fixed-base tables (Brickell, Gordon, McCurley, Wilson, EUROCRYPT 1992): entry (i, t) = g^(t·2^(w·i)) for
// window i < windows and t = 1 .. 2^w − 1, each D digits, in Montgomery form; g^e is the product of the
// entries (i, e_i): one multiplication per window, no squaring.
// ------------------------------------------------------------------------------------------------

EXPORT long ent_ifma_table_words(const void *context, int window, int windows)
{
    const ctx_t *c = (const ctx_t *)context;
    return (long)windows * ((1L << window) - 1) * c->digits;
}

EXPORT int ent_ifma_table_build(const void *context, const uint64_t *g, int window, int windows, uint64_t *table,
    uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_TABLE_BUILD, 0);
    if (window < 1 || window > 10 || windows < 1 || ((uintptr_t)table & 63) != 0) return E_ARGUMENT;
    const int d = c->digits, per_window = (1 << window) - 1;
    uint64_t *power = aligned(scratch), *current = power + d;     // power = g^(2^(w·i))
    enter(c, g, power);
    for (int i = 0; i < windows; i++) {
        uint64_t *slots = table + (size_t)i * per_window * d;
        copy(c, current, power);
        copy(c, slots, current);
        for (int t = 2; t <= per_window; t++) {
            mul(c, current, current, power);
            copy(c, slots + (size_t)(t - 1) * d, current);
        }
        mul(c, power, current, power);    // g^(2^(w·(i+1))) = g^((2^w − 1)·2^(w·i)) · g^(2^(w·i))
    }
    return OK;
}

// r = g^e, public e of at most windows·window bits (the caller checked).
EXPORT int ent_ifma_table_pow(const void *context, const uint64_t *table, int window, int windows, const uint64_t *e, int e_limbs,
    uint64_t *r, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_TABLE_POW, 0);
    const int d = c->digits, per_window = (1 << window) - 1;
    int nbits = bit_length(e, e_limbs);
    if (nbits > window * windows) return E_ARGUMENT;
    uint64_t *acc = aligned(scratch);
    int started = 0;
    const int used = (nbits + window - 1) / window;
    for (int i = 0; i < used; i++) {
        const uint32_t digit = bits(e, e_limbs, i * window, window);
        if (digit == 0) continue;
        const uint64_t *entry = table + ((size_t)i * per_window + digit - 1) * d;
        if (started) mul(c, acc, acc, entry); else { copy(c, acc, entry); started = 1; }
    }
    if (!started) { set_one_limbs(c, r); return OK; }
    leave(c, acc, r);
    return OK;
}

// results[k] = g^(e_k) for count SECRET exponents of e_limbs limbs (at most windows·window bits, the caller
// checked). Window by window: first every exponent's entry by a masked scan of the window's entries (which
// then stay in L1 for the whole batch), digit 0 selecting the Montgomery form of 1, then the
// multiplications. The first window's entry is the accumulator.
EXPORT int ent_ifma_table_pow_secret(const void *context, const uint64_t *table, int window, int windows, const uint64_t *e, int e_limbs,
    long count, uint64_t *results, uint64_t *scratch, long scratch_words)
{
    const ctx_t *c = (const ctx_t *)context;
    NEED(OP_TABLE_POW_SECRET, count);
    const int d = c->digits, n = c->limbs, per_window = (1 << window) - 1;
    uint64_t *accumulators = aligned(scratch), *selected = accumulators + (size_t)count * d;
    for (int i = 0; i < windows; i++) {
        const uint64_t *entries = table + (size_t)i * per_window * d;
        for (long k = 0; k < count; k++) {
            const uint32_t digit = bits(e + (size_t)k * e_limbs, e_limbs, i * window, window);
            uint64_t *target = i == 0 ? accumulators + (size_t)k * d : selected;
            // Digit 0: 1 (not stored); else entry digit − 1. Both by masks.
            const __mmask8 zero = _mm512_cmpeq_epi64_mask(_mm512_set1_epi64((long long)digit), _mm512_setzero_si512());
            for (int j = 0; j < d; j += 8) {
                _mm512_store_si512(target + j, _mm512_maskz_mov_epi64(zero, _mm512_load_si512(c->mont_one + j)));
            }
            // Entry index digit − 1 (−1, matching no entry, when digit is 0): OR in the selected entry.
            const __m512i wanted = _mm512_set1_epi64((long long)digit - 1);
            for (int j = 0; j < d; j += 64) {
                const int vectors = (d - j) >= 64 ? 8 : (d - j) / 8;
                __m512i acc[8];
                for (int v = 0; v < vectors; v++) acc[v] = _mm512_load_si512(target + j + 8 * v);
                for (int t = 0; t < per_window; t++) {
                    const __mmask8 k8 = _mm512_cmpeq_epi64_mask(_mm512_set1_epi64(t), wanted);
                    const uint64_t *entry = entries + (size_t)t * d + j;
                    for (int v = 0; v < vectors; v++) acc[v] = _mm512_mask_mov_epi64(acc[v], k8, _mm512_load_si512(entry + 8 * v));
                }
                for (int v = 0; v < vectors; v++) _mm512_store_si512(target + j + 8 * v, acc[v]);
            }
            if (i > 0) mul(c, accumulators + (size_t)k * d, accumulators + (size_t)k * d, selected);
        }
    }
    for (long k = 0; k < count; k++) leave(c, accumulators + (size_t)k * d, results + (size_t)k * n);
    wipe(scratch, (size_t)ent_ifma_scratch_words(c, OP_TABLE_POW_SECRET, count));
    return OK;
}

// ------------------------------------------------------------------------------------------------
// Values kept in Montgomery form by the caller (ElementModP): D digits, below 2m, every digit below 2^52.
// ------------------------------------------------------------------------------------------------

// value = the Montgomery form of the reduced limbs.
EXPORT int ent_ifma_to_internal(const void *context, const uint64_t *limbs, uint64_t *value)
{
    enter((const ctx_t *)context, limbs, value);
    return OK;
}

// limbs = the reduced value of an internal one.
EXPORT int ent_ifma_from_internal(const void *context, const uint64_t *value, uint64_t *limbs)
{
    const ctx_t *c = (const ctx_t *)context;
    uint64_t x[MAX_DIGITS];
    copy(c, x, value);
    leave(c, x, limbs);
    return OK;
}

// r = a·b·R⁻¹ on internal values: one product (ElementModP.Multiply; the tests also check it on values up
// to the internal bound, below 2m, directly). r may alias a or b.
EXPORT int ent_ifma_product(const void *context, const uint64_t *a, const uint64_t *b, uint64_t *r)
{
    const ctx_t *c = (const ctx_t *)context;
    mul(c, r, a, b);
    return OK;
}

// r = Π values[k] (count internal values, one after another), internal; 1 for none. For aggregation.
EXPORT int ent_ifma_product_internal(const void *context, const uint64_t *values, long count, uint64_t *r)
{
    const ctx_t *c = (const ctx_t *)context;
    if (count == 0) { copy(c, r, c->mont_one); return OK; }
    uint64_t acc[MAX_DIGITS];
    copy(c, acc, values);
    for (long k = 1; k < count; k++) mul(c, acc, acc, values + (size_t)k * c->digits);
    copy(c, r, acc);
    return OK;
}
