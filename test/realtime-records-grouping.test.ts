/**
 * The fan-out's grouping, without transports: for a mix of clients (guests, users, a manager,
 * superusers) and subscriptions (collection, record, id and legacy topics; filter, expand,
 * fields and header options), the messages computed for all of them at once are exactly those
 * computed for each subscription on its own, and clients that must get the same bytes share one
 * message object.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recordDeliveries, type Delivery, type RecordAction } from "../src/api/realtime-records.ts";
import { MemoryBroker } from "../src/realtime/broker.ts";
import { Client } from "../src/realtime/client.ts";
import { findSuperuser } from "../src/core/records/superusers.ts";
import { Record, type AuthRecord } from "../src/core/records/record.ts";
import { saveRecord } from "../src/core/records/record-save.ts";
import { startTestServer, SUPERUSER } from "./helpers/server.ts";

const options = (o: object): string => `?options=${encodeURIComponent(JSON.stringify(o))}`;

/** Every (client id, subscription) → data of a set of deliveries. */
function flatten(deliveries: Delivery[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of deliveries) {
    for (const c of d.clients) {
      const key = `${c.id} ${d.message.name}`;
      assert.equal(out.has(key), false, `one message per client and subscription: ${key}`);
      out.set(key, d.message.data);
    }
  }
  return out;
}

describe("realtime record events: grouping", () => {
  it("computes for many clients at once exactly what it computes for each alone", async (t) => {
    const srv = await startTestServer(t);
    const app = srv.app;
    const users = app.findCollectionByNameOrId("users")!;
    const makeUser = async (name: string): Promise<Record> => {
      const u = new Record(users);
      u.set("email", `${name}@example.com`);
      u.set("name", name);
      u.set("password", "x");
      u.refreshTokenKey();
      await saveRecord(app, u, { skipValidation: true });
      return u;
    };
    const [u1, u2, boss] = [await makeUser("u1"), await makeUser("u2"), await makeUser("boss")];
    const su = (await findSuperuser(app, SUPERUSER.email))!;
    await srv.pb.collections.update("users", {
      listRule: "",
      viewRule: "id = @request.auth.id",
      manageRule: '@request.auth.name = "boss"',
    });
    const posts = await srv.pb.collections.create({
      name: "posts",
      fields: [
        { name: "title", type: "text" },
        { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
        { name: "public", type: "bool" },
        { name: "secret", type: "text", hidden: true },
      ],
      listRule: "public = true || author = @request.auth.id",
      viewRule: 'author = @request.auth.id || @request.headers.x_key = "k"',
    });

    const auths: [string, AuthRecord | null][] = [
      ["guest", null],
      ["u1", u1],
      ["u2", u2],
      ["boss", boss],
      ["su", su],
    ];
    const subscriptionsFor = (id: string, collection: string, collectionId: string): string[] => [
      `${collection}/*`,
      `${collectionId}/*`,
      collection,
      `${collection}/${id}`,
      `${collectionId}/${id}`,
      `${collection}/*${options({ query: { filter: 'title ~ "a"' } })}`,
      `${collection}/*${options({ query: { filter: 'author.name = "u1"' } })}`,
      `${collection}/*${options({ query: { filter: "author = @request.auth.id" } })}`,
      `${collection}/*${options({ query: { expand: "author", fields: "id,title,expand.author.email" } })}`,
      `${collection}/*${options({ query: { fields: "title,secret,email" } })}`,
      `${collection}/${id}${options({ headers: { "X-Key": "k" } })}`,
    ];

    const check = async (action: RecordAction, record: Record, subscriptions: string[]) => {
      const broker = new MemoryBroker<AuthRecord>();
      const singles: { client: Client<AuthRecord>; subscription: string }[] = [];
      const firstClientOf = new Map<string, string>();
      // Three clients per auth and subscription set, so that groups have several members.
      for (const [name, auth] of auths) {
        for (let copy = 0; copy < 3; copy++) {
          const client = new Client<AuthRecord>();
          if (copy === 0) firstClientOf.set(name, client.id);
          client.auth = auth;
          broker.register(client);
          client.setSubscriptions(subscriptions);
          for (const subscription of subscriptions) singles.push({ client, subscription });
        }
      }
      const grouped = await recordDeliveries(app, action, record, broker);
      const all = flatten(grouped);

      const expected = new Map<string, string>();
      for (const { client, subscription } of singles) {
        const alone = new MemoryBroker<AuthRecord>();
        const single = new Client<AuthRecord>({ id: client.id });
        single.auth = client.auth;
        alone.register(single);
        single.setSubscriptions([subscription]);
        for (const [key, data] of flatten(await recordDeliveries(app, action, record, alone))) {
          expected.set(key, data);
        }
      }
      assert.deepEqual(all, expected);
      // The same bytes for the same subscription are one message object.
      const names = grouped.map((d) => `${d.message.name}\n${d.message.data}`);
      assert.equal(new Set(names).size, names.length);
      /** What the (first) client of an auth got for a subscription (undefined: nothing). */
      const got = (name: string, subscription: string) =>
        all.get(`${firstClientOf.get(name)} ${subscription}`);
      /** The subscriptions an auth got a message for. */
      const gotAll = (name: string) => subscriptions.filter((s) => got(name, s) !== undefined);
      return { all, grouped, got, gotAll };
    };

    const post = new Record(app.findCollectionByNameOrId("posts")!);
    post.set("title", "a post");
    post.set("author", u1.id);
    post.set("secret", "s");
    await saveRecord(app, post);
    const postSubscriptions = subscriptionsFor(post.id, "posts", posts.id);
    const [, , , , , filtered, joined, authFilter, expanded, picked, withHeader] = postSubscriptions as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const privatePost = await check("create", post, postSubscriptions);
    // Private and u1's: the header opens the viewRule to anyone; @request in a client filter
    // is refused to non-superusers, and matches nothing for the superuser here.
    assert.deepEqual(privatePost.gotAll("guest"), [withHeader]);
    assert.deepEqual(privatePost.gotAll("u2"), [withHeader]);
    assert.deepEqual(privatePost.gotAll("boss"), [withHeader]);
    const everything = postSubscriptions.filter((s) => s !== authFilter);
    assert.deepEqual(privatePost.gotAll("u1"), everything);
    assert.deepEqual(privatePost.gotAll("su"), everything);
    assert.match(privatePost.got("u1", expanded)!, /"expand":\{"author":\{"email":"u1@example.com"/);
    assert.equal(privatePost.got("u1", picked), '{"record":{"title":"a post"},"action":"create"}');
    assert.equal(
      privatePost.got("su", picked),
      '{"record":{"secret":"s","title":"a post"},"action":"create"}',
    );

    post.set("public", true);
    await saveRecord(app, post);
    const publicPost = await check("update", post, postSubscriptions);
    for (const name of ["guest", "u2", "boss"]) {
      assert.deepEqual(publicPost.gotAll(name), [
        `posts/*`,
        `${posts.id}/*`,
        "posts",
        filtered,
        joined,
        expanded,
        picked,
        withHeader,
      ]);
    }
    // u2 may not see u1: the expand is resolved but empty.
    assert.match(publicPost.got("u2", expanded)!, /"expand":\{\}/);
    // Everyone but superusers shares one message per subscription (encoded once).
    const plain = publicPost.grouped.filter((d) => d.message.name === "posts/*");
    assert.deepEqual(plain.map((d) => d.clients.length).sort(), [12, 3]);

    const deleted = await check("delete", post, postSubscriptions);
    assert.deepEqual(deleted.gotAll("guest"), publicPost.gotAll("guest"));

    // An auth record: its email for the owner, the manager and superusers only.
    const userSubscriptions = subscriptionsFor(u1.id, "users", users.id);
    const userEvent = await check("update", u1, userSubscriptions);
    const sawEmail = (name: string) => userEvent.got(name, "users/*")?.includes('"email":"u1@example.com"');
    assert.deepEqual(
      auths.map(([name]) => [name, sawEmail(name)]),
      [
        ["guest", false],
        ["u1", true],
        ["u2", false],
        ["boss", true],
        ["su", true],
      ],
    );
  });
});
