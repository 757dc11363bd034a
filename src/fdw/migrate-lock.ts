/**
 * One migrate, finalize or cleanup at a time per NEW database: a session advisory lock held on
 * NEW for the whole command (re-entrant, so migrate's own finalize takes it again).
 */
export const MIGRATE_LOCK_SQL = `SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('fdwmig:migrate:' || pg_catalog.current_database())) AS ok`;
