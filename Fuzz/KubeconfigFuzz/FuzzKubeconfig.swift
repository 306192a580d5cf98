// The libFuzzer entry point for kubeconfig parsing (Yams) and its resolution into a client configuration. Not a
// SwiftPM target: `scripts/fuzz kubeconfig` compiles it against Sources/Kubernetes and Yams.
import Foundation

@testable import Kubernetes

/// The values of `token:` lines in a YAML text (the bearer tokens a kubeconfig may hold), at least 8 characters.
private func tokens(_ text: String) -> [String] {
    text.split(whereSeparator: \.isNewline).compactMap { line in
        let trimmed = line.drop { $0 == " " || $0 == "-" || $0 == "\t" }
        guard trimmed.hasPrefix("token:") else { return nil }
        let value = trimmed.dropFirst("token:".count).trimmingCharacters(in: .whitespaces)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        return value.count >= 8 ? value : nil
    }
}

/// Parses one input as a kubeconfig file and resolves its current context (and each context it names), and checks:
/// no trap or hang; parsing is deterministic; no error message shows a bearer token the file holds (errors are
/// printed at start-up); a resolved configuration has a server.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubeconfig(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    let secrets = tokens(text)
    func check(_ error: any Error) {
        let message = "\(error)"
        for secret in secrets where !text.contains("server: \(secret)") && !text.contains("name: \(secret)") {
            require(!message.contains(secret), "an error shows the kubeconfig's token: \(message.prefix(300))")
        }
    }
    let config: Kubeconfig
    do {
        config = try Kubeconfig.parse(text, path: "/fuzz/kubeconfig")
    } catch {
        check(error)
        return 0
    }
    require((try? Kubeconfig.parse(text, path: "/fuzz/kubeconfig")) != nil, "parsing is not deterministic")
    for context in [nil] + config.contexts.keys.sorted().prefix(4).map(Optional.some) {
        do {
            let resolved = try config.configuration(context: context)
            require(!resolved.server.isEmpty, "a configuration without a server")
        } catch {
            check(error)
        }
    }
    return 0
}
