/// One regression tree of a boosted ensemble. Internal nodes send `x ≤ threshold` left and missing values
/// (NaN) to their default side; `left`/`right` hold a node index, or `~leaf` (negative) for a leaf.
public struct DecisionTree: Sendable, Hashable, Codable {
    public var feature: [Int] = []
    public var threshold: [Double] = []
    public var defaultLeft: [Bool] = []
    public var left: [Int] = []
    public var right: [Int] = []
    /// Each leaf's value, learning rate included.
    public var leafValues: [Double] = []

    /// The leaf `features` falls into.
    @inline(__always)
    public func leaf(_ features: UnsafeBufferPointer<Double>) -> Int {
        guard !feature.isEmpty else { return 0 }
        var node = 0
        while true {
            let value = features[feature[node]]
            let goLeft = value.isNaN ? defaultLeft[node] : value <= threshold[node]
            let next = goLeft ? left[node] : right[node]
            if next < 0 { return ~next }
            node = next
        }
    }

    /// The tree's output for one example.
    @inline(__always)
    public func predict(_ features: UnsafeBufferPointer<Double>) -> Double { leafValues[leaf(features)] }
}
