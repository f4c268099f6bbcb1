import Testing
import CorrelateModel

@Suite struct ByteSearchTests {
    @Test func theFirstOccurrenceIsFoundByItsByteOffset() {
        #expect("https://sqs.example.com/emails".utf8Offset(of: "://") == 5)
        #expect("SELECT 1 FROM spans WHERE x IN (SELECT 1 FROM logs)".utf8Offset(of: "FROM logs") == 41)
        // A first byte that recurs before the match; the needle at the very end; a text shorter
        // than the needle; a needle absent; the empty needle.
        #expect("::/:/://".utf8Offset(of: "://") == 5)
        #expect("abc".utf8Offset(of: "abcd") == nil)
        #expect("a:/b:/c".utf8Offset(of: "://") == nil)
        #expect("x".utf8Offset(of: "") == 0)
        // Offsets are in UTF-8 bytes, also after other scripts; a substring is searched from its start.
        #expect("é://".utf8Offset(of: "://") == 2)
        let text = "queue://a queue://b"
        #expect(text[text.index(text.startIndex, offsetBy: 8)...].utf8Offset(of: "://") == 7)
        #expect("FROM span_links".containsBytes("FROM span_links"))
        #expect(!"FROM spans".containsBytes("FROM span_links"))
    }
}

@Suite struct NetworkErrorTextTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    @Test func theCommonFailuresAreNamedAndTheRestPrintedAsTheyAre() {
        // As SwiftNIO prints a refused connection, and AsyncHTTPClient a timeout.
        #expect(NetworkErrorText.describe(Failure(description: "NIOConnectionError(host: \"127.0.0.1\", port: 9, dnsAError: nil, dnsAAAAError: nil, connectionErrors: [NIOCore.SingleConnectionFailure(target: [IPv4]127.0.0.1/127.0.0.1:9, error: connect(descriptor:addr:size:): Connection refused (errno: 111))])")) == "connection refused")
        #expect(NetworkErrorText.describe(Failure(description: "HTTPClientError.deadlineExceeded")) == "no answer in time")
        #expect(NetworkErrorText.describe(Failure(description: "HTTPClientError.remoteConnectionClosed")) == "HTTPClientError.remoteConnectionClosed")
    }
}
