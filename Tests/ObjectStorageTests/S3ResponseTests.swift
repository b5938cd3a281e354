import KiteCore
import Testing

@testable import ObjectStorage

/// S3 answers whose meaning is in the body.
@Suite struct S3ResponseTests {
    @Test func completionAnsweredWith200AndAnErrorIsAFailure() {
        let failure = Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message>
            <RequestId>656c76696e6727732072657175657374</RequestId></Error>
            """.utf8)
        let error = S3UploadSink.completionError(failure, key: "a/b")
        #expect(error?.cause == "InternalError")
        #expect(error?.message.contains("We encountered an internal error") == true)
        let success = Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Location>http://b.s3.amazonaws.com/a/b</Location><Bucket>b</Bucket><Key>a/b</Key>
            <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>
            """.utf8)
        #expect(S3UploadSink.completionError(success, key: "a/b") == nil)
        #expect(S3UploadSink.completionError(Array("not xml <".utf8), key: "a/b") != nil)
    }

    @Test func xmlEntitiesAndNesting() throws {
        let xml = try XMLElement.parse(Array("<R><K>a &amp; b &lt;c&gt; &#233;&#x41;</K><E/><N><M>1</M></N></R>".utf8))
        #expect(xml.text("K") == "a & b <c> éA")
        #expect(xml.child("N")?.text("M") == "1")
        #expect(xml.child("E") != nil)
        #expect(throws: KiteError.self) { try XMLElement.parse(Array("<R><K>open".utf8)) }
        #expect(throws: KiteError.self) { try XMLElement.parse(Array(String(repeating: "<a>", count: 100).utf8)) }
    }
}
