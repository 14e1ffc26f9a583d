"use client"

import * as React from "react"

import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog"
import { buttonVariants } from "@/components/ui/button"
import { SignOutForm } from "@/components/auth/sign-out-form"
import { SubmitButton } from "@/components/auth/submit-button"

type SignOutEverywhereDialogProps = {
  open?: boolean
  onOpenChange?: (open: boolean) => void
  /** Opens the dialog; omit when `open` is controlled from elsewhere (a menu item). */
  trigger?: React.ReactNode
}

/** Confirms, then ends every session of the account, this browser's included. */
export function SignOutEverywhereDialog({
  open,
  onOpenChange,
  trigger,
}: SignOutEverywhereDialogProps) {
  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      {trigger ? (
        <AlertDialogTrigger asChild>{trigger}</AlertDialogTrigger>
      ) : null}
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Sign out everywhere?</AlertDialogTitle>
          <AlertDialogDescription>
            Every browser signed in to your account is signed out, this one
            included. Paired devices keep working: they have their own
            credentials, which you can revoke on the Devices page.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <SignOutForm scope="global">
            <SubmitButton
              className={buttonVariants({ variant: "destructive" })}
              pendingLabel="Signing out…"
            >
              Sign out everywhere
            </SubmitButton>
          </SignOutForm>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  )
}
