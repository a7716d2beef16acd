/**
 * Small hand-written readers for untrusted JSON. A reader returns the typed
 * value, or undefined when the value is unusable, and records every problem
 * with its JSON path, so an administrator sees all mistakes of an edited rule
 * set at once rather than one per attempt.
 */

export interface JsonProblem {
  path: string;
  message: string;
}

export type Reader<T> = (value: unknown, path: string, problems: JsonProblem[]) => T | undefined;

type ReadValue<R> = R extends Reader<infer T> ? T : never;
type Shape = Record<string, Reader<unknown>>;
type Built<Required extends Shape, Optional extends Shape> = { [K in keyof Required]: ReadValue<Required[K]> } & {
  [K in keyof Optional]?: ReadValue<Optional[K]>;
};

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fieldPath(path: string, key: string): string {
  return `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

export const nonEmptyString: Reader<string> = (value, path, problems) => {
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.push({ path, message: 'must be a non-empty string' });
  return undefined;
};

const CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

/** Codes are stored in the database and compared across imports, so they stay UPPER_SNAKE_CASE. */
export const code: Reader<string> = (value, path, problems) => {
  if (typeof value === 'string' && CODE_PATTERN.test(value)) return value;
  problems.push({ path, message: `must be an UPPER_SNAKE_CASE code, got ${JSON.stringify(value)}` });
  return undefined;
};

export function integerAtLeast(minimum: number): Reader<number> {
  return (value, path, problems) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= minimum) return value;
    problems.push({ path, message: `must be an integer >= ${minimum}, got ${JSON.stringify(value)}` });
    return undefined;
  };
}

export const boolean: Reader<boolean> = (value, path, problems) => {
  if (typeof value === 'boolean') return value;
  problems.push({ path, message: `must be true or false, got ${JSON.stringify(value)}` });
  return undefined;
};

export function oneOf<const T extends string>(allowed: readonly T[]): Reader<T> {
  return (value, path, problems) => {
    const match = allowed.find((candidate) => candidate === value);
    if (match !== undefined) return match;
    problems.push({ path, message: `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}` });
    return undefined;
  };
}

/** A code that must name an entry defined elsewhere in the same document. */
export function reference(kind: string, known: ReadonlySet<string>): Reader<string> {
  return (value, path, problems) => {
    if (typeof value === 'string' && known.has(value)) return value;
    problems.push({ path, message: `unknown ${kind} code ${JSON.stringify(value)}` });
    return undefined;
  };
}

export function nullable<T>(reader: Reader<T>): Reader<T | null> {
  return (value, path, problems) => (value === null ? null : reader(value, path, problems));
}

export interface ListOptions {
  minLength?: number;
  /** Fields whose value must differ between elements, e.g. `code`. */
  uniqueBy?: readonly string[];
}

export function listOf<T>(reader: Reader<T>, options: ListOptions = {}): Reader<T[]> {
  const { minLength = 0, uniqueBy = [] } = options;
  return (value, path, problems) => {
    if (!Array.isArray(value)) {
      problems.push({ path, message: 'must be a list' });
      return undefined;
    }
    if (value.length < minLength) {
      problems.push({ path, message: `must have at least ${minLength} element(s)` });
    }
    for (const field of uniqueBy) reportDuplicates(value, field, path, problems);
    const items = value.map((element, index) => reader(element, indexPath(path, index), problems));
    return items.every((item): item is T => item !== undefined) ? items : undefined;
  };
}

function reportDuplicates(elements: unknown[], field: string, path: string, problems: JsonProblem[]): void {
  const firstIndexByValue = new Map<unknown, number>();
  elements.forEach((element, index) => {
    if (!isJsonObject(element) || !Object.hasOwn(element, field)) return;
    const fieldValue = element[field];
    const firstIndex = firstIndexByValue.get(fieldValue);
    if (firstIndex === undefined) {
      firstIndexByValue.set(fieldValue, index);
      return;
    }
    problems.push({
      path: fieldPath(indexPath(path, index), field),
      message: `duplicate ${field} ${JSON.stringify(fieldValue)} (first at ${indexPath(path, firstIndex)})`,
    });
  });
}

/** An object with exactly these fields: unknown fields are reported because they are usually typos. */
export function record<Required extends Shape, Optional extends Shape = Record<never, never>>(
  required: Required,
  optional?: Optional,
): Reader<Built<Required, Optional>> {
  const optionalReaders: Shape = optional ?? {};
  return (value, path, problems) => {
    if (!isJsonObject(value)) {
      problems.push({ path, message: 'must be an object' });
      return undefined;
    }
    const built: Record<string, unknown> = {};
    let usable = true;
    for (const [key, reader] of Object.entries(required)) {
      if (!Object.hasOwn(value, key)) {
        problems.push({ path: fieldPath(path, key), message: 'is required' });
        usable = false;
        continue;
      }
      const field = reader(value[key], fieldPath(path, key), problems);
      if (field === undefined) usable = false;
      built[key] = field;
    }
    for (const [key, reader] of Object.entries(optionalReaders)) {
      if (!Object.hasOwn(value, key)) continue;
      const field = reader(value[key], fieldPath(path, key), problems);
      if (field === undefined) usable = false;
      built[key] = field;
    }
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(required, key) && !Object.hasOwn(optionalReaders, key)) {
        problems.push({ path: fieldPath(path, key), message: 'unknown field' });
      }
    }
    // Every field was checked by its own reader above, so the object has the built shape.
    return usable ? (built as Built<Required, Optional>) : undefined;
  };
}

/** Chooses the reader by the value of a tag field, e.g. a survey question's `kind`. */
export function taggedUnion<T>(tag: string, readers: Readonly<Record<string, Reader<T>>>): Reader<T> {
  const tags = Object.keys(readers);
  return (value, path, problems) => {
    if (!isJsonObject(value)) {
      problems.push({ path, message: 'must be an object' });
      return undefined;
    }
    const tagValue = value[tag];
    const reader = typeof tagValue === 'string' && Object.hasOwn(readers, tagValue) ? readers[tagValue] : undefined;
    if (reader === undefined) {
      problems.push({ path: fieldPath(path, tag), message: `must be one of ${tags.join(', ')}, got ${JSON.stringify(tagValue)}` });
      return undefined;
    }
    return reader(value, path, problems);
  };
}
