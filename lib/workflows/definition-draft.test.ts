import { describe, expect, it } from "vitest"

import { checkDefinitionText, type WorkflowDefinition } from "./definition"
import {
  definitionFromDraft,
  draftFromDefinition,
  draftProblems,
  newInput,
  newStep,
  parseLines,
} from "./definition-draft"

const FULL: WorkflowDefinition = {
  version: 1,
  inputs: {
    ref: { type: "string", default: "main", description: "Branch to build" },
    retries: { type: "number", default: 3 },
    dry_run: { type: "boolean", default: false },
    note: { type: "string" },
  },
  steps: [
    {
      name: "Build",
      run: "npm ci && npm run build",
      env: { NODE_ENV: "production", EMPTY: "" },
      working_directory: "app",
      timeout_seconds: 600,
      continue_on_error: true,
    },
    {
      name: "Dump",
      uses: "backup-postgres",
      with: { database: "docs", jobs: 4, clean: true },
    },
    {
      name: "Keep",
      uses: "upload-artifact",
      with: { path: "dist/*.tgz" },
      timeout_seconds: 60,
    },
  ],
}

const check = (value: unknown) =>
  checkDefinitionText(JSON.stringify(value, null, 2))

describe("the workflow form's draft", () => {
  it("round-trips every kind of step and input exactly", () => {
    expect(definitionFromDraft(draftFromDefinition(FULL))).toEqual(FULL)
    expect(check(definitionFromDraft(draftFromDefinition(FULL))).ok).toBe(true)
  })

  it("leaves out what the person left empty instead of writing empty keys", () => {
    const draft = { inputs: [], steps: [{ ...newStep("run", 0), run: "make" }] }
    expect(definitionFromDraft(draft)).toEqual({
      version: 1,
      steps: [{ name: "Step 1", run: "make" }],
    })
  })

  it("keeps what is typed wrong, so the schema names the field", () => {
    const draft = {
      inputs: [
        { ...newInput(0), name: "bad name" },
        {
          ...newInput(1),
          name: "count",
          type: "number" as const,
          defaultValue: "ten",
        },
      ],
      steps: [
        {
          ...newStep("run", 0),
          run: "",
          timeoutSeconds: "soon",
          env: "1BAD=x",
        },
      ],
    }
    expect(check(definitionFromDraft(draft)).ok).toBe(false)
    expect([...draftProblems(draft).keys()]).toEqual(
      expect.arrayContaining([
        "inputs.bad name",
        "inputs.count.default",
        "steps.0.run",
        "steps.0.timeout_seconds",
        "steps.0.env.1BAD",
      ])
    )
  })

  it("finds no problem in a valid draft, and names a repeated step name", () => {
    const draft = draftFromDefinition(FULL)
    expect(draftProblems(draft).size).toBe(0)
    draft.steps[1]!.name = "Build"
    expect([...draftProblems(draft).entries()]).toEqual([
      ["steps.1.name", ['Another step is already called "Build".']],
    ])
  })

  it("reads NAME=value lines, keeping '=' in values and a bare name as a key", () => {
    expect(parseLines("A=1\n\n B = x=y \nLONELY")).toEqual({
      A: "1",
      B: " x=y ",
      LONELY: "",
    })
  })
})
