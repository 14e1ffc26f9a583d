import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"

import { describe, expect, it } from "vitest"

import { AGENT_COMMANDS, GLOBAL_OPTIONS } from "./cli"

// Every `npm run device -- …` the console, the agent or the docs tell a user to run must be
// a command the agent has, with options it accepts: a hint naming a missing command sends the
// user to a dead end.

const root = path.resolve(import.meta.dirname, "..")
const SCANNED = ["app", "components", "lib", "agent", "docs", "README.md"]
const HINT = /npm run device\b(?: --)?([^\n`"']*)/g

type Hint = { file: string; text: string; problem?: string }

function checkHint(alternative: string): string | undefined {
  const [first, ...args] = alternative.trim().split(/\s+/).filter(Boolean)
  // The bare invocation, or "<command>" in a usage line, names no command in particular.
  if (first === undefined || /^[<[]/.test(first)) return undefined
  const command = first.replace(/[^a-z-]+$/, "")
  if (!Object.hasOwn(AGENT_COMMANDS, command))
    return `unknown command "${command}"`
  const allowed: readonly string[] = [
    ...AGENT_COMMANDS[command as keyof typeof AGENT_COMMANDS],
    ...GLOBAL_OPTIONS,
  ]
  for (const arg of args) {
    const option = /^\[?--([a-z][a-z-]*)/.exec(arg)?.[1]
    if (option && !allowed.includes(option)) {
      return `"${command}" has no option --${option}`
    }
  }

  return undefined
}

function findHints(text: string, file: string): Hint[] {
  return [...text.matchAll(HINT)].map((match) => {
    // A closing tag ends the command in JSX; "a | b" (or "a \| b" in a Markdown table)
    // lists alternatives.
    const rest = (match[1] ?? "").replace(/<\/.*$/, "")
    const problem = rest
      .split(/\s*\\\|\s*|\s+\|\s+/)
      .map(checkHint)
      .find(Boolean)

    return { file, text: match[0].trim(), problem }
  })
}

function sourceFiles(entry: string): string[] {
  const full = path.join(root, entry)
  if (entry.includes(".")) return [full]

  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter(
      (dirent) =>
        dirent.isFile() &&
        /\.(tsx?|md)$/.test(dirent.name) &&
        !/\.test\.tsx?$/.test(dirent.name)
    )
    .map((dirent) => path.join(dirent.parentPath, dirent.name))
}

describe("command hints", () => {
  it("finds a hint naming a command the agent lacks (the check can fail)", () => {
    const hints = findHints(
      '<CommandHint command="npm run device -- expose <folder>" />\n' +
        "run `npm run device -- heartbeat --forever`\n" +
        "run `npm run device -- heartbeat --watch`",
      "example.tsx"
    )

    expect(hints.map((hint) => hint.problem)).toEqual([
      'unknown command "expose"',
      '"heartbeat" has no option --forever',
      undefined,
    ])
  })

  it("every `npm run device -- …` in the console, agent and docs exists", () => {
    const hints = SCANNED.flatMap(sourceFiles).flatMap((file) =>
      findHints(readFileSync(file, "utf8"), path.relative(root, file))
    )
    // The scan reaches the places that show hints (a scan finding nothing proves nothing).
    expect(hints.map((hint) => hint.file)).toEqual(
      expect.arrayContaining([
        "components/devices/device-list.tsx",
        "components/devices/never-connected-hint.tsx",
        "agent/errors.ts",
      ])
    )

    expect(hints.filter((hint) => hint.problem)).toEqual([])
  })
})
