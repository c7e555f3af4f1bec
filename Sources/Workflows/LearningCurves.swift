import Training

/// Pictures of a History: an SVG chart of loss and metric per epoch, and a one-line terminal sparkline.
public enum LearningCurves {
    /// "▁▂▄▆█" for a series (empty for no values).
    public static func sparkline(_ values: [Double]) -> String {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return "" }
        let bars = Array("▁▂▃▄▅▆▇█")
        return String(values.map { v -> Character in
            guard v.isFinite else { return " " }
            let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
            return bars[Swift.min(bars.count - 1, Int(t * Double(bars.count - 1) + 0.5))]
        })
    }

    /// An SVG with one panel per quantity (`loss` and, if present, a metric), train and validation curves, axes
    /// with tick labels, titles and a legend.
    public static func svg(_ history: History, metric: String?) -> String {
        let panels = [("loss", "Loss")] + (metric.map { [($0, $0.capitalized)] } ?? [])
        let width = 480, height = 320
        var body = ""
        for (i, (key, title)) in panels.enumerated() {
            body += panel(history, key: key, title: title, x: i * width, width: width, height: height)
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width * panels.count)" height="\(height)" \
        viewBox="0 0 \(width * panels.count) \(height)" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        \(body)</svg>

        """
    }

    static func panel(_ h: History, key: String, title: String, x: Int, width: Int, height: Int) -> String {
        let series = [(key, "train", "#1f77b4"), ("val_" + key, "validation", "#ff7f0e")].filter { !h[$0.0].isEmpty }
        let all = series.flatMap { h[$0.0] }.filter(\.isFinite)
        let (left, right, top, bottom) = (Double(x + 60), Double(x + width - 20), 40.0, Double(height - 50))
        guard var lo = all.min(), var hi = all.max() else { return "" }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let n = Swift.max(h.epochs.count, 2)
        func px(_ i: Int) -> Double { left + (right - left) * Double(i) / Double(n - 1) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * (v - lo) / (hi - lo) }
        var s = "<text x=\"\((left + right) / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(title)</text>\n"
        s += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            s += "<text x=\"\(left - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(short(v))</text>\n"
            s += "<line x1=\"\(left)\" y1=\"\(py(v))\" x2=\"\(right)\" y2=\"\(py(v))\" stroke=\"#ddd\"/>\n"
        }
        let ticks = Swift.min(h.epochs.count, 10)
        for k in 0..<ticks {
            let i = ticks > 1 ? k * (h.epochs.count - 1) / (ticks - 1) : 0
            s += "<text x=\"\(px(i))\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(h.epochs[i] + 1)</text>\n"
        }
        s += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 36)\" text-anchor=\"middle\">epoch</text>\n"
        for (j, (k, label, color)) in series.enumerated() {
            let points = h[k].enumerated().filter { $0.element.isFinite }.map { "\(px($0.offset)),\(py($0.element))" }
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let ly = top + 4 + Double(j) * 16
            s += "<line x1=\"\(right - 110)\" y1=\"\(ly)\" x2=\"\(right - 90)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            s += "<text x=\"\(right - 85)\" y=\"\(ly + 4)\">\(label)</text>\n"
        }
        return s
    }

    static func short(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return "\(r)"
    }
}
