// The system OpenSSL 3 (Debian: libssl-dev), linked, for the tests' TLS clients (lmtpd loads
// OpenSSL at run time through COpenSSLRuntime instead). Swift cannot call OpenSSL's
// function-like macros nor see its 64-bit option constants; these inline wrappers can.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <string.h>

/// SSL_OP_NO_TLSv1 ... for a protocol version constant (TLS1_VERSION ... TLS1_3_VERSION); 0 for others.
static inline uint64_t ctest_no_protocol_option(int version) {
    switch (version) {
    case TLS1_VERSION: return SSL_OP_NO_TLSv1;
    case TLS1_1_VERSION: return SSL_OP_NO_TLSv1_1;
    case TLS1_2_VERSION: return SSL_OP_NO_TLSv1_2;
    case TLS1_3_VERSION: return SSL_OP_NO_TLSv1_3;
    default: return 0;
    }
}

static inline int ctest_ctx_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

/// The text of the oldest queued OpenSSL error (then the queue is emptied); 0 when none.
static inline int ctest_take_error_text(char *buffer, size_t size) {
    unsigned long first = ERR_get_error();
    if (first == 0) {
        if (size > 0) buffer[0] = '\0';
        return 0;
    }
    ERR_error_string_n(first, buffer, size);
    ERR_clear_error();
    return 1;
}

#endif
