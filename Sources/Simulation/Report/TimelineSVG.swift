import Foundation

/// The report's timeline: one row per interrupted node, its bars (queued until cordoned, cordoned until the drain's
/// first eviction, draining until the last workload pod was gone), a mark where it was done and its deadline. Every
/// row is drawn (no aggregation); the page scrolls the rows under a fixed axis.
enum TimelineSVG {
    /// The colours, as fill or stroke attributes (so they hold without the page's style sheet).
    enum Colour {
        static let queued = "#adb5bd"
        static let cordoned = "#4dabf7"
        static let draining = "#51cf66"
        static let done = "#2b8a3e"
        static let deadline = "#343a40"
        /// Bars and deadline marks of a node that missed its deadline.
        static let missed = "#e03131"
    }

    static let width = 1200.0
    static let labelWidth = 190.0
    static let rowHeight = 14.0
    static let axisHeight = 26.0
    static var plotWidth: Double { width - labelWidth - 20 }

    /// The right end of the time axis: the last thing that happened, with a margin; deadlines beyond it are drawn as
    /// marks at the right edge.
    static func axisEnd(_ timeline: Timeline) -> Double {
        var times = [timeline.end]
        for row in timeline.nodes {
            times += [row.queued, row.received, row.cordoned, row.drainStarted, row.done].compactMap { $0 }
            if row.missedDeadline(end: timeline.end), let deadline = row.deadline { times.append(deadline) }
        }
        return max(0.001, times.max() ?? 0) * 1.04
    }

    /// The axis (ticks and labels), for a header above the scrolling rows.
    static func axis(_ timeline: Timeline) -> String {
        let end = axisEnd(timeline)
        var svg = open(height: axisHeight, label: "time axis, seconds since the first message was sent")
        for tick in ticks(upTo: end) {
            let x = labelWidth + tick / end * plotWidth
            svg += ##"<line x1="\##(f(x))" y1="18" x2="\##(f(x))" y2="26" stroke="#868e96"/>"##
            svg += #"<text x="\#(f(x))" y="14" text-anchor="middle" class="tick">\#(tickLabel(tick))</text>"#
        }
        svg += #"<text x="4" y="14" class="tick">node</text>"#
        return svg + "</svg>"
    }

    /// The rows.
    static func rows(_ timeline: Timeline) -> String {
        let end = axisEnd(timeline)
        let height = Double(timeline.nodes.count) * rowHeight + 4
        var svg = open(height: height, label: "timeline of \(timeline.nodes.count) interrupted nodes", id: "timeline")
        for tick in ticks(upTo: end) {
            let x = labelWidth + tick / end * plotWidth
            svg += ##"<line x1="\##(f(x))" y1="0" x2="\##(f(x))" y2="\##(f(height))" stroke="#e9ecef"/>"##
        }
        for (index, row) in timeline.nodes.enumerated() {
            svg += self.row(row, y: Double(index) * rowHeight + 2, end: end, runEnd: timeline.end)
        }
        return svg + "</svg>"
    }

    private static func row(_ row: Timeline.NodeRow, y: Double, end: Double, runEnd: Double) -> String {
        let missed = row.missedDeadline(end: runEnd)
        func x(_ time: Double) -> Double { labelWidth + min(max(time, 0), end) / end * plotWidth }
        func bar(_ phase: String, from: Double, to: Double, colour: String) -> String {
            let fill = missed ? Colour.missed : colour
            let opacity = missed ? #" fill-opacity="\#(phase == "draining" ? "1" : "0.55")""# : ""
            return #"<rect class="bar \#(phase)" x="\#(f(x(from)))" y="\#(f(y + 2))" "#
                + #"width="\#(f(max(1, x(to) - x(from))))" height="\#(f(rowHeight - 4))" fill="\#(fill)"\#(opacity)/>"#
        }
        var svg = #"<g class="node-row\#(missed ? " missed" : "")" data-node="\#(HTMLReport.escape(row.node))">"#
        svg += "<title>\(HTMLReport.escape(tooltip(row, missed: missed)))</title>"
        svg += #"<text x="4" y="\#(f(y + rowHeight - 3))" class="label">\#(HTMLReport.escape(row.node))</text>"#
        let lastSeen = [row.done, row.drainStarted, row.cordoned].compactMap { $0 }.first ?? runEnd
        svg += bar("queued", from: row.queued, to: row.cordoned ?? lastSeen, colour: Colour.queued)
        if let cordoned = row.cordoned {
            let until = row.drains ? (row.drainStarted ?? row.done ?? runEnd) : runEnd
            svg += bar("cordoned", from: cordoned, to: until, colour: Colour.cordoned)
        }
        if row.drains, let started = row.drainStarted {
            svg += bar("draining", from: started, to: row.done ?? runEnd, colour: Colour.draining)
        }
        if let done = row.done {
            svg +=
                #"<circle class="done" cx="\#(f(x(done)))" cy="\#(f(y + rowHeight / 2))" r="3" "#
                + #"fill="\#(missed ? Colour.missed : Colour.done)"/>"#
        }
        if let deadline = row.deadline {
            let colour = missed ? Colour.missed : Colour.deadline
            if deadline <= end {
                svg +=
                    #"<line class="deadline" x1="\#(f(x(deadline)))" y1="\#(f(y))" x2="\#(f(x(deadline)))" "#
                    + #"y2="\#(f(y + rowHeight))" stroke="\#(colour)" stroke-width="2"/>"#
            } else {
                // Beyond the axis: a mark pointing right at the edge (the slack is in the row's tooltip).
                let tip = labelWidth + plotWidth + 10
                svg +=
                    #"<path class="deadline beyond" d="M\#(f(tip - 7)) \#(f(y + 2)) L\#(f(tip)) \#(f(y + rowHeight / 2)) "#
                    + #"L\#(f(tip - 7)) \#(f(y + rowHeight - 2)) Z" fill="\#(colour)"/>"#
            }
        }
        return svg + "</g>"
    }

    static func tooltip(_ row: Timeline.NodeRow, missed: Bool) -> String {
        func at(_ name: String, _ time: Double?) -> String? { time.map { "\(name) \(String(format: "%.3f s", $0))" } }
        var parts = [
            "\(row.node) (\(row.instanceID), \(row.kind.rawValue))", at("queued", row.queued),
            at("received", row.received),
            at("cordoned", row.cordoned), at("first eviction", row.drainStarted), at("done", row.done),
            at("deadline", row.deadline),
        ].compactMap { $0 }
        if let slack = row.slack { parts.append(String(format: "slack %.3f s", slack)) }
        if missed { parts.append("MISSED its deadline") }
        if !row.drains { parts.append("cordoned only (the policy does not drain it)") }
        return parts.joined(separator: "; ")
    }

    static func open(height: Double, label: String, id: String? = nil) -> String {
        let idAttribute = id.map { #" id="\#($0)""# } ?? ""
        return #"<svg xmlns="http://www.w3.org/2000/svg"\#(idAttribute) viewBox="0 0 \#(f(width)) \#(f(height))" "#
            + #"width="100%" role="img" aria-label="\#(HTMLReport.escape(label))">"#
    }

    /// Round tick values from 0 to `end`, at most about 10.
    static func ticks(upTo end: Double) -> [Double] {
        let steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600]
        let step = steps.first { end / $0 <= 10 } ?? (end / 10).rounded(.up)
        return stride(from: 0, through: end, by: step).map { $0 }
    }

    static func tickLabel(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%g s", seconds)
    }

    /// A coordinate with at most two decimals.
    static func f(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
    }
}
