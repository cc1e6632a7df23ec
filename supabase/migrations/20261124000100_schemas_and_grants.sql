-- Baseline: schemas and default-deny privileges.
--
-- Tables users may read live in `public` (behind RLS); all write logic lives in `trading`,
-- a schema the API does not expose: only service_role may use it, and only through the
-- security definer functions granted to it. Nothing is granted by default: functions created
-- in `trading` are not executable by PUBLIC, and every table and function below carries
-- explicit grants (new Supabase projects no longer auto-grant tables to the API roles).

create schema if not exists trading;
comment on schema trading is
  'Write logic of the trading API: security definer functions (service_role only) and internal tables.';

revoke all on schema trading from public;
grant usage on schema trading to service_role;

-- Default-deny for everything the migration role creates in `trading` from now on.
alter default privileges in schema trading revoke execute on functions from public;
alter default privileges in schema trading revoke all on tables from public;
alter default privileges in schema trading revoke all on sequences from public;
