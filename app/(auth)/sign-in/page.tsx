import type { Metadata } from "next"
import Link from "next/link"

import { Button } from "@/components/ui/button"
import {
  Card,
  CardContent,
  CardDescription,
  CardFooter,
  CardHeader,
  CardTitle,
} from "@/components/ui/card"

export const metadata: Metadata = { title: "Sign in" }

// TODO(#7): replace this placeholder with magic link, one-time code and
// password sign-in.
export default function SignInPage() {
  return (
    <Card className="w-full max-w-sm">
      <CardHeader>
        <CardTitle>
          <h1 className="text-xl">Sign in to LMX Console</h1>
        </CardTitle>
        <CardDescription>
          Signing in is not available in this build yet.
        </CardDescription>
      </CardHeader>
      <CardContent className="text-sm text-muted-foreground">
        Accounts arrive with the next release: sign-in by magic link, one-time
        code or password. Until then the console shows its pages without data.
      </CardContent>
      <CardFooter>
        <Button asChild variant="outline" className="w-full">
          <Link href="/devices">Back to the console</Link>
        </Button>
      </CardFooter>
    </Card>
  )
}
