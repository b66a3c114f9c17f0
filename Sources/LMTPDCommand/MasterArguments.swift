import LMTPServer

/// The argument vectors a master passes to lmtpd, read without swift-argument-parser: each of
/// `-C file`, `-U n`, `-T n` (the value is the next word, whatever it is, as for ``LMTPD``),
/// `-D`, `-X`, `-a` and `--log-to-stderr` at most once, each a word of its own. Anything else
/// (combined flags, `-Cfile`, repeats, `--help`, `--check-config`, unknown words) is nil, and
/// swift-argument-parser reads the vector instead, so a vector means the same either way.
public enum MasterArguments {
    public static func parse(_ arguments: [String]) -> LMTPDOptions? {
        var options = LMTPDOptions()
        var seen: Set<String> = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            guard seen.insert(word).inserted else { return nil }
            switch word {
            case "-C", "-U", "-T":
                guard index + 1 < arguments.count else { return nil }
                let value = arguments[index + 1]
                switch word {
                case "-C": options.configFile = value
                case "-U": options.uses = value
                default: options.reuseTimeout = value
                }
                index += 2
                continue
            case "-D": options.debug = true
            case "-X": options.singleSession = true
            case "-a": options.preauthorize = true
            case "--log-to-stderr": options.logToStderr = true
            default: return nil
            }
            index += 1
        }
        return options
    }
}
