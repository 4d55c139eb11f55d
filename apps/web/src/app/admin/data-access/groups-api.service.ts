import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateGroupRequest,
  Group,
  GroupList,
  GroupListQuery,
  Page,
  UpdateGroupRequest,
  User,
} from '@tally/api-contract';
import { Observable } from 'rxjs';

const GROUPS = '/api/admin/groups';
const one = (id: string) => `${GROUPS}/${encodeURIComponent(id)}`;
const member = (groupId: string, userId: string) =>
  `${one(groupId)}/members/${encodeURIComponent(userId)}`;

function pageParams(query: GroupListQuery): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      params = params.set(key, String(value));
    }
  }
  return params;
}

/** Groups of users and who is in them. */
@Injectable({ providedIn: 'root' })
export class GroupsApi {
  private readonly http = inject(HttpClient);

  groups(query: GroupListQuery = {}): Observable<GroupList> {
    return this.http.get<GroupList>(GROUPS, { params: pageParams(query) });
  }

  group(id: string): Observable<Group> {
    return this.http.get<Group>(one(id));
  }

  create(body: CreateGroupRequest): Observable<Group> {
    return this.http.post<Group>(GROUPS, body);
  }

  update(id: string, body: UpdateGroupRequest): Observable<Group> {
    return this.http.patch<Group>(one(id), body);
  }

  delete(id: string): Observable<void> {
    return this.http.delete<void>(one(id));
  }

  members(
    id: string,
    query: { page?: number; page_size?: number } = {},
  ): Observable<Page<User>> {
    return this.http.get<Page<User>>(`${one(id)}/members`, {
      params: pageParams(query),
    });
  }

  addMember(groupId: string, userId: string): Observable<void> {
    return this.http.put<void>(member(groupId, userId), null);
  }

  removeMember(groupId: string, userId: string): Observable<void> {
    return this.http.delete<void>(member(groupId, userId));
  }
}
