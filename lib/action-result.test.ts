import { describe, expect, it } from "vitest"
import { z } from "zod"

import {
  fail,
  failedValue,
  fieldError,
  formFields,
  formMessage,
  invalid,
  ok,
} from "./action-result"

const schema = z
  .object({
    email: z.email("Enter an email address."),
    password: z.string().min(8, "Use at least 8 characters."),
    confirm: z.string(),
  })
  .refine((value) => value.password === value.confirm, {
    message: "The two passwords are not the same.",
  })

describe("ok", () => {
  it("carries the data", () => {
    expect(ok({ id: "a" })).toEqual({ ok: true, data: { id: "a" } })
  })
})

describe("invalid", () => {
  it("puts zod's messages under their fields, as flattenError does", () => {
    const error = schema.safeParse({
      email: "nope",
      password: "short",
      confirm: "short",
    }).error!

    expect(invalid(error)).toEqual({
      ok: false,
      errors: {
        email: ["Enter an email address."],
        password: ["Use at least 8 characters."],
      },
    })
  })

  it("turns an issue without a field into the form's message", () => {
    const error = schema.safeParse({
      email: "a@b.co",
      password: "long enough",
      confirm: "different",
    }).error!

    expect(invalid(error)).toMatchObject({
      ok: false,
      message: "The two passwords are not the same.",
    })
  })

  it("sends the values back without passwords or codes", () => {
    const error = schema.safeParse({ email: "nope" }).error!
    const result = invalid(error, {
      email: "nope",
      password: "hunter22",
      confirm: "hunter22",
      code: "123456",
      next: "/devices",
    })

    expect(result.values).toEqual({ email: "nope", next: "/devices" })
  })
})

describe("fail", () => {
  it("carries a message, a reason and values without secrets", () => {
    expect(
      fail("Try again.", {
        reason: "expired",
        values: { email: "a@b.co", password: "x" },
      })
    ).toEqual({
      ok: false,
      message: "Try again.",
      reason: "expired",
      values: { email: "a@b.co" },
    })
  })

  it("leaves the message out when there is none", () => {
    expect(fail(undefined, { reason: "used" })).toEqual({
      ok: false,
      reason: "used",
    })
  })
})

describe("fieldError and failedValue", () => {
  const failure = fail(undefined, {
    errors: { name: ["Enter a name.", "Second problem."] },
    values: { name: "" },
  })

  it("read the first error and the value of a field from a failure", () => {
    expect(fieldError(failure, "name")).toBe("Enter a name.")
    expect(failedValue(failure, "name")).toBe("")
    expect(fieldError(failure, "other")).toBeUndefined()
  })

  it("read nothing from a success or before the first submission", () => {
    expect(fieldError(ok(null), "name")).toBeUndefined()
    expect(failedValue(null, "name")).toBeUndefined()
  })
})

describe("formMessage", () => {
  it("reads what a failure says about the whole form", () => {
    expect(formMessage(fail("Try again in a moment."))).toBe(
      "Try again in a moment."
    )
    expect(formMessage(fail(undefined, { errors: { name: ["x"] } }))).toBe(
      undefined
    )
  })

  it("reads nothing from a success or before the first submission", () => {
    expect(formMessage(ok(null))).toBeUndefined()
    expect(formMessage(null)).toBeUndefined()
  })
})

describe("formFields", () => {
  it("keeps string fields and drops files", () => {
    const data = new FormData()
    data.set("email", "a@b.co")
    data.set("avatar", new Blob(["x"]), "a.png")
    expect(formFields(data)).toEqual({ email: "a@b.co" })
  })
})
