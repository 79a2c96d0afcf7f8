// Copies of records keyed by Sids (a conference's participants, their sequence numbers), with one entry put
// in or taken out. An object spread with a computed key gives V8 a new hidden class for every Sid it has
// not seen as a key before, so folding a long log made hundreds of thousands of them, each kept and
// collected like any object; a record without a prototype starts in V8's dictionary mode and makes none.
// Such a record reads, iterates and serialises as a plain object does.

/** `record` with `key` set to `value`. */
export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  const copy = emptyRecord<T>();
  for (const existing in record) copy[existing] = record[existing] as T;
  copy[key] = value;
  return copy;
}

/** `record` without `key`. */
export function withoutEntry<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = emptyRecord<T>();
  for (const existing in record) if (existing !== key) copy[existing] = record[existing] as T;
  return copy;
}

function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
