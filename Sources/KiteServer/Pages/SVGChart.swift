import Foundation

/// Charts drawn as inline SVG by Kite itself, so pages and reports need no script and no network.
enum SVGChart {
    /// Paired bars of two distributions over the same bins (reference grey, current blue), with each bin's label
    /// and both shares in its tooltip. `labels` has one entry per bin.
    static func pairedBars(labels: [String], reference: [Double], current: [Double], title: String, width: Int = 360, height: Int = 140) -> String {
        let bins = min(labels.count, reference.count, current.count)
        let top = max(reference.prefix(bins).max() ?? 0, current.prefix(bins).max() ?? 0, 1e-12)
        let plotHeight = Double(height - 20)
        let slot = Double(width) / Double(max(bins, 1))
        let bar = max(slot / 2 - 1, 1)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
        svg += "<title>\(HTMLText.escape(title))</title>"
        svg += "<line x1=\"0\" y1=\"\(plotHeight)\" x2=\"\(width)\" y2=\"\(plotHeight)\" class=\"axis\"/>"
        for i in 0..<bins {
            let x = Double(i) * slot
            let tip = HTMLText.escape("\(labels[i]): reference \(percent(reference[i])), current \(percent(current[i]))")
            let referenceHeight = plotHeight * reference[i] / top
            let currentHeight = plotHeight * current[i] / top
            svg += "<g><title>\(tip)</title>"
            svg += rect(x: x + 1, y: plotHeight - referenceHeight, width: bar, height: referenceHeight, kind: "reference")
            svg += rect(x: x + 1 + bar, y: plotHeight - currentHeight, width: bar, height: currentHeight, kind: "current")
            svg += "</g>"
        }
        if let first = labels.first, let last = labels.last, bins > 0 {
            svg += "<text x=\"0\" y=\"\(height - 4)\" class=\"tick\">\(HTMLText.escape(String(first.prefix(16))))</text>"
            svg += "<text x=\"\(width)\" y=\"\(height - 4)\" class=\"tick\" text-anchor=\"end\">\(HTMLText.escape(String(last.prefix(16))))</text>"
        }
        return svg + "</svg>"
    }

    /// One horizontal bar per label, longest for the largest value, with the label on the left and the value on
    /// the right (as `format` writes it).
    static func horizontalBars(labels: [String], values: [Double], title: String, format: String = "%.4g", width: Int = 560) -> String {
        let count = min(labels.count, values.count)
        let top = max(values.prefix(count).max() ?? 0, 1e-12)
        let row = 18.0
        let height = Int(row * Double(count)) + 4
        let labelWidth = 180.0
        let plotWidth = Double(width) - labelWidth - 70
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
        svg += "<title>\(HTMLText.escape(title))</title>"
        for i in 0..<count {
            let y = Double(i) * row + 2
            let value = String(format: format, values[i])
            svg += "<g><title>\(HTMLText.escape("\(labels[i]): \(value)"))</title>"
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 12)\" class=\"tick\" text-anchor=\"end\">\(HTMLText.escape(String(labels[i].prefix(28))))</text>"
            svg += rect(x: labelWidth, y: y + 2, width: max(plotWidth * values[i] / top, 1), height: row - 5, kind: "current")
            svg += "<text x=\"\(labelWidth + plotWidth * values[i] / top + 4)\" y=\"\(y + 12)\" class=\"tick\">\(HTMLText.escape(value))</text></g>"
        }
        return svg + "</svg>"
    }

    /// Lines over the same x positions (one per label), each a named series with gaps where a value is missing;
    /// `classes` style each line (`current`, `estimated`, `reference`). A legend names the series.
    static func lines(
        labels: [String], series: [(name: String, values: [Double?], kind: String)], title: String, width: Int = 560, height: Int = 180
    ) -> String {
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        let low = values.min() ?? 0
        let high = values.max() ?? 1
        let span = high > low ? high - low : 1
        let plotHeight = Double(height - 36)
        let step = labels.count > 1 ? Double(width - 20) / Double(labels.count - 1) : 0
        func y(_ value: Double) -> Double { 8 + plotHeight * (1 - (value - low) / span) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
        svg += "<title>\(HTMLText.escape(title))</title>"
        svg += "<line x1=\"0\" y1=\"\(8 + plotHeight)\" x2=\"\(width)\" y2=\"\(8 + plotHeight)\" class=\"axis\"/>"
        for line in series {
            var path = ""
            var pen = false
            for (i, value) in line.values.enumerated() {
                guard let value, value.isFinite else {
                    pen = false
                    continue
                }
                path += (pen ? "L" : "M") + String(format: "%.1f %.1f ", 10 + Double(i) * step, y(value))
                pen = true
            }
            svg += "<path d=\"\(path)\" class=\"line \(line.kind)\"><title>\(HTMLText.escape(line.name))</title></path>"
            for (i, value) in line.values.enumerated() {
                guard let value, value.isFinite else { continue }
                let tip = HTMLText.escape("\(line.name), \(labels[i]): \(String(format: "%.4g", value))")
                svg +=
                    String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" class=\"dot ", 10 + Double(i) * step, y(value)) + line.kind
                    + "\"><title>\(tip)</title></circle>"
            }
        }
        svg += "<text x=\"0\" y=\"\(height - 4)\" class=\"tick\">\(HTMLText.escape(labels.first ?? ""))</text>"
        svg += "<text x=\"\(width)\" y=\"\(height - 4)\" class=\"tick\" text-anchor=\"end\">\(HTMLText.escape(labels.last ?? ""))</text>"
        svg += String(format: "<text x=\"%d\" y=\"12\" class=\"tick\" text-anchor=\"end\">%.4g</text>", width, high)
        svg += String(format: "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.4g</text>", width, 8 + plotHeight - 2, low)
        return svg + "</svg>"
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, kind: String) -> String {
        let numbers = String(format: "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, width, height)
        return "<rect \(numbers) class=\"\(kind)\"/>"
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}
