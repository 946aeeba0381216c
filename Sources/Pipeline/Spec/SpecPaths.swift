import Foundation

/// Turning the paths a user writes into absolute ones, lexically (symbolic links are kept).
enum SpecPaths {
    /// The process's working directory.
    static var currentDirectory: String { FileManager.default.currentDirectoryPath }

    /// `path` made absolute: `~` expanded, a relative path joined to `base` (itself made absolute
    /// against the working directory), and `.`/`..` components and repeated slashes removed.
    static func absolute(_ path: String, base: String? = nil) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return normalized(expanded) }
        let root = base.map { absolute($0) } ?? normalized(currentDirectory)
        return normalized(root + "/" + expanded)
    }

    /// Removes `.`, `..` (never above `/`) and empty components of an absolute path.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
