#ifndef CORRELATE_BYTE_SCAN_H
#define CORRELATE_BYTE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// The index of the first quote (0x22) or backslash (0x5C) in `text[from ..< count]`, or
/// `count` when there is none: where a JSON string's content (RFC 8259, section 7) ends or has
/// its next escape.
///
/// Sixteen bytes at a time with SSE2 (every x86-64 processor has it); then eight at a time in a
/// 64-bit word (a byte equal to either becomes zero; the lowest flagged byte is exact) on
/// little-endian processors; then byte by byte. Reads nothing past `text[count - 1]`. Inline:
/// most strings of a log line are short, where a call per string would cost more than its scan.
static inline size_t correlate_quote_or_backslash(const uint8_t *text, size_t from, size_t count) {
    size_t i = from;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8(0x22);
    const __m128i backslash = _mm_set1_epi8(0x5C);
    while (i + 16 <= count) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
        if (mask != 0) return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= count) {
        uint64_t word;
        memcpy(&word, text + i, 8);
        uint64_t quotes = word ^ 0x2222222222222222ULL;
        uint64_t backslashes = word ^ 0x5C5C5C5C5C5C5C5CULL;
        uint64_t flagged = (((quotes - 0x0101010101010101ULL) & ~quotes) | ((backslashes - 0x0101010101010101ULL) & ~backslashes))
                           & 0x8080808080808080ULL;
        if (flagged != 0) return i + (size_t)(__builtin_ctzll(flagged) >> 3);
        i += 8;
    }
#endif
    while (i < count && text[i] != 0x22 && text[i] != 0x5C) i++;
    return i;
}

/// The index of the first byte in `text[from ..< count]` that a JSON string cannot hold as it
/// is — a control character (below 0x20), a quote or a backslash — or that starts a sequence
/// past ASCII (0x80 and above, to be checked as UTF-8); `count` when there is none.
///
/// Sixteen bytes at a time with SSE2 (a signed comparison with 0x20 finds both the controls and
/// the bytes past ASCII), then byte by byte. Reads nothing past `text[count - 1]`.
static inline size_t correlate_json_plain_run(const uint8_t *text, size_t from, size_t count) {
    size_t i = from;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8(0x22);
    const __m128i backslash = _mm_set1_epi8(0x5C);
    while (i + 16 <= count) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        __m128i special = _mm_or_si128(_mm_cmplt_epi8(x, space), _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask != 0) return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < count) {
        uint8_t byte = text[i];
        if (byte < 0x20 || byte == 0x22 || byte == 0x5C || byte >= 0x80) break;
        i++;
    }
    return i;
}

#endif
