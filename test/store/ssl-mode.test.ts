// What node-postgres is handed for a DATABASE_URL: the sslmode it would take as verify-full named so (no
// warning of several lines at every start), and every other character of the URL as the operator wrote it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { explicitSslMode } from '../../src/store/database.js';

describe('the sslmode handed to node-postgres', () => {
  it.each(['prefer', 'require', 'verify-ca'])(
    'names sslmode=%s as the verify-full it means there',
    (mode) => {
      expect(explicitSslMode(`postgres://u:p@db:5432/conclave?sslmode=${mode}`)).toBe(
        'postgres://u:p@db:5432/conclave?sslmode=verify-full',
      );
    },
  );

  it('changes nothing else: escapes in a password, file paths, other options, a fragment', () => {
    // node-postgres reads the certificate file named when it parses the URL.
    const ca = join(mkdtempSync(join(tmpdir(), 'ssl-mode-')), 'ca.pem');
    writeFileSync(ca, 'a certificate');
    const urls = [
      'postgres://u:50%25off;x@db/conclave?sslmode=require',
      `postgres://u:100%@db/conclave?sslrootcert=${ca}&sslmode=require&application_name=a b`,
      'postgres://u:p@[::1]:5432/conclave?connect_timeout=5&sslmode=verify-ca#ignored',
    ];
    for (const url of urls) {
      const rewritten = explicitSslMode(url);
      expect(rewritten).toBe(url.replace(/sslmode=[a-z-]+/, 'sslmode=verify-full'));
      const { sslmode: _before, ...asWritten } = parse(url);
      const { sslmode: _after, ...asHanded } = parse(rewritten);
      expect(asHanded).toEqual(asWritten);
    }
  });

  it('follows the last sslmode, as node-postgres does, and leaves libpq semantics and other modes alone', () => {
    expect(explicitSslMode('postgres://db/c?sslmode=require&sslmode=disable')).toBe(
      'postgres://db/c?sslmode=require&sslmode=disable',
    );
    expect(explicitSslMode('postgres://db/c?sslmode=disable&sslmode=require')).toBe(
      'postgres://db/c?sslmode=disable&sslmode=verify-full',
    );
    for (const url of [
      'postgres://db/c?uselibpqcompat=true&sslmode=require',
      'postgres://db/c?sslmode=disable',
      'postgres://db/c?sslmode=verify-full',
      'postgres://db/c',
      'postgres://db/c?application_name=sslmode=require',
    ])
      expect(explicitSslMode(url)).toBe(url);
  });
});
