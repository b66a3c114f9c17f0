import Testing
@testable import ConfParse

@Suite("imapd.conf: files, @include and post-read checks")
struct ImapdConfigFileTests {
    @Test("@include reads a file in place, relative to the including file")
    func include() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("sub.conf", "  # indented comment\nadmins: alice\npartition-default: /spool\n")
        let main = try dir.write("imapd.conf", "configdirectory: /c\n@INCLUDE: sub.conf\nservername: x\n")
        let config = try ImapdConfig.load(path: main, service: "lmtp")
        #expect(config.entries.map(\.key) == ["configdirectory", "admins", "partition-default", "servername"])
        #expect(config.entries.map(\.location.file) == [main, dir.path + "/sub.conf", dir.path + "/sub.conf", main])
        #expect(config.entries.map(\.location.line) == [1, 2, 3, 3])
        #expect(config[.admins] == "alice")
        #expect(config.partitionPath() == "/spool")
        #expect(config.warnings.first?.message.contains("relative @include") == true)
    }

    @Test("a file included twice (or the main file itself) is an error")
    func includedTwice() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let sub = try dir.write("sub.conf", "admins: a\n")
        let twice = try dir.write("twice.conf", "@include: \(sub)\n@include: \(sub)\n")
        let errors = imapdErrorsFromFile(twice)
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message == "configuration file \(sub) included twice")
        let loop = try dir.write("loop.conf", "@include: \(dir.path)/loop.conf\n")
        #expect(imapdErrorsFromFile(loop).first?.message.contains("included twice") == true)
        let a = try dir.write("a.conf", "@include: \(dir.path)/b.conf\n")
        try dir.write("b.conf", "@include: \(a)\n")
        #expect(imapdErrorsFromFile(a).map(\.file) == [dir.path + "/b.conf"])
    }

    @Test("errors in an included file name that file; a missing include names the @include line")
    func includeErrors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("bad.conf", "\nmaxmessagesize: lots\n")
        let main = try dir.write("main.conf", "@include: \(dir.path)/bad.conf\n@include: \(dir.path)/missing.conf\nadmins x\n")
        let errors = imapdErrorsFromFile(main)
        #expect(errors.map(\.description) == [
            "\(dir.path)/bad.conf:2: non-integer value for maxmessagesize: \"lots\"",
            "\(main):2: @include \(dir.path)/missing.conf: can't open configuration file: No such file or directory",
            "\(main):3: invalid option name \"admins\" (names are letters, digits, '-' and '_', followed directly by ':')",
        ])
    }

    @Test("missing files, directories and empty paths are clear errors without a line")
    func unreadable() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for (path, reason) in [(dir.path + "/nope.conf", "No such file or directory"), (dir.path, "is a directory"), ("", "empty path")] {
            let imapd = imapdErrorsFromFile(path)
            #expect(imapd.count == 1 && imapd.first?.line == nil)
            #expect(imapd.first?.message.contains(reason) == true)
            do {
                _ = try CyrusConf.load(path: path)
                Issue.record("\(path) accepted")
            } catch {
                #expect(error.diagnostics.first?.message.contains(reason) == true)
                #expect(error.description == "\(path): \(error.diagnostics[0].message)")
            }
        }
    }

    @Test("validate: configdirectory, defaultpartition characters, the partition when needed")
    func validate() throws {
        let none = try imapdResult("").get()
        #expect(validationErrors(none, needsPartition: false) == ["imapd.conf: configdirectory option not specified in configuration file"])
        let noPartition = try imapdResult("configdirectory: /c\n").get()
        try noPartition.validate(needsPartition: false)
        #expect(validationErrors(noPartition, needsPartition: true).first?.hasPrefix(
            "imapd.conf: partition-default option not specified in configuration file") == true)
        let named = try imapdResult("configdirectory: /c\ndefaultpartition: Other\npartition-other: /o\n").get()
        try named.validate(needsPartition: true)
        #expect(named.partitionPath() == "/o")
        #expect(named.partitionPath("default") == nil)
        let wrong = try imapdResult("configdirectory: /c\ndefaultpartition: my-part\npartition-my-part: /p\n").get()
        #expect(validationErrors(wrong, needsPartition: true) == [
            "imapd.conf:2: defaultpartition option contains non-alnum character",
        ])
        let lmtpOnly = try imapdResult("configdirectory: /c\nlmtp_partition-default: /l\n", service: "lmtp").get()
        try lmtpOnly.validate(needsPartition: true)
    }

    @Test("CYRUS_PREFIX is tried first, as Cyrus does")
    func cyrusPrefix() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("etc.conf", "servername: prefixed\n")
        let prefixedPath = dir.path + "/etc.conf"
        #expect(ConfigFile.resolve("/etc.conf", prefix: nil) == "/etc.conf")
        #expect(ConfigFile.resolve("/etc.conf", prefix: "") == "/etc.conf")
        #expect(ConfigFile.resolve("/etc.conf", prefix: dir.path) == prefixedPath)
        #expect(ConfigFile.resolve("/nonexistent.conf", prefix: dir.path) == "/nonexistent.conf")
    }
}

private func imapdErrorsFromFile(_ path: String) -> [ConfigDiagnostic] {
    do {
        _ = try ImapdConfig.load(path: path, service: "lmtp")
        return []
    } catch {
        return error.diagnostics
    }
}

private func validationErrors(_ config: ImapdConfig, needsPartition: Bool) -> [String] {
    do {
        try config.validate(needsPartition: needsPartition)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}
