// Tests of ParameterTool: parsing of job arguments and typed, validated access.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.ts';
import { ParameterTool } from './params.ts';

test('parses --key value, --key=value, bare --flags and positional arguments', () => {
  const p = ParameterTool.fromArgs(['in.txt', '--input', 'a.txt', '--out=b=c.txt', '--verbose', '--n', '-5', 'extra', '--last']);
  assert.equal(p.get('input'), 'a.txt');
  assert.equal(p.get('out'), 'b=c.txt', 'only the first = separates key and value');
  assert.equal(p.get('verbose'), 'true');
  assert.equal(p.get('n'), '-5', 'a value may start with a single dash');
  assert.equal(p.get('last'), 'true');
  assert.deepEqual(p.positional, ['in.txt', 'extra']);
  assert.deepEqual(p.toObject(), { input: 'a.txt', out: 'b=c.txt', verbose: 'true', n: '-5', last: 'true' });
});

test('a flag followed by another option is a boolean, not the option as its value', () => {
  const p = ParameterTool.fromArgs(['--dry-run', '--parallelism', '4']);
  assert.equal(p.getBoolean('dry-run'), true);
  assert.equal(p.getNumber('parallelism'), 4);
});

test('get, has and fallbacks', () => {
  const p = ParameterTool.fromArgs(['--a', '1', '--empty=']);
  assert.equal(p.has('a'), true);
  assert.equal(p.has('b'), false);
  assert.equal(p.get('b'), undefined);
  assert.equal(p.get('b', 'dflt'), 'dflt');
  assert.equal(p.get('empty'), '');
  assert.equal(p.getNumber('b', 7), 7);
  assert.equal(p.getBoolean('b'), false);
  assert.equal(p.getBoolean('b', true), true);
});

test('getBoolean is false only for "false"', () => {
  const p = ParameterTool.fromArgs(['--x=false', '--y=0', '--z', 'yes']);
  assert.equal(p.getBoolean('x'), false);
  assert.equal(p.getBoolean('y'), true);
  assert.equal(p.getBoolean('z'), true);
});

test('missing required arguments and non-numbers are ConfigErrors naming the argument', () => {
  const p = ParameterTool.fromArgs(['--rate', 'fast', '--flag']);
  assert.throws(() => p.getRequired('input'), (e: unknown) => e instanceof ConfigError && /--input/.test(e.message));
  assert.throws(() => p.getNumber('count'), (e: unknown) => e instanceof ConfigError && /--count/.test(e.message));
  assert.throws(() => p.getNumber('rate'), (e: unknown) => e instanceof ConfigError && /--rate/.test(e.message) && /"fast"/.test(e.message));
  assert.throws(() => p.getNumber('flag'), ConfigError, 'a bare flag is not a number');
  assert.equal(p.getRequired('rate'), 'fast');
});

test('every accessor marks its key as requested; given keys never asked for are unrequested', () => {
  const p = ParameterTool.fromArgs(['--input', 'a', '--paralelism', '4', '--n', '3', '--flag', '--b=false', '--out=x', 'pos']);
  assert.deepEqual(p.getUnrequestedParameters(), ['input', 'paralelism', 'n', 'flag', 'b', 'out']);
  p.get('input');
  p.getNumber('n');
  p.has('flag');
  p.getBoolean('b');
  p.getRequired('out');
  p.get('absent', 'dflt');
  assert.deepEqual(p.getUnrequestedParameters(), ['paralelism'], 'positional arguments are never reported');
  assert.deepEqual(p.requestedKeys, ['input', 'n', 'flag', 'b', 'out', 'absent'], 'asked-for keys count even when not given');
});

test('a failed getRequired/getNumber still marks the key, and toObject marks every key', () => {
  const p = ParameterTool.fromArgs(['--rate', 'fast', '--x', '1']);
  assert.throws(() => p.getNumber('rate'), ConfigError);
  assert.throws(() => p.getRequired('missing'), ConfigError);
  assert.deepEqual(p.getUnrequestedParameters(), ['x']);
  assert.ok(p.requestedKeys.includes('missing'));
  p.toObject();
  assert.deepEqual(p.getUnrequestedParameters(), []);
});
