// libFuzzer's driver, for executables that have their own main (SwiftPM executables do).
// Provided by the toolchain's libclang_rt.fuzzer, which -sanitize=fuzzer links.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
