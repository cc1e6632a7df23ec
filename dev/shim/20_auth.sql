-- Platform shim (plain Postgres only): the parts of Supabase Auth the database uses:
-- auth.users and the JWT helpers auth.uid(), auth.role(), auth.jwt(). They read the claims
-- PostgREST / the tests put in `request.jwt.claims` (json), falling back to the older
-- per-claim settings `request.jwt.claim.sub` / `request.jwt.claim.role`.
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key,
  aud text,
  role text,
  email text,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  created_at timestamptz default pg_catalog.now(),
  updated_at timestamptz default pg_catalog.now()
);
comment on table auth.users is 'Shim of Supabase Auth users (local stack only).';

do $shim$
begin
  if pg_catalog.to_regprocedure('auth.jwt()') is null then
    execute $fn$
      create function auth.jwt() returns jsonb language sql stable as $body$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
          nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
        )::jsonb
      $body$
    $fn$;
  end if;
  if pg_catalog.to_regprocedure('auth.uid()') is null then
    execute $fn$
      create function auth.uid() returns uuid language sql stable as $body$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $body$
    $fn$;
  end if;
  if pg_catalog.to_regprocedure('auth.role()') is null then
    execute $fn$
      create function auth.role() returns text language sql stable as $body$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
      $body$
    $fn$;
  end if;
end
$shim$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;
