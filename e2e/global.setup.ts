import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"

import { test as setup } from "@playwright/test"

import {
  CONSOLE_USER,
  CONSOLE_USER_STATE,
  createConfirmedUser,
  sessionCookiesFor,
} from "./fixtures/session"

// Signs in through the Auth API once and saves the browser state (no browser needed); only
// auth.spec.ts signs in through the UI.
setup("sign in the console user", async () => {
  const user = await createConfirmedUser("console", {
    email: CONSOLE_USER.email,
    reuse: true,
  })
  const cookies = await sessionCookiesFor(user.email, user.password)
  mkdirSync(path.dirname(CONSOLE_USER_STATE), { recursive: true })
  writeFileSync(
    CONSOLE_USER_STATE,
    JSON.stringify({ cookies, origins: [] }, null, 2),
    { mode: 0o600 }
  )
})
