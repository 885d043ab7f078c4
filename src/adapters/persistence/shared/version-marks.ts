import type { VersionMarks } from '../../../application/ports/artifact-repository.js';
import { highestVersion } from '../../../domain/artifact.js';
import { InvalidArgumentError } from '../../../domain/errors.js';

/**
 * What every store checks before raising version marks: each must be a whole-number version as
 * automatic numbering counts them (`highestVersion` gives back exactly such a version, and
 * nothing for any other), so that a store holds only marks it could have given itself.
 * @throws InvalidArgumentError naming the first mark that is not.
 */
export function assertVersionMarks(marks: VersionMarks): void {
  for (const [name, mark] of marks) {
    if (highestVersion([mark]) !== mark) {
      throw InvalidArgumentError.field('/versionMarks', `the mark of '${name}' must be a whole-number version (1-63 digits, no leading 0), not '${mark}'`);
    }
  }
}
