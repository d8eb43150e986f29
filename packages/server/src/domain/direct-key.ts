/** The key that makes a direct conversation unique per pair of users, whatever the order. */
export function directKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
