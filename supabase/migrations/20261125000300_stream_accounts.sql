-- Stream helpers: which accounts stream-fills follows, and whether anyone followed them.
--
-- trading.accounts_to_stream lists the exchange accounts that have `open` or `pending`
-- orders (those are the only accounts whose fills can still arrive), with the account ctx
-- (decrypted credentials) and those orders' ids, status and filled quantity: stream-fills
-- subscribes each account to Binance's user data stream and uses `filled` to tell an event
-- that follows what is recorded from one that skipped a fill. Accounts deleted or without a
-- Vault secret are left out. At most p_limit accounts (the ones with the oldest unsettled
-- orders first); user null = all users.
--
-- trading.stream_coverage records, per account, until when a stream run vouches that it is
-- subscribed (a short lease each run renews every few seconds while it is subscribed).
-- trading.stream_cover renews the lease of the given accounts and returns those whose lease
-- had lapsed, or never existed: no run was listening to them for a while, so the caller
-- must look their open orders up once (REST) for fills it never saw. A run that overlaps
-- the previous one finds the lease still running and costs Binance nothing more.

create table trading.stream_coverage (
  account_id uuid primary key references public.exchange_accounts (id) on delete cascade,
  covered_until timestamptz not null,
  updated_at timestamptz not null default pg_catalog.now()
);
comment on table trading.stream_coverage is
  'Until when a stream-fills run is subscribed to the account''s user data stream (renewed lease).';
revoke all on table trading.stream_coverage from public, anon, authenticated;

create function trading.accounts_to_stream(p_user_id uuid, p_limit int)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_result jsonb := '[]'::jsonb;
  r record;
begin
  for r in
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
      select u.account_id, min(u.created_at) as oldest
      from unsettled u
      group by u.account_id
      order by oldest
      limit greatest(coalesce(p_limit, 1000), 0)
    )
    select a.account_id,
           (select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                     'client_order_id', u.client_order_id,
                     'exchange_order_id', u.exchange_order_id,
                     'symbol', u.symbol,
                     'status', u.status,
                     'filled', u.filled) order by u.created_at)
            from unsettled u where u.account_id = a.account_id) as orders
    from accounts a
    order by a.oldest
  loop
    begin
      v_result := v_result || pg_catalog.jsonb_build_array(
        trading._account_ctx((select x from public.exchange_accounts x where x.id = r.account_id))
          || pg_catalog.jsonb_build_object('orders', r.orders)
      );
    exception when raise_exception then
      -- CREDENTIALS_MISSING (secret gone): nothing to subscribe with.
      null;
    end;
  end loop;
  return v_result;
end
$$;
comment on function trading.accounts_to_stream(uuid, int) is
  'Accounts with open or pending orders, with their ctx and those orders (user null = all users).';

create function trading.stream_cover(p_account_ids uuid[], p_until timestamptz)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_lapsed jsonb;
begin
  with previous as (
    select i.id, c.covered_until
    from pg_catalog.unnest(p_account_ids) as i(id)
    left join trading.stream_coverage c on c.account_id = i.id
  ),
  renewed as (
    insert into trading.stream_coverage as c (account_id, covered_until)
    select p.id, p_until from previous p
    join public.exchange_accounts a on a.id = p.id
    on conflict (account_id) do update
      set covered_until = greatest(c.covered_until, excluded.covered_until),
          updated_at = pg_catalog.now()
    returning c.account_id
  )
  select coalesce(pg_catalog.jsonb_agg(p.id), '[]'::jsonb) into v_lapsed
  from previous p
  where (p.covered_until is null or p.covered_until < pg_catalog.now())
    and exists (select from renewed r where r.account_id = p.id);
  return v_lapsed;
end
$$;
comment on function trading.stream_cover(uuid[], timestamptz) is
  'Renews the stream lease of the accounts until p_until; returns the ids whose lease had lapsed.';

revoke all on function
  trading.accounts_to_stream(uuid, int),
  trading.stream_cover(uuid[], timestamptz)
from public, anon, authenticated;
grant execute on function
  trading.accounts_to_stream(uuid, int),
  trading.stream_cover(uuid[], timestamptz)
to service_role;
