/// A script ready to run: the main script and every script it includes, checked and
/// translated once. Immutable; run it for as many messages as needed.
public struct CompiledScript: Sendable {
    /// The main script's name.
    public let name: String
    /// The capabilities the main script requires.
    public let requiredExtensions: Set<String>
    let units: [ScriptUnit]
}

/// Compiling Sieve scripts.
public enum SieveCompiler {
    /// Compiles `script` (its name appears in errors). `include` commands load their scripts
    /// through `includeLoader` now, at compile time (nil: include finds nothing). Throws every
    /// error found, each with file, line and column.
    public static func compile(_ script: [UInt8], name: String, includeLoader: SieveIncludeLoader? = nil,
                               limits: SieveLimits = SieveLimits()) throws(SieveCompileError) -> CompiledScript {
        var compiler = ScriptCompiler(limits: limits, loader: includeLoader)
        let main = compiler.compileUnit(script, name: name, location: .personal, depth: 0)
        guard compiler.diagnostics.isEmpty, let requires = main else {
            throw SieveCompileError(compiler.diagnostics)
        }
        return CompiledScript(name: name, requiredExtensions: requires, units: compiler.units)
    }

    /// Compiles script text; see ``compile(_:name:includeLoader:limits:)-([UInt8],_,_,_)``.
    public static func compile(_ script: String, name: String, includeLoader: SieveIncludeLoader? = nil,
                               limits: SieveLimits = SieveLimits()) throws(SieveCompileError) -> CompiledScript {
        try compile(Array(script.utf8), name: name, includeLoader: includeLoader, limits: limits)
    }
}
