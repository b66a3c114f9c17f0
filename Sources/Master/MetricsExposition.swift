/// Writes metrics in Prometheus's text exposition format (0.0.4) or in OpenMetrics 1.0 (what a
/// scraper asks for with `Accept: application/openmetrics-text`): `# HELP` and `# TYPE` lines,
/// then the samples. In OpenMetrics a counter's family is named without `_total` (its sample
/// keeps it) and the text ends with `# EOF`.
///
/// Hand-written rather than through swift-prometheus: our values are summed at scrape time
/// from the children's shared slots and histograms arrive as bucket counts, while that
/// library's registry only records observations in-process and writes the 0.0.4 format only
/// (docs/ARCHITECTURE.md, "Metrics").
struct MetricsExposition {
    enum Format {
        case prometheus, openMetrics

        /// The `Content-Type` of a response in this format.
        var contentType: String {
            switch self {
            case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }
    }

    /// One sample's labels, in order.
    typealias Labels = [(name: String, value: String)]

    let format: Format
    private(set) var text = ""

    init(format: Format) {
        self.format = format
    }

    /// A counter family (`name` ends in `_total`).
    mutating func counter(_ name: String, _ help: String, _ samples: [(Labels, UInt64)]) {
        let family = format == .openMetrics && name.hasSuffix("_total") ? String(name.dropLast(6)) : name
        header(family, help, "counter")
        for (labels, value) in samples { sample(name, labels, String(value)) }
    }

    /// A gauge family.
    mutating func gauge(_ name: String, _ help: String, _ samples: [(Labels, Double)]) {
        header(name, help, "gauge")
        for (labels, value) in samples { sample(name, labels, Self.number(value)) }
    }

    /// A histogram from its non-cumulative bucket counts (one per bound, then `+Inf`), its sum
    /// and its count.
    mutating func histogram(_ name: String, _ help: String, bounds: [Double], buckets: [UInt64], sum: Double, count: UInt64) {
        header(name, help, "histogram")
        var cumulative: UInt64 = 0
        for (index, bucket) in buckets.enumerated() {
            cumulative &+= bucket
            let bound = index < bounds.count ? Self.number(bounds[index]) : "+Inf"
            sample(name + "_bucket", [("le", bound)], String(cumulative))
        }
        sample(name + "_sum", [], Self.number(sum))
        sample(name + "_count", [], String(count))
    }

    /// The whole text (OpenMetrics: with its `# EOF`).
    mutating func finish() -> String {
        if format == .openMetrics { text += "# EOF\n" }
        return text
    }

    private mutating func header(_ family: String, _ help: String, _ type: String) {
        text += "# HELP \(family) \(Self.escapedHelp(help))\n# TYPE \(family) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: Labels, _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.name)=\"\(Self.escapedLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " " + value + "\n"
    }

    /// A sample value: integers without a fraction, others as Swift prints them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Label values escape `\`, `"` and newlines.
    static func escapedLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Help texts escape `\` and newlines.
    static func escapedHelp(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}
