import Foundation
import KiteCore
import KiteTesting
import Logging
import NIOCore
import Testing

@testable import Redis

/// A `redis-server` of the test's own (through `scripts/test`'s start-node script), for tests that stop,
/// restart or reconfigure it.
final class OwnRedis: @unchecked Sendable {
    let port: Int
    let script: String

    init(cluster: Bool = false, port: Int? = nil) throws {
        script = try TestServices.redisStartNode()
        self.port = try port ?? Self.freePort()
        try start(cluster: cluster)
    }

    func start(cluster: Bool = false) throws {
        let result = try Subprocess.run(script, [String(port)], environment: cluster ? ["CLUSTER": "1"] : [:])
        guard result.status == 0 else { throw KiteError(.io, "redis on \(port) did not start: \(result.standardError)") }
    }

    /// Stops the server at once (SHUTDOWN NOSAVE).
    func kill() throws {
        _ = try Subprocess.run("/usr/bin/redis-cli", ["-p", String(port), "SHUTDOWN", "NOSAVE"])
        for _ in 0..<100 where (try? Subprocess.run("/usr/bin/redis-cli", ["-p", String(port), "PING"]).status) == 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    deinit { try? kill() }

    /// A port whose bus port (port + 10000) is free too.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<40_000)
            if isFree(port) && isFree(port + 10_000) { return port }
        }
        throw KiteError(.unavailable, "no free port pair for a test Redis")
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

@Suite struct RedisClientTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func pipelinesCommandsAndKeepsServerErrorsAsValues() async throws {
        try await RedisClient.with(configuration: try RedisConfiguration(url: try TestServices.redisURL())) { client async throws in
            let prefix = "kite-test:\(UUID().uuidString):"
            let sets = (0..<500).map { RedisCommand(keyed: "SET", bytes(prefix + "\($0)"), [bytes("value \($0)")]) }
            let answers = try await client.send(sets)
            #expect(answers.allSatisfy { $0 == .simpleString("OK") })
            let gets = try await client.send((0..<500).map { RedisCommand(keyed: "GET", bytes(prefix + "\($0)")) })
            #expect(gets.map(\.string) == (0..<500).map { "value \($0)" })
            let mixed = try await client.send([
                RedisCommand(keyed: "HGET", bytes(prefix + "0"), [bytes("field")]),
                RedisCommand(keyed: "INCRBY", bytes(prefix + "counter"), [bytes("5")]),
                RedisCommand(keyed: "GET", bytes(prefix + "missing")),
            ])
            #expect(mixed[0].errorMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(mixed[1] == .integer(5))
            #expect(mixed[2] == .null)
            // Many tasks at once share the pool and each gets its own answers.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<32 {
                    group.addTask {
                        let key = self.bytes(prefix + "task\(task)")
                        _ = try await client.send(RedisCommand(keyed: "SET", key, [self.bytes("\(task)")]))
                        let value = try await client.send(RedisCommand(keyed: "GET", key))
                        #expect(value.string == "\(task)")
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func authenticatesSelectsAndRefusesWrongPasswords() async throws {
        let server = try OwnRedis()
        try await RedisClient.with(configuration: try RedisConfiguration(url: server.url)) { client async throws in
            #expect(try await client.send(RedisCommand(words: "CONFIG", "SET", "requirepass", "s3cret")) == .simpleString("OK"))
        }
        try await RedisClient.with(configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/5")) { client async throws in
            _ = try await client.send(RedisCommand(words: "SET", "where", "five"))
            #expect(try await client.send(RedisCommand(words: "CLIENT", "INFO")).string?.contains("db=5") == true)
        }
        await #expect(throws: KiteError.self) {
            try await RedisClient.with(configuration: try RedisConfiguration(url: "redis://:wrong@127.0.0.1:\(server.port)")) { client async throws in
                try await client.send(RedisCommand(words: "PING"))
            }
        }
    }

    @Test func speaksRESP3WhenAsked() async throws {
        let server = try OwnRedis()
        try await RedisClient.with(configuration: try RedisConfiguration(url: server.url)) { client async throws in
            #expect(try await client.send(RedisCommand(words: "CONFIG", "SET", "requirepass", "pw")) == .simpleString("OK"))
        }
        try await RedisClient.with(configuration: try RedisConfiguration(url: "redis://:pw@127.0.0.1:\(server.port)/2?protocol=3")) { client async throws in
            _ = try await client.send(RedisCommand(words: "HSET", "h", "a", "1"))
            // RESP3 answers a hash as a map, and HELLO's answer says which protocol is spoken.
            #expect(try await client.send(RedisCommand(words: "HGETALL", "h")) == .map([.bulkString(bytes("a")), .bulkString(bytes("1"))]))
            let hello = try await client.send(RedisCommand(words: "HELLO"))
            let fields = hello.elements ?? []
            let proto = fields.firstIndex(of: .bulkString(bytes("proto"))).map { fields[$0 + 1] }
            #expect(proto == .integer(3))
            #expect(try await client.send(RedisCommand(words: "CLIENT", "INFO")).string?.contains("db=2") == true)
        }
        await #expect(throws: KiteError.self) {
            try await RedisClient.with(configuration: try RedisConfiguration(url: "redis://:wrong@127.0.0.1:\(server.port)?protocol=3")) {
                client async throws in
                try await client.send(RedisCommand(words: "PING"))
            }
        }
    }

    @Test func failsDuringAnOutageAndRecoversAfterARestart() async throws {
        let server = try OwnRedis()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.reconnectDelay = .milliseconds(50)
        try await RedisClient.with(configuration: configuration) { client async throws in
            #expect(try await client.send(RedisCommand(words: "SET", "k", "before")) == .simpleString("OK"))
            try server.kill()
            for _ in 0..<5 {
                await #expect(throws: KiteError.self) { try await client.send(RedisCommand(words: "GET", "k")) }
            }
            try server.start()
            var answer: RESPValue?
            for _ in 0..<100 where answer == nil {
                answer = try? await client.send(RedisCommand(words: "SET", "k", "after"))
                if answer == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(answer == .simpleString("OK"))
            #expect(try await client.send(RedisCommand(words: "GET", "k")).string == "after")
        }
    }

    @Test func aCommandPastItsTimeoutFailsAndTheNextOneWorks() async throws {
        var configuration = try RedisConfiguration(url: try TestServices.redisURL())
        configuration.commandTimeout = .milliseconds(100)
        configuration.poolSize = 1
        try await RedisClient.with(configuration: configuration) { client async throws in
            let error = await #expect(throws: KiteError.self) {
                try await client.send(RedisCommand(words: "BLPOP", "kite-test:never:\(UUID().uuidString)", "2"))
            }
            #expect(error?.code == .unavailable)
            #expect(try await client.send(RedisCommand(words: "PING")) == .simpleString("PONG"))
        }
    }

    @Test func clusterRoutesEveryKeyToItsOwnerAndAgreesOnSlots() async throws {
        let configuration = try RedisConfiguration(url: try TestServices.redisClusterURL())
        let client = RedisClusterClient(configuration: configuration, logger: Logger(label: "test"))
        defer { client.close() }
        let prefix = "kite-test:\(UUID().uuidString):"
        let keys = (0..<1000).map { bytes(prefix + "\($0)") }
        let slots = try await client.send(keys.prefix(200).map { RedisCommand(words: "CLUSTER", "KEYSLOT", String(decoding: $0, as: UTF8.self)) })
        #expect(slots.map(\.integer) == keys.prefix(200).map { Int64(HashSlot.of($0)) })
        let sets = try await client.send(keys.map { RedisCommand(keyed: "SET", $0, [$0]) })
        #expect(sets.allSatisfy { $0 == .simpleString("OK") })
        let gets = try await client.send(keys.map { RedisCommand(keyed: "GET", $0) })
        #expect(gets.map(\.bytes) == keys)
        #expect(try await client.masters().count == 3)
    }

    @Test func clusterRecoversAfterAMasterIsKilled() async throws {
        // A cluster of its own (3 masters, 3 replicas), so killing a master does not disturb other tests.
        let (nodes, client) = try await ownCluster(masters: 3, replicasEach: 1)
        defer { client.close() }
        let keys = (0..<300).map { bytes("failover:\($0)") }
        _ = try await client.send(keys.map { RedisCommand(keyed: "SET", $0, [$0]) })
        // Every master's replica has the keys before its master dies.
        for master in try await client.masters() {
            var acknowledged: Int64 = 0
            for _ in 0..<50 where acknowledged < 1 {
                acknowledged = try await master.send(RedisCommand(words: "WAIT", "1", "200")).integer ?? 0
            }
            #expect(acknowledged >= 1)
        }
        // Kill the master that owns slot 0.
        let slots = try await client.send(RedisCommand(words: "CLUSTER", "SLOTS"))
        let owners = try RedisClusterClient.owners(from: slots, askedHost: .tcp(host: "127.0.0.1", port: nodes[0].port))
        guard case .tcp(_, let victimPort)? = owners[0], let victim = nodes.first(where: { $0.port == victimPort }) else {
            Issue.record("no owner for slot 0")
            return
        }
        try victim.kill()
        var recovered: [RESPValue]?
        for _ in 0..<200 where recovered == nil {
            recovered = try? await client.send(keys.map { RedisCommand(keyed: "GET", $0) })
            if recovered == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered?.map(\.bytes) == keys)
        #expect(try await client.send(RedisCommand(keyed: "SET", keys[0], [bytes("new")])) == .simpleString("OK"))
        for node in nodes where node !== victim { try node.kill() }
    }

    @Test func clusterFollowsASKDuringAMigrationAndMOVEDAfterIt() async throws {
        // A cluster of its own (three masters), whose slot of one key is moved from its owner to another master.
        let (nodes, client) = try await ownCluster(masters: 3, replicasEach: 0)
        defer {
            client.close()
            for node in nodes { try? node.kill() }
        }
        let old = bytes("{moving}old")
        let new = bytes("{moving}new")
        let slot = HashSlot.of(old)
        #expect(try await client.send(RedisCommand(keyed: "SET", old, [bytes("1")])) == .simpleString("OK"))
        // Find the owner and a target, each through a connection of its own.
        let slots = try await client.send(RedisCommand(words: "CLUSTER", "SLOTS"))
        let owners = try RedisClusterClient.owners(from: slots, askedHost: .tcp(host: "127.0.0.1", port: nodes[0].port))
        guard case .tcp(_, let ownerPort)? = owners[slot], let targetPort = nodes.map(\.port).first(where: { $0 != ownerPort }) else {
            Issue.record("no owner for slot \(slot)")
            return
        }
        let owner = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(ownerPort)"))
        let target = RedisClient(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(targetPort)"))
        defer {
            owner.close()
            target.close()
        }
        let ownerID = try #require(try await owner.send(RedisCommand(words: "CLUSTER", "MYID")).string)
        let targetID = try #require(try await target.send(RedisCommand(words: "CLUSTER", "MYID")).string)
        #expect(try await target.send(RedisCommand(words: "CLUSTER", "SETSLOT", String(slot), "IMPORTING", ownerID)) == .simpleString("OK"))
        #expect(try await owner.send(RedisCommand(words: "CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID)) == .simpleString("OK"))
        // Mid-migration: the old key is still on its owner; a new key is sent on with ASK and lands on the target.
        #expect(try await client.send(RedisCommand(keyed: "GET", old)).string == "1")
        #expect(try await client.send(RedisCommand(keyed: "SET", new, [bytes("2")])) == .simpleString("OK"))
        #expect(try await client.send(RedisCommand(keyed: "GET", new)).string == "2")
        // Finish: move the old key, give the slot to the target everywhere; the client follows MOVED.
        let migrated = try await owner.send(
            RedisCommand("MIGRATE", ["127.0.0.1", String(targetPort), "", "0", "5000", "KEYS"].map { bytes($0) } + [old]))
        #expect(migrated == .simpleString("OK"), "\(migrated)")
        for node in [target, owner] {
            #expect(try await node.send(RedisCommand(words: "CLUSTER", "SETSLOT", String(slot), "NODE", targetID)) == .simpleString("OK"))
        }
        #expect(try await client.send(RedisCommand(keyed: "GET", old)).string == "1")
        #expect(try await client.send(RedisCommand(keyed: "GET", new)).string == "2")
        #expect(try await target.send(RedisCommand(words: "GET", "{moving}old")).string == "1")
    }

    /// A Redis Cluster of the test's own (`redis-cli --cluster create`), and a client for it.
    private func ownCluster(masters: Int, replicasEach: Int) async throws -> ([OwnRedis], RedisClusterClient) {
        var nodes: [OwnRedis] = []
        for _ in 0..<(masters * (1 + replicasEach)) { nodes.append(try OwnRedis(cluster: true)) }
        let addresses = nodes.map { "127.0.0.1:\($0.port)" }
        let created = try await Subprocess.run(
            "/usr/bin/redis-cli", ["--cluster", "create"] + addresses + ["--cluster-replicas", String(replicasEach), "--cluster-yes"])
        #expect(created.status == 0, "\(created.standardOutput)\(created.standardError)")
        try await waitForClusterOK(port: nodes[0].port)
        let client = RedisClusterClient(
            configuration: try RedisConfiguration(url: "redis+cluster://" + addresses.joined(separator: ",")), logger: Logger(label: "test"))
        return (nodes, client)
    }

    private func waitForClusterOK(port: Int) async throws {
        for _ in 0..<100 {
            let info = try await Subprocess.run("/usr/bin/redis-cli", ["-p", String(port), "CLUSTER", "INFO"])
            if info.standardOutput.contains("cluster_state:ok") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the test cluster did not reach cluster_state:ok")
    }
}
