import KiteCore
import NIOCore
import Testing

@testable import Redis

@Suite struct RESPParserTests {
    private func parse(_ text: String) throws -> RESPValue? {
        var buffer = ByteBuffer(string: text)
        return try RESPParser.parse(&buffer)
    }

    @Test func readsEveryRESP2AndRESP3Type() throws {
        #expect(try parse("+OK\r\n") == .simpleString("OK"))
        #expect(try parse("-ERR unknown\r\n") == .error("ERR unknown"))
        #expect(try parse(":-42\r\n") == .integer(-42))
        #expect(try parse("$5\r\nhe\r\no\r\n") == .bulkString(Array("he\r\no".utf8)))
        #expect(try parse("$0\r\n\r\n") == .bulkString([]))
        #expect(try parse("$-1\r\n") == .null)
        #expect(try parse("*-1\r\n") == .null)
        #expect(try parse("*2\r\n:1\r\n$1\r\nx\r\n") == .array([.integer(1), .bulkString([UInt8(ascii: "x")])]))
        #expect(try parse("_\r\n") == .null)
        #expect(try parse("#t\r\n") == .boolean(true))
        #expect(try parse(",1.5\r\n") == .double(1.5))
        #expect(try parse(",-inf\r\n") == .double(-.infinity))
        #expect(try parse("%1\r\n+a\r\n:1\r\n") == .map([.simpleString("a"), .integer(1)]))
        #expect(try parse("~1\r\n:7\r\n") == .set([.integer(7)]))
        #expect(try parse("(123456789012345678901234567890\r\n") == .bigNumber("123456789012345678901234567890"))
        #expect(try parse("=7\r\ntxt:abc\r\n") == .verbatimString("abc"))
        #expect(try parse("!3\r\nBAD\r\n") == .error("BAD"))
        #expect(try parse("|1\r\n+ttl\r\n:3\r\n:9\r\n") == .integer(9))
    }

    @Test func waitsForIncompleteValuesWithoutConsumingThem() throws {
        let whole = "*3\r\n$3\r\nabc\r\n:12\r\n*1\r\n+x\r\n"
        for cut in 0..<whole.utf8.count {
            var buffer = ByteBuffer(bytes: Array(whole.utf8.prefix(cut)))
            #expect(try RESPParser.parse(&buffer) == nil)
            #expect(buffer.readerIndex == 0)
        }
        var buffer = ByteBuffer(string: whole + "+next\r\n")
        #expect(try RESPParser.parse(&buffer) == .array([.bulkString(Array("abc".utf8)), .integer(12), .array([.simpleString("x")])]))
        #expect(try RESPParser.parse(&buffer) == .simpleString("next"))
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [
        "?what\r\n", ":12a\r\n", ":99999999999999999999\r\n", "$-2\r\n", "$999999999999\r\n", "*-5\r\n", "*99999999999\r\n",
        "$3\r\nabcXY", "#x\r\n", ",nope\r\n", "+no carriage return\n", String(repeating: "*1\r\n", count: 40) + ":1\r\n",
    ])
    func refusesDamagedInputWithAnError(text: String) {
        #expect(throws: KiteError.self) { try parse(text) }
    }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RedisCommand("SET", [Array("k".utf8), [0, 13, 10]]).encode(into: &buffer)
        #expect(String(decoding: buffer.readableBytesView, as: UTF8.self) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\u{0}\r\n\r\n")
    }

    @Test func hashSlotsFollowTheRedisSpecification() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        #expect(HashSlot.crc16(Array("123456789".utf8)[...]) == 0x31C3)
        #expect(HashSlot.of(Array("foo".utf8)) == 12_182)
        #expect(HashSlot.of(Array("{user1000}.following".utf8)) == HashSlot.of(Array("user1000".utf8)))
        // An empty tag is no tag: the whole key is hashed.
        #expect(HashSlot.of(Array("foo{}{bar}".utf8)) == Int(HashSlot.crc16(Array("foo{}{bar}".utf8)[...]) & 0x3FFF))
        #expect(HashSlot.of(Array("foo{}{bar}".utf8)) != HashSlot.of(Array("bar".utf8)))
        #expect(HashSlot.of(Array("foo{{bar}}zap".utf8)) == HashSlot.of(Array("{bar".utf8)))
    }

    @Test func parsesRedisURLs() throws {
        let plain = try RedisConfiguration(url: "redis://:s%40cret@10.0.0.5:6380/3?command_timeout_ms=250&pool_size=2")
        #expect(plain.endpoints == [.tcp(host: "10.0.0.5", port: 6380)])
        #expect(plain.password == "s@cret")
        #expect(plain.database == 3)
        #expect(plain.commandTimeout == .milliseconds(250))
        #expect(plain.poolSize == 2)
        let socket = try RedisConfiguration(url: "unix:/var/run/redis.sock?db=2")
        #expect(socket.endpoints == [.unix(path: "/var/run/redis.sock")])
        #expect(socket.database == 2)
        let cluster = try RedisConfiguration(url: "redis+cluster://a:7000,b:7001,[::1]:7002")
        #expect(cluster.isCluster)
        #expect(cluster.endpoints == [.tcp(host: "a", port: 7000), .tcp(host: "b", port: 7001), .tcp(host: "::1", port: 7002)])
        #expect(RedisConfiguration.redacted("redis://user:pw@h:1") == "redis://user:***@h:1")
        for bad in ["http://x", "redis://", "redis://h:0", "redis://h:port", "redis://a,b", "redis+cluster://a/1", "redis://h?nope=1", "unix:relative"] {
            #expect(throws: KiteError.self) { try RedisConfiguration(url: bad) }
        }
    }

    @Test func readsRedirectsAndClusterSlots() throws {
        let moved = try #require(RedisClusterClient.redirect("MOVED 3999 127.0.0.1:6381"))
        #expect(moved.isMoved && moved.slot == 3999 && moved.endpoint == .tcp(host: "127.0.0.1", port: 6381))
        #expect(RedisClusterClient.redirect("ASK 1 h:2")?.isMoved == false)
        #expect(RedisClusterClient.redirect("MOVED 99999 h:1") == nil)
        let answer = RESPValue.array([
            .array([.integer(0), .integer(5460), .array([.bulkString(Array("".utf8)), .integer(7000), .bulkString([])])])
        ])
        let owners = try RedisClusterClient.owners(from: answer, askedHost: .tcp(host: "10.1.1.1", port: 7001))
        #expect(owners[0] == .tcp(host: "10.1.1.1", port: 7000))
        #expect(owners[5461] == nil)
        #expect(throws: KiteError.self) { try RedisClusterClient.owners(from: .array([.array([.integer(0)])]), askedHost: .unix(path: "/x")) }
    }
}
