import LMTPDCommand
import LMTPServer
import Testing

@Suite("lmtpd's command line: the master's vectors without swift-argument-parser")
struct MasterArgumentsTests {
    /// The fields of LMTPDOptions, comparable.
    static func fields(_ options: LMTPDOptions) -> [String] {
        [options.configFile, options.uses ?? "-", options.reuseTimeout ?? "-", "\(options.debug)", "\(options.singleSession)",
         "\(options.preauthorize)", "\(options.logToStderr)"]
    }

    static let vectors: [[String]] = [
        [], ["-a"], ["-C", "/etc/imapd.conf"], ["-a", "-C", "/x/imapd.conf"], ["-C", "/x", "-a"],
        ["-U", "10", "-T", "5", "-a", "-C", "/c"], ["-D", "-X", "--log-to-stderr"], ["-C", "-a"], ["-U", "-T"],
        ["-aD"], ["-C/x"], ["-a", "-a"], ["-C", "/x", "-C", "/y"], ["--help"], ["--check-config", "lmtp"],
        ["-Z"], ["extra"], ["-C"], ["-T", "0", "-U", "1"], ["--log-to-stderr", "-X"],
    ]

    @Test("every vector it reads means exactly what swift-argument-parser makes of it")
    func sameMeaning() throws {
        var read = 0
        for vector in Self.vectors {
            guard let fast = MasterArguments.parse(vector) else { continue }
            read += 1
            let parsed = try LMTPD.parse(vector)
            #expect(Self.fields(fast) == Self.fields(parsed.options), "\(vector)")
        }
        #expect(read >= 10, "the plain vectors are read: \(read)")
    }

    @Test("what it does not read goes to swift-argument-parser: combined or joined flags, repeats, options of humans")
    func declines() {
        for vector in [["-aD"], ["-C/x"], ["-a", "-a"], ["--help"], ["--check-config", "lmtp"], ["-Z"], ["extra"], ["-C"]] {
            #expect(MasterArguments.parse(vector) == nil, "\(vector)")
        }
    }

    @Test("a value is the next word, whatever it is (as -C's unconditional parsing)")
    func values() {
        let options = MasterArguments.parse(["-C", "-a", "-U", "-T"])
        #expect(options?.configFile == "-a" && options?.uses == "-T" && options?.preauthorize == false)
    }
}
