/*
 * tern_transport_posix.c - BSD sockets transport and POSIX clock (see tern_transport_posix.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "tern_transport_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSDs: SO_NOSIGPIPE would be needed instead */
#endif

/* Graceful close: send FIN, then read until the peer closes too (bounded by close_wait_ms), so
 * requests already written are read by the broker before the socket goes away. This matters for
 * acks=0, where no response tells the session that a request arrived; a plain close() could
 * also turn into a reset (and lose them) when unread bytes are pending. */
static void posix_close(void *ctx)
{
    tern_posix_transport_t *t = (tern_posix_transport_t *)ctx;
    uint8_t sink[256];
    int waited = 0;
    if (t->fd < 0) {
        return;
    }
    if (shutdown(t->fd, SHUT_WR) == 0) {
        while (waited < (int)t->close_wait_ms) {
            struct pollfd pfd;
            pfd.fd = t->fd;
            pfd.events = POLLIN;
            pfd.revents = 0;
            if (poll(&pfd, 1, 10) < 0 && errno != EINTR) {
                break;
            }
            waited += 10;
            if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
                recv(t->fd, sink, sizeof(sink), 0) <= 0) {
                break; /* EOF or error: the peer is done */
            }
        }
    }
    (void)close(t->fd);
    t->fd = -1;
}

/* Non-blocking connect bounded by timeout_ms; returns the socket or -1. */
static int connect_one(const struct addrinfo *ai, uint32_t timeout_ms)
{
    int one = 1;
    int err = 0;
    socklen_t len = sizeof(err);
    struct pollfd pfd;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        return -1;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK) != 0) {
        (void)close(fd);
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            (void)close(fd);
            return -1;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        if (poll(&pfd, 1, (int)timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            (void)close(fd);
            return -1;
        }
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int32_t posix_connect(void *ctx, const char *host, uint16_t port)
{
    tern_posix_transport_t *t = (tern_posix_transport_t *)ctx;
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    char service[8];
    posix_close(t);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    (void)snprintf(service, sizeof(service), "%u", (unsigned)port);
    if (getaddrinfo(host, service, &hints, &res) != 0) {
        return -1;
    }
    for (ai = res; ai != NULL && t->fd < 0; ai = ai->ai_next) {
        t->fd = connect_one(ai, t->connect_timeout_ms);
    }
    freeaddrinfo(res);
    return t->fd >= 0 ? 0 : -1;
}

static int32_t posix_send(void *ctx, const uint8_t *data, size_t len)
{
    tern_posix_transport_t *t = (tern_posix_transport_t *)ctx;
    ssize_t n;
    if (t->fd < 0) {
        return -1;
    }
    if (len > 0x7FFFFFFFu) {
        len = 0x7FFFFFFFu;
    }
    n = send(t->fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            struct pollfd pfd;
            pfd.fd = t->fd;
            pfd.events = POLLOUT;
            pfd.revents = 0;
            (void)poll(&pfd, 1, (int)t->recv_wait_ms);
            return 0;
        }
        return -1;
    }
    return (int32_t)n;
}

static int32_t posix_recv(void *ctx, uint8_t *buf, size_t len)
{
    tern_posix_transport_t *t = (tern_posix_transport_t *)ctx;
    struct pollfd pfd;
    ssize_t n;
    int ready;
    if (t->fd < 0) {
        return -1;
    }
    pfd.fd = t->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    ready = poll(&pfd, 1, (int)t->recv_wait_ms);
    if (ready == 0 || (ready < 0 && errno == EINTR)) {
        return 0;
    }
    if (ready < 0) {
        return -1;
    }
    if (len > 0x7FFFFFFFu) {
        len = 0x7FFFFFFFu;
    }
    n = recv(t->fd, buf, len, 0);
    if (n < 0) {
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    }
    return n == 0 ? -1 : (int32_t)n; /* 0 bytes after POLLIN: the peer closed */
}

tern_status_t tern_posix_transport_init(tern_posix_transport_t *ctx, tern_transport_t *transport)
{
    if (ctx == NULL || transport == NULL) {
        return TERN_BAD_PARAMETER;
    }
    ctx->fd = -1;
    ctx->connect_timeout_ms = 5000;
    ctx->recv_wait_ms = 20;
    ctx->close_wait_ms = 200;
    transport->connect = posix_connect;
    transport->send = posix_send;
    transport->recv = posix_recv;
    transport->close = posix_close;
    transport->ctx = ctx;
    return TERN_OK;
}

static uint32_t posix_now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void posix_sleep_ms(void *ctx, uint32_t ms)
{
    struct timespec ts;
    (void)ctx;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

tern_status_t tern_posix_clock_init(tern_clock_t *clock)
{
    if (clock == NULL) {
        return TERN_BAD_PARAMETER;
    }
    clock->now_ms = posix_now_ms;
    clock->sleep_ms = posix_sleep_ms;
    clock->ctx = NULL;
    return TERN_OK;
}

int64_t tern_posix_wall_clock_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000L);
}
