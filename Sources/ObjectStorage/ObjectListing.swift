/// The entries of a listing as an async sequence that fetches one page at a time.
public struct ObjectListing: AsyncSequence, Sendable {
    public typealias Element = ObjectListEntry

    /// Fetches the page after `token` (nil for the first) and returns its entries and the next token.
    public typealias PageFetcher = @Sendable (_ token: String?) async throws -> (entries: [ObjectListEntry], next: String?)

    private let fetch: PageFetcher

    /// A listing that pages with `fetch`.
    public init(fetch: @escaping PageFetcher) { self.fetch = fetch }

    public func makeAsyncIterator() -> Iterator { Iterator(fetch: fetch) }

    /// Walks the pages.
    public struct Iterator: AsyncIteratorProtocol {
        let fetch: PageFetcher
        private var buffer: [ObjectListEntry] = []
        private var index = 0
        private var token: String?
        private var finished = false

        init(fetch: @escaping PageFetcher) { self.fetch = fetch }

        public mutating func next() async throws -> ObjectListEntry? {
            while index == buffer.count {
                if finished { return nil }
                let page = try await fetch(token)
                buffer = page.entries
                index = 0
                token = page.next
                finished = page.next == nil
            }
            index += 1
            return buffer[index - 1]
        }
    }

    /// All entries, fetched to the end.
    public func collect() async throws -> [ObjectListEntry] {
        var all: [ObjectListEntry] = []
        for try await entry in self { all.append(entry) }
        return all
    }
}
