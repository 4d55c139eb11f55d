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
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNKNOWN_MODEL'
  | 'MODEL_IS_DEFAULT'
  | 'MODEL_EXISTS'
  | 'CONNECTION_IN_USE'
  | 'MANAGED_BY_ENVIRONMENT'
  | 'SECRETS_KEY_REQUIRED'
  | 'WRONG_PASSWORD'
  | 'API_KEY_NOT_ALLOWED'
  | 'TOO_MANY_KEYS'
  | 'QUOTA_COST_EXCEEDED'
  | 'LIMIT_EXISTS'
  | 'LIMIT_REQUIRED'
  | 'NO_SUCH_LIMIT'
  | 'GROUP_EXISTS'
  | 'MODEL_NOT_ALLOWED'
  | 'ALERT_WEBHOOK_NOT_SET'
  | 'PASSWORD_LOGIN_DISABLED'
  | SsoErrorCode
  | 'SSO_CODE_INVALID';

/** Why a single sign-on failed, in `/login?sso_error=<CODE>`. */
export type SsoErrorCode =
  | 'SSO_STATE_MISMATCH'
  | 'SSO_DOMAIN_NOT_ALLOWED'
  | 'SSO_EMAIL_NOT_VERIFIED'
  | 'SSO_USER_DEACTIVATED'
  | 'SSO_FAILED';

export const SSO_ERROR_CODES: readonly SsoErrorCode[] = [
  'SSO_STATE_MISMATCH',
  'SSO_DOMAIN_NOT_ALLOWED',
  'SSO_EMAIL_NOT_VERIFIED',
  'SSO_USER_DEACTIVATED',
  'SSO_FAILED',
];

/** Error body: NestJS's shape plus an optional machine-readable `code`. */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: ErrorCode | string;
  /** Present on quota 429s. */
  quota?: Quota;
  /** Present on quota 429s: the limit that refused the send. */
  limit?: QuotaLimit;
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
  /** How the user signs in: a password, the OpenID provider, or made by SCIM. */
  auth_source: AuthSource;
}

export type AuthSource = 'password' | 'oidc' | 'scim';
export const AUTH_SOURCES: readonly AuthSource[] = ['password', 'oidc', 'scim'];

/** `GET /api/auth/sso`: what the sign-in page offers. */
export interface SsoStatus {
  /** Single sign-on is configured. */
  enabled: boolean;
  /** The button's text (`OIDC_LABEL`). */
  label: string;
  /** false: only the `ADMIN_EMAIL` account signs in with a password. */
  password_login: boolean;
}

/** `POST /api/auth/sso/exchange`. */
export interface SsoExchangeRequest {
  /** The one-time code from `/sso#code=…`. */
  code: string;
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

/** `PATCH /api/auth/me`. */
export interface UpdateMeRequest {
  name?: string;
}

/** `POST /api/auth/password`: every access token issued before stops working. */
export interface ChangePasswordRequest {
  current_password: string;
  new_password: string;
}

export interface AuthResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  user: User;
}

/** `GET /api/auth/registration` (no auth): whether the sign-in page may offer an account. */
export interface RegistrationStatus {
  /** The setting `allow_registration`: anyone may register. */
  open: boolean;
}

// ---------------------------------------------------------------- service access

/** A limit of an API key's own, as it is set: `{metric, window, amount}`. */
export interface ApiKeyLimit {
  metric: LimitMetric;
  window: LimitWindow;
  /** A whole number 0..9007199254740991 (cost in micro-dollars). */
  amount: number;
}

/** Who put a limit on an API key: its owner (with the key) or an admin (`POST /api/admin/limits`). */
export type LimitSetBy = 'owner' | 'admin';
export const LIMIT_SET_BY: readonly LimitSetBy[] = ['owner', 'admin'];

/**
 * A key's limit with its use in the window now in force. The owner's
 * `PATCH … {limits}` replaces only the limits with `set_by: "owner"`;
 * an admin's are listed to the owner read-only.
 */
export interface ApiKeyLimitUse extends ApiKeyLimit {
  id: Uuid;
  set_by: LimitSetBy;
  /** null: every model (always so for the owner's; an admin's may count one model). */
  model: string | null;
  used: number;
  resets_at: IsoDateTime;
}

export interface ApiKey {
  id: Uuid;
  name: string;
  prefix: string;
  /** The only models the key may use; null: every model its owner may use. */
  models: string[] | null;
  limits: ApiKeyLimitUse[];
  created_at: IsoDateTime;
  last_used_at: IsoDateTime | null;
  /** From this time on the key is refused (401, "expired"); null: never. */
  expires_at: IsoDateTime | null;
}

export interface ApiKeyList {
  items: ApiKey[];
}

export interface CreateApiKeyRequest {
  name: string;
  models?: string[] | null;
  limits?: ApiKeyLimit[];
  /** A time in the future; null or absent: never expires. */
  expires_at?: IsoDateTime | null;
}

/** `limits`, when given, replaces the owner's limits of the key as a whole (an admin's stay). */
export interface UpdateApiKeyRequest {
  name?: string;
  models?: string[] | null;
  limits?: ApiKeyLimit[];
  /** A time in the future, or null: never expires; absent: unchanged. */
  expires_at?: IsoDateTime | null;
}

/** A new secret for the key; the old one keeps working for `grace_seconds` (0..86400, default 0). */
export interface RotateApiKeyRequest {
  grace_seconds?: number;
}

export interface CreatedApiKey extends ApiKey {
  /** The full key, shown this once. */
  key: string;
}

// ---------------------------------------------------------------- gateway

export type GatewayRequestStatus =
  | 'complete'
  | 'error'
  | 'cancelled'
  | 'refused';
export const GATEWAY_REQUEST_STATUSES: readonly GatewayRequestStatus[] = [
  'complete',
  'error',
  'cancelled',
  'refused',
];

/** One row of the request log: a `POST /v1/chat/completions` (or the refused ones of a minute, see `count`). */
export interface GatewayRequest {
  id: Uuid;
  user_id: Uuid;
  /** Null when made with an access token (or the key was deleted since). */
  api_key_id: Uuid | null;
  /** The model asked for; null when the request named none. */
  model: string | null;
  status: GatewayRequestStatus;
  /** Why it was refused or failed (`QUOTA_MESSAGES_EXCEEDED`, `AI_PROVIDER_ERROR`, ...). */
  code: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Micro-dollars. */
  cost: number | null;
  /** Why a complete answer ended at its output cap (see `Message.cut_by`). Always sent by the API. */
  cut_by?: CutBy | null;
  started_at: IsoDateTime;
  duration_ms: number;
  /**
   * How many requests the row stands for: 1, except for `refused`, where
   * the refusals of one user, key and `code` in one minute share a row
   * (its `started_at` and `model` are the first one's).
   */
  count: number;
  /** The user's e-mail and name, as they are now. */
  user_email: string;
  user_name: string;
  /** The key's name, as it is now; null when made with an access token or the key was deleted. */
  api_key_name: string | null;
  /** Whether it was made with an API key (true also once that key is deleted). */
  by_api_key: boolean;
}

export type GatewayRequestList = Page<GatewayRequest>;

export interface GatewayRequestQuery {
  user_id?: Uuid;
  api_key_id?: Uuid;
  model?: string;
  /** Part of the user's e-mail or name, or of the key's name (any case). */
  search?: string;
  page?: number;
  page_size?: number;
}

// ---------------------------------------------------------------- chats

export interface Chat {
  id: Uuid;
  title: string;
  /** Model id the chat sends to (the setting `default_model` when created without one). Always sent by the API. */
  model?: string;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

/** `GET /api/chats`: one page of the caller's chats, most recently active first. */
export interface ChatList {
  items: Chat[];
  /** `?before=` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** `GET /api/chats` query. */
export interface ChatListQuery {
  /** 1..200, default 50. */
  limit?: number;
  /** The `next_cursor` of the page before. */
  before?: string;
}

export type MessageRole = 'user' | 'assistant';
export type MessageStatus = 'complete' | 'error' | 'cancelled';

export interface Message {
  id: Uuid;
  chat_id: Uuid;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  /** Model id that answered; null on user messages. Always sent by the API. */
  model?: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Micro-dollars; null on user messages. Always sent by the API. */
  cost?: number | null;
  /**
   * Why a complete answer ended at its output cap: the model's or the
   * instance's own (`max_output`), or a smaller one a limit left (`limit`);
   * null otherwise. Always sent by the API.
   */
  cut_by?: CutBy | null;
  created_at: IsoDateTime;
}

/** Which output cap cut an answer short (API.md "v3: honest budget state"). */
export const CUT_BY = ['max_output', 'limit'] as const;
export type CutBy = (typeof CUT_BY)[number];

export interface ChatWithMessages extends Chat {
  messages: Message[];
}

export interface CreateChatRequest {
  title?: string;
  model?: string;
}

/** At least one of the two. */
export interface UpdateChatRequest {
  title?: string;
  model?: string;
}

export interface SendMessageRequest {
  content: string;
  /** Overrides the chat's model for this send only. */
  model?: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Micro-dollars. Always sent by the API. */
  cost?: number;
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
  /** The model this quota is for (`GET /api/chats/quota?model=`). Always sent by the API. */
  model?: string;
  /** Every limit that applies to a send to `model`, the two daily ones included. Always sent by the API. */
  limits?: QuotaLimit[];
}

export interface QuotaQuery {
  model?: string;
}

// ---------------------------------------------------------------- limits

export type LimitSubject = 'everyone' | 'group' | 'user' | 'api_key';
export const LIMIT_SUBJECTS: readonly LimitSubject[] = [
  'everyone',
  'group',
  'user',
  'api_key',
];
export type LimitMetric = 'messages' | 'tokens' | 'cost';
export const LIMIT_METRICS: readonly LimitMetric[] = [
  'messages',
  'tokens',
  'cost',
];
export type LimitWindow = 'day' | 'week' | 'month';
export const LIMIT_WINDOWS: readonly LimitWindow[] = ['day', 'week', 'month'];
/** Nominal length of each window in seconds (the RateLimit headers' `w`). */
export const LIMIT_WINDOW_SECONDS: Record<LimitWindow, number> = {
  day: 86400,
  week: 604800,
  month: 2592000,
};

export interface Limit {
  id: Uuid;
  subject: LimitSubject;
  subject_id: Uuid | null;
  metric: LimitMetric;
  window: LimitWindow;
  /** null: every model. */
  model: string | null;
  shared: boolean;
  /** Messages, tokens, or micro-dollars. */
  amount: number;
}

export interface AdminLimit extends Limit {
  subject_name: string | null;
  /** API key limits only: who put it on the key (its owner, or an admin). */
  set_by?: LimitSetBy;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
  /** Shared limits only: settled use in the window now in force. */
  used?: number;
  resets_at?: IsoDateTime;
  /**
   * Shared limits only: since when `used` counts, the later of the window's
   * start and the limit's creation (a pool made mid-window starts at 0).
   */
  counting_since?: IsoDateTime;
}

export interface AdminLimitList {
  items: AdminLimit[];
}

export interface AdminLimitQuery {
  subject?: LimitSubject;
  subject_id?: Uuid;
}

export interface CreateLimitRequest {
  subject: LimitSubject;
  subject_id?: Uuid | null;
  metric: LimitMetric;
  window: LimitWindow;
  model?: string | null;
  shared?: boolean;
  amount: number;
}

export interface UpdateLimitRequest {
  amount: number;
}

/** One limit that applies to a send, with its use now. */
export interface QuotaLimit extends Limit {
  subject_name: string | null;
  used: number;
  /** The amount plus grants. */
  limit: number;
  remaining: number;
  resets_at: IsoDateTime;
  /**
   * What is left cannot pay for one more send of the quota's model
   * (messages: none; tokens: fewer than 2; cost: less than one prompt and
   * one output token at its prices). Always sent by the API.
   */
  exhausted?: boolean;
}

export interface Group {
  id: Uuid;
  name: string;
  description: string;
  member_count: number;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
  /** `local`: made in Tally; `oidc`: from the provider's groups claim; `scim`: from SCIM. */
  source: GroupSource;
  /** The provider's name or id of the group; null for local groups. */
  external_id: string | null;
}

export type GroupSource = 'local' | 'oidc' | 'scim';
export const GROUP_SOURCES: readonly GroupSource[] = ['local', 'oidc', 'scim'];

export type GroupList = Page<Group>;

export interface GroupListQuery {
  search?: string;
  page?: number;
  page_size?: number;
}

export interface CreateGroupRequest {
  name: string;
  description?: string;
}

export type UpdateGroupRequest = Partial<CreateGroupRequest>;

export interface Grant {
  id: Uuid;
  user_id: Uuid;
  metric: LimitMetric;
  window: LimitWindow;
  model: string | null;
  amount: number;
  note: string;
  created_by: Uuid | null;
  created_at: IsoDateTime;
  expires_at: IsoDateTime;
}

export interface GrantList {
  items: Grant[];
}

export interface CreateGrantRequest {
  metric: LimitMetric;
  window: LimitWindow;
  model?: string | null;
  amount: number;
  note?: string;
}

/** `GET /api/usage`: the caller's own history. */
export interface OwnUsageQuery {
  from?: CalendarDay;
  to?: CalendarDay;
}

export interface OwnUsageItem {
  date: CalendarDay;
  messages: number;
  tokens: number;
  /** Micro-dollars. */
  cost: number;
}

export interface OwnUsage {
  items: OwnUsageItem[];
}

/** Group limits: at most this long a name. */
export const GROUP_NAME_MAX = 100;
/** The largest limit amount (Number.MAX_SAFE_INTEGER). */
export const LIMIT_AMOUNT_MAX = 9007199254740991;

// ---------------------------------------------------------------- models

/** US dollars per million tokens, i.e. micro-dollars per token. */
export type PricePerMillion = number;
/** Whole micro-dollars (1 = $0.000001). */
export type MicroDollars = number;

export type ConnectionKind = 'local' | 'openai';
export type TokenParameter = 'max_tokens' | 'max_completion_tokens';
export const TOKEN_PARAMETERS: readonly TokenParameter[] = [
  'max_tokens',
  'max_completion_tokens',
];
export type ConnectionSource = 'admin' | 'environment' | 'built-in';

export interface Connection {
  id: Uuid;
  name: string;
  kind: ConnectionKind;
  base_url: string;
  has_api_key: boolean;
  /** Last 4 characters of the key, or null. */
  api_key_hint: string | null;
  token_parameter: TokenParameter;
  timeout_ms: number;
  source: ConnectionSource;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

export interface ConnectionList {
  items: Connection[];
}

export interface CreateConnectionRequest {
  name: string;
  base_url: string;
  api_key?: string;
  token_parameter?: TokenParameter;
  timeout_ms?: number;
}

/** `api_key: null` removes the key; leaving it out keeps it. */
export interface UpdateConnectionRequest {
  name?: string;
  base_url?: string;
  api_key?: string | null;
  token_parameter?: TokenParameter;
  timeout_ms?: number;
}

export type ConnectionTestResult =
  | { ok: true; models: string[] }
  | { ok: false; error: string };

export interface Model {
  id: string;
  name: string;
  connection_id: Uuid;
  upstream_model: string;
  enabled: boolean;
  input_price: PricePerMillion;
  output_price: PricePerMillion;
  max_output_tokens: number;
  context_tokens: number;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
}

export type ModelInfo = Omit<Model, 'connection_id' | 'upstream_model'>;

export interface ModelList {
  items: Model[];
}

/** `GET /api/models`: the enabled models. */
export interface ModelInfoList {
  items: ModelInfo[];
  default_model: string;
}

export interface CreateModelRequest {
  id: string;
  name: string;
  connection_id: Uuid;
  upstream_model: string;
  enabled?: boolean;
  input_price: PricePerMillion;
  output_price: PricePerMillion;
  max_output_tokens?: number;
  context_tokens?: number;
}

export type UpdateModelRequest = Partial<Omit<CreateModelRequest, 'id'>>;

/** `^[a-z0-9][a-z0-9._:-]{0,63}$` */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;

export const MODEL_LIMITS = {
  priceMin: 0,
  priceMax: 1000000,
  priceDecimals: 6,
  maxOutputTokensMin: 1,
  maxOutputTokensMax: 1000000,
  maxOutputTokensDefault: 1024,
  contextTokensMin: 256,
  contextTokensMax: 10000000,
  contextTokensDefault: 8192,
  timeoutMsMin: 1000,
  timeoutMsMax: 600000,
  timeoutMsDefault: 60000,
} as const;

/** The seeded built-in model. */
export const LOCAL_MODEL_ID = 'local';

// ---------------------------------------------------------------- admin

export interface AdminUser extends User {
  effective_max_ai_messages_per_day: number;
  effective_max_ai_tokens_per_day: number;
  /** The groups the user is in. Always sent by the API. */
  groups?: { id: Uuid; name: string }[];
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
  /** A new password (8..128 characters); the user's earlier tokens stop working. */
  password?: string;
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
  /** An enabled model id. Always sent by the API. */
  default_model?: string;
  /** Where alerts are POSTed (`http` or `https`), or null: none are sent. Always sent by the API. */
  alert_webhook_url?: string | null;
  /** Percentages of a limit (1..5 whole numbers 1..100), stored sorted and de-duplicated. Always sent by the API. */
  alert_thresholds?: number[];
  /** Whether `alert_webhook_secret` is set (the secret itself is never answered). Always sent by the API. */
  has_alert_webhook_secret?: boolean;
}

export type UpdateSettingsRequest = Partial<
  Omit<Settings, 'has_alert_webhook_secret'>
> & {
  /** Write-only: the HMAC key of `Tally-Signature`; null removes it. */
  alert_webhook_secret?: string | null;
};

export const ALERT_THRESHOLDS_DEFAULT: readonly number[] = [80, 100];

export type UsageSortField = 'tokens' | 'messages' | 'email' | 'name';
export type SortOrder = 'asc' | 'desc';

export interface UsageReportQuery {
  date?: CalendarDay;
  page?: number;
  page_size?: number;
  sort?: UsageSortField;
  order?: SortOrder;
  search?: string;
  /** Only this group's members. */
  group_id?: Uuid;
  /** Only this model's usage. */
  model?: string;
}

export interface UsageReportItem {
  user_id: Uuid;
  email: string;
  name: string;
  messages: number;
  tokens: number;
  messages_limit: number;
  tokens_limit: number;
  /** Micro-dollars. Always sent by the API. */
  cost?: number;
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
    /** Micro-dollars. Always sent by the API. */
    cost?: number;
    active_users: number;
  };
}

export interface UsageHistoryQuery {
  from?: CalendarDay;
  to?: CalendarDay;
  user_id?: Uuid;
  /** Only this group's members. */
  group_id?: Uuid;
  /** Only this model's usage. */
  model?: string;
}

export interface UsageHistoryItem {
  date: CalendarDay;
  messages: number;
  tokens: number;
  /** Micro-dollars. Always sent by the API. */
  cost?: number;
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
  'cost_usd',
] as const;

/** `GET /api/admin/usage/export`: one day (`date`, default today), or `from` and `to` together (at most `LIMITS.historyDaysMax` days). */
export interface UsageExportQuery {
  date?: CalendarDay;
  from?: CalendarDay;
  to?: CalendarDay;
  /** Only this group's members. */
  group_id?: Uuid;
}

/** The header of a date range's export: `date`, then a day's columns. */
export const USAGE_RANGE_EXPORT_COLUMNS = [
  'date',
  ...USAGE_EXPORT_COLUMNS,
] as const;

export interface UsageByModelQuery {
  date?: CalendarDay;
  /** Only this group's members. */
  group_id?: Uuid;
  /** Only this model's row. */
  model?: string;
}

export interface UsageByModelItem {
  model: string;
  messages: number;
  prompt_tokens: number;
  completion_tokens: number;
  tokens: number;
  /** Micro-dollars. */
  cost: number;
}

/** `GET /api/admin/usage/models?date=` */
export interface UsageByModel {
  date: CalendarDay;
  items: UsageByModelItem[];
}

// ---------------------------------------------------------------- alerts

export type AlertType = 'limit.threshold' | 'test';

/** What a webhook receives: the JSON body of the POST. */
export interface AlertPayload {
  id: Uuid;
  type: AlertType;
  /** The percentage reached (null for a test alert). */
  threshold: number | null;
  /** The limit, as it was right after the settle that crossed the threshold (null for a test alert). */
  limit: QuotaLimit | null;
  /** Whose use crossed it; null for a shared limit (and a test alert). */
  user: { id: Uuid; email: string; name: string } | null;
  created_at: IsoDateTime;
}

/** A recorded alert and its delivery. */
export interface Alert extends AlertPayload {
  delivered_at: IsoDateTime | null;
  /** Deliveries tried so far. */
  attempts: number;
  /** Why the last attempt failed (null once delivered, or before the first). */
  last_error: string | null;
  /** When the next attempt is due; null when none will be made (delivered, given up, or a test alert). */
  next_attempt_at: IsoDateTime | null;
}

export type AlertList = Page<Alert>;

export interface AlertListQuery {
  page?: number;
  page_size?: number;
}

/** `POST /api/admin/alerts/test`: what happened to the test alert. */
export interface AlertTestResult {
  /** The alert sent (also listed by `GET /api/admin/alerts`). */
  id: Uuid;
  /** The receiver answered 2xx. */
  delivered: boolean;
  /** The receiver's HTTP status, or null when it gave none (refused, timed out). */
  status: number | null;
  /** Why it was not delivered; null when it was. */
  error: string | null;
  duration_ms: number;
}

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
  chatPageDefault: 50,
  limitValueMax: 2147483647,
  maxConcurrentStreamsMin: 1,
  maxConcurrentStreamsMax: 100,
  historyDaysMax: 366,
} as const;
