"use client"

import * as React from "react"
import type { Element, ElementContent } from "hast"
import ReactMarkdown, { type Components } from "react-markdown"
import rehypeSanitize from "rehype-sanitize"
import remarkGfm from "remark-gfm"

import { cn } from "@/lib/utils"

import { CodeBlock } from "./code-block"

function textOf(nodes: readonly ElementContent[]): string {
  let text = ""
  for (const node of nodes) {
    if (node.type === "text") text += node.value
    else if (node.type === "element") text += textOf(node.children)
  }

  return text
}

function languageOf(code: Element | undefined): string | undefined {
  const className = code?.properties?.className
  const classes = Array.isArray(className) ? className : []
  for (const value of classes) {
    if (typeof value === "string" && value.startsWith("language-")) {
      return value.slice("language-".length)
    }
  }

  return undefined
}

const components: Components = {
  pre: ({ node }) => {
    const code = node?.children.find(
      (child): child is Element =>
        child.type === "element" && child.tagName === "code"
    )
    const text = textOf(code?.children ?? []).replace(/\n$/, "")

    return <CodeBlock code={text} language={languageOf(code)} />
  },
  code: ({ className, children }) => (
    <code
      className={cn(
        "rounded bg-muted px-1 py-0.5 font-mono text-[0.9em]",
        className
      )}
    >
      {children}
    </code>
  ),
  a: ({ href, children }) => (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer nofollow ugc"
      className="font-medium text-primary underline underline-offset-4"
    >
      {children}
    </a>
  ),
  // Synced content must not make the reader's browser fetch from anywhere (a tracking pixel
  // would tell a third party when a session is read): an image becomes a link to it.
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a
        href={src}
        target="_blank"
        rel="noopener noreferrer nofollow ugc"
        className="text-primary underline underline-offset-4"
      >
        {alt ? `Image: ${alt}` : "Image"}
      </a>
    ) : (
      <span>{alt ? `Image: ${alt}` : "Image"}</span>
    ),
  table: ({ children }) => (
    <div className="my-3 overflow-x-auto">
      <table className="w-full border-collapse text-sm">{children}</table>
    </div>
  ),
  th: ({ children, style }) => (
    <th
      style={style}
      className="border border-border bg-muted/50 px-2 py-1 text-left font-semibold"
    >
      {children}
    </th>
  ),
  td: ({ children, style }) => (
    <td style={style} className="border border-border px-2 py-1 align-top">
      {children}
    </td>
  ),
}

const remarkPlugins = [remarkGfm]
// GitHub's own sanitisation schema (rehype-sanitize's default): no script, no style, no
// event handlers, only http(s)/mailto links. react-markdown already drops raw HTML (no
// rehype-raw) and javascript: URLs; this is the second lock on the same door.
const rehypePlugins = [rehypeSanitize]

/** Markdown from synced messages: GFM (tables, task lists, strikethrough), sanitised. */
export const Markdown = React.memo(function Markdown({
  children,
  className,
}: {
  children: string
  className?: string
}) {
  return (
    <div
      className={cn(
        "space-y-3 text-sm leading-relaxed wrap-anywhere [&_blockquote]:border-l-2 [&_blockquote]:pl-3 [&_blockquote]:text-muted-foreground [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:text-base [&_h2]:font-semibold [&_h3]:font-semibold [&_li]:my-0.5 [&_ol]:list-decimal [&_ol]:pl-6 [&_ul]:list-disc [&_ul]:pl-6",
        className
      )}
    >
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={components}
        skipHtml
      >
        {children}
      </ReactMarkdown>
    </div>
  )
})
