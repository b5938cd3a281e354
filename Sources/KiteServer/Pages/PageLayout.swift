import Foundation
import Mustache

/// The frame every Kite page and report shares: one stylesheet inline (no network), a header, accessible landmarks,
/// readable at phone width. Pages render their body with their own template and pass it as `body`.
enum PageLayout {
    static let template: String = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="data:,">
        <title>{{title}} · Kite</title>
        <style>
        :root { --ink: #1d2433; --muted: #5b6478; --line: #d9dde6; --reference: #9aa3b5; --current: #2f6fde; --bad: #b3261e; --good: #1b7f3b; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f7f8fb; }
        header { background: #1d2433; color: #fff; padding: 12px 24px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
        header a { color: #dfe6f5; text-decoration: none; } header .brand { font-weight: 700; font-size: 18px; color: #fff; }
        header .sign-out { margin-left: auto; } header .sign-out button { background: none; border: 1px solid #dfe6f5; color: #dfe6f5; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
        .muted { color: var(--muted); }
        .summary { display: flex; gap: 16px; flex-wrap: wrap; margin: 16px 0; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 160px; }
        .card .value { font-size: 22px; font-weight: 600; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f6; font-weight: 600; } td { overflow-wrap: break-word; }
        .scroll { overflow-x: auto; } table.wide { min-width: 100%; width: max-content; } table.wide td { overflow-wrap: normal; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        a { color: #2456b8; } dl.lineage { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; } dl.lineage dt { color: var(--muted); } dl.lineage dd { margin: 0; overflow-wrap: anywhere; }
        section.card { margin-bottom: 12px; } input.wide-input { width: 100%; max-width: 32em; font: inherit; padding: 6px; } pre.log { background: #1d2433; color: #e8ecf4; padding: 10px; border-radius: 6px; overflow-x: auto; max-height: 420px; font-size: 12px; } button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
        .drifted { color: var(--bad); font-weight: 600; } .stable { color: var(--good); }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(380px, 100%), 1fr)); gap: 16px; }
        figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
        figcaption { font-weight: 600; margin-bottom: 6px; overflow-wrap: anywhere; }
        svg.chart { max-width: 100%; height: auto; } .chart .reference { fill: var(--reference); } .chart .current { fill: var(--current); }
        .chart .axis { stroke: var(--line); } .chart .tick { font-size: 10px; fill: var(--muted); }
        .chart .line { fill: none; stroke-width: 2; } .chart .line.current { stroke: var(--current); } .chart .line.reference { stroke: var(--reference); stroke-dasharray: 4 3; }
        .chart .line.estimated { stroke: #d9822b; } .chart .dot.current { fill: var(--current); } .chart .dot.estimated { fill: #d9822b; } .chart .dot.reference { fill: var(--reference); }
        .legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
        @media (max-width: 600px) { main { padding: 12px; } .grid { grid-template-columns: 1fr; } table { font-size: 13px; } }
        </style>
        </head>
        <body>
        <header><span class="brand">Kite</span>{{#navigation}}<a href="{{href}}">{{label}}</a>{{/navigation}}{{#signOut}}<form method="post" action="/ui/logout" class="sign-out"><button type="submit">Sign out</button></form>{{/signOut}}</header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    /// The page: `title` and the navigation escaped, `body` (already rendered HTML) as is, each table in a box that
    /// scrolls sideways on its own so a wide table never widens the page.
    static func render(title: String, body: String, navigation: [(label: String, href: String)] = [], signOut: Bool = false) throws -> String {
        let layout = try MustacheTemplate(string: template)
        let links = navigation.map { ["label": $0.label, "href": $0.href] }
        let boxed = body.replacingOccurrences(of: "<table", with: "<div class=\"scroll\"><table").replacingOccurrences(of: "</table>", with: "</table></div>")
        return layout.render(["title": title, "body": boxed, "navigation": links, "signOut": signOut] as [String: Any])
    }
}
