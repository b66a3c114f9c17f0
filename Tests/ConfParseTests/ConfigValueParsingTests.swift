import Testing
@testable import ConfParse

@Suite("value conversions")
struct ConfigValueParsingTests {
    @Test("strtol base 0, whole value", arguments: [
        ("0", 0), ("7", 7), ("010", 8), ("0777", 511), ("0x1F", 31), ("0Xff", 255), ("-12", -12), ("+12", 12),
        ("  5", 5), ("-9223372036854775808", Int.min),
    ])
    func cLong(_ text: String, _ value: Int) {
        #expect(ConfigValueParsing.parseCLong(text) == value)
    }

    @Test("not strtol-complete", arguments: ["", "-", "+", "08", "0x", "0xg", "12abc", "1e3", "99999999999999999999", "5 "])
    func notCLong(_ text: String) {
        #expect(ConfigValueParsing.parseCLong(text) == nil)
    }

    @Test("master's getint and atoi", arguments: [
        ("5", 5, 5), ("5x", 5, 5), ("x5", -1, 0), ("-3", -3, -3), ("-x", -1, 0), ("+4", -1, 4), (" 6", -1, 6), ("", -1, 0),
        ("99999999999", Int(Int32.max), Int(Int32.max)), ("-99999999999", Int(Int32.min), Int(Int32.min)),
    ])
    func masterIntegers(_ text: String, _ getint: Int, _ atoi: Int) {
        #expect(ConfigValueParsing.masterGetInt(text, default: -1) == getint)
        #expect(ConfigValueParsing.atoi(text) == atoi)
    }

    @Test("strict cyrus.conf integers", arguments: [("12", 12), ("-1", -1), ("0", 0), ("2147483647", 2147483647)])
    func strictInt(_ text: String, _ value: Int) {
        #expect(ConfigValueParsing.strictInt(text) == value)
    }

    @Test("not strict integers", arguments: ["", "+1", "1x", " 1", "2147483648", "-", "1.0"])
    func notStrictInt(_ text: String) {
        #expect(ConfigValueParsing.strictInt(text) == nil)
    }

    @Test("durations", arguments: [
        ("30", 60, 1800), ("30", 1, 30), ("1d", 1, 86400), ("1h30m", 1, 5400), ("2m5", 1, 125), ("-10s", 1, -10), ("0", 60, 0),
    ])
    func durations(_ text: String, _ unit: Int, _ seconds: Int) {
        #expect(ConfigValueParsing.parseDuration(text, defaultUnit: unit) == seconds)
    }

    @Test("not durations", arguments: ["", "-", "m", "1w", "1h-1m", "1 h", "99999999999999999999s"])
    func notDurations(_ text: String) {
        #expect(ConfigValueParsing.parseDuration(text, defaultUnit: 1) == nil)
    }
}

@Suite("diagnostic formatting")
struct DiagnosticFormattingTests {
    @Test("errors and warnings print as path:line: message")
    func descriptions() {
        #expect(ConfigDiagnostic(file: "/etc/cyrus.conf", line: 3, message: "m").description == "/etc/cyrus.conf:3: m")
        #expect(ConfigDiagnostic(file: "f", line: 3, message: "m", severity: .warning).description == "f:3: warning: m")
        #expect(ConfigDiagnostic(file: "f", line: nil, message: "m").description == "f: m")
        let error = ConfigError([ConfigDiagnostic(file: "a", line: 1, message: "x"),
                                 ConfigDiagnostic(file: "a", line: 2, message: "y", severity: .warning)])
        #expect(error.description == "a:1: x\na:2: y")
    }
}
