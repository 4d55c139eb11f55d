import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  GatewayRequest,
  GatewayRequestList,
  GatewayRequestQuery,
} from '@tally/api-contract';
import { Observable } from 'rxjs';

/** The request log of the OpenAI-compatible endpoint (admin only). */
@Injectable({ providedIn: 'root' })
export class RequestsApi {
  private readonly http = inject(HttpClient);

  requests(query: GatewayRequestQuery): Observable<GatewayRequestList> {
    let params = new HttpParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '')
        params = params.set(key, String(value));
    }
    return this.http.get<GatewayRequestList>('/api/admin/requests', {
      params,
    });
  }

  /** One row, for its detail view. */
  request(id: string): Observable<GatewayRequest> {
    return this.http.get<GatewayRequest>(
      `/api/admin/requests/${encodeURIComponent(id)}`,
    );
  }
}
