// The official TypeScript MCP client against `flask --app mediphant mcp` over stdio.
// Usage: node ts_client.mjs NODE_DIR PYTHON; prints one JSON object for the test to check.
import { createRequire } from "node:module";
import { join } from "node:path";

const [nodeDir, python] = process.argv.slice(2);
const require = createRequire(join(nodeDir, "package.json"));
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");

const transport = new StdioClientTransport({
  command: python,
  args: ["-m", "flask", "--app", "mediphant", "mcp"],
  env: { ...process.env, MEDIPHANT_ENV: "development" },
  stderr: "inherit",
});
const client = new Client({ name: "mediphant-test", version: "1.0.0" });
await client.connect(transport);

const { tools } = await client.listTools();
const call = await client.callTool({
  name: "check_interaction",
  arguments: { medA: "warfarin", medB: "Advil" },
});
const bad = await client.callTool({ name: "check_interaction", arguments: { medA: "", medB: 5 } });
const { resources } = await client.listResources();

console.log(
  JSON.stringify({
    server: client.getServerVersion(),
    tools: tools.map((t) => ({ name: t.name, hasOutputSchema: Boolean(t.outputSchema) })),
    call: { isError: Boolean(call.isError), structured: call.structuredContent, text: call.content[0].text },
    bad: { isError: Boolean(bad.isError), text: bad.content[0].text },
    resources: resources.map((r) => r.uri),
  }),
);
await client.close();
