import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  EXPR_LIMITS,
  ExprError,
  SUPPORTED_FUNCTIONS,
  evaluate,
  functionsUsed,
  parseExpr,
  substituteExpressions,
  type ExprValue,
} from '../../hooks/workflow/expr/index.ts'

/** Flat, with Argo's dotted names, as the engine hands it over. */
const env: Record<string, ExprValue> = {
  'inputs.parameters.x': '3',
  'inputs.parameters.my-param': 'hi',
  'inputs.parameters.my-int-param': '21',
  'inputs.parameters.my-float-param': '2.5',
  'inputs.parameters.my-string-param': '  padded  ',
  'inputs.parameters.s': 'shout',
  'inputs.parameters.one': '1',
  'inputs.parameters.re': '(',
  'inputs.parameters.json':
    '{"some":{"path":"found","list":[1,2,3]},"items":[{"name":"a","n":1},{"name":"b","n":2}],"k-1":"dash"}',
  'inputs.parameters': '{"x":"3"}',
  'steps.flip-coin.outputs.result': 'heads',
  'steps.coin-flip.outputs.parameters.result': '5',
  'workflow.name': 'wf-1',
  'workflow.status': 'Succeeded',
  'workflow.parameters.param': 'fallback',
  'lastRetry.exitCode': '2',
  item: { name: 'n1', size: 3 },
}

const run = (source: string, e: Record<string, ExprValue> = env) => evaluate(parseExpr(source), e)

interface Case {
  expr: string
  value: ExprValue
  reason?: string
}

/** One `it` per case: the expression must parse and evaluate to exactly `value`. */
function table(title: string, cases: Case[]): void {
  describe(title, () => {
    it.each(cases)('$expr → $value $reason', ({ expr, value }) => {
      expect(run(expr)).toStrictEqual(value)
    })
  })
}

table('literals', [
  { expr: '42', value: 42 },
  { expr: '0x2A + 0o52 + 0b101010', value: 126, reason: '(hex, octal and binary integers)' },
  { expr: '1_000_000', value: 1000000, reason: '(underscores separate digits)' },
  { expr: '0.5 + .5 + 1e2', value: 101, reason: '(floats with a leading dot and an exponent)' },
  { expr: `'single' + "double"`, value: 'singledouble' },
  { expr: String.raw`'it\'s' + "\"q\""`, value: `it's"q"` },
  { expr: String.raw`"tab\there\nnewline"`, value: 'tab\there\nnewline' },
  {
    expr: String.raw`'\u00e9\x41\101\U0001F600'`,
    value: 'éAA😀',
    reason: "(Go's \\u, \\x, octal and \\U escapes)",
  },
  { expr: '`raw\\n`', value: 'raw\\n', reason: '(backquoted strings are raw)' },
  { expr: 'true', value: true },
  { expr: 'false', value: false },
  { expr: 'nil', value: null },
  {
    expr: "[1, 'a', nil, [true],]",
    value: [1, 'a', null, [true]],
    reason: '(a trailing comma is allowed)',
  },
  {
    expr: "{a: 1, 'b-c': 2, 3: 'x', (string(4)): 'y'}",
    value: { a: 1, 'b-c': 2, '3': 'x', '4': 'y' },
    reason: '(keys: names, strings, numbers, parenthesized expressions)',
  },
  { expr: '1 /* two */ + 2 // three', value: 3, reason: '(comments)' },
])

table('arithmetic', [
  { expr: '1 + 2 * 3', value: 7 },
  { expr: '(1 + 2) * 3', value: 9 },
  { expr: '10 - 2 - 3', value: 5, reason: '(left associative)' },
  { expr: '7 / 2', value: 3.5, reason: "(expr's / always divides as floats)" },
  { expr: '6 / 3', value: 2 },
  { expr: '7 % 3', value: 1 },
  { expr: '-7 % 3', value: -1, reason: "(Go's % truncates toward zero)" },
  { expr: '2 ** 10', value: 1024 },
  { expr: '2 ^ 3', value: 8, reason: '(^ is exponent too)' },
  { expr: '2 ** 3 ** 2', value: 512, reason: '(right associative)' },
  { expr: '-2 ** 2', value: -4, reason: '(unary minus binds looser than **)' },
  { expr: '-(1 + 2) + +5', value: 2 },
  { expr: "'con' + 'cat'", value: 'concat' },
  { expr: '1..4', value: [1, 2, 3, 4], reason: '(range)' },
  { expr: '3..1', value: [] },
  { expr: '0.1 + 0.2', value: 0.30000000000000004 },
])

table('comparison', [
  { expr: '1 < 2', value: true },
  { expr: '2 <= 2', value: true },
  { expr: '3 > 4', value: false },
  { expr: '2 >= 3', value: false },
  { expr: "'abc' < 'abd'", value: true },
  { expr: "'10' < '9'", value: true, reason: '(strings compare as strings: no conversion)' },
  { expr: '1 == 1.0', value: true },
  { expr: "'5' == 5", value: false, reason: '(no implicit conversion in expr)' },
  { expr: "'5' != 5", value: true },
  { expr: "[1, [2, 'x']] == [1, [2, 'x']]", value: true, reason: '(deep equality)' },
  { expr: '{a: 1, b: [2]} == {b: [2], a: 1}', value: true },
  { expr: '{a: 1} == {a: 1, b: 2}', value: false },
  { expr: 'nil == nil', value: true },
  { expr: 'nil != 0', value: true },
  { expr: '1 < 2 < 3', value: true, reason: '(chained: 1 < 2 && 2 < 3)' },
  { expr: '3 > 2 > 1', value: true, reason: '(chained, unlike JavaScript where it is false)' },
  { expr: '1 < 3 < 2', value: false },
])

table('logic and conditionals', [
  { expr: 'true && false', value: false },
  { expr: 'true and true', value: true },
  { expr: 'false || true', value: true },
  { expr: 'false or false', value: false },
  { expr: '!true', value: false },
  { expr: 'not false', value: true },
  { expr: '!true && false', value: false, reason: '(! binds tighter than &&)' },
  { expr: 'not (1 > 2)', value: true },
  {
    expr: 'false && 1 / 0 > 1',
    value: false,
    reason: '(&& short-circuits: the division never runs)',
  },
  { expr: 'true || nil.x', value: true, reason: '(|| short-circuits)' },
  { expr: 'true || false && false', value: true, reason: '(&& binds tighter than ||)' },
  { expr: "1 > 2 ? 'a' : 'b'", value: 'b' },
  {
    expr: 'false ? 1 : true ? 2 : 3',
    value: 2,
    reason: '(nested conditionals group to the right)',
  },
  { expr: "false ?: 'x'", value: 'x', reason: '(a ?: b is a ? a : b)' },
  { expr: "nil ?? 'd'", value: 'd' },
  { expr: "'v' ?? 'd'", value: 'v' },
  { expr: 'false ?? true', value: false, reason: '(only nil is replaced)' },
  { expr: '{a: nil}.a ?? 1', value: 1 },
  {
    expr: "inputs.parameters.missing ?? 'd'",
    value: 'd',
    reason: '(an unknown variable counts as nil left of ??)',
  },
  { expr: 'let x = 2; let y = x * 3; y + 1', value: 7 },
])

table('membership and string operators', [
  { expr: '2 in [1, 2]', value: true },
  { expr: "'x' in ['y']", value: false },
  { expr: "1 in ['1']", value: false, reason: '(no conversion)' },
  { expr: '[1] in [[1], [2]]', value: true, reason: '(deep equality)' },
  { expr: "'a' in {a: 1}", value: true, reason: '(map keys)' },
  { expr: "'b' not in {a: 1}", value: true },
  { expr: "'x' in inputs.parameters", value: true, reason: '(a map built from dotted keys)' },
  { expr: "'flip-coin' in steps", value: true },
  { expr: "'abc' matches '^a.c$'", value: true },
  { expr: "'xabcx' matches 'b'", value: true, reason: '(unanchored, as Go regexp.MatchString)' },
  { expr: "'ABC' matches '(?i)^abc$'", value: true, reason: '(RE2 inline flags)' },
  { expr: "'abc' not matches 'z'", value: true },
  { expr: "'hello' contains 'ell'", value: true },
  { expr: "'hello' not contains 'z'", value: true },
  { expr: "'hello' startsWith 'he'", value: true },
  { expr: "'hello' endsWith 'lo'", value: true },
  { expr: "'hello' endsWith 'he'", value: false },
])

table('member access, indexes and slices', [
  { expr: 'inputs.parameters.x', value: '3' },
  { expr: "inputs.parameters['my-param']", value: 'hi', reason: '(a dashed name by index)' },
  { expr: "steps['flip-coin'].outputs.result", value: 'heads' },
  { expr: 'steps["flip-coin"]["outputs"].result', value: 'heads' },
  { expr: 'workflow.name', value: 'wf-1' },
  {
    expr: 'type(inputs.parameters)',
    value: 'map',
    reason: '(inputs.parameters.x wins over the flat inputs.parameters, as in Argo)',
  },
  {
    expr: "$env['inputs.parameters.my-param']",
    value: 'hi',
    reason: '($env also reads flat keys)',
  },
  {
    expr: 'item.name + string(item.size)',
    value: 'n13',
    reason: '(a map value in the environment)',
  },
  { expr: '[1, 2, 3][0]', value: 1 },
  { expr: '[1, 2, 3][-1]', value: 3, reason: '(negative indexes count from the end)' },
  { expr: "{a: {b: 'c'}}.a.b", value: 'c' },
  { expr: '{a: 1}.missing', value: null, reason: '(a missing key of a data map is nil)' },
  { expr: "'abc'[0]", value: 97, reason: '(indexing a Go string gives a byte)' },
  { expr: '[1, 2, 3, 4, 5][1:3]', value: [2, 3] },
  { expr: '[1, 2, 3, 4, 5][1:-1]', value: [2, 3, 4] },
  { expr: '[1, 2, 3, 4, 5][:2]', value: [1, 2] },
  { expr: '[1, 2, 3, 4, 5][3:]', value: [4, 5] },
  { expr: '[1, 2, 3][:]', value: [1, 2, 3] },
  { expr: '[1, 2, 3][2:1]', value: [], reason: '(bounds are clamped)' },
  { expr: '[1, 2, 3][-10:2]', value: [1, 2] },
  { expr: "'hello'[1:3]", value: 'el' },
  { expr: "'héllo'[0:3]", value: 'hé', reason: '(strings slice in UTF-8 bytes)' },
  { expr: 'nil?.a', value: null },
  { expr: '{a: nil}.a?.b.c', value: null, reason: '(?. skips the rest of the chain)' },
  { expr: '{a: {b: 1}}?.a.b', value: 1 },
  { expr: "{a: nil}.a?.['b']", value: null },
  { expr: "[nil][0]?.x ?? 'dflt'", value: 'dflt' },
  {
    expr: "'a b' | upper() | split(' ')",
    value: ['A', 'B'],
    reason: '(pipe passes the left side as first argument)',
  },
  { expr: '[1, 2, 3] | filter(# > 1) | map(# * 10)', value: [20, 30] },
])

table('builtin functions', [
  { expr: "len('abc')", value: 3 },
  { expr: "len('héllo')", value: 6, reason: '(UTF-8 bytes, as Go)' },
  { expr: 'len([1, 2]) + len({a: 1})', value: 3 },
  { expr: "upper('aB') + lower('Cd')", value: 'ABcd' },
  { expr: "trim('  x  ')", value: 'x' },
  { expr: "trim('__x__', '_')", value: 'x' },
  { expr: "trimPrefix('HelloWorld', 'Hello')", value: 'World' },
  { expr: "trimSuffix('HelloWorld', 'World')", value: 'Hello' },
  { expr: "split('a,b,c', ',')", value: ['a', 'b', 'c'] },
  { expr: "split('a,b,c', ',', 2)", value: ['a', 'b,c'] },
  { expr: "splitAfter('a,b', ',')", value: ['a,', 'b'] },
  { expr: "join(['a', 'b'], '-') + join(['c', 'd'])", value: 'a-bcd' },
  { expr: "replace('aaa', 'a', 'b')", value: 'bbb' },
  { expr: "replace('aaa', 'a', 'b', 2)", value: 'bba' },
  { expr: "repeat('ab', 3)", value: 'ababab' },
  { expr: "indexOf('apple pie', 'pie')", value: 6 },
  { expr: "indexOf('é-x', 'x')", value: 3, reason: '(a byte offset)' },
  { expr: "lastIndexOf('apple pie apple', 'apple')", value: 10 },
  { expr: "hasPrefix('HelloWorld', 'Hello') && hasSuffix('HelloWorld', 'World')", value: true },
  { expr: 'string(12) + string(1.5) + string(true)', value: '121.5true' },
  { expr: "string([1, 'a'])", value: '[1 a]', reason: "(Go's %v)" },
  { expr: 'string({b: 1, a: nil})', value: 'map[a:<nil> b:1]' },
  { expr: "int('42') + int(3.9) + int(-3.9)", value: 42 },
  { expr: "float('1.5') + float(2)", value: 3.5 },
  { expr: 'abs(-3) + ceil(1.2) + floor(1.8)', value: 6 },
  { expr: 'round(2.5)', value: 3 },
  {
    expr: 'round(-2.5)',
    value: -3,
    reason: "(half away from zero, as Go's math.Round; JavaScript would give -2)",
  },
  {
    expr: 'toJSON({b: 1, a: [true, nil]})',
    value: '{\n  "a": [\n    true,\n    null\n  ],\n  "b": 1\n}',
    reason: "(expr's toJSON is indented, keys sorted)",
  },
  { expr: 'fromJSON(\'{"a": [1, 2]}\').a[1]', value: 2 },
  { expr: "toBase64('hi') + fromBase64('aGk=')", value: 'aGk=hi' },
  { expr: 'keys({a: 1, b: 2})', value: ['a', 'b'] },
  { expr: 'values({a: 1, b: 2})', value: [1, 2] },
  { expr: 'first([]) ?? last([1, 2])', value: 2 },
  { expr: 'first([7, 8])', value: 7 },
  {
    expr: "get([1, 2], 5) ?? get({a: 'x'}, 'a')",
    value: 'x',
    reason: '(get gives nil when out of range)',
  },
  { expr: 'take([1, 2, 3], 2)', value: [1, 2] },
  { expr: 'sort([3, 1, 2])', value: [1, 2, 3] },
  { expr: "sort(['b', 'a', 'c'], 'desc')", value: ['c', 'b', 'a'] },
  { expr: 'reverse([1, 2, 3])', value: [3, 2, 1] },
  { expr: 'uniq([1, 1, 2, [3], [3]])', value: [1, 2, [3]] },
  { expr: 'flatten([1, [2, [3]]])', value: [1, 2, 3] },
  { expr: 'concat([1], [2, 3])', value: [1, 2, 3] },
  { expr: 'min(3, 1, 2) + max([1, 5, 2])', value: 6 },
  { expr: 'mean([1, 2, 3, 4]) + median([3, 1, 2])', value: 4.5 },
  { expr: 'toPairs({a: 1})', value: [['a', 1]] },
  { expr: "fromPairs([['a', 1]])", value: { a: 1 } },
  {
    expr: "type(1.5) + type(1) + type('') + type([]) + type(nil)",
    value: 'floatintstringarraynil',
  },
])

table('closures', [
  { expr: 'filter([1, 2, 3], {# > 1})', value: [2, 3] },
  { expr: 'filter([1, 2, 3], # > 1)', value: [2, 3], reason: '(braces are optional)' },
  { expr: 'map([1, 2], {# * 2})', value: [2, 4] },
  { expr: "map([{n: 'a'}, {n: 'b'}], {.n})", value: ['a', 'b'], reason: '(.n is #.n)' },
  { expr: "map(['a', 'b'], {#index})", value: [0, 1] },
  { expr: 'all([1, 2], {# > 0})', value: true },
  { expr: 'all([], {# > 0})', value: true },
  { expr: 'any([1, 2], {# > 1})', value: true },
  { expr: 'any([], {# > 1})', value: false },
  { expr: 'none([1, 2], {# > 5})', value: true },
  { expr: 'one([1, 2, 3], {# > 2})', value: true },
  { expr: 'one([1, 2, 3], {# > 1})', value: false },
  { expr: 'count([1, 2, 3], {# % 2 == 1})', value: 2 },
  { expr: 'count([true, false, true])', value: 2 },
  { expr: 'sum([1, 2, 3])', value: 6 },
  { expr: 'sum([1, 2, 3], {# * 2})', value: 12 },
  { expr: 'find([1, 2, 3, 4], {# > 2})', value: 3 },
  { expr: 'find([1], {# > 5})', value: null },
  { expr: 'findIndex([1, 2, 3, 4], {# > 2})', value: 2 },
  { expr: 'findLast([1, 2, 3, 4], {# > 2})', value: 4 },
  { expr: 'findLastIndex([1, 2, 3, 4], {# > 2})', value: 3 },
  { expr: "groupBy(['ab', 'c', 'de'], {len(#)})", value: { '2': ['ab', 'de'], '1': ['c'] } },
  { expr: 'sortBy([{a: 2}, {a: 1}], {.a})', value: [{ a: 1 }, { a: 2 }] },
  { expr: "sortBy([{a: 2}, {a: 1}, {a: 3}], .a, 'desc')", value: [{ a: 3 }, { a: 2 }, { a: 1 }] },
  { expr: 'reduce([1, 2, 3], {#acc + #})', value: 6 },
  { expr: 'reduce([1, 2, 3], #acc + #, 10)', value: 16 },
  {
    expr: 'map([[1, 2], [3]], {filter(#, {# > 1})})',
    value: [[2], [3]],
    reason: '(# is the innermost element)',
  },
  { expr: 'filter(fromJSON(inputs.parameters.json).items, .n > 1)[0].name', value: 'b' },
])

table('Argo documentation examples', [
  { expr: 'asInt(inputs.parameters.x) * 2', value: 6 },
  { expr: "jsonpath(inputs.parameters.json, '$.some.path')", value: 'found' },
  { expr: 'sprig.upper(inputs.parameters.s)', value: 'SHOUT' },
  { expr: "steps['flip-coin'].outputs.result == 'heads'", value: true },
  { expr: ' filter([1, 2, 3], {# > 1}) ', value: [2, 3] },
  { expr: 'map([1, 2], { # * 2 })', value: [2, 4] },
  { expr: "asInt(inputs.parameters['my-int-param'])", value: 21 },
  { expr: "asFloat(inputs.parameters['my-float-param'])", value: 2.5 },
  { expr: 'string(1)', value: '1' },
  { expr: 'toJson([1, 2])', value: '[1,2]' },
  {
    expr: "toJson({b: 1, a: '<x>'})",
    value: '{"a":"\\u003cx\\u003e","b":1}',
    reason: "(Go's json.Marshal: compact, keys sorted, HTML escaped)",
  },
  { expr: "sprig.trim(inputs.parameters['my-string-param'])", value: 'padded' },
  { expr: "workflow.status == 'Succeeded' ? 'PASS' : 'FAIL'", value: 'PASS' },
  { expr: 'asInt(lastRetry.exitCode) >= 2', value: true },
  { expr: "lastRetry.exitCode != '2'", value: false },
  {
    expr: "asInt(inputs.parameters.one) == 1 ? steps['coin-flip'].outputs.parameters.result : workflow.parameters.param",
    value: '5',
  },
  { expr: 'asInt(inputs.parameters.x) > 3', value: false },
])

table('jsonpath', [
  { expr: "jsonpath(inputs.parameters.json, '$.some.list[0]')", value: 1 },
  { expr: "jsonpath(inputs.parameters.json, '$.some.list[-1]')", value: 3 },
  { expr: 'jsonpath(inputs.parameters.json, "$[\'k-1\']")', value: 'dash' },
  {
    expr: "jsonpath(inputs.parameters.json, '$.some.list[*]')",
    value: [1, 2, 3],
    reason: '(a wildcard gives an array)',
  },
  { expr: "jsonpath(inputs.parameters.json, '$.items[*].name')", value: ['a', 'b'] },
  {
    expr: "jsonpath(inputs.parameters.json, '$..name')",
    value: ['a', 'b'],
    reason: '(recursive descent)',
  },
  { expr: "jsonpath(inputs.parameters.json, '$.some.list[0:2]')", value: [1, 2] },
  {
    expr: "jsonpath(inputs.parameters.json, \"$.some['path','list']\")",
    value: ['found', [1, 2, 3]],
  },
  { expr: "jsonpath(inputs.parameters.json, '$.some.*')", value: ['found', [1, 2, 3]] },
  { expr: "jsonpath('[1, 2]', '$')", value: [1, 2] },
])

table('sprig strings', [
  { expr: "sprig.upper('a') + sprig.lower('B')", value: 'Ab' },
  { expr: "sprig.title('hello world-wide')", value: 'Hello World-Wide' },
  { expr: "sprig.trim('  x ')", value: 'x' },
  { expr: "sprig.trimAll('$', '$5.00$')", value: '5.00' },
  { expr: "sprig.trimPrefix('-', '-x')", value: 'x', reason: '(Sprig takes the string last)' },
  { expr: "sprig.trimSuffix('-', 'x-')", value: 'x' },
  { expr: "sprig.replace(' ', '-', 'a b c')", value: 'a-b-c' },
  {
    expr: "sprig.contains('ell', 'hello') && sprig.hasPrefix('he', 'hello') && sprig.hasSuffix('lo', 'hello')",
    value: true,
  },
  { expr: "sprig.repeat(3, 'ab')", value: 'ababab' },
  { expr: "sprig.substr(1, 3, 'hello')", value: 'el' },
  { expr: "sprig.substr(-1, 2, 'hello')", value: 'he' },
  { expr: "sprig.substr(2, 99, 'hello')", value: 'llo' },
  { expr: "sprig.trunc(3, 'hello')", value: 'hel' },
  { expr: "sprig.trunc(-2, 'hello')", value: 'lo' },
  {
    expr: "sprig.quote('a', nil, 'b\"c\\n')",
    value: '"a" "b\\"c\\n"',
    reason: "(Go's %q; nil is skipped)",
  },
  { expr: "sprig.squote('a', 1)", value: "'a' '1'" },
  { expr: "sprig.splitList(',', 'a,b')", value: ['a', 'b'] },
  {
    expr: "sprig.join('-', ['a', 1, nil])",
    value: 'a-1',
    reason: '(non-strings through toString, nil dropped)',
  },
  { expr: 'sprig.toString(1.5) + sprig.toString([1, 2])', value: '1.5[1 2]' },
  { expr: "sprig.nospace(' a b\\tc ')", value: 'abc' },
  { expr: "sprig.b64enc('héllo')", value: 'aMOpbGxv' },
  { expr: "sprig.b64dec('aMOpbGxv')", value: 'héllo' },
  {
    expr: "sprig.b64dec('not base64!')",
    value: 'illegal base64 data at input byte 3',
    reason: '(Sprig returns the error text)',
  },
  { expr: "sprig.cat('a', 1, nil, 'b')", value: 'a 1 b' },
  { expr: "sprig.indent(2, 'a\\nb')", value: '  a\n  b' },
  { expr: "sprig.nindent(1, 'a')", value: '\n a' },
])

table('sprig defaults and flow', [
  { expr: "sprig.default('d', '')", value: 'd' },
  { expr: "sprig.default('d', 'v')", value: 'v' },
  {
    expr: "sprig.default('d', inputs.parameters.missing)",
    value: 'd',
    reason: '(an unknown variable is nil for default)',
  },
  {
    expr: "sprig.empty('') && sprig.empty(0) && sprig.empty([]) && sprig.empty({}) && sprig.empty(nil) && sprig.empty(false)",
    value: true,
  },
  { expr: "sprig.empty('x')", value: false },
  { expr: "sprig.coalesce(nil, '', 'x', 'y')", value: 'x' },
  { expr: "sprig.ternary('y', 'n', 1 > 2)", value: 'n' },
  { expr: 'sprig.toJson({b: 1, a: 2})', value: '{"a":2,"b":1}' },
  { expr: 'sprig.fromJson(\'{"a": 1}\').a', value: 1 },
  { expr: "sprig.fromJson('not json')", value: null, reason: '(Sprig ignores the error)' },
])

table('sprig lists', [
  { expr: "sprig.list(1, 'a')", value: [1, 'a'] },
  { expr: 'sprig.first(sprig.list(1, 2)) + sprig.last([1, 2])', value: 3 },
  { expr: 'sprig.rest([1, 2, 3])', value: [2, 3] },
  { expr: 'sprig.initial([1, 2, 3])', value: [1, 2] },
  { expr: 'sprig.append([1], 2)', value: [1, 2] },
  { expr: 'sprig.prepend([1], 0)', value: [0, 1] },
  { expr: 'sprig.concat([1], [2], [3])', value: [1, 2, 3] },
  { expr: 'sprig.has(2, [1, 2])', value: true },
  { expr: 'sprig.uniq([1, 1, 2])', value: [1, 2] },
  { expr: 'sprig.without([1, 2, 3, 2], 2)', value: [1, 3] },
  { expr: 'sprig.reverse([1, 2])', value: [2, 1] },
  { expr: "sprig.sortAlpha(['b', 'a', 'C'])", value: ['C', 'a', 'b'], reason: '(byte order)' },
  { expr: "sprig.compact(['a', '', nil, 'b'])", value: ['a', 'b'] },
  { expr: 'sprig.slice([1, 2, 3], 1)', value: [2, 3] },
])

table('sprig math', [
  { expr: "sprig.add(1, 2, '3')", value: 6, reason: '(Sprig casts strings to int64)' },
  { expr: 'sprig.add1(1) + sprig.sub(5, 2)', value: 5 },
  { expr: 'sprig.mul(2, 3, 4)', value: 24 },
  { expr: 'sprig.div(7, 2)', value: 3, reason: '(int64 division)' },
  { expr: 'sprig.mod(7, 3)', value: 1 },
  { expr: 'sprig.max(1, 5, 3) + sprig.min(4, 2)', value: 7 },
  { expr: 'sprig.floor(1.7) + sprig.ceil(1.2)', value: 3 },
  { expr: 'sprig.round(3.14159, 2)', value: 3.14 },
  { expr: "sprig.atoi('42')", value: 42 },
  { expr: "sprig.atoi('x')", value: 0, reason: '(Sprig turns parse errors into 0)' },
  {
    expr: "sprig.int('0x10') + sprig.int('3.0')",
    value: 19,
    reason: "(cast's base-0 syntax; a zero fraction is dropped)",
  },
  { expr: "sprig.float64('1.5') + sprig.int64(2.9)", value: 3.5 },
  { expr: "sprig.toString(sprig.int('7'))", value: '7' },
])

table('sprig dicts', [
  { expr: "sprig.dict('a', 1, 'b', 2)", value: { a: 1, b: 2 } },
  { expr: "sprig.get(sprig.dict('a', 1), 'a')", value: 1 },
  { expr: "sprig.get(sprig.dict('a', 1), 'z')", value: '', reason: '(a missing key is "")' },
  { expr: "sprig.hasKey(sprig.dict('a', 1), 'a')", value: true },
  { expr: "sprig.keys(sprig.dict('a', 1, 'b', 2))", value: ['a', 'b'] },
  { expr: "sprig.values(sprig.dict('a', 1))", value: [1] },
  { expr: "sprig.pick({a: 1, b: 2}, 'a')", value: { a: 1 } },
  { expr: "sprig.omit({a: 1, b: 2}, 'a')", value: { b: 2 } },
])

describe('substituteExpressions', () => {
  it.each([
    { text: 'replicas: {{=asInt(inputs.parameters.x) + 1}}', out: 'replicas: 4' },
    { text: "{{=sprig.upper('a')}}", out: 'A', reason: 'strings as they are' },
    {
      text: '{{=7 / 2}} {{=6 / 3}} {{=0.1 + 0.2}} {{=10 ** 22}}',
      out: '3.5 2 0.30000000000000004 1e+22',
      reason: 'numbers in shortest form, no ".0"',
    },
    { text: '{{=1 < 2}}/{{=1 > 2}}', out: 'true/false' },
    { text: '{{= filter([1,2,3], {# > 1}) }}', out: '[2,3]', reason: 'arrays as compact JSON' },
    {
      text: "{{={b: 1, a: 'x'}}}",
      out: '{"a":"x","b":1}',
      reason: 'braces in the expression are balanced before }} closes the tag',
    },
    {
      text: 'a={{=1}} b={{inputs.parameters.x}} c={{=2}}',
      out: 'a=1 b={{inputs.parameters.x}} c=2',
      reason: 'simple tags are left alone',
    },
    { text: "{{= '}}' + 'x' }}", out: '}}x', reason: '}} inside a string does not close the tag' },
    { text: 'no tags at all {{ }}', out: 'no tags at all {{ }}' },
    { text: "{{=steps['flip-coin'].outputs.result}}-{{=workflow.name}}", out: 'heads-wf-1' },
  ])('$text → $out', ({ text, out }) => {
    expect(substituteExpressions(text, env)).toBe(out)
  })

  it.each([
    {
      text: 'x {{=nil}}',
      error: /\{\{=nil\}\} evaluated to nil/,
      reason: 'Argo fails on a nil result',
    },
    { text: 'x {{=1 + 1', error: /unterminated expression tag "\{\{=" at 3/ },
    {
      text: 'ok {{=1}} then {{=inputs.parameters.nope}}',
      error: /unknown variable inputs\.parameters\.nope in \{\{=inputs\.parameters\.nope\}\}/,
    },
    { text: '{{=sprig.foo(1)}}', error: /unknown function "sprig\.foo"/ },
    {
      text: `{{=${"'x' + ".repeat(700)}'x'}}`,
      error: /is over the limit/,
      reason: 'tag source over the length cap',
    },
  ])('refuses $text', ({ text, error }) => {
    expect(() => substituteExpressions(text, env)).toThrow(error)
  })

  it('shares one budget across the tags of one text', () => {
    const tag = '{{=len(map(1..90000, #))}}'
    expect(substituteExpressions(tag, env)).toBe('90000')
    expect(() => substituteExpressions(tag.repeat(20), env)).toThrow(
      /evaluation steps|characters and elements/,
    )
  })
})

describe('errors found by parseExpr (before the workflow runs)', () => {
  it.each([
    { expr: 'sprig.foo(x)', error: /^unknown function "sprig\.foo" in \{\{=sprig\.foo\(x\)\}\}$/ },
    { expr: 'foo(1)', error: /unknown function "foo"/ },
    { expr: 'x.method()', error: /unknown function "x\.method"/, reason: 'no methods on values' },
    {
      expr: 'constructor(1)',
      error: /unknown function "constructor"/,
      reason: 'prototype names are not functions',
    },
    { expr: '(1 + 2))', error: /^unexpected "\)" at 8 in "\(1 \+ 2\)\)"$/ },
    { expr: '1 +', error: /unexpected end of expression/ },
    { expr: '(1 + 2', error: /unexpected end of expression \(expected "\)"\)/ },
    { expr: "'abc", error: /unterminated string at 1/ },
    { expr: '1 @ 2', error: /unexpected "@" at 3/ },
    { expr: 'a b', error: /unexpected "b" at 3/ },
    {
      expr: '1 | 2',
      error: /expected a function after "\|"/,
      reason: 'the pipe needs a call on its right',
    },
    { expr: 'a ?? b || c', error: /"\|\|" and "\?\?" cannot be mixed/ },
    { expr: '# > 1', error: /"#" can only be used inside a closure at 1/ },
    { expr: 'filter([1], #foo > 1)', error: /unknown closure variable #foo/ },
    { expr: 'a not b', error: /unexpected "b"/ },
    { expr: "{'a' 1}", error: /unexpected "1".*expected ":"/ },
    { expr: '0x', error: /invalid number literal/ },
    { expr: '12abc', error: /invalid number literal/ },
    { expr: '99999999999999999999', error: /integer literal is too large/ },
    { expr: String.raw`'\q'`, error: /invalid escape in string at 2/ },
    { expr: 'len()', error: /len takes 1 argument, not 0/ },
    { expr: "sprig.upper('a', 'b')", error: /sprig\.upper takes 1 argument, not 2/ },
    { expr: 'filter([1])', error: /filter takes 2 arguments, not 1|unexpected "\)"/ },
    { expr: 'sprig.now()', error: /"sprig\.now" is not deterministic/ },
    {
      expr: "sprig.date('2006', workflow.creationTimestamp)",
      error: /"sprig\.date" is not deterministic/,
    },
    { expr: 'sprig.randAlphaNum(5)', error: /"sprig\.randAlphaNum" is not deterministic/ },
    { expr: 'sprig.uuidv4()', error: /"sprig\.uuidv4" is not deterministic/ },
    { expr: "sprig.env('HOME')", error: /"sprig\.env" is not deterministic/ },
    { expr: 'now()', error: /"now" is not deterministic/ },
    {
      expr: "'a' matches '('",
      error: /invalid regular expression "\(".*missing closing \)/,
      reason: 'a literal pattern is compiled at parse time',
    },
    {
      expr: "'a' matches '(?=a)'",
      error: /invalid regular expression/,
      reason: 'RE2 has no lookahead',
    },
    { expr: "sprig.regexMatch('[', 'a')", error: /invalid regular expression/ },
    { expr: 'x'.repeat(EXPR_LIMITS.sourceLength + 1), error: /over the limit of 4096/ },
    { expr: `${'('.repeat(100)}1${')'.repeat(100)}`, error: /nested more than 64 levels/ },
    { expr: `${'['.repeat(100)}${']'.repeat(100)}`, error: /nested more than 64 levels/ },
    { expr: `${'-'.repeat(100)}1`, error: /nested more than 64 levels/ },
    {
      expr: `1${'+1'.repeat(300)}`,
      error: /more than 256 operations deep/,
      reason: 'a long chain makes a tall tree without nesting',
    },
    { expr: `x${'.y'.repeat(300)}`, error: /more than 256 operations deep/ },
  ])('refuses $expr', ({ expr, error }) => {
    expect(() => parseExpr(expr)).toThrow(ExprError)
    expect(() => parseExpr(expr)).toThrow(error)
  })
})

describe('errors found when evaluating', () => {
  it.each([
    {
      expr: 'inputs.parameters.y',
      error: /^unknown variable inputs\.parameters\.y in \{\{=inputs\.parameters\.y\}\}$/,
    },
    { expr: 'foo + 1', error: /unknown variable foo/ },
    { expr: "steps['nope'].outputs.result", error: /unknown variable steps\.nope/ },
    { expr: "'5' + 1", error: /invalid operation: \+ \(mismatched types string and int\)/ },
    { expr: "1 - 'a'", error: /mismatched types int and string/ },
    { expr: "'a' < 1", error: /mismatched types string and int/ },
    { expr: '1 && true', error: /needs a bool, not int/ },
    { expr: '!1', error: /needs a bool/ },
    { expr: 'nil ? 1 : 2', error: /needs a bool, not nil/ },
    { expr: "-'a'", error: /invalid operation: -string/ },
    { expr: 'nil.a', error: /cannot fetch "a" from nil/ },
    { expr: '[1][5]', error: /index out of range: 5 \(array length is 1\)/ },
    { expr: "[1]['a']", error: /cannot index array with "a"/ },
    { expr: '5 % 2.5', error: /% needs ints/, reason: "expr's % is for ints" },
    { expr: '1 / 0', error: /division by zero/ },
    { expr: '7 % 0', error: /integer divide by zero/ },
    { expr: '10 ** 400', error: /not a finite number/ },
    { expr: "int('3.5')", error: /invalid operation: int\("3\.5"\)/, reason: "Go's Atoi" },
    { expr: "asInt('')", error: /invalid operation: int\(""\)/ },
    { expr: "float('abc')", error: /invalid operation: float\("abc"\)/ },
    { expr: 'upper(1)', error: /upper: argument 1 must be a string, not int/ },
    { expr: 'join([1, 2])', error: /join: can only join an array of strings/ },
    { expr: "'a' in 'abc'", error: /needs an array or a map/ },
    { expr: 'filter([1], {# + 1})', error: /filter: the closure must return a bool, not int/ },
    { expr: "filter('abc', {true})", error: /filter: argument 1 must be an array, not string/ },
    {
      expr: "'a' matches inputs.parameters.re",
      error: /invalid regular expression "\("/,
      reason: 'a pattern from a variable fails when it runs',
    },
    { expr: "jsonpath(inputs.parameters.json, '$.nope')", error: /jsonpath: key "nope" not found/ },
    { expr: "jsonpath(inputs.parameters.json, '$.some.list[9]')", error: /index 9 out of range/ },
    {
      expr: "jsonpath(inputs.parameters.json, '$[?(@.a)]')",
      error: /filter and script expressions are not supported/,
    },
    { expr: "jsonpath('{', '$')", error: /jsonpath: invalid JSON/ },
    { expr: "fromJSON('[1,')", error: /fromJSON: invalid JSON/ },
    { expr: "fromBase64('!!')", error: /illegal base64 data at input byte 0/ },
    { expr: 'sprig.div(1, 0)', error: /integer divide by zero/ },
    { expr: "sprig.ternary(1, 2, 'yes')", error: /argument 3 must be a bool/ },
    { expr: "sprig.fail('stop here')", error: /sprig\.fail: stop here/ },
    { expr: "sprig.first('abc')", error: /cannot use string as a list/ },
    { expr: "sort([1, 'a'])", error: /can only sort numbers or strings/ },
  ])('$expr fails: $error', ({ expr, error }) => {
    const parsed = parseExpr(expr) // parses: the problem only shows with values
    expect(() => evaluate(parsed, env)).toThrow(ExprError)
    expect(() => evaluate(parsed, env)).toThrow(error)
  })
})

describe('only own keys of plain data are reachable', () => {
  it.each([
    { expr: '{}.constructor', value: null },
    { expr: '{}.toString', value: null },
    { expr: "{}['__proto__']", value: null },
    {
      expr: 'fromJSON(\'{"__proto__": {"x": 1}}\').__proto__.x',
      value: 1,
      reason: 'an own key named __proto__ is just data',
    },
    { expr: "{__proto__: 'own'}.__proto__", value: 'own' },
    { expr: "sprig.dict('constructor', 1).constructor", value: 1 },
  ])('$expr → $value', ({ expr, value }) => {
    expect(run(expr)).toStrictEqual(value)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it.each([
    {
      expr: 'inputs.parameters.constructor',
      error: /unknown variable inputs\.parameters\.constructor/,
    },
    { expr: 'inputs.__proto__', error: /unknown variable inputs\.__proto__/ },
    { expr: '$env.constructor', error: /unknown variable constructor/ },
    { expr: 'constructor', error: /unknown variable constructor/ },
    { expr: "'abc'.length", error: /cannot index string with "length"/ },
    { expr: '[1].length', error: /cannot index array with "length"/ },
    { expr: '(1).toString', error: /cannot fetch "toString" from int/ },
  ])('$expr is refused', ({ expr, error }) => {
    expect(() => run(expr)).toThrow(error)
  })
})

describe('caps on time and memory', () => {
  it.each([
    {
      expr: "repeat('ab', 600000)",
      error: /string of 1200000 characters is over the limit of 1048576/,
    },
    { expr: "sprig.repeat(600000, 'ab')", error: /over the limit of 1048576/ },
    { expr: '1..200000', error: /array of 200000 elements is over the limit of 100000/ },
    {
      expr: "join(map(1..100000, repeat('x', 100)), '')",
      error: /over the limit|characters and elements/,
      reason: 'a string built from many small ones',
    },
    {
      expr: 'map(1..100000, map(1..100000, #))',
      error: /evaluation steps|characters and elements/,
    },
    {
      expr: "fromJSON('[' + repeat('[', 200) + repeat(']', 200) + ']')",
      error: /nested more than 100 levels/,
    },
    { expr: 'toJSON(reduce(1..500, [#acc], []))', error: /nested more than 100 levels/ },
    {
      expr: "reduce(1..3000, #acc + repeat('x', 1000), '')",
      error: /characters and elements|over the limit/,
    },
  ])('$expr is stopped', ({ expr, error }) => {
    expect(() => run(expr)).toThrow(ExprError)
    expect(() => run(expr)).toThrow(error)
  })

  it('evaluates the tallest tree allowed', () => {
    expect(run(`1${'+1'.repeat(EXPR_LIMITS.treeHeight - 2)}`)).toBe(EXPR_LIMITS.treeHeight - 1)
  })

  it('a hostile regular expression runs in linear time (RE2)', () => {
    const start = performance.now()
    expect(
      run("inputs.parameters.long matches '(a+)+$'", {
        'inputs.parameters.long': `${'a'.repeat(20000)}!`,
      }),
    ).toBe(false)
    expect(performance.now() - start).toBeLessThan(2000)
  })
})

describe('functionsUsed and SUPPORTED_FUNCTIONS', () => {
  it('lists each called function once, in source order', () => {
    const e = parseExpr(
      "sprig.upper(asInt(x) > 1 ? 'a' : lower('B')) + string(filter([1], {# > 0})) + lower('c')",
    )
    expect(functionsUsed(e)).toEqual(['sprig.upper', 'asInt', 'lower', 'string', 'filter'])
    expect(functionsUsed(parseExpr('1 + inputs.parameters.x'))).toEqual([])
  })

  it('names the functions of the brief and none that is refused', () => {
    for (const name of [
      'len',
      'filter',
      'map',
      'all',
      'any',
      'none',
      'one',
      'count',
      'asInt',
      'asFloat',
      'jsonpath',
      'toJson',
      'toJSON',
      'fromJSON',
      'sprig.upper',
      'sprig.b64dec',
      'sprig.dict',
      'sprig.sortAlpha',
    ]) {
      expect(SUPPORTED_FUNCTIONS).toContain(name)
    }
    for (const name of ['now', 'sprig.now', 'sprig.date', 'sprig.randAlpha', 'sprig.env'])
      expect(SUPPORTED_FUNCTIONS).not.toContain(name)
    expect([...SUPPORTED_FUNCTIONS]).toEqual([...SUPPORTED_FUNCTIONS].sort())
  })

  it.each([...SUPPORTED_FUNCTIONS])('%s is known to parseExpr', (name) => {
    let message = ''
    try {
      parseExpr(`${name}()`)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).not.toMatch(/unknown function|not deterministic/)
  })
})

describe('determinism and robustness', () => {
  it('gives the same output for the same input, whatever the key order', () => {
    const a = run('toJson({b: 1, a: {d: 2, c: 3}}) + string({y: 1, x: 2})')
    const b = run('toJson({a: {c: 3, d: 2}, b: 1}) + string({x: 2, y: 1})')
    expect(a).toBe('{"a":{"c":3,"d":2},"b":1}map[x:2 y:1]')
    expect(b).toBe(a)
  })

  it('does not change the environment it reads', () => {
    const e = { 'a.b': '1', item: { k: [1] } }
    const before = JSON.stringify(e)
    run("sprig.append(item.k, 2) == [1, 2] && a.b == '1'", e)
    expect(JSON.stringify(e)).toBe(before)
  })

  it('only ever throws ExprError, on any sequence of tokens', () => {
    const tokens = [
      '1',
      '2.5',
      "'s'",
      'nil',
      'true',
      'x',
      'inputs',
      '.',
      'parameters',
      '[',
      ']',
      '(',
      ')',
      '{',
      '}',
      ',',
      ':',
      '?',
      '??',
      '?.',
      '+',
      '-',
      '*',
      '/',
      '%',
      '**',
      '==',
      '<',
      'in',
      'not',
      '!',
      '&&',
      '||',
      'matches',
      '#',
      '#index',
      '|',
      '..',
      'filter',
      'map',
      'len',
      'sprig.upper',
      'let',
      '=',
      ';',
    ]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 14 }), (parts) => {
        const source = parts.join(' ')
        try {
          evaluate(parseExpr(source), { x: 1, 'inputs.parameters.p': 'v' })
        } catch (e) {
          if (!(e instanceof ExprError)) throw e
        }
      }),
      { numRuns: 3000, seed: 42 },
    )
  })
})
