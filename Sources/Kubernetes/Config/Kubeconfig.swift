import Foundation
import HTTPClient
import Yams

/// A parsed kubeconfig (one file, or several merged first-wins), and its conversion into a
/// ``KubernetesConfiguration``.
///
/// Fields follow client-go's `tools/clientcmd/api/v1/types.go`; relative file paths are relative to the file that
/// named them.
struct Kubeconfig: Sendable {
    var currentContext: String?
    var clusters: [String: Located<Cluster>] = [:]
    var contexts: [String: Context] = [:]
    var users: [String: Located<User>] = [:]

    /// A value with the directory of the file it came from.
    struct Located<Value: Sendable>: Sendable {
        var value: Value
        var directory: String
    }

    struct File: Decodable {
        var currentContext: String?
        var clusters: [Named<Cluster>]?
        var contexts: [NamedContext]?
        var users: [NamedUser]?

        enum CodingKeys: String, CodingKey {
            case currentContext = "current-context", clusters, contexts, users
        }
    }

    struct Named<Value: Decodable & Sendable>: Decodable {
        var name: String
        var cluster: Value
    }

    struct NamedContext: Decodable {
        var name: String
        var context: Context
    }

    struct NamedUser: Decodable {
        var name: String
        var user: User?
    }

    struct Cluster: Decodable, Sendable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    struct Context: Decodable, Sendable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    struct User: Decodable, Sendable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var exec: Exec?

        enum CodingKeys: String, CodingKey {
            case token, tokenFile
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case exec
        }
    }

    struct Exec: Decodable, Sendable {
        var apiVersion: String?
        var command: String
        var args: [String]?
        var env: [EnvVar]?
        var provideClusterInfo: Bool?
        var installHint: String?
    }

    struct EnvVar: Decodable, Sendable {
        var name: String
        var value: String
    }

    /// Parses one kubeconfig file's text.
    static func parse(_ text: String, path: String) throws -> Kubeconfig {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch {
            throw KubernetesError.configuration(
                "the kubeconfig is not valid YAML of the expected shape: \(Self.redactedProblem(error))", path: path)
        }
        let directory = (path as NSString).deletingLastPathComponent
        var config = Kubeconfig()
        config.currentContext = file.currentContext.flatMap { $0.isEmpty ? nil : $0 }
        for entry in file.clusters ?? [] where config.clusters[entry.name] == nil {
            config.clusters[entry.name] = Located(value: entry.cluster, directory: directory)
        }
        for entry in file.contexts ?? [] where config.contexts[entry.name] == nil {
            config.contexts[entry.name] = entry.context
        }
        for entry in file.users ?? [] where config.users[entry.name] == nil {
            config.users[entry.name] = Located(value: entry.user ?? User(), directory: directory)
        }
        return config
    }

    /// Adds another file's entries; what is already here wins (client-go's merge order for `KUBECONFIG`).
    mutating func merge(_ other: Kubeconfig) {
        if currentContext == nil { currentContext = other.currentContext }
        clusters.merge(other.clusters) { first, _ in first }
        contexts.merge(other.contexts) { first, _ in first }
        users.merge(other.users) { first, _ in first }
    }

    /// The configuration for a context (`current-context` when `nil`).
    func configuration(context name: String?) throws -> KubernetesConfiguration {
        guard let contextName = name ?? currentContext else {
            throw KubernetesError.configuration("the kubeconfig has no current-context and none was named")
        }
        guard let context = contexts[contextName] else {
            throw KubernetesError.configuration("the kubeconfig has no context named \"\(contextName)\"")
        }
        guard let clusterName = context.cluster, let cluster = clusters[clusterName] else {
            throw KubernetesError.configuration(
                "context \"\(contextName)\" names cluster \"\(context.cluster ?? "")\", which the kubeconfig lacks")
        }
        guard let server = cluster.value.server, !server.isEmpty else {
            throw KubernetesError.configuration("cluster \"\(clusterName)\" has no server")
        }
        var tls = TLSConfiguration()
        if let data = cluster.value.certificateAuthorityData {
            tls.certificateAuthority = .bytes(try Self.base64(data, field: "certificate-authority-data"))
        } else if let file = cluster.value.certificateAuthority {
            tls.certificateAuthority = .file(Self.resolve(file, in: cluster.directory))
        }
        if cluster.value.insecureSkipTLSVerify == true {
            tls.verification = .noneInsecureForTestsOnly
        }
        var authentication = KubernetesConfiguration.Authentication.none
        if let userName = context.user, !userName.isEmpty {
            guard let user = users[userName] else {
                throw KubernetesError.configuration(
                    "context \"\(contextName)\" names user \"\(userName)\", which the kubeconfig lacks")
            }
            let directory = user.directory
            if let data = user.value.clientCertificateData {
                tls.clientCertificate = .bytes(try Self.base64(data, field: "client-certificate-data"))
            } else if let file = user.value.clientCertificate {
                tls.clientCertificate = .file(Self.resolve(file, in: directory))
            }
            if let data = user.value.clientKeyData {
                tls.clientKey = .bytes(try Self.base64(data, field: "client-key-data"))
            } else if let file = user.value.clientKey {
                tls.clientKey = .file(Self.resolve(file, in: directory))
            }
            if let exec = user.value.exec {
                var plugin = ExecPlugin(
                    command: exec.command, arguments: exec.args ?? [],
                    environment: (exec.env ?? []).map { ($0.name, $0.value) },
                    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
                    workingDirectory: directory)
                plugin.installHint = exec.installHint
                if exec.provideClusterInfo == true {
                    plugin.cluster = ExecPlugin.ClusterInfo(
                        server: server, certificateAuthorityData: cluster.value.certificateAuthorityData,
                        insecureSkipTLSVerify: cluster.value.insecureSkipTLSVerify ?? false)
                }
                authentication = .exec(plugin)
            } else if let token = user.value.token, !token.isEmpty {
                authentication = .bearerToken(token)
            } else if let file = user.value.tokenFile, !file.isEmpty {
                authentication = .tokenFile(Self.resolve(file, in: directory))
            }
        }
        return KubernetesConfiguration(
            server: server, tls: tls, authentication: authentication,
            namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        return directory + "/" + path
    }

    static func base64(_ text: String, field: String) throws -> Data {
        let cleaned = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: cleaned) else {
            throw KubernetesError.configuration("\(field) is not valid base64")
        }
        return data
    }
}
