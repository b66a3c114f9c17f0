import Testing
@testable import LMTP

@Suite("Base64 for AUTH")
struct Base64Tests {
    /// RFC 4648 §10.
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(Array(encoded.utf8)) == Array(plain.utf8))
    }

    @Test func paddingMayBeLeftOut() {
        #expect(Base64.decode(Array("Zg".utf8)) == Array("f".utf8))
        #expect(Base64.decode(Array("Zm8".utf8)) == Array("fo".utf8))
    }

    @Test(arguments: ["Z", "Zg=", "Zg===", "Z===", "Zm9v\r\n", "Zm 9v", "Zh==", "Zm9=", "=Zm9", "Zm9v!"])
    func invalidInputs(_ text: String) {
        #expect(Base64.decode(Array(text.utf8)) == nil)
    }

    @Test func everyByteRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Array(Base64.encode(bytes).utf8)) == bytes)
    }
}
