// The REST side: Twilio's 2010-04-01 Conference and Participant reads, plus Conclave's history, under
// /2010-04-01. Everything in this scope, unknown paths included, is authenticated and answers errors in
// Twilio's shape.

import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import { failureLimit } from '../failure-limit.js';
import type { Reads } from '../reads/index.js';
import { authenticate } from './auth.js';
import { conferenceRoutes } from './conferences.js';
import { twilioNotFoundHandler } from './errors.js';
import { eventRoutes } from './events.js';
import { participantRoutes } from './participants.js';
import { recordingRoutes } from './recordings.js';

export const API_PREFIX = '/2010-04-01';

const api: FastifyPluginAsync<{ reads: Reads; failedAuth: Config['failedAuth'] }> = async (
  app,
  { reads, failedAuth },
) => {
  const limit = failureLimit(app, 'rest', failedAuth);
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler(twilioNotFoundHandler);
      scope.addHook('onRequest', authenticate(reads, limit));
      conferenceRoutes(scope, reads);
      participantRoutes(scope, reads);
      eventRoutes(scope, reads);
      recordingRoutes(scope, reads);
    },
    { prefix: API_PREFIX },
  );
};

export default api;
