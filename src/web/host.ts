/**
 * The Host check of an operator's pages. DNS rebinding: a hostile page whose name the attacker
 * re-points at 127.0.0.1 reaches a local server with its own name in `Host`. Answering only the
 * configured names (or, with none configured, loopback names) keeps such a page from reading or
 * driving the operator's pages.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  if (allowed?.length) return allowed.some((a) => a.toLowerCase() === h);
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(h);
}
