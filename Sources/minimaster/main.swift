// minimaster: a Cyrus-master-compatible supervisor. The command line is in Minimaster.swift,
// the supervisor in the Master library, the configuration parsers in ConfParse.
// `minimaster status ...` (StatusCommand.swift) asks a running one; Cyrus master takes no
// operands, so a first argument `status` cannot be one of its invocations.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "status" {
    StatusCommand.main(Array(arguments.dropFirst()))
} else {
    Minimaster.main()
}
