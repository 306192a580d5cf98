// The libFuzzer entry point for the AWS XML reader (libxml2's streaming reader behind XML.parse) and the XML error
// bodies of the query protocol. Not a SwiftPM target: `scripts/fuzz aws-xml` compiles it against Sources/AWS.
import Foundation
import HTTPClient

@testable import AWS

/// `element` as XML that parses back to an equal element: its text first (escaped), then its children.
private func serialize(_ element: XML.Element, into output: inout String) {
    output += "<\(element.name)>"
    for scalar in element.text.unicodeScalars {
        switch scalar {
        case "&": output += "&amp;"
        case "<": output += "&lt;"
        case ">": output += "&gt;"
        case "\r": output += "&#13;"
        default: output.unicodeScalars.append(scalar)
        }
    }
    for child in element.children { serialize(child, into: &output) }
    output += "</\(element.name)>"
}

private func depth(_ element: XML.Element) -> Int {
    1 + (element.children.map(depth).max() ?? 0)
}

/// Parses one input and checks: the reader returns (no trap, no hang, no leak under ASan); a parsed tree is no
/// deeper than `XML.maximumDepth`; it round-trips (serialised and parsed again, it is equal); parsing is
/// deterministic; an error has a message. The same bytes as an error body decode to an error that describes itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAWSXML(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    do {
        let root = try XML.parse(data)
        require(depth(root) <= XML.maximumDepth, "the tree is deeper than the reader allows")
        var text = ""
        serialize(root, into: &text)
        let again = try? XML.parse(Data(text.utf8))
        require(again == root, "the tree does not round-trip: \(text.prefix(200))")
        require((try? XML.parse(data)) == root, "parsing is not deterministic")
        _ = root.value(at: "Errors", "Error", "Code")
        _ = root.firstDescendant("RequestId")
    } catch {
        require(!error.message.isEmpty, "a parse error without a message")
    }
    for status in [400, 503] {
        let response = HTTPResponse(
            status: status, headers: ["Content-Type": "text/xml", "x-amzn-RequestId": "fuzz"], body: data)
        let error = AWSError.decode(response: response, service: "EC2", operation: "DescribeInstances")
        require(!error.description.isEmpty)
        require(error.status == status)
        if error.kind == .service { require(!(error.code ?? "").isEmpty, "a service error without a code") }
        require(error.description.utf8.count < 8192 + count, "the description grows beyond the body")
    }
    return 0
}
