// Typed wrappers over libcurl's variadic entry points, which Swift cannot call directly
// (curl_easy_setopt, curl_easy_getinfo, curl_multi_setopt). Each wrapper fixes the argument type that
// libcurl documents for the option, the way swift-corelibs-foundation's libcurl interface does.
#ifndef NTH_CCURL_SHIM_H
#define NTH_CCURL_SHIM_H

#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*nth_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*nth_curl_sockopt_callback)(void *userdata, curl_socket_t fd, curlsocktype purpose);

static inline CURLcode nth_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nth_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nth_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nth_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode nth_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets a blob option (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB). libcurl copies the bytes.
static inline CURLcode nth_curl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}

static inline CURLcode nth_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, nth_curl_data_callback cb) {
    return curl_easy_setopt(handle, option, cb);
}

static inline CURLcode nth_curl_easy_setopt_sockopt_callback(CURL *handle, nth_curl_sockopt_callback cb) {
    return curl_easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, cb);
}

static inline CURLcode nth_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode nth_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode nth_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode nth_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

/// CURL_WRITEFUNC_PAUSE as a function: Swift does not import the macro's value reliably across versions.
static inline size_t nth_curl_writefunc_pause(void) {
    return CURL_WRITEFUNC_PAUSE;
}

#endif
