import { Check, Minus } from "lucide-react"

import {
  can,
  PERMISSION_KEYS,
  PERMISSIONS,
  PROJECT_ROLES,
  ROLE_LABELS,
} from "@/lib/projects/permissions"
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table"

/**
 * What each role can do, drawn from lib/projects/permissions.ts: the same table the database
 * test runs against the policies and RPCs, so this cannot drift from what is enforced.
 */
export function PermissionMatrix() {
  return (
    <section aria-labelledby="permission-matrix" className="space-y-3">
      <h2 id="permission-matrix" className="text-lg font-semibold">
        What each role can do
      </h2>
      <div className="overflow-x-auto rounded-xl border">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead scope="col">Action</TableHead>
              {PROJECT_ROLES.map((role) => (
                <TableHead key={role} scope="col" className="text-center">
                  {ROLE_LABELS[role]}
                </TableHead>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {PERMISSION_KEYS.map((key) => (
              <TableRow key={key}>
                <TableHead
                  scope="row"
                  className="font-normal whitespace-normal"
                >
                  {PERMISSIONS[key].label}
                </TableHead>
                {PROJECT_ROLES.map((role) => (
                  <TableCell key={role} className="text-center">
                    {can(role, key) ? (
                      <Check
                        aria-label="Yes"
                        className="mx-auto size-4 text-emerald-600"
                      />
                    ) : (
                      <Minus
                        aria-label="No"
                        className="mx-auto size-4 text-muted-foreground"
                      />
                    )}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </section>
  )
}
