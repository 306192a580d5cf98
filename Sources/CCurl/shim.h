// Typed wrappers over libcurl's variadic entry points, which Swift cannot call directly
// (curl_easy_setopt, curl_easy_getinfo, curl_multi_setopt). Each wrapper fixes the argument type that
// libcurl documents for the option, the way swift-corelibs-foundation's libcurl interface does.
// Also the few epoll and eventfd calls of the HTTP client's event loop, so that Swift never lays out the packed
// `struct epoll_event` itself.
#ifndef NTH_CCURL_SHIM_H
#define NTH_CCURL_SHIM_H

#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

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

typedef int (*nth_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp);
typedef int (*nth_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);

static inline CURLMcode nth_curl_multi_setopt_pointer(CURLM *handle, CURLMoption option, void *value) {
    return curl_multi_setopt(handle, option, value);
}

static inline CURLMcode nth_curl_multi_setopt_socket_callback(CURLM *handle, nth_curl_socket_callback cb) {
    return curl_multi_setopt(handle, CURLMOPT_SOCKETFUNCTION, cb);
}

static inline CURLMcode nth_curl_multi_setopt_timer_callback(CURLM *handle, nth_curl_timer_callback cb) {
    return curl_multi_setopt(handle, CURLMOPT_TIMERFUNCTION, cb);
}

/// Makes the epoll set `epfd` watch `fd` for libcurl's `what` (CURL_POLL_IN, _OUT, _INOUT), level-triggered;
/// CURL_POLL_REMOVE (or CURL_POLL_NONE) forgets it, ignoring a socket already closed. Returns 0, or -1 with errno.
static inline int nth_epoll_watch(int epfd, int fd, int what) {
    if (what == CURL_POLL_REMOVE || what == CURL_POLL_NONE) {
        (void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = fd;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event) == 0) return 0;
    if (errno != ENOENT) return -1;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

#define NTH_EPOLL_BATCH 256

/// Waits up to `timeout_ms` (-1: forever) for ready descriptors; stores up to NTH_EPOLL_BATCH of them in `fds` with
/// libcurl's CURL_CSELECT_* bits in `bits`. A hang-up or an error counts as readable and writable, so that libcurl
/// reads or writes and meets the error itself, with its own error code. Returns the count (0 on timeout or EINTR),
/// or -1 with errno.
static inline int nth_epoll_wait(int epfd, int *fds, int *bits, int timeout_ms) {
    struct epoll_event events[NTH_EPOLL_BATCH];
    int count = epoll_wait(epfd, events, NTH_EPOLL_BATCH, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) {
        uint32_t ready = events[i].events;
        fds[i] = events[i].data.fd;
        bits[i] = ((ready & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)) ? CURL_CSELECT_IN : 0)
            | ((ready & (EPOLLOUT | EPOLLERR)) ? CURL_CSELECT_OUT : 0);
    }
    return count;
}

/// Adds `fd` to the epoll set for reading (the driver's wake-up eventfd).
static inline int nth_epoll_add_readable(int epfd, int fd) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN;
    event.data.fd = fd;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

static inline int nth_eventfd_create(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/// Makes the eventfd readable. Any thread.
static inline void nth_eventfd_signal(int fd) {
    uint64_t one = 1;
    (void)write(fd, &one, sizeof one);
}

/// Makes the eventfd unreadable again.
static inline void nth_eventfd_drain(int fd) {
    uint64_t value;
    (void)read(fd, &value, sizeof value);
}

static inline int64_t nth_monotonic_milliseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// CURL_WRITEFUNC_PAUSE as a function: Swift does not import the macro's value reliably across versions.
static inline size_t nth_curl_writefunc_pause(void) {
    return CURL_WRITEFUNC_PAUSE;
}

#endif
