import { describe, expect, it } from 'vitest';
import { parseExperimentFilter, parseExperimentOrderBy, type ExperimentFacts } from '../../../src/adapters/http/mlflow/experiment-search.js';
import { issueOf } from '../../support/issues.js';


describe('parseExperimentFilter', () => {
  const experiments: ExperimentFacts[] = [
    { id: '1', name: 'Default', creationTime: 100, lastUpdateTime: 500, tags: { team: 'nlp' } },
    { id: '2', name: 'resnet-sweep', creationTime: 200, lastUpdateTime: 300, tags: { team: 'vision', 'mlflow.note': 'x' } },
    { id: '10', name: 'Résumé', creationTime: 300, lastUpdateTime: 300, tags: {} },
  ];
  const found = (filter: string): string[] => experiments.filter(parseExperimentFilter(filter)).map((e) => e.id);
  const error = (filter: string) => issueOf(() => parseExperimentFilter(filter));

  it('finds every experiment with an empty filter', () => {
    expect(found('')).toEqual(['1', '2', '10']);
    expect(found('   ')).toEqual(['1', '2', '10']);
  });

  it('compares names exactly, or by LIKE and ILIKE as run search does', () => {
    expect(found("name = 'Default'")).toEqual(['1']);
    expect(found("attributes.name != 'Default'")).toEqual(['2', '10']);
    expect(found("name LIKE 'res%'")).toEqual(['2']);
    expect(found("name ILIKE 'R%'")).toEqual(['2', '10']);
    expect(found("name ILIKE 'RÉSUMÉ'")).toEqual(['10']);
    expect(found("name LIKE '_esnet%'")).toEqual(['2']);
    expect(found("name LIKE 'default'")).toEqual([]);
  });

  it('compares creation and update times as numbers', () => {
    expect(found('creation_time > 150')).toEqual(['2', '10']);
    expect(found('creation_time >= 100 and last_update_time <= 300')).toEqual(['2', '10']);
    expect(found('last_update_time = 500')).toEqual(['1']);
    expect(found('attributes.creation_time != 200 AND creation_time < 300.5')).toEqual(['1', '10']);
  });

  it('compares tags; an experiment without the tag fails the comparison, != included', () => {
    expect(found("tags.team = 'nlp'")).toEqual(['1']);
    expect(found("tags.team != 'nlp'")).toEqual(['2']);
    expect(found("tags.team LIKE '%'")).toEqual(['1', '2']);
    expect(found("tags.`mlflow.note` = 'x' and tag.team ILIKE 'VISION'")).toEqual(['2']);
    expect(found("tags.constructor LIKE '%'")).toEqual([]);
  });

  it('joins comparisons with AND', () => {
    expect(found("name ILIKE '%e%' and tags.team != 'vision' and creation_time < 1000")).toEqual(['1']);
  });

  it('refuses what experiments cannot be searched by, on /filter with a position', () => {
    expect(error("metrics.acc > 1")).toEqual({
      path: '/filter',
      message: "at character 1 ('metrics.acc > 1'): experiments are searched by name, creation_time, last_update_time and tags.<key>, not by metrics",
    });
    expect(error("name = 'a' and experiment_id = '1'")).toMatchObject({ message: expect.stringMatching(/^at character 16 .*unknown attribute 'experiment_id'/) });
    expect(error("name > 'a'")).toMatchObject({ message: "at character 6 ('> 'a''): name compares with =, !=, LIKE, ILIKE" });
    expect(error("name IN ('a')")).toMatchObject({ message: expect.stringContaining('name compares with =, !=, LIKE, ILIKE') });
    expect(error("tags.team IN ('a')")).toMatchObject({ message: expect.stringContaining('tags.team compares with =, !=, LIKE, ILIKE') });
    expect(error("creation_time > '2024'")).toMatchObject({ message: expect.stringContaining('creation_time holds numbers') });
    expect(error("name = 'a' OR name = 'b'")).toMatchObject({ message: expect.stringContaining('MLflow filters have no OR') });
  });
});

describe('parseExperimentOrderBy', () => {
  const experiments: ExperimentFacts[] = [
    { id: '2', name: 'resnet-sweep', creationTime: 200, lastUpdateTime: 300, tags: {} },
    { id: '10', name: 'Résumé', creationTime: 300, lastUpdateTime: 300, tags: {} },
    { id: '1', name: 'Default', creationTime: 100, lastUpdateTime: 500, tags: {} },
    { id: '9', name: 'Default', creationTime: 300, lastUpdateTime: 100, tags: {} },
  ];
  const sorted = (orderBy: string[], given = experiments): string[] => [...given].sort(parseExperimentOrderBy(orderBy)).map((e) => e.id);

  it('sorts newest first by default, experiment id ascending among equals', () => {
    expect(sorted([])).toEqual(['9', '10', '2', '1']);
  });

  it('sorts by each field either way, experiment id ascending breaking every tie', () => {
    // By code point: 'D' < 'R' < 'r'.
    expect(sorted(['name'])).toEqual(['1', '9', '10', '2']);
    expect(sorted(['name DESC'])).toEqual(['2', '10', '1', '9']);
    expect(sorted(['last_update_time'])).toEqual(['9', '2', '10', '1']);
    expect(sorted(['attributes.last_update_time desc'])).toEqual(['1', '2', '10', '9']);
    expect(sorted(['creation_time ASC'])).toEqual(['1', '2', '9', '10']);
    expect(sorted(['name', 'creation_time desc'])).toEqual(['9', '1', '10', '2']);
  });

  it('compares experiment ids as integers when both are digits, of any length, else by code point', () => {
    const ids = (list: string[]) => list.map((id) => ({ id, name: 'e', creationTime: 0, lastUpdateTime: 0, tags: {} }));
    expect(sorted(['experiment_id'], ids(['10', '9', '100', '2']))).toEqual(['2', '9', '10', '100']);
    expect(sorted(['experiment_id desc'], ids(['10', '9', '100', '2']))).toEqual(['100', '10', '9', '2']);
    expect(sorted(['experiment_id'], ids(['123456789012345678901', '99', '123456789012345678900']))).toEqual(['99', '123456789012345678900', '123456789012345678901']);
    expect(sorted(['experiment_id'], ids(['b', '10', 'a', '9', '010']))).toEqual(['9', '010', '10', 'a', 'b']);
  });

  it('says which clause is wrong, and where', () => {
    const error = (orderBy: string[]) => issueOf(() => parseExperimentOrderBy(orderBy));
    expect(error(['name', 'tags.team'])).toEqual({
      path: '/order_by/1',
      message: "at character 1 ('tags.team'): experiments are sorted by name, experiment_id, creation_time or last_update_time, not by tags.team",
    });
    expect(error(['lifecycle_stage'])).toMatchObject({ path: '/order_by/0', message: expect.stringContaining('not by lifecycle_stage') });
    expect(error(['name upward'])).toEqual({ path: '/order_by/0', message: "at character 6 ('upward'): expected ASC, DESC or the end of the clause" });
  });
});
