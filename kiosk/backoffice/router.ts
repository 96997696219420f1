// Screens by address (#/queue, #/application/<id>, …). Each screen is an async function that
// returns its content; the router draws it in the page frame, again after a language switch.
import type { Key } from "../i18n/index.ts";
import { hasRole, type Role } from "./state.ts";

export type Screen = (params: string[]) => Promise<HTMLElement>;

export interface Route {
  /** "queue", "application/:id" */
  path: string;
  screen: Screen;
  roles: Role[];
  /** In the navigation bar, with this label. */
  nav?: Key;
}

const routes: Route[] = [];

export function addRoutes(list: Route[]): void {
  routes.push(...list);
}

export function navRoutes(): Route[] {
  return routes.filter((r) => r.nav && hasRole(...r.roles));
}

export function currentPath(): string {
  return location.hash.replace(/^#\/?/, "");
}

export function go(path: string): void {
  if (currentPath() === path) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = `#/${path}`;
}

/** The route for a path and its parameters, or null. */
export function match(path: string): { route: Route; params: string[] } | null {
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split("/");
    if (pattern.length !== parts.length) continue;
    const params: string[] = [];
    if (pattern.every((p, i) => (p.startsWith(":") ? (params.push(decodeURIComponent(parts[i]!)), true) : p === parts[i]))) return { route, params };
  }
  return null;
}

/** The first screen a person sees: the first navigation entry they may use. */
export function home(): string {
  return navRoutes()[0]?.path ?? "me";
}
