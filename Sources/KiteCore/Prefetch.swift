import CIntrinsics

extension UnsafeBufferPointer {
    /// Asks the CPU to bring element `index`'s cache line closer, for a lookup soon after: a hint that retires at
    /// once, so the misses of a batch's lookups overlap without holding up the work between them (a plain load
    /// would). An index outside the buffer is ignored.
    @inlinable @inline(__always)
    public func prefetch(_ index: Int) {
        if let baseAddress, index >= 0, index < count { kite_prefetch(baseAddress + index) }
    }
}

extension UnsafeMutableBufferPointer {
    /// Asks the CPU to bring element `index`'s cache line closer (see `UnsafeBufferPointer.prefetch(_:)`).
    @inlinable @inline(__always)
    public func prefetch(_ index: Int) { UnsafeBufferPointer(self).prefetch(index) }
}
