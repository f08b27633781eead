/*
 * tls_echo_check: drives the firmware's Mbed TLS transport adapter (over the POSIX socket
 * transport) against `openssl s_server -rev`, which answers each line reversed.
 *
 * Usage: tls_echo_check HOST PORT MESSAGE (--psk HEX IDENTITY | --ca FILE [--name NAME]
 *                       [--cert FILE --key FILE])
 * Connects through tern_transport_t.connect (TCP connect + handshake), sends MESSAGE + "\n" with
 * .send, reads the reply with .recv and prints "reply: <line>". Exit status: 0 if the reply is
 * MESSAGE reversed, 3 if connect failed (handshake refused: printed as "connect failed: -0x...."),
 * 1 for any other failure, 2 for bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_transport_mbedtls.h"
#include "tern_transport_posix.h"

static int read_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    *out = malloc((size_t)n + 1);
    if (*out == NULL || fread(*out, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    (*out)[n] = 0;
    *len = (size_t)n + 1; /* PEM: Mbed TLS wants the terminating NUL counted */
    return 0;
}

int main(int argc, char **argv)
{
    tern_posix_transport_t tcp;
    tern_transport_t lower;
    tern_transport_t tls_t;
    tern_clock_t clock;
    tern_mbedtls_transport_t tls;
    tern_mbedtls_config_t cfg;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    unsigned char psk[64];
    unsigned char *ca = NULL;
    unsigned char *cert = NULL;
    unsigned char *key = NULL;
    char line[512];
    char expected[512];
    size_t got = 0;
    size_t mlen;
    uint32_t start;
    int i;
    int rc = 1;

    if (argc < 5) {
        fprintf(stderr, "usage: tls_echo_check HOST PORT MESSAGE --psk HEX ID | --ca FILE ...\n");
        return 2;
    }
    memset(&cfg, 0, sizeof(cfg));
    for (i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--psk") == 0 && i + 2 < argc) {
            size_t n = strlen(argv[i + 1]) / 2;
            size_t k;
            for (k = 0; k < n && k < sizeof(psk); k++) {
                unsigned int b;
                if (sscanf(argv[i + 1] + 2 * k, "%2x", &b) != 1) {
                    return 2;
                }
                psk[k] = (unsigned char)b;
            }
            cfg.psk = psk;
            cfg.psk_len = k;
            cfg.psk_identity = argv[i + 2];
            i += 2;
        } else if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc) {
            if (read_file(argv[++i], &ca, &cfg.ca_chain_len) != 0) {
                return 2;
            }
            cfg.ca_chain = ca;
        } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            cfg.server_name = argv[++i];
        } else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc) {
            if (read_file(argv[++i], &cert, &cfg.client_cert_len) != 0) {
                return 2;
            }
            cfg.client_cert = cert;
        } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            if (read_file(argv[++i], &key, &cfg.client_key_len) != 0) {
                return 2;
            }
            cfg.client_key = key;
        } else {
            return 2;
        }
    }
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0) {
        return 1;
    }
    cfg.f_rng = mbedtls_ctr_drbg_random;
    cfg.p_rng = &drbg;
    cfg.handshake_timeout_ms = 5000;
    (void)tern_posix_transport_init(&tcp, &lower);
    (void)tern_posix_clock_init(&clock);
    if (tern_mbedtls_transport_init(&tls, &cfg, &lower, &clock, &tls_t) != TERN_OK) {
        fprintf(stderr, "setup failed: -0x%04x\n", (unsigned)-tls.last_error);
        goto done;
    }
    if (tls_t.connect(tls_t.ctx, argv[1], (uint16_t)atoi(argv[2])) != 0) {
        printf("connect failed: -0x%04x\n", (unsigned)-tls.last_error);
        rc = 3;
        goto done;
    }
    mlen = strlen(argv[3]);
    snprintf(line, sizeof(line), "%s\n", argv[3]);
    for (got = 0; got < mlen + 1;) {
        int32_t n = tls_t.send(tls_t.ctx, (const uint8_t *)line + got, mlen + 1 - got);
        if (n < 0) {
            fprintf(stderr, "send failed: -0x%04x\n", (unsigned)-tls.last_error);
            goto done;
        }
        got += (size_t)n;
    }
    got = 0;
    start = clock.now_ms(NULL);
    while (got < sizeof(line) - 1 && (got == 0 || line[got - 1] != '\n')) {
        int32_t n = tls_t.recv(tls_t.ctx, (uint8_t *)line + got, sizeof(line) - 1 - got);
        if (n < 0 || clock.now_ms(NULL) - start > 5000) {
            fprintf(stderr, "recv failed: -0x%04x\n", (unsigned)-tls.last_error);
            goto done;
        }
        got += (size_t)n;
    }
    line[got] = 0;
    if (got > 0 && line[got - 1] == '\n') {
        line[--got] = 0;
    }
    printf("reply: %s\n", line);
    for (i = 0; i < (int)mlen; i++) {
        expected[i] = argv[3][mlen - 1 - (size_t)i];
    }
    expected[mlen] = 0;
    rc = strcmp(line, expected) == 0 ? 0 : 1;
done:
    tern_mbedtls_transport_free(&tls);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    free(ca);
    free(cert);
    free(key);
    return rc;
}
