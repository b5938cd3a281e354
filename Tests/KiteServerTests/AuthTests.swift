import Foundation
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import KiteTesting
import Logging
import NIOCore
import ObjectStorage
import Registry
import Testing

/// `kite serve` with auth on: tokens from the registry, roles, and each family's error format.
@Suite struct AuthTests {
    @Test func tokensAndRolesDecideWhatARequestMayDo() async throws {
        let directory = try TemporaryDirectory()
        let url = "sqlite:\(directory.file("registry.db"))"
        let (read, predict, write, revoked) = try await RegistryStore.withStore(url: url, logger: Logger(label: "test")) { store in
            let revoked = try await store.createToken(name: "old", role: .admin)
            try await store.revokeToken(id: revoked.record.id)
            let listed = try await store.tokens()
            #expect(listed.count == 1 && listed[0].role == .admin && listed[0].revokedTime != nil)
            await #expect(throws: KiteError.self) { try await store.revokeToken(id: revoked.record.id) }
            return (
                try await store.createToken(name: "dashboards", role: .read).token, try await store.createToken(name: "app", role: .predict).token,
                try await store.createToken(name: "ci", role: .write).token, revoked.token
            )
        }
        #expect(read.hasPrefix("kite_") && read.count == 69)
        // Only hashes are stored.
        let stored = try String(decoding: Data(contentsOf: URL(fileURLWithPath: directory.file("registry.db"))), as: UTF8.self)
        #expect(!stored.contains(String(write.dropFirst(5))))
        let objects = try LocalObjectStore(root: directory.path)
        try await TestServer.run(registryURL: url, objects: objects, configuration: ServerConfiguration(port: 0, auth: true)) { client in
            // Health checks are open.
            #expect(try await client.execute(uri: "/health", method: .get) { $0.status } == .ok)

            let create = #"{"name": "guarded"}"#
            let experiments = "/api/2.0/mlflow/experiments/create"
            let (missing, missingBody) = try await TestServer.call(client, .post, experiments, create)
            #expect(missing == 401 && missingBody["error_code"] == .string("UNAUTHENTICATED"), "\(missingBody.text)")
            let challenge = try await client.execute(uri: experiments, method: .post, body: ByteBuffer(string: create)) { $0.headers[.wwwAuthenticate] }
            #expect(challenge == #"Bearer realm="kite""#)
            #expect(try await TestServer.call(client, .post, experiments, create, token: "kite_nope").0 == 401)
            #expect(try await TestServer.call(client, .post, experiments, create, token: revoked).0 == 401)
            let (denied, deniedBody) = try await TestServer.call(client, .post, experiments, create, token: read)
            #expect(denied == 403 && deniedBody["error_code"] == .string("PERMISSION_DENIED") && deniedBody["message"]?.text.contains("write") == true)
            #expect(try await TestServer.call(client, .post, experiments, create, token: predict).0 == 403)
            #expect(try await TestServer.call(client, .post, experiments, create, token: write).0 == 200)

            // Reads (GET, and MLflow's POST searches) need a read token.
            #expect(try await TestServer.call(client, .get, "/api/2.0/mlflow/experiments/get?experiment_id=0").0 == 401)
            #expect(try await TestServer.call(client, .get, "/api/2.0/mlflow/experiments/get?experiment_id=0", token: read).0 == 200)
            #expect(try await TestServer.call(client, .post, "/api/2.0/mlflow/runs/search", #"{"experiment_ids": ["0"]}"#, token: read).0 == 200)

            // Online features need predict; Kite's own families answer in Kite's format.
            let (features, featuresBody) = try await TestServer.call(client, .post, "/get-online-features", "{}", token: read)
            #expect(features == 403 && featuresBody["error"]?["code"] == .string("permission_denied"), "\(featuresBody.text)")
        }
        _ = directory
    }
}
