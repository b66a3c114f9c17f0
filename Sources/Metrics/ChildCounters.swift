import CShims

/// One child's slot in the ``CounterRegion``: the only writer of these words. Each call is a
/// load and a store of shared memory (no lock, no system call, no allocation).
public final class ChildCounters: @unchecked Sendable {
    private let words: UnsafeMutablePointer<UInt64>

    init(words: UnsafeMutablePointer<UInt64>) {
        self.words = words
    }

    /// Adds `amount` to `word`.
    @inline(__always)
    public func add(_ word: SlotWord, _ amount: UInt64 = 1) {
        cshim_counter_add(words + word.rawValue, amount)
    }

    /// Adds 1 to word `index` (an outcome or histogram word).
    @inline(__always)
    public func add(index: Int, _ amount: UInt64 = 1) {
        cshim_counter_add(words + index, amount)
    }

    /// Sets a gauge word.
    @inline(__always)
    public func set(_ word: SlotWord, _ value: UInt64) {
        cshim_counter_store(words + word.rawValue, value)
    }

    /// Records one observation of `histogram`.
    public func observe(_ histogram: Histogram, _ value: Double) {
        add(index: histogram.bucketWord(for: value))
        add(index: histogram.sumWord, UInt64(max(0, value * histogram.sumScale).rounded()))
        add(index: histogram.countWord)
    }

    /// The current value of `word` (tests, and the child's own view).
    public func value(_ word: SlotWord) -> UInt64 {
        cshim_counter_load(words + word.rawValue)
    }
}
