import Testing
@testable import Master

@Suite("minimaster status: the JSON writer")
struct JSONValueTests {
    @Test("quotes, backslashes and control characters are escaped; other text stays UTF-8")
    func escaping() {
        #expect(JSONValue.string("a\"b\\c").text == #""a\"b\\c""#)
        #expect(JSONValue.string("line\nnext\r\ttab").text == #""line\nnext\r\ttab""#)
        #expect(JSONValue.string("\u{08}\u{0C}").text == #""\b\f""#)
        #expect(JSONValue.string("\u{00}\u{01}\u{1F}").text == #""\u0000\u0001\u001f""#)
        #expect(JSONValue.string("\u{2028}\u{2029}").text == #""\u2028\u2029""#)
        #expect(JSONValue.string("/ é 日本 😀 \u{7F}").text == "\"/ é 日本 😀 \u{7F}\"")
        #expect(JSONValue.string("").text == #""""#)
    }

    @Test("keys are escaped like strings; members keep their order")
    func objects() {
        let value = JSONValue.object([("z\"", .int(1)), ("a", .array([.null, .bool(true), .bool(false)])), ("m", .object([]))])
        #expect(value.text == #"{"z\"":1,"a":[null,true,false],"m":{}}"#)
    }

    @Test("numbers: integers exact, doubles round-trip, non-finite ones become null")
    func numbers() {
        #expect(JSONValue.int(-42).text == "-42")
        #expect(JSONValue.int(Int.max).text == "9223372036854775807")
        #expect(JSONValue.double(0.25).text == "0.25")
        #expect(JSONValue.double(1_796_525_801.023).text == "1796525801.023")
        #expect(Double(JSONValue.double(1e-7).text) == 1e-7)
        #expect(JSONValue.double(.nan).text == "null")
        #expect(JSONValue.double(.infinity).text == "null")
        #expect(JSONValue.optional(nil as Int?, JSONValue.int) == .null)
        #expect(JSONValue.optional(3, JSONValue.int) == .int(3))
    }

    @Test("a status snapshot: every section, names and commands escaped")
    func snapshot() {
        let json = StatusJSON.render(StatusTextTests.sample)
        #expect(json.hasSuffix("}\n"))
        #expect(!json.dropLast().contains("\n"))
        #expect(json.hasPrefix(#"{"pid":4242,"uid":105,"user":"cyrus","startedAt":1000.0,"now":8200.5,"#))
        #expect(json.contains(#""generation":3,"loadedAt":7000.0,"childrenToRecycle":2,"shuttingDown":false"#))
        #expect(json.contains(#"{"name":"lmtpunix","family":"unix","listen":"/run/cyrus/socket/lmtp","systemdSocket":null,"ready":1,"busy":2,"prefork":1,"maxchild":10,"forks":14,"forkRate":0.3,"maxforkrate":10,"readyFailures":0,"served":12,"state":"active","disabledReason":null}"#))
        #expect(json.contains(#""systemdSocket":"lmtp.socket""#))
        #expect(json.contains(#""maxchild":null"#))
        #expect(json.contains(#""state":"disabled","disabledReason":"too many failures""#))
        #expect(json.contains(#"{"name":"idled","state":"running","pid":812,"starts":3,"lastExit":"exited, status 1"}"#))
        #expect(json.contains(#""command":["/bin/sh","-c","echo \"hi\"\tthere"]"#))
        #expect(json.contains(#""lastRun":null,"lastExit":null,"lastExitFailed":false,"runningPid":null,"nextRun":null"#))
    }
}
