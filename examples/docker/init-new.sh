#!/bin/sh
# NEW's first start (/docker-entrypoint-initdb.d in docker-compose.yml): the same schema as OLD
# and no rows, as a schema migration tool would leave it. See init-old.sh for the environment.
set -e
fdwmig_sql_dir="${FDWMIG_SQL_DIR:-/fdwmig/sql/demo}"
cat "$fdwmig_sql_dir/shop.sql" "$fdwmig_sql_dir/bank.sql" |
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --single-transaction --file=- --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}"
echo "init-new.sh: loaded the sample shop's schema, no rows"
