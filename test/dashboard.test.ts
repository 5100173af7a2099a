import { describe, expect, it } from "vitest";
import { call } from "./helpers";

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
    // The only absolute URL allowed is the SVG namespace, and that lives in app.js, not here.
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

  it("serves its script and stylesheet with their content types and the same CSP", async () => {
    const js = await call("/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("Content-Type")).toMatch(/^(text|application)\/javascript/);
    expect(js.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    const script = await js.text();
    expect(script).toContain("sessionStorage");
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(script).not.toMatch(/localStorage/);

    const css = await call("/assets/app.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(await css.text()).not.toMatch(/@import|url\(\s*["']?https?:/);
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
