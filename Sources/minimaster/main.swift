// minimaster: a Cyrus-master-compatible supervisor. All logic lives in Minimaster.swift
// (command line) and ConfParse (configuration); this file only starts the command.
Minimaster.main()
