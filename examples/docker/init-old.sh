#!/bin/sh
# OLD's first start (/docker-entrypoint-initdb.d in docker-compose.yml): the sample shop and the
# workload's accounts, from the sql/demo/*.sql files `make demo` loads too.
#   SHOP_SCALE         shop size: 1 = 2,000 customers, 8,000 orders, 24,000 order lines (default 1)
#   WORKLOAD_ACCOUNTS  accounts for the workload; give `fdwmig-dev workload --accounts` the same (default 5000)
# The postgres image's entrypoint sets POSTGRES_USER and POSTGRES_DB; elsewhere set them and
# PGHOST, PGPORT, PGPASSWORD (test/integration/docker-example.test.ts does), and FDWMIG_SQL_DIR.
# No `set -u`: the entrypoint sources a script it cannot execute, and would inherit it.
set -e
fdwmig_sql_dir="${FDWMIG_SQL_DIR:-/fdwmig/sql/demo}"
fdwmig_scale="${SHOP_SCALE:-1}"
fdwmig_accounts="${WORKLOAD_ACCOUNTS:-5000}"
for fdwmig_n in "$fdwmig_scale" "$fdwmig_accounts"; do
  case "$fdwmig_n" in
    '' | *[!0-9]* | 0) echo "init-old.sh: SHOP_SCALE and WORKLOAD_ACCOUNTS must be whole numbers >= 1" >&2; exit 1 ;;
  esac
done
{
  cat "$fdwmig_sql_dir/shop.sql" "$fdwmig_sql_dir/bank.sql"
  sed "s/[$]SCALE/$fdwmig_scale/g" "$fdwmig_sql_dir/shop-data.sql"
  sed "s/[$]ACCOUNTS/$fdwmig_accounts/g" "$fdwmig_sql_dir/bank-data.sql"
} | psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --single-transaction --file=- --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}"
echo "init-old.sh: loaded the sample shop (scale $fdwmig_scale) and $fdwmig_accounts accounts"
