import Anser from "anser"

/** One run of text with the same colours and decorations. */
export type AnsiSegment = { text: string; className: string }

// Class names come only from these tables, never from the log: anser reads the escape
// codes and names a colour; anything it names outside the tables (256-colour palette beyond
// the first 16, true colour) renders as plain text.
const NAMED = [
  "black",
  "red",
  "green",
  "yellow",
  "blue",
  "magenta",
  "cyan",
  "white",
  "bright-black",
  "bright-red",
  "bright-green",
  "bright-yellow",
  "bright-blue",
  "bright-magenta",
  "bright-cyan",
  "bright-white",
] as const
type Named = (typeof NAMED)[number]

const FOREGROUND: Record<Named, string> = {
  black: "text-zinc-900 dark:text-zinc-400",
  red: "text-red-700 dark:text-red-400",
  green: "text-emerald-700 dark:text-emerald-400",
  yellow: "text-amber-700 dark:text-amber-300",
  blue: "text-blue-700 dark:text-blue-400",
  magenta: "text-fuchsia-700 dark:text-fuchsia-400",
  cyan: "text-cyan-700 dark:text-cyan-400",
  white: "text-zinc-500 dark:text-zinc-200",
  "bright-black": "text-zinc-500 dark:text-zinc-500",
  "bright-red": "text-red-600 dark:text-red-300",
  "bright-green": "text-emerald-600 dark:text-emerald-300",
  "bright-yellow": "text-amber-600 dark:text-amber-200",
  "bright-blue": "text-blue-600 dark:text-blue-300",
  "bright-magenta": "text-fuchsia-600 dark:text-fuchsia-300",
  "bright-cyan": "text-cyan-600 dark:text-cyan-300",
  "bright-white": "text-zinc-400 dark:text-white",
}

const BACKGROUND: Record<Named, string> = {
  black: "bg-zinc-900/80",
  red: "bg-red-500/25",
  green: "bg-emerald-500/25",
  yellow: "bg-amber-400/30",
  blue: "bg-blue-500/25",
  magenta: "bg-fuchsia-500/25",
  cyan: "bg-cyan-500/25",
  white: "bg-zinc-300/60 dark:bg-zinc-200/30",
  "bright-black": "bg-zinc-500/30",
  "bright-red": "bg-red-400/25",
  "bright-green": "bg-emerald-400/25",
  "bright-yellow": "bg-amber-300/30",
  "bright-blue": "bg-blue-400/25",
  "bright-magenta": "bg-fuchsia-400/25",
  "bright-cyan": "bg-cyan-400/25",
  "bright-white": "bg-zinc-100/60 dark:bg-zinc-100/20",
}

const DECORATIONS: Record<string, string> = {
  bold: "font-bold",
  dim: "opacity-60",
  italic: "italic",
  underline: "underline",
  strikethrough: "line-through",
  hidden: "invisible",
}

/** anser's class for a colour ("ansi-red", "ansi-palette-9") as one of the 16 named ones. */
function named(value: string | null | undefined): Named | null {
  if (!value) return null
  const name = value.replace(/^ansi-/, "")
  if ((NAMED as readonly string[]).includes(name)) return name as Named
  const palette = /^palette-(\d{1,3})$/.exec(name)
  if (palette) return NAMED[Number(palette[1])] ?? null

  return null
}

// Escape sequences anser does not turn into colours (cursor moves, OSC titles and links,
// erase-line) and the other C0 controls would show as garbage; tabs stay.
const LEFTOVER_CONTROLS =
  /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]?|[\u0000-\u0008\u000b-\u001f\u007f]/g

/** The line without any escape sequence: what search and the raw download match on. */
export function stripAnsi(line: string): string {
  return line.replace(LEFTOVER_CONTROLS, "")
}

/**
 * A log line as coloured segments for React to render as text nodes. Nothing in the line
 * ever becomes markup: the text is the segment's content, and its class names come from the
 * tables above.
 */
export function ansiToSegments(line: string): AnsiSegment[] {
  const segments: AnsiSegment[] = []
  for (const entry of Anser.ansiToJson(line, {
    use_classes: true,
    remove_empty: true,
  })) {
    const text = stripAnsi(entry.content)
    if (!text) continue
    const foreground = named(entry.fg)
    const background = named(entry.bg)
    const classes = [
      foreground ? FOREGROUND[foreground] : "",
      background ? BACKGROUND[background] : "",
      ...(entry.decorations ?? []).map((name) => DECORATIONS[name] ?? ""),
    ].filter(Boolean)
    const className = classes.join(" ")
    const previous = segments.at(-1)
    if (previous && previous.className === className) previous.text += text
    else segments.push({ text, className })
  }

  return segments
}
