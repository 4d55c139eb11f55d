import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CalendarDay,
  ModelInfoList,
  OwnUsage,
  Quota,
} from '@tally/api-contract';
import { Observable } from 'rxjs';

/** The signed-in user's own limits and history. */
@Injectable({ providedIn: 'root' })
export class UsageApi {
  private readonly http = inject(HttpClient);

  /** Every limit that applies to a send to `model` (the default model when null). */
  quota(model: string | null): Observable<Quota> {
    const params = model ? new HttpParams().set('model', model) : undefined;
    return this.http.get<Quota>('/api/chats/quota', { params });
  }

  /** The models the user can send to. */
  models(): Observable<ModelInfoList> {
    return this.http.get<ModelInfoList>('/api/models');
  }

  /** One item per day from `from` to `to`, both included. */
  history(from: CalendarDay, to: CalendarDay): Observable<OwnUsage> {
    return this.http.get<OwnUsage>('/api/usage', {
      params: new HttpParams().set('from', from).set('to', to),
    });
  }
}

/** Today in `timeZone` as `YYYY-MM-DD` (the quota's day, not the browser's). */
export function todayIn(timeZone: string, now = new Date()): CalendarDay {
  try {
    // en-CA writes dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** The day `days` before `day` (calendar arithmetic, no time zone). */
export function daysBefore(day: CalendarDay, days: number): CalendarDay {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}
