import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  AdminLimit,
  AdminLimitList,
  AdminLimitQuery,
  CreateGrantRequest,
  CreateLimitRequest,
  Grant,
  GrantList,
  UpdateLimitRequest,
} from '@tally/api-contract';
import { Observable, map } from 'rxjs';

const LIMITS = '/api/admin/limits';
const one = (id: string) => `${LIMITS}/${encodeURIComponent(id)}`;
const grants = (userId: string) =>
  `/api/admin/users/${encodeURIComponent(userId)}/grants`;

/** Limits of every subject, and the one-off grants that raise a user's. */
@Injectable({ providedIn: 'root' })
export class LimitsApi {
  private readonly http = inject(HttpClient);

  /** Every limit, or a subject's (`subject`, with `subject_id` for a group or a user). */
  limits(query: AdminLimitQuery = {}): Observable<AdminLimit[]> {
    let params = new HttpParams();
    if (query.subject) {
      params = params.set('subject', query.subject);
    }
    if (query.subject_id) {
      params = params.set('subject_id', query.subject_id);
    }
    return this.http
      .get<AdminLimitList>(LIMITS, { params })
      .pipe(map((list) => list.items));
  }

  create(body: CreateLimitRequest): Observable<AdminLimit> {
    return this.http.post<AdminLimit>(LIMITS, body);
  }

  update(id: string, body: UpdateLimitRequest): Observable<AdminLimit> {
    return this.http.patch<AdminLimit>(one(id), body);
  }

  delete(id: string): Observable<void> {
    return this.http.delete<void>(one(id));
  }

  /** A user's grants in the windows now in force. */
  grants(userId: string): Observable<Grant[]> {
    return this.http
      .get<GrantList>(grants(userId))
      .pipe(map((list) => list.items));
  }

  grant(userId: string, body: CreateGrantRequest): Observable<Grant> {
    return this.http.post<Grant>(grants(userId), body);
  }
}
