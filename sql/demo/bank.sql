-- The workload's tables (tools/dev/workload.ts): a transfer updates one account's balance and
-- logs the delta in ledger. Applied to OLD and NEW alike, next to shop.sql.
CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, note text);
CREATE TABLE ledger (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), delta bigint NOT NULL,
                     at timestamptz NOT NULL DEFAULT now());
