// LMTPServer (being written).
