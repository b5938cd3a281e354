import KiteCore
import Testing

@Suite struct CSVTests {
    @Test func infersTypesAndNulls() throws {
        let text = """
            id,price,flag,day,at,name
            1,1.5,true,2024-01-02,2024-01-02T03:04:05Z,"a, ""quoted"" name"
            2,,false,2024-01-03,2024-01-02 03:04:05.5+01:00,
            3,NaN,,,,plain

            """
        let frame = try CSVReader.read(Array(text.utf8))
        #expect(frame.schema.fields.map(\.type) == [.int64, .float64, .bool, .date, .timestamp, .string])
        #expect(frame.rowCount == 3)
        #expect(frame.columns[5].scalar(at: 0) == .string("a, \"quoted\" name"))
        #expect(frame.columns[5].scalar(at: 1) == .null)
        #expect(frame.columns[1].scalar(at: 1) == .null)
        #expect(frame.columns[4].scalar(at: 1) == .timestamp(1_704_161_045_500_000))
        let written = CSVWriter.write(frame)
        let reread = try CSVReader.read(Array(written.utf8))
        #expect(reread.schema == frame.schema)
        #expect(CSVWriter.write(reread) == written)
    }

    @Test func schemaOverridesInference() throws {
        let schema = try Schema([Field("id", .int32), Field("code", .string)])
        let frame = try CSVReader.read(Array("code,id\n007,5\r\n,6\r\n".utf8), schema: schema)
        #expect(frame.columns[0].scalar(at: 0) == .string("007"))
        #expect(frame.columns[1].type == .int32)
        #expect(throws: KiteError.self) { try CSVReader.read(Array("id\nx\n".utf8), schema: schema) }
        #expect(throws: KiteError.self) { try CSVReader.read(Array("other\n1\n".utf8), schema: schema) }
    }

    @Test func rejectsMalformedInput() {
        #expect(throws: KiteError.self) { try CSVReader.read([]) }
        #expect(throws: KiteError.self) { try CSVReader.read(Array("a,b\n1\n".utf8)) }
        #expect(throws: KiteError.self) { try CSVReader.read(Array("a\n\"open\n".utf8)) }
    }
}
