-- Exchange accounts: a user's Binance API keys, the key and secret kept only in Vault.
--
-- One row per stored key of a user; a user may hold several (distinct labels), one of which
-- is the default. Deleting an account removes its Vault secret and soft-deletes the row
-- (deleted_at), so orders keep pointing at their account as history. Users read their own
-- rows (RLS); all writes go through the trading.* definer functions below, which return
-- metadata only. Credentials leave the database only through account_context-style
-- functions granted to service_role.

create table public.exchange_accounts (
  id uuid primary key default pg_catalog.gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  exchange text not null default 'binance' check (exchange = 'binance'),
  environment text not null check (environment in ('live', 'testnet')),
  label text not null check (pg_catalog.length(label) between 1 and 64),
  key_hint text not null,
  vault_secret_id uuid,
  permissions jsonb not null default '{}'::jsonb,
  is_default boolean not null default false,
  created_at timestamptz not null default pg_catalog.now(),
  rotated_at timestamptz,
  updated_at timestamptz not null default pg_catalog.now(),
  deleted_at timestamptz,
  check (deleted_at is null or (vault_secret_id is null and not is_default))
);
comment on table public.exchange_accounts is
  'Binance API keys of a user (metadata only; the key and secret live in Vault). Soft-deleted via deleted_at.';
comment on column public.exchange_accounts.environment is
  '''live'' (api.binance.com) or ''testnet'' (Binance spot testnet).';
comment on column public.exchange_accounts.label is
  'The user''s name for this key, unique among the user''s non-deleted accounts.';
comment on column public.exchange_accounts.key_hint is 'Last 4 characters of the API key, for display.';
comment on column public.exchange_accounts.vault_secret_id is
  'Vault secret (vault.secrets.id) holding {"api_key","secret"} as json; null once deleted.';
comment on column public.exchange_accounts.permissions is
  'Key permissions read from Binance at save time (GET /sapi/v1/account/apiRestrictions), e.g. enableSpotAndMarginTrading.';
comment on column public.exchange_accounts.is_default is
  'The account used when a request names no label; exactly one per user among non-deleted accounts.';
comment on column public.exchange_accounts.rotated_at is 'When the key/secret were last replaced; null if never.';
comment on column public.exchange_accounts.deleted_at is
  'Soft delete: set when the account is deleted (its Vault secret is removed); orders keep the row as history.';

create unique index exchange_accounts_user_label_key
  on public.exchange_accounts (user_id, label) where deleted_at is null;
create unique index exchange_accounts_one_default_per_user
  on public.exchange_accounts (user_id) where is_default and deleted_at is null;

alter table public.exchange_accounts enable row level security;

create policy "Users read their own exchange accounts"
  on public.exchange_accounts for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.exchange_accounts from public, anon, authenticated;
grant select on table public.exchange_accounts to authenticated;
grant all on table public.exchange_accounts to service_role;

-- A hard delete (e.g. the user deleted from auth.users, cascading) must not leave the
-- account's secret behind in Vault.
create function trading._exchange_account_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.vault_secret_id is not null then
    delete from vault.secrets s where s.id = old.vault_secret_id;
  end if;
  return old;
end
$$;
create trigger exchange_accounts_remove_vault_secret
  after delete on public.exchange_accounts
  for each row execute function trading._exchange_account_deleted();

-- Metadata of an account as the API returns it (never the secret nor the Vault id).
create function trading._account_json(a public.exchange_accounts)
returns jsonb
language sql
immutable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', a.id,
    'label', a.label,
    'exchange', a.exchange,
    'environment', a.environment,
    'key_hint', a.key_hint,
    'permissions', a.permissions,
    'is_default', a.is_default,
    'created_at', a.created_at,
    'rotated_at', a.rotated_at,
    'updated_at', a.updated_at,
    'deleted_at', a.deleted_at
  )
$$;

-- The active account of a user by label (null label = the default account), or null.
create function trading._find_account(p_user_id uuid, p_label text)
returns public.exchange_accounts
language sql
stable
security definer
set search_path = ''
as $$
  select a.*
  from public.exchange_accounts a
  where a.user_id = p_user_id
    and a.deleted_at is null
    and (case when p_label is null then a.is_default else a.label = p_label end)
$$;

-- account ctx: {account, credentials: {api_key, secret}, backoff_until}.
-- Raises CREDENTIALS_MISSING when the account has no readable Vault secret.
create function trading._account_ctx(a public.exchange_accounts)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_secret jsonb;
begin
  if a.id is null then
    raise exception 'CREDENTIALS_MISSING' using detail = 'no such exchange account';
  end if;
  select s.decrypted_secret::jsonb into v_secret
  from vault.decrypted_secrets s
  where s.id = a.vault_secret_id;
  if v_secret is null or v_secret ->> 'api_key' is null or v_secret ->> 'secret' is null then
    raise exception 'CREDENTIALS_MISSING' using detail = 'the exchange account has no stored key';
  end if;
  return pg_catalog.jsonb_build_object(
    'account', trading._account_json(a),
    'credentials', pg_catalog.jsonb_build_object(
      'api_key', v_secret ->> 'api_key',
      'secret', v_secret ->> 'secret'
    ),
    'backoff_until', trading._backoff_until(a.environment)
  );
end
$$;

-- Create an account, or rotate its key when (user, label) exists. Returns metadata.
create function trading.save_exchange_account(
  p_user_id uuid,
  p_label text,
  p_environment text,
  p_api_key text,
  p_secret text,
  p_permissions jsonb
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_label text := coalesce(nullif(pg_catalog.btrim(p_label), ''), 'default');
  v_secret text;
  v_account public.exchange_accounts;
  v_secret_id uuid;
begin
  if p_user_id is null then
    raise exception 'VALIDATION_ERROR' using detail = 'user_id is required';
  end if;
  if p_environment is null or p_environment not in ('live', 'testnet') then
    raise exception 'VALIDATION_ERROR' using detail = 'environment must be live or testnet';
  end if;
  if coalesce(pg_catalog.btrim(p_api_key), '') = '' or coalesce(pg_catalog.btrim(p_secret), '') = '' then
    raise exception 'VALIDATION_ERROR' using detail = 'api_key and secret are required';
  end if;
  if pg_catalog.length(v_label) > 64 then
    raise exception 'VALIDATION_ERROR' using detail = 'label is longer than 64 characters';
  end if;
  if not exists (select from auth.users u where u.id = p_user_id) then
    raise exception 'VALIDATION_ERROR' using detail = 'unknown user';
  end if;

  -- Serialise saves of one user (label uniqueness, the one default) within this transaction.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('exchange_accounts:' || p_user_id::text, 0));

  v_secret := pg_catalog.jsonb_build_object('api_key', p_api_key, 'secret', p_secret)::text;

  select a.* into v_account
  from public.exchange_accounts a
  where a.user_id = p_user_id and a.label = v_label and a.deleted_at is null
  for update;

  if found then
    if v_account.vault_secret_id is not null
       and exists (select from vault.secrets s where s.id = v_account.vault_secret_id) then
      perform vault.update_secret(v_account.vault_secret_id, v_secret);
      v_secret_id := v_account.vault_secret_id;
    else
      v_secret_id := vault.create_secret(v_secret, 'exchange_account:' || v_account.id::text,
                                         'Binance API key of exchange account ' || v_account.id::text);
    end if;
    update public.exchange_accounts
    set environment = p_environment,
        key_hint = pg_catalog.right(p_api_key, 4),
        vault_secret_id = v_secret_id,
        permissions = coalesce(p_permissions, '{}'::jsonb),
        rotated_at = pg_catalog.now(),
        updated_at = pg_catalog.now()
    where id = v_account.id
    returning * into v_account;
  else
    insert into public.exchange_accounts (user_id, environment, label, key_hint, permissions, is_default)
    values (
      p_user_id, p_environment, v_label, pg_catalog.right(p_api_key, 4),
      coalesce(p_permissions, '{}'::jsonb),
      not exists (
        select from public.exchange_accounts a
        where a.user_id = p_user_id and a.deleted_at is null and a.is_default
      )
    )
    returning * into v_account;
    v_secret_id := vault.create_secret(v_secret, 'exchange_account:' || v_account.id::text,
                                       'Binance API key of exchange account ' || v_account.id::text);
    update public.exchange_accounts set vault_secret_id = v_secret_id
    where id = v_account.id
    returning * into v_account;
  end if;

  return trading._account_json(v_account);
end
$$;
comment on function trading.save_exchange_account(uuid, text, text, text, text, jsonb) is
  'Creates an exchange account (secret to Vault; a user''s first account becomes default) or rotates the key of (user, label). Returns metadata only.';

-- Delete an account: its Vault secret is removed and the row soft-deleted. Returns metadata
-- or null when there is no such account. A deleted default passes to the oldest other account.
create function trading.delete_exchange_account(p_user_id uuid, p_label text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_account public.exchange_accounts;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('exchange_accounts:' || p_user_id::text, 0));

  select a.* into v_account
  from public.exchange_accounts a
  where a.user_id = p_user_id
    and a.deleted_at is null
    and (case when p_label is null then a.is_default else a.label = p_label end)
  for update;
  if not found then
    return null;
  end if;

  if v_account.vault_secret_id is not null then
    delete from vault.secrets s where s.id = v_account.vault_secret_id;
  end if;

  update public.exchange_accounts
  set vault_secret_id = null,
      is_default = false,
      deleted_at = pg_catalog.now(),
      updated_at = pg_catalog.now()
  where id = v_account.id
  returning * into v_account;

  if not exists (
    select from public.exchange_accounts a
    where a.user_id = p_user_id and a.deleted_at is null and a.is_default
  ) then
    update public.exchange_accounts
    set is_default = true, updated_at = pg_catalog.now()
    where id = (
      select a.id from public.exchange_accounts a
      where a.user_id = p_user_id and a.deleted_at is null
      order by a.created_at, a.id
      limit 1
    );
  end if;

  return trading._account_json(v_account);
end
$$;
comment on function trading.delete_exchange_account(uuid, text) is
  'Removes the Vault secret of (user, label) and soft-deletes the account; null when none.';

-- Metadata of a user's non-deleted accounts, default first.
create function trading.list_exchange_accounts(p_user_id uuid)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    pg_catalog.jsonb_agg(trading._account_json(a) order by a.is_default desc, a.created_at, a.label),
    '[]'::jsonb
  )
  from public.exchange_accounts a
  where a.user_id = p_user_id and a.deleted_at is null
$$;
comment on function trading.list_exchange_accounts(uuid) is 'Metadata of a user''s exchange accounts (array).';

-- account ctx of a user's account (null label = default); CREDENTIALS_MISSING when none.
create function trading.account_context(p_user_id uuid, p_label text)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select trading._account_ctx(trading._find_account(p_user_id, p_label))
$$;
comment on function trading.account_context(uuid, text) is
  'Account, decrypted credentials and the environment''s back-off in one call; raises CREDENTIALS_MISSING.';

revoke all on function
  trading._exchange_account_deleted(),
  trading._account_json(public.exchange_accounts),
  trading._find_account(uuid, text),
  trading._account_ctx(public.exchange_accounts),
  trading.save_exchange_account(uuid, text, text, text, text, jsonb),
  trading.delete_exchange_account(uuid, text),
  trading.list_exchange_accounts(uuid),
  trading.account_context(uuid, text)
from public, anon, authenticated;
grant execute on function
  trading.save_exchange_account(uuid, text, text, text, text, jsonb),
  trading.delete_exchange_account(uuid, text),
  trading.list_exchange_accounts(uuid),
  trading.account_context(uuid, text)
to service_role;
