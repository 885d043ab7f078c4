import type { Route } from '../../lib/route.js';
import { updateQuery } from '../../router.js';

/** The columns the API can order experiments by (`orderBy`). */
export type SortField = 'name' | 'createdAt' | 'updatedAt';

export interface Sort {
  field: SortField;
  descending: boolean;
}

/** What the experiments list shows, as kept in the URL (`#/?q=…&tags=a,b&trash=1&sort=name`). */
export interface ListQuery {
  q: string;
  tags: string[];
  trash: boolean;
  sort: Sort;
}

export const DEFAULT_SORT: Sort = { field: 'createdAt', descending: true };
const FIELDS: readonly SortField[] = ['name', 'createdAt', 'updatedAt'];

export function readListQuery(route: Route): ListQuery {
  return {
    q: route.query.get('q') ?? '',
    tags: splitTags(route.query.get('tags') ?? ''),
    trash: route.query.get('trash') === '1',
    sort: parseSort(route.query.get('sort')),
  };
}

/** `a, B,,c` → `['a', 'b', 'c']`: the API lower-cases tags, so the UI compares them the same way. */
export function splitTags(text: string): string[] {
  const tags = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  return [...new Set(tags)];
}

/** `-updatedAt` → updatedAt descending; anything unknown is the default (newest first). */
export function parseSort(text: string | null): Sort {
  if (!text) return DEFAULT_SORT;
  const descending = text.startsWith('-');
  const field = (descending ? text.slice(1) : text) as SortField;
  return FIELDS.includes(field) ? { field, descending } : DEFAULT_SORT;
}

export function formatSort(sort: Sort): string {
  return `${sort.descending ? '-' : ''}${sort.field}`;
}

/** The `GET /api/experiments` query for a view. */
export function apiQuery(query: ListQuery, pageSize: number): Record<string, string | number | undefined> {
  return {
    name: query.q.trim() || undefined,
    tags: query.tags.length > 0 ? query.tags.join(',') : undefined,
    lifecycle: query.trash ? 'deleted' : undefined,
    orderBy: formatSort(query.sort),
    limit: pageSize,
  };
}

/** Changes some of the list's URL values (on the URL as it is now: see updateQuery). */
export function updateListUrl(changes: Partial<{ q: string; tags: string[]; trash: boolean; sort: Sort }>, options: { replace?: boolean } = { replace: true }): void {
  const query: Record<string, string | undefined> = {};
  if (changes.q !== undefined) query.q = changes.q.trim() === '' ? undefined : changes.q;
  if (changes.tags !== undefined) query.tags = changes.tags.length > 0 ? changes.tags.join(',') : undefined;
  if (changes.trash !== undefined) query.trash = changes.trash ? '1' : undefined;
  if (changes.sort !== undefined) {
    const sort = formatSort(changes.sort);
    query.sort = sort === formatSort(DEFAULT_SORT) ? undefined : sort;
  }
  updateQuery(query, options);
}
