import KiteCore
import Testing

@Suite struct CRC32Tests {
    @Test func knownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func slicedAndBytewiseAgreeAtEveryLengthAndSplit() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }
        func bytewise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return ~c
        }
        for length in 0..<data.count {
            #expect(CRC32.checksum(Array(data[..<length])) == bytewise(data[..<length]))
        }
        let split = data.withUnsafeBytes { raw in
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[123...]), continuing: CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[..<123])))
        }
        #expect(split == CRC32.checksum(data))
    }
}
