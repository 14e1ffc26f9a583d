import type { Metadata } from "next"
import Link from "next/link"
import { Settings } from "lucide-react"

import { Button } from "@/components/ui/button"
import { EmptyState } from "@/components/shell/empty-state"
import { PageHeader } from "@/components/shell/page-header"

export const metadata: Metadata = { title: "Settings" }

export default function SettingsPage() {
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your profile, the browsers signed in to your account, and signing out everywhere."
      />
      <EmptyState
        icon={Settings}
        title="You are not signed in"
        description="Settings belong to an account; sign in to see and change yours."
      >
        <Button asChild variant="outline">
          <Link href="/sign-in">Go to sign in</Link>
        </Button>
      </EmptyState>
    </>
  )
}
