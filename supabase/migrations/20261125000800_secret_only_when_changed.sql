-- The Binance secret leaves the database only when the function does not already hold it.
--
-- begin_order, find_order and account_context returned the account's decrypted API key and
-- secret with every answer: every order and every read carried the secret across the
-- connection (in clear where the database URL asks for no TLS: docs/DECISIONS.md, "TLS to
-- Postgres") and paid for a Vault decryption. Each answer now carries `key_version`: the
-- account's id and `key_serial`, which counts the saves of its key. save_exchange_account
-- sets `rotated_at` on every re-save (a corrected secret for the same API key included), and a
-- trigger on that column counts it; a time would not do, as two saves in one transaction
-- share now(). A caller that holds the credentials of that version passes it back as
-- `p_known_key`, and the answer then has `credentials: null` and reads no secret from Vault.
-- Any other value (another account, another save, null) gets the credentials as before.
--
-- _account_ctx(a) keeps its signature and answer (sync-orders and stream-fills read keys in
-- batches and always get them); _account_ctx(a, p_known_key) is the new form. The three
-- functions get a last parameter `p_known_key text default null`: existing calls are
-- unchanged. Grants are restated for the new signatures.

alter table public.exchange_accounts add column key_serial bigint not null default 1;
comment on column public.exchange_accounts.key_serial is
  'How many times this account''s key was saved (1 when created); part of key_version.';

create function trading._count_key_save()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.key_serial := old.key_serial + 1;
  return new;
end
$$;
revoke all on function trading._count_key_save() from public, anon, authenticated, service_role;
create trigger exchange_accounts_count_key_saves
  before update of rotated_at on public.exchange_accounts
  for each row
  execute function trading._count_key_save();

create function trading._account_ctx(a public.exchange_accounts, p_known_key text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_secret jsonb;
  v_version text;
begin
  if a.id is null then
    raise exception 'CREDENTIALS_MISSING' using detail = 'no such exchange account';
  end if;
  if a.key_status = 'failed' then
    raise exception 'EXCHANGE_AUTH_FAILED' using detail = pg_catalog.format(
      'Binance refused this account''s API key (%s); save a working key with exchange-keys',
      coalesce(a.key_failure, 'key refused'));
  end if;
  v_version := a.id::text || ':' || a.key_serial::text;
  if p_known_key is null or p_known_key <> v_version or a.vault_secret_id is null then
    select s.decrypted_secret::jsonb into v_secret
    from vault.decrypted_secrets s
    where s.id = a.vault_secret_id;
    if v_secret is null or v_secret ->> 'api_key' is null or v_secret ->> 'secret' is null then
      raise exception 'CREDENTIALS_MISSING' using detail = 'the exchange account has no stored key';
    end if;
  end if;
  return pg_catalog.jsonb_build_object(
    'account', trading._account_json(a),
    'credentials', case when v_secret is not null then pg_catalog.jsonb_build_object(
      'api_key', v_secret ->> 'api_key',
      'secret', v_secret ->> 'secret'
    ) end,
    'key_version', v_version,
    'backoff_until', trading._backoff_until(a.environment),
    'account_backoff_until',
      case when a.order_backoff_until > pg_catalog.now() then a.order_backoff_until end
  );
end
$$;
comment on function trading._account_ctx(public.exchange_accounts, text) is
  'Account, back-offs, key_version and, unless p_known_key is that version, the decrypted credentials.';

create or replace function trading._account_ctx(a public.exchange_accounts)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return trading._account_ctx(a, null::text);
end
$$;

revoke all on function trading._account_ctx(public.exchange_accounts, text)
from public, anon, authenticated, service_role;

drop function trading.begin_order(uuid, text, text, jsonb, int);

create function trading.begin_order(
  p_user_id uuid,
  p_label text,
  p_client_order_id text,
  p_request jsonb,
  p_lease_seconds int default 30,
  p_known_key text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  a public.exchange_accounts;
  v_ctx jsonb;
  o public.orders;
  v_created boolean;
  v_claimed boolean := false;
  v_position jsonb;
  v_lease interval := pg_catalog.make_interval(secs => greatest(coalesce(p_lease_seconds, 30), 1));
  v_symbol text := p_request ->> 'symbol';
  v_side text := pg_catalog.lower(p_request ->> 'side');
  v_type text := pg_catalog.lower(p_request ->> 'type');
begin
  a := trading._find_account(p_user_id, p_label);
  v_ctx := trading._account_ctx(a, p_known_key);
  -- rest-api.md "New order (TRADE)": weight 1.
  perform trading._reserve_weight(a.user_id, a.id, 1, false);

  -- Binance Spot's pattern for client order ids (fix-api.md "Client order ID fields").
  if p_client_order_id is null or p_client_order_id !~ '^[a-zA-Z0-9_-]{1,36}$' then
    raise exception 'VALIDATION_ERROR' using detail = 'client order id must match ^[a-zA-Z0-9-_]{1,36}$',
      hint = '{"field":"client_order_id"}';
  end if;
  if p_request is null or pg_catalog.jsonb_typeof(p_request) <> 'object'
     or v_symbol is null or pg_catalog.strpos(v_symbol, '/') = 0
     or v_side is null or v_side not in ('buy', 'sell')
     or coalesce(v_type, '') = '' then
    raise exception 'VALIDATION_ERROR' using detail = 'request needs symbol (BASE/QUOTE), side (buy|sell) and type';
  end if;

  insert into public.orders (
    account_id, user_id, client_order_id, symbol, side, type, time_in_force,
    price, amount, quote_amount, request, submit_lease_until
  )
  values (
    a.id, a.user_id, p_client_order_id, v_symbol, v_side, v_type,
    coalesce(p_request ->> 'time_in_force', p_request ->> 'timeInForce'),
    trading._num(p_request -> 'price'),
    trading._num(p_request -> 'amount'),
    coalesce(trading._num(p_request -> 'quote_amount'), trading._num(p_request -> 'quoteAmount'),
             trading._num(p_request -> 'cost')),
    p_request,
    pg_catalog.now() + v_lease
  )
  on conflict (account_id, client_order_id) do nothing
  returning * into o;
  v_created := found;
  v_claimed := v_created;

  if not v_created then
    -- sync-orders marked it never received (past recvWindow, Binance cannot execute it any
    -- more): the same request again places it, under the same client order id.
    update public.orders
    set status = 'pending', error = null, submit_lease_until = null, updated_at = pg_catalog.now()
    where account_id = a.id and client_order_id = p_client_order_id
      and status = 'rejected' and error ->> 'code' = 'NOT_RECEIVED' and request = p_request;
  end if;

  if not v_created then
    -- Take the lease over when it has run out; the row lock makes one request win.
    update public.orders
    set submit_lease_until = pg_catalog.now() + v_lease, updated_at = pg_catalog.now()
    where account_id = a.id and client_order_id = p_client_order_id
      and status = 'pending' and request = p_request
      and (submit_lease_until is null or submit_lease_until < pg_catalog.now())
    returning * into o;
    v_claimed := found;
    if not v_claimed then
      select * into strict o
      from public.orders
      where account_id = a.id and client_order_id = p_client_order_id;
    end if;
    if o.position_id is not null then
      select pg_catalog.to_jsonb(p) into v_position from public.positions p where p.id = o.position_id;
    end if;
  end if;

  return v_ctx || pg_catalog.jsonb_build_object(
    'order', pg_catalog.to_jsonb(o),
    'created', v_created,
    'claimed', v_claimed,
    'matches', coalesce(o.request = p_request, false),
    'position', v_position
  );
end
$$;

comment on function trading.begin_order(uuid, text, text, jsonb, int, text) is
  'Records an order as pending under its client order id (idempotent), with a submission lease, and returns the account ctx with it (credentials unless p_known_key is the key version).';

drop function trading.find_order(uuid, text, text, text, int, boolean);

create function trading.find_order(
  p_user_id uuid,
  p_label text,
  p_exchange_order_id text,
  p_client_order_id text,
  p_weight int default 0,
  p_priority boolean default true,
  p_known_key text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  a public.exchange_accounts;
  v_ctx jsonb;
  v_order jsonb;
  v_position jsonb;
begin
  a := trading._find_account(p_user_id, p_label);
  v_ctx := trading._account_ctx(a, p_known_key);
  perform trading._reserve_weight(a.user_id, a.id, p_weight, p_priority);
  if p_client_order_id is not null then
    select pg_catalog.to_jsonb(o) - 'raw' - 'request' into v_order from public.orders o
    where o.account_id = a.id and o.client_order_id = p_client_order_id;
  end if;
  if v_order is null and p_exchange_order_id is not null then
    select pg_catalog.to_jsonb(o) - 'raw' - 'request' into v_order from public.orders o
    where o.account_id = a.id and o.exchange_order_id = p_exchange_order_id
    order by o.created_at
    limit 1;
  end if;
  if v_order ->> 'position_id' is not null then
    -- The same row record_order returns as the order's position.
    select pg_catalog.to_jsonb(p) into v_position from public.positions p
    where p.id = (v_order ->> 'position_id')::uuid;
  end if;
  return v_ctx || pg_catalog.jsonb_build_object('order', v_order, 'position', v_position);
end
$$;

comment on function trading.find_order(uuid, text, text, text, int, boolean, text) is
  'Account ctx (credentials unless p_known_key is the key version), the stored order (by client order id, else exchange order id) and its position, taking p_weight from the budgets (priority by default).';

drop function trading.account_context(uuid, text, int, boolean);

create function trading.account_context(
  p_user_id uuid,
  p_label text,
  p_weight int default 0,
  p_priority boolean default false,
  p_known_key text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  a public.exchange_accounts := trading._find_account(p_user_id, p_label);
  v_ctx jsonb := trading._account_ctx(a, p_known_key);
begin
  perform trading._reserve_weight(a.user_id, a.id, p_weight, p_priority);
  return v_ctx;
end
$$;

comment on function trading.account_context(uuid, text, int, boolean, text) is
  'Account, credentials (unless p_known_key is the key version) and back-offs in one call, taking p_weight from the budgets; raises CREDENTIALS_MISSING, EXCHANGE_AUTH_FAILED, RATE_LIMITED.';

revoke all on function
  trading.begin_order(uuid, text, text, jsonb, int, text),
  trading.find_order(uuid, text, text, text, int, boolean, text),
  trading.account_context(uuid, text, int, boolean, text)
from public, anon, authenticated;
grant execute on function
  trading.begin_order(uuid, text, text, jsonb, int, text),
  trading.find_order(uuid, text, text, text, int, boolean, text),
  trading.account_context(uuid, text, int, boolean, text)
to service_role;
