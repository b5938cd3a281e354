/// One regression tree of a boosted ensemble. Internal nodes send `x ≤ threshold` left and missing values
/// (NaN) to their default side; `left`/`right` hold a node index, or `~leaf` (negative) for a leaf. A node with a
/// category set (`categories`) splits on categories instead: see `DecisionTree.inCategories(_:_:)`.
public struct DecisionTree: Sendable, Hashable, Codable {
    public var feature: [Int] = []
    public var threshold: [Double] = []
    public var defaultLeft: [Bool] = []
    public var left: [Int] = []
    public var right: [Int] = []
    /// Each leaf's value, learning rate included.
    public var leafValues: [Double] = []
    /// Per node, the categories sent left as a bitset of 32-bit words (category `c` is bit `c % 32` of word
    /// `c / 32`); empty for a threshold split. Absent when no node splits on categories.
    public var categories: [[UInt32]]?
    /// The training rows (or hessian sum) that reached each internal node and each leaf: the weights TreeSHAP's
    /// expectations use (LightGBM's `internal_count`/`leaf_count`, XGBoost's `sum_hessian`). Absent in model files
    /// written before explanations, which cannot be explained.
    public var nodeCover: [Double]?
    public var leafCover: [Double]?
    /// Per node, whether a zero (|x| ≤ `zeroThreshold`) is missing too and goes to the default side, as in a
    /// LightGBM split trained with `zero_as_missing`; absent when no node treats zero so.
    public var zeroAsMissing: [Bool]?

    /// LightGBM's `kZeroThreshold` (1e-35 as a `Float`): values this close to 0 are zero.
    public static let zeroThreshold = Double(Float(1e-35))

    /// An empty tree (one leaf, once a value is appended).
    public init() {}

    /// Whether a categorical split sends a present `value` left: its category, the value truncated toward zero
    /// (LightGBM's cast), is in `set`; negative values and categories beyond the set go right.
    @inline(__always)
    public static func inCategories(_ value: Double, _ set: [UInt32]) -> Bool {
        guard value > -1, value < Double(set.count &* 32) else { return false }
        let category = Int(value)
        return set[category >> 5] >> UInt32(category & 31) & 1 == 1
    }

    /// Whether node `node` sends `value` left.
    @inline(__always)
    public func goesLeft(_ value: Double, at node: Int) -> Bool {
        if value.isNaN { return defaultLeft[node] }
        if let zeroAsMissing, zeroAsMissing[node], abs(value) <= Self.zeroThreshold { return defaultLeft[node] }
        if let categories, !categories[node].isEmpty { return Self.inCategories(value, categories[node]) }
        return value <= threshold[node]
    }

    /// Steps from the root to the deepest leaf (0 for a single leaf). Children come after their parents, so one
    /// pass from the last node gives every node's height.
    public var depth: Int {
        var height = [Int](repeating: 0, count: feature.count)
        for node in feature.indices.reversed() {
            height[node] = 1 + Swift.max(left[node] < 0 ? 0 : height[left[node]], right[node] < 0 ? 0 : height[right[node]])
        }
        return height.first ?? 0
    }

    /// The leaf `features` falls into.
    @inline(__always)
    public func leaf(_ features: UnsafeBufferPointer<Double>) -> Int {
        guard !feature.isEmpty else { return 0 }
        var node = 0
        while true {
            let next = goesLeft(features[feature[node]], at: node) ? left[node] : right[node]
            if next < 0 { return ~next }
            node = next
        }
    }

    /// The tree's output for one example.
    @inline(__always)
    public func predict(_ features: UnsafeBufferPointer<Double>) -> Double { leafValues[leaf(features)] }
}
