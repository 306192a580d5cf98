import Foundation
import Testing

@testable import AWS

@Suite("XML parsing with libxml2")
struct XMLTests {
    @Test("parses nested elements, text, CDATA and entities into a tree")
    func parsesTree() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>abc</requestId>
              <reservationSet><item><instancesSet><item>
                <instanceId>i-1</instanceId><note><![CDATA[a<b]]></note><amp>x &amp; y</amp><empty/>
              </item></instancesSet></item></reservationSet>
            </DescribeInstancesResponse>
            """
        let root = try XML.parse(Data(body.utf8))
        #expect(root.name == "DescribeInstancesResponse")
        #expect(root.value(at: "requestId") == "abc")
        let item = try #require(root.element(at: "reservationSet", "item", "instancesSet", "item"))
        #expect(item.value(at: "instanceId") == "i-1")
        #expect(item.value(at: "note") == "a<b")
        #expect(item.value(at: "amp") == "x & y")
        #expect(item.value(at: "empty") == "")
        #expect(root.firstDescendant("instanceId")?.text == "i-1")
    }

    @Test("namespace prefixes are dropped from names")
    func localNames() throws {
        let root = try XML.parse(Data(#"<a:Root xmlns:a="urn:x"><a:Child>v</a:Child></a:Root>"#.utf8))
        #expect(root.name == "Root")
        #expect(root.value(at: "Child") == "v")
    }

    @Test(
        "non-XML bodies become a ParseError, never a crash",
        arguments: [
            "",
            "<html><body><h1>502 Bad Gateway</h1><hr></body></html>",
            "<ErrorResponse><Error><Code>Throttling</Code>",
            "plain text from a proxy",
            "{\"json\": true}",
            "<a></b>",
            "<a/><b/>",
            "\u{0}\u{1}\u{2}",
        ])
    func rejectsGarbage(body: String) {
        #expect(throws: XML.ParseError.self) { try XML.parse(Data(body.utf8)) }
    }

    @Test("a truncated body reports where it stopped")
    func truncated() throws {
        let error = try #require(throws: XML.ParseError.self) {
            try XML.parse(Data("<Response>\n<Errors>\n<Error><Code>X".utf8))
        }
        #expect(!error.message.isEmpty)
        #expect(error.description.contains("malformed XML"))
    }

    @Test("nesting deeper than the limit is refused")
    func depthLimit() {
        let deep = String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200)
        #expect(throws: XML.ParseError.self) { try XML.parse(Data(deep.utf8)) }
        let fine = String(repeating: "<a>", count: 30) + String(repeating: "</a>", count: 30)
        #expect(throws: Never.self) { try XML.parse(Data(fine.utf8)) }
    }

    @Test("external entities are not fetched or expanded")
    func noExternalEntities() throws {
        let body = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <r><v>&x;</v></r>
            """
        let root = try XML.parse(Data(body.utf8))
        #expect(!(root.value(at: "v") ?? "").contains("root:"))
    }
}
