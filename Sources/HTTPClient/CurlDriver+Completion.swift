import CCurl
import Foundation

/// How finished, failed and abandoned transfers are handed back to their callers (driver thread only).
extension CurlDriver {
    func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let id = transferByHandle[easy], let transfer = transfers[id]
            else { continue }
            let result = message.pointee.data.result
            remove(transfer)
            _ = curl_multi_remove_handle(multi, easy)
            complete(transfer, result: result)
            transfer.release()
        }
    }

    func complete(_ transfer: CurlTransfer, result: CURLcode) {
        guard result == CURLE_OK else {
            finish(transfer, error: error(for: transfer, result: result))
            return
        }
        switch transfer.delivery {
        case .buffered(let continuation):
            continuation.resume(
                returning: HTTPResponse(
                    status: transfer.responseCode, headers: transfer.headers, body: transfer.body,
                    httpVersion: transfer.httpVersion))
        case .streaming(let head, let body, _):
            if !transfer.headResumed {
                transfer.headResumed = true
                head.resume(
                    returning: ResponseHead(
                        status: transfer.responseCode, headers: transfer.headers, httpVersion: transfer.httpVersion))
            }
            body.finish()
        case nil:
            break
        }
        transfer.delivery = nil
    }

    func finish(_ transfer: CurlTransfer, error: any Error) {
        switch transfer.delivery {
        case .buffered(let continuation):
            continuation.resume(throwing: error)
        case .streaming(let head, let body, _):
            if transfer.headResumed {
                body.finish(throwing: error)
            } else {
                transfer.headResumed = true
                head.resume(throwing: error)
                body.finish(throwing: error)
            }
        case nil:
            break
        }
        transfer.delivery = nil
    }

    func error(for transfer: CurlTransfer, result: CURLcode) -> HTTPClientError {
        let code: HTTPClientError.Code
        switch result {
        case CURLE_OPERATION_TIMEDOUT:
            if !transfer.hadConnected {
                code = .connectTimeout
            } else {
                code = transfer.isStreaming ? .idleTimeout : .requestTimeout
            }
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            code = .connectionFailed
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            code = .tlsFailure
        case CURLE_FILESIZE_EXCEEDED:
            code = .responseTooLarge
        case CURLE_WRITE_ERROR where transfer.exceededSizeCap:
            code = .responseTooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            code = .invalidRequest
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
            code = .transferFailed
        default:
            code = .other
        }
        var message = transfer.errorMessage(for: result)
        if code == .responseTooLarge {
            message += " (limit \(transfer.maxResponseBytes) bytes)"
        }
        return HTTPClientError(code: code, url: transfer.url, curlCode: Int(result.rawValue), message: message)
    }

    func shutDown(commands: [Command]) {
        let error = { (url: String) in
            HTTPClientError(code: .clientShutdown, url: url, curlCode: 0, message: "the HTTP client was shut down")
        }
        for command in commands {
            if case .add(let transfer) = command {
                finish(transfer, error: error(transfer.url))
                transfer.release()
            }
        }
        for transfer in transfers.values {
            _ = curl_multi_remove_handle(multi, transfer.easy)
            finish(transfer, error: error(transfer.url))
            transfer.release()
        }
        transfers.removeAll()
        transferByHandle.removeAll()
    }
}
