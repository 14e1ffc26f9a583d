#!/usr/bin/env node
// The package ships TypeScript sources; tsx compiles them as they load, so the command works
// straight after `npm ci` with no build step.
import { register } from "tsx/esm/api"

register()
await import("../cli.ts")
