import { describe, expect, it } from 'vitest';
import { isArtifactName, newestFirst, nextVersion, toArtifactFields, type Artifact } from '../../../src/domain/artifact.js';
import { InvalidArgumentError } from '../../../src/domain/errors.js';
import { thrownBy } from './thrown.js';

function issuesOf(fn: () => unknown) {
  return thrownBy(fn, InvalidArgumentError).issues;
}

describe('artifact names', () => {
  it.each([
    ['model.pt'],
    ['checkpoints/epoch-10/weights.bin'],
    ['a'],
    ['.hidden'],
    ['...'],
    ['v1.0_final-2'],
    ['n'.repeat(255)],
    // What MLflow clients upload.
    ['model/MLmodel'],
    ['checkpoints/epoch=3-step=1000.ckpt'],
    ['plots/loss curve.png'],
    ['data/train (v2).csv'],
    ['my model.pt'],
    ["= + @ , ~ ( ) [ ] # % ! & ' $ ; : ` ^ { } | < > * ? \""],
    ['100% done?/#1 & more'],
    ['runs:1/C:d'],
    ['x/C:y'],
    // Any script, and characters outside the Basic Multilingual Plane.
    ['模型/权重.bin'],
    ['données/été.csv'],
    ['модель/веса'],
    ['نموذج'],
    ['मॉडल.pt'],
    ['😀/🚀 launch.bin'],
    ['n\u00a0b'],
    ['zwj\u200dzwnj\u200c'],
  ])('accepts %j', (name) => {
    expect(isArtifactName(name)).toBe(true);
    expect(toArtifactFields({ name }, undefined).name).toBe(name);
  });

  it.each([
    ['', 'must be 1-255 characters'],
    ['n'.repeat(256), 'must be 1-255 characters'],
    ['/etc/passwd', 'must be a relative path, not an absolute one'],
    ['/', 'must be a relative path, not an absolute one'],
    ['C:model', 'must be a relative path, not one starting with a drive letter such as C:'],
    ['c:/windows/system32', 'must be a relative path, not one starting with a drive letter such as C:'],
    ['..', "must not hold empty, '.' or '..' segments"],
    ['.', "must not hold empty, '.' or '..' segments"],
    ['../secrets', "must not hold empty, '.' or '..' segments"],
    ['models/../../secrets', "must not hold empty, '.' or '..' segments"],
    ['models/..', "must not hold empty, '.' or '..' segments"],
    ['./model.pt', "must not hold empty, '.' or '..' segments"],
    ['models//model.pt', "must not hold empty, '.' or '..' segments"],
    ['models/', "must not hold empty, '.' or '..' segments"],
    ['models\\model.pt', 'must use / to separate segments, not backslashes'],
    ['..\\..\\windows', 'must use / to separate segments, not backslashes'],
    ['model\u0000.pt', 'must not contain control characters or line breaks'],
    ['model\n.pt', 'must not contain control characters or line breaks'],
    ['model\r.pt', 'must not contain control characters or line breaks'],
    ['model\t.pt', 'must not contain control characters or line breaks'],
    ['model\u007f.pt', 'must not contain control characters or line breaks'],
    ['model\u0085.pt', 'must not contain control characters or line breaks'],
    ['model\u2028.pt', 'must not contain control characters or line breaks'],
    ['model\ud800.pt', 'must be well-formed Unicode (it holds an unpaired surrogate)'],
    ['model\udc00', 'must be well-formed Unicode (it holds an unpaired surrogate)'],
    [' model.pt', 'segments must not start or end with whitespace'],
    ['model.pt ', 'segments must not start or end with whitespace'],
    ['plots /loss.png', 'segments must not start or end with whitespace'],
    ['plots/ loss.png', 'segments must not start or end with whitespace'],
    [' ', 'segments must not start or end with whitespace'],
    ['a/\u00a0', 'segments must not start or end with whitespace'],
    ['\u3000model', 'segments must not start or end with whitespace'],
  ])('refuses %j: %s', (name, message) => {
    expect(isArtifactName(name)).toBe(false);
    expect(issuesOf(() => toArtifactFields({ name }, undefined))).toEqual([{ path: '/name', message }]);
  });

  it("falls back to the uploaded file's name, and blames the file when that name is bad", () => {
    expect(toArtifactFields({}, 'weights.bin').name).toBe('weights.bin');
    expect(toArtifactFields({ name: 'given.bin' }, 'weights.bin').name).toBe('given.bin');
    expect(issuesOf(() => toArtifactFields({}, '../weights.bin'))).toEqual([{ path: '/file', message: expect.any(String) }]);
    expect(issuesOf(() => toArtifactFields({}, undefined))).toEqual([{ path: '/file', message: 'must be 1-255 characters' }]);
  });
});

describe('artifact fields', () => {
  it('default to type other, no tags, empty metadata, octet-stream and no version', () => {
    expect(toArtifactFields({}, 'f.bin')).toEqual({
      name: 'f.bin',
      type: 'other',
      tags: [],
      metadata: {},
      contentType: 'application/octet-stream',
    });
  });

  it('take a type, a version, comma-separated tags and JSON metadata', () => {
    const fields = toArtifactFields(
      { type: 'model', version: 'v1.2+cuda', tags: ' Prod , best,,PROD', metadata: '{"accuracy":0.93}', contentType: 'text/plain; charset=utf-8' },
      'f.bin',
    );
    expect(fields).toEqual({
      name: 'f.bin',
      type: 'model',
      version: 'v1.2+cuda',
      tags: ['prod', 'best'],
      metadata: { accuracy: 0.93 },
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('accept tags already split and metadata already parsed', () => {
    expect(toArtifactFields({ tags: ['A', 'b'], metadata: { epochs: 3 } }, 'f')).toMatchObject({ tags: ['a', 'b'], metadata: { epochs: 3 } });
  });

  it('replace a malformed content type with application/octet-stream', () => {
    expect(toArtifactFields({ contentType: 'not a type' }, 'f').contentType).toBe('application/octet-stream');
    expect(toArtifactFields({ contentType: '  ' }, 'f').contentType).toBe('application/octet-stream');
  });

  it.each([
    ['not json', 'must be valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['null', 'must be a JSON object'],
    ['"text"', 'must be a JSON object'],
    [JSON.stringify({ blob: 'x'.repeat(64 * 1024) }), 'must be at most 65536 bytes of JSON'],
  ])('refuse metadata %#: %s', (metadata, message) => {
    expect(issuesOf(() => toArtifactFields({ metadata }, 'f'))).toEqual([{ path: '/metadata', message }]);
  });

  it('accept metadata of exactly 64 KiB', () => {
    const padding = 64 * 1024 - JSON.stringify({ p: '' }).length;
    const metadata = JSON.stringify({ p: 'x'.repeat(padding) });
    expect(metadata).toHaveLength(64 * 1024);
    expect(toArtifactFields({ metadata }, 'f').metadata).toEqual({ p: 'x'.repeat(padding) });
  });

  it('refuse an unknown type and a malformed version, listing every bad field', () => {
    const issues = issuesOf(() => toArtifactFields({ name: '/abs', type: 'weights', version: 'v 1', tags: [''], metadata: '[]' }, 'f'));
    expect(issues.map((i) => i.path)).toEqual(['/name', '/type', '/version', '/tags/0', '/metadata']);
    expect(issues[1]?.message).toBe('must be one of model, dataset, figure, other');
  });

  it.each([[''], ['v'.repeat(65)], ['1/2'], ['ver sion']])('refuse version %j', (version) => {
    expect(issuesOf(() => toArtifactFields({ version }, 'f'))).toEqual([{ path: '/version', message: expect.any(String) }]);
  });
});

describe('automatic versions', () => {
  it('count 1, 2, 3… from the highest whole-number version so far', () => {
    expect(nextVersion([])).toBe('1');
    expect(nextVersion(['1', '2'])).toBe('3');
    expect(nextVersion(['2', '10', '9'])).toBe('11');
  });

  it('ignore versions that are not whole numbers', () => {
    expect(nextVersion(['v1', '1.5', '01', 'latest'])).toBe('1');
    expect(nextVersion(['v7', '3'])).toBe('4');
  });
});

describe('newest first', () => {
  const artifact = (id: string, uploadedAt: number, version: string): Artifact => ({
    id,
    runId: 'r',
    experimentId: 'e',
    name: 'm',
    type: 'model',
    path: 'sha256/00/00',
    size: 0,
    sha256: '00',
    version,
    tags: [],
    contentType: 'application/octet-stream',
    metadata: {},
    uploadedAt,
  });

  it('orders by upload time, then by version number, newest first', () => {
    const list = [artifact('a', 1, '1'), artifact('b', 3, '2'), artifact('c', 3, '10'), artifact('d', 2, '3')];
    expect([...list].sort(newestFirst).map((a) => a.id)).toEqual(['c', 'b', 'd', 'a']);
  });
});

describe('newest-first order of artifact versions uploaded at the same moment', () => {
  const at = (version: string, id: string) =>
    ({ id, version, uploadedAt: 1_000 }) as Parameters<typeof newestFirst>[0];

  it('is a total order: numbered versions highest first, then named ones, then by id', () => {
    const shuffled = [at('beta', 'x2'), at('1', 'x3'), at('2', 'x1'), at('alpha', 'x4'), at('10', 'x5')];
    expect([...shuffled].sort(newestFirst).map((a) => a.version)).toEqual(['10', '2', '1', 'alpha', 'beta']);
    expect([...shuffled].reverse().sort(newestFirst).map((a) => a.version)).toEqual(['10', '2', '1', 'alpha', 'beta']);
  });

  it('does not read 1e3 or 0x10 as numbers', () => {
    expect([at('1e3', 'b'), at('0x10', 'a'), at('5', 'c')].sort(newestFirst).map((a) => a.version)).toEqual(['5', '1e3', '0x10']);
  });
});

describe('automatic versions', () => {
  it('never exceed the version length limit, however large an explicit version was', () => {
    const next = nextVersion(['9'.repeat(64), '7']);
    expect(next).toBe('8');
    expect(nextVersion(['9'.repeat(63)]).length).toBeLessThanOrEqual(64);
  });
});
