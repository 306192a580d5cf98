// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto, behind two small functions with fixed types, so that Swift
// code never touches EVP objects or OpenSSL's macros. Both use one-shot entry points that OpenSSL 3 does not
// deprecate (EVP_Digest, HMAC) and return 1 on success, 0 on failure.
#ifndef NTH_COPENSSL_SHIM_H
#define NTH_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>

/// Size in bytes of a SHA-256 digest.
#define NTH_SHA256_LENGTH 32

/// SHA-256 of `length` bytes at `data` into the 32 bytes at `out`.
static inline int nth_sha256(const void *data, size_t length, unsigned char *out) {
    static const unsigned char empty = 0;
    unsigned int written = 0;
    if (data == NULL) {
        data = &empty;
    }
    if (EVP_Digest(data, length, out, &written, EVP_sha256(), NULL) != 1) {
        return 0;
    }
    return written == NTH_SHA256_LENGTH;
}

/// HMAC-SHA256 of `length` bytes at `data` keyed with `keyLength` bytes at `key`, into the 32 bytes at `out`.
static inline int nth_hmac_sha256(const void *key, size_t keyLength, const void *data, size_t length,
                                  unsigned char *out) {
    static const unsigned char empty = 0;
    unsigned int written = 0;
    if (key == NULL) {
        key = &empty;
    }
    if (data == NULL) {
        data = &empty;
    }
    if (keyLength > 0x7fffffff) {
        return 0;
    }
    if (HMAC(EVP_sha256(), key, (int)keyLength, (const unsigned char *)data, length, out, &written) == NULL) {
        return 0;
    }
    return written == NTH_SHA256_LENGTH;
}

#endif
