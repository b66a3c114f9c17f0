import Glibc

/// The command line of the echo service: Cyrus's generic service options (`-C`, `-U`, `-T`,
/// whitespace-separated arguments only) plus test knobs.
struct EchoOptions {
    var configFile = "/etc/imapd.conf"
    /// `-U`: sessions before exiting 0 (0 behaves like 1).
    var uses = 250
    /// `-T`: idle seconds between sessions (armed after the first session; 0 = never).
    var reuseTimeout = 60
    /// `--fail N`: exit N at once, before doing anything (a broken program).
    var failStatus: Int32?
    /// `--greeting WORD`: put WORD in the greeting (tells configurations apart in tests).
    var greeting = "echo"

    /// Parses argv (without argv[0]); nil with a message on a usage error.
    static func parse(_ arguments: [String]) -> (EchoOptions?, String?) {
        var options = EchoOptions()
        var rest = arguments[...]
        while let word = rest.popFirst() {
            func value() -> String? { rest.popFirst() }
            switch word {
            case "-C": guard let v = value() else { return (nil, "-C needs a file") }; options.configFile = v
            case "-U": guard let v = value() else { return (nil, "-U needs a number") }; options.uses = max(0, Int(v) ?? 0)
            case "-T": guard let v = value() else { return (nil, "-T needs a number") }; options.reuseTimeout = max(0, Int(v) ?? 0)
            case "--fail": guard let v = value(), let n = Int32(v) else { return (nil, "--fail needs a status") }; options.failStatus = n
            case "--greeting": guard let v = value() else { return (nil, "--greeting needs a word") }; options.greeting = v
            case "-D", "-X": break
            default:
                if word.hasPrefix("-") && word.count > 2 && !word.hasPrefix("--") {
                    return (nil, "options and arguments MUST be separated by whitespace")
                }
                return (nil, "unknown argument \(word)")
            }
        }
        return (options, nil)
    }
}
