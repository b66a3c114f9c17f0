# The parts of scripts/bench-peers (the side-by-side LMTP benchmark): servers.py starts and
# stops the private Cyrus, Dovecot and minimaster instances, measure.py times smtp-source runs,
# the disk floor, sync calls and memory, report.py sums the results up into Markdown.
