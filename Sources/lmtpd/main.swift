print("lmtpd: not written yet")
