import { inject, injectable } from 'tsyringe';
import { InvalidArgumentError, Issues } from '../../../domain/errors.js';
import type { ExperimentFilter, ExperimentOrder, ExperimentOrderField, ExperimentSummary } from '../../../domain/experiment.js';
import type { ExperimentRepository } from '../../ports/experiment-repository.js';
import { checkLimit, decodePageToken, fetchPage } from '../../page-token.js';
import { TOKENS } from '../../tokens.js';

export interface ListExperimentsInput {
  filter?: Partial<ExperimentFilter>;
  /** `createdAt`, `updatedAt` or `name`, with a `-` prefix for descending. */
  orderBy?: string;
  limit?: number;
  pageToken?: string;
}

export interface ExperimentPage {
  experiments: ExperimentSummary[];
  nextPageToken?: string;
}

const ORDER_FIELDS: readonly ExperimentOrderField[] = ['createdAt', 'updatedAt', 'name'];

export function parseExperimentOrder(orderBy = '-createdAt'): ExperimentOrder {
  const descending = orderBy.startsWith('-');
  const field = (descending ? orderBy.slice(1) : orderBy) as ExperimentOrderField;
  if (!ORDER_FIELDS.includes(field)) {
    throw InvalidArgumentError.field('/orderBy', `must be one of ${ORDER_FIELDS.join(', ')}, optionally prefixed by -`);
  }
  return { field, descending };
}

@injectable()
export class ListExperiments {
  constructor(@inject(TOKENS.Experiments) private readonly experiments: ExperimentRepository) {}

  async execute(input: ListExperimentsInput = {}): Promise<ExperimentPage> {
    // Every bad field is reported at once.
    const issues = new Issues();
    const lifecycle = input.filter?.lifecycle ?? 'active';
    if (!['active', 'deleted', 'all'].includes(lifecycle)) issues.add('/lifecycle', 'must be active, deleted or all');
    for (const field of ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const) {
      const value = input.filter?.[field];
      if (value !== undefined && !Number.isFinite(value)) issues.add(`/${field}`, 'must be an ISO-8601 date or date-time');
    }
    const order = issues.collect(() => parseExperimentOrder(input.orderBy)) as ExperimentOrder;
    const limit = checkLimit(input.limit, 100, 1000, issues);
    issues.throwIfAny();
    const filter: ExperimentFilter = { ...input.filter, lifecycle };
    filter.allTags = filter.allTags?.map((t) => t.trim().toLowerCase()).filter(Boolean);
    filter.anyTags = filter.anyTags?.map((t) => t.trim().toLowerCase()).filter(Boolean);
    const query = JSON.stringify(['experiments', filter, order]);
    const after = decodePageToken(input.pageToken, query, order.field === 'name' ? 'string' : 'number');
    const page = await fetchPage(
      limit,
      after,
      query,
      (n, cursor) => this.experiments.list({ filter, order, page: { limit: n, ...(cursor ? { after: cursor } : {}) } }),
      (e) => ({ value: e[order.field], id: e.id }),
    );
    return { experiments: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  }
}
