import Glibc
import Logging
import POSIXCore

/// START entries (`master/master.c: run_startup()`): each runs to completion, in file order,
/// before any service is bound; a non-zero exit or a death by signal is fatal
/// ("can't run startup", exit 1). Started as ``CommandSpawn`` starts them.
enum StartCommands {
    /// Runs them all; false at the first failure (already logged).
    static func run(_ commands: [MasterConfiguration.StartCommand], environment: [String], logger: Logger) -> Bool {
        let envp = CStringArray(environment)
        for command in commands {
            let pid: Int32
            switch CommandSpawn.start(executable: command.executable, argv: command.argv, environment: envp) {
            case .success(let started): pid = started
            case .failure(let error):
                logger.critical("can't run startup: \(command.name): fork failed: \(error.text)")
                return false
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR {
                    logger.critical("can't run startup: \(command.name): waitpid failed: \(errnoText())")
                    return false
                }
            }
            let exit = ChildExit(waitStatus: status)
            guard exit == .normal else {
                logger.critical("can't run startup: START entry \(command.name) (\(command.argv.joined(separator: " "))) pid \(pid) \(exit.text)")
                return false
            }
            logger.info("START entry \(command.name) pid \(pid) exited normally")
        }
        return true
    }
}
