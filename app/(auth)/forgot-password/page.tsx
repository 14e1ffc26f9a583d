import type { Metadata } from "next"
import Link from "next/link"

import { AuthCard } from "../_components/auth-card"
import { ForgotPasswordForm } from "../_components/forgot-password-form"

export const metadata: Metadata = { title: "Forgot password" }

export default function ForgotPasswordPage() {
  return (
    <AuthCard
      title="Reset your password"
      description="Enter the email you sign in with and we'll send you a link to choose a new password."
      footer={
        <p>
          Remembered it?{" "}
          <Link
            href="/sign-in?tab=password"
            className="font-medium text-foreground underline underline-offset-4"
          >
            Back to sign in
          </Link>
        </p>
      }
    >
      <ForgotPasswordForm />
    </AuthCard>
  )
}
