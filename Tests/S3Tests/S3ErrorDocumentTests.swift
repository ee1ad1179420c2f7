import Testing

@testable import S3

@Suite struct S3ErrorDocumentTests {
    @Test func readsCodeMessageAndRequestIDWithEntitiesDecoded() {
        let document = S3ErrorDocument(
            xml: """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>NoSuchKey</Code><Message>The key &quot;a&amp;b&quot; &#x2014; gone &#233;</Message>\
                <Key>a&amp;b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
                """
        )
        #expect(document.code == "NoSuchKey")
        #expect(document.message == "The key \"a&b\" — gone é")
        #expect(document.requestID == "4442587FB7D0A2F9")
    }

    @Test func leavesWhatIsNotThereNil() {
        let empty = S3ErrorDocument(xml: "")
        #expect(empty.code == nil && empty.message == nil && empty.requestID == nil)
        #expect(S3ErrorDocument(xml: "<Error><Code></Code><Message>a & b</Message>").message == "a & b")
    }
}
