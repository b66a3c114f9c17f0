print("conf-bench: not written yet")
