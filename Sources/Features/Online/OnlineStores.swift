import KiteCore
import Logging

/// Opens an online store by URL.
public enum OnlineStores {
    /// `embedded:PATH` (relative to `folder`), `redis://…`, `unix:…` or `redis+cluster://…`. A Redis password
    /// may come from `password` (the environment) instead of the URL.
    public static func open(_ url: String, project: String, folder: String, password: String? = nil, logger: Logger) throws -> any OnlineStore {
        if url.hasPrefix("embedded:") {
            let path = String(url.dropFirst(9))
            guard !path.isEmpty else { throw KiteError.invalidArgument("online_store embedded: needs a path, e.g. embedded:.kite/online.db") }
            return try EmbeddedOnlineStore(path: path.hasPrefix("/") ? path : folder + "/" + path)
        }
        if isRedis(url) { return try RedisOnlineStore(url: url, project: project, password: password, logger: logger) }
        throw KiteError.invalidArgument(
            "online_store must be embedded:PATH, redis://[:password@]host:port[/db], unix:/path/to/socket or redis+cluster://host:port[,…], not '\(url)'")
    }

    /// Whether `url` names a Redis server or cluster.
    public static func isRedis(_ url: String) -> Bool {
        ["redis://", "rediss://", "redis+cluster://", "unix:"].contains { url.hasPrefix($0) }
    }
}
