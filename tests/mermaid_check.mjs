// Parse a Mermaid diagram read from stdin with Mermaid's own parser.
//
// Usage: node tests/mermaid_check.mjs < diagram.mmd
// MERMAID_PARSER_DIR names the folder where `npm install @mermaid-js/parser` ran
// (default /tmp/mermaid). Prints the parsed diagram as JSON and exits 0, or prints
// the parse error and exits 1; exits 2 when the parser is not installed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const folder = process.env.MERMAID_PARSER_DIR || "/tmp/mermaid";
const packageDir = join(folder, "node_modules", "@mermaid-js", "parser");

async function loadParser() {
  // The package exports only an ES module entry, so import it by file path
  // instead of resolving the name from this script's folder.
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const entry = manifest.exports["."].import;
  return import(pathToFileURL(join(packageDir, entry)).href);
}

function withoutCycles(key, value) {
  // Langium AST nodes point back at their parents and documents.
  return key.startsWith("$") ? undefined : value;
}

let parser;
try {
  parser = await loadParser();
} catch (error) {
  console.error(`@mermaid-js/parser not found under ${folder}: ${error.message}`);
  process.exit(2);
}

const text = readFileSync(0, "utf8");
const diagramType = text.trim().split(/\s+/, 1)[0];
try {
  const ast = await parser.parse(diagramType, text);
  console.log(JSON.stringify({ type: diagramType, ...ast }, withoutCycles));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
