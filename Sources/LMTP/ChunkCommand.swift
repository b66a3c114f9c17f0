/// The arguments of `BDAT <size> [LAST]` (RFC 3030): the chunk's size in octets and whether it
/// is the message's last chunk.
struct ChunkCommand: Equatable {
    var size: Int
    var last: Bool

    /// What the arguments say. `size` is nil when the chunk size is missing, not a number or too
    /// large to count: the octets that follow cannot be found and the session cannot go on.
    /// `malformed` means the size is known but what follows it is not `LAST`.
    static func parse(_ arguments: [UInt8]) -> (size: Int?, command: ChunkCommand?) {
        var i = 0
        var size = 0
        while i < arguments.count, Bytes.isDigit(arguments[i]) {
            let (times, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(arguments[i] - 0x30))
            if o1 || o2 { return (nil, nil) }
            size = sum
            i += 1
        }
        guard i > 0, i == arguments.count || arguments[i] == 0x20 else { return (nil, nil) }
        if i == arguments.count { return (size, ChunkCommand(size: size, last: false)) }
        let rest = Array(arguments[(i + 1)...])
        guard rest.isWord("last") else { return (size, nil) }
        return (size, ChunkCommand(size: size, last: true))
    }
}
