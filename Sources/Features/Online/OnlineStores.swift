import KiteCore
import Logging

/// Opens an online store by URL.
public enum OnlineStores {
    /// `embedded:PATH` (relative to `folder`), `redis://…`, `unix:…` or `redis+cluster://…`. A Redis password
    /// may come from `password` (the environment) instead of the URL.
    public static func open(_ url: String, project: String, folder: String, password: String? = nil, logger: Logger) throws -> any OnlineStore {
        try validate(url)
        if url.hasPrefix("embedded:") {
            let path = String(url.dropFirst(9))
            return try EmbeddedOnlineStore(path: path.hasPrefix("/") ? path : folder + "/" + path)
        }
        return try RedisOnlineStore(url: url, project: project, password: password, logger: logger)
    }

    /// Checks `url` without opening anything; the error says what is wrong.
    public static func validate(_ url: String) throws {
        if url.hasPrefix("embedded:") {
            guard url.count > 9 else { throw KiteError.invalidArgument("online_store embedded: needs a path, e.g. embedded:.kite/online.db") }
        } else if ["redis://", "rediss://", "redis+cluster://", "unix:"].contains(where: { url.hasPrefix($0) }) {
            try RedisOnlineStore.validate(url)
        } else {
            throw KiteError.invalidArgument(
                "online_store must be embedded:PATH, redis://[:password@]host:port[/db], unix:/path/to/socket or redis+cluster://host:port[,…], not '\(url)'"
            )
        }
    }
}
