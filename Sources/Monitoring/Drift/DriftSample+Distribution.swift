extension DriftSample {
    /// Bins for a chart: 20 equal-width ranges over both windows' numbers (one bin when they are constant), or the
    /// 20 most frequent categories over both windows with the rest as "other".
    func distribution(bins: Int = 20) -> ColumnDrift.Distribution {
        let referenceTotal = Double(max(referenceCount, 1))
        let currentTotal = Double(max(currentCount, 1))
        switch values {
        case .numbers(let reference, let current):
            let low = min(reference.first ?? 0, current.first ?? 0)
            let high = max(reference.last ?? 0, current.last ?? 0)
            let count = high > low ? bins : 1
            let step = (high - low) / Double(count)
            var edges = (0...count).map { low + Double($0) * step }
            edges[count] = high
            return ColumnDrift.Distribution(
                edges: edges, labels: [],
                reference: Self.histogram(reference, edges: edges).map { Double($0) / referenceTotal },
                current: Self.histogram(current, edges: edges).map { Double($0) / currentTotal })
        case .categories(let labels, let reference, let current):
            let order = labels.indices.sorted { (reference[$0] + current[$0], labels[$1]) > (reference[$1] + current[$1], labels[$0]) }
            let shown = Array(order.prefix(bins))
            var names = shown.map { labels[$0] }
            var referenceShares = shown.map { Double(reference[$0]) / referenceTotal }
            var currentShares = shown.map { Double(current[$0]) / currentTotal }
            if order.count > bins {
                names.append("other")
                referenceShares.append(1 - referenceShares.reduce(0, +))
                currentShares.append(1 - currentShares.reduce(0, +))
            }
            return ColumnDrift.Distribution(edges: [], labels: names, reference: referenceShares, current: currentShares)
        }
    }
}
