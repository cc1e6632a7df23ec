-- Order lifecycle and position math: begin_order, record_order, reject_order, find_order.
--
-- Each is one round trip and one transaction for the Edge Functions (service_role only).
--
-- Position math (trading._apply_fill), applied once per fill, when the fill row is first
-- inserted (fills are unique per account, symbol and exchange trade id, so a fill seen again
-- from create, fetch or sync moves nothing):
-- * buy: opens the account's position in the symbol if none is open (a closed one is never
--   reopened); quantity += amount; entry_price re-averaged over the quantity held and the new
--   amount at the fill price.
-- * sell: realized_pnl += (price - entry_price) * matched amount, where matched is the part of
--   the sell the open quantity covers; quantity -= matched. A sell with no open position (or
--   the part beyond the quantity held) is stored with unmatched_amount > 0 (without_position
--   flag) and moves nothing. When the quantity left is at or below p_amount_step (the
--   market's lot step: dust), the position is closed at the fill's time; the next buy opens a
--   new position.
-- * fees, on buys and sells alike (decision): every fee is a realized cost. A fee in the quote
--   asset is added to fees_quote and subtracted from realized_pnl. A fee in the base asset
--   reduces the quantity held (Binance takes it from the bought coins), is added to fees_base,
--   and its value at the fill price is added to fees_quote and subtracted from realized_pnl,
--   so entry_price stays the plain average trade price. Fees in other assets (BNB) are summed
--   in fees_other and do not touch realized_pnl.
--
-- ccxt numbers may arrive as JSON numbers, strings or null: trading._num reads them all.

-- A ccxt number (json number, numeric string, or null/'') as numeric.
create function trading._num(v jsonb)
returns numeric
language sql
immutable
security definer
set search_path = ''
as $$
  select case pg_catalog.jsonb_typeof(v)
    when 'number' then (v #>> '{}')::numeric
    when 'string' then nullif(pg_catalog.btrim(v #>> '{}'), '')::numeric
    else null
  end
$$;

-- A ccxt timestamp (ms since the epoch, number or string) as timestamptz.
create function trading._ms(v jsonb)
returns timestamptz
language sql
immutable
security definer
set search_path = ''
as $$
  select pg_catalog.to_timestamp(trading._num(v) / 1000.0)
$$;

-- Applies one newly inserted fill to its position (see the header). Returns the position id
-- the fill moved, or null (a sell without an open position).
create function trading._apply_fill(p_fill_id uuid, p_amount_step numeric)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  f public.fills;
  p public.positions;
  v_base text;
  v_quote text;
  v_step numeric := greatest(coalesce(p_amount_step, 0), 0);
  v_fee numeric;
  v_fee_base numeric := 0;
  v_fee_quote numeric := 0;
  v_fee_value numeric;
  v_other jsonb := '{}'::jsonb;
  v_qty numeric;
  v_matched numeric;
begin
  select * into strict f from public.fills where id = p_fill_id;
  v_base := pg_catalog.split_part(f.symbol, '/', 1);
  v_quote := pg_catalog.split_part(pg_catalog.split_part(f.symbol, '/', 2), ':', 1);

  v_fee := coalesce(f.fee_cost, 0);
  if v_fee <> 0 then
    if f.fee_currency = v_base then
      v_fee_base := v_fee;
    elsif f.fee_currency = v_quote or f.fee_currency is null then
      v_fee_quote := v_fee;
    else
      v_other := pg_catalog.jsonb_build_object(f.fee_currency, v_fee);
    end if;
  end if;
  v_fee_value := v_fee_quote + v_fee_base * f.price;

  select * into p
  from public.positions
  where account_id = f.account_id and symbol = f.symbol and status = 'open'
  for update;

  if f.side = 'buy' then
    if not found then
      insert into public.positions (account_id, user_id, symbol, base_asset, quote_asset, opened_at)
      values (f.account_id, f.user_id, f.symbol, v_base, v_quote, f.executed_at)
      on conflict (account_id, symbol) where status = 'open' do nothing;
      select * into strict p
      from public.positions
      where account_id = f.account_id and symbol = f.symbol and status = 'open'
      for update;
    end if;
    v_qty := p.quantity + f.amount;
    update public.positions
    set entry_price = case when v_qty > 0 then pg_catalog.trim_scale(pg_catalog.round(
                             (p.quantity * coalesce(p.entry_price, 0) + f.amount * f.price) / v_qty, 18))
                           else p.entry_price end,
        quantity = pg_catalog.trim_scale(greatest(v_qty - v_fee_base, 0)),
        realized_pnl = pg_catalog.trim_scale(p.realized_pnl - v_fee_value),
        fees_quote = pg_catalog.trim_scale(p.fees_quote + v_fee_value),
        fees_base = p.fees_base + v_fee_base,
        fees_other = trading._add_fees(p.fees_other, v_other),
        updated_at = pg_catalog.now()
    where id = p.id;
    update public.fills set position_id = p.id where id = f.id;
    return p.id;
  end if;

  -- sell
  if not found then
    update public.fills set unmatched_amount = f.amount where id = f.id;
    return null;
  end if;
  v_matched := least(f.amount, p.quantity);
  v_qty := greatest(p.quantity - v_matched - v_fee_base, 0);
  update public.positions
  set quantity = pg_catalog.trim_scale(v_qty),
      realized_pnl = pg_catalog.trim_scale(
        p.realized_pnl + (f.price - coalesce(p.entry_price, f.price)) * v_matched - v_fee_value),
      fees_quote = pg_catalog.trim_scale(p.fees_quote + v_fee_value),
      fees_base = p.fees_base + v_fee_base,
      fees_other = trading._add_fees(p.fees_other, v_other),
      status = case when v_qty <= v_step then 'closed' else 'open' end,
      closed_at = case when v_qty <= v_step then f.executed_at end,
      updated_at = pg_catalog.now()
  where id = p.id;
  update public.fills
  set position_id = p.id, unmatched_amount = f.amount - v_matched
  where id = f.id;
  return p.id;
end
$$;

-- Sums fee maps {"ASSET": amount}. Amounts are kept as json strings (exact decimals).
create function trading._add_fees(p_a jsonb, p_b jsonb)
returns jsonb
language sql
immutable
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(k, (s)::text), '{}'::jsonb)
  from (
    select e.key as k, sum(trading._num(e.value)) as s
    from (
      select * from pg_catalog.jsonb_each(coalesce(p_a, '{}'::jsonb))
      union all
      select * from pg_catalog.jsonb_each(coalesce(p_b, '{}'::jsonb))
    ) e
    group by e.key
  ) t
$$;

-- Inserts a pending order under its client order id, or returns the existing one, plus the
-- account ctx. matches = the stored request equals p_request (false: IDEMPOTENCY_CONFLICT).
-- Request keys read: symbol, side, type, amount, price, quote_amount (or quoteAmount or
-- cost), time_in_force (or timeInForce).
create function trading.begin_order(
  p_user_id uuid,
  p_label text,
  p_client_order_id text,
  p_request jsonb
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
    price, amount, quote_amount, request
  )
  values (
    a.id, a.user_id, p_client_order_id, v_symbol, v_side, v_type,
    coalesce(p_request ->> 'time_in_force', p_request ->> 'timeInForce'),
    trading._num(p_request -> 'price'),
    trading._num(p_request -> 'amount'),
    coalesce(trading._num(p_request -> 'quote_amount'), trading._num(p_request -> 'quoteAmount'),
             trading._num(p_request -> 'cost')),
    p_request
  )
  on conflict (account_id, client_order_id) do nothing
  returning * into o;
  v_created := found;

  if not v_created then
    select * into strict o
    from public.orders
    where account_id = a.id and client_order_id = p_client_order_id;
  end if;

  return v_ctx || pg_catalog.jsonb_build_object(
    'order', pg_catalog.to_jsonb(o),
    'created', v_created,
    'matches', coalesce(o.request = p_request, false)
  );
end
$$;
comment on function trading.begin_order(uuid, text, text, jsonb) is
  'Records an order as pending under its client order id (idempotent) and returns the account ctx with it.';

-- Stores a ccxt unified order and its trades; applies each new fill to its position once.
create function trading.record_order(
  p_account_id uuid,
  p_order jsonb,
  p_trades jsonb,
  p_amount_step numeric
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  a public.exchange_accounts;
  o public.orders;
  v_client text := nullif(p_order ->> 'clientOrderId', '');
  v_exid text := nullif(p_order ->> 'id', '');
  v_status text;
  v_ts timestamptz;
  v_filled numeric;
  v_grows boolean;
  v_trades jsonb;
  t jsonb;
  v_tid text;
  v_amount numeric;
  v_price numeric;
  v_order_id uuid;
  v_fill public.fills;
  v_pos uuid;
  v_position jsonb;
  v_recorded int := 0;
begin
  select * into a from public.exchange_accounts where id = p_account_id;
  if not found then
    raise exception 'CREDENTIALS_MISSING' using detail = 'no such exchange account';
  end if;
  if p_order is null or pg_catalog.jsonb_typeof(p_order) = 'null' then
    -- Fills alone (fetch-my-trades): each is linked to its order when that order is known.
    p_order := null;
  elsif pg_catalog.jsonb_typeof(p_order) <> 'object' or (v_client is null and v_exid is null) then
    raise exception 'VALIDATION_ERROR' using detail = 'order needs id or clientOrderId';
  end if;

  if p_order is not null then
  if v_client is not null then
    select * into o from public.orders
    where account_id = a.id and client_order_id = v_client
    for update;
  end if;
  if o.id is null and v_exid is not null then
    select * into o from public.orders
    where account_id = a.id and exchange_order_id = v_exid
      and (p_order ->> 'symbol' is null or symbol = p_order ->> 'symbol')
    order by created_at
    limit 1
    for update;
  end if;
  if o.id is null then
    -- An order we did not begin (placed elsewhere, or found by sync): record it.
    if p_order ->> 'symbol' is null or pg_catalog.lower(p_order ->> 'side') not in ('buy', 'sell') then
      raise exception 'VALIDATION_ERROR' using detail = 'a new order needs symbol and side';
    end if;
    insert into public.orders (account_id, user_id, client_order_id, exchange_order_id, symbol, side, type)
    values (a.id, a.user_id, coalesce(v_client, v_exid), v_exid, p_order ->> 'symbol',
            pg_catalog.lower(p_order ->> 'side'), coalesce(pg_catalog.lower(p_order ->> 'type'), 'unknown'))
    on conflict (account_id, client_order_id) do nothing;
    select * into strict o from public.orders
    where account_id = a.id and client_order_id = coalesce(v_client, v_exid)
    for update;
  end if;

  v_status := case when p_order ->> 'status' in ('open', 'closed', 'canceled', 'expired', 'rejected')
                   then p_order ->> 'status' end;
  v_ts := greatest(trading._ms(p_order -> 'lastUpdateTimestamp'),
                   trading._ms(p_order -> 'lastTradeTimestamp'),
                   trading._ms(p_order -> 'timestamp'));
  v_filled := trading._num(p_order -> 'filled');

  -- Stale-update guard: an answer older than the stored one changes nothing on the order.
  if not (o.exchange_updated_at is not null and v_ts is not null and v_ts < o.exchange_updated_at) then
    v_grows := v_filled is null or v_filled >= o.filled;
    update public.orders
    set exchange_order_id = coalesce(o.exchange_order_id, v_exid),
        status = case
          when v_status is null then o.status
          when o.status in ('closed', 'canceled', 'rejected', 'expired') then o.status
          else v_status
        end,
        type = case when o.type = 'unknown' then coalesce(pg_catalog.lower(p_order ->> 'type'), o.type) else o.type end,
        time_in_force = coalesce(p_order ->> 'timeInForce', o.time_in_force),
        price = coalesce(o.price, trading._num(p_order -> 'price')),
        amount = coalesce(trading._num(p_order -> 'amount'), o.amount),
        filled = greatest(o.filled, coalesce(v_filled, o.filled)),
        remaining = case when v_grows then coalesce(trading._num(p_order -> 'remaining'), o.remaining) else o.remaining end,
        average = case when v_grows then coalesce(trading._num(p_order -> 'average'), o.average) else o.average end,
        cost = case when v_grows then coalesce(trading._num(p_order -> 'cost'), o.cost) else o.cost end,
        fee_cost = case when v_grows then coalesce(trading._num(p_order -> 'fee' -> 'cost'), o.fee_cost) else o.fee_cost end,
        fee_currency = case when v_grows then coalesce(p_order -> 'fee' ->> 'currency', o.fee_currency) else o.fee_currency end,
        raw = case when v_grows then p_order else o.raw end,
        exchange_created_at = coalesce(o.exchange_created_at, trading._ms(p_order -> 'timestamp')),
        exchange_updated_at = greatest(o.exchange_updated_at, v_ts),
        updated_at = pg_catalog.now()
    where id = o.id
    returning * into o;
  end if;
  end if;

  -- Fills: the trades given plus those embedded in the order (Binance FULL answer), each
  -- inserted once; only a newly inserted fill moves its position.
  v_trades := (case when pg_catalog.jsonb_typeof(p_trades) = 'array' then p_trades else '[]'::jsonb end)
           || (case when pg_catalog.jsonb_typeof(p_order -> 'trades') = 'array' then p_order -> 'trades' else '[]'::jsonb end);
  for t in
    select e.value
    from pg_catalog.jsonb_array_elements(v_trades) with ordinality as e(value, n)
    order by trading._num(e.value -> 'timestamp') nulls last, e.n
  loop
    v_tid := nullif(t ->> 'id', '');
    v_amount := trading._num(t -> 'amount');
    v_price := coalesce(trading._num(t -> 'price'),
                        trading._num(t -> 'cost') / nullif(v_amount, 0));
    continue when v_tid is null or v_amount is null or v_amount <= 0 or v_price is null;

    v_order_id := null;
    if o.id is not null and (t ->> 'order' is null or t ->> 'order' = o.exchange_order_id) then
      v_order_id := o.id;
    elsif t ->> 'order' is not null then
      select x.id into v_order_id from public.orders x
      where x.account_id = a.id and x.exchange_order_id = t ->> 'order'
      order by x.created_at limit 1;
    end if;

    insert into public.fills (
      account_id, user_id, order_id, symbol, side, exchange_trade_id, exchange_order_id,
      price, amount, cost, fee_cost, fee_currency, taker_or_maker, executed_at, raw
    )
    values (
      a.id, a.user_id, v_order_id, coalesce(t ->> 'symbol', o.symbol),
      coalesce(pg_catalog.lower(t ->> 'side'), o.side), v_tid,
      coalesce(t ->> 'order', o.exchange_order_id),
      v_price, v_amount, coalesce(trading._num(t -> 'cost'), v_price * v_amount),
      trading._num(t -> 'fee' -> 'cost'), t -> 'fee' ->> 'currency',
      case when t ->> 'takerOrMaker' in ('taker', 'maker') then t ->> 'takerOrMaker' end,
      coalesce(trading._ms(t -> 'timestamp'), o.exchange_created_at, pg_catalog.now()),
      t
    )
    on conflict (account_id, symbol, exchange_trade_id) do nothing
    returning * into v_fill;

    if found then
      v_recorded := v_recorded + 1;
      v_pos := trading._apply_fill(v_fill.id, p_amount_step);
      if v_pos is not null and v_fill.order_id is not null then
        update public.orders set position_id = v_pos
        where id = v_fill.order_id and position_id is null;
      end if;
    end if;
  end loop;

  if o.id is null then
    return pg_catalog.jsonb_build_object('order', null, 'position', null, 'fills_recorded', v_recorded);
  end if;
  select * into strict o from public.orders where id = o.id;
  if o.position_id is not null then
    select pg_catalog.to_jsonb(p) into v_position from public.positions p where p.id = o.position_id;
  end if;
  return pg_catalog.jsonb_build_object('order', pg_catalog.to_jsonb(o), 'position', v_position,
                                       'fills_recorded', v_recorded);
end
$$;
comment on function trading.record_order(uuid, jsonb, jsonb, numeric) is
  'Stores a ccxt unified order (stale answers ignored, final states kept) and its trades; each new fill moves the position once.';

-- Marks a pending order rejected with the error; an order past pending is returned unchanged.
create function trading.reject_order(p_account_id uuid, p_client_order_id text, p_error jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  o public.orders;
begin
  update public.orders
  set status = 'rejected', error = p_error, updated_at = pg_catalog.now()
  where account_id = p_account_id and client_order_id = p_client_order_id and status = 'pending'
  returning * into o;
  if not found then
    select * into o from public.orders
    where account_id = p_account_id and client_order_id = p_client_order_id;
    if not found then
      raise exception 'ORDER_NOT_FOUND';
    end if;
  end if;
  return pg_catalog.to_jsonb(o);
end
$$;
comment on function trading.reject_order(uuid, text, jsonb) is
  'Marks a pending order rejected with its error; returns the order row.';

-- account ctx + {order}: the order by client order id (preferred) or exchange order id.
create function trading.find_order(
  p_user_id uuid,
  p_label text,
  p_exchange_order_id text,
  p_client_order_id text
)
returns jsonb
language plpgsql
stable
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
comment on function trading.find_order(uuid, text, text, text) is
  'Account ctx and the stored order (by client order id, else exchange order id), or order null.';

revoke all on function
  trading._num(jsonb),
  trading._ms(jsonb),
  trading._apply_fill(uuid, numeric),
  trading._add_fees(jsonb, jsonb),
  trading.begin_order(uuid, text, text, jsonb),
  trading.record_order(uuid, jsonb, jsonb, numeric),
  trading.reject_order(uuid, text, jsonb),
  trading.find_order(uuid, text, text, text)
from public, anon, authenticated;
grant execute on function
  trading.begin_order(uuid, text, text, jsonb),
  trading.record_order(uuid, jsonb, jsonb, numeric),
  trading.reject_order(uuid, text, jsonb),
  trading.find_order(uuid, text, text, text)
to service_role;
