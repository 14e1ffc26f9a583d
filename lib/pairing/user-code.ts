/** The consonants the pairing functions draw user codes from (RFC 8628 section 6.1). */
export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
export const USER_CODE_LENGTH = 8

const NOT_IN_ALPHABET = new RegExp(`[^${USER_CODE_ALPHABET}]`, "g")

/**
 * The characters of a user code as typed or pasted: case, spaces, dashes and anything outside
 * the alphabet fall away, at most 8 are kept.
 */
export function normalizeUserCode(input: string): string {
  return input
    .toUpperCase()
    .replace(NOT_IN_ALPHABET, "")
    .slice(0, USER_CODE_LENGTH)
}

/** `XXXX-XXXX` as the user types: the dash appears once the fifth character does. */
export function formatUserCode(input: string): string {
  const code = normalizeUserCode(input)
  if (code.length <= 4) return code

  return `${code.slice(0, 4)}-${code.slice(4)}`
}

export function isCompleteUserCode(input: string): boolean {
  return normalizeUserCode(input).length === USER_CODE_LENGTH
}

/**
 * A pasted link (`…/pair?code=BCDF-GHJK`) or code; returns the formatted code. People paste
 * the whole link the agent printed as often as the code itself.
 */
export function userCodeFromPaste(pasted: string): string {
  const text = pasted.trim()
  const fromLink = /[?&]code=([^&#\s]+)/i.exec(text)
  if (fromLink) {
    return formatUserCode(decodeURIComponent(fromLink[1]!))
  }

  return formatUserCode(text)
}
