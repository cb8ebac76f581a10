/**
 * Checks rule options against the rule's JSON schema: the subset rule schemas use (`type`,
 * `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`, `minimum`,
 * `maximum`, `minItems`, `maxItems`, `anyOf`/`oneOf`). Returns the first problem as
 * `[path, message]`, or undefined when the value fits. Unknown keywords are ignored.
 */
export function checkSchema(schema: unknown, value: unknown, at = ''): [string, string] | undefined {
  if (Array.isArray(schema)) return schema.length > 0 ? checkSchema(schema[0], value, at) : undefined;
  if (!isObject(schema)) return undefined;
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const options = (schema.anyOf ?? schema.oneOf) as unknown[];
    const problems = options.map((s) => checkSchema(s, value, at));
    if (problems.every((p) => p !== undefined)) return problems[0];
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [at, `must be ${types.map(article).join(' or ')} (got ${describe(value)})`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    return [at, `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${describe(value)})`];
  }
  if ('const' in schema && !deepEqual(schema.const, value)) {
    return [at, `must be ${JSON.stringify(schema.const)} (got ${describe(value)})`];
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return [at, `must be >= ${schema.minimum}`];
    if (typeof schema.maximum === 'number' && value > schema.maximum) return [at, `must be <= ${schema.maximum}`];
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return [at, `must have at least ${schema.minItems} items`];
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return [at, `must have at most ${schema.maxItems} items`];
    if (schema.items !== undefined && !Array.isArray(schema.items)) {
      for (let i = 0; i < value.length; i++) {
        const problem = checkSchema(schema.items, value[i], `${at}[${i}]`);
        if (problem) return problem;
      }
    }
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const key of schema.required as string[]) {
        if (!(key in value)) return [join(at, key), 'is required'];
      }
    }
    for (const [key, v] of Object.entries(value)) {
      if (key in properties) {
        const problem = checkSchema(properties[key], v, join(at, key));
        if (problem) return problem;
      } else if (schema.additionalProperties === false) {
        const known = Object.keys(properties);
        return [join(at, key), `is not an option of this rule${known.length ? ` (options: ${known.join(', ')})` : ''}`];
      } else if (isObject(schema.additionalProperties)) {
        const problem = checkSchema(schema.additionalProperties, v, join(at, key));
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true;
  }
}

function article(type: string): string {
  return type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
