print("minimaster: not written yet")
