import type { Metadata } from "next"
import Link from "next/link"

import { getCurrentUser } from "@/lib/auth/current-user"
import { getAuthSettings } from "@/lib/auth/settings"
import { Button } from "@/components/ui/button"
import {
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
} from "@/components/ui/card"
import { FormMessage } from "@/components/ui/form-message"
import { PageHeader } from "@/components/shell/page-header"

import { PasskeysCard } from "./_components/passkeys-card"
import { ProfileForm } from "./_components/profile-form"
import { SecurityKeysCard } from "./_components/security-keys-card"
import { SessionActions } from "./_components/session-actions"
import { TwoStepCard } from "./_components/two-step-card"

export const metadata: Metadata = { title: "Settings" }

type SearchParams = Promise<Record<string, string | string[] | undefined>>

const METHOD_COPY: Record<string, string> = {
  password: "password",
  otp: "email link or code",
  magiclink: "email link",
  pkce: "email link",
  oauth: "a sign-in provider",
  recovery: "password reset link",
  passkey: "a passkey",
}

const NOTICES: Record<string, { tone: "success" | "error"; text: string }> = {
  others: { tone: "success", text: "Every other browser is signed out." },
  failed: {
    tone: "error",
    text: "Other browsers could not be signed out. Please try again in a moment.",
  },
  updated: { tone: "success", text: "Your password is changed." },
}

function formatInstant(seconds: number) {
  return new Intl.DateTimeFormat("en", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }).format(new Date(seconds * 1000))
}

export default async function SettingsPage({
  searchParams,
}: {
  searchParams: SearchParams
}) {
  const params = await searchParams
  const [user, authSettings] = await Promise.all([
    getCurrentUser(),
    getAuthSettings(),
  ])
  const noticeKey =
    params.signed_out === "others" || params.signed_out === "failed"
      ? params.signed_out
      : params.password === "updated"
        ? "updated"
        : undefined
  const notice = noticeKey ? NOTICES[noticeKey] : undefined
  const method = user.methods[0]

  return (
    <>
      <PageHeader
        title="Settings"
        description="Your profile, two-step sign-in, security keys, passkeys, how this browser is signed in, and signing out everywhere."
      />
      {notice ? (
        <FormMessage tone={notice.tone}>{notice.text}</FormMessage>
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle>
            <h2>Profile</h2>
          </CardTitle>
          <CardDescription>
            Signed in as{" "}
            <span className="font-medium text-foreground">{user.email}</span>
          </CardDescription>
        </CardHeader>
        <CardContent>
          <ProfileForm displayName={user.displayName} />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>
            <h2>Password</h2>
          </CardTitle>
          <CardDescription>
            Set or change the password you sign in with. Other browsers are
            signed out when it changes.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild variant="outline">
            <Link href="/reset-password">Change password</Link>
          </Button>
        </CardContent>
      </Card>

      <TwoStepCard now={new Date().getTime()} />

      <SecurityKeysCard now={new Date().getTime()} />

      {authSettings.passkeys_enabled ? (
        <PasskeysCard now={new Date().getTime()} />
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle>
            <h2>Sessions</h2>
          </CardTitle>
          <CardDescription>
            Auth does not list the other browsers signed in to your account, so
            they are not shown one by one; you can still sign them all out.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <dl className="grid max-w-md grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
            <dt className="text-muted-foreground">This browser</dt>
            <dd>
              Signed in
              {method ? ` with ${METHOD_COPY[method] ?? method}` : ""}
            </dd>
            {user.issuedAt ? (
              <>
                <dt className="text-muted-foreground">Session last renewed</dt>
                <dd>
                  <time dateTime={new Date(user.issuedAt * 1000).toISOString()}>
                    {formatInstant(user.issuedAt)} UTC
                  </time>
                </dd>
              </>
            ) : null}
            {user.sessionId ? (
              <>
                <dt className="text-muted-foreground">Session ID</dt>
                <dd className="font-mono text-xs">
                  {user.sessionId.slice(0, 8)}
                </dd>
              </>
            ) : null}
          </dl>
          <SessionActions />
        </CardContent>
      </Card>
    </>
  )
}
