import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ApiKey,
  ApiKeyList,
  CreateApiKeyRequest,
  CreatedApiKey,
  RotateApiKeyRequest,
  UpdateApiKeyRequest,
} from '@tally/api-contract';
import { Observable, map } from 'rxjs';

/** The signed-in user's own API keys. */
@Injectable({ providedIn: 'root' })
export class ApiKeysApi {
  private readonly http = inject(HttpClient);

  list(): Observable<ApiKey[]> {
    return this.http
      .get<ApiKeyList>('/api/auth/api-keys')
      .pipe(map((list) => list.items));
  }

  create(body: CreateApiKeyRequest): Observable<CreatedApiKey> {
    return this.http.post<CreatedApiKey>('/api/auth/api-keys', body);
  }

  update(id: string, body: UpdateApiKeyRequest): Observable<ApiKey> {
    return this.http.patch<ApiKey>(`/api/auth/api-keys/${id}`, body);
  }

  /** A new secret for the key; the old one works for `grace_seconds` more. */
  rotate(id: string, body: RotateApiKeyRequest): Observable<CreatedApiKey> {
    return this.http.post<CreatedApiKey>(
      `/api/auth/api-keys/${id}/rotate`,
      body,
    );
  }

  remove(id: string): Observable<void> {
    return this.http.delete<void>(`/api/auth/api-keys/${id}`);
  }
}
