"use client"

import * as React from "react"
import { QueryClientProvider } from "@tanstack/react-query"
import { ThemeProvider } from "next-themes"
import { NuqsAdapter } from "nuqs/adapters/next/app"
import { z } from "zod"

import { getQueryClient } from "@/lib/query-client"
import { Toaster } from "@/components/ui/sonner"
import { TooltipProvider } from "@/components/ui/tooltip"
import { StepUpProvider } from "@/components/auth/step-up-dialog"

// zod 4 compiles object schemas with `new Function` when it can, and finds out by trying one:
// under the Content-Security-Policy (no 'unsafe-eval') that probe is a reported violation.
// In the browser it parses small forms, so the interpreted path costs nothing that shows.
if (typeof window !== "undefined") z.config({ jitless: true })

export function Providers({
  children,
  nonce,
}: {
  children: React.ReactNode
  /** The Content-Security-Policy nonce for next-themes' inline script. */
  nonce?: string
}) {
  const queryClient = getQueryClient()

  return (
    <QueryClientProvider client={queryClient}>
      <ThemeProvider
        attribute="class"
        defaultTheme="system"
        enableSystem
        disableTransitionOnChange
        nonce={nonce}
      >
        {/* Filters kept in the URL (sessions) read and write it through nuqs. */}
        <NuqsAdapter>
          <TooltipProvider>
            <StepUpProvider>{children}</StepUpProvider>
          </TooltipProvider>
        </NuqsAdapter>
        <Toaster />
      </ThemeProvider>
    </QueryClientProvider>
  )
}
