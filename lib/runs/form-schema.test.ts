import { describe, expect, it } from "vitest"

import { paramsSchemaFor, queueRunSchema } from "./form-schema"

const definition = {
  version: 1,
  inputs: {
    ref: { type: "string", default: "main" },
    target: { type: "string" },
    retries: { type: "number", default: 2 },
    dry_run: { type: "boolean" },
  },
  steps: [{ name: "Build", run: "npm run build" }],
}

describe("paramsSchemaFor", () => {
  it("fills defaults and converts form strings to the inputs' types", () => {
    expect(
      paramsSchemaFor(definition).parse({
        ref: "",
        target: "prod",
        retries: "5",
        dry_run: "on",
      })
    ).toEqual({ ref: "main", target: "prod", retries: 5, dry_run: true })
    expect(paramsSchemaFor(definition).parse({ target: "prod" })).toEqual({
      ref: "main",
      target: "prod",
      retries: 2,
      dry_run: false,
    })
  })

  it("refuses a missing required input, a bad number and an unknown key", () => {
    const schema = paramsSchemaFor(definition)
    expect(schema.safeParse({}).success).toBe(false)
    expect(schema.safeParse({ target: "x", retries: "many" }).success).toBe(
      false
    )
    expect(schema.safeParse({ target: "x", rm: "-rf" }).success).toBe(false)
  })

  it("takes no params for a definition without inputs", () => {
    expect(paramsSchemaFor({}).parse({})).toEqual({})
    expect(
      paramsSchemaFor({ steps: [{ run: "x" }] }).safeParse({ a: 1 }).success
    ).toBe(false)
  })
})

describe("queueRunSchema", () => {
  it("bounds the priority as the database does", () => {
    const workflowId = "00000000-0000-4000-c000-000000000001"
    expect(queueRunSchema.parse({ workflowId }).priority).toBe(0)
    expect(
      queueRunSchema.safeParse({ workflowId, priority: "101" }).success
    ).toBe(false)
    expect(
      queueRunSchema.safeParse({ workflowId, priority: "1.5" }).success
    ).toBe(false)
  })
})
