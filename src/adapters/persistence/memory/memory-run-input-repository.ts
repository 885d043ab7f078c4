import type { RunInputRepository } from '../../../application/ports/run-input-repository.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { DatasetInput } from '../../../domain/run-input.js';
import { copy, type MemoryDatabase } from './memory-database.js';

export class MemoryRunInputRepository implements RunInputRepository {
  constructor(private readonly db: MemoryDatabase) {}

  async add(runId: string, inputs: readonly DatasetInput[]): Promise<void> {
    if (!this.db.runs.has(runId)) throw new NotFoundError('run', runId);
    const held = this.db.inputs.get(runId) ?? [];
    for (const input of inputs) {
      if (!held.some((h) => h.name === input.name && h.digest === input.digest)) held.push(copy(input));
    }
    this.db.inputs.set(runId, held);
  }

  async listForRuns(runIds: readonly string[]): Promise<Map<string, DatasetInput[]>> {
    return new Map(runIds.map((id) => [id, copy(this.db.inputs.get(id) ?? [])]));
  }
}
