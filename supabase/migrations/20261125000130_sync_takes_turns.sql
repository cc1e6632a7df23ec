-- sync-orders takes turns: every open or pending order is checked in its turn.
--
-- orders_to_sync used to list the p_limit orders with the oldest updated_at. An open order
-- that nothing changes keeps its updated_at, so the same oldest orders filled every run's list
-- and, past p_limit open orders, newer ones were never looked at. Orders now carry the time
-- sync-orders last checked them (synced_at, set by trading.mark_synced once per run); the list
-- starts with those never checked, then those checked longest ago.

alter table public.orders add column synced_at timestamptz;
comment on column public.orders.synced_at is 'When sync-orders last compared this order with Binance.';

create or replace function trading.orders_to_sync(p_user_id uuid, p_min_age_seconds int, p_limit int)
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
    with candidates as (
      select o.*
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
      order by o.synced_at nulls first, o.created_at, o.id
      limit greatest(coalesce(p_limit, 100), 0)
    )
    select c.account_id,
           pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c) order by c.created_at, c.id) as orders
    from candidates c
    group by c.account_id
  loop
    begin
      v_result := v_result || pg_catalog.jsonb_build_array(
        trading._account_ctx((select a from public.exchange_accounts a where a.id = r.account_id))
          || pg_catalog.jsonb_build_object('orders', r.orders)
      );
    exception when raise_exception then
      -- CREDENTIALS_MISSING (secret gone): nothing to sync with.
      null;
    end;
  end loop;
  return v_result;
end
$$;
comment on function trading.orders_to_sync(uuid, int, int) is
  'Pending orders older than the age and open orders, least recently checked first, grouped by account with its ctx (user null = all users).';

-- Marks orders as checked by this sync-orders run.
create function trading.mark_synced(p_order_ids uuid[])
returns jsonb
language sql
security definer
set search_path = ''
as $$
  with marked as (
    update public.orders set synced_at = pg_catalog.now()
    where id = any(p_order_ids)
    returning 1
  )
  select pg_catalog.jsonb_build_object('marked', (select pg_catalog.count(*) from marked))
$$;
comment on function trading.mark_synced(uuid[]) is 'Records that sync-orders compared these orders with Binance now.';
revoke all on function trading.mark_synced(uuid[]) from public, anon, authenticated;
grant execute on function trading.mark_synced(uuid[]) to service_role;
