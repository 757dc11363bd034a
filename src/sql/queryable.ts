/** The one shape of database access the commands depend on (pg.Client and pg.PoolClient fit). */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
