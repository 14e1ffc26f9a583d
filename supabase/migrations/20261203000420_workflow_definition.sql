-- Workflow definitions are validated in the database too (docs/workflows.md), with the same
-- rules as lib/workflows/definition.ts: version 1 is checked in full. Definitions written
-- before versioning (no "version" key: "{}" or {"steps": [{"run": …}]}) stay readable and
-- writable, but each step must still be an object with a run or uses string.
create or replace function private.workflow_definition_problem(d jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  input record;
  step jsonb;
  idx integer := 0;
  names text[] := '{}';
  key text;
  with_args jsonb;
begin
  if d is null or pg_catalog.jsonb_typeof(d) <> 'object' then
    return 'the definition must be a JSON object';
  end if;

  if not d ? 'version' then
    if d ? 'steps' then
      if pg_catalog.jsonb_typeof(d -> 'steps') <> 'array' then
        return 'steps must be a list';
      end if;
      for step in select value from pg_catalog.jsonb_array_elements(d -> 'steps') loop
        idx := idx + 1;
        if pg_catalog.jsonb_typeof(step) <> 'object'
          or not (coalesce(pg_catalog.jsonb_typeof(step -> 'run'), '') = 'string'
                  or coalesce(pg_catalog.jsonb_typeof(step -> 'uses'), '') = 'string') then
          return pg_catalog.format('steps[%s] needs a run command or a uses action', idx - 1);
        end if;
      end loop;
    end if;
    return null;
  end if;

  if d -> 'version' <> '1'::jsonb then
    return 'version must be 1';
  end if;
  for key in select pg_catalog.jsonb_object_keys(d) loop
    if key not in ('version', 'inputs', 'steps') then
      return pg_catalog.format('unknown key "%s" (allowed: version, inputs, steps)', key);
    end if;
  end loop;

  if d ? 'inputs' then
    if pg_catalog.jsonb_typeof(d -> 'inputs') <> 'object' then
      return 'inputs must be an object';
    end if;
    for input in select * from pg_catalog.jsonb_each(d -> 'inputs') loop
      if input.key !~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$' then
        return pg_catalog.format('input name "%s" must be letters, digits and _', input.key);
      end if;
      if pg_catalog.jsonb_typeof(input.value) <> 'object'
        or coalesce(input.value ->> 'type', '') not in ('string', 'number', 'boolean') then
        return pg_catalog.format('inputs.%s.type must be string, number or boolean', input.key);
      end if;
      for key in select pg_catalog.jsonb_object_keys(input.value) loop
        if key not in ('type', 'default', 'description') then
          return pg_catalog.format('inputs.%s: unknown key "%s"', input.key, key);
        end if;
      end loop;
      if input.value ? 'default'
        and pg_catalog.jsonb_typeof(input.value -> 'default') <> (input.value ->> 'type') then
        return pg_catalog.format('inputs.%s.default must be a %s', input.key, input.value ->> 'type');
      end if;
      if input.value ? 'description'
        and pg_catalog.jsonb_typeof(input.value -> 'description') <> 'string' then
        return pg_catalog.format('inputs.%s.description must be text', input.key);
      end if;
    end loop;
  end if;

  if pg_catalog.jsonb_typeof(d -> 'steps') is distinct from 'array'
    or pg_catalog.jsonb_array_length(d -> 'steps') = 0 then
    return 'steps must be a list with at least one step';
  end if;
  if pg_catalog.jsonb_array_length(d -> 'steps') > 100 then
    return 'a workflow has at most 100 steps';
  end if;

  for step in select value from pg_catalog.jsonb_array_elements(d -> 'steps') loop
    idx := idx + 1;
    if pg_catalog.jsonb_typeof(step) <> 'object' then
      return pg_catalog.format('steps[%s] must be an object', idx - 1);
    end if;
    if pg_catalog.jsonb_typeof(step -> 'name') is distinct from 'string'
      or pg_catalog.char_length(pg_catalog.btrim(step ->> 'name')) not between 1 and 100 then
      return pg_catalog.format('steps[%s].name must be 1 to 100 characters', idx - 1);
    end if;
    if (step ->> 'name') = any (names) then
      return pg_catalog.format('steps[%s].name "%s" is used by an earlier step', idx - 1, step ->> 'name');
    end if;
    names := names || (step ->> 'name');
    if (step ? 'run') = (step ? 'uses') then
      return pg_catalog.format('steps[%s] needs exactly one of run or uses', idx - 1);
    end if;
    if step ? 'timeout_seconds' and (
      pg_catalog.jsonb_typeof(step -> 'timeout_seconds') <> 'number'
      or (step ->> 'timeout_seconds')::numeric <> pg_catalog.trunc((step ->> 'timeout_seconds')::numeric)
      or (step ->> 'timeout_seconds')::numeric not between 1 and 86400) then
      return pg_catalog.format('steps[%s].timeout_seconds must be a whole number from 1 to 86400', idx - 1);
    end if;
    if step ? 'continue_on_error' and pg_catalog.jsonb_typeof(step -> 'continue_on_error') <> 'boolean' then
      return pg_catalog.format('steps[%s].continue_on_error must be true or false', idx - 1);
    end if;

    if step ? 'run' then
      for key in select pg_catalog.jsonb_object_keys(step) loop
        if key not in ('name', 'run', 'env', 'working_directory', 'timeout_seconds', 'continue_on_error') then
          return pg_catalog.format('steps[%s]: unknown key "%s"', idx - 1, key);
        end if;
      end loop;
      if pg_catalog.jsonb_typeof(step -> 'run') <> 'string'
        or pg_catalog.char_length(pg_catalog.btrim(step ->> 'run')) not between 1 and 10000 then
        return pg_catalog.format('steps[%s].run must be a command of 1 to 10000 characters', idx - 1);
      end if;
      if step ? 'env' then
        if pg_catalog.jsonb_typeof(step -> 'env') <> 'object' then
          return pg_catalog.format('steps[%s].env must be an object', idx - 1);
        end if;
        for input in select * from pg_catalog.jsonb_each(step -> 'env') loop
          if input.key !~ '^[A-Za-z_][A-Za-z0-9_]*$' or pg_catalog.jsonb_typeof(input.value) <> 'string' then
            return pg_catalog.format('steps[%s].env.%s must be a text value with a variable name', idx - 1, input.key);
          end if;
        end loop;
      end if;
      if step ? 'working_directory' and (
        pg_catalog.jsonb_typeof(step -> 'working_directory') <> 'string'
        or pg_catalog.char_length(step ->> 'working_directory') not between 1 and 1024) then
        return pg_catalog.format('steps[%s].working_directory must be a path', idx - 1);
      end if;
    else
      for key in select pg_catalog.jsonb_object_keys(step) loop
        if key not in ('name', 'uses', 'with', 'timeout_seconds', 'continue_on_error') then
          return pg_catalog.format('steps[%s]: unknown key "%s"', idx - 1, key);
        end if;
      end loop;
      with_args := coalesce(step -> 'with', '{}'::jsonb);
      if pg_catalog.jsonb_typeof(with_args) <> 'object' then
        return pg_catalog.format('steps[%s].with must be an object', idx - 1);
      end if;
      if step -> 'uses' = '"backup-postgres"'::jsonb then
        for input in select * from pg_catalog.jsonb_each(with_args) loop
          if pg_catalog.jsonb_typeof(input.value) not in ('string', 'number', 'boolean') then
            return pg_catalog.format('steps[%s].with.%s must be text, a number or true/false', idx - 1, input.key);
          end if;
        end loop;
      elsif step -> 'uses' = '"upload-artifact"'::jsonb then
        if pg_catalog.jsonb_typeof(with_args -> 'path') is distinct from 'string'
          or pg_catalog.char_length(pg_catalog.btrim(with_args ->> 'path')) not between 1 and 1024 then
          return pg_catalog.format('steps[%s].with.path must be a file path or glob', idx - 1);
        end if;
        for key in select pg_catalog.jsonb_object_keys(with_args) loop
          if key <> 'path' then
            return pg_catalog.format('steps[%s].with: unknown key "%s"', idx - 1, key);
          end if;
        end loop;
      else
        return pg_catalog.format('steps[%s].uses must be backup-postgres or upload-artifact', idx - 1);
      end if;
    end if;
  end loop;

  return null;
end;
$$;

-- Security definer so the check runs for API roles without granting them the helper.
create or replace function private.workflows_check_definition()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  problem text := private.workflow_definition_problem(new.definition);
begin
  if problem is not null then
    raise exception 'Invalid workflow definition: %', problem
      using errcode = '23514', hint = 'See docs/workflows.md for the definition format.';
  end if;
  return new;
end;
$$;

revoke execute on function
  private.workflow_definition_problem(jsonb),
  private.workflows_check_definition()
  from public, anon, authenticated;

create trigger workflows_check_definition
  before insert or update of definition on ops.workflows
  for each row execute function private.workflows_check_definition();

-- Edits and archiving are audited with the project's history ("workflows changed").
create or replace function private.audit_workflow()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.write_audit('workflow.created', 'workflow', new.id, new.project_id,
      pg_catalog.jsonb_build_object('name', new.name));
  elsif new.archived_at is distinct from old.archived_at then
    perform private.write_audit(
      case when new.archived_at is null then 'workflow.restored' else 'workflow.archived' end,
      'workflow', new.id, new.project_id, pg_catalog.jsonb_build_object('name', new.name));
  elsif new.definition is distinct from old.definition or new.name is distinct from old.name
    or new.description is distinct from old.description or new.kind is distinct from old.kind then
    perform private.write_audit('workflow.updated', 'workflow', new.id, new.project_id,
      pg_catalog.jsonb_build_object('name', new.name));
  end if;
  return null;
end;
$$;

revoke execute on function private.audit_workflow() from public, anon, authenticated;

create trigger workflows_audit
  after insert or update on ops.workflows
  for each row execute function private.audit_workflow();
