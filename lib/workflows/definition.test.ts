import { describe, expect, it } from "vitest"

import {
  checkDefinitionText,
  lineOfPath,
  readStoredDefinition,
  workflowDefinitionSchema,
} from "./definition"

const VALID = {
  version: 1,
  inputs: {
    ref: { type: "string", default: "main", description: "Git ref" },
    dry_run: { type: "boolean", default: false },
  },
  steps: [
    {
      name: "Build",
      run: "npm run build",
      env: { NODE_ENV: "production" },
      working_directory: "app",
      timeout_seconds: 600,
      continue_on_error: false,
    },
    { name: "Dump", uses: "backup-postgres", with: { database: "docs" } },
    { name: "Upload", uses: "upload-artifact", with: { path: "dist/*.tgz" } },
  ],
}

describe("workflowDefinitionSchema", () => {
  it("accepts every kind of step", () => {
    expect(workflowDefinitionSchema.safeParse(VALID).success).toBe(true)
  })

  it.each([
    ["another version", { ...VALID, version: 2 }],
    ["no steps", { version: 1, steps: [] }],
    ["an unknown key", { ...VALID, schedule: "0 3 * * *" }],
    [
      "run and uses together",
      { version: 1, steps: [{ name: "x", run: "a", uses: "upload-artifact" }] },
    ],
    [
      "an unknown action",
      { version: 1, steps: [{ name: "x", uses: "deploy-k8s" }] },
    ],
    [
      "an upload without a path",
      { version: 1, steps: [{ name: "x", uses: "upload-artifact", with: {} }] },
    ],
    [
      "a default of the wrong type",
      {
        version: 1,
        inputs: { n: { type: "number", default: "1" } },
        steps: [{ name: "x", run: "a" }],
      },
    ],
    [
      "a fractional timeout",
      { version: 1, steps: [{ name: "x", run: "a", timeout_seconds: 1.5 }] },
    ],
    [
      "two steps with one name",
      {
        version: 1,
        steps: [
          { name: "x", run: "a" },
          { name: "x", run: "b" },
        ],
      },
    ],
    ["a step without a name", { version: 1, steps: [{ run: "a" }] }],
  ])("refuses %s", (_, definition) => {
    expect(workflowDefinitionSchema.safeParse(definition).success).toBe(false)
  })
})

describe("readStoredDefinition", () => {
  it("upgrades a definition from before versioning", () => {
    expect(
      readStoredDefinition({
        steps: [{ run: "npm ci" }, { name: "Test", run: "npm test" }],
      })
    ).toEqual({
      version: 1,
      steps: [
        { name: "Step 1", run: "npm ci" },
        { name: "Test", run: "npm test" },
      ],
    })
  })

  it("returns null for what it cannot read", () => {
    expect(readStoredDefinition({ version: 3 })).toBeNull()
    expect(readStoredDefinition("nope")).toBeNull()
  })
})

describe("checkDefinitionText", () => {
  it("places a problem on the line of the key it concerns", () => {
    const text = JSON.stringify(
      {
        version: 1,
        steps: [
          { name: "a", run: "x" },
          { name: "b", run: "" },
        ],
      },
      null,
      2
    )
    const result = checkDefinitionText(text)
    expect(result.ok).toBe(false)
    if (result.ok) return
    const problem = result.problems[0]!
    expect(problem.path).toBe("steps.1.run")
    expect(text.split("\n")[problem.line - 1]).toContain('"run": ""')
  })

  it("reports broken JSON", () => {
    const result = checkDefinitionText('{\n  "version": 1,\n  oops\n}')
    expect(result.ok).toBe(false)
  })

  it("finds array items that are strings or numbers", () => {
    const text = '{\n "a": [\n  "x",\n  "y, ]",\n  3\n ]\n}'
    expect(lineOfPath(text, ["a", 2])).toBe(5)
  })
})
