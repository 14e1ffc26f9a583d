#!/usr/bin/env node
// The package ships TypeScript sources; bundle.js turns them into one plain JavaScript module
// at the first start (and after each edit), so the command works straight after `npm ci` with
// no build step and no TypeScript compiled at run time.
import module from "node:module"
import path from "node:path"

import { loadCli } from "./bundle.js"

// Node 22.1+ keeps V8's compiled code of every module it loads (the bundle, PGlite, zod…) in
// this folder and reuses it on the next start; older versions skip it.
module.enableCompileCache?.(path.resolve(import.meta.dirname, "../.local/compile-cache"))

// Everything before this line is Node's own start.
const nodeMs = performance.now()
const { cli, how } = await loadCli()
await cli.main(process.argv.slice(2), {
  node: Math.round(nodeMs),
  [`code (${how})`]: Math.round(performance.now() - nodeMs),
})
