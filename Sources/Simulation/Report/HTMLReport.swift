import Foundation

/// `simulate --report FILE.html`: one self-contained page (inline style sheet, inline SVG; no script, no font, no
/// network) with the timeline of every interrupted node, the eviction and request rates and the summary table.
///
/// Pure: data in, string out. Every text taken from the data is escaped.
public enum HTMLReport {
    /// The page for a finished simulation.
    public static func render(_ summary: Simulation.Summary) -> String {
        render(timeline: summary.timeline, table: SummaryTable(summary))
    }

    /// The page for a timeline and its summary table.
    public static func render(timeline: Timeline, table: SummaryTable, title: String = "simulate report") -> String {
        let missed = timeline.nodes.count { $0.missedDeadline(end: timeline.end) }
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head><body>
            <h1>\(escape(title))</h1>
            <p class="headline">\(escape(table.headline))</p>\(table.outcome.map { "<p class=\"headline\">\(escape($0))</p>" } ?? "")

            """
        html += "<h2>Timeline</h2>\n<p class=\"legend\">"
        html += legendItem(TimelineSVG.Colour.queued, "queued (message sent, not yet cordoned)")
        html += legendItem(TimelineSVG.Colour.cordoned, "cordoned")
        html += legendItem(TimelineSVG.Colour.draining, "draining (first eviction to last workload pod gone)")
        html += legendItem(TimelineSVG.Colour.done, "done", round: true)
        html += legendItem(TimelineSVG.Colour.deadline, "deadline (▸ at the right edge: beyond the axis)")
        html += legendItem(TimelineSVG.Colour.missed, "missed deadline")
        html += "</p>\n<p class=\"note\">\(timeline.nodes.count) nodes, \(missed) missed their deadline; every "
        html += "node has its row (the rows scroll under the axis; hover a row for its times).</p>\n"
        html += "<div class=\"axis\">\(TimelineSVG.axis(timeline))</div>\n"
        html += "<div class=\"rows\">\(TimelineSVG.rows(timeline))</div>\n"
        html += "<h2>Evictions per second</h2>\n"
        html +=
            RateChartSVG.render(
                timeline.evictions, title: "accepted evictions per second", axisEnd: TimelineSVG.axisEnd(timeline))
            + "\n"
        html += "<h2>Apiserver requests per second, by class</h2>\n"
        html +=
            RateChartSVG.render(
                timeline.requests, title: "apiserver requests per second by class",
                axisEnd: TimelineSVG.axisEnd(timeline)) + "\n"
        html += "<h2>Summary</h2>\n"
        for section in table.sections { html += self.table(section) }
        html += "<ul class=\"notes\">" + table.notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n"
        return html + "</body></html>\n"
    }

    private static func legendItem(_ colour: String, _ text: String, round: Bool = false) -> String {
        let shape = round ? "border-radius:50%;" : ""
        return #"<span class="key"><i style="background:\#(colour);\#(shape)"></i>\#(escape(text))</span>"#
    }

    private static func table(_ section: SummaryTable.Section) -> String {
        var html = "<table><caption>\(escape(section.title))</caption><thead><tr>"
        html += section.header.map { "<th>\(escape($0))</th>" }.joined()
        html += "</tr></thead><tbody>"
        for row in section.rows {
            html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>\n"
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, for element content and quoted attributes alike.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static let style = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px 24px;color:#212529}\
        h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:18px 0 6px}\
        .headline{margin:0 0 8px}.note{color:#495057;margin:2px 0}\
        .legend .key{margin-right:14px;white-space:nowrap}\
        .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}\
        .rows{max-height:55vh;overflow-y:auto;border:1px solid #dee2e6}\
        svg text{font-size:11px;fill:#343a40}svg .tick{font-size:11px;fill:#495057}\
        table{border-collapse:collapse;margin:8px 0 14px}caption{text-align:left;font-weight:600;padding:4px 0}\
        th,td{border:1px solid #dee2e6;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}\
        th{background:#f1f3f5}.notes{color:#495057}
        """
}
