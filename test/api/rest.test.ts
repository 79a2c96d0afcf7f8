// The REST side on each database, booted once per database for all the suites: each suite works in
// accounts of its own.

import { describe } from 'vitest';
import { useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { conferencesSuite } from './conferences.suite.js';
import { participantsSuite } from './participants.suite.js';
import { platformSuite } from './platform.suite.js';
import { protocolSuite } from './protocol.suite.js';

for (const kind of databaseKinds) {
  describe(`REST API (${kind.name})`, () => {
    const shared = useApp(kind);
    conferencesSuite(shared);
    participantsSuite(shared);
    protocolSuite(shared);
    platformSuite(shared);
  });
}
