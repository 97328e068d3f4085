// Drives the Langfuse JS SDK against LANGFUSE_BASE_URL (with LANGFUSE_PUBLIC_KEY and
// LANGFUSE_SECRET_KEY) and prints what it saw as one JSON line; the Python test checks it.
import { LangfuseClient } from "@langfuse/client";

const langfuse = new LangfuseClient({
  publicKey: process.env.LANGFUSE_PUBLIC_KEY,
  secretKey: process.env.LANGFUSE_SECRET_KEY,
  baseUrl: process.env.LANGFUSE_BASE_URL,
});
const name = process.env.PROMPT_NAME;

const created = await langfuse.prompt.create({
  name,
  prompt: "Hello {{who}}",
  labels: ["production"],
  tags: ["js"],
  config: { temperature: 0.4 },
  commitMessage: "from js",
});
await langfuse.prompt.create({
  name,
  type: "chat",
  prompt: [
    { role: "system", content: "Help {{who}}" },
    { type: "placeholder", name: "history" },
  ],
});
const moved = await langfuse.prompt.update({ name, version: 2, newLabels: ["staging"] });
const text = await langfuse.prompt.get(name);
const chat = await langfuse.prompt.get(name, { label: "staging", type: "chat" });
const pinned = await langfuse.prompt.get(name, { version: 2, type: "chat" });
const missing = await langfuse.prompt.get(`${name}-missing`, { fallback: "fallback {{x}}" });

console.log(
  JSON.stringify({
    created: created.version,
    movedLabels: moved.labels,
    text: { version: text.version, labels: text.labels, compiled: text.compile({ who: "Ada" }), config: text.config, tags: text.tags },
    chat: {
      version: chat.version,
      labels: chat.labels,
      pinnedLabels: pinned.labels,
      compiled: chat.compile({ who: "Ada" }, { history: [{ role: "user", content: "Hi" }] }),
    },
    missing: { isFallback: missing.isFallback, compiled: missing.compile({ x: "1" }) },
  }),
);
