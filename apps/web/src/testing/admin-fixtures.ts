import type { AdminLimit, Connection, Group, Model } from '@tally/api-contract';

const AT = '2026-11-28T10:00:00.000Z';

export function connection(
  name: string,
  source: Connection['source'],
  extra: Partial<Connection> = {},
): Connection {
  return {
    id: `${name.toLowerCase()}-id`,
    name,
    kind: source === 'built-in' ? 'local' : 'openai',
    base_url: source === 'built-in' ? 'local:' : 'http://127.0.0.1:9/v1',
    has_api_key: false,
    api_key_hint: null,
    token_parameter: 'max_tokens',
    timeout_ms: 60000,
    source,
    created_at: AT,
    updated_at: AT,
    ...extra,
  };
}

export function adminModel(
  id: string,
  connectionId: string,
  extra: Partial<Model> = {},
): Model {
  return {
    id,
    name: id.toUpperCase(),
    connection_id: connectionId,
    upstream_model: id,
    enabled: true,
    input_price: 0,
    output_price: 0,
    max_output_tokens: 1024,
    context_tokens: 8192,
    created_at: AT,
    updated_at: AT,
    ...extra,
  };
}

export function apiError(status: number, code: string) {
  return {
    body: { statusCode: status, error: 'Error', code, message: code },
    options: { status, statusText: 'Error' },
  };
}

let limitIds = 0;

/** An admin's view of a limit: everyone's 100 messages a day unless told. */
export function adminLimit(extra: Partial<AdminLimit> = {}): AdminLimit {
  return {
    id: `limit-${++limitIds}`,
    subject: 'everyone',
    subject_id: null,
    subject_name: null,
    metric: 'messages',
    window: 'day',
    model: null,
    shared: false,
    amount: 100,
    created_at: AT,
    updated_at: AT,
    ...extra,
  };
}

export function group(name: string, extra: Partial<Group> = {}): Group {
  return {
    id: `${name.toLowerCase()}-id`,
    name,
    description: '',
    member_count: 0,
    created_at: AT,
    updated_at: AT,
    source: 'local',
    external_id: null,
    ...extra,
  };
}
