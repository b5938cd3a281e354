import Foundation
import KiteCore
import Testing

/// Request ids: version-4 UUIDs that Foundation parses, lowercase, distinct.
@Suite struct RequestIDTests {
    @Test func idsAreVersionFourUUIDsAndDistinct() throws {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = RequestID.make()
            let characters = Array(id)
            #expect(characters.count == 36 && [8, 13, 18, 23].allSatisfy { characters[$0] == "-" }, "\(id)")
            #expect(characters[14] == "4" && "89ab".contains(characters[19]), "\(id)")
            #expect(id == id.lowercased() && UUID(uuidString: id)?.uuidString.lowercased() == id, "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }
}
