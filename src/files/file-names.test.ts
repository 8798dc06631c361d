import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkFileName,
  extractExtension,
  keepFirstBytes,
  metadataOriginalName,
  needsSniffedExtension,
  normalizeFileName,
  snakeCase,
  uploadBaseName,
} from "./file-names.ts";

const R = "[a-z0-9]{10}"; // the random part

void describe("snakeCase (PocketBase's inflector.Snakecase)", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["  ", ""],
    ["!@#$%^", ""],
    ["...", ""],
    ["_", ""],
    ["John Doe", "john_doe"],
    ["John_Doe", "john_doe"],
    [".a!b@c#d$e%123. ", "a_b_c_d_e_123"],
    ["HelloWorld", "hello_world"],
    ["HelloWorld1HelloWorld2", "hello_world1_hello_world2"],
    ["TEST", "test"],
    ["testABR", "test_abr"],
    ["300_UhLKX91HVb", "300_uh_lkx91_hvb"],
    ["logo_vcfJJG5TAh", "logo_vcf_jjg5_tah"],
    ["café au lait", "caf_au_lait"],
    ["Фото", ""],
    ["emoji😀name", "emoji_name"],
  ];
  for (const [input, expected] of cases) {
    void it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
      assert.equal(snakeCase(input), expected));
  }
});

void describe("extractExtension", () => {
  const cases: [string, string][] = [
    ["test.txt", ".txt"],
    ["test.tar.gz", ".tar.gz"],
    ["test.a.tar.gz", ".tar.gz"],
    ["a.b.c.txt", ".c.txt"],
    ["noext", ""],
    [".png", ".png"],
    [".tar.gz", ".tar.gz"],
    ["....abc", "..abc"],
    ["trailing.", "."],
  ];
  for (const [input, expected] of cases) {
    void it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
      assert.equal(extractExtension(input), expected));
  }
});

void describe("normalizeFileName", () => {
  // [original name, sniffed extension, expected pattern] — PocketBase's own table first
  const cases: [string, string, string][] = [
    ["", ".txt", `^${R}_${R}\\.txt$`],
    [".png", "", `^${R}_${R}\\.png$`],
    [".tar.gz", "", `^${R}_${R}\\.tar\\.gz$`],
    ["a.tar.gz", "", `^a${R}_${R}\\.tar\\.gz$`],
    ["....abc", "", `^${R}_${R}\\.abc$`],
    ["a.b.c.?.?.?.2", "", `^a_b_c_${R}\\.2$`],
    ["a.b.c.d.tar.gz", "", `^a_b_c_d_${R}\\.tar\\.gz$`],
    ["abcd", ".txt", `^abcd_${R}\\.txt$`],
    [".abcd.123.", "", `^abcd_${R}\\.123$`],
    ["a  b! c d  . 456", "", `^a_b_c_d_${R}\\.456$`],
    ["a".repeat(101) + "." + "b".repeat(21), "", `^a{100}_${R}\\.b{20}$`],
    ["abc" + "d".repeat(290) + "." + "b".repeat(9), "", `^d{100}_${R}\\.b{9}$`],
    // ours
    ["image_!@ special", ".png", `^image_special_${R}\\.png$`],
    ["My Photo.PNG", ".png", `^my_photo_${R}\\.PNG$`],
    ["300_UhLKX91HVb.png", "", `^300_uh_lkx91_hvb_${R}\\.png$`],
    ["logo_vcfJJG5TAh.svg", "", `^logo_vcf_jjg5_tah_${R}\\.svg$`],
    ["archive.backup.tar.gz", "", `^archive_backup_${R}\\.tar\\.gz$`],
    ["résumé.pdf", "", `^r_sum_${R}\\.pdf$`],
    ["фото.jpg", "", `^${R}_${R}\\.jpg$`],
    ["名前.漢字", ".txt", `^${R}_${R}\\.txt$`], // no usable extension: sniffed
    ["report", "", `^report_${R}$`], // nothing sniffed: no extension
    ["x.", ".bin", `^x${R}_${R}\\.bin$`],
    ["weird.e<x>t", "", `^weird_${R}\\.ext$`],
    ["a.b#c+d=e*f-g", "", `^a${R}_${R}\\.b#c\\+d=e\\*f-g$`],
    ["data." + "x".repeat(30), "", `^data_${R}\\.x{20}$`],
    ["a\u0000b.txt", "", `^a_b_${R}\\.txt$`],
    ["x".repeat(400) + ".png", "", `^x{100}_${R}\\.png$`],
  ];
  for (const [input, sniffed, pattern] of cases) {
    void it(`${JSON.stringify(input.length > 40 ? input.slice(0, 40) + "…" : input)} → /${pattern}/`, () => {
      const name = normalizeFileName(input, sniffed);
      assert.match(name, new RegExp(pattern));
      assert.equal(checkFileName(name), null, `${name} passes PocketBase's name check`);
    });
  }

  void it("uses a fresh random part every time", () => {
    const names = new Set(Array.from({ length: 50 }, () => normalizeFileName("same.txt")));
    assert.equal(names.size, 50);
  });

  void it("normalises hostile upload names into safe names", () => {
    for (const hostile of [
      "../x.txt",
      "a/b.txt",
      "../../etc/passwd",
      "..\\..\\win.ini",
      "/abs.txt",
      "a\u0000b",
    ]) {
      const name = normalizeFileName(uploadBaseName(hostile), ".txt");
      assert.doesNotMatch(name, /[/\\\u0000]|\.\./, `${JSON.stringify(hostile)} → ${name}`);
      assert.equal(checkFileName(name), null, name);
    }
    assert.match(normalizeFileName(uploadBaseName("../x.txt")), new RegExp(`^x${R}_${R}\\.txt$`));
    // a backslash is no separator: it is dropped, and the double extension is kept
    assert.match(normalizeFileName("..\\..\\win.ini"), new RegExp(`^${R}_${R}\\.win\\.ini$`));
  });

  void it("tells when the extension must be sniffed", () => {
    assert.equal(needsSniffedExtension("photo"), true);
    assert.equal(needsSniffedExtension("photo."), true);
    assert.equal(needsSniffedExtension("名前.漢字"), true);
    assert.equal(needsSniffedExtension("photo.png"), false);
    assert.equal(needsSniffedExtension(".png"), false);
  });
});

void describe("upload names", () => {
  void it("reduces a declared file name to its base, as Go's multipart does", () => {
    const cases: [string, string][] = [
      ["photo.png", "photo.png"],
      ["../x", "x"],
      ["a/b", "b"],
      ["a/b/", "b"],
      ["/", "/"],
      ["", ""],
      ["C:\\Users\\me\\doc.txt", "C:\\Users\\me\\doc.txt"], // a backslash is not a separator on Unix
    ];
    for (const [input, expected] of cases) assert.equal(uploadBaseName(input), expected, input);
  });

  void it("cuts the original name kept in metadata to 255 bytes without splitting a character", () => {
    assert.equal(metadataOriginalName("short.txt"), "short.txt");
    assert.equal(metadataOriginalName("a".repeat(300)).length, 255);
    const cut = metadataOriginalName("é".repeat(200)); // 2 bytes each
    assert.equal(cut, "é".repeat(127));
    assert.equal(keepFirstBytes("ab😀", 3), "ab");
  });

  void it("checks names like PocketBase (1–150 characters, no leading dot, no slashes)", () => {
    assert.equal(checkFileName("ok.txt"), null);
    assert.equal(checkFileName("é".repeat(150)), null, "counted in characters");
    const bad: [string, string][] = [
      ["", "validation_length_out_of_range"],
      ["x".repeat(151), "validation_length_out_of_range"],
      ["a", "validation_match_invalid"],
      [".hidden", "validation_match_invalid"],
      ["/abs", "validation_match_invalid"],
      ["\\abs", "validation_match_invalid"],
      ["a/b", "validation_match_invalid"],
      ["a\\b", "validation_match_invalid"],
      ["ab\u0000c", "validation_match_invalid"],
    ];
    for (const [name, code] of bad) assert.equal(checkFileName(name)?.code, code, JSON.stringify(name));
  });
});
