/**
 * A data folder for profiling the write path with bench/profile.ts: the quick bench's data set
 * (bench/lib/seed.ts) plus what the write scenarios send, as files beside it.
 *
 *   node bench/seed-writes.ts --out DIR
 *
 * writes DIR/pb_data (the data), DIR/user.token and DIR/chat.token (the tokens the bench's
 * creates and chat inserts send), DIR/posts.body and DIR/chat.body (a post create's and a chat insert's JSON body, `{i}` in
 * their text)
 * and one `DELETE` path per line in DIR/delete-posts10k.paths, delete-users.paths and
 * delete-organizations.paths (every seeded row, shuffled, minus the first user and its
 * organization, whose token signs the requests). Rules are set per run with profile.ts' `--sql`.
 * See docs/performance.md ("The write path") for the commands.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Prng } from "./lib/prng.ts";
import { PB_DESCRIPTION, plan } from "./lib/scenarios.ts";
import { seedDataFolder, userToken } from "./lib/seed.ts";

const { values } = parseArgs({
  options: { out: { type: "string" }, seed: { type: "string", default: "20250101" } },
});
if (!values.out) {
  console.error("usage: node bench/seed-writes.ts --out DIR");
  process.exit(2);
}
const out = values.out;
const data = join(out, "pb_data");
mkdirSync(data, { recursive: true });
const { dataset } = plan("quick", Number(values.seed));
const m = await seedDataFolder(data, dataset);

const rng = new Prng(7);
function shuffled(ids: string[], skip: Set<string>): string[] {
  const list = ids.filter((id) => !skip.has(id));
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}
const paths = (collection: string, ids: string[]) =>
  ids.map((id) => `/api/collections/${collection}/records/${id}`).join("\n") + "\n";

const first = m.users[0]!;
writeFileSync(join(out, "user.token"), userToken(first, m.usersAuth));
writeFileSync(join(out, "chat.token"), userToken(m.chat.poster, m.chat.auth));
writeFileSync(
  join(out, "chat.body"),
  JSON.stringify({ owner: m.chat.poster.id, room: m.chat.room, data: "a message {i}" }),
);
writeFileSync(
  join(out, "posts.body"),
  JSON.stringify({
    title: "post {i}",
    description: PB_DESCRIPTION,
    public: true,
    type: ["a", "c"],
    author: first.id,
  }),
);
writeFileSync(
  join(out, "delete-posts10k.paths"),
  paths("posts10k", shuffled(m.posts.posts10k ?? [], new Set())),
);
writeFileSync(
  join(out, "delete-users.paths"),
  paths(
    "users",
    shuffled(
      m.users.map((u) => u.id),
      new Set([first.id]),
    ),
  ),
);
writeFileSync(
  join(out, "delete-organizations.paths"),
  paths("organizations", shuffled(m.organizations, new Set([first.organization]))),
);
console.log(`seeded ${out} (first user ${first.id})`);
