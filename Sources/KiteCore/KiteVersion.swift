/// The version of this build of Kite, as `kite --version` and `GET /version` report it.
public enum KiteVersion {
    public static let current = "0.1.0"
}
