import { createHash } from "node:crypto"
import { createReadStream } from "node:fs"
import { readdir } from "node:fs/promises"
import path from "node:path"

import { isInside } from "./paths"

// Files a run keeps: found by glob inside the run's folder and measured (size, sha256); the
// run execution puts them in Storage (docs/workflows.md, "Artifacts").

const ARTIFACT_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,255}$/
const MAX_FILES_SCANNED = 50_000

/** A glob as a regular expression over "/"-separated relative paths: *, ** and ?. */
export function globToRegExp(glob: string): RegExp {
  let source = ""
  const normalized = glob.replace(/\\/g, "/").replace(/^\.\//, "")
  for (let i = 0; i < normalized.length; i += 1) {
    const char = normalized[i]!
    if (char === "*") {
      if (normalized[i + 1] === "*") {
        const slash = normalized[i + 2] === "/"
        source += slash ? "(?:.*/)?" : ".*"
        i += slash ? 2 : 1
      } else {
        source += "[^/]*"
      }
    } else if (char === "?") {
      source += "[^/]"
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&")
    }
  }

  return new RegExp(`^${source}$`)
}

/** Files under `root` matching `glob`, as sorted relative paths. */
export async function findFiles(root: string, glob: string): Promise<string[]> {
  if (path.isAbsolute(glob) || glob.split(/[\\/]/).includes("..")) {
    throw new Error(
      `upload-artifact: path "${glob}" must stay inside the run's folder (relative, without ..)`
    )
  }
  const pattern = globToRegExp(glob)
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  const matches: string[] = []
  for (const entry of entries.slice(0, MAX_FILES_SCANNED)) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    if (!isInside(root, full)) continue
    const relative = path.relative(root, full).split(path.sep).join("/")
    if (pattern.test(relative)) matches.push(relative)
  }

  return matches.sort()
}

export async function measureFile(
  file: string
): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256")
  let size = 0
  for await (const chunk of createReadStream(file)) {
    const buffer = chunk as Buffer
    size += buffer.byteLength
    hash.update(buffer)
  }

  return { size, sha256: hash.digest("hex") }
}

/** An artifact key from a relative path; characters the key may not hold become "_". */
export function artifactKey(relative: string): string {
  const key = relative
    .replace(/[^A-Za-z0-9._/-]/g, "_")
    .replace(/^[^A-Za-z0-9]+/, "")
  if (!ARTIFACT_KEY.test(key)) {
    throw new Error(
      `"${relative}" cannot be an artifact name (letters, digits and . _ / -, at most 256)`
    )
  }

  return key
}
