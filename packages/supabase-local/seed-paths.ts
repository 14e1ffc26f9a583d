// `[db.seed] sql_paths` as the Supabase CLI reads it (pkg/config/config.go, `Glob.Files`):
// each entry is a glob relative to the supabase directory, matched with Go's fs.Glob; the
// matches of one pattern run in sorted order, patterns in the order written, a file matched by
// an earlier pattern is not run again, and a pattern that matches nothing (or is malformed) is
// a warning, not an error: the other files still run.
import { readdirSync, statSync } from "node:fs"
import path from "node:path"

/** Go's path.Match meta characters (fs.Glob's hasMeta). */
const META = /[*?[\\]/

/**
 * One path segment's pattern as a regular expression, with Go's path.Match semantics: `*` any
 * run of characters, `?` one character, `[a-z]`/`[^…]` a class, `\` escapes the next. Null
 * when the pattern is malformed (Go's ErrBadPattern).
 */
export function segmentPattern(pattern: string): RegExp | null {
  let source = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === "*") source += "[^/]*"
    else if (c === "?") source += "[^/]"
    else if (c === "\\") {
      if (i + 1 >= pattern.length) return null
      source += escapeRegExp(pattern[++i]!)
    } else if (c === "[") {
      // Go's class grammar: `[` `^`? (lo (`-` hi)?)+ `]`, where a bare `-` or `]` cannot start
      // a member and `\` escapes one character.
      let j = i + 1
      let cls = "["
      if (pattern[j] === "^") {
        cls += "^"
        j++
      }
      const member = (): string | null => {
        let ch = pattern[j]
        if (ch === undefined || ch === "-" || ch === "]") return null
        if (ch === "\\") {
          ch = pattern[++j]
          if (ch === undefined) return null
        }
        j++
        return escapeClass(ch)
      }
      let members = 0
      for (;;) {
        if (pattern[j] === "]" && members > 0) break
        const lo = member()
        if (lo === null) return null
        if (pattern[j] === "-") {
          j++
          const hi = member()
          if (hi === null) return null
          cls += `${lo}-${hi}`
        } else cls += lo
        members++
      }
      source += `${cls}]`
      i = j
    } else source += escapeRegExp(c)
  }
  try {
    return new RegExp(`^${source}$`, "s")
  } catch {
    return null
  }
}

function escapeRegExp(c: string) {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
}

function escapeClass(c: string) {
  return c.replace(/[\]\\^-]/g, "\\$&")
}

function isDirectory(file: string) {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

function exists(file: string) {
  try {
    statSync(file)
    return true
  } catch {
    return false
  }
}

/** Go's fs.Glob: the paths matching a slash-separated pattern, or null on a bad pattern. */
function glob(pattern: string): string[] | null {
  const absolute = pattern.startsWith("/")
  const segments = pattern.split("/").filter((s, i) => s !== "" || (i === 0 && absolute))
  let found: string[] = [absolute ? "/" : "."]
  for (const [index, segment] of segments.entries()) {
    if (absolute && index === 0) continue
    const last = index === segments.length - 1
    const next: string[] = []
    if (!META.test(segment)) {
      for (const dir of found) {
        const candidate = path.join(dir, segment)
        if (last ? exists(candidate) : isDirectory(candidate)) next.push(candidate)
      }
    } else {
      const matcher = segmentPattern(segment)
      if (!matcher) return null
      for (const dir of found) {
        let names: string[]
        try {
          names = readdirSync(dir)
        } catch {
          continue
        }
        for (const name of names) {
          const candidate = path.join(dir, name)
          if (matcher.test(name) && (last || isDirectory(candidate))) next.push(candidate)
        }
      }
    }
    found = next
  }
  return found
}

/**
 * The seed files `[db.seed] sql_paths` names, in the order the CLI runs them, as absolute
 * paths. `warn` receives the CLI's warnings (a pattern with no match, a malformed pattern).
 */
export function resolveSeedPaths(
  supabaseDir: string,
  patterns: string[],
  warn: (line: string) => void = () => undefined
): string[] {
  const result: string[] = []
  const seen = new Set<string>()
  for (const pattern of patterns) {
    if (pattern === "") continue
    const full = path.isAbsolute(pattern) ? pattern : path.join(supabaseDir, pattern)
    const matches = glob(full.split(path.sep).join("/"))
    if (matches === null) {
      warn(`WARN: failed to glob files: syntax error in pattern: ${pattern}`)
      continue
    }
    if (matches.length === 0) warn(`WARN: no files matched pattern: ${pattern}`)
    // Go's sort.Strings: byte order, not the locale's.
    matches.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    for (const match of matches) {
      const file = path.resolve(match)
      if (!seen.has(file)) {
        seen.add(file)
        result.push(file)
      }
    }
  }
  return result
}
