import { HttpStatus } from '@nestjs/common';
import type { Role } from '@tally/api-contract';
import { ApiError } from './api-error';

/** Who is calling: set on the request by AuthGuard from an access token or an API key. */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  via: 'token' | 'api_key';
  /** The API key used; null with an access token. */
  apiKeyId: string | null;
  /** The only models the API key may use; null: no restriction. */
  models: readonly string[] | null;
  /**
   * The model catalog's version, read with the API key after the request
   * began (see ModelCatalog); absent with an access token.
   */
  catalogVersion?: string | null;
}

/** Whether the caller may send to `model` (an API key may be restricted to some models). */
export const mayUseModel = (user: AuthUser, model: string): boolean =>
  user.models === null || user.models.includes(model);

/** 403 `MODEL_NOT_ALLOWED` unless the caller may send to `model`. */
export function requireModelAllowed(user: AuthUser, model: string): void {
  if (!mayUseModel(user, model))
    throw new ApiError(
      HttpStatus.FORBIDDEN,
      'MODEL_NOT_ALLOWED',
      `This API key may not use the model "${model}"`,
    );
}
