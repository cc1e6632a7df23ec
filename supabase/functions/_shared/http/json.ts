/**
 * Strict JSON for request bodies: `JSON.parse`, plus a refusal of duplicate object keys.
 * `{"amount":"1","amount":"100"}` is valid JSON that JSON.parse silently reads as 100; a
 * trading API must not guess which one the caller meant.
 */

/** The first duplicated key in an already syntax-checked JSON text, or undefined. */
export function findDuplicateKey(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] != null;
    }
    i++;
  }
  return undefined;
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; message: string };

export function parseStrictJson(text: string): ParsedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "Request body is not valid JSON" };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    return { ok: false, message: `Duplicate key in request body: ${duplicate.slice(0, 64)}` };
  }
  return { ok: true, value };
}
