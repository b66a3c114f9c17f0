// Mailstore: Maildir++ delivery (being written).
