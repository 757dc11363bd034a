-- The workload's accounts on OLD, each starting with a balance of 1000 (START_BALANCE in
-- tools/dev/workload.ts, whose invariant counts from it). $ACCOUNTS is substituted before this runs.
INSERT INTO accounts (id, balance, note) SELECT g, 1000, md5(g::text) FROM generate_series(1, $ACCOUNTS) g;
