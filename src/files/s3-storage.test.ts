import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { AwsV4Signer } from "aws4fetch";
import {
  freePort,
  startS3Server,
  swiftUnavailable,
  type S3TestServer,
} from "../../test/helpers/s3-server.ts";
import { S3Storage, goPathEscape, s3ConfigProblems, type S3StorageOptions } from "./s3-storage.ts";
import { runStorageSuite } from "./storage.case.ts";
import { StorageError } from "./storage.ts";

// The S3 suite runs against a real server: OpenStack Swift + s3api (installed by
// .ci/install-services.sh). Without its binaries it is skipped, saying why.
const unavailable = swiftUnavailable();
const skip = unavailable ?? false;

let server: Promise<S3TestServer> | undefined;
const getServer = (): Promise<S3TestServer> => (server ??= startS3Server());
after(async () => {
  if (server) await (await server).stop();
});

async function bucket(name: string, options: S3StorageOptions = {}): Promise<S3Storage> {
  const s = await getServer();
  const storage = new S3Storage({ ...s.config, bucket: name }, options);
  await storage.ensureBucket();
  return storage;
}

runStorageSuite({ name: "S3 (Swift s3api)", skip, create: () => bucket("contract") });

void describe("S3Storage against Swift s3api", { skip }, () => {
  void it("reports a wrong secret as forbidden", async () => {
    const s = await getServer();
    await bucket("auth");
    const bad = new S3Storage({ ...s.config, bucket: "auth", secret: "not-the-secret" });
    await assert.rejects(bad.list(""), (e: unknown) => e instanceof StorageError && e.code === "forbidden");
    await assert.rejects(
      bad.write("a/b.txt", Buffer.from("x"), { contentType: "text/plain" }),
      (e: unknown) => e instanceof StorageError && e.code === "forbidden" && e.status === 403,
    );
  });

  void it("reports a missing bucket as not_found", async () => {
    const s = await getServer();
    const none = new S3Storage({ ...s.config, bucket: "no-such-bucket" });
    await assert.rejects(none.list(""), (e: unknown) => e instanceof StorageError && e.code === "not_found");
    await assert.rejects(
      none.attributes("a/b.txt"),
      (e: unknown) => e instanceof StorageError && e.code === "not_found",
    );
  });

  void it("reports an unreachable endpoint as a network error", async () => {
    const port = await freePort(); // nothing listens there any more
    const down = new S3Storage(
      {
        endpoint: `http://127.0.0.1:${port}`,
        bucket: "x",
        region: "us-east-1",
        accessKey: "a",
        secret: "b",
        forcePathStyle: true,
      },
      { requestTimeoutMs: 5000 },
    );
    await assert.rejects(
      down.exists("a/b.txt"),
      (e: unknown) => e instanceof StorageError && e.code === "network",
    );
  });

  void it("reads metadata written PocketBase's way (URL path-escaped header values)", async () => {
    const s = await getServer();
    const storage = await bucket("compat");
    // an object PUT the way PocketBase's own S3 client writes it
    const url = storage.urlOf("col/rec/my_file_abc.png");
    const signer = new AwsV4Signer({
      method: "PUT",
      url: url.toString(),
      headers: {
        "content-type": "image/png",
        "x-amz-meta-original-filename": goPathEscape("my file (1).png"),
      },
      body: "png",
      accessKeyId: s.config.accessKey,
      secretAccessKey: s.config.secret,
      service: "s3",
      region: s.config.region,
    });
    const signed = await signer.sign();
    const res = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: "png" });
    assert.equal(res.status, 200, await res.text());
    const attrs = await storage.attributes("col/rec/my_file_abc.png");
    assert.equal(attrs.contentType, "image/png");
    assert.deepEqual(attrs.metadata, { "original-filename": "my file (1).png" });
    assert.equal(goPathEscape("my file (1).png"), "my%20file%20%281%29.png");
  });

  void it("pages through listings and batch-deletes more than one batch", async () => {
    const storage = await bucket("paging", { listPageSize: 40, deleteBatchSize: 30 });
    const keys = Array.from({ length: 105 }, (_, i) => `p/${String(i).padStart(5, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 20) {
      await Promise.all(
        keys.slice(i, i + 20).map((k) => storage.write(k, Buffer.from(k), { contentType: "text/plain" })),
      );
    }
    const listed = await storage.list("p/");
    assert.equal(listed.length, keys.length);
    assert.deepEqual(
      listed.map((e) => e.key),
      keys,
    );
    assert.deepEqual(await storage.deletePrefix("p/"), []);
    assert.deepEqual(await storage.list("p/"), []);
  });

  void it("keeps special characters in keys", async () => {
    const storage = await bucket("keys");
    const key = "col/rec/a name+with (odd) chars~&=ü.txt";
    await storage.write(key, Buffer.from("odd"), { contentType: "text/plain" });
    assert.deepEqual(
      (await storage.list("col/rec/")).map((e) => e.key),
      [key],
    );
    assert.equal(
      Buffer.from(await new Response((await storage.read(key)).body).arrayBuffer()).toString(),
      "odd",
    );
    await storage.copy(key, `${key}.copy`);
    assert.equal(await storage.exists(`${key}.copy`), true);
  });
});

void describe("S3Storage configuration", () => {
  const config = {
    bucket: "bkt",
    region: "eu-west-1",
    endpoint: "s3.example.test",
    accessKey: "k",
    secret: "s",
    forcePathStyle: false,
  };

  void it("builds virtual-host and path-style URLs like PocketBase", () => {
    assert.equal(
      new S3Storage(config).urlOf("a b/c.png").toString(),
      "https://bkt.s3.example.test/a%20b/c.png",
    );
    assert.equal(
      new S3Storage({ ...config, endpoint: "http://127.0.0.1:9000/", forcePathStyle: true })
        .urlOf("x/y")
        .toString(),
      "http://127.0.0.1:9000/bkt/x/y",
    );
  });

  void it("requires the settings PocketBase requires", () => {
    assert.deepEqual(s3ConfigProblems(config), []);
    assert.deepEqual(s3ConfigProblems({ ...config, bucket: "", secret: "" }), [
      "missing bucket",
      "missing secret",
    ]);
    assert.throws(() => new S3Storage({ ...config, endpoint: "" }), StorageError);
  });

  void it("escapes metadata values as Go's url.PathEscape", () => {
    assert.equal(goPathEscape("a-b_c.d~e$f&g+h:i=j@k"), "a-b_c.d~e$f&g+h:i=j@k");
    assert.equal(goPathEscape("a/b;c,d?e f%"), "a%2Fb%3Bc%2Cd%3Fe%20f%25");
    assert.equal(goPathEscape("é"), "%C3%A9");
  });
});

if (unavailable) {
  void describe("S3 suite", () => {
    void it("is skipped", { skip: unavailable }, () => undefined);
  });
}
