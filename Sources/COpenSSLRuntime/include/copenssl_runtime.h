#ifndef COPENSSL_RUNTIME_H
#define COPENSSL_RUNTIME_H

/* OpenSSL 3 (libssl.so.3, libcrypto.so.3) loaded only when a process first needs TLS (dlopen
   in cdl_load): lmtpd links neither, so a process without the tls_* options never maps them
   (about 1.7 MB of resident memory and 0.45 MB private per process, and their relocations at
   every start; docs/BENCHMARKS.md). The types and constants come from OpenSSL's headers
   (Debian: libssl-dev, needed to build); the functions are cdl_<OpenSSL name>, to be called only
   after cdl_load() succeeded. Depends on libc and OpenSSL's headers only. */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stddef.h>
#include <stdint.h>

/* Every OpenSSL function used: F(library, return type, name, parameters, arguments) for those
   that return a value, V(...) for void ones. */
#define COPENSSL_RUNTIME_FUNCTIONS(F, V) \
    F(ssl, const SSL_METHOD *, TLS_server_method, (void), ()) \
    F(ssl, SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *method), (method)) \
    V(ssl, SSL_CTX_free, (SSL_CTX *ctx), (ctx)) \
    F(ssl, uint64_t, SSL_CTX_set_options, (SSL_CTX *ctx, uint64_t options), (ctx, options)) \
    F(ssl, long, SSL_CTX_ctrl, (SSL_CTX *ctx, int cmd, long larg, void *parg), (ctx, cmd, larg, parg)) \
    F(ssl, int, SSL_CTX_set_cipher_list, (SSL_CTX *ctx, const char *list), (ctx, list)) \
    F(ssl, int, SSL_CTX_use_certificate_chain_file, (SSL_CTX *ctx, const char *file), (ctx, file)) \
    F(ssl, int, SSL_CTX_use_PrivateKey_file, (SSL_CTX *ctx, const char *file, int type), (ctx, file, type)) \
    F(ssl, int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx)) \
    F(ssl, int, SSL_CTX_load_verify_locations, (SSL_CTX *ctx, const char *file, const char *path), (ctx, file, path)) \
    F(ssl, STACK_OF(X509_NAME) *, SSL_load_client_CA_file, (const char *file), (file)) \
    V(ssl, SSL_CTX_set_client_CA_list, (SSL_CTX *ctx, STACK_OF(X509_NAME) *names), (ctx, names)) \
    V(ssl, SSL_CTX_set_verify, (SSL_CTX *ctx, int mode, SSL_verify_cb callback), (ctx, mode, callback)) \
    V(ssl, SSL_CTX_set_verify_depth, (SSL_CTX *ctx, int depth), (ctx, depth)) \
    F(ssl, long, SSL_CTX_set_timeout, (SSL_CTX *ctx, long seconds), (ctx, seconds)) \
    F(ssl, int, SSL_CTX_set_session_id_context, (SSL_CTX *ctx, const unsigned char *context, unsigned int length), (ctx, context, length)) \
    F(ssl, SSL *, SSL_new, (SSL_CTX *ctx), (ctx)) \
    F(ssl, int, SSL_set_rfd, (SSL *ssl, int fd), (ssl, fd)) \
    F(ssl, int, SSL_set_wfd, (SSL *ssl, int fd), (ssl, fd)) \
    V(ssl, SSL_set_accept_state, (SSL *ssl), (ssl)) \
    V(ssl, SSL_free, (SSL *ssl), (ssl)) \
    F(ssl, int, SSL_do_handshake, (SSL *ssl), (ssl)) \
    F(ssl, int, SSL_read, (SSL *ssl, void *buffer, int size), (ssl, buffer, size)) \
    F(ssl, int, SSL_write, (SSL *ssl, const void *bytes, int count), (ssl, bytes, count)) \
    F(ssl, int, SSL_pending, (const SSL *ssl), (ssl)) \
    F(ssl, int, SSL_has_pending, (const SSL *ssl), (ssl)) \
    F(ssl, int, SSL_shutdown, (SSL *ssl), (ssl)) \
    F(ssl, int, SSL_get_error, (const SSL *ssl, int result), (ssl, result)) \
    F(ssl, const char *, SSL_get_version, (const SSL *ssl), (ssl)) \
    F(ssl, int, SSL_session_reused, (const SSL *ssl), (ssl)) \
    F(ssl, X509 *, SSL_get1_peer_certificate, (const SSL *ssl), (ssl)) \
    F(ssl, long, SSL_get_verify_result, (const SSL *ssl), (ssl)) \
    F(ssl, const SSL_CIPHER *, SSL_get_current_cipher, (const SSL *ssl), (ssl)) \
    F(ssl, int, SSL_CIPHER_get_bits, (const SSL_CIPHER *cipher, int *algorithmBits), (cipher, algorithmBits)) \
    F(ssl, const char *, SSL_CIPHER_get_name, (const SSL_CIPHER *cipher), (cipher)) \
    V(crypto, X509_free, (X509 *certificate), (certificate)) \
    F(crypto, X509_NAME *, X509_get_subject_name, (const X509 *certificate), (certificate)) \
    F(crypto, int, X509_NAME_get_text_by_NID, (const X509_NAME *name, int nid, char *buffer, int size), (name, nid, buffer, size)) \
    F(crypto, unsigned long, ERR_get_error, (void), ()) \
    V(crypto, ERR_error_string_n, (unsigned long code, char *buffer, size_t size), (code, buffer, size)) \
    V(crypto, ERR_clear_error, (void), ())

#define COPENSSL_RUNTIME_DECLARE(library, type, name, parameters, arguments) type cdl_##name parameters;
#define COPENSSL_RUNTIME_DECLARE_VOID(library, name, parameters, arguments) void cdl_##name parameters;
COPENSSL_RUNTIME_FUNCTIONS(COPENSSL_RUNTIME_DECLARE, COPENSSL_RUNTIME_DECLARE_VOID)

/* Loads libssl and libcrypto and resolves every function above (once; later calls return the
   first answer). 0 on success; otherwise -1 with the reason in `error` (at most `size` bytes,
   NUL-terminated). */
int cdl_load(char *error, int size);

/* SSL_OP_NO_TLSv1 ... for a protocol version constant (TLS1_VERSION ... TLS1_3_VERSION); 0 for others. */
static inline uint64_t cdl_no_protocol_option(int version) {
    switch (version) {
    case TLS1_VERSION: return SSL_OP_NO_TLSv1;
    case TLS1_1_VERSION: return SSL_OP_NO_TLSv1_1;
    case TLS1_2_VERSION: return SSL_OP_NO_TLSv1_2;
    case TLS1_3_VERSION: return SSL_OP_NO_TLSv1_3;
    default: return 0;
    }
}

/* The options every server context gets: OpenSSL's bug workarounds, no SSLv3, no compression,
   no client-initiated renegotiation, and a peer's close without close_notify read as an end of
   stream (LMTP marks its own ends, so a truncation cannot cut a message short unnoticed). */
static inline uint64_t cdl_base_server_options(void) {
    return SSL_OP_ALL | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
        | SSL_OP_IGNORE_UNEXPECTED_EOF;
}

static inline uint64_t cdl_option_cipher_server_preference(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t cdl_option_no_ticket(void) { return SSL_OP_NO_TICKET; }

/* OpenSSL's function-like macros, through the loaded SSL_CTX_ctrl. */
/* Lets SSL_write be retried with a moved buffer of the same bytes. */
void cdl_ctx_set_write_mode(SSL_CTX *ctx);
/* Turns OpenSSL's session cache off (a process keeps no sessions between connections). */
void cdl_ctx_disable_session_cache(SSL_CTX *ctx);
int cdl_ctx_set_min_proto_version(SSL_CTX *ctx, int version);
int cdl_ctx_set_max_proto_version(SSL_CTX *ctx, int version);
void cdl_ctx_set_dh_auto(SSL_CTX *ctx);
/* Client certificates: 0 = not asked, 1 = asked for (verified if sent), 2 = required. */
void cdl_ctx_set_client_verify(SSL_CTX *ctx, int level, int depth);
/* The text of the oldest queued OpenSSL error (then the queue is emptied); 0 when none. */
int cdl_take_error_text(char *buffer, size_t size);
/* The current cipher's name, used and algorithm bits (name NULL before the handshake). */
const char *cdl_cipher_info(const SSL *ssl, int *usebits, int *algbits);

#endif
