-- Request-weight budgets per user and per account, and the order path's new rules.
--
-- Binance counts request weight per IP (rest-api.md "IP Limits": 6,000 a minute by default),
-- and Edge Functions share egress IPs: without budgets, one user calling a weight-80 endpoint
-- in a loop used up the minute for everybody. Every call to Binance made for a user now takes
-- its documented weight from that user's budget and from its account's budget, per calendar
-- minute (Binance's window), in the same round trip that reads the account. Ordinary requests
-- may use the budget up to `priority_headroom` below the limit; cancels and order lookups
-- (priority) may use all of it, so a user who spent the minute on reads can still cancel.
-- Over budget: RATE_LIMITED with the seconds left in the minute. Settings in
-- trading.limits_settings, per-user overrides in trading.weight_budget_overrides.
--
-- begin_order also changes here: Binance Spot's client order id pattern
-- (^[a-zA-Z0-9-_]{1,36}$), the weight of the order, and an order sync-orders marked never
-- received (NOT_RECEIVED) is placed when the same request comes again.

create table trading.weight_usage (
  scope text primary key,
  window_start timestamptz not null,
  used int not null
);
comment on table trading.weight_usage is
  'Request weight used in the current minute per scope (''user:<uuid>'' or ''account:<uuid>'').';

create table trading.weight_budget_overrides (
  user_id uuid primary key references auth.users (id) on delete cascade,
  per_minute int not null check (per_minute > 0)
);
comment on table trading.weight_budget_overrides is
  'A user''s own request-weight budget per minute, replacing limits_settings.user_weight_per_minute.';
revoke all on table trading.weight_usage, trading.weight_budget_overrides from public, anon, authenticated;

-- Adds p_weight to a scope's minute and returns what the minute has used since.
create function trading._take_weight(p_scope text, p_window timestamptz, p_weight int)
returns int
language sql
security definer
set search_path = ''
as $$
  insert into trading.weight_usage as w (scope, window_start, used)
  values (p_scope, p_window, p_weight)
  on conflict (scope) do update
    set used = case when w.window_start = excluded.window_start then w.used + excluded.used
                    else excluded.used end,
        window_start = excluded.window_start
  returning used
$$;

-- Takes p_weight from the user's and the account's budgets, or raises RATE_LIMITED (and the
-- whole statement, with anything it wrote, rolls back).
create function trading._reserve_weight(p_user_id uuid, p_account_id uuid, p_weight int, p_priority boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  s trading.limits_settings;
  v_window timestamptz := pg_catalog.date_trunc('minute', pg_catalog.now());
  v_headroom int;
  v_limit int;
  v_retry int;
begin
  if coalesce(p_weight, 0) <= 0 then
    return;
  end if;
  select * into s from trading.limits_settings;
  v_headroom := case when p_priority then 0 else s.priority_headroom end;
  v_retry := greatest(1, ceil(extract(epoch from (v_window + interval '1 minute' - pg_catalog.now())))::int);
  if p_user_id is not null then
    v_limit := coalesce(
      (select o.per_minute from trading.weight_budget_overrides o where o.user_id = p_user_id),
      s.user_weight_per_minute);
    if trading._take_weight('user:' || p_user_id::text, v_window, p_weight) > v_limit - v_headroom then
      raise exception 'RATE_LIMITED'
        using detail = 'Your Binance request-weight budget for this minute is used up; retry later',
              hint = pg_catalog.jsonb_build_object('retry_after', v_retry)::text;
    end if;
  end if;
  if p_account_id is not null then
    v_limit := s.account_weight_per_minute;
    if trading._take_weight('account:' || p_account_id::text, v_window, p_weight) > v_limit - v_headroom then
      raise exception 'RATE_LIMITED'
        using detail = 'This account''s Binance request-weight budget for this minute is used up; retry later',
              hint = pg_catalog.jsonb_build_object('retry_after', v_retry)::text;
    end if;
  end if;
end
$$;

-- For calls that read no account (fetch-ticker, exchange-keys' check): takes the weight from
-- the user's budget and returns the environment's back-off.
create function trading.reserve_weight(p_user_id uuid, p_environment text, p_weight int)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform trading._reserve_weight(p_user_id, null, p_weight, false);
  return pg_catalog.jsonb_build_object('backoff_until', trading._backoff_until(p_environment));
end
$$;
comment on function trading.reserve_weight(uuid, text, int) is
  'Takes request weight from a user''s budget (RATE_LIMITED when used up); returns the environment back-off.';

-- The environment's back-off alone (the markets load, sync-orders).
create function trading.backoff_state(p_environment text)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('backoff_until', trading._backoff_until(p_environment))
$$;

drop function trading.account_context(uuid, text);
create function trading.account_context(
  p_user_id uuid,
  p_label text,
  p_weight int default 0,
  p_priority boolean default false
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  a public.exchange_accounts := trading._find_account(p_user_id, p_label);
  v_ctx jsonb := trading._account_ctx(a);
begin
  perform trading._reserve_weight(a.user_id, a.id, p_weight, p_priority);
  return v_ctx;
end
$$;
comment on function trading.account_context(uuid, text, int, boolean) is
  'Account, decrypted credentials and back-offs in one call, taking p_weight from the budgets; raises CREDENTIALS_MISSING, EXCHANGE_AUTH_FAILED, RATE_LIMITED.';

create or replace function trading.begin_order(
  p_user_id uuid,
  p_label text,
  p_client_order_id text,
  p_request jsonb,
  p_lease_seconds int default 30
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
  v_ctx := trading._account_ctx(a);
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

drop function trading.find_order(uuid, text, text, text);
create function trading.find_order(
  p_user_id uuid,
  p_label text,
  p_exchange_order_id text,
  p_client_order_id text,
  p_weight int default 0,
  p_priority boolean default true
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
begin
  a := trading._find_account(p_user_id, p_label);
  v_ctx := trading._account_ctx(a);
  perform trading._reserve_weight(a.user_id, a.id, p_weight, p_priority);
  if p_client_order_id is not null then
    select pg_catalog.to_jsonb(o) into v_order from public.orders o
    where o.account_id = a.id and o.client_order_id = p_client_order_id;
  end if;
  if v_order is null and p_exchange_order_id is not null then
    select pg_catalog.to_jsonb(o) into v_order from public.orders o
    where o.account_id = a.id and o.exchange_order_id = p_exchange_order_id
    order by o.created_at
    limit 1;
  end if;
  return v_ctx || pg_catalog.jsonb_build_object('order', v_order);
end
$$;
comment on function trading.find_order(uuid, text, text, text, int, boolean) is
  'Account ctx and the stored order (by client order id, else exchange order id), taking p_weight from the budgets (priority by default).';

revoke all on function
  trading._take_weight(text, timestamptz, int),
  trading._reserve_weight(uuid, uuid, int, boolean),
  trading.reserve_weight(uuid, text, int),
  trading.backoff_state(text),
  trading.account_context(uuid, text, int, boolean),
  trading.find_order(uuid, text, text, text, int, boolean)
from public, anon, authenticated;
grant execute on function
  trading.reserve_weight(uuid, text, int),
  trading.backoff_state(text),
  trading.account_context(uuid, text, int, boolean),
  trading.find_order(uuid, text, text, text, int, boolean)
to service_role;
