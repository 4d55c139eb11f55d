/**
 * Wire types of the Tally REST API (see API.md). Plain TypeScript only: no
 * framework imports, so both the NestJS API and the Angular client use them.
 * Field names are snake_case, as on the wire.
 */

/** ISO 8601 timestamp in UTC, e.g. `2026-11-29T00:00:00.000Z`. */
export type IsoDateTime = string;
/** Calendar day, `YYYY-MM-DD`. */
export type CalendarDay = string;
export type Uuid = string;

export type Role = 'user' | 'admin';
export const ROLES: readonly Role[] = ['user', 'admin'];

/** Machine-readable error codes the client must react to. */
export type ErrorCode =
  | 'REGISTRATION_CLOSED'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'LAST_ADMIN'
  | 'QUOTA_MESSAGES_EXCEEDED'
  | 'QUOTA_TOKENS_EXCEEDED'
  | 'TOO_MANY_STREAMS'
  | 'TOO_MANY_REQUESTS'
  | 'AI_PROVIDER_ERROR'
  | 'AI_PROVIDER_TIMEOUT'
  | 'DATABASE_UNAVAILABLE'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE';

/** Error body: NestJS's shape plus an optional machine-readable `code`. */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: ErrorCode | string;
  /** Present on quota 429s. */
  quota?: Quota;
}

// ---------------------------------------------------------------- auth

export interface User {
  id: Uuid;
  email: string;
  name: string;
  role: Role;
  is_active: boolean;
  max_ai_messages_per_day: number | null;
  max_ai_tokens_per_day: number | null;
  created_at: IsoDateTime;
}

export interface RegisterRequest {
  email: string;
  password: string;
  name?: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export interface AuthResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  user: User;
}

// ---------------------------------------------------------------- service access

export interface ApiKey {
  id: Uuid;
  name: string;
  prefix: string;
  created_at: IsoDateTime;
  last_used_at: IsoDateTime | null;
}

export interface ApiKeyList {
  items: ApiKey[];
}

export interface CreateApiKeyRequest {
  name: string;
}

export interface CreatedApiKey {
  id: Uuid;
  name: string;
  prefix: string;
  /** The full key, shown this once. */
  key: string;
  created_at: IsoDateTime;
}

// ---------------------------------------------------------------- chats

export interface Chat {
  id: Uuid;
  title: string;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

export interface ChatList {
  items: Chat[];
}

export type MessageRole = 'user' | 'assistant';
export type MessageStatus = 'complete' | 'error' | 'cancelled';

export interface Message {
  id: Uuid;
  chat_id: Uuid;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: IsoDateTime;
}

export interface ChatWithMessages extends Chat {
  messages: Message[];
}

export interface CreateChatRequest {
  title?: string;
}

export interface UpdateChatRequest {
  title: string;
}

export interface SendMessageRequest {
  content: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `?stream=false` answer of `POST /api/chats/:id/messages`. */
export interface SendMessageResponse {
  user_message: Message;
  assistant_message: Message;
  usage: Usage;
  quota: Quota;
}

/** Named server-sent events of a streamed send. */
export type UserMessageEventData = Message;
export interface DeltaEventData {
  content: string;
}
export interface DoneEventData {
  assistant_message: Message;
  usage: Usage;
  quota: Quota;
}
export interface ErrorEventData {
  code: string;
  message: string;
}

export type ChatStreamEvent =
  | { event: 'user_message'; data: Message }
  | { event: 'delta'; data: DeltaEventData }
  | { event: 'done'; data: DoneEventData }
  | { event: 'error'; data: ErrorEventData };

// ---------------------------------------------------------------- quota

export interface QuotaCounter {
  used: number;
  limit: number;
  remaining: number;
}

export interface Quota {
  messages: QuotaCounter;
  tokens: QuotaCounter;
  resets_at: IsoDateTime;
  timezone: string;
}

// ---------------------------------------------------------------- admin

export interface AdminUser extends User {
  effective_max_ai_messages_per_day: number;
  effective_max_ai_tokens_per_day: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export type AdminUserList = Page<AdminUser>;

export interface AdminUserListQuery {
  search?: string;
  page?: number;
  page_size?: number;
}

export interface CreateAdminUserRequest {
  email: string;
  password: string;
  name?: string;
  role?: Role;
  max_ai_messages_per_day?: number | null;
  max_ai_tokens_per_day?: number | null;
}

export interface UpdateAdminUserRequest {
  name?: string;
  role?: Role;
  is_active?: boolean;
  max_ai_messages_per_day?: number | null;
  max_ai_tokens_per_day?: number | null;
}

export interface Settings {
  default_max_ai_messages_per_day: number;
  default_max_ai_tokens_per_day: number;
  quota_timezone: string;
  allow_registration: boolean;
  max_concurrent_streams_per_user: number;
}

export type UpdateSettingsRequest = Partial<Settings>;

export type UsageSortField = 'tokens' | 'messages' | 'email' | 'name';
export type SortOrder = 'asc' | 'desc';

export interface UsageReportQuery {
  date?: CalendarDay;
  page?: number;
  page_size?: number;
  sort?: UsageSortField;
  order?: SortOrder;
  search?: string;
}

export interface UsageReportItem {
  user_id: Uuid;
  email: string;
  name: string;
  messages: number;
  tokens: number;
  messages_limit: number;
  tokens_limit: number;
}

export interface UsageReport {
  date: CalendarDay;
  timezone: string;
  items: UsageReportItem[];
  total: number;
  page: number;
  page_size: number;
  totals: {
    messages: number;
    tokens: number;
    active_users: number;
  };
}

export interface UsageHistoryQuery {
  from?: CalendarDay;
  to?: CalendarDay;
  user_id?: Uuid;
}

export interface UsageHistoryItem {
  date: CalendarDay;
  messages: number;
  tokens: number;
  active_users: number;
}

export interface UsageHistory {
  items: UsageHistoryItem[];
}

export const USAGE_EXPORT_COLUMNS = [
  'user_id',
  'email',
  'name',
  'messages',
  'tokens',
  'messages_limit',
  'tokens_limit',
] as const;

// ---------------------------------------------------------------- operations

export interface Health {
  status: 'ok' | 'error';
  database: 'up' | 'down';
}

/** Limits on the wire (API.md). */
export const LIMITS = {
  passwordMin: 8,
  passwordMax: 128,
  messageContentMax: 32000,
  pageSizeMax: 200,
  limitValueMax: 2147483647,
  maxConcurrentStreamsMin: 1,
  maxConcurrentStreamsMax: 100,
  historyDaysMax: 366,
} as const;
