-- Cron: start stream-fills every minute (Supabase Cron = pg_cron + pg_net).
--
-- Schedules job `stream-fills`, which POSTs {} to the stream-fills Edge Function with the
-- service role key. The function answers at once and keeps following Binance's user data
-- stream in the background (EdgeRuntime.waitUntil) for a little over a minute, so each run
-- overlaps the next one instead of leaving a gap (docs/STREAMING.md). The project URL and the
-- key come from Vault at run time, as for sync-orders (20261124000700_cron_sync_orders.sql):
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');
-- Only where pg_cron and pg_net are available (Supabase); on plain Postgres (the local stack
-- starts stream-fills on a timer) this migration does nothing. cron.schedule with an existing
-- job name updates that job, so re-running is harmless.

do $migration$
begin
  if not exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron')
     or not exists (select from pg_catalog.pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_cron/pg_net not available: stream-fills is not scheduled in the database';
    return;
  end if;

  begin
    create extension if not exists pg_cron;
    create extension if not exists pg_net with schema extensions;
  exception when others then
    raise notice 'pg_cron/pg_net cannot be enabled here (%): stream-fills is not scheduled', sqlerrm;
    return;
  end;

  perform cron.schedule(
    'stream-fills',
    '* * * * *',
    $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')
             || '/functions/v1/stream-fills',
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')
      ),
      body := '{}'::jsonb,
      timeout_milliseconds := 10000
    ) as request_id;
    $job$
  );
end
$migration$;
