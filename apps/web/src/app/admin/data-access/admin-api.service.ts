import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  AdminUser,
  AdminUserList,
  AdminUserListQuery,
  CalendarDay,
  CreateAdminUserRequest,
  Settings,
  UpdateAdminUserRequest,
  UpdateSettingsRequest,
  UsageByModel,
  UsageByModelQuery,
  UsageHistory,
  UsageHistoryQuery,
  UsageReport,
  UsageReportQuery,
} from '@tally/api-contract';
import { Observable } from 'rxjs';

/** Query parameters without the empty ones. */
function params(query: object): HttpParams {
  let result = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      result = result.set(key, String(value));
    }
  }
  return result;
}

@Injectable({ providedIn: 'root' })
export class AdminApi {
  private readonly http = inject(HttpClient);

  users(query: AdminUserListQuery): Observable<AdminUserList> {
    return this.http.get<AdminUserList>('/api/admin/users', {
      params: params(query),
    });
  }

  createUser(body: CreateAdminUserRequest): Observable<AdminUser> {
    return this.http.post<AdminUser>('/api/admin/users', body);
  }

  updateUser(id: string, body: UpdateAdminUserRequest): Observable<AdminUser> {
    return this.http.patch<AdminUser>(
      `/api/admin/users/${encodeURIComponent(id)}`,
      body,
    );
  }

  settings(): Observable<Settings> {
    return this.http.get<Settings>('/api/admin/settings');
  }

  updateSettings(body: UpdateSettingsRequest): Observable<Settings> {
    return this.http.patch<Settings>('/api/admin/settings', body);
  }

  usage(query: UsageReportQuery): Observable<UsageReport> {
    return this.http.get<UsageReport>('/api/admin/usage', {
      params: params(query),
    });
  }

  usageHistory(query: UsageHistoryQuery = {}): Observable<UsageHistory> {
    return this.http.get<UsageHistory>('/api/admin/usage/history', {
      params: params(query),
    });
  }

  /** A day's usage per model (no date: today in the quota time zone), of a group's members or one model if given. */
  usageByModel(query: UsageByModelQuery = {}): Observable<UsageByModel> {
    return this.http.get<UsageByModel>('/api/admin/usage/models', {
      params: params(query),
    });
  }

  /** Usage from `from` to `to` as CSV: one row per user per day with usage. */
  usageRangeCsv(from: CalendarDay, to: CalendarDay): Observable<Blob> {
    return this.http.get('/api/admin/usage/export', {
      params: params({ from, to }),
      responseType: 'blob',
    });
  }

  /** The day's usage as CSV (of one group's members, if given), fetched with the auth header (a plain link could not send it). */
  usageCsv(date: CalendarDay, group_id?: string): Observable<Blob> {
    return this.http.get('/api/admin/usage/export', {
      params: params({ date, group_id }),
      responseType: 'blob',
    });
  }
}
