-- Exchange accounts and Vault: save, read decrypted only through the functions, rotate, delete.
begin;
select plan(33);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000000a1', 'alice@example.com'),
  ('00000000-0000-0000-0000-0000000000b2', 'bob@example.com');

create temp table t_meta on commit drop as
select trading.save_exchange_account(
  '00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'APIKEY-ORIGINAL-1234', 'SECRET-ORIGINAL', '{"enableSpotAndMarginTrading":true}'
) as m;

select ok((select not (m ? 'secret') and not (m ? 'api_key') and not (m ? 'vault_secret_id') from t_meta),
  'save returns metadata without secret, key or vault id');
select is((select m ->> 'key_hint' from t_meta), '1234', 'key hint is the last 4 characters');
select is((select (m ->> 'is_default')::boolean from t_meta), true, 'the first account is the default');
select is((select m -> 'permissions' from t_meta), '{"enableSpotAndMarginTrading":true}'::jsonb, 'permissions stored');
select is((select m ->> 'rotated_at' from t_meta), null, 'not rotated yet');

select is(
  (select s.name from vault.secrets s join public.exchange_accounts a on a.vault_secret_id = s.id
   where a.id = (select (m ->> 'id')::uuid from t_meta)),
  'exchange_account:' || (select m ->> 'id' from t_meta),
  'the secret is in Vault, named after the account'
);
select ok(
  (select s.secret not like '%SECRET-ORIGINAL%' and s.secret not like '%APIKEY%'
   from vault.secrets s join public.exchange_accounts a on a.vault_secret_id = s.id
   where a.id = (select (m ->> 'id')::uuid from t_meta)),
  'vault.secrets does not hold the plaintext'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', null) -> 'credentials',
  '{"api_key":"APIKEY-ORIGINAL-1234","secret":"SECRET-ORIGINAL"}'::jsonb,
  'account_context returns the decrypted credentials'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', 'main') -> 'account' ->> 'id',
  (select m ->> 'id' from t_meta),
  'account_context by label'
);
delete from trading.exchange_backoff; -- (a live stack may have one; rolled back)
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', null) -> 'backoff_until',
  'null'::jsonb,
  'no back-off by default'
);

-- A second account
select is(
  (trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'test', 'testnet', 'TESTKEY-9999', 'TEST-SECRET', null) ->> 'is_default')::boolean,
  false, 'a second account is not the default'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', 'test') -> 'credentials' ->> 'secret',
  'TEST-SECRET', 'each account has its own secret'
);
select is(
  (select pg_catalog.jsonb_agg(x ->> 'label') from pg_catalog.jsonb_array_elements(trading.list_exchange_accounts('00000000-0000-0000-0000-0000000000a1')) x),
  '["main","test"]'::jsonb, 'list returns the accounts, default first'
);

-- Rotate
create temp table t_before on commit drop as
select a.vault_secret_id, (select s.secret from vault.secrets s where s.id = a.vault_secret_id) as secret
from public.exchange_accounts a where a.id = (select (m ->> 'id')::uuid from t_meta);
create temp table t_rot on commit drop as
select trading.save_exchange_account(
  '00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'APIKEY-ROTATED-5678', 'SECRET-ROTATED', '{}'
) as m;
select is((select m ->> 'id' from t_rot), (select m ->> 'id' from t_meta), 'rotation keeps the account');
select isnt((select m ->> 'rotated_at' from t_rot), null, 'rotation sets rotated_at');
select is((select m ->> 'key_hint' from t_rot), '5678', 'rotation updates the key hint');
select is(
  (select a.vault_secret_id from public.exchange_accounts a where a.id = (select (m ->> 'id')::uuid from t_meta)),
  (select vault_secret_id from t_before), 'rotation updates the same Vault secret'
);
select isnt(
  (select s.secret from vault.secrets s where s.id = (select vault_secret_id from t_before)),
  (select secret from t_before), 'the stored secret changed'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', 'main') -> 'credentials',
  '{"api_key":"APIKEY-ROTATED-5678","secret":"SECRET-ROTATED"}'::jsonb,
  'account_context returns the rotated credentials'
);

-- Delete
create temp table t_del on commit drop as
select trading.delete_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main') as m;
select isnt((select m ->> 'deleted_at' from t_del), null, 'delete returns metadata with deleted_at');
select is(
  (select count(*)::int from vault.secrets where id = (select vault_secret_id from t_before)),
  0, 'delete removes the Vault secret'
);
select is(
  (select count(*)::int from public.exchange_accounts where id = (select (m ->> 'id')::uuid from t_meta)),
  1, 'the account row stays as history'
);
select throws_ok(
  $$select trading.account_context('00000000-0000-0000-0000-0000000000a1', 'main')$$,
  'P0001', 'CREDENTIALS_MISSING', 'a deleted account has no credentials'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', null) -> 'account' ->> 'label',
  'test', 'the remaining account became the default'
);
select is(trading.delete_exchange_account('00000000-0000-0000-0000-0000000000a1', 'nope'), null, 'deleting an unknown label returns null');
select isnt(
  trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'APIKEY-NEW-0000', 'S', '{}') ->> 'id',
  (select m ->> 'id' from t_meta), 'a label can be reused after delete (new account)'
);

-- Errors
select throws_ok(
  $$select trading.account_context('00000000-0000-0000-0000-0000000000b2', null)$$,
  'P0001', 'CREDENTIALS_MISSING', 'a user without accounts gets CREDENTIALS_MISSING'
);
select throws_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000b2', 'x', 'mainnet', 'K', 'S', '{}')$$,
  'P0001', 'VALIDATION_ERROR', 'unknown environment is a validation error'
);
select throws_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000b2', 'x', 'live', '', 'S', '{}')$$,
  'P0001', 'VALIDATION_ERROR', 'an empty key is a validation error'
);

-- Vault is out of reach of the API roles
select ok(not has_schema_privilege('authenticated', 'vault', 'usage') and not has_schema_privilege('anon', 'vault', 'usage'),
  'anon and authenticated cannot use schema vault');
set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-0000-0000-0000000000b2","role":"authenticated"}';
select throws_ok($$select decrypted_secret from vault.decrypted_secrets$$, '42501', null,
  'a user cannot read decrypted secrets');
reset role;

-- service_role goes through the functions
set local role service_role;
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000a1', 'test') -> 'credentials' ->> 'api_key',
  'TESTKEY-9999', 'service_role reads credentials through account_context'
);
reset role;

-- Deleting the user removes its accounts' secrets too
create temp table t_secrets on commit drop as
select vault_secret_id from public.exchange_accounts
where user_id = '00000000-0000-0000-0000-0000000000a1' and vault_secret_id is not null;
delete from auth.users where id = '00000000-0000-0000-0000-0000000000a1';
select is(
  (select count(*)::int from vault.secrets where id in (select vault_secret_id from t_secrets)),
  0, 'deleting a user removes its Vault secrets'
);

select * from finish();
rollback;
