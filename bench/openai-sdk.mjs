// bench/openai-sdk.mjs: the peer a user would otherwise write, the
// official OpenAI Node SDK streaming a chat completion and writing each
// delta to stdout as it arrives. OPENAI_BASE_URL and OPENAI_API_KEY from
// the environment, as t3-chat takes them. Run by bench/chat.sh.
import OpenAI from "openai";

const client = new OpenAI();
const stream = await client.chat.completions.create({
	model: "gpt-4o-mini",
	messages: [{ role: "user", content: "bench" }],
	stream: true,
	stream_options: { include_usage: true },
});
for await (const chunk of stream) {
	const d = chunk.choices?.[0]?.delta?.content;
	if (d) process.stdout.write(d);
}
