import Foundation
import KiteTesting
import Testing

/// GrowthBook's Python packages (`Tests/peers/growthbook_peer.py`) as the tests' reference.
enum GbstatsPeer {
    /// The peer's answers to `command` for `cases` (a JSON array), one per case.
    static func answers<Answer: Decodable>(_ command: String, cases json: String, count: Int) async throws -> [Answer] {
        let peer = try await Subprocess.run(TestEnvironment.python, [TestEnvironment.peerScript("growthbook_peer.py"), command, json])
        #expect(peer.status == 0, "\(peer.standardError)")
        let answers = try JSONDecoder().decode([Answer].self, from: Data(peer.standardOutput.utf8))
        #expect(answers.count == count)
        return answers
    }
}
