#include <zlib.h>

/// inflateInit2 is a macro; Swift sees this function instead.
static inline int correlate_inflate_init2(z_streamp stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
