/*
 * tern_config_posix.h - firmware library configuration for hosted builds (Linux sensors, the
 * posix example, the test suite). Selected by TERN_FW_CONFIG_FILE (the default for non-cross
 * builds). Board glue: it may use the C library, the firmware sources never do.
 *
 * Logging goes to stderr when the environment variable TERN_LOG is 1 (errors) .. 4 (debug).
 * Assertions abort with file and line.
 */
#ifndef TERN_CONFIG_POSIX_H
#define TERN_CONFIG_POSIX_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define TERN_TOPICS_MAX 4
#define TERN_PARTITIONS_MAX 64
#define TERN_BROKERS_MAX 8
#define TERN_BOOTSTRAP_MAX 8
#define TERN_HOST_LEN_MAX 64
#define TERN_CRC32C_TABLE 256
#define TERN_STATUS_STRINGS 1

static inline int tern_posix_log_level(void)
{
    const char *s = getenv("TERN_LOG");
    return s != NULL ? atoi(s) : 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void
tern_posix_logf(const char *level, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "[%s] ", level);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* message is a parenthesised argument list: ("format", args...). */
#define TERN_POSIX_LOG_ARGS(...) __VA_ARGS__
#define TERN_POSIX_LOG(n, name, message)                        \
    do {                                                        \
        if (tern_posix_log_level() >= (n)) {                    \
            tern_posix_logf(name, TERN_POSIX_LOG_ARGS message); \
        }                                                       \
    } while (0)
#define TERN_LOG_ERROR(message) TERN_POSIX_LOG(1, "error", message)
#define TERN_LOG_WARN(message) TERN_POSIX_LOG(2, "warn", message)
#define TERN_LOG_INFO(message) TERN_POSIX_LOG(3, "info", message)
#define TERN_LOG_DEBUG(message) TERN_POSIX_LOG(4, "debug", message)

static inline void tern_posix_assert_failed(const char *expr, const char *file, int line)
{
    fprintf(stderr, "tern: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
#define TERN_ASSERT(condition) \
    ((condition) ? (void)0 : tern_posix_assert_failed(#condition, __FILE__, __LINE__))

#endif /* TERN_CONFIG_POSIX_H */
