import Foundation
import KiteTesting
import Testing

@testable import Monitoring

/// The finite-n Kolmogorov–Smirnov tail against scipy's `kstwo.sf` in every region of its method choice, and the
/// two-sample test's large-window (asymptotic) p-values against Evidently.
@Suite struct KolmogorovDistributionTests {
    @Test func equalsScipy() async throws {
        var cases: [[Double]] = []
        for n in [3, 12, 40, 140, 141, 600, 1_000, 5_000, 50_000, 150_000] {
            let count = Double(n)
            // n·x² across Durbin, Pomeranz, Pelz–Good and Smirnov's regions; the closed forms at both ends.
            var xs = [0.3, 0.6, 0.76, 1.0, 1.5, 2.1, 2.3, 3.0, 3.9, 4.2, 8, 30, 200].map { ($0 / count).squareRoot() }
            xs += [0.4 / count, 0.8 / count, 0.55, (count - 0.5) / count]
            cases += xs.filter { $0 > 0 && $0 < 1 }.map { [count, $0] }
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: cases), as: UTF8.self)
        let peer = try await Subprocess.run(try TestServices.monitorPython(), [TestEnvironment.peerScript("drift_peer.py"), "kstwo", json])
        #expect(peer.status == 0, "\(peer.standardError)")
        let expected = try JSONDecoder().decode([Double].self, from: Data(peer.standardOutput.utf8))
        #expect(expected.count == cases.count)
        for (pair, reference) in zip(cases, expected) {
            let ours = KolmogorovDistribution.survival(Int(pair[0]), pair[1])
            #expect(PeerValue.close(ours, reference), "n \(Int(pair[0])), x \(pair[1]): Kite \(ours), scipy \(reference)")
        }
    }
}
