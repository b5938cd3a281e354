import KiteCore
import Logging
import Redis
import ServiceLifecycle
import Synchronization

/// The online store on Redis or a Redis Cluster: one hash per (project, entity key), `kite:PROJECT:KEY`, holding
/// each view's encoded values under the view's name and its times under `_t:VIEW`. Writes run a Lua script that
/// compares times on the server, so the newer values win even when writers race; reads are one pipelined `HMGET`
/// per key. With `expire_keys=true` in the URL a hash expires when its longest-lived view's ttl has passed.
public final class RedisOnlineStore: OnlineStore {
    /// The connections; `kite serve` runs it as a service.
    public let client: any RedisExecutor & Service
    private let project: String
    private let expireKeys: Bool
    private let url: String
    private let scriptDigest = Mutex<String?>(nil)

    public var description: String { RedisConfiguration.redacted(url) }

    /// Opens `url` (`redis://…`, `unix:…`, `redis+cluster://…`, plus `expire_keys=true`) for `project`.
    /// `password`, when given, replaces the URL's (pass the environment's, not a file's).
    public init(url: String, project: String, password: String? = nil, logger: Logger) throws {
        let (redisURL, expire) = Self.split(url)
        var configuration = try RedisConfiguration(url: redisURL)
        if let password { configuration.password = password }
        client =
            configuration.isCluster
            ? RedisClusterClient(configuration: configuration, logger: logger) : RedisClient(configuration: configuration)
        self.project = project
        self.url = url
        expireKeys = expire
    }

    /// `url` without Kite's own `expire_keys` parameter, and that parameter's value.
    static func split(_ url: String) -> (redisURL: String, expireKeys: Bool) {
        guard let mark = url.firstIndex(of: "?") else { return (url, false) }
        var expire = false
        var kept: [Substring] = []
        for pair in url[url.index(after: mark)...].split(separator: "&") {
            switch pair {
            case "expire_keys=true", "expire_keys=1": expire = true
            case "expire_keys=false", "expire_keys=0": expire = false
            default: kept.append(pair)
            }
        }
        let base = String(url[..<mark])
        return (kept.isEmpty ? base : base + "?" + kept.joined(separator: "&"), expire)
    }

    /// Checks a Redis online-store URL without connecting; the error says what is wrong.
    public static func validate(_ url: String) throws {
        _ = try RedisConfiguration(url: split(url).redisURL)
    }

    @discardableResult
    public func write(view: String, rows: [(key: EntityKey, values: OnlineValues)], ttl: TimeSpan) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let digest = try await loadScript()
        let viewBytes = Array(view.utf8)
        let commands = rows.map { row in
            let expireAt = expireKeys && ttl.microseconds > 0 ? (row.values.eventTime &+ ttl.microseconds) / 1000 : 0
            return RedisCommand(
                "EVALSHA",
                [
                    Array(digest.utf8), Array("1".utf8), redisKey(row.key), viewBytes, Array(String(row.values.eventTime).utf8),
                    Array(String(row.values.createdTime).utf8), row.values.encodedPayload(), Array(String(expireAt).utf8),
                ], key: redisKey(row.key))
        }
        var answers = try await client.send(commands)
        // A node that restarted or a new cluster node has not seen the script: send it whole there.
        let missing = answers.indices.filter { answers[$0].errorMessage?.hasPrefix("NOSCRIPT") == true }
        if !missing.isEmpty {
            let retried = try await client.send(
                missing.map { index in
                    var command = commands[index]
                    command.arguments[0] = Array("EVAL".utf8)
                    command.arguments[1] = Array(Self.script.utf8)
                    return command
                })
            for (index, answer) in zip(missing, retried) { answers[index] = answer }
        }
        var written = 0
        for answer in answers {
            if let message = answer.errorMessage { throw KiteError(.io, "online store \(description): writing \(view) failed: \(message)") }
            written += Int(answer.integer ?? 0)
        }
        return written
    }

    public func read(keys: [EntityKey], views: [String]) async throws -> [[OnlineValues?]] {
        try await read(groups: [(keys, views)])[0]
    }

    /// Every group's HMGETs in one pipelined batch: one round trip per request, whatever its join keys.
    public func read(groups: [(keys: [EntityKey], views: [String])]) async throws -> [[[OnlineValues?]]] {
        var commands: [RedisCommand] = []
        var fieldsOfGroup: [[[UInt8]]] = []
        for (keys, views) in groups {
            var fields: [[UInt8]] = []
            for view in views { fields += [Array(view.utf8), Array("_t:\(view)".utf8)] }
            fieldsOfGroup.append(fields)
            if !views.isEmpty { commands += keys.map { RedisCommand(keyed: "HMGET", redisKey($0), fields) } }
        }
        let answers = commands.isEmpty ? [] : try await client.send(commands)
        var next = 0
        return try zip(groups, fieldsOfGroup).map { group, fields in
            guard !group.views.isEmpty else { return group.keys.map { _ in [] } }
            return try group.keys.map { _ in
                guard next < answers.count else { throw KiteError(.corruptData, "online store \(description): fewer answers than commands") }
                defer { next += 1 }
                return try values(answers[next], views: group.views, fields: fields.count)
            }
        }
    }

    /// One HMGET answer as each view's values.
    private func values(_ answer: RESPValue, views: [String], fields: Int) throws -> [OnlineValues?] {
        if let message = answer.errorMessage { throw KiteError(.io, "online store \(description): reading failed: \(message)") }
        guard let values = answer.elements, values.count == fields else {
            throw KiteError(.corruptData, "online store \(description): HMGET answered \(answer)")
        }
        return try views.indices.map { index in
            guard let payload = values[2 * index].bytes, let stamp = values[2 * index + 1].string else { return nil }
            let colon = stamp.utf8.firstIndex(of: UInt8(ascii: ":")) ?? stamp.endIndex
            guard colon < stamp.endIndex, let event = Int64(stamp[..<colon]), let created = Int64(stamp[stamp.utf8.index(after: colon)...]) else {
                throw KiteError(.corruptData, "online store \(description): view \(views[index]) has times '\(stamp)'; materialize it again")
            }
            return try OnlineValues(payload: payload, eventTime: event, createdTime: created)
        }
    }

    public func deleteView(_ view: String) async throws {
        let fields = [Array(view.utf8), Array("_t:\(view)".utf8)]
        try await scan { executor, keys in
            let answers = try await executor.send(keys.map { RedisCommand(keyed: "HDEL", $0, fields) })
            if let message = answers.compactMap(\.errorMessage).first { throw KiteError(.io, "online store \(self.description): \(message)") }
        }
    }

    public func statistics() async throws -> OnlineStoreStatistics {
        let counts = Mutex<[String: Int]>([:])
        try await scan { executor, keys in
            let answers = try await executor.send(keys.map { RedisCommand(keyed: "HKEYS", $0) })
            counts.withLock { counts in
                for field in answers.flatMap({ $0.elements ?? [] }).compactMap(\.string) where field.hasPrefix("_t:") {
                    counts[String(field.dropFirst(3)), default: 0] += 1
                }
            }
        }
        var bytes = 0
        for master in try await client.masters() {
            let info = try await master.send(RedisCommand(words: "INFO", "memory")).string ?? ""
            for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("used_memory:") {
                bytes += Int(line.dropFirst("used_memory:".count)) ?? 0
            }
        }
        return OnlineStoreStatistics(rows: counts.withLock { $0 }, bytes: bytes)
    }

    public func close() async { client.close() }

    /// `kite:PROJECT:KEY`.
    func redisKey(_ key: EntityKey) -> [UInt8] { Array("kite:\(project):".utf8) + key.bytes }

    /// Runs `body` on every batch of this project's keys, on every master.
    private func scan(_ body: @Sendable (any RedisExecutor, [[UInt8]]) async throws -> Void) async throws {
        let pattern = Array("kite:\(project):*".utf8)
        for master in try await client.masters() {
            var cursor: [UInt8] = Array("0".utf8)
            repeat {
                let answer = try await master.send(RedisCommand("SCAN", [cursor, Array("MATCH".utf8), pattern, Array("COUNT".utf8), Array("1000".utf8)]))
                guard let parts = answer.elements, parts.count == 2, let next = parts[0].bytes, let keys = parts[1].elements else {
                    throw KiteError(.io, "online store \(description): SCAN answered \(answer)")
                }
                let batch = keys.compactMap(\.bytes)
                if !batch.isEmpty { try await body(master, batch) }
                cursor = next
            } while cursor != Array("0".utf8)
        }
    }

    private func loadScript() async throws -> String {
        if let digest = scriptDigest.withLock({ $0 }) { return digest }
        let answer = try await client.send(RedisCommand("SCRIPT", [Array("LOAD".utf8), Array(Self.script.utf8)]))
        guard let digest = answer.string, answer.errorMessage == nil else {
            throw KiteError(.unavailable, "online store \(description): SCRIPT LOAD answered \(answer)")
        }
        scriptDigest.withLock { $0 = digest }
        return digest
    }

    /// KEYS[1]: the hash; ARGV: view, event time, created time, payload, expiry (ms since the epoch, 0: none).
    /// Writes only when the stored times are not newer, and keeps the hash alive for its longest-lived view.
    static let script = """
        local stamp = redis.call('HGET', KEYS[1], '_t:' .. ARGV[1])
        if stamp then
          local sep = string.find(stamp, ':', 1, true)
          local event = tonumber(string.sub(stamp, 1, sep - 1))
          local created = tonumber(string.sub(stamp, sep + 1))
          local newEvent = tonumber(ARGV[2])
          local newCreated = tonumber(ARGV[3])
          if newEvent < event or (newEvent == event and newCreated < created) then return 0 end
        end
        local ttl = redis.call('PTTL', KEYS[1])
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[4], '_t:' .. ARGV[1], ARGV[2] .. ':' .. ARGV[3])
        if ARGV[5] ~= '0' then
          if ttl == -2 then redis.call('PEXPIREAT', KEYS[1], ARGV[5])
          elseif ttl >= 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[5], 'GT') end
        elseif ttl >= 0 then redis.call('PERSIST', KEYS[1]) end
        return 1
        """
}
