/**
 * Form discovery for the action fuzz test: which route files have an action, the URL of each,
 * and the forms a real page renders (read from the production server's HTML, so the field names
 * are exactly what a browser would send, Conform's `rows[3].status` included).
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./harness";

export interface ActionRoute {
  file: string;
  /** Path pattern segments: literal text or a `$param`. */
  segments: string[];
  params: string[];
  index: boolean;
}

/** Route files under app/routes whose module exports `action`. */
export function actionRoutes(): ActionRoute[] {
  return allRoutes().filter((r) => r.exports.includes("action"));
}

/** Every route file under app/routes, with the handlers (`loader`, `action`) its module exports. */
export function allRoutes(): Array<ActionRoute & { exports: Array<"loader" | "action"> }> {
  const dir = path.join(ROOT, "app/routes");
  const exportsOf = (f: string) => {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    return (["loader", "action"] as const).filter((name) =>
      new RegExp(`export\\s+(async\\s+)?function\\s+${name}\\b|export\\s+const\\s+${name}\\b|export\\s*\\{[^}]*\\b${name}\\b`).test(text),
    );
  };
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(tsx?|jsx?)$/.test(f) && !/\.test\./.test(f))
    .sort()
    .map((file) => {
      const base = file.replace(/\.(tsx?|jsx?)$/, "");
      const raw = base.split(/\.(?![^[]*\])/);
      const index = raw.at(-1) === "_index";
      const segments = raw
        .filter((s) => s !== "_index" && !(s.startsWith("_") && !s.startsWith("_index")))
        .map((s) => s.replace(/_$/, "").replace(/\[(.*?)\]/g, "$1"));
      return { file, segments, params: segments.filter((s) => s.startsWith("$")).map((s) => s.slice(1)), index, exports: exportsOf(file) };
    });
}

export function routeUrl(route: ActionRoute, params: Record<string, string>): string {
  const parts = route.segments.map((s) => (s.startsWith("$") ? encodeURIComponent(params[s.slice(1)] ?? "") : s));
  return `/${parts.join("/")}`;
}

/** The route whose pattern matches a form's action URL (query ignored). */
export function routeForUrl(routes: ActionRoute[], url: string): { route: ActionRoute; params: Record<string, string> } | null {
  const u = new URL(url, "http://x");
  const parts = u.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const wantsIndex = u.searchParams.has("index");
  let best: { route: ActionRoute; params: Record<string, string>; literal: number } | null = null;
  for (const route of routes) {
    if (route.segments.length !== parts.length) continue;
    if (route.index !== wantsIndex && routes.some((r) => r !== route && r.segments.join("/") === route.segments.join("/"))) continue;
    const params: Record<string, string> = {};
    let literal = 0;
    const ok = route.segments.every((s, i) => {
      if (s.startsWith("$")) return (params[s.slice(1)] = parts[i]), true;
      literal++;
      return s === parts[i];
    });
    if (ok && (!best || literal > best.literal)) best = { route, params, literal };
  }
  return best && { route: best.route, params: best.params };
}

export interface FormTemplate {
  /** Route file the form posts to. */
  route: string;
  params: Record<string, string>;
  /** The user whose page showed the form ("" = signed out). */
  user: string;
  /** Successful controls as the browser would send them, before the submit button. */
  fields: Array<[string, string]>;
  /** Submit buttons with a name: the browser sends the clicked one's name=value. */
  buttons: Array<[string, string]>;
  /** Options of selects, radio groups and checkboxes: other valid values to try. */
  choices: Record<string, string[]>;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1].toLowerCase() === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:=(?:"([^"]*)"|'([^']*)'))?/g)) {
    out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? "");
  }
  return out;
}

/** POST forms in server-rendered HTML, with their controls. */
export function extractForms(html: string, pageUrl: string): Array<Omit<FormTemplate, "route" | "params" | "user"> & { action: string }> {
  const forms = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const a = attrs(m[1]);
    if ((a.method ?? "get").toLowerCase() !== "post") continue;
    const body = m[2];
    const fields: Array<[string, string]> = [];
    const buttons: Array<[string, string]> = [];
    const choices: Record<string, string[]> = {};
    const addChoice = (name: string, value: string) => (choices[name] ??= []).includes(value) || choices[name].push(value);
    for (const t of body.matchAll(/<input\b([^>]*?)\/?>/gi)) {
      const i = attrs(t[1]);
      if (!i.name || "disabled" in i) continue;
      const type = (i.type ?? "text").toLowerCase();
      if (type === "submit" || type === "image") buttons.push([i.name, i.value ?? ""]);
      else if (type === "checkbox" || type === "radio") {
        addChoice(i.name, i.value ?? "on");
        if ("checked" in i) fields.push([i.name, i.value ?? "on"]);
      } else if (type !== "file" && type !== "button" && type !== "reset") fields.push([i.name, i.value ?? ""]);
    }
    for (const t of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const i = attrs(t[1]);
      if (i.name && !("disabled" in i)) fields.push([i.name, decodeEntities(t[2]).replace(/^\n/, "")]);
    }
    for (const t of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const i = attrs(t[1]);
      if (!i.name || "disabled" in i) continue;
      let selected: string | undefined;
      let first: string | undefined;
      for (const o of t[2].matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)) {
        const oa = attrs(o[1]);
        const value = oa.value ?? decodeEntities(o[2].replace(/<[^>]*>/g, "")).trim();
        first ??= value;
        if ("selected" in oa) selected = value;
        addChoice(i.name, value);
      }
      if (selected ?? first) fields.push([i.name, (selected ?? first)!]);
    }
    for (const t of body.matchAll(/<button\b([^>]*)>/gi)) {
      const i = attrs(t[1]);
      if (i.name && (i.type ?? "submit") === "submit" && !("disabled" in i)) buttons.push([i.name, i.value ?? ""]);
    }
    forms.push({ action: a.action || pageUrl, fields, buttons, choices });
  }
  return forms;
}
