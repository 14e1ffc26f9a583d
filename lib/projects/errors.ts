// Turns a database refusal into copy for the page. The projects functions raise messages
// written for people (supabase/migrations/2026112200062*_*.sql and 202612030004*_*.sql), so
// those pass through; Postgres' own texts (constraint names, RLS wording) never do.

type DbError = { code?: string; message: string }

const OUR_CODES = new Set(["22023", "23505", "23514", "42501", "PT404"])
const POSTGRES_TEXT =
  /violates|row-level security|constraint|duplicate key|permission denied/i

export const GENERIC_FAILURE =
  "Could not save the change. Try again in a moment."
export const ROLE_REFUSED = "Your role in this project does not allow that."

export function databaseMessage(
  error: DbError,
  fallback = GENERIC_FAILURE
): string {
  if (error.message.includes("projects_slug_key")) {
    return "Another project already uses that slug."
  }
  if (error.message.includes("projects_slug_format")) {
    return "Use lower-case letters, digits and hyphens for the slug."
  }
  if (error.code === "42501" && POSTGRES_TEXT.test(error.message))
    return ROLE_REFUSED
  if (
    error.code &&
    OUR_CODES.has(error.code) &&
    !POSTGRES_TEXT.test(error.message)
  ) {
    return error.message
  }

  return fallback
}
