import { readFile, stat } from "node:fs/promises"

import { ImportError } from "./model"

// Reading a chat file: too large, not UTF-8, empty or cut-off JSON are reasons to skip it,
// worded for the user, never crashes.

/** Chat exports are big (a ChatGPT export of years), but not this big. */
export const MAX_SOURCE_FILE_BYTES = 512 * 1024 * 1024

export async function readSourceText(
  file: string,
  maxBytes = MAX_SOURCE_FILE_BYTES
): Promise<string> {
  const info = await stat(file)
  if (info.size > maxBytes) {
    throw new ImportError(
      `the file is ${Math.round(info.size / 1024 / 1024)} MB, over the ${Math.round(maxBytes / 1024 / 1024)} MB the agent reads`
    )
  }
  if (info.size === 0) throw new ImportError("the file is empty")

  return decodeUtf8(await readFile(file))
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    throw new ImportError("the file is not UTF-8 text")
  }
}

export function parseJson(text: string): unknown {
  if (text.trim() === "") throw new ImportError("the file is empty")
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ImportError(
      `the file is not valid JSON (${(error as Error).message}); it may be cut off`
    )
  }
}
