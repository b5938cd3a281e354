import KiteCore
import ObjectStorage
import Testing

/// AWS's published SigV4 examples: the S3 ones from "Authenticating Requests: Using the Authorization Header"
/// and cases of the aws-sig-v4-test-suite. Signatures must match to the character.
@Suite struct SigV4Tests {
    static let s3 = SigV4Signer(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let s3Date: Int64 = 1_369_353_600_000_000  // 2013-05-24T00:00:00Z
    static let suite = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service", signsContentHash: false)
    static let suiteDate: Int64 = 1_440_938_160_000_000  // 2015-08-30T12:36:00Z

    func authorization(_ signed: SigV4Signer.Signed) -> String? {
        signed.headers.first { $0.name == "authorization" }?.value
    }

    @Test func s3GetObjectWithRange() {
        let signed = Self.s3.sign(
            .init(method: "GET", host: "examplebucket.s3.amazonaws.com", encodedPath: "/test.txt", headers: [("Range", "bytes=0-9")]),
            date: Self.s3Date)
        #expect(
            authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test func s3PutObjectWithPayload() {
        let body = Array("Welcome to Amazon S3.".utf8)
        #expect(SigV4Signer.sha256Hex(body) == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = Self.s3.sign(
            .init(
                method: "PUT", host: "examplebucket.s3.amazonaws.com",
                encodedPath: "/" + SigV4Signer.uriEncode("test$file.text", encodeSlash: false),
                headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                payloadHash: SigV4Signer.sha256Hex(body)),
            date: Self.s3Date)
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        #expect(authorization(signed)?.contains("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,") == true)
    }

    @Test func s3GetBucketLifecycle() {
        let signed = Self.s3.sign(
            .init(method: "GET", host: "examplebucket.s3.amazonaws.com", encodedPath: "/", query: [("lifecycle", "")]),
            date: Self.s3Date)
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func s3ListObjects() {
        let signed = Self.s3.sign(
            .init(method: "GET", host: "examplebucket.s3.amazonaws.com", encodedPath: "/", query: [("prefix", "J"), ("max-keys", "2")]),
            date: Self.s3Date)
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
        #expect(signed.encodedQuery == "max-keys=2&prefix=J")
    }

    @Test func suiteGetVanilla() {
        let signed = Self.suite.sign(.init(method: "GET", host: "example.amazonaws.com", encodedPath: "/"), date: Self.suiteDate)
        #expect(
            signed.canonicalRequest
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            signed.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        )
        #expect(
            authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test func suitePostVanilla() {
        let signed = Self.suite.sign(.init(method: "POST", host: "example.amazonaws.com", encodedPath: "/"), date: Self.suiteDate)
        #expect(signed.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    @Test func suiteGetVanillaQueryOrderKeyCase() {
        let signed = Self.suite.sign(
            .init(method: "GET", host: "example.amazonaws.com", encodedPath: "/", query: [("Param2", "value2"), ("Param1", "value1")]),
            date: Self.suiteDate)
        #expect(signed.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func sessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "token/with+chars"), region: "eu-west-1")
        let signed = signer.sign(.init(method: "GET", host: "b.s3.amazonaws.com", encodedPath: "/k"), date: Self.s3Date)
        #expect(signed.headers.contains { $0.name == "x-amz-security-token" && $0.value == "token/with+chars" })
        #expect(signed.canonicalRequest.contains("x-amz-security-token:token/with+chars\n"))
        #expect(authorization(signed)?.contains("/20130524/eu-west-1/s3/aws4_request") == true)
    }

    @Test func uriEncoding() {
        #expect(SigV4Signer.uriEncode("a b/c~d_e.f-g+h=é", encodeSlash: false) == "a%20b/c~d_e.f-g%2Bh%3D%C3%A9")
        #expect(SigV4Signer.uriEncode("a/b", encodeSlash: true) == "a%2Fb")
    }
}
