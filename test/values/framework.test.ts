import { jsonSyntaxError } from '../../src/datafile.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import {
  MFT_FRAMEWORK,
  SCHWARTZ_FRAMEWORK,
  SCHWARTZ_VALUE_IDS,
  frameworkIssues,

  loadFramework,
  parseFramework,
} from '../../src/values/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-framework-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(ext: string, text: string): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, text);
  return path;
}

function loadError(pathOrId: string): TenetError {
  try {
    loadFramework(pathOrId);
  } catch (error) {
    expect(error).toBeInstanceOf(TenetError);
    return error as TenetError;
  }
  throw new Error(`expected loadFramework(${pathOrId}) to throw`);
}

const GOOD_YAML = `# a small framework
id: workplace
name: Workplace values
description: What we look for in a colleague.
dimensions:
  - id: candour
    name: Candour
    definition: Says what is true even when it is unwelcome.
    poles:
      positive: frank and clear
      negative: evasive or flattering
  - id: care
    name: Care
    definition: Notices how others are doing.
    items:
      - { id: checks_in, name: Checks in }
    group: people
`;

describe('built-in frameworks', () => {
  it('mft has the five core foundations with virtue/vice poles', () => {
    const mft = loadFramework('mft');
    expect(mft).toBe(MFT_FRAMEWORK);
    expect(mft.dimensions.map((d) => d.id)).toEqual(['care', 'fairness', 'loyalty', 'authority', 'sanctity']);
    for (const d of mft.dimensions) {
      expect(d.poles?.positive).toBeTruthy();
      expect(d.poles?.negative).toBeTruthy();
    }
    expect(mft.dimensions[0]!.poles!.positive).toMatch(/^Care:/);
    expect(mft.dimensions[0]!.poles!.negative).toMatch(/^Harm:/);
    expect(loadFramework('mft_liberty').dimensions.map((d) => d.id)).toContain('liberty');
  });

  it('schwartz has the 10 values in vector order carrying their 54 items', () => {
    const schwartz = loadFramework('schwartz');
    expect(schwartz).toBe(SCHWARTZ_FRAMEWORK);
    expect(schwartz.dimensions.map((d) => d.id)).toEqual([...SCHWARTZ_VALUE_IDS]);
    expect(schwartz.dimensions.flatMap((d) => d.items ?? [])).toHaveLength(54);
    const hedonism = schwartz.dimensions.find((d) => d.id === 'hedonism')!;
    expect(hedonism.groups).toEqual(['openness_to_change', 'self_enhancement']);
    expect(schwartz.dimensions.find((d) => d.id === 'power')!.group).toBe('self_enhancement');
  });

  it('built-ins pass their own file schema', () => {
    for (const fw of [MFT_FRAMEWORK, SCHWARTZ_FRAMEWORK]) {
      const plain = { ...fw, dimensions: fw.dimensions.map(({ groups: _drop, ...d }) => d) };
      expect(frameworkIssues(plain)).toEqual([]);
    }
  });
});

describe('framework files', () => {
  it('loads a good YAML file', () => {
    const fw = loadFramework(file('.yaml', GOOD_YAML));
    expect(fw.id).toBe('workplace');
    expect(fw.dimensions).toHaveLength(2);
    expect(fw.dimensions[0]!.poles).toEqual({ positive: 'frank and clear', negative: 'evasive or flattering' });
    expect(fw.dimensions[1]!.items).toEqual([{ id: 'checks_in', name: 'Checks in' }]);
  });

  it('loads a good JSON file and a .yml file', () => {
    const json = JSON.stringify({ id: 'j', name: 'J', dimensions: [{ id: 'a', name: 'A', definition: 'The a-ness.' }] }, null, 2);
    expect(loadFramework(file('.json', json)).dimensions[0]!.id).toBe('a');
    expect(loadFramework(file('.yml', GOOD_YAML)).id).toBe('workplace');
  });

  it('a missing file is NOT_FOUND with a hint naming the built-ins', () => {
    const e = loadError(join(dir, 'no-such-file.yaml'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.hint).toContain('mft');
    expect(e.hint).toContain('schwartz');
    expect(e.hint).toContain('path');
    expect(loadError('moral-foundations').code).toBe('NOT_FOUND');
  });

  it('a YAML syntax error reports file and line', () => {
    const path = file('.yaml', 'id: x\nname: X\ndimensions:\n  - id: a\n    name: "unclosed\n    definition: d\n');
    const e = loadError(path);
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^YAML syntax error/);
    expect(e.location?.file).toBe(path);
    expect(e.location?.line).toBeGreaterThanOrEqual(5);
    expect(e.exitCode).toBe(2);
    const dupKey = loadError(file('.yaml', 'id: x\nname: X\nid: y\n'));
    expect(dupKey.location?.line).toBe(3);
  });

  it('a JSON syntax error reports the line, also where V8 gives no position', () => {
    const trailing = '{\n  "id": "x",\n  "name": "X",\n  "dimensions": [\n    {"id": "a", "name": "A", "definition": "d"},\n  ]\n}\n';
    const e = loadError(file('.json', trailing));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^JSON syntax error: trailing comma/);
    expect(e.location?.line).toBe(6);
    const missingComma = loadError(file('.json', '{\n  "id": "x"\n  "name": "X"\n}'));
    expect(missingComma.location?.line).toBe(3);
    const truncated = loadError(file('.json', '{\n  "id": "x",\n'));
    expect(truncated.message).toContain('end of input');
    expect(truncated.location?.line).toBe(3);
  });

  it('a missing definition reports dimensions[1].definition and the line', () => {
    const yaml = 'id: x\nname: X\ndimensions:\n  - id: a\n    name: A\n    definition: d\n  - id: b\n    name: B\n';
    const path = file('.yaml', yaml);
    const e = loadError(path);
    expect(e.code).toBe('BAD_INPUT');
    expect(e.location).toEqual({ file: path, line: 7, path: 'dimensions[1].definition' });
    expect(e.message).toContain('dimensions[1].definition: missing');

    const json = '{\n  "id": "x",\n  "name": "X",\n  "dimensions": [\n    {"id": "a", "name": "A", "definition": "d"},\n    {"id": "b", "name": "B"}\n  ]\n}\n';
    const ej = loadError(file('.json', json));
    expect(ej.location).toMatchObject({ line: 6, path: 'dimensions[1].definition' });
  });

  it('reports duplicate ids, bad ids, wrong types and unknown fields, each with its line', () => {
    const yaml = [
      'id: x', //                                 1
      'name: X', //                               2
      'dimensions:', //                           3
      '  - id: a', //                             4
      '    name: A', //                           5
      '    definition: d', //                     6
      '  - id: Bad-Id', //                        7
      '    name: 12', //                          8
      '    definition: d', //                     9
      '  - id: a', //                             10
      '    name: A again', //                     11
      '    definition: d', //                     12
      '    pole: {positive: p}', //               13
      '    poles: {positive: p}', //              14
      '',
    ].join('\n');
    const e = loadError(file('.yaml', yaml));
    const issues = (e.details?.issues ?? []) as { path: string; line?: number; message: string }[];
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(byPath['dimensions[1].id']).toMatchObject({ line: 7 });
    expect(byPath['dimensions[1].id']!.message).toContain('snake_case');
    expect(byPath['dimensions[1].name']).toMatchObject({ line: 8 });
    expect(byPath['dimensions[1].name']!.message).toContain('expected a string');
    expect(byPath['dimensions[2].id']).toMatchObject({ line: 10 });
    expect(byPath['dimensions[2].id']!.message).toContain('duplicate dimension id "a"');
    expect(byPath['dimensions[2].pole']).toMatchObject({ line: 13 });
    expect(byPath['dimensions[2].pole']!.message).toContain('unknown field');
    expect(byPath['dimensions[2].poles.negative']).toMatchObject({ line: 14 });
    expect(e.location).toMatchObject({ line: 7, path: 'dimensions[1].id' });
    expect(e.message).toContain('5 problems');
  });

  it('reports a duplicate id on its own with the line', () => {
    const yaml = 'id: x\nname: X\ndimensions:\n  - {id: a, name: A, definition: d}\n  - {id: a, name: B, definition: e}\n';
    const e = loadError(file('.yaml', yaml));
    expect(e.location).toMatchObject({ line: 5, path: 'dimensions[1].id' });
    expect(e.message).toContain('duplicate dimension id "a" (first used at dimensions[0])');
  });

  it('rejects an empty file, a top-level list, no dimensions and a bad framework id', () => {
    expect(loadError(file('.yaml', '')).message).toContain('empty file');
    expect(loadError(file('.yaml', '- a\n- b\n')).message).toContain('got a list');
    expect(loadError(file('.yaml', 'id: x\nname: X\ndimensions: []\n')).location?.path).toBe('dimensions');
    expect(loadError(file('.yaml', 'name: X\ndimensions: [{id: a, name: A, definition: d}]\n')).location?.path).toBe('id');
    expect(loadError(file('.yaml', 'id: My Framework\nname: X\ndimensions: [{id: a, name: A, definition: d}]\n')).message).toContain(
      'snake_case',
    );
    expect(loadError(file('.txt', GOOD_YAML)).code).toBe('BAD_INPUT');
    expect(loadError(dir).code).toBe('BAD_INPUT');
  });

  it('parseFramework works on text without a file', () => {
    expect(parseFramework(GOOD_YAML).id).toBe('workplace');
    expect(() => parseFramework('{"id": 1}', { format: 'json' })).toThrow(/id: expected a string/);
  });
});

describe('jsonSyntaxError', () => {
  it('agrees with JSON.parse on what is valid', () => {
    for (const ok of ['{}', '[]', '[1, -2.5e3, "a\\n\\u00e9", true, false, null]', ' {"a": {"b": []}} ']) {
      expect(() => JSON.parse(ok)).not.toThrow();
      expect(jsonSyntaxError(ok)).toBeUndefined();
    }
    for (const bad of ['', '{', '[1,]', '{"a" 1}', "{'a': 1}", '[01]', '{"a": 1} x', '"\\x"', '{"a": tru}']) {
      expect(() => JSON.parse(bad)).toThrow();
      expect(jsonSyntaxError(bad), bad).toBeDefined();
    }
  });
});
