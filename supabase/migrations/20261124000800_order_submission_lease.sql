-- Order submission lease: which request may send a pending order to Binance.
--
-- begin_order records an order `pending` before it is sent. Without more, two requests with
-- the same client order id could both send it (the second seeing `pending` cannot tell "in
-- flight" from "abandoned by a crash"), and Binance accepts a reused client order id once the
-- first order is filled. So the request that creates the row holds a lease on it for
-- p_lease_seconds (longer than the exchange timeout plus Binance's recvWindow). Another
-- request with the same id while the lease runs is told the order is in flight
-- (claimed = false); after it, a request takes the lease over (claimed = true), must look the
-- order up on Binance first, and sends it only if Binance does not have it. sync-orders needs
-- no lease: recording what Binance has is idempotent, and it marks an order never received
-- only past an age that Binance's recvWindow makes safe.
--
-- This replaces begin_order (adding the lease, the position of an existing order and the
-- optional p_lease_seconds) and adds release_order.

alter table public.orders add column submit_lease_until timestamptz;
comment on column public.orders.submit_lease_until is
  'While in the future, one request holds the right to send this pending order to Binance.';

drop function trading.begin_order(uuid, text, text, jsonb);

create function trading.begin_order(
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

  if p_client_order_id is null or p_client_order_id !~ '^[.A-Z:/a-z0-9_-]{1,36}$' then
    raise exception 'VALIDATION_ERROR' using detail = 'client order id must match ^[.A-Z:/a-z0-9_-]{1,36}$';
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
comment on function trading.begin_order(uuid, text, text, jsonb, int) is
  'Records an order as pending under its client order id (idempotent), with a submission lease, and returns the account ctx with it.';
revoke all on function trading.begin_order(uuid, text, text, jsonb, int) from public, anon, authenticated;
grant execute on function trading.begin_order(uuid, text, text, jsonb, int) to service_role;

-- Forgets a pending order that certainly never reached Binance (the request was refused
-- before it was sent, or by a 429/418 or clock skew), so its client order id may be used again.
create function trading.release_order(p_account_id uuid, p_client_order_id text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_deleted int;
begin
  delete from public.orders o
  where o.account_id = p_account_id and o.client_order_id = p_client_order_id
    and o.status = 'pending' and o.exchange_order_id is null
    and not exists (select 1 from public.fills f where f.order_id = o.id);
  get diagnostics v_deleted = row_count;
  return pg_catalog.jsonb_build_object('released', v_deleted > 0);
end
$$;
comment on function trading.release_order(uuid, text) is
  'Deletes a pending order that never reached the exchange, so its client order id is free again.';
revoke all on function trading.release_order(uuid, text) from public, anon, authenticated;
grant execute on function trading.release_order(uuid, text) to service_role;
