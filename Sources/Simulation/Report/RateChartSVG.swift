import Foundation

/// A stacked bar chart of a ``Timeline/RateSeries``: one bar per bin, one colour per series, in requests per second.
enum RateChartSVG {
    static let height = 180.0
    static let left = TimelineSVG.labelWidth
    static let bottom = 24.0
    static let top = 10.0

    /// A colour for each series name (request classes and `evictions`), fixed so charts agree.
    static func colour(_ series: String) -> String {
        switch series {
        case "evictions", "eviction": "#51cf66"
        case "write": "#4dabf7"
        case "cacheRead": "#fab005"
        case "watch": "#9775fa"
        case "consistentRead": "#e03131"
        case "discovery": "#f783ac"
        default: "#868e96"
        }
    }

    /// The chart, with a legend, on the timeline's time axis (0 to `axisEnd` seconds, the plot where the timeline's
    /// is, so that a bar stands under the rows of its time); `title` names it for screen readers.
    static func render(_ series: Timeline.RateSeries, title: String, axisEnd: Double) -> String {
        let width = TimelineSVG.width
        let names = series.counts.keys.sorted()
        let plotWidth = TimelineSVG.plotWidth
        let plotHeight = height - top - bottom
        let scale = niceCeiling(max(1, series.peakPerSecond))
        let f = TimelineSVG.f
        func x(_ time: Double) -> Double { left + min(max(time, 0), axisEnd) / axisEnd * plotWidth }
        var svg =
            #"<svg xmlns="http://www.w3.org/2000/svg" class="rate-chart" viewBox="0 0 \#(f(width)) \#(f(height + 20))" "#
            + #"width="100%" role="img" aria-label="\#(HTMLReport.escape(title))">"#
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            svg +=
                ##"<line x1="\##(f(left))" y1="\##(f(y))" x2="\##(f(left + plotWidth))" y2="\##(f(y))" stroke="#dee2e6"/>"##
            svg +=
                #"<text x="\#(f(left - 6))" y="\#(f(y + 4))" text-anchor="end" class="tick">"#
                + "\(f(scale * fraction))/s</text>"
        }
        for bin in 0..<series.binCount {
            let from = Double(bin) * series.binWidth
            let barWidth = x(from + series.binWidth) - x(from)
            var base = 0.0
            for name in names {
                let count = bin < (series.counts[name]?.count ?? 0) ? series.counts[name]?[bin] ?? 0 : 0
                guard count > 0 else { continue }
                let rate = Double(count) / series.binWidth
                let y = top + plotHeight * (1 - (base + rate) / scale)
                svg +=
                    #"<rect class="rate \#(HTMLReport.escape(name))" x="\#(f(x(from)))" y="\#(f(y))" "#
                    + #"width="\#(f(max(0.5, barWidth - 0.5)))" height="\#(f(plotHeight * rate / scale))" "#
                    + #"fill="\#(colour(name))"><title>\#(HTMLReport.escape(name)): "#
                    + "\(f(rate))/s at \(f(from)) s</title></rect>"
                base += rate
            }
        }
        for tick in TimelineSVG.ticks(upTo: axisEnd) {
            svg +=
                #"<text x="\#(f(x(tick)))" y="\#(f(height - 6))" text-anchor="middle" class="tick">"#
                + "\(TimelineSVG.tickLabel(tick))</text>"
        }
        var legendX = left
        for name in names {
            svg += #"<rect x="\#(f(legendX))" y="\#(f(height + 6))" width="10" height="10" fill="\#(colour(name))"/>"#
            svg +=
                #"<text x="\#(f(legendX + 14))" y="\#(f(height + 15))" class="tick">\#(HTMLReport.escape(name))</text>"#
            legendX += 24 + Double(name.count) * 7
        }
        return svg + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, (log10(value)).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= value } ?? value
    }
}
