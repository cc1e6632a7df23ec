-- Key health and per-account back-off: one tenant's key or order rate never stops another.
--
-- Binance limits the IP (request weight, -1003, 418 bans) and each account (unfilled order
-- count, -1015) separately (rest-api.md "LIMITS"), and -2014/-2015 say a key is malformed,
-- revoked or lacks an IP or permission (errors.md) — not that anyone should slow down. So:
-- * trading.exchange_backoff (environment-wide) stays for IP-level limits only;
-- * exchange_accounts.order_backoff_until holds an account's own order-rate back-off;
-- * exchange_accounts.key_status = 'failed' marks a key Binance refused: its owner gets
--   EXCHANGE_AUTH_FAILED without another call to Binance, sync-orders skips the account, and
--   saving a key again (rotation) clears the mark.
-- Also here, because they are part of the same account record:
-- * key_fingerprint, a keyed hash (HMAC-SHA256 with a pepper kept in Vault) of the API key,
--   so the same Binance key cannot be saved by two users (or under two labels) without the key
--   itself being compared or stored outside Vault;
-- * a cap on the accounts of one user (trading.limits_settings.max_accounts_per_user).

alter table public.exchange_accounts
  add column key_status text not null default 'ok' check (key_status in ('ok', 'failed')),
  add column key_failed_at timestamptz,
  add column key_failure text,
  add column order_backoff_until timestamptz,
  add column key_fingerprint text;
comment on column public.exchange_accounts.key_status is
  '''failed'' once Binance refused the key (-2014/-2015/-1022/-1002); cleared by saving the key again.';
comment on column public.exchange_accounts.key_failure is 'What Binance said when it refused the key (code and message).';
comment on column public.exchange_accounts.order_backoff_until is
  'New orders of this account wait until then (Binance -1015, the account''s order rate).';
comment on column public.exchange_accounts.key_fingerprint is
  'HMAC-SHA256 of the API key with a secret pepper: finds a key saved twice without storing it.';

create unique index exchange_accounts_one_owner_per_key
  on public.exchange_accounts (key_fingerprint) where deleted_at is null and key_fingerprint is not null;

-- Operator settings for tenant limits (one row). Edit with SQL; defaults are documented in
-- docs/LIMITS.md.
create table trading.limits_settings (
  id boolean primary key default true check (id),
  max_accounts_per_user int not null default 10 check (max_accounts_per_user > 0),
  user_weight_per_minute int not null default 1200 check (user_weight_per_minute > 0),
  account_weight_per_minute int not null default 1200 check (account_weight_per_minute > 0),
  priority_headroom int not null default 120 check (priority_headroom >= 0)
);
comment on table trading.limits_settings is
  'Tenant limits: accounts per user and the request-weight budgets (per minute) of each user and account.';
insert into trading.limits_settings default values;
revoke all on table trading.limits_settings from public, anon, authenticated;

-- The pepper of key fingerprints, created on first use and kept in Vault.
create function trading._key_fingerprint(p_api_key text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_pepper text;
begin
  select s.decrypted_secret into v_pepper
  from vault.decrypted_secrets s where s.name = 'trading_key_fingerprint_pepper';
  if v_pepper is null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('key_fingerprint_pepper', 0));
    select s.decrypted_secret into v_pepper
    from vault.decrypted_secrets s where s.name = 'trading_key_fingerprint_pepper';
    if v_pepper is null then
      v_pepper := pg_catalog.encode(extensions.gen_random_bytes(32), 'hex');
      perform vault.create_secret(v_pepper, 'trading_key_fingerprint_pepper',
                                  'Pepper of exchange_accounts.key_fingerprint');
    end if;
  end if;
  return pg_catalog.encode(extensions.hmac(p_api_key, v_pepper, 'sha256'), 'hex');
end
$$;

-- Raises unless p_user_id may save p_api_key under p_label: called before the key is shown
-- to Binance (so nobody can use this service to probe keys others saved) and again on save.
create function trading.check_key_available(p_user_id uuid, p_label text, p_api_key text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_label text := coalesce(nullif(pg_catalog.btrim(p_label), ''), 'default');
  v_fingerprint text := trading._key_fingerprint(p_api_key);
  v_max int := (select s.max_accounts_per_user from trading.limits_settings s);
begin
  if exists (
    select from public.exchange_accounts a
    where a.key_fingerprint = v_fingerprint and a.deleted_at is null
      and not (a.user_id = p_user_id and a.label = v_label)
  ) then
    raise exception 'VALIDATION_ERROR' using detail = 'This API key is already saved for another account', hint = '{"field":"api_key"}';
  end if;
  if not exists (
    select from public.exchange_accounts a
    where a.user_id = p_user_id and a.label = v_label and a.deleted_at is null
  ) and (
    select pg_catalog.count(*) from public.exchange_accounts a
    where a.user_id = p_user_id and a.deleted_at is null
  ) >= v_max then
    raise exception 'VALIDATION_ERROR' using detail = pg_catalog.format('At most %s exchange accounts per user', v_max), hint = '{"field":"label"}';
  end if;
  return pg_catalog.jsonb_build_object('available', true);
end
$$;
comment on function trading.check_key_available(uuid, text, text) is
  'Raises VALIDATION_ERROR when the key is saved by another account or the user has too many accounts.';

-- Every account read now carries the key's health and the account's order back-off; a failed
-- key answers EXCHANGE_AUTH_FAILED here, before any call to Binance.
create or replace function trading._account_ctx(a public.exchange_accounts)
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
  if a.key_status = 'failed' then
    raise exception 'EXCHANGE_AUTH_FAILED' using detail = pg_catalog.format(
      'Binance refused this account''s API key (%s); save a working key with exchange-keys',
      coalesce(a.key_failure, 'key refused'));
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
    'backoff_until', trading._backoff_until(a.environment),
    'account_backoff_until',
      case when a.order_backoff_until > pg_catalog.now() then a.order_backoff_until end
  );
end
$$;

-- Marks an account's key failed: what Binance said (code and message, never the key).
create function trading.mark_key_failed(p_account_id uuid, p_reason text)
returns jsonb
language sql
security definer
set search_path = ''
as $$
  update public.exchange_accounts
  set key_status = 'failed', key_failed_at = pg_catalog.now(),
      key_failure = pg_catalog.left(p_reason, 200), updated_at = pg_catalog.now()
  where id = p_account_id and deleted_at is null
  returning pg_catalog.jsonb_build_object('id', id, 'key_status', key_status)
$$;
comment on function trading.mark_key_failed(uuid, text) is
  'Marks the account''s key refused by Binance: its owner gets EXCHANGE_AUTH_FAILED until the key is saved again.';

-- Extends an account's order back-off (never shortens it).
create function trading.set_account_backoff(p_account_id uuid, p_until timestamptz)
returns jsonb
language sql
security definer
set search_path = ''
as $$
  update public.exchange_accounts
  set order_backoff_until = greatest(coalesce(order_backoff_until, p_until), p_until)
  where id = p_account_id
  returning pg_catalog.jsonb_build_object('id', id, 'order_backoff_until', order_backoff_until)
$$;
comment on function trading.set_account_backoff(uuid, timestamptz) is
  'Extends the order-rate back-off of one account (Binance -1015); other accounts are untouched.';

-- Saving a key: refuses a key another account holds and users over the account cap, stores
-- the fingerprint, and clears a failed mark (a new key gets a fresh start).
create or replace function trading.save_exchange_account(
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
  v_fingerprint text;
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

  -- Serialise saves of one user (label uniqueness, the one default, the cap).
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('exchange_accounts:' || p_user_id::text, 0));
  perform trading.check_key_available(p_user_id, v_label, p_api_key);
  v_fingerprint := trading._key_fingerprint(p_api_key);

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
        key_fingerprint = v_fingerprint,
        key_status = 'ok', key_failed_at = null, key_failure = null,
        vault_secret_id = v_secret_id,
        permissions = coalesce(p_permissions, '{}'::jsonb),
        rotated_at = pg_catalog.now(),
        updated_at = pg_catalog.now()
    where id = v_account.id
    returning * into v_account;
  else
    insert into public.exchange_accounts (
      user_id, environment, label, key_hint, key_fingerprint, permissions, is_default
    )
    values (
      p_user_id, p_environment, v_label, pg_catalog.right(p_api_key, 4), v_fingerprint,
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

-- Ends the submission lease of a pending order when the request holding it answers, so a
-- retry with the same key proceeds at once (it looks the order up before sending).
create function trading.end_order_lease(p_account_id uuid, p_client_order_id text)
returns jsonb
language sql
security definer
set search_path = ''
as $$
  update public.orders
  set submit_lease_until = null
  where account_id = p_account_id and client_order_id = p_client_order_id and status = 'pending'
  returning pg_catalog.jsonb_build_object('ended', true)
$$;
comment on function trading.end_order_lease(uuid, text) is
  'Ends the submission lease of a pending order: the request that held it has answered.';

revoke all on function
  trading._key_fingerprint(text),
  trading.check_key_available(uuid, text, text),
  trading.mark_key_failed(uuid, text),
  trading.set_account_backoff(uuid, timestamptz),
  trading.end_order_lease(uuid, text)
from public, anon, authenticated;
grant execute on function
  trading.check_key_available(uuid, text, text),
  trading.mark_key_failed(uuid, text),
  trading.set_account_backoff(uuid, timestamptz),
  trading.end_order_lease(uuid, text)
to service_role;
