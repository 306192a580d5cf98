// TLS for the fake apiserver: certificate generation with libcrypto and a TLS server with libssl, behind small
// functions with fixed types, so that Swift code never touches OpenSSL's macros, variadic functions or constants.
// Functions return 1 (or a non-NULL pointer) on success and 0 (or NULL) on failure, leaving the reason on
// OpenSSL's error queue (read it with nth_tls_take_errors) or in errno for the socket helpers.
#ifndef NTH_COPENSSLTLS_SHIM_H
#define NTH_COPENSSLTLS_SHIM_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// MARK: - Errors

/// Drains OpenSSL's error queue (of this thread) into `buffer` as "; "-separated ERR_error_string_n texts, always
/// NUL-terminated. Returns the number of errors read.
static inline int nth_tls_take_errors(char *buffer, size_t capacity) {
    int count = 0;
    size_t used = 0;
    unsigned long code;
    if (capacity == 0) {
        return 0;
    }
    buffer[0] = 0;
    while ((code = ERR_get_error()) != 0) {
        char line[256];
        ERR_error_string_n(code, line, sizeof(line));
        size_t length = strlen(line);
        if (count > 0 && used + 2 < capacity) {
            memcpy(buffer + used, "; ", 2);
            used += 2;
        }
        if (used + length >= capacity) {
            length = capacity - used - 1;
        }
        memcpy(buffer + used, line, length);
        used += length;
        buffer[used] = 0;
        count += 1;
    }
    return count;
}

// MARK: - Keys and certificates

/// A new EC P-256 key pair, or NULL.
static inline EVP_PKEY *nth_tls_generate_p256_key(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/// A new X.509 v3 certificate for `key` with subject `CN=commonName`, a random positive 127-bit serial, valid from
/// now + notBeforeOffset to now + notAfterOffset seconds; not yet signed. NULL on failure.
static inline X509 *nth_tls_certificate_new(EVP_PKEY *key, const char *commonName, long notBeforeOffset,
                                            long notAfterOffset) {
    X509 *certificate = X509_new();
    BIGNUM *serial = BN_new();
    int ok = certificate != NULL && serial != NULL && X509_set_version(certificate, 2) == 1 &&
             BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
             BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate)) != NULL &&
             X509_gmtime_adj(X509_getm_notBefore(certificate), notBeforeOffset) != NULL &&
             X509_gmtime_adj(X509_getm_notAfter(certificate), notAfterOffset) != NULL &&
             X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate), "CN", MBSTRING_UTF8,
                                        (const unsigned char *)commonName, -1, -1, 0) == 1 &&
             X509_set_pubkey(certificate, key) == 1;
    BN_free(serial);
    if (!ok) {
        X509_free(certificate);
        return NULL;
    }
    return certificate;
}

/// Adds the v3 extension `name` (for example "basicConstraints") with `value` in openssl.cnf syntax (for example
/// "critical,CA:TRUE"), resolved against `issuer` (the certificate itself when self-signed).
static inline int nth_tls_certificate_add_extension(X509 *certificate, X509 *issuer, const char *name,
                                                    const char *value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, NULL, NULL, 0);
    X509_EXTENSION *extension = X509V3_EXT_nconf(NULL, &context, name, value);
    if (extension == NULL) {
        return 0;
    }
    int ok = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

/// Sets the issuer name from `issuer` (the certificate itself when self-signed) and signs with ECDSA-SHA256.
static inline int nth_tls_certificate_sign(X509 *certificate, X509 *issuer, EVP_PKEY *issuerKey) {
    return X509_set_issuer_name(certificate, X509_get_subject_name(issuer)) == 1 &&
           X509_sign(certificate, issuerKey, EVP_sha256()) > 0;
}

/// Copies a memory BIO's contents into a new malloc'd buffer at *out; returns its length, or -1.
static inline long nth_tls_bio_copy(BIO *bio, char **out) {
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    if (length < 0 || data == NULL) {
        return -1;
    }
    *out = malloc((size_t)length + 1);
    if (*out == NULL) {
        return -1;
    }
    memcpy(*out, data, (size_t)length);
    (*out)[length] = 0;
    return length;
}

/// The PEM text of `certificate` in a malloc'd buffer at *out (release with nth_tls_free); its length, or -1.
static inline long nth_tls_certificate_pem(X509 *certificate, char **out) {
    BIO *bio = BIO_new(BIO_s_mem());
    long length = -1;
    if (bio != NULL && PEM_write_bio_X509(bio, certificate) == 1) {
        length = nth_tls_bio_copy(bio, out);
    }
    BIO_free(bio);
    return length;
}

/// The PKCS#8 PEM text of `key` in a malloc'd buffer at *out (release with nth_tls_free); its length, or -1.
static inline long nth_tls_private_key_pem(EVP_PKEY *key, char **out) {
    BIO *bio = BIO_new(BIO_s_mem());
    long length = -1;
    if (bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        length = nth_tls_bio_copy(bio, out);
    }
    BIO_free(bio);
    return length;
}

/// Releases a buffer returned by nth_tls_certificate_pem or nth_tls_private_key_pem.
static inline void nth_tls_free(char *buffer) { free(buffer); }

/// Parses the first certificate in `length` bytes of PEM, or NULL.
static inline X509 *nth_tls_certificate_from_pem(const char *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    X509 *certificate = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return certificate;
}

/// Parses a private key from `length` bytes of PEM, or NULL.
static inline EVP_PKEY *nth_tls_private_key_from_pem(const char *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return key;
}

// MARK: - TLS server

/// ALPN: selects "http/1.1" when the client offers it, otherwise negotiates nothing (the backend speaks HTTP/1.1
/// only, so h2 must never be chosen).
static inline int nth_tls_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outLength,
                                        const unsigned char *in, unsigned int inLength, void *argument) {
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char *selected = NULL;
    (void)ssl;
    (void)argument;
    if (SSL_select_next_proto(&selected, outLength, http11, sizeof(http11), in, inLength) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

/// A server context: TLS 1.2 or later, `certificate` and `key` (and `chain`, when not NULL, sent after it), no
/// client certificate requested, partial writes allowed, ALPN limited to http/1.1. NULL on failure.
static inline SSL_CTX *nth_tls_server_context_new(X509 *certificate, EVP_PKEY *key, X509 *chain) {
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (context == NULL) {
        return NULL;
    }
    int ok = SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 &&
             SSL_CTX_use_certificate(context, certificate) == 1 && SSL_CTX_use_PrivateKey(context, key) == 1 &&
             SSL_CTX_check_private_key(context) == 1 && (chain == NULL || SSL_CTX_add1_chain_cert(context, chain) == 1);
    if (!ok) {
        SSL_CTX_free(context);
        return NULL;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_alpn_select_cb(context, nth_tls_select_http11, NULL);
    return context;
}

/// A server-side connection over the socket `fd`, or NULL.
static inline SSL *nth_tls_connection_new(SSL_CTX *context, int fd) {
    SSL *ssl = SSL_new(context);
    if (ssl != NULL && SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

/// The outcome of one non-blocking TLS operation.
typedef enum {
    /// The operation completed (or moved bytes).
    NTH_TLS_DONE = 0,
    /// Retry once the socket is readable.
    NTH_TLS_WANT_READ = 1,
    /// Retry once the socket is writable.
    NTH_TLS_WANT_WRITE = 2,
    /// The peer closed the connection (close_notify or EOF).
    NTH_TLS_CLOSED = 3,
    /// A protocol or socket error; the connection is unusable.
    NTH_TLS_FAILED = 4,
} nth_tls_status;

static inline nth_tls_status nth_tls_status_of(SSL *ssl, int result) {
    switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_NONE:
        return NTH_TLS_DONE;
    case SSL_ERROR_WANT_READ:
        return NTH_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return NTH_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return NTH_TLS_CLOSED;
    default:
        return NTH_TLS_FAILED;
    }
}

/// One step of the server handshake.
static inline nth_tls_status nth_tls_accept(SSL *ssl) { return nth_tls_status_of(ssl, SSL_accept(ssl)); }

/// Reads up to `capacity` decrypted bytes; `*count` is set when the result is NTH_TLS_DONE.
static inline nth_tls_status nth_tls_read(SSL *ssl, void *buffer, size_t capacity, size_t *count) {
    *count = 0;
    return nth_tls_status_of(ssl, SSL_read_ex(ssl, buffer, capacity, count));
}

/// Writes up to `length` bytes; `*count` is set when the result is NTH_TLS_DONE (partial writes are allowed).
static inline nth_tls_status nth_tls_write(SSL *ssl, const void *buffer, size_t length, size_t *count) {
    *count = 0;
    return nth_tls_status_of(ssl, SSL_write_ex(ssl, buffer, length, count));
}

/// Decrypted bytes already buffered inside `ssl`, which poll() cannot see.
static inline int nth_tls_pending(SSL *ssl) { return SSL_pending(ssl); }

// MARK: - Sockets

/// Blocks SIGPIPE in the calling thread, so that writing to a closed socket through OpenSSL's socket BIO fails with
/// EPIPE instead of killing the process. The signal then stays pending on this thread and dies with it.
static inline int nth_tls_block_sigpipe(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0;
}

/// Makes `fd` non-blocking and sets TCP_NODELAY on it (when `noDelay`).
static inline int nth_tls_prepare_socket(int fd, int noDelay) {
    int one = 1;
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return 0;
    }
    return !noDelay || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0;
}

/// A non-blocking listening socket on 127.0.0.1:`port` (0 picks a free one), with the bound port in *bound; -1 on
/// failure (errno says why).
static inline int nth_tls_listen_loopback(uint16_t port, uint16_t *bound) {
    struct sockaddr_in address;
    socklen_t length = sizeof(address);
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0 || !nth_tls_prepare_socket(fd, 0)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *bound = ntohs(address.sin_port);
    return fd;
}

/// Accepts one connection, non-blocking with TCP_NODELAY; -1 when there is none (errno says why).
static inline int nth_tls_accept_connection(int listener) {
    int fd = accept(listener, NULL, NULL);
    if (fd >= 0 && (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || !nth_tls_prepare_socket(fd, 1))) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// Connects (blocking, loopback) to 127.0.0.1:`port`, then makes the socket non-blocking with TCP_NODELAY; -1 on
/// failure (errno says why).
static inline int nth_tls_connect_loopback(uint16_t port) {
    struct sockaddr_in address;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || !nth_tls_prepare_socket(fd, 1)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// Sends without raising SIGPIPE; like send(2).
static inline long nth_tls_send(int fd, const void *buffer, size_t length) {
    return (long)send(fd, buffer, length, MSG_NOSIGNAL);
}

/// True when errno says a non-blocking call would block.
static inline int nth_tls_would_block(void) { return errno == EAGAIN || errno == EWOULDBLOCK; }

/// True when errno says a call was interrupted by a signal.
static inline int nth_tls_interrupted(void) { return errno == EINTR; }

#endif
