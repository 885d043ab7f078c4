import { inject, injectable } from 'tsyringe';
import type { Principal } from '../domain/access.js';
import { PermissionDeniedError } from '../domain/errors.js';
import type { ExperimentId } from '../domain/experiment.js';
import type { OrderTerm } from '../domain/search/filter.js';
import type { RunSearch } from './ports/run-search.js';
import { TOKENS } from './tokens.js';

/** Counted up to this many; beyond it the refusal says "or more" rather than read every run. */
export const OTHERS_RUNS_COUNTED = 1_000;
const NAMES_SHOWN = 3;
// Sorted by creator, so the search hands back each run's creator as its sort key: no second read.
const BY_CREATOR: OrderTerm[] = [{ field: { kind: 'attribute', name: 'createdBy' }, descending: false }];

/**
 * Deleting or restoring an experiment moves (or purges) every run in it. A writer may delete
 * only what they created, so a writer whose experiment holds runs of other users may not do it
 * wholesale: their runs would vanish, or land in a trash their owners cannot empty or restore.
 * Admins (and the anonymous admin of FATHOM_AUTH=none) are not asked.
 */
@injectable()
export class OthersRuns {
  constructor(@inject(TOKENS.RunSearch) private readonly search: RunSearch) {}

  /** @throws PermissionDeniedError saying how many runs of whom, when a non-admin actor would touch others' runs. */
  async assertNoneIn(experimentId: ExperimentId, actor: Principal, action: string): Promise<void> {
    if (actor.role === 'admin') return;
    const found = await this.search.search({
      experimentIds: [experimentId],
      filter: { type: 'compare', field: { kind: 'attribute', name: 'createdBy' }, operator: '!=', value: actor.user },
      orderBy: BY_CREATOR,
      limit: OTHERS_RUNS_COUNTED,
    });
    if (found.length === 0) return;
    const creators = [...new Set(found.map((position) => String(position.keys[0])))];
    const named = creators.slice(0, NAMES_SHOWN).map((name) => `'${name}'`);
    if (creators.length > NAMES_SHOWN) named.push(`${creators.length - NAMES_SHOWN} more`);
    const count = found.length >= OTHERS_RUNS_COUNTED ? `${OTHERS_RUNS_COUNTED} or more runs` : found.length === 1 ? '1 run' : `${found.length} runs`;
    throw new PermissionDeniedError(
      `${action}: it holds ${count} created by other users (${named.join(', ')}); user '${actor.user}' (${actor.role}) may only do this to what they created, ` +
        'so those users must delete their runs first, or an admin must do it',
    );
  }
}
