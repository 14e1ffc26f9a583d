#!/usr/bin/env node
// The package ships TypeScript sources; bundle.js turns them into one plain JavaScript module
// at the first start (and after each edit), so the command works straight after `npm ci` with
// no build step and no TypeScript compiled at run time.
import { loadCli } from "./bundle.js"

// Everything before this line is Node's own start.
const nodeMs = performance.now()
const { cli, how } = await loadCli()
await cli.main(process.argv.slice(2), {
  node: Math.round(nodeMs),
  [`code (${how})`]: Math.round(performance.now() - nodeMs),
})
