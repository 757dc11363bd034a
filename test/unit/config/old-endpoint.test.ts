/** OLD's URL -> NEW's foreign server: TLS and connection options pass through, secrets never. */
import { describe, expect, it } from 'vitest';
import { describeEndpoint, oldEndpointFromUrl } from '../../../src/config/old-endpoint.js';
import { assessTables } from '../../../src/plan/assess-tables.js';
import { planInitNew } from '../../../src/plan/plan-init-new.js';
import { renderPlan } from '../../../src/plan/step.js';
import { column, database, server, table } from '../support/models.js';

const URL_WITH_TLS =
  'postgres://app:s3cr%27t@old-db.internal:6432/shop?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fold%20ca.pem' +
  '&sslcert=/etc/ssl/client.crt&sslkey=/etc/ssl/client.key&sslpassword=keypass&connect_timeout=5&application_name=fdwmig';

describe('oldEndpointFromUrl', () => {
  it('keeps the TLS and connection options, never the password or the key passphrase', () => {
    const e = oldEndpointFromUrl(URL_WITH_TLS);
    expect(e).toEqual({
      host: 'old-db.internal',
      port: 6432,
      dbname: 'shop',
      user: 'app',
      password: "s3cr't",
      libpqOptions: {
        sslmode: 'verify-full',
        sslrootcert: '/etc/ssl/old ca.pem',
        sslcert: '/etc/ssl/client.crt',
        sslkey: '/etc/ssl/client.key',
        connect_timeout: '5',
        application_name: 'fdwmig',
      },
    });
    expect(describeEndpoint(e)).toBe('old-db.internal:6432/shop');
  });

  it('takes a password= parameter as the password, not as a server option', () => {
    const e = oldEndpointFromUrl('postgres://app@old-db/shop?password=pw&sslmode=require');
    expect(e.password).toBe('pw');
    expect(e.libpqOptions).toEqual({ sslmode: 'require' });
  });
});

describe('the init-new plan for an OLD URL with TLS options', () => {
  const t = table('public', 'orders', { columns: [column('id', 'bigint', { notNull: true })], primaryKey: ['id'] });
  const oldDb = database([t], { server: server({ versionNum: 130_000 }) });
  const newDb = database([t], { server: server({ versionNum: 170_000, fdwInstalled: '1.1' }) });
  const { plan } = planInitNew({
    oldDb,
    newDb,
    tables: assessTables(oldDb, newDb, {}, { copySchema: false }),
    old: oldEndpointFromUrl(URL_WITH_TLS),
    state: { migrationRecorded: false, serverExists: false, mappedRoles: [], foreignTables: new Map() },
    settings: {
      stateSchema: 'fdwmig',
      serverName: 'fdwmig_old',
      fetchSize: 10_000,
      sequenceGap: 10_000,
      truncatableOption: true,
      fdwApplicationName: false,
      mappingRoles: ['migrator'],
      oldIdentity: { id: 'sysid=1 db=shop', display: 'old-db.internal:6432/shop' },
      fdwmigVersion: '0.1.0',
    },
  });

  it('passes them to CREATE SERVER, after host, port and dbname', () => {
    const server = plan.steps.find((s) => s.id === 'server')!;
    expect(server.sql).toEqual([
      `CREATE SERVER "fdwmig_old" FOREIGN DATA WRAPPER postgres_fdw OPTIONS ("host" 'old-db.internal', "port" '6432', "dbname" 'shop', ` +
        `"sslmode" 'verify-full', "sslrootcert" '/etc/ssl/old ca.pem', "sslcert" '/etc/ssl/client.crt', "sslkey" '/etc/ssl/client.key', ` +
        `"connect_timeout" '5', "application_name" 'fdwmig', "fetch_size" '10000', "truncatable" 'false')`,
    ]);
  });

  it('keeps the password in the user mapping only, and masked in everything printable', () => {
    const mapping = plan.steps.find((s) => s.id === 'user-mapping:migrator')!;
    expect(mapping.sql).toEqual([
      `CREATE USER MAPPING FOR "migrator" SERVER "fdwmig_old" OPTIONS (user 'app', password '****')`,
    ]);
    expect(mapping.secretSql).toEqual([
      `CREATE USER MAPPING FOR "migrator" SERVER "fdwmig_old" OPTIONS (user 'app', password 's3cr''t')`,
    ]);
    const printable = renderPlan(plan) + JSON.stringify(plan.steps.map((s) => [s.sql, s.params]));
    expect(printable).not.toContain('s3cr');
    expect(printable).not.toContain('keypass');
  });
});
