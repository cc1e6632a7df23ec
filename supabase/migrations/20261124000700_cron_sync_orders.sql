-- Cron: settle orders every minute (Supabase Cron = pg_cron + pg_net).
--
-- Schedules job `sync-orders`, which POSTs {"all_users":true} to the sync-orders Edge
-- Function with the service role key. Both the project URL and the key come from Vault at
-- run time (Supabase's documented pattern), so create them once per project:
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');
-- Only where pg_cron and pg_net are available (Supabase); on plain Postgres (the local
-- stack runs sync-orders on a timer) this migration does nothing. cron.schedule with an
-- existing job name updates that job, so re-running is harmless.

do $migration$
begin
  if not exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron')
     or not exists (select from pg_catalog.pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_cron/pg_net not available: sync-orders is not scheduled in the database';
    return;
  end if;

  begin
    create extension if not exists pg_cron;
    create extension if not exists pg_net with schema extensions;
  exception when others then
    raise notice 'pg_cron/pg_net cannot be enabled here (%): sync-orders is not scheduled', sqlerrm;
    return;
  end;

  perform cron.schedule(
    'sync-orders',
    '* * * * *',
    $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')
             || '/functions/v1/sync-orders',
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')
      ),
      body := '{"all_users":true}'::jsonb,
      timeout_milliseconds := 55000
    ) as request_id;
    $job$
  );
end
$migration$;
