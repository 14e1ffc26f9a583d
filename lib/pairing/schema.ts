import { z } from "zod"

import { dbId } from "@/lib/db-id"

import {
  isCompleteUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
} from "./user-code"

export const INCOMPLETE_USER_CODE =
  "Enter all 8 letters of the code, like BCDF-GHJK."

/** Letters and digits typed that no code contains (vowels, Y, digits), each once, upper case. */
export function charactersOutsideUserCode(input: string): string[] {
  const outside = new Set<string>()
  for (const character of input.toUpperCase()) {
    if (/[A-Z0-9]/.test(character) && !USER_CODE_ALPHABET.includes(character))
      outside.add(character)
  }

  return [...outside]
}

/**
 * Why characters the person typed cannot be in a code. Said before "enter all 8 letters":
 * the input drops them as they are typed, so `ABCD-EFGH` arrives with six.
 */
export function outsideUserCodeMessage(characters: string[]): string {
  const listed =
    characters.length === 1
      ? characters[0]!
      : `${characters.slice(0, -1).join(", ")} and ${characters.at(-1)}`
  const verb = characters.length === 1 ? "is" : "are"

  return `Codes use consonants only (no vowels, no Y, no digits): ${listed} ${verb} never part of one. Check the code your device shows.`
}

/** What is wrong with a typed code, or undefined when it is a complete one. */
export function userCodeProblem(input: string): string | undefined {
  const outside = charactersOutsideUserCode(input)
  if (outside.length > 0) return outsideUserCodeMessage(outside)
  if (!isCompleteUserCode(input)) return INCOMPLETE_USER_CODE

  return undefined
}

export const userCodeSchema = z
  .string({ error: "Enter the code your device shows." })
  .superRefine((code, context) => {
    const problem = userCodeProblem(code)
    if (problem) context.addIssue({ code: "custom", message: problem })
  })
  .transform((code) => {
    const normalized = normalizeUserCode(code)

    return `${normalized.slice(0, 4)}-${normalized.slice(4)}`
  })

export const pairingApproveSchema = z.object({
  code: userCodeSchema,
  name: z
    .string()
    .trim()
    .max(80, "Use at most 80 characters.")
    .optional()
    .transform((name) => name || undefined),
})
export type PairingApprove = z.input<typeof pairingApproveSchema>

export const pairingDenySchema = z.object({ code: userCodeSchema })

export const pairingRequestSchema = z.object({
  id: dbId,
  device_name: z.string(),
  device_role: z.enum(["llm_host", "workstation"]),
  hostname: z.string().nullable(),
  platform: z.string().nullable(),
  app_version: z.string().nullable(),
  requested_ip: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
})
export type PairingRequest = z.infer<typeof pairingRequestSchema>

export const PAIRING_MISS_STATUSES = [
  "expired",
  "used",
  "denied",
  "unknown",
  "rate_limited",
] as const
export type PairingMissStatus = (typeof PAIRING_MISS_STATUSES)[number]

export type PairingLookup =
  { status: "pending"; request: PairingRequest } | { status: PairingMissStatus }
