"use client"

import * as React from "react"
import { Check, Copy } from "lucide-react"

import { highlightCode, type HighlightToken } from "@/lib/markdown/highlight"
import { cn } from "@/lib/utils"

type CodeBlockProps = {
  code: string
  /** The fence's info string ("ts", "sql"…), if any. */
  language?: string
  className?: string
}

/**
 * A fenced code block: plain text first, coloured once it scrolls near the screen (the
 * highlighter is a lazy chunk, see lib/markdown/highlight.ts). Tokens render as React text,
 * so whatever the code holds stays text.
 */
export function CodeBlock({ code, language, className }: CodeBlockProps) {
  const ref = React.useRef<HTMLPreElement>(null)
  const [lines, setLines] = React.useState<HighlightToken[][] | null>(null)
  const [copied, setCopied] = React.useState(false)

  React.useEffect(() => {
    const element = ref.current
    if (!element || !language) return
    let cancelled = false
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return
        observer.disconnect()
        highlightCode(code, language)
          .then((result) => {
            if (!cancelled) setLines(result)
          })
          .catch((error: unknown) => {
            // Plain text is a fine fallback; the reader loses colours, not content.
            console.warn("[code-block] highlighting failed", error)
          })
      },
      { rootMargin: "400px" }
    )
    observer.observe(element)

    return () => {
      cancelled = true
      observer.disconnect()
    }
  }, [code, language])

  const handleCopy = () => {
    void navigator.clipboard?.writeText(code).then(() => {
      setCopied(true)
      setTimeout(() => setCopied(false), 1500)
    })
  }

  return (
    <div className={cn("group relative my-3", className)}>
      {language ? (
        <span className="absolute top-1.5 left-3 font-mono text-[10px] tracking-wide text-muted-foreground uppercase select-none">
          {language}
        </span>
      ) : null}
      <button
        type="button"
        onClick={handleCopy}
        aria-label={copied ? "Copied" : "Copy code"}
        className="absolute top-1 right-1 rounded-md p-1.5 text-muted-foreground opacity-70 outline-none hover:bg-accent hover:opacity-100 focus-visible:opacity-100 focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        {copied ? (
          <Check className="size-3.5" aria-hidden="true" />
        ) : (
          <Copy className="size-3.5" aria-hidden="true" />
        )}
      </button>
      <pre
        ref={ref}
        data-highlighted={lines ? "true" : undefined}
        className={cn(
          "overflow-x-auto rounded-lg border bg-muted/40 p-3 text-[13px] leading-relaxed",
          language && "pt-6"
        )}
      >
        <code className="font-mono">
          {lines
            ? lines.map((line, index) => (
                <React.Fragment key={index}>
                  {index > 0 ? "\n" : null}
                  {line.map((token, at) => (
                    <span
                      key={at}
                      style={
                        {
                          "--code-light": token.light,
                          "--code-dark": token.dark,
                        } as React.CSSProperties
                      }
                      className="text-(--code-light) dark:text-(--code-dark)"
                    >
                      {token.content}
                    </span>
                  ))}
                </React.Fragment>
              ))
            : code}
        </code>
      </pre>
    </div>
  )
}
