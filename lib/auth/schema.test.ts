import { describe, expect, it } from "vitest"

import {
  confirmSchema,
  emailCodeSchema,
  forgotPasswordSchema,
  magicLinkSchema,
  newPasskeySchema,
  newSecurityKeySchema,
  passwordSignInSchema,
  profileSchema,
  removePasskeySchema,
  removeSecurityKeySchema,
  renamePasskeySchema,
  securityKeyStepSchema,
  signOutScopeSchema,
  signUpSchema,
  updatePasswordSchema,
} from "./schema"

function fieldErrors(result: {
  success: boolean
  error?: { issues: { path: PropertyKey[]; message: string }[] }
}) {
  const errors: Record<string, string[]> = {}
  for (const issue of result.error?.issues ?? []) {
    ;(errors[String(issue.path[0])] ??= []).push(issue.message)
  }

  return errors
}

describe("passwordSignInSchema", () => {
  it("normalises the email and checks next", () => {
    const result = passwordSignInSchema.parse({
      email: "  Demo@LMX.local ",
      password: "lmx-demo-password",
      next: "//evil.com",
    })
    expect(result).toEqual({
      email: "demo@lmx.local",
      password: "lmx-demo-password",
      next: "/",
    })
  })

  it("keeps a same-origin next", () => {
    expect(
      passwordSignInSchema.parse({
        email: "a@b.co",
        password: "x",
        next: "/pair?code=ABCD-EFGH",
      }).next
    ).toBe("/pair?code=ABCD-EFGH")
  })

  it("names each missing or malformed field in words people read", () => {
    expect(fieldErrors(passwordSignInSchema.safeParse({}))).toEqual({
      email: ["Enter your email address."],
      password: ["Enter your password."],
    })
    expect(
      fieldErrors(
        passwordSignInSchema.safeParse({ email: "not-an-email", password: "" })
      )
    ).toEqual({
      email: ["Enter an email address like name@example.com."],
      password: ["Enter your password."],
    })
  })
})

describe("magicLinkSchema and forgotPasswordSchema", () => {
  it("accept an address and refuse a blank one", () => {
    expect(magicLinkSchema.parse({ email: "new@lmx.local" })).toEqual({
      email: "new@lmx.local",
      next: "/",
    })
    expect(
      fieldErrors(forgotPasswordSchema.safeParse({ email: "   " }))
    ).toEqual({
      email: ["Enter your email address."],
    })
  })

  it("refuses overlong addresses", () => {
    const long = `${"a".repeat(250)}@lmx.local`
    expect(
      fieldErrors(magicLinkSchema.safeParse({ email: long })).email
    ).toEqual(["That email address is too long."])
  })
})

describe("emailCodeSchema", () => {
  it.each(["123456", " 123 456 ", "123-456"])(
    "accepts %j as 123456",
    (code) => {
      expect(emailCodeSchema.parse({ email: "a@b.co", code }).code).toBe(
        "123456"
      )
    }
  )

  it.each(["12345", "1234567", "abcdef", "", "12 34 5"])(
    "refuses %j",
    (code) => {
      expect(
        fieldErrors(emailCodeSchema.safeParse({ email: "a@b.co", code })).code
      ).toEqual(["Enter the 6-digit code from the email."])
    }
  )
})

describe("signUpSchema and updatePasswordSchema", () => {
  it("require at least 8 characters", () => {
    expect(
      fieldErrors(
        signUpSchema.safeParse({ email: "a@b.co", password: "short" })
      ).password
    ).toEqual(["Use at least 8 characters."])
    expect(
      signUpSchema.safeParse({ email: "a@b.co", password: "long enough" })
        .success
    ).toBe(true)
  })

  it("refuse passwords longer than bcrypt reads", () => {
    expect(
      signUpSchema.safeParse({ email: "a@b.co", password: "x".repeat(73) })
        .success
    ).toBe(false)
  })

  it("ties a mismatch to the repeat field", () => {
    expect(
      fieldErrors(
        updatePasswordSchema.safeParse({
          password: "new password 1",
          confirm: "new password 2",
        })
      )
    ).toEqual({ confirm: ["The two passwords are not the same."] })
    expect(
      updatePasswordSchema.safeParse({
        password: "new password 1",
        confirm: "new password 1",
      }).success
    ).toBe(true)
  })
})

describe("profileSchema", () => {
  it("trims and bounds the display name", () => {
    expect(profileSchema.parse({ displayName: "  Ada  " })).toEqual({
      displayName: "Ada",
    })
    expect(
      fieldErrors(profileSchema.safeParse({ displayName: "   " }))
    ).toEqual({
      displayName: ["Enter a display name."],
    })
    expect(
      profileSchema.safeParse({ displayName: "x".repeat(81) }).success
    ).toBe(false)
  })
})

describe("confirmSchema", () => {
  it("accepts a token hash and a known type", () => {
    expect(
      confirmSchema.parse({
        token_hash: "pkce_3f9a0c",
        type: "magiclink",
        next: "https://evil.com",
      })
    ).toEqual({ token_hash: "pkce_3f9a0c", type: "magiclink", next: "/" })
  })

  it.each([
    { token_hash: "", type: "email" },
    { token_hash: "abc def", type: "email" },
    { token_hash: "abc<script>", type: "email" },
    { token_hash: "abc", type: "sms" },
    { token_hash: "a".repeat(513), type: "email" },
    { type: "email" },
  ])("refuses %j", (input) => {
    expect(confirmSchema.safeParse(input).success).toBe(false)
  })
})

describe("signOutScopeSchema", () => {
  it("knows exactly three scopes", () => {
    expect(signOutScopeSchema.options).toEqual(["local", "global", "others"])
    expect(signOutScopeSchema.safeParse("all").success).toBe(false)
  })
})

describe("passkey names", () => {
  it("are trimmed, required, and fit Auth's 120-byte limit", () => {
    expect(newPasskeySchema.parse({ name: "  Work laptop " }).name).toBe(
      "Work laptop"
    )
    expect(newPasskeySchema.safeParse({ name: "   " }).success).toBe(false)
    // 40 four-byte characters are 40 characters but 160 bytes.
    expect(newPasskeySchema.safeParse({ name: "🔑".repeat(40) }).success).toBe(
      false
    )
    expect(newPasskeySchema.safeParse({ name: "🔑".repeat(30) }).success).toBe(
      true
    )
  })

  it("rename and remove take a database id", () => {
    expect(
      removePasskeySchema.safeParse({ passkeyId: "not-an-id" }).success
    ).toBe(false)
    expect(
      renamePasskeySchema.safeParse({
        passkeyId: "00000000-0000-0000-0000-000000000001",
        name: "Desk key",
      }).success
    ).toBe(true)
  })
})

describe("security key schemas", () => {
  it("trims and bounds a key's name", () => {
    expect(newSecurityKeySchema.parse({ name: "  Blue key " })).toEqual({
      name: "Blue key",
    })
    expect(
      newSecurityKeySchema.safeParse({ name: "   " }).error?.issues[0]?.message
    ).toBe("Name this key, like “Blue key”.")
    expect(
      newSecurityKeySchema.safeParse({ name: "k".repeat(61) }).success
    ).toBe(false)
  })

  it("removes by a factor id only", () => {
    const id = "0b7e4c1a-5d2f-4e8b-9c3a-1f2e3d4c5b6a"
    expect(removeSecurityKeySchema.parse({ factorId: id })).toEqual({
      factorId: id,
    })
    expect(
      removeSecurityKeySchema.safeParse({ factorId: "not-an-id" }).success
    ).toBe(false)
  })

  it("keeps only a same-origin next for the key step", () => {
    expect(
      securityKeyStepSchema.parse({ next: "https://evil.example/" }).next
    ).toBe(securityKeyStepSchema.parse({}).next)
    expect(securityKeyStepSchema.parse({ next: "/devices" }).next).toBe(
      "/devices"
    )
  })
})
