// minimaster: a Cyrus-master-compatible supervisor. The command line is in Minimaster.swift,
// the supervisor in the Master library, the configuration parsers in ConfParse.
Minimaster.main()
