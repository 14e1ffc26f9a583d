import { realpath } from "node:fs/promises"
import path from "node:path"

// Every step runs inside its run's fresh folder under the agent's data folder. A step's
// working_directory is relative to that folder; one that leaves it (.., an absolute path
// elsewhere, or a symlink pointing out) is refused before anything runs.

export class PathOutsideError extends Error {
  constructor(requested: string) {
    super(
      `working_directory "${requested}" is outside the run's folder; use a path inside it (relative, without ..)`
    )
    this.name = "PathOutsideError"
  }
}

/** True when `child` is `parent` or inside it (both absolute and normalised). */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child)

  return (
    relative === "" ||
    (!relative.startsWith("..") && !path.isAbsolute(relative))
  )
}

/** The step's folder, lexically: refuses what leaves `root` before touching the disk. */
export function resolveInside(
  root: string,
  requested: string | undefined
): string {
  const resolved = path.resolve(root, requested ?? ".")
  if (!isInside(path.resolve(root), resolved)) {
    throw new PathOutsideError(requested ?? ".")
  }

  return resolved
}

/** The same check after following symlinks, for a folder that exists. */
export async function assertRealInside(
  root: string,
  target: string,
  requested: string
) {
  const [realRoot, realTarget] = await Promise.all([
    realpath(root),
    realpath(target),
  ])
  if (!isInside(realRoot, realTarget)) throw new PathOutsideError(requested)
}
