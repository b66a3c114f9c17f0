import CFuzzDriver
import Glibc
import FuzzTargets

// libFuzzer for the `folder-name` target (see docs/FUZZING.md): libFuzzer's flags, then corpus
// directories or files to replay.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    FuzzTarget.folderName.run(data, size)
    return 0
})
