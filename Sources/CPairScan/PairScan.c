#include "CPairScan.h"

#include <stdatomic.h>

// Vectorised on x86-64 Linux, where the compiler's runtime answers __builtin_cpu_supports.
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CORRELATE_PAIR_SCAN_X86 1
#endif

int correlate_pair_scan_available(void) {
#ifdef CORRELATE_PAIR_SCAN_X86
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

/// The test for one position, with the tables read one byte at a time (the tail of a range).
static inline int candidate(const uint8_t *masks, uint8_t first, uint8_t second) {
    for (int half = 0; half < 2; half++) {
        const uint8_t *m = masks + 64 * half;
        if (m[first & 15] & m[16 + (first >> 4)] & m[32 + (second & 15)] & m[48 + (second >> 4)]) return 1;
    }
    return 0;
}

#ifdef CORRELATE_PAIR_SCAN_X86
__attribute__((target("avx2")))
static size_t scan_avx2(const uint8_t *text, size_t from, size_t end, const uint8_t *masks,
                        uint32_t *out, size_t capacity, size_t *resume) {
    __m256i table[8];
    for (int k = 0; k < 8; k++) {
        table[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(masks + 16 * k)));
    }
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    size_t count = 0;
    size_t i = from;
    // Each block reads text[i ..< i + 33): i + 32 <= end keeps that inside the text. A block
    // may find 32 candidates: with less room the positions are tested one at a time below.
    while (i + 32 <= end && capacity - count >= 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(text + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(text + i + 1));
        __m256i xl = _mm256_and_si256(x, nibble), xh = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
        __m256i yl = _mm256_and_si256(y, nibble), yh = _mm256_and_si256(_mm256_srli_epi16(y, 4), nibble);
        __m256i a = _mm256_and_si256(
            _mm256_and_si256(_mm256_shuffle_epi8(table[0], xl), _mm256_shuffle_epi8(table[1], xh)),
            _mm256_and_si256(_mm256_shuffle_epi8(table[2], yl), _mm256_shuffle_epi8(table[3], yh)));
        __m256i b = _mm256_and_si256(
            _mm256_and_si256(_mm256_shuffle_epi8(table[4], xl), _mm256_shuffle_epi8(table[5], xh)),
            _mm256_and_si256(_mm256_shuffle_epi8(table[6], yl), _mm256_shuffle_epi8(table[7], yh)));
        uint32_t mask = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_or_si256(a, b), zero));
        while (mask) {
            out[count++] = (uint32_t)(i + (size_t)__builtin_ctz(mask));
            mask &= mask - 1;
        }
        i += 32;
    }
    if (i + 32 > end || count == 0) {
        for (; i < end && count < capacity; i++) {
            if (candidate(masks, text[i], text[i + 1])) out[count++] = (uint32_t)i;
        }
    }
    *resume = i;
    return count;
}
#endif

size_t correlate_pair_scan(const uint8_t *text, size_t from, size_t end, const uint8_t *masks,
                           uint32_t *out, size_t capacity, size_t *resume) {
#ifdef CORRELATE_PAIR_SCAN_X86
    // Asked once (threads racing here only ask again).
    static _Atomic int avx2 = -1;
    int known = atomic_load_explicit(&avx2, memory_order_relaxed);
    if (known < 0) {
        known = correlate_pair_scan_available();
        atomic_store_explicit(&avx2, known, memory_order_relaxed);
    }
    if (known) return scan_avx2(text, from, end, masks, out, capacity, resume);
#endif
    size_t count = 0;
    size_t i = from;
    for (; i < end && count < capacity; i++) {
        if (candidate(masks, text[i], text[i + 1])) out[count++] = (uint32_t)i;
    }
    *resume = i;
    return count;
}
