-- Sync helpers: what sync-orders must settle.
--
-- trading.orders_to_sync lists, grouped by exchange account with the account ctx (decrypted
-- credentials and back-off), the orders whose exchange state may have moved: `pending`
-- orders older than p_min_age_seconds (a crash or ambiguous failure left them; younger ones
-- are still in flight) and every `open` order. Oldest first, at most p_limit orders in all.
-- Accounts that were deleted or lost their Vault secret are skipped (they cannot be synced).

create function trading.orders_to_sync(p_user_id uuid, p_min_age_seconds int, p_limit int)
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
      order by o.updated_at, o.created_at, o.id
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
  'Pending orders older than the age and open orders, grouped by account with its ctx (user null = all users).';

revoke all on function trading.orders_to_sync(uuid, int, int) from public, anon, authenticated;
grant execute on function trading.orders_to_sync(uuid, int, int) to service_role;
