"use client"

import { Button } from "@/components/ui/button"
import { SignOutEverywhereDialog } from "@/components/auth/sign-out-everywhere-dialog"
import { SignOutForm } from "@/components/auth/sign-out-form"
import { SubmitButton } from "@/components/auth/submit-button"

export function SessionActions() {
  return (
    <div className="flex flex-wrap gap-2">
      <SignOutForm scope="local">
        <SubmitButton variant="outline" pendingLabel="Signing out…">
          Sign out of this browser
        </SubmitButton>
      </SignOutForm>
      <SignOutForm scope="others">
        <SubmitButton variant="outline" pendingLabel="Signing out…">
          Sign out of other browsers
        </SubmitButton>
      </SignOutForm>
      <SignOutEverywhereDialog
        trigger={<Button variant="destructive">Sign out everywhere</Button>}
      />
    </div>
  )
}
