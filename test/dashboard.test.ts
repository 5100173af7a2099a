import { describe, expect, it } from "vitest";
import { call } from "./helpers";

const ENTRY = "/assets/app.js";

/**
 * The dashboard's script as the browser loads it: the entry module and every module it imports, followed
 * through their `from "./x.js"` specifiers. Each must be served as JavaScript with the dashboard's headers.
 */
async function scriptModules(): Promise<Map<string, string>> {
  const modules = new Map<string, string>();
  const pending = [ENTRY];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (modules.has(path)) continue;
    const res = await call(path);
    expect(res.status, path).toBe(200);
    // A module script is refused unless it is served with a JavaScript MIME type.
    expect(res.headers.get("Content-Type"), path).toMatch(/^(text|application)\/javascript/);
    expect(res.headers.get("Content-Security-Policy"), path).toContain("script-src 'self'");
    expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
    const source = await res.text();
    modules.set(path, source);
    for (const [, specifier] of source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gm)) {
      expect(specifier, `${path} imports only its siblings`).toMatch(/^\.\.?\/[\w/.-]+\.js$/);
      pending.push(new URL(specifier!, `https://dashboard.test${path}`).pathname);
    }
  }
  return modules;
}

/** Every element with an id in the page rendered by GET /, by id: its tag names (more than one is a bug). */
async function pageIds(): Promise<Map<string, string[]>> {
  const ids = new Map<string, string[]>();
  const res = new HTMLRewriter()
    .on("[id]", {
      element(element) {
        const id = element.getAttribute("id")!;
        ids.set(id, [...(ids.get(id) ?? []), element.tagName]);
      },
    })
    .transform(await call("/"));
  await res.text();
  return ids;
}

/** The tags each kind the script asks `byId` for may have (HTMLElement: any). */
const TAGS_OF_KIND: Record<string, string[] | "any"> = {
  HTMLElement: "any",
  HTMLInputElement: ["input"],
  HTMLSelectElement: ["select"],
  HTMLTextAreaElement: ["textarea"],
  HTMLButtonElement: ["button"],
  HTMLFormElement: ["form"],
  HTMLDialogElement: ["dialog"],
  HTMLTableElement: ["table"],
  HTMLTableSectionElement: ["thead", "tbody", "tfoot"],
};

describe("dashboard", () => {
  it("serves the page at / as HTML with a CSP that allows only the Worker's own scripts and styles", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");

    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/assets/app.css"/>');
    expect(html).toContain("Integrate Email → Postmark");
  });

  it("has no external URLs, no inline scripts and no inline styles", async () => {
    const html = await (await call("/")).text();
    // The only absolute URL allowed is the SVG namespace, and that lives in the script (dom.js).
    expect(html).not.toMatch(/(?:src|href|action)="(?:https?:)?\/\//);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it("labels every input of the page", async () => {
    const html = await (await call("/")).text();
    const ids = [...html.matchAll(/<(?:input|select|textarea)[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(html, `label for ${id}`).toContain(`<label for="${id}">`);
  });

  it("serves its script as ES modules with their content type and the same CSP, each typechecked", async () => {
    const modules = await scriptModules();
    // The entry, the API and DOM helpers, and one module per view.
    expect([...modules.keys()].sort()).toEqual(
      [
        "/assets/api.js",
        "/assets/app.js",
        "/assets/dom.js",
        "/assets/views/deliverability.js",
        "/assets/views/report.js",
        "/assets/views/settings.js",
        "/assets/views/signin.js",
        "/assets/views/suppressions.js",
        "/assets/views/webhook.js",
      ].sort(),
    );
    for (const [path, source] of modules) {
      expect(source.startsWith("// @ts-check\n"), `${path} starts with // @ts-check`).toBe(true);
      expect(source, path).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      expect(source, path).not.toMatch(/localStorage/);
      // The page names the reasons (its filter's options); the script reads them from there.
      expect(source, path).not.toMatch(/hard_bounce|spam_complaint|"unsubscribe"|"manual"/);
    }
    expect(modules.get("/assets/api.js")).toContain("sessionStorage");
  });

  it("finds in the page every element id its script looks up, on an element of the kind it expects", async () => {
    const ids = await pageIds();
    for (const [id, tags] of ids) expect(tags, `id "${id}" used once`).toHaveLength(1);

    const lookups: { path: string; id: string; kind: string }[] = [];
    for (const [path, source] of await scriptModules()) {
      // One way to find an element by id, with the id written out, so this test sees every lookup.
      const byIdCalls = source.match(/\bbyId\(/g)?.length ?? 0;
      const literalCalls = [...source.matchAll(/\bbyId\("([^"]+)",\s*(\w+)\)/g)];
      expect(literalCalls.length, `${path}: byId with a literal id and a kind`).toBe(
        byIdCalls - (path === "/assets/dom.js" ? 1 : 0), // minus its declaration
      );
      expect(source.match(/getElementById/g)?.length ?? 0, path).toBe(path === "/assets/dom.js" ? 1 : 0);
      expect(source, path).not.toMatch(/querySelector(All)?\(\s*["'`][^"'`]*#/);
      for (const [, id, kind] of literalCalls) lookups.push({ path, id: id!, kind: kind! });
    }
    expect(lookups.length).toBeGreaterThan(40);

    for (const { path, id, kind } of lookups) {
      const tags = TAGS_OF_KIND[kind];
      expect(tags, `${path}: a kind this test knows (${kind})`).toBeDefined();
      const tag = ids.get(id)?.[0];
      expect(tag, `${path}: #${id} is in the page`).toBeDefined();
      if (tags !== "any") expect(tags, `${path}: #${id} is a <${tag}>, wanted ${kind}`).toContain(tag);
    }
  });

  it("serves its stylesheet as CSS, and nothing of the script's typecheck setup", async () => {
    const css = await call("/assets/app.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(await css.text()).not.toMatch(/@import|url\(\s*["']?https?:/);
    expect((await call("/assets/tsconfig.json")).status).toBe(404);
  });

  it("answers unknown assets with 404 in the API's error shape", async () => {
    const res = await call("/assets/nope.js");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("keeps its CSP off the JSON API", async () => {
    const res = await call("/health");
    expect(res.headers.get("Content-Security-Policy")).toBeNull();
  });
});
