// An agent speaking another protocol version is refused, with a readable message on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../common/runtime/clock.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { PROTOCOL_VERSION } from '../../common/protocol/messages.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { GrpcServer } from '../../coordinator/server/grpc-server.js';
import { CREDENTIAL_REFUSAL_LIMIT, createGrpcDialer } from '../../agent/grpc-link.js';
import { AgentSession } from '../../agent/session.js';

test('an agent with a wrong protocol version is refused with a readable message', async () => {
  const coordLog: string[] = [];
  const log = (level: string, m: string): void => { coordLog.push(`${level} ${m}`); };
  const coordinator = new Coordinator({ clock: systemClock, version: 'test', log });
  const server = new GrpcServer({ coordinator, listen: '127.0.0.1:0', joinToken: 'secret', controlToken: 'secret', log });
  const address = await server.listen();
  const agentLog: string[] = [];
  const session = new AgentSession({
    dialer: createGrpcDialer({ address, token: 'secret' }),
    createEngine: () => { throw new Error('must not be assigned'); },
    clock: systemClock,
    agentId: 'old-agent',
    host: 'test-host',
    cores: 1,
    version: '0.0.1',
    protocolVersion: PROTOCOL_VERSION + 98,
    log: (level, m) => agentLog.push(`${level} ${m}`),
  });
  try {
    session.start();
    const error = await session.finished;
    assert.ok(error instanceof LoadfleetError);
    assert.equal(error.code, 'PROTOCOL_MISMATCH');
    assert.match(error.message, new RegExp(`protocol version ${PROTOCOL_VERSION + 98}`));
    assert.match(error.message, new RegExp(`speaks ${PROTOCOL_VERSION}`));
    assert.match(error.message, /same loadfleet version/);
    assert.ok(agentLog.some((l) => l.startsWith('error') && l.includes('refused')), agentLog.join('\n'));
    assert.ok(coordLog.some((l) => l.includes('refused') && l.includes('old-agent')), coordLog.join('\n'));
    assert.equal(coordinator.fleet.agents().length, 0, 'the refused agent is not in the fleet');
  } finally {
    await session.stop();
    coordinator.close();
    await server.close();
  }
});

test('an agent with a wrong join token is refused, and gives up after CREDENTIAL_REFUSAL_LIMIT tries', async () => {
  const coordinator = new Coordinator({ clock: systemClock, version: 'test', log: () => {} });
  const refusals: string[] = [];
  const server = new GrpcServer({ coordinator, listen: '127.0.0.1:0', joinToken: 'secret', controlToken: 'secret', log: (_l, m) => { if (/refused agent/.test(m)) refusals.push(m); } });
  const address = await server.listen();
  const session = new AgentSession({
    dialer: createGrpcDialer({ address, token: 'wrong' }),
    createEngine: () => { throw new Error('must not be assigned'); },
    clock: systemClock, agentId: 'intruder', host: 'h', cores: 1, version: 'test', log: () => {},
  });
  try {
    session.start();
    const error = await session.finished;
    assert.equal(error?.code, 'UNAUTHENTICATED');
    assert.match(error?.message ?? '', /join token/);
    assert.equal(refusals.length, CREDENTIAL_REFUSAL_LIMIT, 'each try was refused and logged; none after the last');
  } finally {
    await session.stop();
    coordinator.close();
    await server.close();
  }
});
