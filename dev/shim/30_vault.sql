-- Platform shim (plain Postgres only): Supabase Vault's SQL interface backed by pgcrypto.
-- vault.secrets holds pgp_sym_encrypt'ed secrets (base64); the symmetric key lives in
-- vault.shim_key, readable only by its owner; vault.decrypted_secrets decrypts with it
-- (a view runs with its owner's rights). As on Supabase, anon and authenticated cannot use
-- the vault schema at all; definer functions owned by postgres go through it.
-- The key is 32 random bytes, not a password: secrets use a salted, non-iterated S2K
-- (s2k-mode=1), since the iterated default costs ~0.3 ms per decrypt and protects nothing here.
create schema if not exists vault;
revoke all on schema vault from public;

create table if not exists vault.shim_key (
  id int primary key default 1 check (id = 1),
  key text not null
);
comment on table vault.shim_key is 'Shim: the symmetric key of the local Vault (owner only).';
revoke all on table vault.shim_key from public;
insert into vault.shim_key (id, key)
values (1, pg_catalog.encode(extensions.gen_random_bytes(32), 'hex'))
on conflict (id) do nothing;

create table if not exists vault.secrets (
  id uuid primary key default pg_catalog.gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now()
);
comment on table vault.secrets is 'Shim of Supabase Vault secrets; secret is encrypted (pgcrypto).';
create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;
revoke all on table vault.secrets from public;

create or replace view vault.decrypted_secrets as
select
  s.id,
  s.name,
  s.description,
  s.secret,
  extensions.pgp_sym_decrypt(pg_catalog.decode(s.secret, 'base64'), k.key) as decrypted_secret,
  s.key_id,
  s.nonce,
  s.created_at,
  s.updated_at
from vault.secrets s
cross join vault.shim_key k;
revoke all on table vault.decrypted_secrets from public;

do $shim$
begin
  if pg_catalog.to_regprocedure('vault.create_secret(text, text, text, uuid)') is null then
    execute $fn$
      create function vault.create_secret(
        new_secret text,
        new_name text default null,
        new_description text default '',
        new_key_id uuid default null
      ) returns uuid
      language plpgsql security definer set search_path = '' as $body$
      declare
        v_id uuid;
      begin
        insert into vault.secrets (secret, name, description, key_id)
        select pg_catalog.encode(extensions.pgp_sym_encrypt(new_secret, k.key, 's2k-mode=1'), 'base64'),
               new_name, coalesce(new_description, ''), new_key_id
        from vault.shim_key k
        returning id into v_id;
        return v_id;
      end
      $body$
    $fn$;
  end if;
  if pg_catalog.to_regprocedure('vault.update_secret(uuid, text, text, text, uuid)') is null then
    execute $fn$
      create function vault.update_secret(
        secret_id uuid,
        new_secret text default null,
        new_name text default null,
        new_description text default null,
        new_key_id uuid default null
      ) returns void
      language plpgsql security definer set search_path = '' as $body$
      begin
        update vault.secrets s
        set secret = coalesce(
              pg_catalog.encode(extensions.pgp_sym_encrypt(new_secret, k.key, 's2k-mode=1'), 'base64'),
              s.secret),
            name = coalesce(new_name, s.name),
            description = coalesce(new_description, s.description),
            key_id = coalesce(new_key_id, s.key_id),
            updated_at = pg_catalog.now()
        from vault.shim_key k
        where s.id = secret_id;
      end
      $body$
    $fn$;
  end if;
end
$shim$;

revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;
