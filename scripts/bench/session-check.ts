// The session check's two bodies, for benchmarks that measure its cost in one run: the
// helper every user policy calls, private.is_device_request(), as it was before the check
// (20261122000100_private_helpers.sql) and as it is with it (20261203000740_live_sessions_only.sql,
// which also adds private.session_is_gone()). Both are read from the migrations themselves, so
// the benchmark measures what ships.
import { readFileSync } from "node:fs"
import path from "node:path"

const migrations = path.resolve(import.meta.dirname, "../../supabase/migrations")

function statement(file: string, head: string): string {
  const text = readFileSync(path.join(migrations, file), "utf8")
  const start = text.indexOf(head)
  if (start < 0) throw new Error(`${file} no longer defines ${head}`)
  const end = text.indexOf("$$;", text.indexOf("$$", start) + 2)
  return `${text.slice(start, end + 3)}\n`
}

const IS_DEVICE_REQUEST = "create or replace function private.is_device_request()"

/** Replaces private.is_device_request() with its body before the session check. */
export const WITHOUT_SESSION_CHECK = statement(
  "20261122000100_private_helpers.sql",
  IS_DEVICE_REQUEST
)

/** Its body with the session check (session_is_gone() must exist: see SESSION_IS_GONE). */
export const WITH_SESSION_CHECK = statement(
  "20261203000740_live_sessions_only.sql",
  IS_DEVICE_REQUEST
)

/** private.session_is_gone(), which the checked body calls. */
export const SESSION_IS_GONE = statement(
  "20261203000740_live_sessions_only.sql",
  "create or replace function private.session_is_gone()"
)

export type Variant = "without" | "with"

export const VARIANT_SQL: Record<Variant, string> = {
  without: WITHOUT_SESSION_CHECK,
  with: WITH_SESSION_CHECK,
}
