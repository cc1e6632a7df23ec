-- RLS: each user reads only their own rows; anon reads nothing; nobody reaches Vault.
begin;
select plan(20);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000000a1', 'alice@example.com'),
  ('00000000-0000-0000-0000-0000000000b2', 'bob@example.com');

do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'ALICEKEY0001', 'alice-secret', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000b2', 'main', 'testnet', 'BOBKEY000002', 'bob-secret', '{}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'alice-1', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000b2', null, 'bob-1', '{"symbol":"ETH/USDT","side":"buy","type":"market","amount":"2"}');
  perform trading.record_order(
    (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'),
    '{"id":"1","clientOrderId":"alice-1","timestamp":1700000000000,"status":"closed","symbol":"BTC/USDT","side":"buy","type":"market","amount":1,"filled":1}',
    '[{"id":"a-t1","order":"1","timestamp":1700000000000,"symbol":"BTC/USDT","side":"buy","price":"100","amount":"1","cost":"100"}]',
    0.00001
  );
  perform trading.record_order(
    (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000b2'),
    '{"id":"1","clientOrderId":"bob-1","timestamp":1700000000000,"status":"closed","symbol":"ETH/USDT","side":"buy","type":"market","amount":2,"filled":2}',
    '[{"id":"b-t1","order":"1","timestamp":1700000000000,"symbol":"ETH/USDT","side":"buy","price":"10","amount":"2","cost":"20"}]',
    0.0001
  );
end
$setup$;

-- Alice
set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-0000-0000-0000000000a1","role":"authenticated"}';
select is((select count(*)::int from public.exchange_accounts), 1, 'alice sees one account');
select is((select key_hint from public.exchange_accounts), '0001', 'alice sees her own account');
select is((select client_order_id from public.orders), 'alice-1', 'alice sees only her order');
select is((select exchange_trade_id from public.fills), 'a-t1', 'alice sees only her fill');
select is((select symbol from public.positions), 'BTC/USDT', 'alice sees only her position');
select is(
  (select count(*)::int from public.orders where client_order_id = 'bob-1'),
  0, 'alice cannot find bob''s order even by its id'
);
select throws_ok($$select * from vault.secrets$$, '42501', null, 'alice cannot read vault.secrets');
select throws_ok($$select * from vault.decrypted_secrets$$, '42501', null, 'alice cannot read vault.decrypted_secrets');
select throws_ok(
  $$select trading.account_context('00000000-0000-0000-0000-0000000000b2', null)$$,
  '42501', null, 'alice cannot call account_context'
);

-- Bob
set local request.jwt.claims = '{"sub":"00000000-0000-0000-0000-0000000000b2","role":"authenticated"}';
select is((select count(*)::int from public.exchange_accounts), 1, 'bob sees one account');
select is((select key_hint from public.exchange_accounts), '0002', 'bob sees his own account');
select is((select client_order_id from public.orders), 'bob-1', 'bob sees only his order');
select is((select exchange_trade_id from public.fills), 'b-t1', 'bob sees only his fill');
select is((select symbol from public.positions), 'ETH/USDT', 'bob sees only his position');

-- Signed in role without a subject
set local request.jwt.claims = '{"role":"authenticated"}';
select is(
  (select count(*)::int from public.orders) + (select count(*)::int from public.exchange_accounts),
  0, 'no subject, no rows'
);
reset role;

-- anon
set local role anon;
set local request.jwt.claims = '{"role":"anon"}';
select throws_ok($$select * from public.exchange_accounts$$, '42501', null, 'anon cannot read exchange_accounts');
select throws_ok($$select * from public.orders$$, '42501', null, 'anon cannot read orders');
select throws_ok($$select * from public.fills$$, '42501', null, 'anon cannot read fills');
select throws_ok($$select * from public.positions$$, '42501', null, 'anon cannot read positions');
reset role;

-- service_role (bypasses RLS)
set local role service_role;
select is(
  (select count(*)::int from public.orders
   where client_order_id in ('alice-1', 'bob-1')
     and user_id in ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2')),
  2, 'service_role reads every order'
);
reset role;

select * from finish();
rollback;
