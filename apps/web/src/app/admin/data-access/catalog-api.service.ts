import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  Connection,
  ConnectionList,
  ConnectionTestResult,
  CreateConnectionRequest,
  CreateModelRequest,
  Model,
  ModelList,
  UpdateConnectionRequest,
  UpdateModelRequest,
} from '@tally/api-contract';
import { Observable, map } from 'rxjs';

const CONNECTIONS = '/api/admin/connections';
const MODELS = '/api/admin/models';
const one = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

/** The admin's side of the model catalog: provider connections and the models on them. */
@Injectable({ providedIn: 'root' })
export class CatalogApi {
  private readonly http = inject(HttpClient);

  connections(): Observable<Connection[]> {
    return this.http
      .get<ConnectionList>(CONNECTIONS)
      .pipe(map((list) => list.items));
  }

  createConnection(body: CreateConnectionRequest): Observable<Connection> {
    return this.http.post<Connection>(CONNECTIONS, body);
  }

  updateConnection(
    id: string,
    body: UpdateConnectionRequest,
  ): Observable<Connection> {
    return this.http.patch<Connection>(one(CONNECTIONS, id), body);
  }

  deleteConnection(id: string): Observable<void> {
    return this.http.delete<void>(one(CONNECTIONS, id));
  }

  /** Asks the provider for its models: `{ok: true, models}` or `{ok: false, error}`. */
  testConnection(id: string): Observable<ConnectionTestResult> {
    return this.http.post<ConnectionTestResult>(
      `${one(CONNECTIONS, id)}/test`,
      null,
    );
  }

  /** Every model, disabled ones included. */
  models(): Observable<Model[]> {
    return this.http.get<ModelList>(MODELS).pipe(map((list) => list.items));
  }

  createModel(body: CreateModelRequest): Observable<Model> {
    return this.http.post<Model>(MODELS, body);
  }

  updateModel(id: string, body: UpdateModelRequest): Observable<Model> {
    return this.http.patch<Model>(one(MODELS, id), body);
  }

  deleteModel(id: string): Observable<void> {
    return this.http.delete<void>(one(MODELS, id));
  }
}
