import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  AlertList,
  AlertListQuery,
  AlertTestResult,
} from '@tally/api-contract';
import { Observable } from 'rxjs';

/** The recorded alerts and the test alert (admin only). */
@Injectable({ providedIn: 'root' })
export class AlertsApi {
  private readonly http = inject(HttpClient);

  alerts(query: AlertListQuery): Observable<AlertList> {
    let params = new HttpParams();
    if (query.page) params = params.set('page', String(query.page));
    if (query.page_size)
      params = params.set('page_size', String(query.page_size));
    return this.http.get<AlertList>('/api/admin/alerts', { params });
  }

  /** Sends a test alert to the saved webhook now, and says what happened. */
  sendTest(): Observable<AlertTestResult> {
    return this.http.post<AlertTestResult>('/api/admin/alerts/test', null);
  }
}
