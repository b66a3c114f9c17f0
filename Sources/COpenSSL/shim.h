// The system OpenSSL 3 (Debian: libssl-dev), for STARTTLS. Swift cannot call OpenSSL's
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
static inline uint64_t cdl_no_protocol_option(int version) {
    switch (version) {
    case TLS1_VERSION: return SSL_OP_NO_TLSv1;
    case TLS1_1_VERSION: return SSL_OP_NO_TLSv1_1;
    case TLS1_2_VERSION: return SSL_OP_NO_TLSv1_2;
    case TLS1_3_VERSION: return SSL_OP_NO_TLSv1_3;
    default: return 0;
    }
}

/// The options every server context gets: OpenSSL's bug workarounds, no SSLv3, no compression,
/// no client-initiated renegotiation, and a peer's close without close_notify read as an end of
/// stream (LMTP marks its own ends, so a truncation cannot cut a message short unnoticed).
static inline uint64_t cdl_base_server_options(void) {
    return SSL_OP_ALL | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
        | SSL_OP_IGNORE_UNEXPECTED_EOF;
}

static inline uint64_t cdl_option_cipher_server_preference(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t cdl_option_no_ticket(void) { return SSL_OP_NO_TICKET; }

/// Lets SSL_write be retried with a moved buffer of the same bytes.
static inline void cdl_ctx_set_write_mode(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// Turns OpenSSL's session cache off (a process keeps no sessions between connections).
static inline void cdl_ctx_disable_session_cache(SSL_CTX *ctx) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

static inline int cdl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int cdl_ctx_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline void cdl_ctx_set_dh_auto(SSL_CTX *ctx) {
    SSL_CTX_set_dh_auto(ctx, 1);
}

/// Client certificates: 0 = not asked, 1 = asked for (verified if sent), 2 = required.
static inline void cdl_ctx_set_client_verify(SSL_CTX *ctx, int level, int depth) {
    int mode = SSL_VERIFY_NONE;
    if (level >= 1) mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
    if (level >= 2) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, NULL);
    SSL_CTX_set_verify_depth(ctx, depth);
}

/// The text of the oldest queued OpenSSL error (then the queue is emptied); 0 when none.
static inline int cdl_take_error_text(char *buffer, size_t size) {
    unsigned long first = ERR_get_error();
    if (first == 0) {
        if (size > 0) buffer[0] = '\0';
        return 0;
    }
    ERR_error_string_n(first, buffer, size);
    ERR_clear_error();
    return 1;
}

/// The current cipher's name, used and algorithm bits (name NULL before the handshake).
static inline const char *cdl_cipher_info(const SSL *ssl, int *usebits, int *algbits) {
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    if (cipher == NULL) {
        *usebits = 0;
        *algbits = 0;
        return NULL;
    }
    *usebits = SSL_CIPHER_get_bits(cipher, algbits);
    return SSL_CIPHER_get_name(cipher);
}

#endif
