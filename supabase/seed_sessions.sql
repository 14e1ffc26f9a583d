-- Demo chat sessions for the session page (after seed.sql): four hand-written conversations
-- of demo@lmx.local that show what the page does, and last-activity times that match each
-- session's newest message. Deterministic ids (md5 of a label); times move with now().
--   Branches   "Pick a quantisation for llama-3.3-70b"  md5('lmx-demo-session-branches')
--              three forks: a regenerated first answer (3 versions), an edited prompt (2),
--              a regenerated script (2)
--   Tool calls "Why did last night's backup fail?"      md5('lmx-demo-session-tools')
--   Reasoning  "Is 2^61 - 1 prime?"                     md5('lmx-demo-session-reasoning')
--   Long       "Pair-programming the sync importer"     md5('lmx-demo-session-long'), 2,400 messages

insert into public.cloud_sessions (id, user_id, device_id, title, model, metadata, created_at, last_modified_at, sync_version)
values
  (md5('lmx-demo-session-branches')::uuid, '00000000-0000-4000-a000-000000000001',
   '00000000-0000-4000-b000-000000000001', 'Pick a quantisation for llama-3.3-70b',
   'llama-3.3-70b-instruct', '{"client_id": "lmstudio:1733131200000.conversation.json"}',
   now() - interval '3 hours 40 minutes', now() - interval '3 hours 5 minutes', 4),
  (md5('lmx-demo-session-tools')::uuid, '00000000-0000-4000-a000-000000000001',
   '00000000-0000-4000-b000-000000000001', 'Why did last night''s backup fail?',
   'qwen3-coder-30b-a3b', '{}', now() - interval '1 day 2 hours', now() - interval '1 day 1 hour', 2),
  (md5('lmx-demo-session-reasoning')::uuid, '00000000-0000-4000-a000-000000000001',
   '00000000-0000-4000-b000-000000000003', 'Is 2^61 - 1 prime?',
   'deepseek-r1-distill-qwen-32b', '{}', now() - interval '4 days 6 hours', now() - interval '4 days 5 hours', 1),
  (md5('lmx-demo-session-long')::uuid, '00000000-0000-4000-a000-000000000001',
   '00000000-0000-4000-b000-000000000001', 'Pair-programming the sync importer (long session)',
   'qwen3-coder-30b-a3b', '{}', now() - interval '5 days 14 hours', now() - interval '20 minutes', 7);

-- The hand-written messages. (label, parent label, index, role, minutes after the session
-- started, model, content, reasoning, tool calls, input / output / cached tokens, tokens/s,
-- time to first token).
create temporary table seed_demo_messages (
  session text, label text, parent text, k integer, role text, at_minutes numeric, model text,
  content text, reasoning text, tool_calls jsonb,
  input_tokens integer, output_tokens integer, cached_tokens integer, tps real, ttft integer
);

insert into seed_demo_messages values
  -- Branches ------------------------------------------------------------------------------
  ('branches', 'u1', null, 0, 'user', 0, null,
   'I have 48 GB of unified memory on the Work Laptop. Which quantisation of llama-3.3-70b should I run?',
   null, null, 0, 0, 0, null, null),
  ('branches', 'a1a', 'u1', 1, 'assistant', 1, 'llama-3.3-70b-instruct',
   E'With 48 GB you have roughly 40 GB for weights once macOS and the KV cache take their share. The usual GGUF levels for a 70B model:\n\n| Quant | Size | Fits in 48 GB | Quality vs FP16 |\n| --- | ---: | :---: | --- |\n| Q8_0 | 75 GB | no | ~100% |\n| Q6_K | 58 GB | no | ~99.5% |\n| Q4_K_M | 42 GB | barely | ~98% |\n| IQ3_M | 32 GB | yes | ~95% |\n\n**Q4_K_M** is the best quality that loads, but leaves little room for context. **IQ3_M** is the comfortable choice if you want 16k+ tokens of context.',
   null, null, 62, 181, 0, 8.4, 2100),
  ('branches', 'a1b', 'u1', 1, 'assistant', 3, 'llama-3.3-70b-instruct',
   E'Short answer: **IQ3_M** (about 32 GB). Q4_K_M technically loads but you will swap as soon as the context grows.',
   null, null, 62, 38, 0, 9.1, 1980),
  ('branches', 'a1c', 'u1', 1, 'assistant', 5, 'llama-3.3-70b-instruct',
   E'Try it rather than trust a table: load each level with a fixed context and watch memory pressure.\n\n```bash\nfor q in Q4_K_M IQ3_M; do\n  llama-server -m "llama-3.3-70b-$q.gguf" -c 8192 --port 8081 &\n  sleep 60 && memory_pressure | head -n 1\n  kill %1\ndone\n```\n\nIf memory pressure stays green at Q4_K_M, keep it.',
   null, null, 62, 120, 0, 8.8, 2050),
  ('branches', 'u2', 'a1a', 2, 'user', 8, null,
   'How much context can I fit with Q4_K_M then?', null, null, 0, 0, 0, null, null),
  ('branches', 'a2', 'u2', 3, 'assistant', 9, 'llama-3.3-70b-instruct',
   E'The KV cache of llama-3.3-70b costs about **0.31 MB per token** at FP16:\n\n| Context | KV cache | Total with Q4_K_M |\n| ---: | ---: | ---: |\n| 4k | 1.3 GB | 43.3 GB |\n| 8k | 2.5 GB | 44.5 GB |\n| 16k | 5.0 GB | 47.0 GB |\n\nSo **8k** is the realistic ceiling; quantising the KV cache to Q8 roughly halves those numbers.',
   null, null, 270, 160, 240, 8.2, 640),
  ('branches', 'u2b', 'a1a', 2, 'user', 12, null,
   'And with IQ3_M instead?', null, null, 0, 0, 0, null, null),
  ('branches', 'a2b', 'u2b', 3, 'assistant', 13, 'llama-3.3-70b-instruct',
   E'IQ3_M leaves about 10 GB of headroom, so **32k** of context fits at FP16 KV cache (about 10 GB), or 64k with a Q8 KV cache.',
   null, null, 265, 48, 240, 9.6, 610),
  ('branches', 'u3', 'a2', 4, 'user', 16, null,
   'Write me something to measure tokens per second on it.', null, null, 0, 0, 0, null, null),
  ('branches', 'a3a', 'u3', 5, 'assistant', 17, 'llama-3.3-70b-instruct',
   E'LM Studio''s native API reports the speed itself; this asks for a fixed completion and prints it:\n\n```python\nimport json, urllib.request\n\nbody = {"model": "llama-3.3-70b-instruct", "messages": [{"role": "user", "content": "Count to 50."}]}\nreq = urllib.request.Request("http://localhost:1234/api/v0/chat/completions",\n                             json.dumps(body).encode(), {"Content-Type": "application/json"})\nstats = json.load(urllib.request.urlopen(req))["stats"]\nprint(f"{stats[''tokens_per_second'']:.1f} tok/s, first token after {stats[''time_to_first_token'']:.2f} s")\n```',
   null, null, 460, 190, 400, 8.0, 700),
  ('branches', 'a3b', 'u3', 5, 'assistant', 19, 'llama-3.3-70b-instruct',
   E'From the shell, with `curl` and `jq`:\n\n```bash\ncurl -s localhost:1234/api/v0/chat/completions \\\n  -H ''Content-Type: application/json'' \\\n  -d ''{"model":"llama-3.3-70b-instruct","messages":[{"role":"user","content":"Count to 50."}]}'' \\\n  | jq ''.stats | {tokens_per_second, time_to_first_token}''\n```',
   null, null, 460, 120, 400, 8.3, 690),
  ('branches', 'u4', 'a3a', 6, 'user', 30, null,
   'Thanks, that works: 8.1 tok/s and 0.7 s to the first token.', null, null, 0, 0, 0, null, null),
  ('branches', 'a4', 'u4', 7, 'assistant', 35, 'llama-3.3-70b-instruct',
   E'That is in line with an M3 Pro: memory bandwidth (150 GB/s) divided by the 42 GB of weights gives a ceiling of about 3.5 passes per second, and speculative decoding in LM Studio gets you the rest. ~~Upgrade the laptop~~ Keep Q4_K_M with an 8k context.',
   null, null, 720, 75, 640, 8.1, 720),

  -- Tool calls ----------------------------------------------------------------------------
  ('tools', 't0', null, 0, 'user', 0, null,
   'The nightly backup workflow failed last night. Can you find out why?', null, null, 0, 0, 0, null, null),
  ('tools', 't1', 't0', 1, 'assistant', 0.5, 'qwen3-coder-30b-a3b',
   'Let me look at the last failed backup run.', null,
   '[{"id": "call_list_runs", "type": "function", "function": {"name": "list_runs", "arguments": "{\"workflow\": \"backup\", \"status\": \"failed\", \"limit\": 1}"}}]',
   380, 42, 0, 61.2, 240),
  ('tools', 't2', 't1', 2, 'tool', 0.6, null,
   '{"runs": [{"id": "run_8121", "workflow": "backup", "status": "failed", "exit_code": 1, "worker": "Studio Mac", "finished_at": "02:14 UTC"}]}',
   null, null, 0, 0, 0, null, null),
  ('tools', 't3', 't2', 3, 'assistant', 1, 'qwen3-coder-30b-a3b',
   'Run 8121 exited with code 1. I will read the end of its log and check the backup disk.', null,
   '[{"id": "call_read_log", "type": "function", "function": {"name": "read_run_log", "arguments": "{\"run_id\": \"run_8121\", \"tail\": 20}"}}, {"id": "call_disk", "type": "function", "function": {"name": "check_disk", "arguments": "{\"path\": \"/var/backups\"}"}}]',
   520, 70, 380, 58.4, 210),
  ('tools', 't4', 't3', 4, 'tool', 1.1, null,
   '{"lines": ["pg_dump: dumping contents of table public.cloud_messages", "pg_dump: error: could not write to output file: No space left on device", "backup: pg_dump exited with status 1"]}',
   null, null, 0, 0, 0, null, null),
  ('tools', 't5', 't4', 5, 'tool', 1.2, null,
   '{"path": "/var/backups", "size_gb": 500, "used_gb": 499.2, "free_gb": 0.8, "snapshots": 30}',
   null, null, 0, 0, 0, null, null),
  ('tools', 't6', 't5', 6, 'assistant', 2, 'qwen3-coder-30b-a3b',
   E'The backup disk is full: `pg_dump` stopped with **No space left on device**.\n\n| Path | Size | Used | Free | Snapshots |\n| --- | ---: | ---: | ---: | ---: |\n| /var/backups | 500 GB | 499.2 GB | 0.8 GB | 30 |\n\nThe workflow keeps every snapshot. Keeping the last seven frees about 210 GB:\n\n```bash\nls -1t /var/backups/*.dump | tail -n +8 | xargs rm --\n```\n\nShall I prune to seven snapshots and re-run the backup?',
   null, null, 910, 180, 520, 55.0, 260),
  ('tools', 't7', 't6', 7, 'user', 5, null, 'Yes, prune to seven and re-run it.', null, null, 0, 0, 0, null, null),
  ('tools', 't8', 't7', 8, 'assistant', 5.5, 'qwen3-coder-30b-a3b', '', null,
   '[{"id": "call_prune", "type": "function", "function": {"name": "prune_snapshots", "arguments": "{\"path\": \"/var/backups\", \"keep\": 7}"}}, {"id": "call_rerun", "type": "function", "function": {"name": "start_workflow_run", "arguments": "{\"workflow\": \"backup\"}"}, "result": {"run_id": "run_8130", "status": "queued"}}]',
   1120, 64, 900, 57.3, 230),
  ('tools', 't9', 't8', 9, 'tool', 5.6, null, '{"deleted": 23, "freed_gb": 212.4}', null, null, 0, 0, 0, null, null),
  ('tools', 't10', 't9', 10, 'assistant', 6, 'qwen3-coder-30b-a3b',
   'Pruned 23 old snapshots (212.4 GB freed) and queued backup run 8130. I would also add a retention step to the workflow so this cannot happen again.',
   null, null, 1240, 48, 1100, 60.8, 220),

  -- Reasoning -----------------------------------------------------------------------------
  ('reasoning', 'r0', null, 0, 'user', 0, null,
   'Is 2^61 - 1 prime? Show me how you would check it.', null, null, 0, 0, 0, null, null),
  ('reasoning', 'r1', 'r0', 1, 'assistant', 1.5, 'deepseek-r1-distill-qwen-32b',
   E'Yes: **2^61 − 1 = 2,305,843,009,213,693,951** is prime. It is the Mersenne prime M61, proved prime by Pervushin in 1883.\n\nFor a Mersenne number the Lucas–Lehmer test decides it exactly:\n\n```python\ndef lucas_lehmer(p: int) -> bool:\n    m = (1 << p) - 1\n    s = 4\n    for _ in range(p - 2):\n        s = (s * s - 2) % m\n    return s == 0\n\nprint(lucas_lehmer(61))  # True\n```\n\nIt runs 59 squarings modulo M61, instantly on any machine.',
   E'The user asks whether 2^61 - 1 is prime. That is a Mersenne number, M61. I recall the list of Mersenne prime exponents: 2, 3, 5, 7, 13, 17, 19, 31, 61, 89, 107, 127… so 61 is on it. M61 was shown prime by Pervushin in 1883.\n\nA quick sanity check: for M_p to be prime, p must be prime, and 61 is prime. That is necessary but not sufficient (M11 = 2047 = 23 × 89).\n\nHow to check it: trial division is hopeless (sqrt(M61) is about 1.5 × 10^9, feasible but slow in Python). Lucas–Lehmer is the right tool: s_0 = 4, s_{i+1} = s_i^2 − 2 mod M_p, and M_p is prime iff s_{p−2} ≡ 0. For p = 61 that is 59 iterations.\n\nI should give a short Python implementation and state the result clearly.',
   null, 96, 412, 0, 21.7, 1850),
  ('reasoning', 'r2', 'r1', 2, 'user', 4, null,
   'And 2^67 - 1?', null, null, 0, 0, 0, null, null),
  ('reasoning', 'r3', 'r2', 3, 'assistant', 5.5, 'deepseek-r1-distill-qwen-32b',
   E'No. **2^67 − 1 = 193,707,721 × 761,838,257,287**. Mersenne listed it as prime in 1644; Lucas showed it composite in 1876, and Frank Nelson Cole found the factors in 1903 ("three years of Sundays").\n\n`lucas_lehmer(67)` returns `False`.',
   E'M67 is the famous one: Cole''s 1903 talk where he multiplied the two factors on the blackboard without a word. Factors: 193707721 and 761838257287. Let me double-check the product magnitude: 1.937e8 × 7.618e11 ≈ 1.4757e20, and 2^67 ≈ 1.4757e20. Consistent.',
   null, 540, 160, 480, 22.4, 900);

insert into public.cloud_messages (
  id, session_id, user_id, device_id, parent_id, message_index, role, content, reasoning,
  tool_calls, model, input_tokens, output_tokens, cached_tokens, tokens_per_second,
  time_to_first_token_ms, created_at, last_modified_at
)
select md5('lmx-demo-' || m.session || '-' || m.label)::uuid,
       s.id, s.user_id, s.device_id,
       case when m.parent is null then null else md5('lmx-demo-' || m.session || '-' || m.parent)::uuid end,
       m.k, m.role, m.content, m.reasoning, m.tool_calls, m.model,
       m.input_tokens, m.output_tokens, m.cached_tokens, m.tps, m.ttft,
       s.created_at + make_interval(secs => m.at_minutes * 60),
       s.created_at + make_interval(secs => m.at_minutes * 60)
  from seed_demo_messages m
  join public.cloud_sessions s on s.id = md5('lmx-demo-session-' || m.session)::uuid;

drop table seed_demo_messages;

-- The long session: 2,400 messages over five and a half days, a chain of user and
-- assistant turns with code and tables now and then (the page virtualises it). Written
-- set-based with the per-row triggers off, priced as seed.sql prices its messages (the way
-- sync_push writes a batch); the stored rows are the ones the triggers would store.
select pg_catalog.set_config('lmx.trusted_message_write', 'on', true);

with long_rows as (
select md5('lmx-demo-long-' || k)::uuid as id, s.id as session_id, s.user_id, s.device_id,
       s.project_id,
       case when k = 0 then null else md5('lmx-demo-long-' || (k - 1))::uuid end as parent_id,
       k,
       case when k % 2 = 0 then 'user' else 'assistant' end as role,
       case
         when k % 2 = 0 then
           'Step ' || (k / 2 + 1) || ': ' || (array[
             'the Open WebUI importer drops messages whose parentId points nowhere. Keep them as roots?',
             'add a test for a truncated LM Studio file.',
             'why does the re-sync push anything at all when nothing changed?',
             'make the progress bar count bytes as well as messages.',
             'what should happen to a ChatGPT tool message with no call before it?',
             'rename normaliseRole to parseRole and update the callers.',
             'the JSONL reader chokes on a BOM at the start of the file.',
             'can we derive the message id from the client id deterministically?'])[1 + k / 2 % 8]
         when k % 100 = 51 then
           E'Here is the keyset loop the importer uses:\n\n```ts\nfor (let after = null; ; ) {\n  const rows = await readBatch(file, { after, limit: 500 })\n  if (rows.length === 0) break\n  await push(rows)\n  after = rows.at(-1)!.id\n}\n```\n\nEach batch is pushed as soon as it is read, so memory stays flat.'
         when k % 100 = 77 then
           E'Where the time goes in a 10,000-message push:\n\n| Stage | Time |\n| --- | ---: |\n| read + parse | 180 ms |\n| hash ids | 40 ms |\n| push (5 batches) | 610 ms |\n| total | 830 ms |'
         else (array[
           'Yes: a message whose parent is missing becomes a root, so nothing is lost and the tree still renders.',
           E'Done. The test feeds the first 700 bytes of a real file and expects **one skipped file** with the reason, not a crash.',
           'The state file stored versions per file, not per message; it now keys on the message id, so an unchanged file pushes nothing.',
           'The bar now shows files, messages and bytes; bytes come from the read stream, so they move even inside a big file.',
           'It becomes a tool message attached to the previous assistant turn, and the importer logs one warning per file.',
           E'Renamed in `agent/importers/*.ts`; the type checker found all 14 callers.',
           E'The reader strips a leading `\\uFEFF` now, and there is a fixture with a BOM.',
           'UUID v5 of the client id in a per-account namespace: the same file synced twice, or from two machines, lands on the same rows.'])[1 + k / 2 % 8]
       end as content,
       case when k % 2 = 1 then 'qwen3-coder-30b-a3b' end as model,
       case when k % 2 = 1 then 900 + (k % 400) * 12 else 0 end as input_tokens,
       case when k % 2 = 1 then 40 + (k * 37) % 400 else 0 end as output_tokens,
       case when k % 2 = 1 then 600 + (k % 400) * 10 else 0 end as cached_tokens,
       case when k % 2 = 1 then (48 + (k * 13) % 30)::real end as tokens_per_second,
       case when k % 2 = 1 then 150 + (k * 7) % 300 end as time_to_first_token_ms,
       s.created_at + make_interval(secs => k * 195) as written_at
  from public.cloud_sessions s
 cross join generate_series(0, 2399) as k
 where s.id = md5('lmx-demo-session-long')::uuid
),
long_versions as materialized (
  select u.user_id, v.*
    from (select distinct user_id from long_rows) u
   cross join lateral private.model_price_versions(
     u.user_id, array(select distinct r.model from long_rows r where r.user_id = u.user_id)) v
)
insert into public.cloud_messages (
  id, session_id, user_id, project_id, device_id, parent_id, message_index, role, content,
  model, input_tokens, output_tokens, cached_tokens, tokens_per_second, time_to_first_token_ms,
  local_cost_usd, cloud_equivalent_usd, created_at, last_modified_at
)
select
  r.id, r.session_id, r.user_id, r.project_id, r.device_id, r.parent_id, r.k, r.role, r.content,
  r.model, r.input_tokens, r.output_tokens, r.cached_tokens, r.tokens_per_second,
  r.time_to_first_token_ms,
  coalesce(case when r.tokens_per_second > 0 then
    case dp.mode
      when 'hourly' then (r.output_tokens / r.tokens_per_second::numeric
        + coalesce(r.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.usd_per_hour
      else (r.output_tokens / r.tokens_per_second::numeric
        + coalesce(r.time_to_first_token_ms, 0) / 1000.0) / 3600 * dp.busy_watts / 1000 * dp.usd_per_kwh
    end
  end, 0)::numeric(16, 8),
  coalesce(private.token_cost(r.input_tokens, r.output_tokens, r.cached_tokens,
    v.reference_input_per_mtok, v.reference_cached_per_mtok, v.reference_output_per_mtok), 0),
  r.written_at, r.written_at
  from long_rows r
  left join long_versions v
    on v.user_id = r.user_id and v.model = r.model and r.written_at >= v.valid_from
   and (v.valid_until is null or r.written_at < v.valid_until)
  left join public.device_prices dp on dp.device_id = r.device_id;

select pg_catalog.set_config('lmx.trusted_message_write', '', true);

-- A session's last activity is its newest message. The message counters above touched
-- every seeded session (the update trigger stamps now()), so put the real times back, for
-- seed.sql's sessions too: the list then shows days and hours ago, not "just now" everywhere.
alter table public.cloud_sessions disable trigger cloud_sessions_set_updated_at;
update public.cloud_sessions s
   set updated_at = greatest(s.created_at, coalesce(
         (select max(m.created_at) from public.cloud_messages m where m.session_id = s.id),
         s.created_at))
 where s.user_id in ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-a000-000000000002');
alter table public.cloud_sessions enable trigger cloud_sessions_set_updated_at;
