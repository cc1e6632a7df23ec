-- record_order writes each row once (issue #13: Postgres CPU per order, measured with
-- bench/sql_calls.ts).
--
-- Before, a market order filled by one trade wrote five row versions: the order (answer), the
-- fill (insert), the position, the fill again (its position_id, by _apply_fill, which first
-- read the fill back), and the order again (its position_id), then read the order a third
-- time for the answer. Each extra version also wrote every index whose column changed.
--
-- Now a fill's position is locked (or, for a buy, opened) before the fill is inserted, so the
-- fill is written once with its position_id and unmatched_amount; the order's answer and its
-- position_id are written by one UPDATE after the fills, whose RETURNING is the answer.
--
-- What each fill does is unchanged:
-- - A fill already recorded (account, symbol, trade id) changes nothing. It is now recognised
--   before a position is opened or locked, so a replayed buy never opens an empty position.
-- - Two calls recording the same new fill at once: both lock the open position (or wait on the
--   insert of a new one), the first inserts the fill and moves the position, the second finds
--   the fill taken (ON CONFLICT) and moves nothing. Each fill moves its position once.
-- - Position arithmetic (entry price, fees in base, quote or other assets, realized PnL,
--   dust closing at the LOT_SIZE step, sells without a position) is _apply_fill's, verbatim.
-- - The stale-answer guard and the final-status rules for the order are as before; an order's
--   position is the first one its fills moved.
-- trading._apply_fill is dropped: record_order was its only caller.
--
-- The order record_order returns no longer carries `raw` (the exchange's answer) and `request`
-- (the caller's request): the functions never read them, and they were about half of each
-- answer's bytes, sent and parsed on every order (find_order does the same since
-- 20261125000600). Both stay in public.orders.

create or replace function trading.record_order(
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
  p public.positions;
  v_client text := nullif(p_order ->> 'clientOrderId', '');
  v_exid text := nullif(p_order ->> 'id', '');
  v_status text;
  v_ts timestamptz;
  v_filled numeric;
  v_grows boolean;
  v_stale boolean := false;
  -- The order's exchange id and creation time once this answer is recorded.
  v_order_exid text;
  v_order_created timestamptz;
  -- The position the order's own new fills moved first.
  v_order_pos uuid;
  v_trades jsonb;
  t jsonb;
  v_tid text;
  v_amount numeric;
  v_price numeric;
  v_order_id uuid;
  v_symbol text;
  v_side text;
  v_fee_cost numeric;
  v_fee_currency text;
  v_executed timestamptz;
  v_fill_id uuid;
  v_base text;
  v_quote text;
  v_step numeric := greatest(coalesce(p_amount_step, 0), 0);
  v_fee numeric;
  v_fee_base numeric;
  v_fee_quote numeric;
  v_fee_value numeric;
  v_other jsonb;
  v_qty numeric;
  v_matched numeric;
  v_unmatched numeric;
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
    v_stale := o.exchange_updated_at is not null and v_ts is not null and v_ts < o.exchange_updated_at;
    v_order_exid := case when v_stale then o.exchange_order_id
                         else coalesce(o.exchange_order_id, v_exid) end;
    v_order_created := case when v_stale then o.exchange_created_at
                            else coalesce(o.exchange_created_at, trading._ms(p_order -> 'timestamp')) end;
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
    if o.id is not null and (t ->> 'order' is null or t ->> 'order' = v_order_exid) then
      v_order_id := o.id;
    elsif t ->> 'order' is not null then
      select x.id into v_order_id from public.orders x
      where x.account_id = a.id and x.exchange_order_id = t ->> 'order'
      order by x.created_at limit 1;
    end if;
    v_symbol := coalesce(t ->> 'symbol', o.symbol);
    v_side := coalesce(pg_catalog.lower(t ->> 'side'), o.side);

    -- A fill recorded before changes nothing, and opens or locks no position.
    continue when exists (
      select from public.fills f
      where f.account_id = a.id and f.symbol = v_symbol and f.exchange_trade_id = v_tid
    );

    v_fee_cost := trading._num(t -> 'fee' -> 'cost');
    v_fee_currency := t -> 'fee' ->> 'currency';
    v_executed := coalesce(trading._ms(t -> 'timestamp'), v_order_created, pg_catalog.now());
    v_base := pg_catalog.split_part(v_symbol, '/', 1);
    v_quote := pg_catalog.split_part(pg_catalog.split_part(v_symbol, '/', 2), ':', 1);

    -- The position this fill moves, locked; a buy opens one when none is open.
    p := null;
    select * into p
    from public.positions
    where account_id = a.id and symbol = v_symbol and status = 'open'
    for update;
    if p.id is null and v_side = 'buy' then
      insert into public.positions (account_id, user_id, symbol, base_asset, quote_asset, opened_at)
      values (a.id, a.user_id, v_symbol, v_base, v_quote, v_executed)
      on conflict (account_id, symbol) where status = 'open' do nothing;
      select * into strict p
      from public.positions
      where account_id = a.id and symbol = v_symbol and status = 'open'
      for update;
    end if;

    v_matched := null;
    if v_side = 'buy' then
      v_unmatched := 0;
    elsif p.id is null then
      -- A sell without an open position: recorded, moving nothing.
      v_unmatched := v_amount;
    else
      v_matched := least(v_amount, p.quantity);
      v_unmatched := v_amount - v_matched;
    end if;

    v_fill_id := null;
    insert into public.fills (
      account_id, user_id, order_id, position_id, symbol, side, exchange_trade_id,
      exchange_order_id, price, amount, cost, fee_cost, fee_currency, taker_or_maker,
      executed_at, unmatched_amount, raw
    )
    values (
      a.id, a.user_id, v_order_id, p.id, v_symbol, v_side, v_tid,
      coalesce(t ->> 'order', v_order_exid),
      v_price, v_amount, coalesce(trading._num(t -> 'cost'), v_price * v_amount),
      v_fee_cost, v_fee_currency,
      case when t ->> 'takerOrMaker' in ('taker', 'maker') then t ->> 'takerOrMaker' end,
      v_executed, v_unmatched, t
    )
    on conflict (account_id, symbol, exchange_trade_id) do nothing
    returning id into v_fill_id;
    -- Taken by a concurrent call since the check above: that call moved the position.
    continue when v_fill_id is null;
    v_recorded := v_recorded + 1;
    continue when p.id is null;

    v_fee := coalesce(v_fee_cost, 0);
    v_fee_base := 0;
    v_fee_quote := 0;
    v_other := '{}'::jsonb;
    if v_fee <> 0 then
      if v_fee_currency = v_base then
        v_fee_base := v_fee;
      elsif v_fee_currency = v_quote or v_fee_currency is null then
        v_fee_quote := v_fee;
      else
        v_other := pg_catalog.jsonb_build_object(v_fee_currency, v_fee);
      end if;
    end if;
    v_fee_value := v_fee_quote + v_fee_base * v_price;

    if v_side = 'buy' then
      v_qty := p.quantity + v_amount;
      update public.positions
      set entry_price = case when v_qty > 0 then pg_catalog.trim_scale(pg_catalog.round(
                               (p.quantity * coalesce(p.entry_price, 0) + v_amount * v_price) / v_qty, 18))
                             else p.entry_price end,
          quantity = pg_catalog.trim_scale(greatest(v_qty - v_fee_base, 0)),
          realized_pnl = pg_catalog.trim_scale(p.realized_pnl - v_fee_value),
          fees_quote = pg_catalog.trim_scale(p.fees_quote + v_fee_value),
          fees_base = p.fees_base + v_fee_base,
          fees_other = trading._add_fees(p.fees_other, v_other),
          updated_at = pg_catalog.now()
      where id = p.id;
    else
      v_qty := greatest(p.quantity - v_matched - v_fee_base, 0);
      update public.positions
      set quantity = pg_catalog.trim_scale(v_qty),
          realized_pnl = pg_catalog.trim_scale(
            p.realized_pnl + (v_price - coalesce(p.entry_price, v_price)) * v_matched - v_fee_value),
          fees_quote = pg_catalog.trim_scale(p.fees_quote + v_fee_value),
          fees_base = p.fees_base + v_fee_base,
          fees_other = trading._add_fees(p.fees_other, v_other),
          status = case when v_qty <= v_step then 'closed' else 'open' end,
          closed_at = case when v_qty <= v_step then v_executed end,
          updated_at = pg_catalog.now()
      where id = p.id;
    end if;

    if v_order_id is not null then
      if v_order_id = o.id then
        v_order_pos := coalesce(v_order_pos, p.id);
      else
        -- A fill of another order (fetch-my-trades): that order's first position.
        update public.orders set position_id = p.id
        where id = v_order_id and position_id is null;
      end if;
    end if;
  end loop;

  if o.id is null then
    return pg_catalog.jsonb_build_object('order', null, 'position', null, 'fills_recorded', v_recorded);
  end if;

  if not v_stale then
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
        position_id = coalesce(o.position_id, v_order_pos),
        updated_at = pg_catalog.now()
    where id = o.id
    returning * into o;
  elsif v_order_pos is not null and o.position_id is null then
    update public.orders set position_id = v_order_pos where id = o.id
    returning * into o;
  end if;

  if o.position_id is not null then
    select pg_catalog.to_jsonb(x) into v_position from public.positions x where x.id = o.position_id;
  end if;
  -- The order as the functions read it: without the stored exchange answer and request, which
  -- only the database keeps (half the answer's bytes to send and parse on every order).
  return pg_catalog.jsonb_build_object('order', pg_catalog.to_jsonb(o) - 'raw' - 'request',
                                       'position', v_position, 'fills_recorded', v_recorded);
end
$$;
comment on function trading.record_order(uuid, jsonb, jsonb, numeric) is
  'Stores a ccxt unified order (stale answers ignored, final states kept) and its trades; each new fill moves the position once. Each row is written once per call.';
revoke all on function trading.record_order(uuid, jsonb, jsonb, numeric) from public, anon, authenticated;
grant execute on function trading.record_order(uuid, jsonb, jsonb, numeric) to service_role;

drop function trading._apply_fill(uuid, numeric);
