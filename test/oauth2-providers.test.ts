import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MappedUser, ProviderPayload } from "../src/auth/oauth2/provider.ts";
import { PROVIDERS, findProvider } from "../src/auth/oauth2/registry.ts";

/** One sample payload per provider and what it maps to (unset fields are ""). */
const cases: { provider: string; payload: ProviderPayload; expected: Partial<MappedUser> }[] = [
  {
    provider: "apple",
    payload: {
      raw: {
        sub: "a1",
        email: "a@example.com",
        email_verified: "true",
        user: { name: { firstName: "Ada", lastName: "L" } },
      },
    },
    expected: { id: "a1", name: "Ada L", email: "a@example.com" },
  },
  {
    provider: "apple",
    payload: { raw: { sub: "a1", email: "a@example.com", email_verified: false } },
    expected: { id: "a1" },
  },
  {
    provider: "google",
    payload: {
      raw: {
        sub: "g1",
        name: "Gee",
        picture: "https://p/g.png",
        email: "g@example.com",
        email_verified: true,
      },
    },
    expected: { id: "g1", name: "Gee", avatarURL: "https://p/g.png", email: "g@example.com" },
  },
  {
    provider: "google",
    payload: { raw: { sub: "g1", email: "g@example.com", email_verified: false } },
    expected: { id: "g1" },
  },
  {
    provider: "microsoft",
    payload: {
      raw: { id: "m1", displayName: "Em", mail: "m@example.com" },
      extra: { mode: "", idToken: null },
    },
    expected: { id: "m1", name: "Em", email: "m@example.com" },
  },
  {
    provider: "microsoft",
    payload: {
      raw: { id: "m1", mail: "spoofed@example.com" },
      extra: { mode: "email_and_xms_edov", idToken: { email: "m@example.com", xms_edov: false } },
    },
    expected: { id: "m1" },
  },
  {
    provider: "microsoft",
    payload: {
      raw: { id: "m1" },
      extra: { mode: "any_verified", idToken: { email: "m@example.com", xms_edov: true } },
    },
    expected: { id: "m1", email: "m@example.com" },
  },
  {
    provider: "microsoft",
    payload: {
      raw: { id: "m1" },
      extra: { mode: "verified_primary_email", idToken: { verified_primary_email: ["p@example.com"] } },
    },
    expected: { id: "m1", email: "p@example.com" },
  },
  {
    provider: "yandex",
    payload: {
      raw: {
        id: "1234",
        real_name: "Ya",
        login: "ya",
        default_email: "y@example.com",
        is_avatar_empty: false,
        default_avatar_id: "av1",
      },
    },
    expected: {
      id: "1234",
      name: "Ya",
      username: "ya",
      email: "y@example.com",
      avatarURL: "https://avatars.yandex.net/get-yapic/av1/islands-200",
    },
  },
  {
    provider: "facebook",
    payload: {
      raw: { id: "f1", name: "Eff", email: "f@example.com", picture: { data: { url: "https://p/f.png" } } },
    },
    expected: { id: "f1", name: "Eff", email: "f@example.com", avatarURL: "https://p/f.png" },
  },
  {
    provider: "instagram2",
    payload: {
      raw: {
        id: "ig-app-id",
        user_id: 17841400,
        username: "insta",
        name: "In",
        profile_picture_url: "https://p/i.png",
      },
    },
    expected: { id: "17841400", name: "In", username: "insta", avatarURL: "https://p/i.png" },
  },
  {
    provider: "github",
    payload: {
      raw: { id: 42, login: "octo", name: "Octo Cat", email: null, avatar_url: "https://p/o.png" },
      extra: { email: "o@example.com" },
    },
    expected: {
      id: "42",
      name: "Octo Cat",
      username: "octo",
      email: "o@example.com",
      avatarURL: "https://p/o.png",
    },
  },
  {
    provider: "gitlab",
    payload: {
      raw: { id: 7, name: "Lab", username: "lab", email: "l@example.com", avatar_url: "https://p/l.png" },
    },
    expected: { id: "7", name: "Lab", username: "lab", email: "l@example.com", avatarURL: "https://p/l.png" },
  },
  {
    provider: "bitbucket",
    payload: {
      raw: {
        uuid: "{b1}",
        username: "bb",
        display_name: "Bee",
        account_status: "active",
        links: { avatar: { href: "https://p/b.png" } },
      },
      extra: { email: "b@example.com" },
    },
    expected: {
      id: "{b1}",
      name: "Bee",
      username: "bb",
      email: "b@example.com",
      avatarURL: "https://p/b.png",
    },
  },
  {
    provider: "gitee",
    payload: {
      raw: { id: 9, login: "gt", name: "Gitee", email: "not-an-email", avatar_url: "https://p/t.png" },
      extra: { email: "t@example.com" },
    },
    expected: {
      id: "9",
      name: "Gitee",
      username: "gt",
      email: "t@example.com",
      avatarURL: "https://p/t.png",
    },
  },
  {
    provider: "gitea",
    payload: {
      raw: {
        id: 3,
        full_name: "Tea",
        login: "tea",
        email: "tea@example.com",
        avatar_url: "https://p/tea.png",
      },
    },
    expected: {
      id: "3",
      name: "Tea",
      username: "tea",
      email: "tea@example.com",
      avatarURL: "https://p/tea.png",
    },
  },
  {
    provider: "discord",
    payload: {
      raw: {
        id: "d1",
        username: "dis",
        global_name: "Dis Cord",
        discriminator: "0",
        avatar: "hash",
        email: "d@example.com",
        verified: true,
      },
    },
    expected: {
      id: "d1",
      name: "Dis Cord",
      username: "dis",
      email: "d@example.com",
      avatarURL: "https://cdn.discordapp.com/avatars/d1/hash.png",
    },
  },
  {
    provider: "discord",
    payload: {
      raw: {
        id: "d2",
        username: "old",
        discriminator: "1234",
        avatar: "",
        email: "d2@example.com",
        verified: false,
      },
    },
    expected: { id: "d2", name: "old#1234", username: "old" },
  },
  {
    provider: "twitter",
    payload: {
      raw: {
        data: {
          id: "x1",
          name: "Ex",
          username: "ex",
          confirmed_email: "x@example.com",
          profile_image_url: "https://p/x.png",
        },
      },
    },
    expected: { id: "x1", name: "Ex", username: "ex", email: "x@example.com", avatarURL: "https://p/x.png" },
  },
  {
    provider: "kakao",
    payload: {
      raw: {
        id: 123456789,
        properties: { nickname: "kk", profile_image: "https://p/k.png" },
        kakao_account: { email: "k@example.com", is_email_valid: true, is_email_verified: true },
      },
    },
    expected: { id: "123456789", username: "kk", email: "k@example.com", avatarURL: "https://p/k.png" },
  },
  {
    provider: "kakao",
    payload: {
      raw: {
        id: 1,
        kakao_account: { email: "k@example.com", is_email_valid: true, is_email_verified: false },
      },
    },
    expected: { id: "1" },
  },
  {
    provider: "vk",
    payload: {
      raw: {
        response: [
          { id: 55, first_name: "Vee", last_name: "Kay", screen_name: "vk55", photo_max: "https://p/v.png" },
        ],
      },
      extra: { email: "v@example.com" },
    },
    expected: {
      id: "55",
      name: "Vee Kay",
      username: "vk55",
      email: "v@example.com",
      avatarURL: "https://p/v.png",
    },
  },
  {
    provider: "linear",
    payload: {
      raw: {
        data: {
          viewer: {
            id: "lin1",
            displayName: "lin",
            name: "Lin Ear",
            email: "lin@example.com",
            avatarUrl: "https://p/lin.png",
            active: true,
          },
        },
      },
    },
    expected: {
      id: "lin1",
      name: "Lin Ear",
      username: "lin",
      email: "lin@example.com",
      avatarURL: "https://p/lin.png",
    },
  },
  {
    provider: "notion",
    payload: {
      raw: {
        bot: {
          owner: {
            type: "user",
            user: { id: "n1", name: "No", avatar_url: "https://p/n.png", person: { email: "n@example.com" } },
          },
        },
      },
    },
    expected: { id: "n1", name: "No", email: "n@example.com", avatarURL: "https://p/n.png" },
  },
  {
    provider: "monday",
    payload: {
      raw: {
        data: {
          me: {
            id: "77",
            enabled: true,
            name: "Mon",
            email: "mon@example.com",
            is_verified: true,
            photo_small: "https://p/m.png",
          },
        },
      },
    },
    expected: { id: "77", name: "Mon", email: "mon@example.com", avatarURL: "https://p/m.png" },
  },
  {
    provider: "lark",
    payload: {
      raw: {
        code: 0,
        data: {
          union_id: "on_1",
          name: "Lark",
          avatar_url: "https://p/lk.png",
          email: "unverified@example.com",
        },
      },
    },
    expected: { id: "on_1", name: "Lark", avatarURL: "https://p/lk.png" },
  },
  {
    provider: "box",
    payload: {
      raw: {
        id: "b9",
        name: "Box",
        login: "box@example.com",
        avatar_url: "https://p/box.png",
        status: "active",
      },
    },
    expected: { id: "b9", name: "Box", email: "box@example.com", avatarURL: "https://p/box.png" },
  },
  {
    provider: "spotify",
    payload: {
      raw: {
        id: "sp1",
        display_name: "Spot",
        email: "unverified@example.com",
        images: [{ url: "https://p/s.png" }],
      },
    },
    expected: { id: "sp1", name: "Spot", avatarURL: "https://p/s.png" },
  },
  {
    provider: "trakt",
    payload: {
      raw: {
        user: {
          username: "tr",
          name: "Trakt",
          ids: { slug: "tr", uuid: "u-1" },
          images: { avatar: { full: "https://p/tr.png" } },
        },
      },
    },
    expected: { id: "u-1", name: "Trakt", username: "tr", avatarURL: "https://p/tr.png" },
  },
  {
    provider: "twitch",
    payload: {
      raw: {
        data: [
          {
            id: "tw1",
            login: "twi",
            display_name: "Twi",
            email: "tw@example.com",
            profile_image_url: "https://p/tw.png",
          },
        ],
      },
    },
    expected: {
      id: "tw1",
      name: "Twi",
      username: "twi",
      email: "tw@example.com",
      avatarURL: "https://p/tw.png",
    },
  },
  {
    provider: "patreon",
    payload: {
      raw: {
        data: {
          id: "pa1",
          attributes: {
            email: "pa@example.com",
            full_name: "Pat",
            vanity: "pat",
            image_url: "https://p/pa.png",
            is_email_verified: true,
          },
        },
      },
    },
    expected: {
      id: "pa1",
      name: "Pat",
      username: "pat",
      email: "pa@example.com",
      avatarURL: "https://p/pa.png",
    },
  },
  {
    provider: "strava",
    payload: {
      raw: { id: 1001, firstname: "Str", lastname: "Ava", username: "strava1", profile: "https://p/st.png" },
    },
    expected: { id: "1001", name: "Str Ava", username: "strava1", avatarURL: "https://p/st.png" },
  },
  {
    provider: "wakatime",
    payload: {
      raw: {
        data: {
          id: "wk1",
          display_name: "Waka",
          username: "waka",
          email: "w@example.com",
          photo: "https://p/w.png",
          photo_public: false,
          is_email_confirmed: true,
        },
      },
    },
    expected: { id: "wk1", name: "Waka", username: "waka", email: "w@example.com" },
  },
  {
    provider: "livechat",
    payload: {
      raw: {
        account_id: "lc1",
        name: "Live",
        email: "lc@example.com",
        email_verified: true,
        avatar_url: "https://p/lc.png",
      },
    },
    expected: { id: "lc1", name: "Live", email: "lc@example.com", avatarURL: "https://p/lc.png" },
  },
  {
    provider: "mailcow",
    payload: {
      raw: {
        id: "mc1",
        username: "mc@mail.example.com",
        email: "mc@mail.example.com",
        full_name: "Mail Cow",
        active: 1,
      },
    },
    expected: { id: "mc1", name: "Mail Cow", username: "mc", email: "mc@mail.example.com" },
  },
  {
    provider: "planningcenter",
    payload: {
      raw: {
        data: { id: "pc1", attributes: { status: "active", name: "Plan", avatar: "https://p/pc.png" } },
      },
    },
    expected: { id: "pc1", name: "Plan", avatarURL: "https://p/pc.png" },
  },
  {
    provider: "oidc",
    payload: {
      raw: {
        sub: "o1",
        name: "Oh",
        preferred_username: "oh",
        picture: "https://p/o.png",
        email: "oh@example.com",
        email_verified: "true",
      },
    },
    expected: { id: "o1", name: "Oh", username: "oh", email: "oh@example.com", avatarURL: "https://p/o.png" },
  },
  {
    provider: "oidc2",
    payload: { raw: { sub: "o2", email: "oh@example.com" } },
    expected: { id: "o2" },
  },
  {
    provider: "oidc3",
    payload: { raw: { sub: "o3", email: "oh@example.com", email_verified: true } },
    expected: { id: "o3", email: "oh@example.com" },
  },
];

const EMPTY: MappedUser = { id: "", name: "", username: "", email: "", avatarURL: "" };

describe("OAuth2 providers", () => {
  test("32 providers under PocketBase's names, with display names, logos, endpoints and PKCE defaults", () => {
    assert.equal(PROVIDERS.length, 32);
    assert.equal(new Set(PROVIDERS.map((p) => p.name)).size, 32);
    for (const p of PROVIDERS) {
      assert.ok(p.displayName, p.name);
      assert.match(p.logo, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/, p.name);
      const selfHosted = ["mailcow", "oidc", "oidc2", "oidc3"].includes(p.name);
      for (const url of [p.authURL, p.tokenURL, ...(p.userInfoURL ? [p.userInfoURL] : [])]) {
        if (selfHosted) assert.equal(url, "", `${p.name} has no default endpoints`);
        else assert.match(url, /^https:\/\//, `${p.name}: ${url}`);
      }
    }
    const noPkce = PROVIDERS.filter((p) => !p.pkce).map((p) => p.name);
    assert.deepEqual(noPkce.sort(), ["bitbucket", "linear", "vk"]);
    assert.equal(findProvider("apple")?.authParams?.response_mode, "form_post");
  });

  test("every provider has a mapping case", () => {
    const covered = new Set(cases.map((c) => c.provider));
    assert.deepEqual(
      PROVIDERS.map((p) => p.name).filter((n) => !covered.has(n)),
      [],
    );
  });

  for (const [i, c] of cases.entries()) {
    test(`${c.provider} maps its user (case ${i})`, () => {
      const def = findProvider(c.provider);
      assert.ok(def);
      assert.deepEqual(def.mapUser(c.payload), { ...EMPTY, ...c.expected });
    });
  }

  test("inactive or incomplete accounts are refused", () => {
    const refused: [string, ProviderPayload][] = [
      ["bitbucket", { raw: { uuid: "x", account_status: "closed" } }],
      ["linear", { raw: { data: { viewer: { id: "x", active: false } } } }],
      ["monday", { raw: { data: { me: { id: "x", enabled: false } } } }],
      ["box", { raw: { id: "x", status: "inactive" } }],
      ["mailcow", { raw: { id: "x", active: 0 } }],
      ["planningcenter", { raw: { data: { id: "x", attributes: { status: "inactive" } } } }],
      ["vk", { raw: { response: [] } }],
      ["twitch", { raw: { data: [] } }],
    ];
    for (const [name, payload] of refused) {
      assert.throws(() => findProvider(name)!.mapUser(payload), Error, name);
    }
  });

  test("values of the wrong type read as empty, never as trusted", () => {
    const mapped = findProvider("google")!.mapUser({
      raw: { sub: { $ne: null }, email: ["a@example.com"], email_verified: "yes", name: 5 },
    });
    assert.deepEqual(mapped, EMPTY);
  });
});
