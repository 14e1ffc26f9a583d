/** One run of an excerpt: plain text, or text the search matched. */
export type HighlightSegment = { text: string; marked: boolean }

const START = "<mark>"
const STOP = "</mark>"

/**
 * Splits an excerpt from `search_messages` (ts_headline with StartSel=<mark>, StopSel=</mark>)
 * into runs of text. The excerpt is never parsed as HTML: everything but those two exact
 * markers is text, rendered as React text nodes, so a message containing `<script>` or
 * `<img onerror>` shows those characters and nothing more. A message that itself contains
 * the marker strings can at worst shift a highlight, never inject markup.
 */
export function splitHighlights(excerpt: string): HighlightSegment[] {
  const segments: HighlightSegment[] = []
  let rest = excerpt
  const push = (text: string, marked: boolean) => {
    if (!text) return
    const last = segments.at(-1)
    if (last && last.marked === marked) last.text += text
    else segments.push({ text, marked })
  }

  while (rest.length > 0) {
    const start = rest.indexOf(START)
    if (start === -1) break
    const stop = rest.indexOf(STOP, start + START.length)
    if (stop === -1) break
    push(rest.slice(0, start), false)
    push(rest.slice(start + START.length, stop), true)
    rest = rest.slice(stop + STOP.length)
  }
  push(rest, false)

  return segments
}
