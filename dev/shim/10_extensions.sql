-- Platform shim (plain Postgres only): the `extensions` schema with pgcrypto, as on Supabase.
create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;
