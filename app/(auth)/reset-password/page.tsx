import type { Metadata } from "next"

import { AuthCard } from "../_components/auth-card"
import { UpdatePasswordForm } from "../_components/update-password-form"

export const metadata: Metadata = { title: "Choose a new password" }

// Reached signed in: from the reset email (its link signs the person in) or
// from Settings. proxy.ts sends signed-out visitors to sign-in first.
export default function ResetPasswordPage() {
  return (
    <AuthCard
      title="Choose a new password"
      description="You'll use it the next time you sign in with a password."
    >
      <UpdatePasswordForm />
    </AuthCard>
  )
}
