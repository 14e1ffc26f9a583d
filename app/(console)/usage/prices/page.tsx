import type { Metadata } from "next"
import Link from "next/link"

import { getCurrentUser } from "@/lib/auth/current-user"
import { listProjects } from "@/lib/projects/queries"
import { createClient } from "@/lib/supabase/server"
import { getPricesPage } from "@/lib/usage/prices"
import { Button } from "@/components/ui/button"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"
import { PageHeader } from "@/components/shell/page-header"
import { DevicePriceForm } from "@/components/usage/device-price-form"
import {
  BudgetForm,
  DeletePriceButton,
  ModelPriceForm,
  ReferenceForm,
} from "@/components/usage/price-forms"

export const metadata: Metadata = { title: "Prices and budgets" }

const perMillion = (value: number) => `$${value.toFixed(value < 1 ? 3 : 2)}`

export default async function PricesPage() {
  const user = await getCurrentUser()
  const supabase = await createClient()
  const [{ prices, references, devices, budgets }, projects] =
    await Promise.all([getPricesPage(supabase), listProjects(supabase)])
  const models = [...new Set(prices.map((p) => p.model))].sort()
  const ownReferenceFor = new Map(
    references.filter((r) => r.user_id).map((r) => [r.model, r.reference_model])
  )
  const effectiveReferences = references.filter(
    (r) => r.user_id || !ownReferenceFor.has(r.model)
  )
  const administered = projects.filter(
    (p) => p.my_role === "owner" || p.my_role === "admin"
  )

  return (
    <>
      <PageHeader
        title="Prices and budgets"
        description="Cloud prices per million tokens with the date each took effect, your own overrides, what each local device costs to run, the cloud model each local model is compared with, and monthly budgets."
      >
        <Button asChild variant="outline">
          <Link href="/usage">Back to usage</Link>
        </Button>
      </PageHeader>
      <div className="space-y-8">
        <section aria-labelledby="prices-models" className="min-w-0 space-y-3">
          <h2 id="prices-models" className="text-lg font-semibold">
            Model prices
          </h2>
          <p className="text-sm text-muted-foreground">
            A price applies to messages written on or after its date; your own
            price wins over the default. Changing one re-prices the messages it
            applies to.
          </p>
          <div className="overflow-x-auto rounded-xl border">
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Model</TableHead>
                  <TableHead>Whose</TableHead>
                  <TableHead>From</TableHead>
                  <TableHead className="text-right">Input $/M</TableHead>
                  <TableHead className="text-right">Output $/M</TableHead>
                  <TableHead className="text-right">Cached $/M</TableHead>
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {prices.map((price) => (
                  <TableRow key={price.id}>
                    <TableCell className="font-medium">{price.model}</TableCell>
                    <TableCell>{price.user_id ? "Yours" : "Default"}</TableCell>
                    <TableCell>
                      <time
                        dateTime={price.effective_from}
                        title={price.effective_from}
                      >
                        {price.effective_from.slice(0, 10)}
                      </time>
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {perMillion(price.input_per_mtok)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {perMillion(price.output_per_mtok)}
                    </TableCell>
                    <TableCell className="text-right tabular-nums">
                      {perMillion(price.cached_per_mtok)}
                    </TableCell>
                    <TableCell>
                      {price.user_id ? (
                        <DeletePriceButton id={price.id} model={price.model} />
                      ) : null}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <h3 className="font-medium">Set your own price</h3>
          <ModelPriceForm models={models} />
        </section>

        <section aria-labelledby="prices-devices" className="space-y-3">
          <h2 id="prices-devices" className="text-lg font-semibold">
            Local hardware
          </h2>
          {devices.length === 0 ? (
            <p className="text-sm text-muted-foreground">
              No devices yet:{" "}
              <Link className="underline underline-offset-4" href="/pair">
                pair one
              </Link>{" "}
              to price it.
            </p>
          ) : (
            <ul className="grid gap-4 lg:grid-cols-2">
              {devices.map((device) => (
                <li key={device.id} className="rounded-xl border p-4">
                  <h3 className="mb-2 font-medium">{device.name}</h3>
                  <DevicePriceForm
                    deviceId={device.id}
                    deviceName={device.name}
                    current={device.price}
                  />
                  {device.price?.mode === "energy" &&
                  device.price.idle_watts &&
                  device.price.usd_per_kwh !== null ? (
                    <p className="mt-2 text-xs text-muted-foreground">
                      Idle draw costs about $
                      {(
                        (device.price.idle_watts / 1000) *
                        24 *
                        device.price.usd_per_kwh
                      ).toFixed(2)}{" "}
                      a day if it stays on.
                    </p>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="prices-references" className="space-y-3">
          <h2 id="prices-references" className="text-lg font-semibold">
            Cloud equivalents
          </h2>
          <p className="text-sm text-muted-foreground">
            Each local model is compared with a hosted model: the dashboard
            shows what its tokens would have cost there.
          </p>
          <ul className="divide-y rounded-xl border text-sm">
            {effectiveReferences.map((reference) => (
              <li
                key={reference.id}
                className="flex flex-wrap justify-between gap-2 p-2"
              >
                <span className="font-medium">{reference.model}</span>
                <span>
                  → {reference.reference_model}{" "}
                  {reference.user_id ? "(yours)" : "(default)"}
                </span>
              </li>
            ))}
          </ul>
          <ReferenceForm
            models={[...new Set(references.map((r) => r.model))].sort()}
            references={models}
          />
        </section>

        <section
          aria-labelledby="budgets-title"
          id="budgets"
          className="space-y-3"
        >
          <h2 id="budgets-title" className="text-lg font-semibold">
            Monthly budgets
          </h2>
          <p className="text-sm text-muted-foreground">
            Crossing the warning or the budget shows a banner on every console
            page and is recorded in the audit log. Email alerts are not sent
            yet.
          </p>
          <div className="grid gap-4 lg:grid-cols-2">
            <BudgetForm
              scope="user"
              label="Your usage"
              current={budgets.find((b) => b.user_id === user.id) ?? null}
            />
            {administered.map((project) => (
              <BudgetForm
                key={project.id}
                scope="project"
                projectId={project.id}
                label={project.name}
                current={
                  budgets.find((b) => b.project_id === project.id) ?? null
                }
              />
            ))}
          </div>
        </section>
      </div>
    </>
  )
}
