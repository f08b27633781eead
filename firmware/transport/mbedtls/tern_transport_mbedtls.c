/*
 * tern_transport_mbedtls.c - TLS adapter over a tern transport (see tern_transport_mbedtls.h).
 */
#include "tern_transport_mbedtls.h"

#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

/* PSK-only suites, AEAD first; CCM-8 for MCUs with only an AES block accelerator. */
static const int psk_suites[] = {
    MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_PSK_WITH_AES_128_CCM,        MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8,
    MBEDTLS_TLS_PSK_WITH_AES_128_CBC_SHA256, 0};

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    tern_mbedtls_transport_t *t = (tern_mbedtls_transport_t *)ctx;
    int32_t n = t->lower.send(t->lower.ctx, buf, len);
    if (n < 0) {
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    tern_mbedtls_transport_t *t = (tern_mbedtls_transport_t *)ctx;
    int32_t n = t->lower.recv(t->lower.ctx, buf, len);
    if (n < 0) {
        return MBEDTLS_ERR_NET_CONN_RESET;
    }
    return n == 0 ? MBEDTLS_ERR_SSL_WANT_READ : (int)n;
}

static void tls_close(void *ctx)
{
    tern_mbedtls_transport_t *t = (tern_mbedtls_transport_t *)ctx;
    if (t->open) {
        (void)mbedtls_ssl_close_notify(&t->ssl); /* best effort */
        t->open = false;
    }
    if (t->lower.close != NULL) {
        t->lower.close(t->lower.ctx);
    }
}

static int32_t tls_connect(void *ctx, const char *host, uint16_t port)
{
    tern_mbedtls_transport_t *t = (tern_mbedtls_transport_t *)ctx;
    uint32_t start;
    int ret;
    tls_close(t);
    if (t->lower.connect(t->lower.ctx, host, port) != 0) {
        return -1;
    }
    ret = mbedtls_ssl_session_reset(&t->ssl);
    if (ret == 0 && t->certificates) {
        ret = mbedtls_ssl_set_hostname(&t->ssl, t->server_name != NULL ? t->server_name : host);
    }
    start = t->clock.now_ms(t->clock.ctx);
    while (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        ret = mbedtls_ssl_handshake(&t->ssl);
        if (ret == 0) {
            t->open = true;
            t->last_error = 0;
            return 0;
        }
        if (t->clock.now_ms(t->clock.ctx) - start >= t->handshake_timeout_ms) {
            ret = MBEDTLS_ERR_SSL_TIMEOUT;
        }
    }
    t->last_error = ret;
    if (t->lower.close != NULL) {
        t->lower.close(t->lower.ctx);
    }
    return -1;
}

static int32_t tls_send(void *ctx, const uint8_t *data, size_t len)
{
    tern_mbedtls_transport_t *t = (tern_mbedtls_transport_t *)ctx;
    int ret;
    if (!t->open) {
        return -1;
    }
    ret = mbedtls_ssl_write(&t->ssl, data, len);
    if (ret >= 0) {
        return (int32_t)ret;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 0;
    }
    t->last_error = ret;
    return -1;
}

static int32_t tls_recv(void *ctx, uint8_t *buf, size_t len)
{
    tern_mbedtls_transport_t *t = (tern_mbedtls_transport_t *)ctx;
    int ret;
    if (!t->open) {
        return -1;
    }
    ret = mbedtls_ssl_read(&t->ssl, buf, len);
    if (ret > 0) {
        return (int32_t)ret;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 0;
    }
    t->last_error = ret == 0 ? MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY : ret;
    return -1; /* 0 or close-notify: the peer closed the connection */
}

static int setup(tern_mbedtls_transport_t *t, const tern_mbedtls_config_t *c)
{
    int ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        return ret;
    }
    mbedtls_ssl_conf_rng(&t->conf, c->f_rng, c->p_rng);
    if (c->psk != NULL) {
        ret = mbedtls_ssl_conf_psk(&t->conf, c->psk, c->psk_len,
                                   (const unsigned char *)c->psk_identity, strlen(c->psk_identity));
        if (ret != 0) {
            return ret;
        }
    }
    if (c->ca_chain != NULL) {
        ret = mbedtls_x509_crt_parse(&t->ca, c->ca_chain, c->ca_chain_len);
        if (ret != 0) {
            return ret;
        }
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        if (c->client_cert != NULL) {
            ret = mbedtls_x509_crt_parse(&t->cert, c->client_cert, c->client_cert_len);
#if MBEDTLS_VERSION_MAJOR >= 3
            if (ret == 0) {
                ret = mbedtls_pk_parse_key(&t->key, c->client_key, c->client_key_len, NULL, 0,
                                           c->f_rng, c->p_rng);
            }
#else
            if (ret == 0) {
                ret = mbedtls_pk_parse_key(&t->key, c->client_key, c->client_key_len, NULL, 0);
            }
#endif
            if (ret == 0) {
                ret = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key);
            }
            if (ret != 0) {
                return ret;
            }
        }
    } else {
        mbedtls_ssl_conf_ciphersuites(&t->conf, psk_suites);
    }
    ret = mbedtls_ssl_setup(&t->ssl, &t->conf);
    if (ret == 0) {
        mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    }
    return ret;
}

tern_status_t tern_mbedtls_transport_init(tern_mbedtls_transport_t *tls,
                                          const tern_mbedtls_config_t *config,
                                          const tern_transport_t *lower, const tern_clock_t *clock,
                                          tern_transport_t *transport)
{
    if (tls == NULL) {
        return TERN_BAD_PARAMETER;
    }
    memset(tls, 0, sizeof(*tls));
    mbedtls_ssl_init(&tls->ssl);
    mbedtls_ssl_config_init(&tls->conf);
    mbedtls_x509_crt_init(&tls->ca);
    mbedtls_x509_crt_init(&tls->cert);
    mbedtls_pk_init(&tls->key);
    if (config == NULL || lower == NULL || clock == NULL || transport == NULL ||
        config->f_rng == NULL || clock->now_ms == NULL || lower->connect == NULL ||
        lower->send == NULL || lower->recv == NULL ||
        (config->psk == NULL && config->ca_chain == NULL) ||
        (config->psk != NULL && config->psk_identity == NULL) ||
        (config->client_cert != NULL && config->client_key == NULL)) {
        return TERN_BAD_PARAMETER;
    }
    tls->lower = *lower;
    tls->clock = *clock;
    tls->server_name = config->server_name;
    tls->certificates = config->ca_chain != NULL;
    tls->handshake_timeout_ms =
        config->handshake_timeout_ms != 0u ? config->handshake_timeout_ms : 10000u;
    tls->last_error = setup(tls, config);
    if (tls->last_error != 0) {
        return TERN_BAD_PARAMETER;
    }
    transport->connect = tls_connect;
    transport->send = tls_send;
    transport->recv = tls_recv;
    transport->close = tls_close;
    transport->ctx = tls;
    return TERN_OK;
}

void tern_mbedtls_transport_free(tern_mbedtls_transport_t *tls)
{
    if (tls == NULL) {
        return;
    }
    tls_close(tls);
    mbedtls_pk_free(&tls->key);
    mbedtls_x509_crt_free(&tls->cert);
    mbedtls_x509_crt_free(&tls->ca);
    mbedtls_ssl_config_free(&tls->conf);
    mbedtls_ssl_free(&tls->ssl);
}
