import Foundation
import Simulation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An element of a parsed SVG: its name, attributes, text and children.
final class Element {
    let name: String
    let attributes: [String: String]
    var children: [Element] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }

    func all(_ name: String) -> [Element] { children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) } }

    /// The elements below carrying every class of `classes`.
    func all(classes: Set<String>) -> [Element] {
        children.flatMap { (classes.isSubset(of: $0.classes) ? [$0] : []) + $0.all(classes: classes) }
    }
}

/// A strict XML parse (Foundation's `XMLParser`): any error fails.
final class SVGTree: NSObject, XMLParserDelegate {
    private var stack: [Element] = [Element(name: "#document", attributes: [:])]
    private(set) var error: (any Error)?

    static func parse(_ text: String) throws -> Element {
        let tree = SVGTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        let parsed = parser.parse()
        if let error = tree.error ?? parser.parserError { throw error }
        #expect(parsed)
        return try #require(tree.stack.first?.children.first)
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let element = Element(name: elementName, attributes: attributes)
        stack.last?.children.append(element)
        stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { error = parseError }
}

@Suite("simulate --report: one self-contained HTML page")
struct HTMLReportTests {
    static let missedColour = "#e03131"

    /// The `<svg …>…</svg>` fragments of the page, in order.
    static func svgs(_ html: String) -> [String] {
        var fragments: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<svg "),
            let close = rest.range(of: "</svg>", range: open.upperBound..<rest.endIndex)
        {
            fragments.append(String(rest[open.lowerBound..<close.upperBound]))
            rest = rest[close.upperBound...]
        }
        return fragments
    }

    static func timelineSVG(_ html: String) throws -> Element {
        let fragment = try #require(svgs(html).first { $0.contains(#"id="timeline""#) })
        return try SVGTree.parse(fragment)
    }

    @Test("every node has its row, its bars and its deadline mark; the miss is in the warning colour, only it")
    func rowsBarsAndDeadlines() throws {
        let timeline = HandTimelines.mixed
        let html = HTMLReport.render(timeline: timeline, table: HandTimelines.table)
        let svg = try Self.timelineSVG(html)
        let rows = svg.all(classes: ["node-row"])
        #expect(rows.map { $0.attributes["data-node"] } == timeline.nodes.map(\.node))
        for (row, node) in zip(rows, timeline.nodes) {
            let bars = Set(row.all(classes: ["bar"]).flatMap(\.classes)).subtracting(["bar"])
            let missed = node.missedDeadline(end: timeline.end)
            #expect(row.classes.contains("missed") == missed, "\(node.node)")
            if node.drains {
                #expect(bars == ["queued", "cordoned", "draining"], "\(node.node)")
                #expect(row.all(classes: ["done"]).count == 1, "\(node.node)")
                #expect(row.all(classes: ["deadline"]).count == 1, "\(node.node)")
            } else {
                #expect(bars == ["queued", "cordoned"], "\(node.node)")
                #expect(row.all(classes: ["deadline"]).isEmpty, "\(node.node)")
            }
            let colours =
                row.all(classes: ["bar"]).compactMap { $0.attributes["fill"] }
                + row.all(classes: ["deadline"]).compactMap { $0.attributes["stroke"] ?? $0.attributes["fill"] }
            if missed {
                #expect(colours.allSatisfy { $0 == Self.missedColour }, "\(node.node): \(colours)")
            } else {
                #expect(!colours.contains(Self.missedColour), "\(node.node): \(colours)")
            }
            #expect(row.all("title").first?.text.hasPrefix(node.node) == true)
        }
        // The missed deadline (2 s) is on the axis, as a line; the others (120 s, 300 s) are beyond it, at the edge.
        let missedRow = try #require(rows.first { $0.attributes["data-node"] == "node-1" })
        #expect(missedRow.all(classes: ["deadline"]).first?.name == "line")
        #expect(rows[0].all(classes: ["deadline", "beyond"]).count == 1)
        #expect(missedRow.all("title").first?.text.contains("MISSED") == true)
    }

    @Test("a bar's place and length follow its times, on one scale for every row")
    func geometry() throws {
        let timeline = HandTimelines.mixed
        let svg = try Self.timelineSVG(HTMLReport.render(timeline: timeline, table: HandTimelines.table))
        let rows = svg.all(classes: ["node-row"])
        func span(_ row: Element, _ phase: String) throws -> (Double, Double) {
            let bar = try #require(row.all(classes: ["bar", phase]).first)
            let x = try #require(Double(bar.attributes["x"] ?? ""))
            return (x, x + (try #require(Double(bar.attributes["width"] ?? ""))))
        }
        // node-1 drains from 0.3 s to 2.51 s, node-2 from 0.4 s to 1.51 s.
        let (start1, end1) = try span(rows[1], "draining")
        let (start2, end2) = try span(rows[2], "draining")
        let perSecond = (end1 - start1) / 2.21
        #expect(abs((end2 - start2) / 1.11 - perSecond) < 0.1)
        #expect(abs((start2 - start1) - 0.1 * perSecond) < 0.1)
        // Queued ends where cordoned starts.
        #expect(abs(try span(rows[0], "queued").1 - span(rows[0], "cordoned").0) < 0.02)
        // The rate charts share the timeline's axis: the eviction at 0.25 s is in the bin from 0.2 s, where node-0's
        // first eviction (0.2 s) starts its draining bar.
        let chart = try SVGTree.parse(
            try #require(
                Self.svgs(HTMLReport.render(timeline: timeline, table: HandTimelines.table)).first {
                    $0.contains("rate-chart")
                }))
        let firstBin = try #require(chart.all(classes: ["rate", "evictions"]).first)
        #expect(abs((Double(firstBin.attributes["x"] ?? "") ?? -1) - (try span(rows[0], "draining").0)) < 0.02)
    }

    @Test("text is escaped; the page loads nothing: no script, no link, no external URL")
    func escapedAndSelfContained() throws {
        let html = HTMLReport.render(timeline: HandTimelines.mixed, table: HandTimelines.table)
        #expect(!html.contains(#"<b>"odd""#))
        #expect(html.contains("&lt;b&gt;&quot;odd&quot; &amp; &#39;name&#39;&lt;/b&gt;"))
        let svg = try Self.timelineSVG(html)
        #expect(svg.all(classes: ["node-row"]).last?.attributes["data-node"] == #"<b>"odd" & 'name'</b>"#)
        for forbidden in ["<script", "<link", "src=", "href=", "url(", "@import", "@font-face"] {
            #expect(!html.lowercased().contains(forbidden), "\(forbidden)")
        }
        let urls = html.components(separatedBy: "http").dropFirst().map { String($0.prefix(24)) }
        #expect(urls.allSatisfy { $0.hasPrefix("://www.w3.org/2000/svg") }, "\(urls)")
        // Every SVG of the page parses.
        let fragments = Self.svgs(html)
        #expect(fragments.count == 4)
        for fragment in fragments { _ = try SVGTree.parse(fragment) }
        #expect(html.contains("<caption>Apiserver requests</caption>"))
    }

    @Test("the rate charts: a bar per non-empty bin and series, heights in proportion")
    func rateCharts() throws {
        let html = HTMLReport.render(timeline: HandTimelines.mixed, table: HandTimelines.table)
        let charts = try Self.svgs(html).filter { $0.contains("rate-chart") }.map { try SVGTree.parse($0) }
        #expect(charts.count == 2)
        let evictions = charts[0].all(classes: ["rate", "evictions"])
        #expect(evictions.count == 3)
        let heights = evictions.compactMap { Double($0.attributes["height"] ?? "") }
        #expect(heights.count == 3 && Set(heights).count == 1)
        #expect(charts[1].all(classes: ["rate", "write"]).count == 1)  // two writes in one bin
        #expect(charts[1].all(classes: ["rate", "cacheRead"]).count == 1)
    }

    @Test("1,000 nodes: every node keeps its row, in a scrolling box")
    func thousandNodes() throws {
        let nodes = (0..<1000).map { index in
            HandTimelines.row(
                index, .spotWarning, cordoned: 0.1, started: 0.2, done: 0.2 + Double(index) / 1000, deadline: 120,
                evicted: 30)
        }
        let timeline = Timeline(
            start: Date(), end: 1.3, nodes: nodes, evictions: .binning([], duration: 1.3),
            requests: .binning([], duration: 1.3))
        let html = HTMLReport.render(timeline: timeline, table: HandTimelines.table)
        let svg = try Self.timelineSVG(html)
        #expect(svg.all(classes: ["node-row"]).count == 1000)
        #expect(svg.all(classes: ["deadline", "beyond"]).count == 1000)
        #expect(html.contains(".rows{max-height:55vh;overflow-y:auto"))
    }
}
