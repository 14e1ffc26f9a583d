// Syntax highlighting for code blocks in synced messages, loaded only when a code block is
// on screen: shiki's core with the JavaScript regex engine (no WebAssembly download) and a
// fixed set of languages, each its own chunk, so the session page's first paint carries none
// of it. The result is tokens (text + colours), rendered as React text: no HTML string from
// the highlighter, or from the message, ever reaches the DOM.
import type { HighlighterCore, LanguageRegistration } from "shiki/core"

type LanguageModule = { default: LanguageRegistration[] }

const LANGUAGES: Record<string, () => Promise<LanguageModule>> = {
  typescript: () => import("shiki/dist/langs/typescript.mjs"),
  tsx: () => import("shiki/dist/langs/tsx.mjs"),
  javascript: () => import("shiki/dist/langs/javascript.mjs"),
  jsx: () => import("shiki/dist/langs/jsx.mjs"),
  json: () => import("shiki/dist/langs/json.mjs"),
  python: () => import("shiki/dist/langs/python.mjs"),
  sql: () => import("shiki/dist/langs/sql.mjs"),
  shellscript: () => import("shiki/dist/langs/shellscript.mjs"),
  rust: () => import("shiki/dist/langs/rust.mjs"),
  go: () => import("shiki/dist/langs/go.mjs"),
  yaml: () => import("shiki/dist/langs/yaml.mjs"),
  toml: () => import("shiki/dist/langs/toml.mjs"),
  markdown: () => import("shiki/dist/langs/markdown.mjs"),
  html: () => import("shiki/dist/langs/html.mjs"),
  css: () => import("shiki/dist/langs/css.mjs"),
  diff: () => import("shiki/dist/langs/diff.mjs"),
  c: () => import("shiki/dist/langs/c.mjs"),
  cpp: () => import("shiki/dist/langs/cpp.mjs"),
  java: () => import("shiki/dist/langs/java.mjs"),
}

const ALIASES: Record<string, string> = {
  ts: "typescript",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  py: "python",
  sh: "shellscript",
  bash: "shellscript",
  zsh: "shellscript",
  shell: "shellscript",
  console: "shellscript",
  rs: "rust",
  golang: "go",
  yml: "yaml",
  md: "markdown",
  "c++": "cpp",
  jsonc: "json",
  jsonl: "json",
  postgres: "sql",
  postgresql: "sql",
  patch: "diff",
}

/** The language a fence's info string names, if we highlight it ("```ts" → "typescript"). */
export function highlightLanguage(info: string | undefined): string | null {
  if (!info) return null
  const name = info.trim().toLowerCase()
  const resolved = ALIASES[name] ?? name

  return resolved in LANGUAGES ? resolved : null
}

export type HighlightToken = {
  content: string
  light?: string
  dark?: string
}

let highlighter: Promise<HighlighterCore> | null = null
const loaded = new Map<string, Promise<void>>()

function getHighlighter() {
  highlighter ??= (async () => {
    const [{ createHighlighterCore }, { createJavaScriptRegexEngine }] =
      await Promise.all([
        import("shiki/core"),
        import("shiki/engine/javascript"),
      ])

    return createHighlighterCore({
      themes: [
        import("shiki/dist/themes/github-light.mjs"),
        import("shiki/dist/themes/github-dark.mjs"),
      ],
      langs: [],
      engine: createJavaScriptRegexEngine(),
    })
  })()

  return highlighter
}

/** Lines of coloured tokens, or null for a language we do not highlight. */
export async function highlightCode(
  code: string,
  info: string | undefined
): Promise<HighlightToken[][] | null> {
  const lang = highlightLanguage(info)
  if (!lang) return null
  const core = await getHighlighter()
  let loading = loaded.get(lang)
  if (!loading) {
    loading = LANGUAGES[lang]!().then((module) =>
      core.loadLanguage(module.default)
    )
    loaded.set(lang, loading)
  }
  await loading

  return core
    .codeToTokensWithThemes(code, {
      lang,
      themes: { light: "github-light", dark: "github-dark" },
    })
    .map((line) =>
      line.map((token) => ({
        content: token.content,
        light: token.variants.light?.color,
        dark: token.variants.dark?.color,
      }))
    )
}
