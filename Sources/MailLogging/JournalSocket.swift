import Glibc

/// journald's native protocol, spoken directly (systemd's "Native Journal Protocol", the
/// datagrams `sd_journal_sendv(3)` sends): one datagram per entry to
/// `/run/systemd/journal/socket`, each field `KEY=value\n`, or `KEY\n`, the value's length as
/// a 64-bit little-endian number, the value and `\n` when the value holds a newline.
///
/// Written here rather than through libsystemd so that lmtpd, which forks and execs for every
/// few hundred sessions, does not load libsystemd and the six libraries it pulls in (libcap,
/// libgcrypt, libgpg-error, liblzma, libzstd, liblz4) at every start (docs/BENCHMARKS.md).
/// Entries too large for one datagram (journald's limit is far above a log line) are dropped,
/// as libsystemd drops what it cannot send.
enum JournalSocket {
    static let path = "/run/systemd/journal/socket"

    /// The process's unconnected datagram socket, opened on first use (-1 if it cannot be).
    private static let fd: Int32 = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)

    /// Sends one entry made of `fields` (name, value). Failures are ignored: logging must not
    /// stop a delivery, and there is nowhere better to report them.
    static func send(_ fields: [(name: String, value: String)]) {
        guard fd >= 0 else { return }
        let datagram = encode(fields)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        _ = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress,
                           socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }

    /// The datagram for `fields`, in the protocol's text or binary field form.
    static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 10 })
        for field in fields {
            datagram += field.name.utf8
            if field.value.utf8.contains(0x0A) {
                datagram.append(0x0A)
                var length = UInt64(field.value.utf8.count).littleEndian
                withUnsafeBytes(of: &length) { datagram += $0 }
            } else {
                datagram.append(UInt8(ascii: "="))
            }
            datagram += field.value.utf8
            datagram.append(0x0A)
        }
        return datagram
    }
}
