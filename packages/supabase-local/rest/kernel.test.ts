import { type IncomingMessage } from "node:http"

import { describe, expect, it } from "vitest"

import { type Auth } from "./auth"
import { requestSettings, settingsJson, type RequestContext, type RestState } from "./kernel"

// The one-round-trip path builds the settings parameter from per-role and per-token caches;
// it must say exactly what requestSettings lists (the transaction path applies that list).
function state(): RestState {
  const partial = {
    config: { api: { extra_search_path: ["public", "extensions"] } },
    cache: { roleSettings: new Map([["authenticated", { statement_timeout: "8s" }]]) },
  }
  // Only the fields the settings read; the rest of the state is irrelevant here.
  return partial as unknown as RestState
}

function context(auth: Auth, overrides: Partial<RequestContext> = {}): RequestContext {
  const req = {
    headers: { "x-custom": "it's", cookie: "flavour=mint; b=%41" },
  } as unknown as IncomingMessage
  return {
    req,
    method: "GET",
    path: "/rpc/whoami",
    url: new URL("http://local/rest/v1/rpc/whoami"),
    schema: "public",
    byProfile: false,
    media: { format: "json", contentType: "application/json; charset=utf-8" },
    prefs: { invalid: [] },
    auth,
    ...overrides,
  } as RequestContext
}

describe("the request settings parameter of the prepared path", () => {
  const auth: Auth = {
    role: "authenticated",
    claims: { sub: "u1", role: "authenticated", app_metadata: { a: 1 }, exp: 2 },
    token: true,
  }

  it("is requestSettings as JSON, in its order, for reads, writes, time zones and anon", () => {
    const rs = state()
    for (const rc of [
      context(auth),
      context(auth, { method: "POST", schema: "api" }),
      context(auth, { prefs: { invalid: [], timezone: "Europe/Warsaw" } }),
      context({ role: "anon", claims: { role: "anon" }, token: false }),
      context(auth, { method: "PATCH", path: "/notes", schema: "api" }),
    ]) {
      expect(settingsJson(rs, rc)).toBe(JSON.stringify(requestSettings(rs, rc)))
    }
  })
})
