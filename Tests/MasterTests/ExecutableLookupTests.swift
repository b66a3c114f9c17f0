import Glibc
import Testing
@testable import Master

@Suite("finding the program of cmd=")
struct ExecutableLookupTests {
    final class Scratch {
        let root = "/tmp/mastertests-exe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        init() { mkdir(root, 0o755); mkdir(root + "/a", 0o755); mkdir(root + "/b", 0o755) }
        deinit {
            for p in ["/a/prog", "/b/prog", "/b/plain", "/a/dir"] { unlink(root + p); rmdir(root + p) }
            rmdir(root + "/a"); rmdir(root + "/b"); rmdir(root)
        }
        func file(_ path: String, mode: mode_t) {
            let fd = creat(root + path, mode)
            close(fd)
            chmod(root + path, mode)
        }
    }

    @Test("relative names are searched in order; the first executable regular file wins")
    func order() {
        let s = Scratch()
        s.file("/b/prog", mode: 0o755)
        let lookup = ExecutableLookup(searchDirectories: [s.root + "/a", s.root + "/b"])
        #expect(lookup.resolve("prog") == s.root + "/b/prog")
        s.file("/a/prog", mode: 0o700)
        #expect(lookup.resolve("prog") == s.root + "/a/prog")
    }

    @Test("not executable, a directory, or missing: not found")
    func notFound() {
        let s = Scratch()
        s.file("/b/plain", mode: 0o644)
        mkdir(s.root + "/a/dir", 0o755)
        let lookup = ExecutableLookup(searchDirectories: [s.root + "/a", s.root + "/b"])
        #expect(lookup.resolve("plain") == nil)
        #expect(lookup.resolve("dir") == nil)
        #expect(lookup.resolve("missing") == nil)
        #expect(lookup.resolve("") == nil)
    }

    @Test("an absolute path is used as is, never searched")
    func absolute() {
        let lookup = ExecutableLookup(searchDirectories: ["/usr/bin"])
        #expect(lookup.resolve("/bin/sh") == "/bin/sh")
        #expect(lookup.resolve("/nonexistent/sh") == nil)
    }

    @Test("the standard lookup starts beside the running program, then Cyrus's directories")
    func standard() {
        let dirs = ExecutableLookup.standard().searchDirectories
        #expect(Array(dirs.suffix(2)) == ["/usr/lib/cyrus/bin", "/usr/sbin"])
        #expect(dirs.count == 3)
    }
}
