#ifndef CORRELATE_PAIR_SCAN_H
#define CORRELATE_PAIR_SCAN_H

#include <stddef.h>
#include <stdint.h>

/// The vectorised first stage of correlate's literal prefilter (LiteralPrefilter.swift).
///
/// Finds the positions of a text whose pair of bytes may key a literal, 32 positions at a time
/// with AVX2, in the manner of the "Teddy" algorithm of Intel's Hyperscan: the key pairs are
/// put into 16 buckets, and each bucket is described by four 16-byte tables — the low and the
/// high nibble of the pair's first byte, and of its second — whose entries have the bucket's
/// bit set (buckets 0–7 in the first 64 bytes of `masks`, 8–15 in the next 64). A position is
/// a candidate when some bucket has its bit in all four entries its two bytes select. That is a
/// superset of the key pairs (the nibbles of different pairs of a bucket combine); the caller
/// checks each candidate against the exact pairs.

/// Whether this processor runs `correlate_pair_scan` vectorised (x86-64 Linux with AVX2);
/// elsewhere it tests one position at a time with the same tables, and callers scan without it.
int correlate_pair_scan_available(void);

/// Writes into `out` (up to `capacity` entries) the candidate positions i, in increasing
/// order, of `text[from ..< end]`, reading `text[i + 1]` for each: `end` must be at most the
/// text's length minus one. Returns how many it wrote, and sets `*resume` to where a next call
/// goes on (`end` when the range is done; past `from` whenever `capacity` is at least 1: with
/// less room than a block's 32 positions it tests one position at a time). `masks`: 128
/// bytes as described above.
size_t correlate_pair_scan(const uint8_t *text, size_t from, size_t end, const uint8_t *masks,
                           uint32_t *out, size_t capacity, size_t *resume);

#endif
