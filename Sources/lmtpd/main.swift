import Glibc
import LMTPDCommand

// lmtpd: Cyrus-compatible LMTP delivery into Maildir. Thin: the command line is in
// LMTPDCommand, everything else in LMTPServer.
LMTPD.start(Array(CommandLine.arguments.dropFirst()))
