@testable import Master
import Metrics
import Testing

@Suite("metrics: the exposition formats and the shared counter region")
struct MetricsExpositionTests {
    @Test("Prometheus text: HELP and TYPE, labels escaped, cumulative histogram buckets")
    func prometheusText() {
        var out = MetricsExposition(format: .prometheus)
        out.counter("x_total", "Things\\done\nhere", [([("service", "a\"b\\c\nd")], 3)])
        out.gauge("y", "A gauge", [([], 1.5), ([("k", "v")], .infinity)])
        out.histogram("z_seconds", "Latency", bounds: [0.1, 1], buckets: [2, 3, 1], sum: 2.25, count: 6)
        #expect(out.finish() == """
            # HELP x_total Things\\\\done\\nhere
            # TYPE x_total counter
            x_total{service="a\\"b\\\\c\\nd"} 3
            # HELP y A gauge
            # TYPE y gauge
            y 1.5
            y{k="v"} +Inf
            # HELP z_seconds Latency
            # TYPE z_seconds histogram
            z_seconds_bucket{le="0.1"} 2
            z_seconds_bucket{le="1"} 5
            z_seconds_bucket{le="+Inf"} 6
            z_seconds_sum 2.25
            z_seconds_count 6

            """)
    }

    @Test("OpenMetrics: a counter family is named without _total, and the text ends with # EOF")
    func openMetrics() {
        var out = MetricsExposition(format: .openMetrics)
        out.counter("x_total", "Things", [([], 7)])
        #expect(out.finish() == "# HELP x Things\n# TYPE x counter\nx_total 7\n# EOF\n")
    }

    @Test("a child's slot: claimed once per pid, counted with plain stores, folded into the totals when released")
    func regionSlots() throws {
        let region = try CounterRegion.create()
        let first = try #require(region.claim(pid: 101))
        let second = try #require(region.claim(pid: 102))
        first.add(.messages)
        first.add(.bytes, 4096)
        first.set(.activeConnection, 1)
        first.observe(.latency, 0.02)
        second.add(.messages, 2)
        var live = region.liveSum()
        #expect(live[SlotWord.owner.rawValue] == 2)
        #expect(live[SlotWord.messages.rawValue] == 3)
        #expect(live[SlotWord.activeConnection.rawValue] == 1)
        #expect(live[Histogram.latency.bucketWord(for: 0.02)] == 1)
        #expect(Histogram.latency.bucketWord(for: 0.02) == SlotWord.latency.rawValue + 2)   // le 0.025
        #expect(live[Histogram.latency.sumWord] == 20_000)                                   // microseconds

        var totals = [UInt64](repeating: 0, count: SlotWord.count)
        #expect(region.release(pid: 101, into: &totals))
        #expect(!region.release(pid: 999, into: &totals))
        #expect(totals[SlotWord.messages.rawValue] == 1 && totals[SlotWord.bytes.rawValue] == 4096)
        #expect(totals[SlotWord.activeConnection.rawValue] == 0, "a gauge is not carried over")
        live = region.liveSum()
        #expect(live[SlotWord.owner.rawValue] == 1 && live[SlotWord.messages.rawValue] == 2)
        // The freed slot is clean for the next child.
        let third = try #require(region.claim(pid: 103))
        #expect(third.value(.messages) == 0 && third.value(.bytes) == 0)
    }

    @Test("a histogram's bucket: values on a bound count in that bucket, values above all in +Inf")
    func buckets() {
        let size = Histogram.size
        #expect(size.bucketWord(for: 1024) == SlotWord.size.rawValue)
        #expect(size.bucketWord(for: 1025) == SlotWord.size.rawValue + 1)
        #expect(size.bucketWord(for: 1e12) == SlotWord.size.rawValue + size.bounds.count)
        #expect(size.countWord < SlotWord.count && Histogram.latency.countWord < SlotWord.size.rawValue)
    }
}
