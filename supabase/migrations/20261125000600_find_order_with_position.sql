-- find_order also returns the stored order's position, so fetch-order can answer a finished
-- order that Binance reports unchanged without a second round trip (record_order would write
-- nothing that matters: docs/DECISIONS.md, "fetch-order of a finished order"). The order comes
-- without `raw` and `request`, which only the database keeps: the functions never read them,
-- and they were about half of the answer's bytes. Same signature and grants.
create or replace function trading.find_order(
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
  v_position jsonb;
begin
  a := trading._find_account(p_user_id, p_label);
  v_ctx := trading._account_ctx(a);
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
comment on function trading.find_order(uuid, text, text, text, int, boolean) is
  'Account ctx, the stored order (by client order id, else exchange order id) and its position, taking p_weight from the budgets (priority by default).';
