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

    private static func rect(x: Double, y: Double, width: Double, height: Double, kind: String) -> String {
        let numbers = String(format: "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, width, height)
        return "<rect \(numbers) class=\"\(kind)\"/>"
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}
