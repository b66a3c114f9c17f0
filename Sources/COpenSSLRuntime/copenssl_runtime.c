#include "copenssl_runtime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* One pointer per function, resolved by load_libraries. */
#define POINTER(library, type, name, parameters, arguments) static type (*p_##name) parameters;
#define POINTER_VOID(library, name, parameters, arguments) static void (*p_##name) parameters;
COPENSSL_RUNTIME_FUNCTIONS(POINTER, POINTER_VOID)

static int load_result = -1;
static char load_error[256] = "OpenSSL not loaded";
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void *open_library(const char *name) {
    void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) snprintf(load_error, sizeof load_error, "cannot load %s: %s", name, dlerror());
    return handle;
}

static void load_libraries(void) {
    /* libcrypto first: libssl needs it, and its functions are looked up in it. */
    void *crypto = open_library("libcrypto.so.3");
    if (crypto == NULL) return;
    void *ssl = open_library("libssl.so.3");
    if (ssl == NULL) return;
#define RESOLVE(library, name) \
    if ((*(void **)&p_##name = dlsym(library, #name)) == NULL) { \
        snprintf(load_error, sizeof load_error, "lib%s.so.3 has no %s", #library, #name); \
        return; \
    }
#define RESOLVE_VALUE(library, type, name, parameters, arguments) RESOLVE(library, name)
#define RESOLVE_VOID(library, name, parameters, arguments) RESOLVE(library, name)
    COPENSSL_RUNTIME_FUNCTIONS(RESOLVE_VALUE, RESOLVE_VOID)
    load_result = 0;
}

int cdl_load(char *error, int size) {
    pthread_once(&load_once, load_libraries);
    if (load_result != 0 && error != NULL && size > 0) snprintf(error, (size_t)size, "%s", load_error);
    return load_result;
}

/* The wrappers: each calls through its pointer (cdl_load must have succeeded). */
#define WRAP(library, type, name, parameters, arguments) type cdl_##name parameters { return p_##name arguments; }
#define WRAP_VOID(library, name, parameters, arguments) void cdl_##name parameters { p_##name arguments; }
COPENSSL_RUNTIME_FUNCTIONS(WRAP, WRAP_VOID)

/* OpenSSL's macros below expand to SSL_CTX_ctrl: the loaded one. */
#define SSL_CTX_ctrl p_SSL_CTX_ctrl

void cdl_ctx_set_write_mode(SSL_CTX *ctx) { SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER); }

void cdl_ctx_disable_session_cache(SSL_CTX *ctx) { SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); }

int cdl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_min_proto_version(ctx, version); }

int cdl_ctx_set_max_proto_version(SSL_CTX *ctx, int version) { return (int)SSL_CTX_set_max_proto_version(ctx, version); }

void cdl_ctx_set_dh_auto(SSL_CTX *ctx) { SSL_CTX_set_dh_auto(ctx, 1); }

void cdl_ctx_set_client_verify(SSL_CTX *ctx, int level, int depth) {
    int mode = SSL_VERIFY_NONE;
    if (level >= 1) mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
    if (level >= 2) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    p_SSL_CTX_set_verify(ctx, mode, NULL);
    p_SSL_CTX_set_verify_depth(ctx, depth);
}

int cdl_take_error_text(char *buffer, size_t size) {
    if (load_result != 0) {
        if (size > 0) buffer[0] = '\0';
        return 0;
    }
    unsigned long first = p_ERR_get_error();
    if (first == 0) {
        if (size > 0) buffer[0] = '\0';
        return 0;
    }
    p_ERR_error_string_n(first, buffer, size);
    p_ERR_clear_error();
    return 1;
}

const char *cdl_cipher_info(const SSL *ssl, int *usebits, int *algbits) {
    const SSL_CIPHER *cipher = p_SSL_get_current_cipher(ssl);
    if (cipher == NULL) {
        *usebits = 0;
        *algbits = 0;
        return NULL;
    }
    *usebits = p_SSL_CIPHER_get_bits(cipher, algbits);
    return p_SSL_CIPHER_get_name(cipher);
}
