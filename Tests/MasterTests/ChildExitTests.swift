import Glibc
import Testing
@testable import Master

@Suite("child exit verdicts and Cyrus's wording")
struct ChildExitTests {
    /// Wait statuses as the kernel encodes them.
    static func exited(_ code: Int32) -> Int32 { code << 8 }
    static func signaled(_ signal: Int32, core: Bool = false) -> Int32 { signal | (core ? 0x80 : 0) }

    @Test("0 is normal, 75 was killed, others are failures")
    func exits() {
        #expect(ChildExit(waitStatus: Self.exited(0)) == .normal)
        #expect(!ChildExit(waitStatus: Self.exited(0)).isFailure)
        #expect(ChildExit(waitStatus: Self.exited(75)) == .killed)
        #expect(!ChildExit(waitStatus: Self.exited(75)).isFailure)
        #expect(ChildExit(waitStatus: Self.exited(1)) == .exited(1))
        #expect(ChildExit(waitStatus: Self.exited(1)).isFailure)
        #expect(ChildExit(waitStatus: Self.exited(71)).text == "exited, status 71")
        #expect(ChildExit(waitStatus: Self.exited(0)).text == "exited normally")
        #expect(ChildExit(waitStatus: Self.exited(75)).text == "was killed")
    }

    @Test("a death by signal is a failure, named like strsignal")
    func signals() {
        let killed = ChildExit(waitStatus: Self.signaled(SIGKILL))
        #expect(killed == .signaled(SIGKILL, coreDumped: false))
        #expect(killed.isFailure)
        #expect(killed.text == "signaled to death by signal 9 (Killed)")
        #expect(ChildExit(waitStatus: Self.signaled(SIGSEGV, core: true)).text
                == "signaled to death by signal 11 (Segmentation fault, core dumped)")
    }
}
