import { deviceActor, DEVICES, FIXTURES_SQL, ROWS, userActor, USERS } from "./core-fixtures"
import { ANON, describeRlsMatrix, type Actor, type MatrixRow } from "./rls-harness"

// The RLS matrix for the usage tables of the usage-and-cost issue: local hardware prices,
// cloud-equivalent mappings, hourly rollups, budgets and their alerts. Same actors and
// meaning of "ok"/"no" as core-rls.int.test.ts; the owner's fixture session is in the
// fixture project, where viewer, developer and admin are members.
const ACTORS = {
  anon: ANON,
  owner: userActor("owner"),
  stranger: userActor("stranger"),
  viewer: userActor("viewer"),
  developer: userActor("developer"),
  admin: userActor("admin"),
  ownerDevice: deviceActor("owner", DEVICES.owner),
  revoked: deviceActor("owner", DEVICES.ownerRevoked),
  strangerDevice: deviceActor("stranger", DEVICES.stranger),
} satisfies Record<string, Actor>

const O = USERS.owner
const IDS = {
  globalReference: "12000000-0000-4000-8000-000000000001",
  ownerReference: "12000000-0000-4000-8000-000000000002",
  userBudget: "13000000-0000-4000-8000-000000000001",
  projectBudget: "13000000-0000-4000-8000-000000000002",
} as const

// prettier-ignore
const MATRIX: MatrixRow<string>[] = [
  //                                                   anon  owner stranger viewer developer admin ownerDevice revoked strangerDevice
  ["public.device_prices",        "select",             "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.device_prices",        "insert",             "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.device_prices",        "insert:foreign",     "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.device_prices",        "update",             "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.device_prices",        "delete",             "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.model_references",     "select:global",      "no", "ok", "ok",    "ok",  "ok",     "ok", "ok",       "no",   "ok"],
  ["public.model_references",     "select:override",    "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.model_references",     "insert",             "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.model_references",     "update:global",      "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.model_references",     "update:override",    "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.model_references",     "delete:global",      "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.model_references",     "delete:override",    "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_hourly",         "select",             "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.usage_hourly",         "insert",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_hourly",         "update",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_hourly",         "delete",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  // Its month rows of hourly speeds: seen by whoever sees the hourly rows, written by nobody.
  ["public.usage_speed_months",   "select",             "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.usage_speed_months",   "insert",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_speed_months",   "update",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_speed_months",   "delete",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_local_days",     "select",             "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.usage_local_days",     "insert",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_local_days",     "update",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_local_days",     "delete",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  // Builds the caller's rows for a zone (or a visible project's), never anyone else's.
  ["private.usage_local_zones",   "select",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["private.usage_local_zones",   "insert",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_budgets",        "select:user",        "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.usage_budgets",        "select:project",     "no", "ok", "no",    "ok",  "ok",     "ok", "ok",       "no",   "no"],
  ["public.usage_budgets",        "insert:user",        "no", "no", "no",    "ok",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_budgets",        "update:user",        "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_budgets",        "update:project",     "no", "ok", "no",    "no",  "no",     "ok", "no",       "no",   "no"],
  ["public.usage_budgets",        "delete:user",        "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_budgets",        "delete:project",     "no", "ok", "no",    "no",  "no",     "ok", "no",       "no",   "no"],
  ["public.usage_budget_alerts",  "select",             "no", "ok", "no",    "no",  "no",     "no", "ok",       "no",   "no"],
  ["public.usage_budget_alerts",  "insert",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  ["public.usage_budget_alerts",  "delete",             "no", "no", "no",    "no",  "no",     "no", "no",       "no",   "no"],
  // The console's banner: only the caller's own crossed budget, never to a device or anon.
  ["public.budget_banner()",      "select:user",        "no", "ok", "no",    "no",  "no",     "no", "no",       "no",   "no"],
]

describeRlsMatrix({
  title: "RLS matrix: usage prices, references, hourly rollups and budgets",
  actors: ACTORS,
  rows: MATRIX,
  statements: {
    "public.device_prices": {
      select: `select device_id from public.device_prices where device_id = '${DEVICES.owner}'`,
      insert: `insert into public.device_prices (device_id, user_id, mode, usd_per_hour) values ('${DEVICES.ownerSecond}', '${O}', 'hourly', 1)`,
      "insert:foreign": `insert into public.device_prices (device_id, user_id, mode, usd_per_hour) values ('${DEVICES.stranger}', '${O}', 'hourly', 1)`,
      update: `update public.device_prices set usd_per_kwh = 0.5 where device_id = '${DEVICES.owner}'`,
      delete: `delete from public.device_prices where device_id = '${DEVICES.owner}'`,
    },
    "public.model_references": {
      "select:global": `select id from public.model_references where id = '${IDS.globalReference}'`,
      "select:override": `select id from public.model_references where id = '${IDS.ownerReference}'`,
      insert: `insert into public.model_references (user_id, model, reference_model) values ('${O}', 'another-local', 'fixture-model')`,
      "update:global": `update public.model_references set reference_model = 'owner-model' where id = '${IDS.globalReference}'`,
      "update:override": `update public.model_references set reference_model = 'owner-model' where id = '${IDS.ownerReference}'`,
      "delete:global": `delete from public.model_references where id = '${IDS.globalReference}'`,
      "delete:override": `delete from public.model_references where id = '${IDS.ownerReference}'`,
    },
    "public.usage_hourly": {
      select: `select id from public.usage_hourly where user_id = '${O}'`,
      insert: `insert into public.usage_hourly (user_id, hour, model) values ('${O}', date_trunc('hour', now()), 'forged')`,
      update: `update public.usage_hourly set message_count = 99 where user_id = '${O}'`,
      delete: `delete from public.usage_hourly where user_id = '${O}'`,
    },
    "public.usage_speed_months": {
      select: `select id from public.usage_speed_months where user_id = '${O}'`,
      insert: `insert into public.usage_speed_months (user_id, month, model, hours, rates) values ('${O}', date_trunc('month', now()), 'forged', '{1}', '{9}')`,
      update: `update public.usage_speed_months set rates = '{999}' where user_id = '${O}'`,
      delete: `delete from public.usage_speed_months where user_id = '${O}'`,
    },
    "public.usage_local_days": {
      select: `select id from public.usage_local_days where user_id = '${O}'`,
      insert: `insert into public.usage_local_days (user_id, tz, day, model) values ('${O}', 'UTC', current_date, 'forged')`,
      update: `update public.usage_local_days set message_count = 99 where user_id = '${O}'`,
      delete: `delete from public.usage_local_days where user_id = '${O}'`,
    },
    "private.usage_local_zones": {
      select: `select tz from private.usage_local_zones where user_id = '${O}'`,
      insert: `insert into private.usage_local_zones (user_id, tz) values ('${O}', 'Asia/Tokyo')`,
    },
    "public.usage_budgets": {
      "select:user": `select id from public.usage_budgets where id = '${IDS.userBudget}'`,
      "select:project": `select id from public.usage_budgets where id = '${IDS.projectBudget}'`,
      "insert:user": `insert into public.usage_budgets (user_id, monthly_usd) values ('${USERS.viewer}', 10)`,
      "update:user": `update public.usage_budgets set monthly_usd = 99 where id = '${IDS.userBudget}'`,
      "update:project": `update public.usage_budgets set monthly_usd = 99 where id = '${IDS.projectBudget}'`,
      "delete:user": `delete from public.usage_budgets where id = '${IDS.userBudget}'`,
      "delete:project": `delete from public.usage_budgets where id = '${IDS.projectBudget}'`,
    },
    "public.budget_banner()": {
      "select:user": `select budget_id from public.budget_banner() where budget_id = '${IDS.userBudget}'`,
    },
    "public.usage_budget_alerts": {
      select: `select budget_id from public.usage_budget_alerts where budget_id = '${IDS.userBudget}'`,
      insert: `insert into public.usage_budget_alerts (budget_id, month, level, spent_usd) values ('${IDS.userBudget}', '2026-01-01', 'warning', 1)`,
      delete: `delete from public.usage_budget_alerts where budget_id = '${IDS.userBudget}'`,
    },
  },
  setup: async (db) => {
    await db.exec(FIXTURES_SQL)
    await db.exec(`
      insert into public.device_prices (device_id, user_id, mode, usd_per_kwh, idle_watts, busy_watts)
        values ('${DEVICES.owner}', '${O}', 'energy', 0.3, 10, 200);
      insert into public.model_references (id, user_id, model, reference_model) values
        ('${IDS.globalReference}', null, 'local-model', 'fixture-model'),
        ('${IDS.ownerReference}', '${O}', 'local-model', 'owner-model');
      -- The owner's budget allows one token a month, so the fixture's messages have used it up.
      insert into public.usage_budgets (id, user_id, project_id, monthly_usd, monthly_tokens) values
        ('${IDS.userBudget}', '${O}', null, 5, 1),
        ('${IDS.projectBudget}', null, '${ROWS.project}', 50, null);
      insert into public.usage_budget_alerts (budget_id, month, level, spent_usd)
        values ('${IDS.userBudget}', '2025-12-01', 'warning', 4.5);
      -- The fixture's messages report a speed, so their hours have month rows of speeds.
      update public.cloud_messages set tokens_per_second = 40 where user_id = '${O}';
      -- The owner's rows in one zone, as the first read in that zone builds them.
      insert into private.usage_local_zones (user_id, tz) values ('${O}', 'UTC');
      select private.usage_local_days_build('${O}', 'UTC');
    `)
  },
})
