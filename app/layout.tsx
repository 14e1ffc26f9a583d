import type { Metadata, Viewport } from "next"

import { Providers } from "@/components/providers"

import "./globals.css"

export const metadata: Metadata = {
  title: { default: "LMX Console", template: "%s · LMX Console" },
  description:
    "Pair your machines, browse the chat sessions they sync, run and watch ops workflows, and see what your models cost.",
}

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#0a0a0a" },
  ],
}

export default function RootLayout({
  children,
}: Readonly<{ children: React.ReactNode }>) {
  return (
    // next-themes sets the theme class on <html> before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-svh">
        <Providers>{children}</Providers>
      </body>
    </html>
  )
}
