-- Orders, fills and positions: the trading history of an exchange account.
--
-- orders: every order placed through the API (or discovered on the exchange), keyed by
--   (account, client order id) for idempotency; status pending -> open -> final.
-- fills: one row per exchange trade, unique per (account, symbol, exchange trade id); each
--   fill moves its position exactly once, when it is first inserted.
-- positions: per account and symbol, open then closed; at most one open per symbol.
-- user_id is denormalised on every table so RLS is a plain `user_id = auth.uid()`.
-- Users read their own rows; only the trading.* definer functions write.

create table public.positions (
  id uuid primary key default pg_catalog.gen_random_uuid(),
  account_id uuid not null references public.exchange_accounts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  symbol text not null,
  base_asset text not null,
  quote_asset text not null,
  status text not null default 'open' check (status in ('open', 'closed')),
  quantity numeric not null default 0,
  entry_price numeric,
  realized_pnl numeric not null default 0,
  fees_quote numeric not null default 0,
  fees_base numeric not null default 0,
  fees_other jsonb not null default '{}'::jsonb,
  opened_at timestamptz not null,
  closed_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  check ((status = 'closed') = (closed_at is not null))
);
comment on table public.positions is
  'Spot position of an account in a symbol, built from its fills: open, then closed once the quantity falls to dust.';
comment on column public.positions.symbol is 'ccxt unified symbol, e.g. BTC/USDT.';
comment on column public.positions.quantity is
  'Base asset held (bought minus sold minus base-asset fees). On a closed position: the dust left, if any.';
comment on column public.positions.entry_price is
  'Average entry price in quote: the amount-weighted average price of the buys while open (sells leave it unchanged).';
comment on column public.positions.realized_pnl is
  'Realized profit in quote: sum over sells of (price - entry_price) * amount, minus every fee of the position valued in quote.';
comment on column public.positions.fees_quote is
  'All fees of the position valued in quote: quote-asset fees as charged, base-asset fees at the fill price.';
comment on column public.positions.fees_base is 'Fees charged in the base asset (also included in fees_quote at the fill price).';
comment on column public.positions.fees_other is
  'Fees charged in other assets (e.g. BNB) as {"ASSET": "amount"}; not part of realized_pnl.';
comment on column public.positions.opened_at is 'Time of the first fill.';
comment on column public.positions.closed_at is 'Time of the fill that brought the quantity to dust.';

create unique index positions_one_open_per_symbol
  on public.positions (account_id, symbol) where status = 'open';
create index positions_user_idx on public.positions (user_id, opened_at desc);

create table public.orders (
  id uuid primary key default pg_catalog.gen_random_uuid(),
  account_id uuid not null references public.exchange_accounts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  client_order_id text not null,
  exchange_order_id text,
  symbol text not null,
  side text not null check (side in ('buy', 'sell')),
  type text not null,
  time_in_force text,
  price numeric,
  amount numeric,
  quote_amount numeric,
  filled numeric not null default 0,
  remaining numeric,
  average numeric,
  cost numeric,
  fee_cost numeric,
  fee_currency text,
  status text not null default 'pending'
    check (status in ('pending', 'open', 'closed', 'canceled', 'rejected', 'expired')),
  error jsonb,
  request jsonb,
  raw jsonb,
  position_id uuid references public.positions (id) on delete set null,
  exchange_created_at timestamptz,
  exchange_updated_at timestamptz,
  created_at timestamptz not null default pg_catalog.now(),
  updated_at timestamptz not null default pg_catalog.now(),
  unique (account_id, client_order_id)
);
comment on table public.orders is
  'Every order of an exchange account, keyed by client order id (idempotency); the last exchange answer is kept in raw.';
comment on column public.orders.client_order_id is
  'Binance newClientOrderId: from the caller''s idempotency key, or generated. Unique per account.';
comment on column public.orders.exchange_order_id is 'Binance orderId (ccxt order.id); null while pending.';
comment on column public.orders.symbol is 'ccxt unified symbol, e.g. BTC/USDT.';
comment on column public.orders.type is 'ccxt order type: market, limit, ...';
comment on column public.orders.time_in_force is 'GTC, IOC, FOK or PO (ccxt timeInForce).';
comment on column public.orders.amount is 'Ordered base amount; null for a market buy by quote amount until the exchange answers.';
comment on column public.orders.quote_amount is 'Quote amount to spend (market buy by cost, Binance quoteOrderQty), from the request.';
comment on column public.orders.filled is 'Executed base amount; only ever grows.';
comment on column public.orders.average is 'Average fill price.';
comment on column public.orders.cost is 'Executed quote amount (filled * average).';
comment on column public.orders.status is
  'pending (recorded, exchange answer not yet stored), open, closed (fully filled), canceled, rejected, expired. Final states never go back.';
comment on column public.orders.error is 'Why the order was rejected: {code, message, ...} of the API error set.';
comment on column public.orders.request is
  'The create request as received (idempotency: the same client order id with a different request is a conflict); null for orders discovered on the exchange.';
comment on column public.orders.raw is 'The last ccxt unified order stored (with info: the raw Binance answer).';
comment on column public.orders.position_id is 'The position the order''s first fill moved.';
comment on column public.orders.exchange_created_at is 'Exchange time of the order (ccxt timestamp).';
comment on column public.orders.exchange_updated_at is
  'Latest exchange update time seen (lastUpdateTimestamp / lastTradeTimestamp / timestamp); older answers are ignored.';

create unique index orders_account_exchange_order_key
  on public.orders (account_id, symbol, exchange_order_id) where exchange_order_id is not null;
create index orders_account_exchange_order_idx
  on public.orders (account_id, exchange_order_id) where exchange_order_id is not null;
create index orders_unsettled_idx
  on public.orders (status, created_at) where status in ('pending', 'open');
create index orders_user_idx on public.orders (user_id, created_at desc);
create index orders_position_idx on public.orders (position_id) where position_id is not null;

create table public.fills (
  id uuid primary key default pg_catalog.gen_random_uuid(),
  account_id uuid not null references public.exchange_accounts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  order_id uuid references public.orders (id) on delete set null,
  position_id uuid references public.positions (id) on delete set null,
  symbol text not null,
  side text not null check (side in ('buy', 'sell')),
  exchange_trade_id text not null,
  exchange_order_id text,
  price numeric not null,
  amount numeric not null,
  cost numeric not null,
  fee_cost numeric,
  fee_currency text,
  taker_or_maker text check (taker_or_maker in ('taker', 'maker')),
  executed_at timestamptz not null,
  unmatched_amount numeric not null default 0,
  without_position boolean generated always as (unmatched_amount > 0) stored,
  raw jsonb,
  created_at timestamptz not null default pg_catalog.now(),
  unique (account_id, symbol, exchange_trade_id)
);
comment on table public.fills is
  'One row per exchange trade (ccxt unified trade); inserted once, and moves its position exactly once when inserted.';
comment on column public.fills.exchange_trade_id is 'Binance trade id (ccxt trade.id); unique per account and symbol.';
comment on column public.fills.cost is 'Quote amount of the trade (price * amount).';
comment on column public.fills.executed_at is 'Exchange time of the trade.';
comment on column public.fills.unmatched_amount is
  'Part of a sell that no open position covered (sold without a recorded buy); 0 otherwise.';
comment on column public.fills.without_position is
  'Flag: a sell (or part of one) without an open position. Recorded, not lost; it moved no position by that part.';
comment on column public.fills.raw is 'The ccxt unified trade as received.';

create index fills_order_idx on public.fills (order_id);
create index fills_position_idx on public.fills (position_id);
create index fills_user_idx on public.fills (user_id, executed_at desc);

alter table public.positions enable row level security;
alter table public.orders enable row level security;
alter table public.fills enable row level security;

create policy "Users read their own positions"
  on public.positions for select to authenticated
  using (user_id = (select auth.uid()));
create policy "Users read their own orders"
  on public.orders for select to authenticated
  using (user_id = (select auth.uid()));
create policy "Users read their own fills"
  on public.fills for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.positions, public.orders, public.fills from public, anon, authenticated;
grant select on table public.positions, public.orders, public.fills to authenticated;
grant all on table public.positions, public.orders, public.fills to service_role;
