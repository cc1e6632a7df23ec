-- sync-orders' and stream-fills' batches are built in one pass (issue #13, goal 6).
--
-- orders_to_sync and accounts_to_stream appended each account's batch to the answer with
-- `v_result := v_result || jsonb_build_array(...)`. A jsonb concatenation copies both sides
-- whole, so building the answer cost the square of its size: with 1,000 open orders over 100
-- accounts (each order with its stored exchange answer, ~1.8 MB in all) orders_to_sync spent
-- 2.3-3.6 s in that loop alone (track_functions: self time), past the functions' 3 s database
-- timeout, so every sync-orders run failed for every user while one busy tenant kept that
-- many orders open.
--
-- Now each answer is one aggregate over the accounts. An account whose key cannot be used
-- (secret gone: CREDENTIALS_MISSING; refused by Binance: EXCHANGE_AUTH_FAILED) is still left
-- out by itself, through _batch_ctx, which answers null instead of raising.
--
-- orders_to_sync's orders leave out `raw` (Binance's last answer) and `request` (the caller's
-- create request), as record_order and find_order already do: sync-orders reads neither, and
-- they were most of the answer's bytes. Batches now come most overdue first (the account of
-- the run's first candidate first), so the run's weight budget goes to the longest-waiting
-- accounts; before, their order was whatever the GROUP BY produced.

create function trading._batch_ctx(p_account_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return trading._account_ctx((select a from public.exchange_accounts a where a.id = p_account_id));
exception when raise_exception then
  -- CREDENTIALS_MISSING or EXCHANGE_AUTH_FAILED: this account has nothing to work with.
  return null;
end
$$;
comment on function trading._batch_ctx(uuid) is
  'The account''s ctx with its credentials, or null when its key cannot be used (missing or refused).';
revoke all on function trading._batch_ctx(uuid) from public, anon, authenticated, service_role;

create or replace function trading.orders_to_sync(p_user_id uuid, p_min_age_seconds int, p_limit int)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with candidates as (
    select o.*,
           pg_catalog.row_number() over (order by o.synced_at nulls first, o.created_at, o.id) as turn
    from public.orders o
    join public.exchange_accounts a on a.id = o.account_id
    where a.deleted_at is null
      and a.vault_secret_id is not null
      and (p_user_id is null or o.user_id = p_user_id)
      and (
        o.status = 'open'
        or (o.status = 'pending'
            and o.created_at <= pg_catalog.now()
               - pg_catalog.make_interval(secs => greatest(coalesce(p_min_age_seconds, 0), 0)))
      )
    order by turn
    limit greatest(coalesce(p_limit, 100), 0)
  ),
  batches as (
    select c.account_id,
           min(c.turn) as first_turn,
           pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) - 'raw' - 'request' - 'turn'
                                order by c.created_at, c.id) as orders
    from candidates c
    group by c.account_id
  ),
  usable as (
    select b.first_turn, trading._batch_ctx(b.account_id) as ctx, b.orders
    from batches b
  )
  select coalesce(
    pg_catalog.jsonb_agg(u.ctx || pg_catalog.jsonb_build_object('orders', u.orders)
                         order by u.first_turn)
      filter (where u.ctx is not null),
    '[]'::jsonb)
  from usable u
$$;
comment on function trading.orders_to_sync(uuid, int, int) is
  'Pending orders older than the age and open orders, least recently checked first, grouped by account (most overdue first) with its ctx; orders without raw and request (user null = all users).';
revoke all on function trading.orders_to_sync(uuid, int, int) from public, anon, authenticated;
grant execute on function trading.orders_to_sync(uuid, int, int) to service_role;

create or replace function trading.accounts_to_stream(p_user_id uuid, p_limit int)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with unsettled as (
    select o.account_id, o.client_order_id, o.exchange_order_id, o.symbol, o.status,
           o.filled, o.created_at
    from public.orders o
    join public.exchange_accounts a on a.id = o.account_id
    where o.status in ('open', 'pending')
      and a.deleted_at is null
      and a.vault_secret_id is not null
      and (p_user_id is null or o.user_id = p_user_id)
  ),
  accounts as (
    select u.account_id,
           min(u.created_at) as oldest,
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'client_order_id', u.client_order_id,
             'exchange_order_id', u.exchange_order_id,
             'symbol', u.symbol,
             'status', u.status,
             'filled', u.filled) order by u.created_at) as orders
    from unsettled u
    group by u.account_id
    order by oldest
    limit greatest(coalesce(p_limit, 1000), 0)
  ),
  usable as (
    select a.oldest, trading._batch_ctx(a.account_id) as ctx, a.orders
    from accounts a
  )
  select coalesce(
    pg_catalog.jsonb_agg(u.ctx || pg_catalog.jsonb_build_object('orders', u.orders)
                         order by u.oldest)
      filter (where u.ctx is not null),
    '[]'::jsonb)
  from usable u
$$;
comment on function trading.accounts_to_stream(uuid, int) is
  'Accounts with open or pending orders, with their ctx and those orders, oldest first (user null = all users).';
revoke all on function trading.accounts_to_stream(uuid, int) from public, anon, authenticated;
grant execute on function trading.accounts_to_stream(uuid, int) to service_role;
