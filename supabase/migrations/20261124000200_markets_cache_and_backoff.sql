-- Markets cache and Binance back-off: the state that Edge Function isolates share.
--
-- trading.markets_cache keeps the exchange's market list (ccxt `markets` json) so a cold
-- isolate need not call exchangeInfo. trading.exchange_backoff records a 429/418 seen by one
-- isolate so that every isolate stops calling Binance for that environment until it passes.
-- Both tables are internal (schema `trading`, no grants); the functions are granted to
-- service_role only.

create table trading.markets_cache (
  source text primary key,
  markets jsonb not null,
  fetched_at timestamptz not null default pg_catalog.now()
);
comment on table trading.markets_cache is
  'Cached exchange markets (ccxt unified markets json) per source, shared by all function isolates.';
comment on column trading.markets_cache.source is
  'Cache key chosen by the caller, e.g. ''binance:live'' or ''binance:testnet'' (plus the base URL when one is configured).';
comment on column trading.markets_cache.fetched_at is 'When the markets were read from the exchange.';

create table trading.exchange_backoff (
  environment text primary key check (environment in ('live', 'testnet')),
  backoff_until timestamptz not null,
  reason text,
  updated_at timestamptz not null default pg_catalog.now()
);
comment on table trading.exchange_backoff is
  'Back-off per Binance environment after a 429/418: no isolate calls Binance before backoff_until.';
comment on column trading.exchange_backoff.backoff_until is
  'Calls to this environment are refused (429 + Retry-After) until this time; only ever extended.';
comment on column trading.exchange_backoff.reason is 'What caused the back-off, e.g. ''429 /api/v3/order''.';

revoke all on table trading.markets_cache, trading.exchange_backoff from public;

-- Cached markets of a source, or null when missing or older than p_max_age_seconds.
create function trading.get_markets(p_source text, p_max_age_seconds int)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select c.markets
  from trading.markets_cache c
  where c.source = p_source
    and c.fetched_at > pg_catalog.now() - pg_catalog.make_interval(secs => coalesce(p_max_age_seconds, 0))
$$;
comment on function trading.get_markets(text, int) is
  'Cached markets json of a source, null when missing or older than p_max_age_seconds.';

-- Stores a source's markets; returns {source, fetched_at} (not the markets themselves).
create function trading.put_markets(p_source text, p_markets jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row trading.markets_cache;
begin
  if p_source is null or p_markets is null then
    raise exception 'VALIDATION_ERROR' using detail = 'source and markets are required';
  end if;
  insert into trading.markets_cache as c (source, markets, fetched_at)
  values (p_source, p_markets, pg_catalog.now())
  on conflict (source) do update set markets = excluded.markets, fetched_at = excluded.fetched_at
  returning * into v_row;
  return pg_catalog.jsonb_build_object('source', v_row.source, 'fetched_at', v_row.fetched_at);
end
$$;
comment on function trading.put_markets(text, jsonb) is 'Stores the markets json of a source.';

-- Extends an environment's back-off to p_until; never shortens it.
-- Returns {environment, backoff_until, reason} as stored afterwards.
create function trading.set_backoff(p_environment text, p_until timestamptz, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row trading.exchange_backoff;
begin
  if p_environment is null or p_environment not in ('live', 'testnet') or p_until is null then
    raise exception 'VALIDATION_ERROR' using detail = 'environment must be live or testnet and until is required';
  end if;
  insert into trading.exchange_backoff as b (environment, backoff_until, reason, updated_at)
  values (p_environment, p_until, p_reason, pg_catalog.now())
  on conflict (environment) do update
    set backoff_until = excluded.backoff_until,
        reason = excluded.reason,
        updated_at = excluded.updated_at
    where b.backoff_until < excluded.backoff_until;
  select * into v_row from trading.exchange_backoff where environment = p_environment;
  return pg_catalog.jsonb_build_object(
    'environment', v_row.environment,
    'backoff_until', v_row.backoff_until,
    'reason', v_row.reason
  );
end
$$;
comment on function trading.set_backoff(text, timestamptz, text) is
  'Extends the back-off of a Binance environment (never shortens it).';

-- Active back-off of an environment, null when none or passed. Internal helper.
create function trading._backoff_until(p_environment text)
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select b.backoff_until
  from trading.exchange_backoff b
  where b.environment = p_environment and b.backoff_until > pg_catalog.now()
$$;

revoke all on function
  trading.get_markets(text, int),
  trading.put_markets(text, jsonb),
  trading.set_backoff(text, timestamptz, text),
  trading._backoff_until(text)
from public, anon, authenticated;
grant execute on function
  trading.get_markets(text, int),
  trading.put_markets(text, jsonb),
  trading.set_backoff(text, timestamptz, text)
to service_role;
