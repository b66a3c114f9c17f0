/// What a service child needs to run Cyrus's accept loop (`master/service.c: main()`): its
/// name and listener index from master's environment, the accept-lock directory, and the
/// generic `-U`/`-T` options, normalised as Cyrus does.
public struct ServiceChildOptions: Sendable, Equatable {
    /// Cyrus's `MAX_USE`: sessions a process serves by default.
    public static let defaultUses = 250
    /// Cyrus's `REUSE_TIMEOUT`: seconds to wait for the next connection by default.
    public static let defaultReuseTimeout = 60

    /// `-U`: after this many sessions the child exits 0. Never negative; `0` behaves like `1`
    /// (Cyrus checks `uses >= n` after a session).
    public var uses: Int
    /// `-T`: base of the idle timeout between sessions, in seconds; never negative, 0 disables.
    /// The armed value is ``armedReuseTimeout(base:using:)``.
    public var reuseTimeout: Int
    /// imapd.conf's `configdirectory` (the accept lock lives in its `socket/`).
    public var configDirectory: String
    /// `CYRUS_SERVICE`: the cyrus.conf entry name.
    public var service: String
    /// `CYRUS_ID`: the listener's index among the entry's addresses.
    public var id: String
    /// Keep standard error across sessions (the program logs there). Otherwise fds 0, 1 and 2
    /// all point at /dev/null after each session, as Cyrus's lmtpd does.
    public var keepStandardError: Bool

    public init(uses: Int = ServiceChildOptions.defaultUses,
                reuseTimeout: Int = ServiceChildOptions.defaultReuseTimeout,
                configDirectory: String, service: String, id: String, keepStandardError: Bool = false) {
        self.uses = Self.normalized(uses)
        self.reuseTimeout = Self.normalized(reuseTimeout)
        self.configDirectory = configDirectory
        self.service = service
        self.id = id
        self.keepStandardError = keepStandardError
    }

    /// `-U`/`-T` values given as text, read with C `atoi` semantics as Cyrus does (`10x` is 10,
    /// `abc` is 0); nil means the default.
    public init(usesArgument: String?, reuseTimeoutArgument: String?, configDirectory: String,
                service: String, id: String, keepStandardError: Bool = false) {
        self.init(uses: usesArgument.map(Self.cInteger) ?? Self.defaultUses,
                  reuseTimeout: reuseTimeoutArgument.map(Self.cInteger) ?? Self.defaultReuseTimeout,
                  configDirectory: configDirectory, service: service, id: id,
                  keepStandardError: keepStandardError)
    }

    /// The accept lock: `{configdirectory}/socket/{service}-{id}.lock`.
    public var lockPath: String {
        ServiceContract.acceptLockPath(configDirectory: configDirectory, service: service, id: id)
    }

    /// Whether a child that has served `served` sessions must exit now (Cyrus: `use_count >= max_use`).
    public func usesExhausted(served: Int) -> Bool { served >= uses }

    /// Cyrus's `if (x < 0) x = 0` for `-U` and `-T`.
    public static func normalized(_ value: Int) -> Int { max(0, value) }

    /// The idle timeout a child arms between sessions: `base + rand() % base`, a value in
    /// `[base, 2*base-1]` chosen once per process; 0 (or less) disables it. Clamped so that
    /// it fits `alarm(2)`.
    public static func armedReuseTimeout<R: RandomNumberGenerator>(base: Int, using random: inout R) -> Int {
        guard base > 0 else { return 0 }
        let limited = min(base, Int(Int32.max / 2))
        return limited + Int.random(in: 0..<limited, using: &random)
    }

    /// ``armedReuseTimeout(base:using:)`` with the system's generator.
    public static func armedReuseTimeout(base: Int) -> Int {
        var random = SystemRandomNumberGenerator()
        return armedReuseTimeout(base: base, using: &random)
    }

    /// C `atoi`: optional leading white space, an optional sign, then decimal digits up to the
    /// first other character; no digits gives 0. Values outside C's `int` are clamped to it.
    public static func cInteger(_ text: String) -> Int {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, first == 0x20 || (0x09...0x0D).contains(first) { bytes.removeFirst() }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        var value = 0
        for byte in bytes {
            guard (0x30...0x39).contains(byte) else { break }
            let digit = Int(byte - 0x30)
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return negative ? Int(Int32.min) : Int(Int32.max) }
            value = sum
        }
        return min(max(negative ? -value : value, Int(Int32.min)), Int(Int32.max))
    }
}
