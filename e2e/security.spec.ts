import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"

import { expect, test } from "@playwright/test"

import { readStackState, STACK_STATE_FILE } from "./fixtures/auth"

const STATIC_DIR = path.resolve(import.meta.dirname, "../.next/static")
const BUILD_ID = path.resolve(import.meta.dirname, "../.next/BUILD_ID")

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)

    return entry.isDirectory() ? filesUnder(full) : [full]
  })
}

// By the time any spec runs, the web server has written the stack's keys and
// then built the app with them, so this scans the bundle browsers really get.
test("[security] the client bundle holds neither the service-role key nor the JWT secret", async ({
  request,
}) => {
  const { serviceRoleKey, jwtSecret, anonKey } = readStackState()
  test.skip(
    statSync(BUILD_ID).mtimeMs < statSync(STACK_STATE_FILE).mtimeMs,
    "The build is older than this stack's keys (E2E_SKIP_BUILD?): scanning it would prove nothing."
  )

  const secrets = {
    "service-role key": serviceRoleKey,
    // Only the signature would be enough to forge nothing, but a leaked one
    // means the whole key was in reach of the bundler.
    "service-role key signature":
      serviceRoleKey.split(".")[2] ?? serviceRoleKey,
    "JWT secret": jwtSecret,
    "JWT secret (base64)": Buffer.from(jwtSecret).toString("base64"),
  }
  expect(anonKey).not.toBe(serviceRoleKey)

  const files = filesUnder(STATIC_DIR)
  const scripts = files.filter((file) => file.endsWith(".js"))
  expect(scripts.length).toBeGreaterThan(10)

  const leaks: string[] = []
  for (const file of files) {
    const text = readFileSync(file, "latin1")
    for (const [name, secret] of Object.entries(secrets)) {
      if (text.includes(secret))
        leaks.push(`${name} in ${path.relative(STATIC_DIR, file)}`)
    }
  }
  expect(leaks).toEqual([])

  // The pages themselves (HTML and inline flight data) too.
  for (const url of [
    "/sign-in",
    "/sign-up",
    "/forgot-password",
    "/auth/confirm",
  ]) {
    const html = await (await request.get(url)).text()
    for (const [name, secret] of Object.entries(secrets)) {
      expect(html.includes(secret), `${name} in ${url}`).toBe(false)
    }
  }
})
