// Loads the local stack's code without compiling TypeScript at run time. The package ships
// TypeScript sources; the first start bundles them with esbuild (the one tsx brings, so nothing
// is downloaded) into .local/build, named by a hash of the sources, and every start after that
// imports the bundle with plain Node. Editing a source changes the hash, so the next start
// bundles again. Packages from node_modules stay outside the bundle. If bundling fails (a
// read-only checkout, say), tsx compiles the sources as they load, as it always did.
import { createHash, randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import { pathToFileURL } from "node:url"

const PACKAGE_DIR = path.resolve(import.meta.dirname, "..")
const BUILD_DIR = path.join(PACKAGE_DIR, ".local/build")
const SKIP_DIRS = new Set(["node_modules", ".local", "bin", "testing", "fixtures", "conformance"])

/** Every TypeScript source the stack may load (tests excluded), in a stable order. */
function sourceFiles(dir = PACKAGE_DIR) {
  const files = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) {
        files.push(...sourceFiles(path.join(dir, entry.name)))
      }
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      files.push(path.join(dir, entry.name))
    }
  }

  return files.sort()
}

function esbuild() {
  // tsx depends on esbuild, so wherever tsx is installed esbuild is too.
  const fromTsx = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"))

  return fromTsx("esbuild")
}

/**
 * esbuild would give every module the bundle's import.meta; each source gets its own
 * location back, so paths it resolves next to itself (bootstrap/, the PGlite image cache)
 * stay where they are.
 */
const ownImportMeta = {
  name: "own-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8")
      if (!source.includes("import.meta")) return undefined
      const relative = path.relative(BUILD_DIR, args.path).split(path.sep).join("/")
      const url = `new URL(${JSON.stringify(relative)}, import.meta.url)`
      // One pass, so the URL put in for one property is not rewritten again.
      const contents = source.replace(/import\.meta\.(dirname|filename|url)\b/g, (_, property) =>
        property === "url"
          ? `${url}.href`
          : property === "filename"
            ? `__lmxFileUrl.fileURLToPath(${url})`
            : `__lmxPath.dirname(__lmxFileUrl.fileURLToPath(${url}))`
      )

      return {
        contents: `import * as __lmxPath from "node:path";\nimport * as __lmxFileUrl from "node:url";\n${contents}`,
        loader: "ts",
      }
    })
  },
}

/**
 * The bundle's path for the current sources, built if missing. Returns how it was obtained,
 * for the boot phases the stack prints.
 */
export async function bundlePath() {
  const files = sourceFiles()
  const hash = createHash("sha256")
  hash.update(`${process.version}\0`)
  for (const file of files) {
    hash.update(`${path.relative(PACKAGE_DIR, file)}\0`)
    hash.update(readFileSync(file))
  }
  const file = path.join(BUILD_DIR, `cli-${hash.digest("hex").slice(0, 16)}.mjs`)
  if (existsSync(file)) return { file, built: false }

  mkdirSync(BUILD_DIR, { recursive: true })
  // Written aside and renamed, so two starts at once never run half a bundle.
  const partial = `${file}.${randomBytes(4).toString("hex")}.partial`
  await esbuild().build({
    entryPoints: [path.join(PACKAGE_DIR, "cli.ts")],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node}`,
    packages: "external",
    plugins: [ownImportMeta],
    logLevel: "silent",
  })
  renameSync(partial, file)
  // Bundles of older sources are never used again.
  for (const old of readdirSync(BUILD_DIR)) {
    if (old !== path.basename(file) && old.startsWith("cli-") && !old.endsWith(".partial")) {
      rmSync(path.join(BUILD_DIR, old), { force: true })
    }
  }

  return { file, built: true }
}

/** The stack's command-line module: the bundle, or the sources through tsx when it cannot be made. */
export async function loadCli() {
  try {
    const { file, built } = await bundlePath()
    return { cli: await import(pathToFileURL(file).href), how: built ? "bundled now" : "bundle" }
  } catch (error) {
    if (process.env.LMX_DEBUG_BUNDLE) console.error(error)
    const { register } = await import("tsx/esm/api")
    register()
    return { cli: await import("../cli.ts"), how: "tsx" }
  }
}
