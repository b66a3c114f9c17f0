import CShims
import Glibc
import POSIXCore

/// The shared counter region: an anonymous shared-memory file (`memfd`) minimaster creates and
/// maps, and every service child it starts inherits as fd 5 (``inheritedFD``, announced by
/// ``environmentVariable``) and maps too. It holds ``slotCount`` slots of ``SlotWord/count``
/// words; a child claims a free slot at start (one compare-and-swap of the owner word) and from
/// then on adds to its own words with plain stores: no lock, no system call, no allocation per
/// message. minimaster reads the slots when scraped, and when it reaps a child folds that
/// child's slot into its own totals and frees it: a child killed with SIGKILL loses nothing it
/// had counted.
public final class CounterRegion: @unchecked Sendable {
    /// Slots in a region: children that can count at once.
    public static let slotCount = 1024
    /// Bytes the region takes (pages are only used once touched).
    public static let byteCount = slotCount * SlotWord.count * 8
    /// The descriptor a child finds the region on.
    public static let inheritedFD: Int32 = 5
    /// Set in a child's environment (to ``inheritedFD``) when the region is passed.
    public static let environmentVariable = "MINIMASTER_METRICS_FD"

    /// The memfd (minimaster keeps it to pass it on; -1 in a child, which closes it after
    /// mapping).
    public let fd: Int32
    private let base: UnsafeMutablePointer<UInt64>

    private init(fd: Int32, base: UnsafeMutablePointer<UInt64>) {
        self.fd = fd
        self.base = base
    }

    /// A new, zeroed region (minimaster's side).
    public static func create() throws(Errno) -> CounterRegion {
        let fd = cshim_memfd("minimaster-metrics")
        guard fd >= 0 else { throw .current }
        guard ftruncate(fd, off_t(byteCount)) == 0, let base = map(fd) else {
            let error = Errno.current
            close(fd)
            throw error
        }
        return CounterRegion(fd: fd, base: base)
    }

    /// The region a master passed on `fd` (a child's side): mapped, and `fd` closed so that
    /// nothing the child starts inherits it. Nil, and `fd` left alone (it may be anything),
    /// when `fd` is not a shared-memory file of the region's size.
    public static func attach(fd: Int32) -> CounterRegion? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) == byteCount,
              let base = map(fd) else { return nil }
        close(fd)
        return CounterRegion(fd: -1, base: base)
    }

    private static func map(_ fd: Int32) -> UnsafeMutablePointer<UInt64>? {
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else { return nil }
        return address.bindMemory(to: UInt64.self, capacity: byteCount / 8)
    }

    /// Slot `index`'s first word.
    func slot(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        base + index * SlotWord.count
    }

    /// Claims a free slot for `pid` (a child's side): its words, zeroed by the master when
    /// the slot was last freed; nil when every slot is taken.
    public func claim(pid: Int32) -> ChildCounters? {
        for index in 0..<Self.slotCount {
            let words = slot(index)
            if cshim_counter_load(words) == 0 && cshim_counter_claim(words, 0, UInt64(pid)) != 0 {
                return ChildCounters(words: words)
            }
        }
        return nil
    }

    /// Adds the counters of `pid`'s slot to `totals` (``SlotWord/count`` words, owner word
    /// unused), zeroes the slot and frees it (the master's side, after reaping `pid`; the
    /// gauge word is not added). Returns whether `pid` had a slot.
    @discardableResult
    public func release(pid: Int32, into totals: inout [UInt64]) -> Bool {
        for index in 0..<Self.slotCount {
            let words = slot(index)
            guard cshim_counter_load(words) == UInt64(pid) else { continue }
            for word in 1..<SlotWord.count where word != SlotWord.activeConnection.rawValue {
                totals[word] &+= cshim_counter_load(words + word)
                cshim_counter_store(words + word, 0)
            }
            cshim_counter_store(words + SlotWord.activeConnection.rawValue, 0)
            cshim_counter_store(words, 0)
            return true
        }
        return false
    }

    /// The sum of every claimed slot's words (owner word: the number of claimed slots).
    public func liveSum() -> [UInt64] {
        var sum = [UInt64](repeating: 0, count: SlotWord.count)
        for index in 0..<Self.slotCount {
            let words = slot(index)
            guard cshim_counter_load(words) != 0 else { continue }
            sum[0] += 1
            for word in 1..<SlotWord.count { sum[word] &+= cshim_counter_load(words + word) }
        }
        return sum
    }
}
