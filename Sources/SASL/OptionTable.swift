import CSASL
import Glibc

/// The C side of a `SASLOptions`: every value as a C string made once, so that the pointers
/// handed to libsasl's getopt callers stay valid as long as the table lives (libsasl may keep
/// them for the duration of a call or a connection). Immutable after init, so it can be read
/// from any callback without locking.
final class OptionTable: @unchecked Sendable {
    private let options: SASLOptions
    /// Values that win over `options` for any plugin (e.g. `mech_list` forced to `EXTERNAL`).
    private let overrides: [String: String]
    private let strings: [String: UnsafeMutablePointer<CChar>]

    init(_ options: SASLOptions, overrides: [String: String] = [:]) {
        self.options = options
        self.overrides = Dictionary(overrides.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        var strings: [String: UnsafeMutablePointer<CChar>] = [:]
        for value in Set(options.generic.values).union(options.serviceSpecific.values).union(overrides.values) {
            if let copy = strdup(value) { strings[value] = copy }
        }
        self.strings = strings
    }

    deinit {
        for pointer in strings.values { free(pointer) }
    }

    /// The C string libsasl gets for `option` of `plugin`, or nil when unset.
    func lookup(plugin: String?, option: String) -> UnsafePointer<CChar>? {
        let value = overrides[option.lowercased()] ?? options.lookup(plugin: plugin, option: option)
        return value.flatMap { strings[$0] }.map { UnsafePointer($0) }
    }
}

/// libsasl's getopt callback: `context` is an unretained `OptionTable`.
func saslGetopt(context: UnsafeMutableRawPointer?, plugin: UnsafePointer<CChar>?, option: UnsafePointer<CChar>?,
                result: UnsafeMutablePointer<UnsafePointer<CChar>?>?, length: UnsafeMutablePointer<UInt32>?) -> Int32 {
    guard let context, let option, let result else { return SASL_FAIL }
    let table = Unmanaged<OptionTable>.fromOpaque(context).takeUnretainedValue()
    guard let value = table.lookup(plugin: plugin.map { String(cString: $0) }, option: String(cString: option)) else {
        return SASL_FAIL
    }
    result.pointee = value
    length?.pointee = UInt32(strlen(value))
    return SASL_OK
}

/// libsasl's verifyfile callback for a process that loads no plugin files: every plugin is
/// skipped (`SASL_CONTINUE`), other files (configuration, password databases) are used.
func saslSkipPlugins(context: UnsafeMutableRawPointer?, file: UnsafePointer<CChar>?, type: sasl_verify_type_t) -> Int32 {
    type == SASL_VRFY_PLUGIN ? SASL_CONTINUE : SASL_OK
}

/// A `sasl_callback_t` list (getopt, optionally log and a verifyfile that skips plugins, then
/// the end marker) allocated for as long as libsasl may use it.
struct CallbackList {
    let pointer: UnsafeMutablePointer<sasl_callback_t>

    init(getoptContext: UnsafeMutableRawPointer, logContext: UnsafeMutableRawPointer?, skipPlugins: Bool = false) {
        let getopt: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                    UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafeMutablePointer<UInt32>?) -> Int32 = saslGetopt
        var entries = [sasl_callback_t(id: UInt(SASL_CB_GETOPT), proc: unsafeBitCast(getopt, to: (@convention(c) () -> Int32).self),
                                       context: getoptContext)]
        if let logContext {
            let log: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Int32 = saslLog
            entries.append(sasl_callback_t(id: UInt(SASL_CB_LOG), proc: unsafeBitCast(log, to: (@convention(c) () -> Int32).self),
                                           context: logContext))
        }
        if skipPlugins {
            let verify: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, sasl_verify_type_t) -> Int32 = saslSkipPlugins
            entries.append(sasl_callback_t(id: UInt(SASL_CB_VERIFYFILE), proc: unsafeBitCast(verify, to: (@convention(c) () -> Int32).self),
                                           context: nil))
        }
        entries.append(sasl_callback_t(id: UInt(SASL_CB_LIST_END), proc: nil, context: nil))
        pointer = UnsafeMutablePointer<sasl_callback_t>.allocate(capacity: entries.count)
        pointer.initialize(from: entries, count: entries.count)
    }

    func deallocate() { pointer.deallocate() }
}
