import { readdir } from "node:fs/promises"
import path from "node:path"

import { ImportError, type ImportedSession, type SyncSource } from "../model"
import { parseJson, readSourceText } from "../read-source-file"
import { CHATGPT_FILE, importChatGpt } from "./chatgpt"
import { importJsonl, JSONL_FILE } from "./jsonl"
import { importLmStudio, LMSTUDIO_FILE } from "./lmstudio"
import { importOpenWebUi, OPENWEBUI_FILE } from "./openwebui"

// Which files belong to a source, and reading one file as that source's sessions.

const FILE_PATTERNS: Record<SyncSource, RegExp> = {
  lmstudio: LMSTUDIO_FILE,
  openwebui: OPENWEBUI_FILE,
  chatgpt: CHATGPT_FILE,
  jsonl: JSONL_FILE,
}

export function isSourceFile(source: SyncSource, file: string): boolean {
  return FILE_PATTERNS[source].test(path.basename(file))
}

/** Every file of the source under a folder (recursively), sorted so runs are repeatable. */
export async function listSourceFiles(
  source: SyncSource,
  root: string
): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })

  return entries
    .filter((entry) => entry.isFile() && isSourceFile(source, entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()
}

/** Parses text already read from a file; throws ImportError with the reason it cannot. */
export function importText(
  source: SyncSource,
  file: string,
  content: string
): ImportedSession[] {
  switch (source) {
    case "lmstudio":
      return importLmStudio(parseJson(content), file)
    case "openwebui":
      return importOpenWebUi(parseJson(content))
    case "chatgpt":
      return importChatGpt(parseJson(content))
    case "jsonl":
      return importJsonl(content)
  }
}

export async function importFile(
  source: SyncSource,
  file: string
): Promise<ImportedSession[]> {
  return importText(source, file, await readSourceText(file))
}

/** Guesses the source of a file or folder a user named without --source. */
export async function detectSource(
  target: string,
  isDirectory: boolean
): Promise<SyncSource | null> {
  const names = isDirectory
    ? (await readdir(target, { recursive: true })).map((name) =>
        path.basename(String(name))
      )
    : [path.basename(target)]
  for (const source of ["lmstudio", "openwebui", "chatgpt", "jsonl"] as const) {
    if (names.some((name) => FILE_PATTERNS[source].test(name))) return source
  }

  return null
}

export { ImportError }
