-- Demo data: LMX Console's catalogue (tools and advisories without a project, read by every
-- signed-in person; 20261203018100_catalogue.sql). Two of the advisories concern versions the
-- demo projects record (llama.cpp b4404 in the first, Node.js 20.18.0 in the docs project), so
-- the projects' overviews highlight them.
insert into ops.tools (id, project_id, name, kind, version, description, created_at, updated_at)
values
  ('00000000-0000-4000-e100-000000000001', null, 'Ollama', 'service', '0.5.7',
   'Runs GGUF models behind an OpenAI-compatible API on port 11434.', now() - interval '40 days', now() - interval '3 days'),
  ('00000000-0000-4000-e100-000000000002', null, 'LM Studio', 'service', '0.3.9',
   'Desktop app that serves loaded models on port 1234.', now() - interval '40 days', now() - interval '9 days'),
  ('00000000-0000-4000-e100-000000000003', null, 'llama.cpp', 'runtime', 'b4500',
   'The inference engine under most local model servers.', now() - interval '40 days', now() - interval '15 days'),
  ('00000000-0000-4000-e100-000000000004', null, 'vLLM', 'service', '0.6.6',
   'High-throughput server for GPU hosts.', now() - interval '40 days', now() - interval '20 days'),
  ('00000000-0000-4000-e100-000000000005', null, 'Open WebUI', 'service', '0.5.4',
   'Chat front end for local models; its exports sync with `npm run device -- sync`.', now() - interval '40 days', now() - interval '11 days'),
  ('00000000-0000-4000-e100-000000000006', null, 'Node.js', 'runtime', '22.12.0',
   'Runs the device agent and most build steps.', now() - interval '40 days', now() - interval '4 days'),
  ('00000000-0000-4000-e100-000000000007', null, 'PostgreSQL', 'database', '15.10',
   'Backed up by the backup-postgres workflow step.', now() - interval '40 days', now() - interval '6 days');

insert into ops.upgrade_advisories (
  id, project_id, tool_id, component, current_version, recommended_version, severity, title, body, url, published_at
)
values
  ('00000000-0000-4000-f100-000000000001', null, '00000000-0000-4000-e100-000000000003',
   'llama.cpp', '', 'b4500', 'low', 'llama.cpp b4500 reads the newest GGUF quantisation types',
   'Builds before b4500 refuse models quantised with the new types.', null, now() - interval '14 days'),
  ('00000000-0000-4000-f100-000000000002', null, '00000000-0000-4000-e100-000000000006',
   'Node.js', '20.18.0', '20.18.1', 'high', 'Node.js 20.18.1 is a security release',
   'Upgrade hosts that run build steps on Node.js 20.', 'https://nodejs.org/en/blog', now() - interval '5 days'),
  ('00000000-0000-4000-f100-000000000003', null, '00000000-0000-4000-e100-000000000001',
   'Ollama', '0.5.4', '0.5.7', 'medium', 'Ollama 0.5.7 fixes a memory leak with long contexts',
   'Hosts that keep models loaded for days should upgrade.', 'https://github.com/ollama/ollama/releases', now() - interval '3 days'),
  ('00000000-0000-4000-f100-000000000004', null, '00000000-0000-4000-e100-000000000004',
   'vLLM', '0.6.4', '0.6.6', 'info', 'vLLM 0.6.6 speeds up prefix caching',
   'Optional; worth it for shared hosts with repeated system prompts.', null, now() - interval '20 days');
