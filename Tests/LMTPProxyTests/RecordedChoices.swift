/// The choices `RoutingTests.fixedChoices` expects for user0 ... user11 over one, two, three,
/// computed independently (Python) from the documented hash: FNV-1a 64 over
/// `backend NUL user`, then splitmix64's finalizer; the highest weight wins.
enum RecordedChoices {
    static let value = ["three", "one", "one", "two", "one", "three", "three", "two", "one", "three", "three", "two"]
}
