/** The relay plugin's global id: base64 of `Type:id`. */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

/** The database id inside a global id. */
export function databaseId(global: string): string {
  return Buffer.from(global, 'base64').toString('utf8').split(':')[1]!;
}
