/* Helpers for the fuzz targets: read every byte a parser hands out, so the sanitizer sees any
 * pointer or length that runs past the input. */
#ifndef TERN_FUZZ_UTIL_H
#define TERN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

static volatile uint8_t fuzz_sink;

static inline void touch(const void *p, size_t n)
{
    const volatile uint8_t *b = (const volatile uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        fuzz_sink ^= b[i];
    }
}

/* A fresh heap copy of exactly n bytes: reads past it are heap overflows, not silent. */
#include <stdlib.h>
#include <string.h>
static inline uint8_t *exact_copy(const uint8_t *data, size_t n)
{
    uint8_t *copy = (uint8_t *)malloc(n == 0 ? 1 : n);
    if (n != 0) {
        memcpy(copy, data, n);
    }
    return copy;
}

#endif
