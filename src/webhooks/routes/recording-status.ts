// The <Conference recordingStatusCallback>: a conference recording's status, as the platform reports it
// (RecordingSid, RecordingStatus, RecordingDuration, RecordingChannels, RecordingSource, RecordingStartTime,
// RecordingUrl, ErrorCode, with the ConferenceSid it recorded). The callback names no room, so the URL
// Conclave puts in its TwiML carries it as FriendlyName. A status outside Twilio's list is acknowledged and
// dropped: nothing could be shown for it.

import { mintCommandId } from '../../commands/command-id.js';
import { RECORDING_STATUSES } from '../../domain/events.js';
import { missing } from '../errors.js';
import { route } from '../route.js';

export const recordingStatus = route({
  path: '/webhooks/recording-status',
  parse(params, { now }) {
    const friendlyName = params.name('FriendlyName') ?? missing('FriendlyName');
    const recordingSid = params.sid('RecordingSid', 'RE') ?? missing('RecordingSid');
    const reported = params.text('RecordingStatus') ?? missing('RecordingStatus');
    const status = RECORDING_STATUSES.find((known) => known === reported);
    if (status === undefined) return null;
    const conferenceSid = params.sid('ConferenceSid', 'CF') ?? null;
    const at = params.timestamp('Timestamp') ?? null;
    const sequenceNumber = params.integer('SequenceNumber', 0, Number.MAX_SAFE_INTEGER) ?? null;
    return {
      command: {
        type: 'ReportRecording',
        ...mintCommandId(now),
        data: {
          reported: { conferenceSid, at },
          recording: {
            recordingSid,
            callSid: params.sid('CallSid', 'CA') ?? null,
            status,
            duration: params.integer('RecordingDuration', 0, Number.MAX_SAFE_INTEGER) ?? null,
            channels: params.integer('RecordingChannels', 1, 2) ?? null,
            source: params.text('RecordingSource') ?? null,
            startTime: params.timestamp('RecordingStartTime') ?? null,
            errorCode: params.integer('ErrorCode', 0, Number.MAX_SAFE_INTEGER) ?? null,
            url: params.text('RecordingUrl') ?? null,
            sequenceNumber,
          },
        },
      },
      keyFields: [recordingSid, status, conferenceSid, sequenceNumber, at],
      room: friendlyName,
      extra: null,
    };
  },
  reply: () => null,
});
