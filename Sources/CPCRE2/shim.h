#ifndef CORRELATE_CPCRE2_SHIM_H
#define CORRELATE_CPCRE2_SHIM_H

// pcre2.h requires the code unit width before it is included; correlate matches bytes.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

// PCRE2_ZERO_TERMINATED and PCRE2_UNSET are cast expressions, which Swift does not import.
/// The length value meaning "the pattern is NUL-terminated".
static inline PCRE2_SIZE correlate_pcre2_zero_terminated(void) { return PCRE2_ZERO_TERMINATED; }
/// The ovector value of a capture group that did not take part in the match.
static inline PCRE2_SIZE correlate_pcre2_unset(void) { return PCRE2_UNSET; }

#endif
