-- An exchange order id seen again on another order of the same account never blocks recording.
--
-- Binance's order ids do not repeat for an account, but an environment's can start over: the
-- spot testnet is reset from time to time, and a local simulator restarted on the same
-- database numbers its orders from 1 again. Before this, the new order's id collided with the
-- old row's (orders_account_exchange_order_key): record_order failed, the order stayed
-- `pending` for good, and every sync-orders run reported it failed. Now the older row gives
-- the id up (it keeps its status, fills and position; its error says why the id is gone), an
-- alert row is written for operators, and a WARNING reaches the functions' log.

create table trading.alerts (
  id bigint generated always as identity primary key,
  kind text not null,
  account_id uuid,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default pg_catalog.now()
);
comment on table trading.alerts is
  'Things an operator should look at that the product handled on its own (e.g. an exchange order id reused).';
revoke all on table trading.alerts from public, anon, authenticated;

create function trading._release_reused_exchange_order_id()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old uuid;
begin
  update public.orders o
  set exchange_order_id = null,
      error = coalesce(o.error, '{}'::jsonb) || pg_catalog.jsonb_build_object(
        'code', 'EXCHANGE_ORDER_ID_REUSED',
        'exchange_order_id', new.exchange_order_id,
        'reused_by', new.id,
        'at', pg_catalog.now()),
      updated_at = pg_catalog.now()
  where o.account_id = new.account_id and o.symbol = new.symbol
    and o.exchange_order_id = new.exchange_order_id and o.id <> new.id
  returning o.id into v_old;
  if v_old is not null then
    insert into trading.alerts (kind, account_id, details)
    values ('exchange_order_id_reused', new.account_id, pg_catalog.jsonb_build_object(
      'exchange_order_id', new.exchange_order_id, 'symbol', new.symbol,
      'old_order', v_old, 'new_order', new.id));
    raise warning 'exchange_order_id_reused: account % symbol % id % (old order %, new order %)',
      new.account_id, new.symbol, new.exchange_order_id, v_old, new.id;
  end if;
  return new;
end
$$;
revoke all on function trading._release_reused_exchange_order_id() from public, anon, authenticated;

create trigger orders_release_reused_exchange_order_id_on_insert
  before insert on public.orders
  for each row
  when (new.exchange_order_id is not null)
  execute function trading._release_reused_exchange_order_id();
create trigger orders_release_reused_exchange_order_id_on_update
  before update of exchange_order_id on public.orders
  for each row
  when (new.exchange_order_id is not null
        and old.exchange_order_id is distinct from new.exchange_order_id)
  execute function trading._release_reused_exchange_order_id();
