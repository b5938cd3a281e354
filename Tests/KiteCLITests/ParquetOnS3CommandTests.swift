import Foundation
import KiteCore
import KiteTesting
import Testing

/// Every `kite parquet` command takes s3://bucket/key where it takes a path, configured by AWS_* variables.
@Suite struct ParquetOnS3CommandTests {
    @Test func convertCatStatsSchemaOnS3() throws {
        let endpoint = try TestServices.s3Endpoint()
        let bucket = TestServices.uniqueBucket("cli")
        let environment = [
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
        ]
        _ = try Subprocess.python("s3_peer.py", ["create-bucket", bucket])
        let directory = try TemporaryDirectory()
        let csv = directory.file("in.csv")
        try "id,name\n1,a\n2,b\n3,\n".write(toFile: csv, atomically: true, encoding: .utf8)
        func kite(_ arguments: String...) throws -> ProcessResult {
            try Subprocess.run(TestEnvironment.kiteBinary, arguments, environment: environment)
        }
        let url = "s3://\(bucket)/dir/data.parquet"
        #expect(try kite("parquet", "convert", csv, url).status == 0)
        let cat = try kite("parquet", "cat", url, "--format", "csv")
        #expect(cat.status == 0)
        #expect(cat.standardOutput == "id,name\n1,a\n2,b\n3,\n")
        #expect(try kite("parquet", "schema", url).standardOutput.contains("name  string"))
        #expect(try kite("parquet", "stats", url).standardOutput.contains("min 1, max 3"))
        #expect(try kite("parquet", "convert", url, "s3://\(bucket)/copy.csv").status == 0)
        #expect(try kite("parquet", "convert", "s3://\(bucket)/copy.csv", directory.file("back.parquet"), "--compression", "gzip").status == 0)
        #expect(try kite("parquet", "cat", directory.file("back.parquet"), "--format", "csv").standardOutput == cat.standardOutput)
        let missing = try kite("parquet", "cat", "s3://\(bucket)/nope.parquet")
        #expect(missing.status != 0)
        #expect(missing.standardError.hasPrefix("error: ") && missing.standardError.contains("NoSuchKey"))
    }
}
