import KiteCore
import Synchronization

extension OnlineRetrieval {
    /// What answering a list of feature references takes from the definitions alone — the answered columns in
    /// order, the views to read grouped by join keys, where each on-demand input comes from — worked out once per
    /// list, not per request (a server answers a model's feature service many times a second).
    public struct Plan: Sendable {
        /// One answered feature column.
        struct Output: Sendable {
            enum Source: Sendable {
                case batch(FeatureDefinitions.FeatureView, feature: String)
                case onDemand(FeatureDefinitions.OnDemandView.Feature)
            }

            var name: String
            var source: Source
        }

        /// Where an on-demand feature's input comes from.
        enum Input: Sendable {
            /// A batch view's feature (`view:feature`).
            case batch(FeatureDefinitions.FeatureView, Field)
            /// A `view:feature` the definitions lack: an error once a request needs it.
            case unknown
            /// A request field.
            case request
        }

        /// Batch views sharing join keys, read together (one round trip on Redis).
        struct Read: Sendable {
            var keys: [String]
            var views: [String]
        }

        let outputs: [Output]
        let reads: [Read]
        /// Each on-demand input, by its name in the expressions.
        let inputs: [String: Input]
        /// The answered features' names.
        let names: Set<String>
    }

    /// The plans worked out for one version of the definitions, by the references and naming they answer; shared
    /// by the retrievals made with that version (`OnlineRetrieval(definitions:store:clock:plans:)`). Holds at most
    /// `limit` plans: the lists come from requests, and a client sending ever new ones must not grow the server's
    /// memory (past the limit, a plan is worked out per request).
    public final class Plans: Sendable {
        /// The most plans kept.
        public static let limit = 256

        private struct Key: Hashable {
            var references: [FeatureReference]
            var fullFeatureNames: Bool
        }

        private let plans = Mutex<[Key: Plan]>([:])

        public init() {}

        func plan(_ references: [FeatureReference], fullFeatureNames: Bool, make: () throws -> Plan) throws -> Plan {
            let key = Key(references: references, fullFeatureNames: fullFeatureNames)
            if let plan = plans.withLock({ $0[key] }) { return plan }
            let plan = try make()
            plans.withLock { plans in if plans.count < Self.limit { plans[key] = plan } }
            return plan
        }
    }

    /// The plan for `references`: their features expanded (unknown views and features are `not_found`), named
    /// `feature` or `view__feature`, each name once.
    func plan(_ references: [FeatureReference], fullFeatureNames: Bool) throws -> Plan {
        var outputs: [Plan.Output] = []
        var names = Set<String>()
        var views: [String: FeatureDefinitions.FeatureView] = [:]
        var inputs: [String: Plan.Input] = [:]
        for (view, feature) in try definitions.expand(references) {
            let name = fullFeatureNames ? "\(view)__\(feature)" : feature
            guard names.insert(name).inserted else {
                throw Self.nameTwice(name)
            }
            if let batch = definitions.featureViews.first(where: { $0.name == view }) {
                outputs.append(Plan.Output(name: name, source: .batch(batch, feature: feature)))
                views[view] = batch
            } else if let definition = definitions.onDemandViews.first(where: { $0.name == view })?.features.first(where: { $0.name == feature }) {
                outputs.append(Plan.Output(name: name, source: .onDemand(definition)))
                for input in definition.expression.references where inputs[input] == nil {
                    guard let (viewName, featureName) = FeatureDefinitions.OnDemandView.Feature.batchFeature(input) else {
                        inputs[input] = .request
                        continue
                    }
                    if let source = definitions.featureViews.first(where: { $0.name == viewName }),
                        let field = source.schema.first(where: { $0.name == featureName })
                    {
                        inputs[input] = .batch(source, field)
                        views[source.name] = source
                    } else {
                        inputs[input] = .unknown
                    }
                }
            }
        }
        var reads: [Plan.Read] = []
        for (name, view) in views.sorted(by: { $0.key < $1.key }) {
            let keys = definitions.joinKeys(of: view)
            if let index = reads.firstIndex(where: { $0.keys == keys }) {
                reads[index].views.append(name)
            } else {
                reads.append(Plan.Read(keys: keys, views: [name]))
            }
        }
        return Plan(outputs: outputs, reads: reads, inputs: inputs, names: names)
    }
}
