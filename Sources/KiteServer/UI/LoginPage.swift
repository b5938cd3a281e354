import HTTPTypes
import Hummingbird

/// Signing in to the web UI when the server runs with auth: the browser keeps an API token (kite tokens create) in
/// a cookie that only the UI's pages send (`Path=/ui`, `HttpOnly`, `SameSite=Strict`, so another site's forms
/// cannot use it), and the pages accept it in place of an `Authorization` header. Signing out clears it.
enum LoginPage {
    /// The cookie's name.
    static let cookie = "kite_token"

    static let template = """
        <h1>Sign in</h1>
        {{#failed}}<p class="drifted">That token is unknown, revoked, or cannot do this.</p>{{/failed}}
        <p class="muted">This server needs an API token (make one with kite tokens create --role read, or --role write to promote A/B tests).</p>
        <form method="post" action="/ui/login">
        <p><label for="token">Token</label><br><input id="token" name="token" type="password" autocomplete="current-password" required class="wide-input"></p>
        <input type="hidden" name="next" value="{{next}}">
        <p><button type="submit">Sign in</button></p>
        </form>
        """

    static func page(next: String?, failed: Bool) throws -> WebUI.Page {
        WebUI.Page(title: "Sign in", body: try WebUI.render(template, ["next": safe(next), "failed": failed]))
    }

    /// Sets the cookie and sends the browser on.
    static func signIn(token: String, next: String?) -> Response {
        let value = token.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
        var headers = HTTPFields()
        headers[.location] = safe(next)
        headers[.setCookie] = "\(cookie)=\(value); Path=/ui; HttpOnly; SameSite=Strict"
        return Response(status: .seeOther, headers: headers)
    }

    /// Clears the cookie and sends the browser to the sign-in page.
    static func signOut() -> Response {
        var headers = HTTPFields()
        headers[.location] = "/ui/login"
        headers[.setCookie] = "\(cookie)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict"
        return Response(status: .seeOther, headers: headers)
    }

    /// A place inside the UI to go next (anything else — another site — becomes the models page).
    static func safe(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("\n") else { return "/ui/models" }
        return next
    }
}
