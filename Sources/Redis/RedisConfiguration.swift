import Foundation
import KiteCore
import NIOCore

/// Where Redis is and how to talk to it, from a URL: `redis://[[user]:password@]host[:port][/db]`,
/// `unix:/path/to/redis.sock[?db=N]`, or `redis+cluster://host:port[,host:port…]` for a Redis Cluster. Query
/// parameters: `connect_timeout_ms`, `command_timeout_ms`, `pool_size` (connections per node), `protocol` (2, the
/// default, or 3: RESP3 negotiated with `HELLO 3`).
public struct RedisConfiguration: Sendable, Hashable {
    /// One server address.
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): "unix:\(path)"
            }
        }
    }

    /// The server, or a cluster's seed nodes.
    public var endpoints: [Endpoint]
    public var isCluster: Bool
    public var username: String?
    public var password: String?
    /// The database `SELECT`ed on connect (0 on a cluster, which has only that one).
    public var database: Int
    /// How long opening a connection may take before the request fails.
    public var connectTimeout: TimeAmount = .seconds(2)
    /// How long a command may wait for its answer; past it the connection is closed and the request fails.
    public var commandTimeout: TimeAmount = .seconds(2)
    /// Connections per server.
    public var poolSize: Int = 4
    /// The protocol version spoken: 2 (RESP2) or 3 (RESP3, negotiated with `HELLO 3` on connect).
    public var protocolVersion: Int = 2
    /// After a failed connect, how long requests fail at once before the next attempt (so an outage costs
    /// callers nothing).
    public var reconnectDelay: TimeAmount = .milliseconds(200)

    /// A configuration for one server.
    public init(endpoint: Endpoint, password: String? = nil, database: Int = 0) {
        endpoints = [endpoint]
        isCluster = false
        self.password = password
        self.database = database
    }

    /// Parses a `redis://`, `unix:` or `redis+cluster://` URL.
    public init(url: String) throws {
        let fail = { (why: String) in
            KiteError.invalidArgument(
                "'\(Self.redacted(url))' is not a Redis URL (\(why)): write redis://[:password@]host:port[/db], unix:/path/to/socket or redis+cluster://host:port[,host:port…]"
            )
        }
        var rest: Substring
        var query: Substring = ""
        if let mark = url.firstIndex(of: "?") {
            query = url[url.index(after: mark)...]
            rest = url[..<mark]
        } else {
            rest = url[...]
        }
        database = 0
        if rest.hasPrefix("unix:") {
            rest = rest.dropFirst(5)
            while rest.hasPrefix("//") { rest = rest.dropFirst() }
            guard rest.hasPrefix("/") else { throw fail("a socket path must be absolute") }
            endpoints = [.unix(path: String(rest))]
            isCluster = false
        } else {
            if rest.hasPrefix("redis://") {
                isCluster = false
                rest = rest.dropFirst(8)
            } else if rest.hasPrefix("redis+cluster://") {
                isCluster = true
                rest = rest.dropFirst(16)
            } else if rest.hasPrefix("rediss://") {
                throw KiteError.unsupported("TLS to Redis (rediss://) is not supported yet; use redis:// on a trusted network or a unix socket")
            } else {
                throw fail("unknown scheme")
            }
            if let at = rest.lastIndex(of: "@") {
                let credentials = rest[..<at]
                rest = rest[rest.index(after: at)...]
                if let colon = credentials.firstIndex(of: ":") {
                    let user = credentials[..<colon]
                    username = user.isEmpty ? nil : String(user).decodingPercentEscapes
                    password = String(credentials[credentials.index(after: colon)...]).decodingPercentEscapes
                } else {
                    password = String(credentials).decodingPercentEscapes
                }
            }
            if let slash = rest.firstIndex(of: "/") {
                let number = rest[rest.index(after: slash)...]
                rest = rest[..<slash]
                if !number.isEmpty {
                    guard let value = Int(number), (0...1_000_000).contains(value) else { throw fail("'\(number)' is not a database number") }
                    database = value
                }
            }
            guard !rest.isEmpty else { throw fail("no host") }
            endpoints = try rest.split(separator: ",").map { address in
                let host: Substring
                var port = 6379
                if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
                    host = address[address.index(after: address.startIndex)..<close]
                    let after = address[address.index(after: close)...]
                    if after.hasPrefix(":") {
                        guard let value = Int(after.dropFirst()) else { throw fail("bad port in '\(address)'") }
                        port = value
                    }
                } else if let colon = address.lastIndex(of: ":") {
                    host = address[..<colon]
                    guard let value = Int(address[address.index(after: colon)...]) else { throw fail("bad port in '\(address)'") }
                    port = value
                } else {
                    host = address
                }
                guard !host.isEmpty else { throw fail("no host in '\(address)'") }
                guard (1...65535).contains(port) else { throw fail("port \(port) is out of range") }
                return .tcp(host: String(host), port: port)
            }
            guard isCluster || endpoints.count == 1 else { throw fail("several hosts need redis+cluster://") }
            guard !isCluster || database == 0 else { throw fail("a cluster has only database 0") }
        }
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = parts[0]
            let value = parts.count > 1 ? parts[1] : ""
            switch name {
            case "db":
                guard let number = Int(value), number >= 0, !isCluster else { throw fail("db must be a number (and not on a cluster)") }
                database = number
            case "password": password = String(value).decodingPercentEscapes
            case "connect_timeout_ms", "command_timeout_ms":
                guard let milliseconds = Int64(value), (1...600_000).contains(milliseconds) else { throw fail("\(name) must be 1 to 600000") }
                if name == "connect_timeout_ms" { connectTimeout = .milliseconds(milliseconds) } else { commandTimeout = .milliseconds(milliseconds) }
            case "pool_size":
                guard let size = Int(value), (1...256).contains(size) else { throw fail("pool_size must be 1 to 256") }
                poolSize = size
            case "protocol":
                guard let version = Int(value), version == 2 || version == 3 else { throw fail("protocol must be 2 or 3") }
                protocolVersion = version
            default: throw fail("unknown parameter '\(name)'; known: db, password, connect_timeout_ms, command_timeout_ms, pool_size, protocol")
            }
        }
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url[..<scheme.upperBound] + "***" + url[at...] }
        return url[..<scheme.upperBound] + credentials[...colon] + "***" + url[at...]
    }
}

extension String {
    /// The text with `%XX` escapes decoded (Foundation's), or as it is when an escape is broken.
    fileprivate var decodingPercentEscapes: String { removingPercentEncoding ?? self }
}
