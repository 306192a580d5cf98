import Foundation
import Interruption
import Kubernetes

extension PodDescription {
    /// The drain rules' view of a Kubernetes pod.
    init(_ pod: Pod) {
        let phase = pod.status?.phase.flatMap { Interruption.PodPhase(rawValue: $0.rawValue) } ?? .unknown
        let owners = (pod.metadata.ownerReferences ?? []).map {
            Interruption.OwnerReference(kind: $0.kind, name: $0.name, isController: $0.controller == true)
        }
        let emptyDirs = (pod.spec?.volumes ?? []).filter { $0.emptyDir != nil }.map(\.name)
        self.init(
            namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", phase: phase,
            deletionTimestamp: pod.metadata.deletionTimestamp, annotations: pod.metadata.annotations ?? [:],
            ownerReferences: owners, emptyDirVolumes: emptyDirs,
            terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds.map { Int($0) })
    }
}

extension PodReference {
    /// The reference of a Kubernetes pod.
    init(_ pod: Pod) {
        self.init(namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "")
    }
}
