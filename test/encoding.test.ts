import { describe, expect, it } from "vitest";
import { base64ToBytes, base64UrlToBytes, bytesToBase64, bytesToBase64Url, randomBytes } from "../src/crypto/encoding";
import { basicCredentials } from "../src/crypto/webhook-credentials";

describe("base64 decoding, one implementation for keys, Basic credentials and cursors", () => {
  it("round-trips standard and URL-safe base64, with or without padding", () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
      expect(base64ToBytes(bytesToBase64(bytes).replace(/=+$/, ""))).toEqual(bytes);
      expect(base64UrlToBytes(bytesToBase64Url(bytes))).toEqual(bytes);
    }
  });

  it("refuses what is not base64", () => {
    for (const text of ["not base64!", "abcde", "ab=c", "a", "abc==="]) expect(base64ToBytes(text), text).toBeNull();
    for (const text of ["ab+c", "ab/c", "abc="]) expect(base64UrlToBytes(text), text).toBeNull();
  });

  it("reads Basic credentials, padded or not, and refuses malformed headers", () => {
    expect(basicCredentials(`Basic ${btoa("user:pa:ss")}`)).toEqual({ username: "user", password: "pa:ss" });
    expect(basicCredentials(`basic ${btoa("user:pw").replace(/=+$/, "")}`)).toEqual({
      username: "user",
      password: "pw",
    });
    for (const header of [
      undefined,
      "",
      "Basic",
      "Basic !!!",
      `Basic ${btoa("no-colon")}`,
      `Bearer ${btoa("a:b")}`,
      `Basic ${btoa("\xff:\xfe")}`,
    ]) {
      expect(basicCredentials(header), String(header)).toBeNull();
    }
  });
});
