// `npm run lockfile:complete`: npm records an optional platform package (a native binary for
// another OS or CPU) in package-lock.json only when the registry serves it. Registries that
// mirror only some platforms leave such entries out, and `npm ci` then refuses the lock as
// out of sync with package.json. This adds the missing entries, marked optional with the
// os/cpu their names declare, so `npm ci` skips them on every other platform as it would
// with a complete lock. Run it after `npm install` changes the lock.
import { readFileSync, writeFileSync } from "node:fs"
import path from "node:path"

type LockPackage = {
  version?: string
  optional?: boolean
  os?: string[]
  cpu?: string[]
  libc?: string[]
  optionalDependencies?: Record<string, string>
}
type Lockfile = { packages: Record<string, LockPackage> }

const OS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "win32",
  "openharmony",
  "openbsd",
  "netbsd",
  "sunos",
  "aix",
]
const CPU: Record<string, string> = {
  arm64: "arm64",
  x64: "x64",
  ia32: "ia32",
  arm: "arm",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
  wasm32: "wasm32",
}

/** os/cpu/libc from a platform package name such as @scope/binding-linux-arm64-musl. */
export function platformOf(name: string): Pick<LockPackage, "os" | "cpu" | "libc"> | undefined {
  const parts = (name.split("/").pop() ?? name).split("-")
  const cpu = parts.map((part) => CPU[part]).find(Boolean)
  if (!cpu) return undefined
  if (cpu === "wasm32") return { cpu: ["wasm32"] }
  const os = parts.find((part) => OS.includes(part))
  if (!os) return undefined
  const libc =
    parts.includes("musl") || parts.includes("musleabihf")
      ? ["musl"]
      : os === "linux"
        ? ["glibc"]
        : undefined

  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) }
}

const lockPath = path.resolve(import.meta.dirname, "..", "package-lock.json")
const lock = JSON.parse(readFileSync(lockPath, "utf8")) as Lockfile
const added: string[] = []
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ""}node_modules/${name}`
    if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue
    const platform = platformOf(name)
    if (!platform || !/^\d+\.\d+\.\d+/.test(version)) continue
    lock.packages[`node_modules/${name}`] = { version, optional: true, ...platform }
    added.push(`${name}@${version}`)
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)
  )
)
writeFileSync(lockPath, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`)
console.log(
  added.length
    ? `added ${added.length} platform entries:\n  ${added.join("\n  ")}`
    : "package-lock.json is complete"
)
