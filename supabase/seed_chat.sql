-- Chat and inference demo data (issue #18): the demo devices' accelerators as the agent
-- reports them (agent/accelerators.ts), for the per-accelerator list on the device page.
update public.devices
   set capabilities = capabilities || '{"accelerators": [
         {"name": "Apple M2 Ultra", "vendor": "Apple", "memory_gb": 192, "cores": 76, "unified_memory": true}
       ]}'::jsonb
 where id = '00000000-0000-4000-b000-000000000001';

update public.devices
   set capabilities = capabilities || '{"gpu": "NVIDIA GeForce RTX 4090 (24 GB)", "accelerators": [
         {"name": "NVIDIA GeForce RTX 4090", "vendor": "NVIDIA", "memory_gb": 24, "driver": "550.54.14"}
       ]}'::jsonb
 where id = '00000000-0000-4000-b000-000000000003';
