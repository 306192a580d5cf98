import CCurl
import Foundation

/// The epoll set and wake-up eventfd of a ``CurlDriver``: what its thread waits on.
///
/// libcurl's socket callback (`CURLMOPT_SOCKETFUNCTION`) keeps the epoll set equal to the sockets libcurl wants
/// watched, each for reading, writing or both (level-triggered); a paused transfer's socket leaves the set until
/// the transfer resumes. The eventfd is in the set too: other threads write to it to wake the driver for its inbox.
/// Everything but ``wake()`` is for the driver thread alone, hence `@unchecked Sendable`.
final class CurlEventLoop: @unchecked Sendable {
    private let epoll: Int32
    private let wakeFD: Int32
    private let readyFDs: UnsafeMutablePointer<Int32>
    private let readyBits: UnsafeMutablePointer<Int32>
    /// The longest wait, even when libcurl has no timeout pending: a backstop, not a poll.
    private static let longestWaitMilliseconds: Int = 1000

    /// Opens the epoll set and the eventfd.
    /// - Throws: ``HTTPClientError`` when the process is out of file descriptors.
    init() throws {
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw CurlEventLoop.failure("epoll_create1") }
        let wakeFD = nth_eventfd_create()
        guard wakeFD >= 0 else {
            let error = CurlEventLoop.failure("eventfd")
            Glibc.close(epoll)
            throw error
        }
        guard nth_epoll_add_readable(epoll, wakeFD) == 0 else {
            let error = CurlEventLoop.failure("epoll_ctl")
            Glibc.close(wakeFD)
            Glibc.close(epoll)
            throw error
        }
        self.epoll = epoll
        self.wakeFD = wakeFD
        readyFDs = .allocate(capacity: Int(NTH_EPOLL_BATCH))
        readyBits = .allocate(capacity: Int(NTH_EPOLL_BATCH))
    }

    private static func failure(_ call: String) -> HTTPClientError {
        HTTPClientError(
            code: .other, url: "", curlCode: 0,
            message: "\(call) failed: \(String(cString: strerror(errno))) (raise the open-file limit?)")
    }

    /// Makes libcurl report to this loop which sockets to watch. Before the driver thread starts.
    func attach(to multi: UnsafeMutableRawPointer) {
        _ = nth_curl_multi_setopt_socket_callback(multi, curlSocketCallback)
        _ = nth_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Wakes the driver thread. Any thread.
    func wake() {
        nth_eventfd_signal(wakeFD)
    }

    /// Waits until a watched socket is ready, the driver is woken, or libcurl's next timeout
    /// (`curl_multi_timeout`) is due, then calls `act` with each ready socket and its `CURL_CSELECT_*` bits.
    func wait(multi: UnsafeMutableRawPointer, _ act: (curl_socket_t, Int32) -> Void) {
        var timeout = -1
        _ = curl_multi_timeout(multi, &timeout)
        let milliseconds =
            timeout < 0 ? CurlEventLoop.longestWaitMilliseconds : min(timeout, CurlEventLoop.longestWaitMilliseconds)
        let count = nth_epoll_wait(epoll, readyFDs, readyBits, Int32(milliseconds))
        for index in 0..<max(0, Int(count)) {
            let fd = readyFDs[index]
            if fd == wakeFD {
                nth_eventfd_drain(wakeFD)
            } else {
                act(fd, readyBits[index])
            }
        }
    }

    /// Follows libcurl's socket callback: watch `socket` for `what`, or forget it.
    fileprivate func watch(_ socket: curl_socket_t, for what: Int32) {
        // A failure here (ENOMEM, ENOSPC: the epoll limit) leaves the socket unwatched; its transfer then fails by
        // its own timeout, which is the error the caller would see for a socket that never becomes ready.
        _ = nth_epoll_watch(epoll, socket, what)
    }

    /// Closes the epoll set and the eventfd. Driver thread, after `curl_multi_cleanup`, once nobody wakes it.
    func close() {
        Glibc.close(wakeFD)
        Glibc.close(epoll)
        readyFDs.deallocate()
        readyBits.deallocate()
    }
}

private let curlSocketCallback: nth_curl_socket_callback = { _, socket, what, userdata, _ in
    guard let userdata else { return 0 }
    Unmanaged<CurlEventLoop>.fromOpaque(userdata).takeUnretainedValue().watch(socket, for: what)
    return 0
}
