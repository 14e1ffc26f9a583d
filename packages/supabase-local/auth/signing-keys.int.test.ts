import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"

import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

import { loadStackConfig } from "../config"
import {
  anonClient,
  generousLimits,
  latestMail,
  openLink,
  startAuthStack,
  uniqueEmail,
  verifyLinkOf,
} from "../testing/auth"
import { TEST_ENGINE, type TestStack } from "../testing/test-stack"

// [auth] jwt_secret and signing_keys_path as the Supabase CLI reads them: access tokens are
// signed with the given JWK set's private key and verifiable with the JWKS endpoint, and the
// legacy keys with the given shared secret.
const PASSWORD = "correct-horse-battery"
const JWT_SECRET = "a-shared-secret-of-more-than-thirty-two-characters"

async function privateJwk(alg: "RS256" | "ES256", kid: string) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })

  return { ...(await exportJWK(privateKey)), kid, alg, use: "sig", key_ops: ["sign", "verify"] }
}

describe(`auth: [auth] jwt_secret and signing_keys_path (${TEST_ENGINE})`, () => {
  let stack: TestStack
  const dir = mkdtempSync(path.join(tmpdir(), "lmx-signing-keys-"))
  const keysFile = path.join(dir, "signing_keys.json")

  beforeAll(async () => {
    // The first key signs; the second (an older key, public only) is still published.
    const current = await privateJwk("RS256", "current-rsa")
    const { d: _d, ...older } = await privateJwk("ES256", "older-ec")
    void _d
    writeFileSync(keysFile, JSON.stringify([current, { ...older, key_ops: ["verify"] }]))
    stack = await startAuthStack((auth) => ({
      ...generousLimits(auth),
      jwt_secret: JWT_SECRET,
      signing_keys_path: keysFile,
    }))
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("signs access tokens with the set's private key and publishes every public key", async () => {
    const email = uniqueEmail("signing-keys")
    const supabase = anonClient(stack)
    expect((await supabase.auth.signUp({ email, password: PASSWORD })).error).toBeNull()
    await openLink(verifyLinkOf(await latestMail(stack, email)))
    const { data, error } = await supabase.auth.signInWithPassword({ email, password: PASSWORD })
    expect(error).toBeNull()
    const token = data.session!.access_token
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: "current-rsa" })

    const jwks = (await (await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[]
    }
    expect(jwks.keys.map((key) => key.kid)).toEqual(["current-rsa", "older-ec"])
    for (const key of jwks.keys) {
      for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(member)
    }
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never))
    expect(payload.email).toBe(email)

    // The services accept it: auth-js's getClaims checks it against the JWKS, REST runs as the user.
    const claims = await supabase.auth.getClaims()
    expect(claims.error).toBeNull()
    const note = await supabase.from("notes").insert({ body: "signed with RS256" }).select("body")
    expect(note.error).toBeNull()
  })

  it("signs the legacy keys with jwt_secret", async () => {
    expect(stack.keys.jwtSecret).toBe(JWT_SECRET)
    const { payload } = await jwtVerify(stack.keys.anonKey, new TextEncoder().encode(JWT_SECRET))
    expect(payload.role).toBe("anon")
  })
})

describe("config: [auth] keys as the CLI writes them", () => {
  function load(toml: string) {
    const dir = mkdtempSync(path.join(tmpdir(), "lmx-auth-config-"))
    const file = path.join(dir, "config.toml")
    writeFileSync(file, toml)

    return loadStackConfig(file)
  }

  it("reads jwt_secret (also as env()), signing_keys_path and [auth.sms.test_otp]", () => {
    process.env.LMX_TEST_JWT_SECRET = JWT_SECRET
    const config = load(`
[auth]
jwt_secret = "env(LMX_TEST_JWT_SECRET)"
signing_keys_path = "./signing_keys.json"

[auth.sms]
enable_signup = false

[auth.sms.test_otp]
4152127777 = "123456"
`)
    expect(config.auth.jwt_secret).toBe(JWT_SECRET)
    expect(config.auth.signing_keys_path).toBe("./signing_keys.json")
    expect(config.auth.sms.test_otp).toEqual({ "4152127777": "123456" })
  })

  it("names a jwt_secret that is too short", () => {
    expect(() => load(`[auth]\njwt_secret = "short"\n`)).toThrow(
      /auth\.jwt_secret: must be at least 16 characters/
    )
  })
})
